// The sampler's own cost per leapfrog step: NUTS on each model (one chain, 1000 tuning + 1000 draws,
// in this thread) timed whole, against the model's logpGrad alone called as many times as NUTS
// called it. Effective samples per second against the gradient-only bound (n_steps × logpGrad time).
// Run after `npm run build`: node bench/sampler-overhead.mjs
import { model, Normal, HalfCauchy, HalfNormal, essBulk } from "../dist/compiler/index.js";

const y = [28, 8, -3, 7, -1, 1, 18, 12];
const sigma = [15, 10, 16, 11, 9, 11, 10, 18];
const models = {
  seed: model("seed", () => {
    const mu = Normal("mu", 0, 2);
    Normal("x", mu, HalfNormal("sigma", 3));
  }),
  eight_schools: model("eight_schools", () => {
    const mu = Normal("mu", 0, 5);
    const tau = HalfCauchy("tau", 5);
    const t = Normal("theta_t", 0, 1, { shape: [8] });
    Normal("obs", mu.add(tau.mul(t)), sigma, { observed: y });
  }),
};

function gradTime(m, calls) {
  const x = new Float64Array(m.size).fill(0.1);
  const g = new Float64Array(m.size);
  for (let i = 0; i < 20000; i++) m.flat.logpGrad(x, g);
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    x[0] = 0.1 + (i % 7) * 1e-3;
    m.flat.logpGrad(x, g);
  }
  return (performance.now() - t0) / calls;
}

console.log(`one chain of 1000 tuning + 1000 draws in this thread, Node ${process.versions.node}`);
console.log("model            leapfrog steps   sampling ms   logpGrad ns   sampler ns/step   ESS/s   bound ESS/s");
for (const [name, m] of Object.entries(models)) {
  m.sample({ chains: 1, draws: 300, tune: 300, seed: 1, cores: 1 }); // warm
  const t0 = performance.now();
  const trace = m.sample({ chains: 1, draws: 1000, tune: 1000, seed: 2, cores: 1, keepWarmup: true });
  const ms = performance.now() - t0;
  const steps = [trace.sampleStats.n_steps, trace.warmup.sampleStats.n_steps].reduce((s, a) => s + a.data.reduce((p, q) => p + q, 0), 0);
  const perGrad = gradTime(m, steps) * 1e6;
  const overhead = (ms * 1e6) / steps - perGrad;
  const first = Object.values(trace.posterior)[0];
  const ess = essBulk([Float64Array.from({ length: 1000 }, (_, d) => first.data[d * (first.data.length / 1000)])]);
  const keptSteps = trace.sampleStats.n_steps.data.reduce((p, q) => p + q, 0);
  console.log(
    `${name.padEnd(17)}${String(steps).padStart(14)}${ms.toFixed(1).padStart(14)}${perGrad.toFixed(0).padStart(14)}${overhead.toFixed(0).padStart(18)}` +
      `${((ess / ms) * 1000 * (keptSteps / steps)).toFixed(0).padStart(8)}${(ess / (keptSteps * perGrad * 1e-9)).toFixed(0).padStart(14)}`,
  );
}
