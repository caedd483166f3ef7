// Bernoulli(p) or Bernoulli(logit_p): one trial; logp through log-sigmoid when given logit_p.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { defineDistribution, type DistributionSpec } from "./distribution.js";
import { log1mProb, logProb, oneOf } from "./math.js";

export const bernoulliSpec: DistributionSpec = {
  name: "Bernoulli",
  rv: RV.bernoulli,
  params: ["p"],
  altParams: ["logit_p"],
  toRvParams(given, where) {
    const [which, v] = oneOf(given, where, ["p", "logit_p"] as const);
    return [which === "logit_p" ? pt.sigmoid(v) : v];
  },
  checks: ([p]) => [[pt.and(pt.ge(p, 0), pt.le(p, 1)), "0 <= p <= 1"]],
  logp(value, params) {
    const [p] = params;
    const res = pt.switch(pt.or(pt.lt(value, 0), pt.gt(value, 1)), -Infinity, pt.switch(pt.eq(value, 1), logProb(p), log1mProb(p)));
    return res;
  },
  logcdf(value, params) {
    const [p] = params;
    const res = pt.switch(pt.lt(value, 0), -Infinity, pt.switch(pt.lt(value, 1), log1mProb(p), 0));
    return res;
  },
  defaultTransform: () => null,
  supportPoint: ([p]) => pt.switch(pt.lt(p, 0.5), 0, 1),
};

export const Bernoulli = defineDistribution(bernoulliSpec);
