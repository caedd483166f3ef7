// Transforms from a constrained support to the whole real line, as PyMC defines them: forward
// (constrained → unconstrained), backward, and log|det J| of backward at the unconstrained value.
import * as pt from "./tensor.js";
import type { Variable, TensorLike } from "./tensor.js";

export interface Transform {
  /** PyMC's name; the value variable is called `${rv}_${name}__`. */
  readonly name: string;
  forward(x: Variable): Variable;
  backward(v: Variable): Variable;
  /** log |d backward(v) / dv|, elementwise (same shape as v). */
  logJacDet(v: Variable): Variable;
}

/** Positive reals: v = log(x). */
export const log: Transform = {
  name: "log",
  forward: (x) => pt.log(x),
  backward: (v) => pt.exp(v),
  logJacDet: (v) => v,
};

/** The unit interval: v = logit(x). */
export const logodds: Transform = {
  name: "logodds",
  forward: (x) => pt.logit(x),
  backward: (v) => pt.sigmoid(v),
  // log(sigmoid(v)) + log(1 - sigmoid(v)), in the stable form -softplus(-v) - softplus(v)
  logJacDet: (v) => pt.sub(pt.neg(pt.softplus(pt.neg(v))), pt.softplus(v)),
};

/** The interval (lower, upper): v = log(x - lower) - log(upper - x). */
export function interval(lower: TensorLike, upper: TensorLike): Transform {
  const a = pt.asTensorVariable(lower);
  const b = pt.asTensorVariable(upper);
  return {
    name: "interval",
    forward: (x) => pt.sub(pt.log(pt.sub(x, a)), pt.log(pt.sub(b, x))),
    backward: (v) => pt.add(pt.mul(pt.sigmoid(v), pt.sub(b, a)), a),
    // log(b - a) - 2 softplus(-v) - v
    logJacDet: (v) => pt.sub(pt.sub(pt.log(pt.sub(b, a)), pt.mul(2, pt.softplus(pt.neg(v)))), v),
  };
}

/** Bounded below only: v = log(x - lower). */
export function lowerBound(lower: TensorLike): Transform {
  const a = pt.asTensorVariable(lower);
  return {
    name: "lowerbound",
    forward: (x) => pt.log(pt.sub(x, a)),
    backward: (v) => pt.add(pt.exp(v), a),
    logJacDet: (v) => v,
  };
}

/** Bounded above only: v = log(upper - x). */
export function upperBound(upper: TensorLike): Transform {
  const b = pt.asTensorVariable(upper);
  return {
    name: "upperbound",
    forward: (x) => pt.log(pt.sub(b, x)),
    backward: (v) => pt.sub(b, pt.exp(v)),
    logJacDet: (v) => v,
  };
}

export const transforms = { log, logodds, interval, lowerBound, upperBound };
