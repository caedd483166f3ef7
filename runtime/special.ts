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
  // The limits at x = ∞ (the routines below would give NaN there).
  if (x === Infinity) return s > 0 ? 1 : NaN;
  if (s >= LARGE_SHAPE) return gammaincLarge(s, x, false);
  return gammaincStdlib(x, s, true, false);
}

/** Regularised upper incomplete gamma Q(s, x) = 1 - P(s, x), accurate where P is near 1. */
export function gammaincc(s: number, x: number): number {
  if (x <= 0) return x === 0 && s > 0 ? 1 : NaN;
  if (x === Infinity) return s > 0 ? 0 : NaN;
  if (s >= LARGE_SHAPE) return gammaincLarge(s, x, true);
  return gammaincStdlib(x, s, true, true);
}

/**
 * From this shape on, P and Q come from gammaincLarge: @stdlib (like the Boost code it ports) takes
 * an asymptotic series in s/x for every x > 1000 with s < x + 50, which diverges when s is near x
 * (relative error 7e-2 at s = x = 1025).
 */
const LARGE_SHAPE = 200;

/** log(1 + s) - s, without the cancellation near s = 0 (through log(1 + s) = 2 atanh(s / (2 + s))). */
function log1pmx(s: number): number {
  if (Math.abs(s) > 0.5) return Math.log1p(s) - s;
  const t = s / (2 + s);
  const t2 = t * t;
  let power = 2 * t * t2;
  let sum = 0;
  for (let k = 3; k < 100; k += 2) {
    const term = power / k;
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    power *= t2;
  }
  return sum - (s * s) / (2 + s);
}

/** log Γ(s) - (s - 1/2) log s + s - log √(2π), Stirling's series for s >= 100 (error below 1e-20). */
function stirling(s: number): number {
  const r = 1 / (s * s);
  return (1 / 12 - r * (1 / 360 - r * (1 / 1260 - r / 1680))) / s;
}

/**
 * P(s, x) (or Q if `upper`) for s >= LARGE_SHAPE: the series of P below x = s, the continued
 * fraction of Q above (each where it is not near 1), both scaled by x^s e^-x / Γ(s + 1) written
 * as exp(s log1pmx((x - s) / s)) / (√(2πs) Γ*(s)), which has no large logarithms to cancel.
 */
function gammaincLarge(s: number, x: number, upper: boolean): number {
  if (x === Infinity) return upper ? 0 : 1;
  const scale = Math.exp(s * log1pmx((x - s) / s) - stirling(s)) / Math.sqrt(2 * Math.PI * s);
  if (Number.isNaN(scale)) return NaN;
  if (x < s) {
    let term = 1;
    let sum = 1;
    for (let k = 1; k < 1e7 && term > sum * 1e-17; k++) {
      term *= x / (s + k);
      sum += term;
    }
    const p = scale * sum;
    return upper ? 1 - p : p;
  }
  // Modified Lentz for Q = s · scale / (x + 1 - s - 1(1 - s) / (x + 3 - s - 2(2 - s) / ...)).
  const tiny = 1e-300;
  let b = x + 1 - s;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1e7; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  const q = s * scale * h;
  return upper ? q : 1 - q;
}

/** Regularised incomplete beta I_x(a, b) (SciPy's betainc argument order). */
export function betainc(a: number, b: number, x: number): number {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) return NaN;
  if (x === 0) return 0;
  if (x === 1) return 1;
  if (Math.min(a, b) >= LARGE_BETA) {
    const d = minusRatio(x, a, a + b);
    return x * (a + b + 2) < a + 1 ? betaincFraction(a, b, x, d) : 1 - betaincFraction(b, a, 1 - x, -d);
  }
  return betaincStdlib(x, a, b, true, false);
}

/**
 * From these shapes on (both), I_x(a, b) comes from betaincFraction: @stdlib's routine loses
 * accuracy as a and b grow (relative error 4e-11 at a = b = 1e6, 3e-4 at 1e8, I = 1.19 at 1e10;
 * its prefix x^a (1-x)^b / B(a, b) alone is off by 2e-7 at 1e10).
 */
const LARGE_BETA = 1e5;

/** x - p / q with the rounding of p / q put back (Dekker's exact product of the quotient and q). */
function minusRatio(x: number, p: number, q: number): number {
  const r = p / q;
  const split = (v: number): [number, number] => {
    const c = 134217729 * v;
    const hi = c - (c - v);
    return [hi, v - hi];
  };
  const [rh, rl] = split(r);
  const [qh, ql] = split(q);
  const prod = r * q;
  const err = rh * qh - prod + rh * ql + rl * qh + rl * ql;
  return x - r + (p - prod - err) / q;
}

/**
 * I_x(a, b) below the mean (x (a + b + 2) < a + 1) for large a, b: the continued fraction of
 * Numerical Recipes' betacf by modified Lentz, times x^a y^b / (a B(a, b)), written with
 * Stirling's series as exp(a log1pmx(d / x0) + b log1pmx(-d / y0)) √(ab / 2πn) / a, where n = a + b,
 * x0 = a / n, y0 = b / n and d = x - x0 (given, from the caller's x, so that no rounding of 1 - x
 * enters the far tails): no large logarithms cancel.
 */
function betaincFraction(a: number, b: number, x: number, d: number): number {
  const n = a + b;
  const e = a * log1pmx((d * n) / a) + b * log1pmx((-d * n) / b) - stirling(a) - stirling(b) + stirling(n);
  const scale = (Math.exp(e) * Math.sqrt((a * b) / (2 * Math.PI * n))) / a;
  if (scale === 0) return 0;
  const tiny = 1e-300;
  const clamp = (v: number) => (Math.abs(v) < tiny ? tiny : v);
  let c = 1;
  let dd = 1 / clamp(1 - (n * x) / (a + 1));
  let h = dd;
  for (let m = 1; m < 1e8; m++) {
    const m2 = 2 * m;
    let coef = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    dd = 1 / clamp(1 + coef * dd);
    c = clamp(1 + coef / c);
    h *= dd * c;
    coef = (-(a + m) * (n + m) * x) / ((a + m2) * (a + m2 + 1));
    dd = 1 / clamp(1 + coef * dd);
    c = clamp(1 + coef / c);
    const step = dd * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return scale * h;
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
  // Above 100 the step follows √a, the width over which P(a, x) and I_x(a, b) change with a.
  let h = 1e-3 * (Math.abs(a) > 100 ? Math.sqrt(Math.abs(a)) : Math.max(1, Math.abs(a)));
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
