// The benchmark models of MODELS.md, written once as a user writes them with tsmc. `bind(name,
// value)` decides how data enters: as build-time constants or as data() inputs read at run time.
import { pt, model, data, transforms, Potential, Normal, HalfNormal, HalfCauchy, Bernoulli, Poisson, GaussianRandomWalk } from "../dist/compiler/index.js";

const LOG_2PI_HALF = 0.5 * Math.log(2 * Math.PI);
/** log Normal(v | m, s), written out as a Stan user writes it inside a loop. */
const normalLogDensity = (v, m, s) => pt.sub(pt.sub(pt.mul(-0.5, pt.square(pt.div(pt.sub(v, m), s))), pt.log(s)), LOG_2PI_HALF);

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
  // The likelihood accumulated in a loop, Stan style: acc_t = acc_{t-1} + log N(y_t | rho·y_{t-1}, sigma).
  ar1:
    ({ y }, bind) =>
    () => {
      const rho = Normal("rho", 0, 0.5);
      const sigma = HalfNormal("sigma", 1);
      const yv = bind("y", y);
      const acc = pt.scan((yt, yPrev, accPrev) => pt.add(accPrev, normalLogDensity(yt, pt.mul(rho, yPrev), sigma)), {
        sequences: [pt.slice(yv, 1), pt.slice(yv, 0, -1)],
        outputsInfo: 0,
      });
      Potential("lik", pt.index(acc, -1));
    },
  // The forward algorithm over K states with fixed transitions A: alpha_t = logsumexp over the
  // previous state of (alpha_{t-1} + log A), plus the emission's log density.
  hmm:
    ({ K, A, y }, bind) =>
    () => {
      const mu = Normal("mu", 0, 3, { shape: [K], transform: transforms.ordered, initval: [-1, 0, 1] });
      const sigma = HalfNormal("sigma", 1);
      const yv = bind("y", y);
      const Am = bind("A", A);
      const alpha0 = pt.add(Math.log(1 / K), normalLogDensity(pt.index(yv, 0), mu, sigma));
      // alpha_t = logsumexp_i(alpha_{t-1}[i] + log A[i, :]) + emission, with one max per step:
      // m + log(exp(alpha_{t-1} - m) @ A), as the hand-written reference computes it.
      const step = (yt, prev) => {
        const m = pt.max(prev);
        return pt.add(pt.add(pt.log(pt.dot(pt.exp(pt.sub(prev, m)), Am)), m), normalLogDensity(yt, mu, sigma));
      };
      const alphas = pt.scan(step, { sequences: pt.slice(yv, 1), outputsInfo: alpha0 });
      Potential("lik", pt.logsumexp(pt.index(alphas, -1)));
    },
};
builders.linreg_N = builders.linreg;
builders.ar1_N = builders.ar1;
builders.hmm_N = builders.hmm;

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
