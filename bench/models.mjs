// The benchmark models of MODELS.md, written once as a user writes them with tsmc. `bind(name,
// value)` decides how data enters: as build-time constants or as data() inputs read at run time.
import { pt, model, data, Normal, HalfNormal, HalfCauchy, Bernoulli, Poisson, GaussianRandomWalk } from "../dist/compiler/index.js";

export const constants = (_name, value) => value;
export const runtimeData = (name, value) => data(name, value);

export const builders = {
  seed: () => () => {
    const mu = Normal("mu", 0, 2);
    const sigma = HalfNormal("sigma", 3);
    Normal("x", mu, sigma);
  },
  eight_schools:
    ({ J, y, sigma }, bind) =>
    () => {
      const mu = Normal("mu", 0, 5);
      const tau = HalfCauchy("tau", 5);
      const thetaT = Normal("theta_t", 0, 1, { shape: [J] });
      Normal("obs", pt.add(mu, pt.mul(tau, thetaT)), bind("sigma", sigma), { observed: bind("y_obs", y) });
    },
  linreg:
    ({ K, X, y }, bind) =>
    () => {
      const alpha = Normal("alpha", 0, 10);
      const beta = Normal("beta", 0, 10, { shape: [K] });
      const sigma = HalfNormal("sigma", 1);
      Normal("y", pt.add(alpha, pt.matmul(bind("X", X), beta)), sigma, { observed: bind("y_obs", y) });
    },
  logistic:
    ({ K, X, y }, bind) =>
    () => {
      const beta = Normal("beta", 0, 1, { shape: [K] });
      Bernoulli("y", { logit_p: pt.matmul(bind("X", X), beta), observed: bind("y_obs", y) });
    },
  radon:
    ({ J, group, x, y }, bind) =>
    () => {
      const muA = Normal("mu_a", 0, 10);
      const sigmaA = HalfNormal("sigma_a", 5);
      const aOffset = Normal("a_offset", 0, 1, { shape: [J] });
      const a = pt.add(muA, pt.mul(sigmaA, aOffset));
      const b = Normal("b", 0, 10);
      const sigmaY = HalfNormal("sigma_y", 5);
      const mean = pt.add(pt.index(a, bind("group", group)), pt.mul(b, bind("x", x)));
      Normal("y", mean, sigmaY, { observed: bind("y_obs", y) });
    },
  poisson:
    ({ K, X, y }, bind) =>
    () => {
      const alpha = Normal("alpha", 0, 1);
      const beta = Normal("beta", 0, 1, { shape: [K] });
      Poisson("y", pt.exp(pt.add(alpha, pt.matmul(bind("X", X), beta))), { observed: bind("y_obs", y) });
    },
  grw:
    ({ T = 10000 }) =>
    () => {
      const sigma = HalfNormal("sigma", 1);
      GaussianRandomWalk("w", { mu: 0, sigma, init_dist: Normal.dist(0, 10), steps: T });
    },
};
builders.linreg_N = builders.linreg;

/** An implementation module for harness.mjs: one factory per model id. */
export function adapter(bind, options = {}) {
  const out = {};
  for (const [id, builder] of Object.entries(builders)) {
    out[id] = (d) => {
      const m = model(id, builder(d, bind), options);
      return { size: m.size, logp: m.flat.logp, logpGrad: m.flat.logpGrad };
    };
  }
  return out;
}
