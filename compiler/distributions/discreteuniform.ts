// DiscreteUniform(lower, upper): the integers lower..upper, equally likely.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { defineDistribution, type DistributionSpec } from "./distribution.js";
import { required } from "./math.js";
import { uniformLogcdf } from "./uniform.js";

export const discreteUniformSpec: DistributionSpec = {
  name: "DiscreteUniform",
  rv: RV.discrete_uniform,
  params: ["lower", "upper"],
  toRvParams: (given, where) => [pt.floor(required(given, where, "lower")), pt.floor(required(given, where, "upper"))],
  checks: ([lower, upper]) => [[pt.le(lower, upper), "lower <= upper"]],
  logp(value, params) {
    const [lower, upper] = params;
    const res = pt.switch(pt.or(pt.lt(value, lower), pt.gt(value, upper)), -Infinity, pt.neg(pt.log(pt.add(pt.sub(upper, lower), 1))));
    return res;
  },
  logcdf: (value, [lower, upper]) => uniformLogcdf(value, lower, upper, true),
  defaultTransform: () => null,
  supportPoint: ([lower, upper]) => pt.floor(pt.div(pt.add(lower, upper), 2)),
};

export const DiscreteUniform = defineDistribution(discreteUniformSpec);
