// BetaBinomial(alpha, beta, n): a binomial whose p is Beta(alpha, beta); the RandomVariable holds
// (n, alpha, beta) as PyMC's. logcdf sums the mass up to the value and logccdf the mass above it
// (n must be a constant there).
import * as pt from "../tensor.js";
import { Constant, type Variable } from "../graph/basic.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { binomln, required } from "./math.js";

/**
 * log P(X <= value) by a logsumexp over 0..max (a constant), masked at the value; with `upper`,
 * log P(X > value), the sum over the terms above it.
 */
export function summedLogcdf(what: string, value: Variable, maxValue: Variable, logpAt: (k: Variable) => Variable, upper = false): Variable {
  if (!(maxValue instanceof Constant)) throw new Error(`${what}: logcdf needs a constant upper end of the support`);
  const top = Math.max(0, ...Array.from(maxValue.data));
  const ks = pt.constant(
    Array.from({ length: top + 1 }, (_, i) => i),
    null,
    "int64",
  );
  const v = pt.expandDims(pt.floor(value), [value.ndim]);
  const terms = pt.switch(upper ? pt.gt(ks, v) : pt.le(ks, v), logpAt(ks), -Infinity);
  return pt.logsumexp(terms, -1);
}

/** The mass at each k (on a new last axis) for the parameters (n, alpha, beta). */
function massAt([n, alpha, beta]: Variable[]): (k: Variable) => Variable {
  const ex = (x: Variable) => pt.expandDims(x, [x.ndim]);
  return (k) => {
    const [nn, a, b] = [ex(n), ex(alpha), ex(beta)];
    return pt.sub(pt.add(binomln(nn, k), pt.betaln(pt.add(k, a), pt.add(pt.sub(nn, k), b))), pt.betaln(a, b));
  };
}

export const betaBinomialSpec: DistributionSpec = {
  name: "BetaBinomial",
  rv: RV.beta_binomial,
  params: ["alpha", "beta", "n"],
  toRvParams: (given, where) => [required(given, where, "n"), asFloat(required(given, where, "alpha")), asFloat(required(given, where, "beta"))],
  checks: ([n, alpha, beta]) => [
    [pt.ge(n, 0), "n >= 0"],
    [pt.gt(alpha, 0), "alpha > 0"],
    [pt.gt(beta, 0), "beta > 0"],
  ],
  logp(value, params) {
    const [n, alpha, beta] = params;
    const res = pt.sub(pt.add(binomln(n, value), pt.betaln(pt.add(value, alpha), pt.add(pt.sub(n, value), beta))), pt.betaln(alpha, beta));
    return pt.switch(pt.or(pt.lt(value, 0), pt.gt(value, n)), -Infinity, res);
  },
  logcdf(value, params) {
    const [n] = params;
    const sum = summedLogcdf("BetaBinomial", value, n, massAt(params));
    const res = pt.switch(pt.lt(value, 0), -Infinity, pt.switch(pt.lt(value, n), sum, 0));
    return res;
  },
  logccdf(value, params) {
    const [n] = params;
    const mass = massAt(params);
    // the terms run up to the largest n: each element's stop at its own
    const sum = summedLogcdf("BetaBinomial", value, n, (k) => pt.switch(pt.le(k, pt.expandDims(n, [n.ndim])), mass(k), -Infinity), true);
    return pt.switch(pt.lt(value, 0), 0, pt.switch(pt.lt(value, n), sum, -Infinity));
  },
  defaultTransform: () => null,
  supportPoint: ([n, alpha, beta]) => pt.floor(pt.add(pt.div(pt.mul(n, alpha), pt.add(alpha, beta)), 0.5)),
};

export const BetaBinomial = defineDistribution(betaBinomialSpec);
