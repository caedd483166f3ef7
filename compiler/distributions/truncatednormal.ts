// TruncatedNormal(mu, sigma, { tau, lower, upper }): a normal restricted to [lower, upper]; either
// bound may be missing (±inf). Sampled through the interval transform on its bounds (PyMC's).
import * as pt from "../tensor.js";
import { Constant, type Variable } from "../graph/basic.js";
import { RV } from "../ops/random.js";
import { interval } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec, type ParamCheck } from "./distribution.js";
import { f64, logDiffNormalCdf, normalLccdf, normalLcdf } from "./math.js";
import { normalSpec, sigmaFrom } from "./normal.js";

/** Whether a bound is a constant at ±inf everywhere (then the side is unbounded, as PyMC decides). */
const isInfinite = (b: Variable, inf: number) => b instanceof Constant && b.data.length > 0 && Array.from(b.data).every((x) => x === inf);

export const truncatedNormalSpec: DistributionSpec = {
  name: "TruncatedNormal",
  rv: RV.truncated_normal,
  params: ["mu", "sigma"],
  altParams: ["tau", "lower", "upper"],
  toRvParams: (given, where) => [
    asFloat(given.mu ?? f64(0)),
    sigmaFrom(given, where),
    asFloat(given.lower ?? f64(-Infinity)),
    asFloat(given.upper ?? f64(Infinity)),
  ],
  checks([, sigma, lower, upper]) {
    const c: ParamCheck[] = [[pt.gt(sigma, 0), "sigma > 0"]];
    if (!isInfinite(lower, -Infinity) && !isInfinite(upper, Infinity)) c.push([pt.le(lower, upper), "lower_bound <= upper_bound"]);
    return c;
  },
  logp(value, params) {
    const [mu, sigma, lower, upper] = params;
    const lo = !isInfinite(lower, -Infinity);
    const hi = !isInfinite(upper, Infinity);
    let norm: Variable | number = 0;
    if (lo && hi) norm = logDiffNormalCdf(mu, sigma, upper, lower);
    else if (lo) norm = normalLccdf(mu, sigma, lower);
    else if (hi) norm = normalLcdf(mu, sigma, upper);
    const normal = pt.sub(pt.sub(pt.mul(-0.5, pt.square(pt.div(pt.sub(value, mu), sigma))), 0.5 * Math.log(2 * Math.PI)), pt.log(sigma));
    let res = pt.sub(normal, norm);
    if (lo) res = pt.switch(pt.lt(value, lower), -Infinity, res);
    if (hi) res = pt.switch(pt.gt(value, upper), -Infinity, res);
    return res;
  },
  logcdf(value, params) {
    const [mu, sigma, lower, upper] = params;
    const lo = !isInfinite(lower, -Infinity);
    const hi = !isInfinite(upper, Infinity);
    const v = pt.clip(value, lower, upper);
    const z = logDiffNormalCdf(mu, sigma, upper, lower);
    // P(X <= v) directly, or 1 - P(v < X) where that is the smaller one (no cancellation near 1)
    const below = pt.sub(logDiffNormalCdf(mu, sigma, v, lower), z);
    const above = pt.sub(logDiffNormalCdf(mu, sigma, upper, v), z);
    let res = pt.switch(pt.lt(above, -Math.LN2), pt.log1mexp(pt.minimum(above, 0)), below);
    if (lo) res = pt.switch(pt.lt(value, lower), -Infinity, res);
    if (hi) res = pt.switch(pt.le(value, upper), res, 0);
    return res;
  },
  defaultTransform: ([, , lower, upper]) => interval(lower, upper),
  supportPoint: ([mu, , lower, upper]) =>
    pt.switch(
      pt.eq(lower, -Infinity),
      pt.switch(pt.eq(upper, Infinity), mu, pt.sub(upper, 1)),
      pt.switch(pt.eq(upper, Infinity), pt.add(lower, 1), pt.div(pt.add(lower, upper), 2)),
    ),
};
void normalSpec;

export const TruncatedNormal = defineDistribution(truncatedNormalSpec);
