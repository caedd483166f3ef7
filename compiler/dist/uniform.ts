// Uniform(lower, upper): flat on [lower, upper], sampled through the interval transform.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { interval } from "../transforms.js";
import { asFloat, defineDistribution, withChecks, type DistributionSpec } from "./distribution.js";
import { f64 } from "./math.js";

export const uniformSpec: DistributionSpec = {
  name: "Uniform",
  rv: RV.uniform,
  params: ["lower", "upper"],
  toRvParams: (given) => [asFloat(given.lower ?? f64(0)), asFloat(given.upper ?? f64(1))],
  checks: ([lower, upper]) => [[pt.le(lower, upper), "lower <= upper"]],
  logp(value, params) {
    const [lower, upper] = params;
    const inside = pt.and(pt.ge(value, lower), pt.le(value, upper));
    const res = pt.switch(inside, pt.neg(pt.log(pt.sub(upper, lower))), -Infinity);
    return withChecks(res, this.checks(params));
  },
  logcdf(value, params) {
    const [lower, upper] = params;
    const res = pt.switch(
      pt.lt(value, lower),
      -Infinity,
      pt.switch(pt.lt(value, upper), pt.sub(pt.log(pt.sub(value, lower)), pt.log(pt.sub(upper, lower))), 0),
    );
    return withChecks(res, this.checks(params));
  },
  defaultTransform: ([lower, upper]) => interval(lower, upper),
  supportPoint: ([lower, upper]) => pt.div(pt.add(lower, upper), 2),
};

export const Uniform = defineDistribution(uniformSpec);
