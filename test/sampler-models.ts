// Models the sampler tests share; the worker-thread tests import this module in each worker.
import { model, Normal, HalfNormal, HalfCauchy, Deterministic } from "../compiler/index.js";

export const schoolsY = [28, 8, -3, 7, -1, 1, 18, 12];
export const schoolsSigma = [15, 10, 16, 11, 9, 11, 10, 18];

/** Eight schools, non-centred, as in PyMC's example. */
export const eightSchools = model("eight_schools", () => {
  const mu = Normal("mu", 0, 5);
  const tau = HalfCauchy("tau", 5);
  const thetaT = Normal("theta_t", 0, 1, { shape: [8] });
  const theta = Deterministic("theta", mu.add(tau.mul(thetaT)));
  Normal("y", theta, schoolsSigma, { observed: schoolsY });
});

/** Normal likelihood with unknown mean and scale. */
export const normalData = [2.3, 1.1, 3.4, 2.9, 0.7, 2.2, 1.8, 3.9, 2.6, 1.5];
export const normalMeanScale = model("normal_mean_scale", () => {
  const mu = Normal("mu", 0, 10);
  const sigma = HalfNormal("sigma", 5);
  Normal("y", mu, sigma, { observed: normalData });
});
