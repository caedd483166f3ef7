// Categorical(p) or Categorical({ logit_p }): one of k categories; p is normalised along its last
// axis as PyMC does, logit_p through a softmax.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { expandDims } from "../ops/dimshuffle.js";
import { defineDistribution, type DistributionSpec } from "./distribution.js";
import { oneOf } from "./math.js";
import type { Variable } from "../graph/basic.js";

function categories(p: Variable): number {
  const k = p.type.shape[p.ndim - 1];
  if (k === null || k === undefined) throw new Error("Categorical: the number of categories (the last dimension of p) must be known");
  return k;
}

/** One-hot of integer `value` over k categories, on a new last axis. */
export function oneHot(value: Variable, k: number): Variable {
  const range = pt.constant(
    Array.from({ length: k }, (_, i) => i),
    null,
    "int64",
  );
  return pt.eq(expandDims(value, [value.ndim]), range);
}

/**
 * log p of the p made from logit_p, in log space: a constant logit_p's softmax is folded before
 * log(exp(a) / b) could be rewritten, and log 0 = -inf where the category's exp underflows
 * (logit_p = [1000, -1000, 0] gives -2000 for category 1, not -inf).
 */
const logSoftmaxOf = new WeakMap<Variable, Variable>();

export const categoricalSpec: DistributionSpec = {
  name: "Categorical",
  rv: RV.categorical,
  params: ["p"],
  altParams: ["logit_p"],
  toRvParams(given, where) {
    const [which, v] = oneOf(given, where, ["p", "logit_p"] as const);
    if (v.ndim < 1) throw new Error(`${where}: ${which} must have at least one dimension (the categories)`);
    if (which === "logit_p") {
      const shifted = pt.sub(v, pt.max(v, -1, true));
      const e = pt.exp(shifted);
      const p = pt.div(e, pt.sum(e, -1, true));
      logSoftmaxOf.set(p, pt.sub(shifted, pt.log(pt.sum(e, -1, true))));
      return [p];
    }
    return [v];
  },
  checks: ([p]) => [[pt.all(pt.and(pt.ge(p, 0), pt.le(p, 1))), "0 <= p <= 1"]],
  logp(value, params) {
    const [p] = params;
    const k = categories(p);
    const logp = logSoftmaxOf.get(p) ?? pt.sub(pt.log(p), pt.log(pt.sum(p, -1, true)));
    const res = pt.sum(pt.switch(oneHot(value, k), logp, 0), -1);
    return pt.switch(pt.or(pt.lt(value, 0), pt.gt(value, k - 1)), -Infinity, res);
  },
  logcdf(value, params) {
    const [p] = params;
    const k = categories(p);
    const range = pt.constant(
      Array.from({ length: k }, (_, i) => i),
      null,
      "int64",
    );
    const below = pt.le(range, expandDims(pt.floor(value), [value.ndim]));
    const cdf = pt.div(pt.sum(pt.switch(below, p, 0), -1), pt.sum(p, -1));
    const res = pt.switch(pt.lt(value, 0), -Infinity, pt.switch(pt.ge(value, k - 1), 0, pt.log(cdf)));
    return res;
  },
  defaultTransform: () => null,
  supportPoint([p]) {
    // the first category of largest probability (argmax)
    const k = categories(p);
    const range = pt.constant(
      Array.from({ length: k }, (_, i) => i),
      null,
      "int64",
    );
    return pt.min(pt.switch(pt.eq(p, pt.max(p, -1, true)), range, k), -1);
  },
};

export const Categorical = defineDistribution(categoricalSpec);
