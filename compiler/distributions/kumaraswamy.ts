// Kumaraswamy(a, b): a x^(a-1) b (1 - x^a)^(b-1) on (0, 1), sampled on the logit scale.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { logodds } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { required, survivalAbove } from "./math.js";

export const kumaraswamySpec: DistributionSpec = {
  name: "Kumaraswamy",
  rv: RV.kumaraswamy,
  params: ["a", "b"],
  toRvParams: (given, where) => [asFloat(required(given, where, "a")), asFloat(required(given, where, "b"))],
  checks: ([a, b]) => [
    [pt.gt(a, 0), "a > 0"],
    [pt.gt(b, 0), "b > 0"],
  ],
  logp(value, params) {
    const [a, b] = params;
    const res = pt.add(pt.add(pt.log(a), pt.log(b)), pt.add(pt.mul(pt.sub(a, 1), pt.log(value)), pt.mul(pt.sub(b, 1), pt.log1p(pt.neg(pt.pow(value, a))))));
    return pt.switch(pt.or(pt.lt(value, 0), pt.gt(value, 1)), -Infinity, res);
  },
  logcdf(value, params) {
    const [a, b] = params;
    const inner = pt.log1mexp(pt.mul(b, pt.log1p(pt.neg(pt.pow(pt.clip(value, 0, 1), a)))));
    const res = pt.switch(pt.le(value, 0), -Infinity, pt.switch(pt.lt(value, 1), inner, 0));
    return res;
  },
  logccdf: (value, [a, b]) => survivalAbove(value, 0, (v) => pt.switch(pt.ge(v, 1), -Infinity, pt.mul(b, pt.log1p(pt.neg(pt.pow(pt.minimum(v, 1), a)))))),
  defaultTransform: () => logodds,
  supportPoint: ([a, b]) =>
    pt.exp(pt.sub(pt.add(pt.add(pt.log(b), pt.gammaln(pt.add(1, pt.div(1, a)))), pt.gammaln(b)), pt.gammaln(pt.add(pt.add(1, pt.div(1, a)), b)))),
};

export const Kumaraswamy = defineDistribution(kumaraswamySpec);
