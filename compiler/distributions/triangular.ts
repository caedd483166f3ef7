// Triangular(lower, upper, c): PyMC's argument order; the RandomVariable holds (lower, c, upper).
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { interval } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64 } from "./math.js";

export const triangularSpec: DistributionSpec = {
  name: "Triangular",
  rv: RV.triangular,
  params: ["lower", "upper", "c"],
  toRvParams: (given) => [asFloat(given.lower ?? f64(0)), asFloat(given.c ?? f64(0.5)), asFloat(given.upper ?? f64(1))],
  checks: ([lower, c, upper]) => [[pt.and(pt.le(lower, c), pt.le(c, upper)), "lower <= c <= upper"]],
  logp(value, params) {
    const [lower, c, upper] = params;
    const width = pt.sub(upper, lower);
    const res = pt.switch(
      pt.lt(value, c),
      pt.sub(pt.log(pt.mul(2, pt.sub(value, lower))), pt.log(pt.mul(width, pt.sub(c, lower)))),
      pt.sub(pt.log(pt.mul(2, pt.sub(upper, value))), pt.log(pt.mul(width, pt.sub(upper, c)))),
    );
    return pt.switch(pt.and(pt.le(lower, value), pt.le(value, upper)), res, -Infinity);
  },
  logcdf(value, params) {
    const [lower, c, upper] = params;
    const width = pt.sub(upper, lower);
    const res = pt.switch(
      pt.le(value, lower),
      -Infinity,
      pt.switch(
        pt.le(value, c),
        pt.sub(pt.mul(2, pt.log(pt.sub(value, lower))), pt.log(pt.mul(width, pt.sub(c, lower)))),
        pt.switch(pt.lt(value, upper), pt.log1p(pt.neg(pt.div(pt.square(pt.sub(upper, value)), pt.mul(width, pt.sub(upper, c))))), 0),
      ),
    );
    return res;
  },
  logccdf(value, [lower, c, upper]) {
    const width = pt.sub(upper, lower);
    // up to c: (upper - c)(c - lower) + (c - x)(c + x - 2 lower) over width (c - lower), two terms
    // that do not cancel; above c: (upper - x)² / (width (upper - c))
    const xl = pt.clip(value, lower, c);
    const xr = pt.clip(value, c, upper);
    const left = pt.sub(
      pt.log(pt.add(pt.mul(pt.sub(upper, c), pt.sub(c, lower)), pt.mul(pt.sub(c, xl), pt.sub(pt.add(c, xl), pt.mul(2, lower))))),
      pt.log(pt.mul(width, pt.sub(c, lower))),
    );
    const right = pt.sub(pt.mul(2, pt.log(pt.sub(upper, xr))), pt.log(pt.mul(width, pt.sub(upper, c))));
    return pt.switch(pt.le(value, lower), 0, pt.switch(pt.le(value, c), left, pt.switch(pt.lt(value, upper), right, -Infinity)));
  },
  defaultTransform: ([lower, , upper]) => interval(lower, upper),
  supportPoint: ([lower, c, upper]) => pt.div(pt.add(pt.add(lower, upper), c), 3),
};

export const Triangular = defineDistribution(triangularSpec);
