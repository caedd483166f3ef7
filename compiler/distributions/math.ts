// PyMC's dist_math helpers as graph builders: logpow, binomln, factln, logdiffexp, the normal
// log-CDF, and constants typed as float64 (PyMC's floatX) for parameter defaults.
import * as pt from "../tensor.js";
import type { TensorLike, Variable } from "../tensor.js";
import { Elemwise, S } from "../ops/elemwise.js";

/** A float64 constant (PyMC casts parameters with floatX). */
export const f64 = (v: number): Variable => pt.constant(v, null, "float64");

/** m * log(x), with 0 * log(0) = 0 (PyMC's logpow). */
export function logpow(x: TensorLike, m: TensorLike): Variable {
  return pt.switch(pt.eq(x, 0), pt.switch(pt.eq(m, 0), 0.0, -Infinity), pt.mul(m, pt.log(x)));
}

/** log n! */
export const factln = (n: TensorLike): Variable => pt.gammaln(pt.add(n, 1));

/** log C(n, k) = -log(n + 1) - log B(n - k + 1, k + 1) (PyMC's binomln). */
export function binomln(n: TensorLike, k: TensorLike): Variable {
  return pt.sub(pt.neg(pt.log1p(n)), pt.betaln(pt.add(pt.sub(n, k), 1), pt.add(k, 1)));
}

/** log(exp(a) - exp(b)) for a >= b, without cancellation. */
export const logdiffexp = (a: TensorLike, b: TensorLike): Variable => pt.add(a, pt.log1mexp(pt.sub(b, a)));

/**
 * 0 below `from`, f (given x clamped to `from`) above: a log survival function on a support bounded
 * below at `from`.
 */
export function survivalAbove(x: Variable, from: TensorLike, f: (x: Variable) => Variable): Variable {
  return pt.switch(pt.lt(x, from), 0, f(pt.maximum(x, from)));
}

/** log Φ((x - mu) / sigma): erfc in the body, erfcx far in the left tail (PyMC's normal_lcdf). */
export function normalLcdf(mu: TensorLike, sigma: TensorLike, x: TensorLike): Variable {
  const z = pt.div(pt.sub(x, mu), sigma);
  // each branch sees only its own region, so that the other's infinities do not reach the gradient
  const zl = pt.minimum(z, -1.0);
  const zr = pt.maximum(z, -1.0);
  return pt.switch(
    pt.lt(z, -1.0),
    pt.sub(pt.log(pt.div(pt.erfcx(pt.div(pt.neg(zl), Math.SQRT2)), 2.0)), pt.div(pt.square(zl), 2.0)),
    pt.log1p(pt.neg(pt.div(pt.erfc(pt.div(zr, Math.SQRT2)), 2.0))),
  );
}

/** log(1 - Φ((x - mu) / sigma)), the mirror image of normalLcdf. */
export function normalLccdf(mu: TensorLike, sigma: TensorLike, x: TensorLike): Variable {
  return normalLcdf(pt.neg(mu), sigma, pt.neg(x));
}

function isSigmoid(v: Variable): boolean {
  const op = v.owner?.op;
  return op instanceof Elemwise && op.scalar === S.sigmoid;
}

/** log(p), as -softplus(-x) when p = sigmoid(x) (exact for any logit). */
export function logProb(p: Variable): Variable {
  return isSigmoid(p) ? pt.neg(pt.softplus(pt.neg(p.owner!.inputs[0]))) : pt.log(p);
}

/** log(1 - p), as -softplus(x) when p = sigmoid(x). */
export function log1mProb(p: Variable): Variable {
  return isSigmoid(p) ? pt.neg(pt.softplus(p.owner!.inputs[0])) : pt.log1p(pt.neg(p));
}

/** One of two alternative parameters (PyMC raises when both or neither are given). */
export function oneOf<K extends string>(given: Record<string, Variable | undefined>, where: string, names: readonly K[], fallback?: Variable): [K, Variable] {
  const present = names.filter((n) => given[n] !== undefined);
  if (present.length > 1) throw new Error(`${where}: give only one of ${names.join(" or ")}`);
  if (present.length === 0) {
    if (fallback) return [names[0], fallback];
    throw new Error(`${where}: give ${names.join(" or ")}`);
  }
  return [present[0], given[present[0]]!];
}

/** A required parameter, or a build error naming it. */
export function required(given: Record<string, Variable | undefined>, where: string, name: string): Variable {
  const v = given[name];
  if (!v) throw new Error(`${where}: missing parameter ${name}`);
  return v;
}

/** log(1 + z²), without the overflow of z² past |z| = 1e154 (past |z| = 1e8, 1/z² is below rounding). */
export function log1pSquare(z: TensorLike): Variable {
  const a = pt.abs(z);
  return pt.switch(pt.gt(a, 1e8), pt.mul(2, pt.log(a)), pt.log1p(pt.square(z)));
}

/** log P(s, x) (regularised lower incomplete gamma), through log1p(-Q) where P is near 1. */
export function logGammainc(s: TensorLike, x: TensorLike): Variable {
  const q = pt.gammaincc(s, x);
  return pt.switch(pt.lt(q, 0.5), pt.log1p(pt.neg(q)), pt.log(pt.gammainc(s, x)));
}

/** log Q(s, x) (regularised upper incomplete gamma), through log1p(-P) where Q is near 1. */
export function logGammaincc(s: TensorLike, x: TensorLike): Variable {
  const p = pt.gammainc(s, x);
  return pt.switch(pt.lt(p, 0.5), pt.log1p(pt.neg(p)), pt.log(pt.gammaincc(s, x)));
}

/** log I_x(a, b), through log1p(-I_{1-x}(b, a)) where I is near 1. */
export function logBetainc(a: TensorLike, b: TensorLike, x: TensorLike): Variable {
  const upper = pt.betainc(b, a, pt.sub(1, x));
  return pt.switch(pt.lt(upper, 0.5), pt.log1p(pt.neg(upper)), pt.log(pt.betainc(a, b, x)));
}

/**
 * log(Φ((x - mu)/sigma) - Φ((y - mu)/sigma)) for x >= y, in three regions so that neither tail
 * cancels (PyMC's log_diff_normal_cdf): both above 0 and both below 0 through erfcx.
 */
export function logDiffNormalCdf(mu: TensorLike, sigma: TensorLike, x: TensorLike, y: TensorLike): Variable {
  const a = pt.div(pt.div(pt.sub(x, mu), sigma), Math.SQRT2);
  const b = pt.div(pt.div(pt.sub(y, mu), sigma), Math.SQRT2);
  // each region's formula sees arguments clamped into its region (finite gradients in the others)
  const bp = pt.maximum(b, 0);
  const ap = pt.maximum(a, bp);
  const an = pt.minimum(a, 0);
  const bn = pt.minimum(b, an);
  const upper = pt.add(pt.neg(pt.square(bp)), pt.log(pt.sub(pt.erfcx(bp), pt.mul(pt.exp(pt.sub(pt.square(bp), pt.square(ap))), pt.erfcx(ap)))));
  const lower = pt.add(pt.neg(pt.square(an)), pt.log(pt.sub(pt.erfcx(pt.neg(an)), pt.mul(pt.exp(pt.sub(pt.square(an), pt.square(bn))), pt.erfcx(pt.neg(bn))))));
  return pt.add(Math.log(0.5), pt.switch(pt.gt(b, 0), upper, pt.switch(pt.lt(a, 0), lower, pt.log(pt.sub(pt.erf(a), pt.erf(b))))));
}

/** log(1 + exp(x)) (PyMC's log1pexp). */
export const log1pexp = (x: TensorLike): Variable => pt.softplus(x);

/** log(exp(a) + exp(b)), exact when either is -inf. */
export function logaddexp(a: TensorLike, b: TensorLike): Variable {
  const m = pt.maximum(a, b);
  const safe = pt.switch(pt.isinf(m), 0, m);
  return pt.add(safe, pt.log(pt.add(pt.exp(pt.sub(a, safe)), pt.exp(pt.sub(b, safe)))));
}
