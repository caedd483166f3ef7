// Models whose gradient kills the worker thread it runs in, after a few hundred calls (once the
// worker has reported ready); in the main thread they are plain eight schools. `dying` exits with
// code 9; `vanishing` first drops the exit listeners, so it dies without a word, as an
// out-of-memory kill does. Workers import this module through `source: { module, exportName }`.
import { isMainThread } from "node:worker_threads";
import { model, Normal, HalfCauchy, type CompiledModel } from "../compiler/index.js";
import { schoolsSigma, schoolsY } from "./sampler-models.js";

const CALLS_BEFORE_DEATH = 500;

function killingWorker(name: string, silently: boolean): CompiledModel {
  const m = model(name, () => {
    const mu = Normal("mu", 0, 5);
    const tau = HalfCauchy("tau", 5);
    const thetaT = Normal("theta_t", 0, 1, { shape: [8] });
    Normal("y", mu.add(tau.mul(thetaT)), schoolsSigma, { observed: schoolsY });
  });
  m.source = { module: import.meta.url, exportName: name };
  if (isMainThread) return m;
  const flat = m.flat as { logpGrad: (x: Float64Array, g: Float64Array) => number };
  const logpGrad = flat.logpGrad;
  let calls = 0;
  flat.logpGrad = (x, g) => {
    if (++calls === CALLS_BEFORE_DEATH) {
      if (silently) process.removeAllListeners("exit");
      process.exit(9);
    }
    return logpGrad(x, g);
  };
  return m;
}

export const dying = killingWorker("dying", false);
export const vanishing = killingWorker("vanishing", true);
