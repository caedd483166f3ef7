// LogNormal(mu, sigma) or LogNormal(mu, { tau }): exp of a normal; positive, log transform.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { log as logTransform } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { sigmaFrom } from "./normal.js";
import { f64, normalLccdf, normalLcdf } from "./math.js";

export const logNormalSpec: DistributionSpec = {
  name: "LogNormal",
  rv: RV.lognormal,
  params: ["mu", "sigma"],
  altParams: ["tau"],
  toRvParams: (given, where) => [asFloat(given.mu ?? f64(0)), sigmaFrom(given, where)],
  checks: ([, sigma]) => [[pt.gt(sigma, 0), "sigma > 0"]],
  logp(value, params) {
    const [mu, sigma] = params;
    const lx = pt.log(value);
    const res = pt.sub(pt.sub(pt.sub(pt.mul(-0.5, pt.square(pt.div(pt.sub(lx, mu), sigma))), 0.5 * Math.log(2 * Math.PI)), pt.log(sigma)), lx);
    return pt.switch(pt.gt(value, 0), res, -Infinity);
  },
  logcdf(value, params) {
    const [mu, sigma] = params;
    const res = pt.switch(pt.le(value, 0), -Infinity, normalLcdf(mu, sigma, pt.log(value)));
    return res;
  },
  logccdf: (value, [mu, sigma]) => pt.switch(pt.le(value, 0), 0, normalLccdf(mu, sigma, pt.log(pt.maximum(value, Number.MIN_VALUE)))),
  defaultTransform: () => logTransform,
  supportPoint: ([mu, sigma]) => pt.exp(pt.add(mu, pt.mul(0.5, pt.square(sigma)))),
};

export const LogNormal = defineDistribution(logNormalSpec);
