// DiscreteUniform(lower, upper): the integers lower..upper, equally likely.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { defineDistribution, withChecks, type DistributionSpec } from "./distribution.js";
import { required } from "./math.js";

export const discreteUniformSpec: DistributionSpec = {
  name: "DiscreteUniform",
  rv: RV.discrete_uniform,
  params: ["lower", "upper"],
  toRvParams: (given, where) => [pt.floor(required(given, where, "lower")), pt.floor(required(given, where, "upper"))],
  checks: ([lower, upper]) => [[pt.le(lower, upper), "lower <= upper"]],
  logp(value, params) {
    const [lower, upper] = params;
    const res = pt.switch(pt.or(pt.lt(value, lower), pt.gt(value, upper)), -Infinity, pt.neg(pt.log(pt.add(pt.sub(upper, lower), 1))));
    return withChecks(res, this.checks(params));
  },
  logcdf(value, params) {
    const [lower, upper] = params;
    const res = pt.switch(
      pt.lt(value, lower),
      -Infinity,
      pt.switch(pt.lt(value, upper), pt.sub(pt.log(pt.add(pt.sub(pt.floor(value), lower), 1)), pt.log(pt.add(pt.sub(upper, lower), 1))), 0),
    );
    return withChecks(res, this.checks(params));
  },
  defaultTransform: () => null,
  supportPoint: ([lower, upper]) => pt.floor(pt.div(pt.add(lower, upper), 2)),
};

export const DiscreteUniform = defineDistribution(discreteUniformSpec);
