// Special functions for generated code: maintained implementations from @stdlib, plus the
// numerically stable logistic helpers.
import { gammaln, digamma, trigamma, erf, erfc, erfcx, gammaincStdlib, betaincStdlib, betalnStdlib } from "./vendor/stdlib.js";

export { gammaln, digamma, trigamma, erf, erfc, erfcx };

/** 1 / (1 + exp(-x)), without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + exp(x)), exact in both tails. */
export function softplus(x: number): number {
  if (x > 33.3) return x;
  if (x < -37) return Math.exp(x);
  return Math.log1p(Math.exp(x));
}

// ---- incomplete gamma and beta, log-beta, Bessel I0/I1: for the distribution catalogue -------

/** Regularised lower incomplete gamma P(s, x) (SciPy's gammainc argument order). */
export function gammainc(s: number, x: number): number {
  if (x <= 0) return x === 0 && s > 0 ? 0 : NaN;
  return gammaincStdlib(x, s, true, false);
}

/** Regularised upper incomplete gamma Q(s, x) = 1 - P(s, x), accurate where P is near 1. */
export function gammaincc(s: number, x: number): number {
  if (x <= 0) return x === 0 && s > 0 ? 1 : NaN;
  return gammaincStdlib(x, s, true, true);
}

/** Regularised incomplete beta I_x(a, b) (SciPy's betainc argument order). */
export function betainc(a: number, b: number, x: number): number {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) return NaN;
  if (x === 0) return 0;
  if (x === 1) return 1;
  return betaincStdlib(x, a, b, true, false);
}

/** log B(a, b). */
export const betaln = (a: number, b: number): number => betalnStdlib(a, b);

/** log(1 - exp(x)) for x <= 0, exact at both ends (Mächler's switch at -log 2). */
export function log1mexp(x: number): number {
  if (x > 0) return NaN;
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** Derivative of f at a by central differences with one Richardson step (error ~ h⁴ + eps/h). */
function richardson(f: (a: number) => number, a: number, lower = 0): number {
  let h = 1e-3 * Math.max(1, Math.abs(a));
  if (a - 2 * h <= lower) h = (a - lower) / 4;
  const d = (k: number) => (f(a + k) - f(a - k)) / (2 * k);
  return (4 * d(h / 2) - d(h)) / 3;
}

/** ∂P(s, x)/∂s (numerical: there is no closed form in elementary functions). */
export const gammaincDs = (s: number, x: number): number => richardson((t) => gammainc(t, x), s);
/** ∂I_x(a, b)/∂a. */
export const betaincDa = (a: number, b: number, x: number): number => richardson((t) => betainc(t, b, x), a);
/** ∂I_x(a, b)/∂b. */
export const betaincDb = (a: number, b: number, x: number): number => richardson((t) => betainc(a, t, x), b);

/**
 * Exponentially scaled modified Bessel functions exp(-|x|) I0(x) and exp(-|x|) I1(x): the power
 * series below |x| = 30 (positive terms, no cancellation) and Hankel's asymptotic series above.
 * (@stdlib has no I0/I1 package; these are checked against SciPy's i0e/i1e in the tests.)
 */
function besselIe(nu: 0 | 1, x: number): number {
  const ax = Math.abs(x);
  if (Number.isNaN(x)) return NaN;
  if (ax === Infinity) return 0;
  let r: number;
  if (ax <= 30) {
    const q = (ax * ax) / 4;
    let term = nu === 0 ? 1 : ax / 2;
    let sum = term;
    for (let k = 1; k < 500; k++) {
      term *= q / (k * (k + nu));
      sum += term;
      if (term < sum * 1e-17) break;
    }
    r = sum * Math.exp(-ax);
  } else {
    const mu = 4 * nu * nu;
    let term = 1;
    let sum = 1;
    for (let k = 1; k < 60; k++) {
      const next = (term * -(mu - (2 * k - 1) ** 2)) / (k * 8 * ax);
      if (Math.abs(next) >= Math.abs(term)) break;
      term = next;
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    r = sum / Math.sqrt(2 * Math.PI * ax);
  }
  return nu === 1 && x < 0 ? -r : r;
}
export const i0e = (x: number): number => besselIe(0, x);
export const i1e = (x: number): number => besselIe(1, x);
