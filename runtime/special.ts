// Special functions for generated code: maintained implementations from @stdlib, plus the
// numerically stable logistic helpers.
import gammaln from "@stdlib/math-base-special-gammaln";
import digamma from "@stdlib/math-base-special-digamma";
import trigamma from "@stdlib/math-base-special-trigamma";
import erf from "@stdlib/math-base-special-erf";
import erfc from "@stdlib/math-base-special-erfc";
import erfcx from "@stdlib/math-base-special-erfcx";

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
