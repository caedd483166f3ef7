// ADVI (m.fit, as PyMC's pm.fit) against NUTS on a linear regression with 100 000 observations:
// wall time to a usable posterior mean. Two slopes, an intercept and sigma; data generated here
// from a fixed seed. NUTS: one chain of 1000 tuning + 1000 draws. ADVI: mean-field with PyMC's
// defaults (adagrad_window, learningRate 0.001) and with a larger step size, then 1000 draws of q.
// Run after `npm run build`: node bench/advi-vs-nuts.mjs
import { model, data, Normal, HalfNormal, NDArray, pt } from "../dist/compiler/index.js";
import { Stream } from "../dist/runtime/random.js";

const N = 100_000;
const TRUE = { alpha: 1, beta: [2, -0.5], sigma: 0.8 };
const rng = new Stream("advi-vs-nuts");
const X = new Float64Array(N * 2);
const y = new Float64Array(N);
for (let i = 0; i < N; i++) {
  X[2 * i] = rng.normal();
  X[2 * i + 1] = rng.normal();
  y[i] = TRUE.alpha + TRUE.beta[0] * X[2 * i] + TRUE.beta[1] * X[2 * i + 1] + TRUE.sigma * rng.normal();
}

const m = model("linreg_1e5", () => {
  const alpha = Normal("alpha", 0, 10);
  const beta = Normal("beta", 0, 10, { shape: [2] });
  const sigma = HalfNormal("sigma", 1);
  Normal("y", pt.add(alpha, pt.matmul(data("X", new NDArray([N, 2], X)), beta)), sigma, { observed: data("y_obs", y) });
});

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const means = (trace) => {
  const b = trace.posterior.beta.data;
  const col = (k) => mean(b.filter((_, i) => i % 2 === k));
  return `alpha ${mean(trace.posterior.alpha.data).toFixed(4)}, beta [${col(0).toFixed(4)}, ${col(1).toFixed(4)}], sigma ${mean(trace.posterior.sigma.data).toFixed(4)}`;
};
const time = (f) => {
  const t0 = performance.now();
  const out = f();
  return [out, (performance.now() - t0) / 1000];
};

console.log(`linear regression, N = ${N}, Node ${process.versions.node}; true alpha ${TRUE.alpha}, beta [${TRUE.beta}], sigma ${TRUE.sigma}`);
m.flat.logp(Float64Array.from(m.meta.initialPoint)); // compile the model before timing
const [nuts, tNuts] = time(() => m.sample({ draws: 1000, tune: 1000, chains: 1, seed: 1 }));
const steps = nuts.sampleStats.n_steps.data.reduce((a, b) => a + b, 0);
console.log(`NUTS  1 chain, 1000 + 1000       ${tNuts.toFixed(2).padStart(6)} s   ${means(nuts)}   (${steps} gradients after warmup)`);
for (const [n, learningRate] of [
  [10_000, 0.001],
  [20_000, 0.001],
  [3_000, 0.01],
]) {
  const [[approx, trace], t] = time(() => {
    const approx = m.fit({ n, learningRate, seed: 1 });
    return [approx, approx.sample({ draws: 1000, seed: 1 })];
  });
  const last = mean(approx.hist.subarray(Math.floor(n * 0.9)));
  console.log(
    `ADVI  n ${String(n).padEnd(6)} lr ${String(learningRate).padEnd(6)} ${t.toFixed(2).padStart(6)} s   ${means(trace)}   (mean loss, last 10 %: ${last.toFixed(1)})`,
  );
}
