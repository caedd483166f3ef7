// Weibull(alpha, beta): shape and scale; positive, log transform.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { log as logTransform } from "../transforms.js";
import { required, survivalAbove } from "./math.js";

export const weibullSpec: DistributionSpec = {
  name: "Weibull",
  rv: RV.weibull,
  params: ["alpha", "beta"],
  toRvParams: (given, where) => [asFloat(required(given, where, "alpha")), asFloat(required(given, where, "beta"))],
  checks: ([alpha, beta]) => [
    [pt.gt(alpha, 0), "alpha > 0"],
    [pt.gt(beta, 0), "beta > 0"],
  ],
  logp(value, params) {
    const [alpha, beta] = params;
    const r = pt.div(value, beta);
    const res = pt.sub(pt.add(pt.sub(pt.log(alpha), pt.log(beta)), pt.mul(pt.sub(alpha, 1), pt.log(r))), pt.pow(r, alpha));
    return pt.switch(pt.ge(value, 0), res, -Infinity);
  },
  logcdf(value, params) {
    const [alpha, beta] = params;
    const a = pt.pow(pt.div(pt.maximum(value, 0), beta), alpha);
    return pt.switch(pt.le(value, 0), -Infinity, pt.log1mexp(pt.neg(a)));
  },
  logccdf: (value, [alpha, beta]) => survivalAbove(value, 0, (v) => pt.neg(pt.pow(pt.div(v, beta), alpha))),
  defaultTransform: () => logTransform,
  supportPoint: ([alpha, beta]) => pt.mul(beta, pt.exp(pt.gammaln(pt.add(1, pt.div(1, alpha))))),
};

export const Weibull = defineDistribution(weibullSpec);
