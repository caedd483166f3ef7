// Hand-written log densities with analytic gradients for the models of MODELS.md: the speed limit
// for JavaScript, the reference of bench/harness.mjs (ratios are against these) and of
// test/bench-agreement.test.ts. Each export takes a model's data and returns
// { size, logp(x), logpGrad(x, grad) } over the flat vector x of value variables (MODELS.md's
// order). Written as a careful person would: data copied once into typed arrays, scratch arrays
// allocated once per model, one pass over the data per call, logp and gradient in the same loop.
// bench/check-handwritten.mjs checks every gradient against finite differences.
const LOG_2PI_HALF = 0.5 * Math.log(2 * Math.PI);
const LOG_SQRT_2_OVER_PI = 0.5 * Math.log(2 / Math.PI);
const LOG_10 = Math.log(10);

/** log Normal(v | m, s), given 1/s and log s (callers have them at hand). */
const normal = (v, m, invS, logS) => {
  const z = (v - m) * invS;
  return -0.5 * z * z - logS - LOG_2PI_HALF;
};
/** log HalfNormal(exp(t) | s) plus the log-Jacobian t of the log transform. */
const halfNormalLog = (t, s) => {
  const z = Math.exp(t) / s;
  return LOG_SQRT_2_OVER_PI - Math.log(s) - 0.5 * z * z + t;
};
/** d/dt of halfNormalLog. */
const halfNormalLogGrad = (t, s) => {
  const z = Math.exp(t) / s;
  return 1 - z * z;
};
const f64 = (a) => Float64Array.from(a);
const rowMajor = (X) => Float64Array.from(X.flat());
/** Σ log(y_i!): the Poisson likelihood's constant, computed once per data set. */
function sumLogFactorial(y) {
  let s = 0;
  for (const k of y) for (let j = 2; j <= k; j++) s += Math.log(j);
  return s;
}

// mu ~ N(0, 2), sigma ~ HalfNormal(3), x ~ N(mu, sigma); x = [mu, sigma_log__, x].
export function seed() {
  const logp = (x) => {
    const mu = x[0],
      t = x[1],
      v = x[2];
    return normal(mu, 0, 0.5, Math.log(2)) + halfNormalLog(t, 3) + normal(v, mu, 1 / Math.exp(t), t);
  };
  return {
    size: 3,
    logp,
    logpGrad(x, g) {
      const mu = x[0],
        t = x[1],
        v = x[2],
        invSigma = Math.exp(-t),
        z = (v - mu) * invSigma;
      g[0] = -mu / 4 + z * invSigma;
      g[1] = halfNormalLogGrad(t, 3) + z * z - 1;
      g[2] = -z * invSigma;
      return logp(x);
    },
  };
}

// Non-centred: mu ~ N(0, 5), tau ~ HalfCauchy(5), theta_t ~ N(0, 1) (J of them),
// y ~ N(mu + tau * theta_t, sigma); x = [mu, tau_log__, theta_t...].
export function eight_schools({ J, y, sigma }) {
  const Y = f64(y),
    invS = f64(sigma).map((s) => 1 / s),
    logS = f64(sigma).map(Math.log);
  const LOG_HALF_CAUCHY = Math.log(2 / Math.PI) - Math.log(5); // log(2 / (π·5))
  function run(x, g) {
    const mu = x[0],
      t = x[1],
      tau = Math.exp(t),
      u = tau / 5;
    let lp = normal(mu, 0, 0.2, Math.log(5)) + LOG_HALF_CAUCHY - Math.log1p(u * u) + t;
    let gMu = -mu / 25,
      gT = 1 - (2 * u * u) / (1 + u * u);
    for (let j = 0; j < J; j++) {
      const th = x[2 + j],
        z = (Y[j] - mu - tau * th) * invS[j];
      lp += -0.5 * th * th - LOG_2PI_HALF - 0.5 * z * z - logS[j] - LOG_2PI_HALF;
      if (g) {
        const d = z * invS[j]; // d/d(mean) of the likelihood term
        gMu += d;
        gT += d * tau * th;
        g[2 + j] = -th + d * tau;
      }
    }
    if (g) {
      g[0] = gMu;
      g[1] = gT;
    }
    return lp;
  }
  return { size: 2 + J, logp: (x) => run(x, null), logpGrad: run };
}

// alpha ~ N(0, 10), beta ~ N(0, 10) (K of them), sigma ~ HalfNormal(1),
// y ~ N(alpha + X @ beta, sigma); x = [alpha, beta..., sigma_log__].
function linear({ N, K, X, y }) {
  const Xf = rowMajor(X),
    Y = f64(y),
    beta = new Float64Array(K),
    gBeta = new Float64Array(K);
  function run(x, g) {
    const alpha = x[0],
      t = x[1 + K],
      invVar = Math.exp(-2 * t);
    for (let k = 0; k < K; k++) {
      beta[k] = x[1 + k];
      gBeta[k] = 0;
    }
    let ss = 0,
      sr = 0; // Σ r², Σ r over the residuals r = y - mean
    for (let i = 0, o = 0; i < N; i++, o += K) {
      let m = alpha;
      for (let k = 0; k < K; k++) m += Xf[o + k] * beta[k];
      const r = Y[i] - m;
      ss += r * r;
      if (g) {
        sr += r;
        for (let k = 0; k < K; k++) gBeta[k] += r * Xf[o + k];
      }
    }
    let lp = normal(alpha, 0, 0.1, LOG_10) + halfNormalLog(t, 1) - N * (t + LOG_2PI_HALF) - 0.5 * ss * invVar;
    for (let k = 0; k < K; k++) lp += normal(beta[k], 0, 0.1, LOG_10);
    if (g) {
      g[0] = -alpha / 100 + sr * invVar;
      for (let k = 0; k < K; k++) g[1 + k] = -beta[k] / 100 + gBeta[k] * invVar;
      g[1 + K] = halfNormalLogGrad(t, 1) - N + ss * invVar;
    }
    return lp;
  }
  return { size: K + 2, logp: (x) => run(x, null), logpGrad: run };
}
export const linreg = linear;
export const linreg_N = linear;

// beta ~ N(0, 1) (K of them), y ~ Bernoulli(logit_p = X @ beta); x = beta.
export function logistic({ N, K, X, y }) {
  const Xf = rowMajor(X),
    Y = f64(y),
    gBeta = new Float64Array(K);
  function run(x, g) {
    let lp = 0;
    for (let k = 0; k < K; k++) {
      lp += -0.5 * x[k] * x[k] - LOG_2PI_HALF;
      gBeta[k] = 0;
    }
    for (let i = 0, o = 0; i < N; i++, o += K) {
      let eta = 0;
      for (let k = 0; k < K; k++) eta += Xf[o + k] * x[k];
      // y·eta − softplus(eta), with softplus(eta) = max(eta, 0) + log1p(exp(−|eta|)): no overflow.
      const e = Math.exp(-Math.abs(eta));
      lp += Y[i] * eta - (eta > 0 ? eta : 0) - Math.log1p(e);
      if (g) {
        const p = eta >= 0 ? 1 / (1 + e) : e / (1 + e),
          d = Y[i] - p; // p = sigmoid(eta)
        for (let k = 0; k < K; k++) gBeta[k] += d * Xf[o + k];
      }
    }
    if (g) for (let k = 0; k < K; k++) g[k] = gBeta[k] - x[k];
    return lp;
  }
  return { size: K, logp: (x) => run(x, null), logpGrad: run };
}

// mu_a ~ N(0, 10), sigma_a ~ HalfNormal(5), a_offset ~ N(0, 1) (J of them), b ~ N(0, 10),
// sigma_y ~ HalfNormal(5), y ~ N(a[group] + b * x, sigma_y) with a = mu_a + sigma_a * a_offset;
// p = [mu_a, sigma_a_log__, a_offset..., b, sigma_y_log__].
export function radon({ J, N, group, x: xs, y }) {
  const G = Int32Array.from(group),
    Xs = f64(xs),
    Y = f64(y);
  const a = new Float64Array(J),
    gA = new Float64Array(J); // group intercepts, Σ r per group
  const B = 2 + J,
    SY = 3 + J;
  function run(p, g) {
    const muA = p[0],
      tA = p[1],
      sigmaA = Math.exp(tA),
      b = p[B],
      tY = p[SY],
      invVar = Math.exp(-2 * tY);
    let lp = normal(muA, 0, 0.1, LOG_10) + halfNormalLog(tA, 5) + normal(b, 0, 0.1, LOG_10) + halfNormalLog(tY, 5);
    for (let j = 0; j < J; j++) {
      const o = p[2 + j];
      lp += -0.5 * o * o - LOG_2PI_HALF;
      a[j] = muA + sigmaA * o;
      gA[j] = 0;
    }
    let ss = 0,
      gB = 0;
    for (let i = 0; i < N; i++) {
      const r = Y[i] - a[G[i]] - b * Xs[i];
      ss += r * r;
      if (g) {
        gA[G[i]] += r;
        gB += r * Xs[i];
      }
    }
    lp += -N * (tY + LOG_2PI_HALF) - 0.5 * ss * invVar;
    if (g) {
      let gMu = -muA / 100,
        gTA = halfNormalLogGrad(tA, 5);
      for (let j = 0; j < J; j++) {
        const d = gA[j] * invVar,
          o = p[2 + j]; // d/da_j, then the chain rule through a_j
        gMu += d;
        gTA += d * sigmaA * o;
        g[2 + j] = d * sigmaA - o;
      }
      g[0] = gMu;
      g[1] = gTA;
      g[B] = -b / 100 + gB * invVar;
      g[SY] = halfNormalLogGrad(tY, 5) - N + ss * invVar;
    }
    return lp;
  }
  return { size: J + 4, logp: (p) => run(p, null), logpGrad: run };
}

// alpha ~ N(0, 1), beta ~ N(0, 1) (K of them), y ~ Poisson(exp(alpha + X @ beta));
// x = [alpha, beta...].
export function poisson({ N, K, X, y }) {
  const Xf = rowMajor(X),
    Y = f64(y),
    C = sumLogFactorial(y),
    gBeta = new Float64Array(K);
  function run(x, g) {
    const alpha = x[0];
    let lp = -0.5 * alpha * alpha - LOG_2PI_HALF - C,
      gAlpha = 0;
    for (let k = 0; k < K; k++) {
      lp += -0.5 * x[1 + k] * x[1 + k] - LOG_2PI_HALF;
      gBeta[k] = 0;
    }
    for (let i = 0, o = 0; i < N; i++, o += K) {
      let eta = alpha;
      for (let k = 0; k < K; k++) eta += Xf[o + k] * x[1 + k];
      const mu = Math.exp(eta);
      lp += Y[i] * eta - mu;
      if (g) {
        const d = Y[i] - mu;
        gAlpha += d;
        for (let k = 0; k < K; k++) gBeta[k] += d * Xf[o + k];
      }
    }
    if (g) {
      g[0] = gAlpha - alpha;
      for (let k = 0; k < K; k++) g[1 + k] = gBeta[k] - x[1 + k];
    }
    return lp;
  }
  return { size: K + 1, logp: (x) => run(x, null), logpGrad: run };
}

// sigma ~ HalfNormal(1), w ~ GaussianRandomWalk(mu=0, sigma, init_dist=N(0, 10), steps=T)
// (T + 1 values, T = 10 000); x = [sigma_log__, w...]. One pass over the differences.
export function grw({ T = 10000 } = {}) {
  const INIT_CONST = -LOG_10 - LOG_2PI_HALF;
  function run(x, g) {
    const t = x[0],
      invVar = Math.exp(-2 * t);
    let prev = x[1],
      ss = 0,
      lp = halfNormalLog(t, 1) - 0.005 * prev * prev + INIT_CONST - T * (t + LOG_2PI_HALF);
    if (g) g[1] = -0.01 * prev;
    for (let i = 1; i <= T; i++) {
      const w = x[1 + i],
        d = w - prev;
      ss += d * d;
      if (g) {
        const q = d * invVar;
        g[i] += q; // d/dw[i-1]
        g[1 + i] = -q;
      }
      prev = w;
    }
    lp -= 0.5 * ss * invVar;
    if (g) g[0] = halfNormalLogGrad(t, 1) + ss * invVar - T;
    return lp;
  }
  return { size: T + 2, logp: (x) => run(x, null), logpGrad: run };
}

// rho ~ N(0, 0.5), sigma ~ HalfNormal(1), y_t ~ N(rho·y_{t-1}, sigma) for t = 1 … N−1 (a Potential
// accumulated in a loop in models.mjs); x = [rho, sigma_log__]. One pass: Σ r² and Σ r·y_{t-1}
// over the residuals r = y_t − rho·y_{t-1}.
export function ar1({ N, y }) {
  const Y = f64(y),
    PRIOR_CONST = Math.log(2) - LOG_2PI_HALF, // log N(rho | 0, 0.5) = −2·rho² + this
    sums = new Float64Array(2);
  // The loop in a function of its own: V8 compiles a long loop on stack during the first call,
  // before the lines after it ever ran, and code compiled without their type feedback
  // deoptimizes there on every later call (about 4× slower in the harness, one run in two).
  function residualSums(rho) {
    let ss = 0,
      sry = 0,
      prev = Y[0];
    for (let i = 1; i < N; i++) {
      const cur = Y[i],
        r = cur - rho * prev;
      ss += r * r;
      sry += r * prev;
      prev = cur;
    }
    sums[0] = ss;
    sums[1] = sry;
  }
  function run(x, g) {
    const rho = x[0],
      t = x[1],
      invVar = Math.exp(-2 * t);
    residualSums(rho);
    const ss = sums[0],
      sry = sums[1];
    if (g) {
      g[0] = -4 * rho + sry * invVar;
      g[1] = halfNormalLogGrad(t, 1) + ss * invVar - (N - 1);
    }
    return -2 * rho * rho + PRIOR_CONST + halfNormalLog(t, 1) - (N - 1) * (t + LOG_2PI_HALF) - 0.5 * ss * invVar;
  }
  return { size: 2, logp: (x) => run(x, null), logpGrad: run };
}

// mu ~ N(0, 3) (K = 3 of them, ordered), sigma ~ HalfNormal(1); a hidden chain with fixed
// transitions A (uniform start) emits y_t ~ N(mu[z_t], sigma); the likelihood is the forward
// algorithm's log p(y); x = [mu_ordered__ (mu_0 = x_0, mu_k = mu_{k−1} + exp(x_k)), sigma_log__].
// Forward: the stable logsumexp over the previous state shares one shift per step, the largest
// alpha_{t−1,i}: alpha_{t,j} = M + log Σ_i exp(alpha_{t−1,i} − M)·A_ij + e_{t,j} (3 exp and 3 log a
// step), keeping P_{t−1,i} = exp(alpha_{t−1,i} − M) and S_{t,j} = Σ_i P_{t−1,i}·A_ij. Backward: the
// adjoint of alpha_t (the smoothed state probabilities, summing to 1) goes to alpha_{t−1} through
// the logsumexp's weights P_{t−1,i}·A_ij / S_{t,j}, and to mu and sigma through the emissions.
export function hmm({ N, K, A, y }) {
  if (K !== 3) throw new Error(`hmm: the hand-written forward algorithm has K = 3 states, got ${K}`);
  const Y = f64(y),
    a00 = A[0][0],
    a01 = A[0][1],
    a02 = A[0][2],
    a10 = A[1][0],
    a11 = A[1][1],
    a12 = A[1][2],
    a20 = A[2][0],
    a21 = A[2][1],
    a22 = A[2][2];
  const P = new Float64Array(3 * N),
    S = new Float64Array(3 * N);
  const LOG_START = Math.log(1 / 3),
    PRIOR_CONST = -3 * (Math.log(3) + LOG_2PI_HALF);
  function run(x, g) {
    const x1 = x[1],
      x2 = x[2],
      t = x[3],
      e1 = Math.exp(x1),
      e2 = Math.exp(x2),
      m0 = x[0],
      m1 = m0 + e1,
      m2 = m1 + e2,
      invS = Math.exp(-t),
      c = -t - LOG_2PI_HALF; // the emission's constant, log(1/sigma) − log √(2π)
    let z0 = (Y[0] - m0) * invS,
      z1 = (Y[0] - m1) * invS,
      z2 = (Y[0] - m2) * invS;
    let b0 = LOG_START + c - 0.5 * z0 * z0,
      b1 = LOG_START + c - 0.5 * z1 * z1,
      b2 = LOG_START + c - 0.5 * z2 * z2;
    for (let i = 1, o = 3; i < N; i++, o += 3) {
      const M = b0 > b1 ? (b0 > b2 ? b0 : b2) : b1 > b2 ? b1 : b2,
        p0 = Math.exp(b0 - M),
        p1 = Math.exp(b1 - M),
        p2 = Math.exp(b2 - M),
        s0 = p0 * a00 + p1 * a10 + p2 * a20,
        s1 = p0 * a01 + p1 * a11 + p2 * a21,
        s2 = p0 * a02 + p1 * a12 + p2 * a22,
        v = Y[i];
      P[o - 3] = p0;
      P[o - 2] = p1;
      P[o - 1] = p2;
      S[o] = s0;
      S[o + 1] = s1;
      S[o + 2] = s2;
      z0 = (v - m0) * invS;
      z1 = (v - m1) * invS;
      z2 = (v - m2) * invS;
      b0 = M + Math.log(s0) + c - 0.5 * z0 * z0;
      b1 = M + Math.log(s1) + c - 0.5 * z1 * z1;
      b2 = M + Math.log(s2) + c - 0.5 * z2 * z2;
    }
    const M = b0 > b1 ? (b0 > b2 ? b0 : b2) : b1 > b2 ? b1 : b2;
    let q0 = Math.exp(b0 - M),
      q1 = Math.exp(b1 - M),
      q2 = Math.exp(b2 - M);
    const total = q0 + q1 + q2,
      lik = M + Math.log(total);
    const lp = lik + PRIOR_CONST - (m0 * m0 + m1 * m1 + m2 * m2) / 18 + x1 + x2 + halfNormalLog(t, 1);
    if (!g) return lp;
    // q = d lik / d alpha_t, from the last step back; r = Σ_j q_j·(y_t − mu_j), w = Σ_j q_j·z_j².
    q0 /= total;
    q1 /= total;
    q2 /= total;
    let r0 = 0,
      r1 = 0,
      r2 = 0,
      w = 0;
    for (let i = N - 1, o = 3 * (N - 1); ; i--, o -= 3) {
      const v = Y[i],
        d0 = v - m0,
        d1 = v - m1,
        d2 = v - m2;
      r0 += q0 * d0;
      r1 += q1 * d1;
      r2 += q2 * d2;
      w += q0 * d0 * d0 + q1 * d1 * d1 + q2 * d2 * d2;
      if (i === 0) break;
      const u0 = q0 / S[o],
        u1 = q1 / S[o + 1],
        u2 = q2 / S[o + 2];
      q0 = P[o - 3] * (a00 * u0 + a01 * u1 + a02 * u2);
      q1 = P[o - 2] * (a10 * u0 + a11 * u1 + a12 * u2);
      q2 = P[o - 1] * (a20 * u0 + a21 * u1 + a22 * u2);
    }
    const invVar = invS * invS,
      gM0 = r0 * invVar - m0 / 9,
      gM1 = r1 * invVar - m1 / 9,
      gM2 = r2 * invVar - m2 / 9;
    // Through the ordered transform: d mu_k / d x_0 = 1, d mu_k / d x_j = exp(x_j) for j ≤ k.
    g[0] = gM0 + gM1 + gM2;
    g[1] = e1 * (gM1 + gM2) + 1;
    g[2] = e2 * gM2 + 1;
    g[3] = w * invVar - N + halfNormalLogGrad(t, 1);
    return lp;
  }
  return { size: 4, logp: (x) => run(x, null), logpGrad: run };
}
export const ar1_N = ar1;
export const hmm_N = hmm;
