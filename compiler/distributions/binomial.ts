// Binomial(n, p) or Binomial(n, { logit_p }): successes in n trials; logcdf through betainc.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { defineDistribution, type DistributionSpec } from "./distribution.js";
import { binomln, log1mProb, logProb, oneOf, required, logBetainc } from "./math.js";
import type { Variable } from "../graph/basic.js";

/** x log p + (n - x) log(1 - p), with 0 log 0 = 0. */
export function binomialKernel(value: Variable, n: Variable, p: Variable): Variable {
  const a = pt.switch(pt.eq(value, 0), 0, pt.mul(value, logProb(p)));
  const b = pt.switch(pt.eq(pt.sub(n, value), 0), 0, pt.mul(pt.sub(n, value), log1mProb(p)));
  return pt.add(a, b);
}

export const binomialSpec: DistributionSpec = {
  name: "Binomial",
  rv: RV.binomial,
  params: ["n", "p"],
  altParams: ["logit_p"],
  toRvParams(given, where) {
    const n = required(given, where, "n");
    const [which, v] = oneOf(given, where, ["p", "logit_p"] as const);
    return [n, which === "logit_p" ? pt.sigmoid(v) : v];
  },
  checks: ([n, p]) => [
    [pt.ge(n, 0), "n >= 0"],
    [pt.and(pt.ge(p, 0), pt.le(p, 1)), "0 <= p <= 1"],
  ],
  logp(value, params) {
    const [n, p] = params;
    const res = pt.add(binomln(n, value), binomialKernel(value, n, p));
    return pt.switch(pt.or(pt.lt(value, 0), pt.gt(value, n)), -Infinity, res);
  },
  logcdf(value, params) {
    const [n, p] = params;
    const k = pt.floor(value);
    const safe = pt.clip(k, 0, pt.sub(n, 1));
    const res = pt.switch(pt.lt(value, 0), -Infinity, pt.switch(pt.lt(k, n), logBetainc(pt.sub(n, safe), pt.add(safe, 1), pt.sub(1, p)), 0));
    return res;
  },
  logccdf(value, [n, p]) {
    // P(X > k) = I_p(k + 1, n - k) for 0 <= k < n
    const k = pt.floor(value);
    const safe = pt.clip(k, 0, pt.sub(n, 1));
    return pt.switch(pt.lt(value, 0), 0, pt.switch(pt.ge(k, n), -Infinity, logBetainc(pt.add(safe, 1), pt.sub(n, safe), p)));
  },
  defaultTransform: () => null,
  supportPoint: ([n, p]) => pt.floor(pt.mul(n, p)),
};

export const Binomial = defineDistribution(binomialSpec);
