// LogitNormal(mu, sigma, tau): logit(x) is normal; on (0, 1), sampled on the logit scale.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { logodds } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64 } from "./math.js";
import { sigmaFrom } from "./normal.js";

export const logitNormalSpec: DistributionSpec = {
  name: "LogitNormal",
  rv: RV.logit_normal,
  params: ["mu", "sigma", "tau"],
  toRvParams: (given, where) => [asFloat(given.mu ?? f64(0)), sigmaFrom(given, where)],
  checks: ([, sigma]) => [[pt.gt(sigma, 0), "tau > 0"]],
  logp(value, params) {
    const [mu, sigma] = params;
    const lv = pt.log(value);
    const l1v = pt.log1p(pt.neg(value));
    const z = pt.div(pt.sub(pt.sub(lv, l1v), mu), sigma);
    const res = pt.sub(pt.sub(pt.sub(pt.mul(-0.5, pt.square(z)), 0.5 * Math.log(2 * Math.PI)), pt.log(sigma)), pt.add(lv, l1v));
    return pt.switch(pt.or(pt.le(value, 0), pt.ge(value, 1)), -Infinity, res);
  },
  defaultTransform: () => logodds,
  supportPoint: ([mu]) => pt.sigmoid(mu),
};

export const LogitNormal = defineDistribution(logitNormalSpec);
