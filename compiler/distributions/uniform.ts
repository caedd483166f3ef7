// Uniform(lower, upper): flat on [lower, upper], sampled through the interval transform.
import * as pt from "../tensor.js";
import type { Variable } from "../graph/basic.js";
import { RV } from "../ops/random.js";
import { interval } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64 } from "./math.js";

/**
 * The log CDF of a uniform law on [lower, upper], Uniform's and DiscreteUniform's: -inf below
 * lower, 0 from upper on, and between them the log of the support's size up to the value over its
 * whole size; the size of [a, b] is b - a, or the b - a + 1 integers of a..b when `discrete`
 * (the value is then floored).
 */
export function uniformLogcdf(value: Variable, lower: Variable, upper: Variable, discrete: boolean): Variable {
  const size = (from: Variable, to: Variable) => (discrete ? pt.add(pt.sub(to, from), 1) : pt.sub(to, from));
  return pt.switch(
    pt.lt(value, lower),
    -Infinity,
    pt.switch(pt.lt(value, upper), pt.sub(pt.log(size(lower, discrete ? pt.floor(value) : value)), pt.log(size(lower, upper))), 0),
  );
}

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
    return res;
  },
  logcdf: (value, [lower, upper]) => uniformLogcdf(value, lower, upper, false),
  logccdf: (value, [lower, upper]) =>
    pt.switch(
      pt.lt(value, lower),
      0,
      pt.switch(pt.ge(value, upper), -Infinity, pt.log(pt.div(pt.sub(upper, pt.clip(value, lower, upper)), pt.sub(upper, lower)))),
    ),
  defaultTransform: ([lower, upper]) => interval(lower, upper),
  supportPoint: ([lower, upper]) => pt.div(pt.add(lower, upper), 2),
};

export const Uniform = defineDistribution(uniformSpec);
