// Gradient evaluations per effective sample on a 2-D Gaussian with correlation 0.99: NUTS with the
// diagonal metric (PyMC's default, init "jitter+adapt_diag") against the dense one ("jitter+adapt_full").
// 4 chains of 1000 tuning + 1000 kept draws, the same seeds; the effective sample size is the smaller
// bulk ESS of the two coordinates.
// Run after `npm run build`: node bench/dense-metric.mjs
import { model, MvNormal, essBulk } from "../dist/compiler/index.js";

const rho = 0.99;
const m = model(
  "correlated",
  () =>
    void MvNormal(
      "x",
      [0, 0],
      [
        [1, rho],
        [rho, 1],
      ],
    ),
);

function run(init) {
  const trace = m.sample({ init, chains: 4, draws: 1000, tune: 1000, seed: 11, cores: 1 });
  const steps = trace.sampleStats.n_steps.data.reduce((a, b) => a + b, 0);
  const x = trace.posterior.x;
  const [c, d] = x.shape;
  const coord = (k) => Array.from({ length: c }, (_, ci) => Float64Array.from({ length: d }, (_, di) => x.data[(ci * d + di) * 2 + k]));
  const ess = Math.min(essBulk(coord(0)), essBulk(coord(1)));
  return { steps, ess, perEss: steps / ess, meanTreeDepth: trace.sampleStats.tree_depth.data.reduce((a, b) => a + b, 0) / (c * d) };
}

console.log(`2-D Gaussian, correlation ${rho}: 4 chains x (1000 tuning + 1000 draws), Node ${process.versions.node}`);
console.log("metric   gradient evaluations (kept draws)   min bulk ESS   evaluations per ESS   mean tree depth");
for (const [label, init] of [
  ["diag", "jitter+adapt_diag"],
  ["full", "jitter+adapt_full"],
]) {
  const r = run(init);
  console.log(
    `${label.padEnd(9)}${String(r.steps).padStart(35)}${r.ess.toFixed(0).padStart(15)}${r.perEss.toFixed(2).padStart(22)}${r.meanTreeDepth.toFixed(2).padStart(18)}`,
  );
}
