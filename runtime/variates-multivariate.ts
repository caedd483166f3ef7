// Variate generators with core dimensions, called by drawCore once per batch element: each writes
// one draw at out[o...] from core parameter blocks (row-major views).
import type { Stream } from "./random.js";
import { binomialVariate } from "./variates-discrete.js";
import { betaVariate, logGammaVariate } from "./variates-continuous.js";

/** categorical_rv(p), `(p)->()`: inversion of the (normalised) cumulative probabilities. */
export function categoricalVariate(s: Stream, out: Float64Array, o: number, p: Float64Array): void {
  let total = 0;
  for (let i = 0; i < p.length; i++) total += p[i];
  const u = s.uniform() * total;
  let c = 0;
  let k = p.length - 1;
  for (let i = 0; i < p.length; i++) {
    c += p[i];
    if (u < c) {
      k = i;
      break;
    }
  }
  out[o] = k;
}

/** dirichlet_rv(alpha), `(a)->(a)`: normalised gammas, in logs so that small alphas do not underflow. */
export function dirichletVariate(s: Stream, out: Float64Array, o: number, a: Float64Array): void {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) {
    out[o + i] = logGammaVariate(s, a[i]);
    if (out[o + i] > m) m = out[o + i];
  }
  let total = 0;
  for (let i = 0; i < a.length; i++) total += out[o + i] = Math.exp(out[o + i] - m);
  for (let i = 0; i < a.length; i++) out[o + i] /= total;
}

/** multinomial_rv(n, p), `(),(p)->(p)`: conditional binomials. */
export function multinomialVariate(s: Stream, out: Float64Array, o: number, n: number, p: Float64Array): void {
  let rest = 1;
  let left = n;
  for (let i = 0; i < p.length; i++) {
    const k = i === p.length - 1 || left === 0 ? left : binomialVariate(s, left, Math.min(1, Math.max(0, p[i] / rest)));
    out[o + i] = k;
    left -= k;
    rest -= p[i];
  }
}

/** dirichlet_multinomial_rv(n, a), `(),(p)->(p)`. */
export function dirichletMultinomialVariate(s: Stream, out: Float64Array, o: number, n: number, a: Float64Array): void {
  const p = new Float64Array(a.length);
  dirichletVariate(s, p, 0, a);
  multinomialVariate(s, out, o, n, p);
}

/** Lower Cholesky factor of a symmetric positive definite n×n matrix (row-major), or throws. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 0)) throw new Error("multivariate_normal: the covariance matrix is not positive definite");
        l[i * n + i] = Math.sqrt(sum);
      } else l[i * n + j] = sum / l[j * n + j];
    }
  }
  return l;
}

/** multivariate_normal_rv(mean, cov), `(n),(n,n)->(n)`: mean + L z. */
export function mvNormalVariate(s: Stream, out: Float64Array, o: number, mu: Float64Array, cov: Float64Array): void {
  const n = mu.length;
  const l = cholesky(cov, n);
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = s.normal();
  for (let i = 0; i < n; i++) {
    let v = mu[i];
    for (let k = 0; k <= i; k++) v += l[i * n + k] * z[k];
    out[o + i] = v;
  }
}

/** mvstudentt_rv(nu, mu, scale), `(),(n),(n,n)->(n)`: a normal divided by sqrt(χ²_ν / ν). */
export function mvStudentTVariate(s: Stream, out: Float64Array, o: number, nu: number, mu: Float64Array, scale: Float64Array): void {
  const n = mu.length;
  const zero = new Float64Array(n);
  mvNormalVariate(s, out, o, zero, scale);
  const w = Math.sqrt((2 * Math.exp(logGammaVariate(s, nu / 2))) / nu);
  for (let i = 0; i < n; i++) out[o + i] = mu[i] + out[o + i] / w;
}

/**
 * A random n×n correlation matrix from the LKJ(eta) distribution by the onion method (Lewandowski,
 * Kurowicka and Joe 2009, as PyMC's LKJCorrRV draws it): P starts as the identity, row 0..1 from a
 * symmetric beta, then each further column k gets sqrt(y) times a uniform direction and sqrt(1 - y) on
 * the diagonal, y ~ Beta(k/2, beta); C = Pᵀ P. Written row-major into c (length n·n).
 */
export function lkjCorrMatrix(s: Stream, n: number, eta: number, c: Float64Array): void {
  const p = new Float64Array(n * n);
  for (let i = 0; i < n; i++) p[i * n + i] = 1;
  let beta = eta - 1 + n / 2;
  if (n >= 2) {
    const r12 = 2 * betaVariate(s, beta, beta) - 1;
    p[1] = r12;
    p[n + 1] = Math.sqrt(Math.max(0, 1 - r12 * r12));
  }
  const z = new Float64Array(n);
  for (let k = 2; k < n; k++) {
    beta -= 0.5;
    const y = betaVariate(s, k / 2, beta);
    let norm = 0;
    for (let i = 0; i < k; i++) {
      z[i] = s.normal();
      norm += z[i] * z[i];
    }
    const scale = Math.sqrt(y / norm);
    for (let i = 0; i < k; i++) p[i * n + k] = z[i] * scale;
    p[k * n + k] = Math.sqrt(1 - y);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let v = 0;
      for (let r = 0; r <= j; r++) v += p[r * n + i] * p[r * n + j];
      c[i * n + j] = c[j * n + i] = i === j ? 1 : v;
    }
  }
}

/** lkjcorr_rv(n, eta, marker), `(),(),(m)->(m)`: the upper triangle (row-major, above the diagonal) of an LKJ draw. */
export function lkjCorrVariate(s: Stream, out: Float64Array, o: number, n: number, eta: number): void {
  const c = new Float64Array(n * n);
  lkjCorrMatrix(s, n, eta, c);
  let k = o;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[k++] = c[i * n + j];
}

/**
 * lkjcholeskycov_rv(n, eta, sd, marker), `(),(),(n),(m)->(m)`: the lower Cholesky factor of
 * diag(sd) C diag(sd) with C ~ LKJ(eta), packed by rows (PyMC's packed storage).
 */
export function lkjCholeskyCovVariate(s: Stream, out: Float64Array, o: number, n: number, eta: number, sd: Float64Array): void {
  const c = new Float64Array(n * n);
  lkjCorrMatrix(s, n, eta, c);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[i * n + j] *= sd[i] * sd[j];
  const l = cholesky(c, n);
  let k = o;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) out[k++] = l[i * n + j];
}
