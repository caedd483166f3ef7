// Vendored from the shared benchmark folder (../shared/bench/handwritten.mjs) so that CI, which has
// only this repository, can compare the compiled models with the hand-written reference.
// Hand-written log densities with analytic gradients for the benchmark models (MODELS.md):
// the speed limit for JavaScript. Each export takes the model's data and returns
// { size, logp(x), logpGrad(x, grad) } over the flat value-variable vector x.
const LOG_2PI_HALF = 0.5 * Math.log(2 * Math.PI);
const LOG_SQRT_2_OVER_PI = 0.5 * Math.log(2 / Math.PI);
const LOG_2_OVER_PI = Math.log(2 / Math.PI);

// log N(v | m, s) given log(s) and 1/s
const normal = (v, m, invS, logS) => { const z = (v - m) * invS; return -0.5 * z * z - logS - LOG_2PI_HALF; };
// log HalfNormal(v | s) for v = exp(t), plus the log-Jacobian t
const halfNormalLog = (t, s) => { const v = Math.exp(t) / s; return LOG_SQRT_2_OVER_PI - Math.log(s) - 0.5 * v * v + t; };
const halfNormalLogGrad = (t, s) => { const v = Math.exp(t) / s; return 1 - v * v; };
const f64 = (a) => Float64Array.from(a);
const rowMajor = (X) => Float64Array.from(X.flat());
function logFactorialSum(y) { let s = 0; for (const k of y) for (let j = 2; j <= k; j++) s += Math.log(j); return s; }

export function seed() {
  const logp = (x) => {
    const mu = x[0], t = x[1], v = x[2], sigma = Math.exp(t);
    return normal(mu, 0, 0.5, Math.log(2)) + halfNormalLog(t, 3) + normal(v, mu, 1 / sigma, t);
  };
  return {
    size: 3, logp,
    logpGrad(x, g) {
      const mu = x[0], t = x[1], v = x[2], inv = Math.exp(-t), r = (v - mu) * inv;
      g[0] = -mu / 4 + r * inv;
      g[1] = halfNormalLogGrad(t, 3) + r * r - 1;
      g[2] = -r * inv;
      return logp(x);
    },
  };
}

export function eight_schools({ J, y, sigma }) {
  const Y = f64(y), S = f64(sigma), invS = S.map((s) => 1 / s), logS = S.map(Math.log);
  const LOG_HC = Math.log(2 / Math.PI) - Math.log(5);
  function run(x, g) {
    const mu = x[0], t = x[1], tau = Math.exp(t), u = tau / 5;
    let lp = normal(mu, 0, 0.2, Math.log(5)) + LOG_HC - Math.log1p(u * u) + t;
    let gmu = -mu / 25, gt = 1 - (2 * u * u) / (1 + u * u);
    for (let j = 0; j < J; j++) {
      const th = x[2 + j], z = (Y[j] - mu - tau * th) * invS[j];
      lp += -0.5 * th * th - LOG_2PI_HALF - 0.5 * z * z - logS[j] - LOG_2PI_HALF;
      if (g) { const d = z * invS[j]; gmu += d; gt += d * tau * th; g[2 + j] = -th + d * tau; }
    }
    if (g) { g[0] = gmu; g[1] = gt; }
    return lp;
  }
  return { size: 2 + J, logp: (x) => run(x, null), logpGrad: run };
}

function linear({ N, K, X, y }) {
  const Xf = rowMajor(X), Y = f64(y), size = K + 2, b = new Float64Array(K), gb = new Float64Array(K);
  function run(x, g) {
    const alpha = x[0], t = x[1 + K], inv2 = Math.exp(-2 * t);
    for (let k = 0; k < K; k++) { b[k] = x[1 + k]; gb[k] = 0; }
    let ss = 0, sr = 0;
    for (let i = 0, o = 0; i < N; i++, o += K) {
      let m = alpha;
      for (let k = 0; k < K; k++) m += Xf[o + k] * b[k];
      const r = Y[i] - m;
      ss += r * r;
      if (g) { sr += r; for (let k = 0; k < K; k++) gb[k] += r * Xf[o + k]; }
    }
    let lp = normal(alpha, 0, 0.1, Math.log(10)) + halfNormalLog(t, 1) - N * (t + LOG_2PI_HALF) - 0.5 * ss * inv2;
    for (let k = 0; k < K; k++) lp += normal(b[k], 0, 0.1, Math.log(10));
    if (g) {
      g[0] = -alpha / 100 + sr * inv2;
      for (let k = 0; k < K; k++) g[1 + k] = -b[k] / 100 + gb[k] * inv2;
      g[1 + K] = halfNormalLogGrad(t, 1) - N + ss * inv2;
    }
    return lp;
  }
  return { size, logp: (x) => run(x, null), logpGrad: run };
}
export const linreg = linear;
export const linreg_N = linear;

export function logistic({ N, K, X, y }) {
  const Xf = rowMajor(X), Y = f64(y), gb = new Float64Array(K);
  function run(x, g) {
    let lp = 0;
    for (let k = 0; k < K; k++) { lp += -0.5 * x[k] * x[k] - LOG_2PI_HALF; gb[k] = 0; }
    for (let i = 0, o = 0; i < N; i++, o += K) {
      let eta = 0;
      for (let k = 0; k < K; k++) eta += Xf[o + k] * x[k];
      const e = Math.exp(-Math.abs(eta));
      lp += Y[i] * eta - (eta > 0 ? eta : 0) - Math.log1p(e);      // y*eta - softplus(eta)
      if (g) {
        const p = eta >= 0 ? 1 / (1 + e) : e / (1 + e), d = Y[i] - p;
        for (let k = 0; k < K; k++) gb[k] += d * Xf[o + k];
      }
    }
    if (g) for (let k = 0; k < K; k++) g[k] = gb[k] - x[k];
    return lp;
  }
  return { size: K, logp: (x) => run(x, null), logpGrad: run };
}

export function radon({ J, N, group, x: xs, y }) {
  const G = Int32Array.from(group), Xs = f64(xs), Y = f64(y), a = new Float64Array(J), ga = new Float64Array(J);
  const size = J + 4, B = 2 + J, SY = 3 + J;
  function run(p, g) {
    const muA = p[0], ta = p[1], sa = Math.exp(ta), b = p[B], ty = p[SY], inv2 = Math.exp(-2 * ty);
    let lp = normal(muA, 0, 0.1, Math.log(10)) + halfNormalLog(ta, 5) + normal(b, 0, 0.1, Math.log(10)) + halfNormalLog(ty, 5);
    for (let j = 0; j < J; j++) { const o = p[2 + j]; lp += -0.5 * o * o - LOG_2PI_HALF; a[j] = muA + sa * o; ga[j] = 0; }
    let ss = 0, gb = 0;
    for (let i = 0; i < N; i++) {
      const r = Y[i] - a[G[i]] - b * Xs[i];
      ss += r * r;
      if (g) { ga[G[i]] += r; gb += r * Xs[i]; }
    }
    lp += -N * (ty + LOG_2PI_HALF) - 0.5 * ss * inv2;
    if (g) {
      let gmu = -muA / 100, gta = halfNormalLogGrad(ta, 5);
      for (let j = 0; j < J; j++) { const d = ga[j] * inv2, o = p[2 + j]; gmu += d; gta += d * sa * o; g[2 + j] = d * sa - o; }
      g[0] = gmu; g[1] = gta; g[B] = -b / 100 + gb * inv2; g[SY] = halfNormalLogGrad(ty, 5) - N + ss * inv2;
    }
    return lp;
  }
  return { size, logp: (p) => run(p, null), logpGrad: run };
}

export function poisson({ N, K, X, y }) {
  const Xf = rowMajor(X), Y = f64(y), C = logFactorialSum(y), gb = new Float64Array(K);
  function run(x, g) {
    const alpha = x[0];
    let lp = -0.5 * alpha * alpha - LOG_2PI_HALF - C, ga = 0;
    for (let k = 0; k < K; k++) { lp += -0.5 * x[1 + k] * x[1 + k] - LOG_2PI_HALF; gb[k] = 0; }
    for (let i = 0, o = 0; i < N; i++, o += K) {
      let eta = alpha;
      for (let k = 0; k < K; k++) eta += Xf[o + k] * x[1 + k];
      const mu = Math.exp(eta);
      lp += Y[i] * eta - mu;
      if (g) { const d = Y[i] - mu; ga += d; for (let k = 0; k < K; k++) gb[k] += d * Xf[o + k]; }
    }
    if (g) { g[0] = ga - alpha; for (let k = 0; k < K; k++) g[1 + k] = gb[k] - x[1 + k]; }
    return lp;
  }
  return { size: K + 1, logp: (x) => run(x, null), logpGrad: run };
}
