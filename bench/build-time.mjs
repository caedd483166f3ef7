// Build time per benchmark model: graph construction, logprob, gradient, rewrites, fusion and
// emission (what the build pass does per model() declaration), median of several runs; then the
// loop models (`pt.scan`) at N = 8000 steps: AR(1) and the HMM of MODELS.md, and a GARCH(1,1) and
// Stan's ARMA(1,1) written with scan (as test/scan.test.ts writes them).
import { HalfNormal, Model, Normal, Potential, emitModel, pt } from "../dist/compiler/index.js";
import { builders, constants, runtimeData } from "./models.mjs";
import { ar1Data, hmmData, loadData } from "./gen-data.mjs";

const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];

/** GARCH(1,1) volatilities as a scan; alpha and beta in (0, 0.5). */
const garch =
  ({ y }, bind) =>
  () => {
    const omega = HalfNormal("omega", 1);
    const alpha = pt.mul(0.5, pt.sigmoid(Normal("a", 0, 1)));
    const beta = pt.mul(0.5, pt.sigmoid(Normal("b", 0, 1)));
    const vol0 = HalfNormal("vol0", 1);
    const yv = bind("y", y);
    const vols = pt.scan((yPrev, volPrev) => pt.sqrt(pt.add(omega, pt.add(pt.mul(alpha, pt.square(yPrev)), pt.mul(beta, pt.square(volPrev))))), {
      sequences: pt.slice(yv, 0, -1),
      outputsInfo: vol0,
    });
    Normal("obs", 0, pt.concatenate([pt.expandDims(vol0, [0]), vols]), { observed: yv });
  };

/** Stan's ARMA(1,1): the errors as a scan. */
const arma =
  ({ y }, bind) =>
  () => {
    const mu = Normal("mu", 0, 10);
    const phi = Normal("phi", 0, 2);
    const theta = Normal("theta", 0, 2);
    const sigma = HalfNormal("sigma", 2.5);
    const yv = bind("y", y);
    const err0 = pt.sub(pt.index(yv, 0), pt.add(mu, pt.mul(phi, mu)));
    const errs = pt.scan((yt, yPrev, errPrev) => pt.sub(yt, pt.add(mu, pt.add(pt.mul(phi, yPrev), pt.mul(theta, errPrev)))), {
      sequences: [pt.slice(yv, 1), pt.slice(yv, 0, -1)],
      outputsInfo: err0,
    });
    const all = pt.concatenate([pt.expandDims(err0, [0]), errs]);
    Potential("lik", pt.sum(pt.sub(pt.mul(-0.5, pt.square(pt.div(all, sigma))), pt.log(sigma))));
  };

/** One row per data binding: the median of seven builds of the model, and the emitted text's size. */
function timeBuilds(id, builder, d) {
  for (const [label, bind] of [
    ["constants", constants],
    ["data()", runtimeData],
  ]) {
    const times = [];
    let size = 0;
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      const { body } = emitModel(Model.build(id, builder(d, bind)));
      times.push(performance.now() - t0);
      size = body.length;
    }
    console.log(`${id.padEnd(17)}${label.padEnd(11)}${median(times).toFixed(1).padStart(10)}${(size / 1024).toFixed(1).padStart(24)}`);
  }
}

console.log("model            data       build ms (median of 7)   emitted KB");
for (const id of ["seed", "eight_schools", "linreg", "logistic", "radon", "poisson"]) timeBuilds(id, builders[id], loadData(id));
const N = 8000;
const series = ar1Data(N);
timeBuilds("ar1 N=8000", builders.ar1, series);
timeBuilds("hmm N=8000", builders.hmm, hmmData(N));
timeBuilds("garch N=8000", garch, series);
timeBuilds("arma N=8000", arma, series);
