// Variate generators of the discrete families (PyTensor's parameter order); results are integers
// held in doubles.
import type { Stream } from "./random.js";
import { gammaln } from "./special.js";
import { betaVariate, logGammaVariate, openUniform } from "./variates-continuous.js";

export const bernoulliVariate = (s: Stream, p: number): number => (s.uniform() < p ? 1 : 0);

/** poisson_rv(lam): multiplication for small means, Hörmann's PTRS (1993) for large ones. */
export function poissonVariate(s: Stream, lam: number): number {
  if (lam === 0) return 0;
  if (lam < 10) {
    const l = Math.exp(-lam);
    let k = 0;
    let p = s.uniform();
    while (p > l) {
      k++;
      p *= s.uniform();
    }
    return k;
  }
  const slam = Math.sqrt(lam);
  const loglam = Math.log(lam);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = s.uniform() - 0.5;
    const v = openUniform(s);
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lam + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lam + k * loglam - gammaln(k + 1)) return k;
  }
}

/** binomial_rv(n, p): Devroye's splitting by beta order statistics down to n <= 64, then Bernoullis. */
export function binomialVariate(s: Stream, n: number, p: number): number {
  if (p > 0.5) return n - binomialVariate(s, n, 1 - p);
  let k = 0;
  while (n > 64) {
    const a = 1 + Math.floor(n / 2);
    const b = n + 1 - a;
    const x = betaVariate(s, a, b);
    if (x >= p) {
      n = a - 1;
      p = p / x;
    } else {
      k += a;
      n = b - 1;
      p = (p - x) / (1 - x);
    }
  }
  for (let i = 0; i < n; i++) if (s.uniform() < p) k++;
  return k;
}

/** negative_binomial_rv(n, p): a Poisson with a Gamma(n, (1 - p) / p) mean. */
export function negativeBinomialVariate(s: Stream, n: number, p: number): number {
  if (p === 1) return 0;
  return poissonVariate(s, Math.exp(logGammaVariate(s, n)) * ((1 - p) / p));
}

/** geometric_rv(p): the number of trials up to and including the first success. */
export function geometricVariate(s: Stream, p: number): number {
  if (p === 1) return 1;
  return Math.max(1, Math.ceil(Math.log(openUniform(s)) / Math.log1p(-p)));
}

export const discreteUniformVariate = (s: Stream, lower: number, upper: number): number => lower + Math.floor(s.uniform() * (upper - lower + 1));

/** hypergeometric_rv(ngood, nbad, nsample): draws without replacement, one at a time. */
export function hypergeometricVariate(s: Stream, good: number, bad: number, n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (s.uniform() * (good + bad) < good) {
      k++;
      good--;
    } else bad--;
  }
  return k;
}

export const betaBinomialVariate = (s: Stream, n: number, a: number, b: number): number => binomialVariate(s, n, betaVariate(s, a, b));

/** PyMC's discrete_weibull_rv(q, beta), by inversion. */
export const discreteWeibullVariate = (s: Stream, q: number, beta: number): number => Math.ceil(Math.pow(Math.log1p(-s.uniform()) / Math.log(q), 1 / beta)) - 1;

/** Zero-inflated families: the base draw with probability psi, else 0 (PyMC's psi). */
export const zeroInflatedPoissonVariate = (s: Stream, psi: number, mu: number): number => (s.uniform() < psi ? poissonVariate(s, mu) : 0);
export const zeroInflatedBinomialVariate = (s: Stream, psi: number, n: number, p: number): number => (s.uniform() < psi ? binomialVariate(s, n, p) : 0);
export const zeroInflatedNegativeBinomialVariate = (s: Stream, psi: number, n: number, p: number): number =>
  s.uniform() < psi ? negativeBinomialVariate(s, n, p) : 0;
