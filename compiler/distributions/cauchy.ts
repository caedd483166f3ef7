// Cauchy(alpha, beta): location and scale; heavy tails, no moments.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { log1pSquare, required } from "./math.js";

export const cauchySpec: DistributionSpec = {
  name: "Cauchy",
  rv: RV.cauchy,
  params: ["alpha", "beta"],
  toRvParams: (given, where) => [asFloat(required(given, where, "alpha")), asFloat(required(given, where, "beta"))],
  checks: ([, beta]) => [[pt.gt(beta, 0), "beta > 0"]],
  logp(value, params) {
    const [alpha, beta] = params;
    const res = pt.sub(pt.sub(-Math.log(Math.PI), pt.log(beta)), log1pSquare(pt.div(pt.sub(value, alpha), beta)));
    return res;
  },
  logcdf(value, params) {
    const [alpha, beta] = params;
    const z = pt.div(pt.sub(value, alpha), beta);
    // left tail: 1/2 + atan(z)/π = atan(-1/z)/π for z < 0, without cancellation
    const res = pt.switch(pt.lt(z, -1), pt.log(pt.div(pt.arctan(pt.div(-1, z)), Math.PI)), pt.log(pt.add(0.5, pt.div(pt.arctan(z), Math.PI))));
    return res;
  },
  logccdf(value, [alpha, beta]) {
    // 1/2 - atan(z)/π = atan(1/z)/π for z > 1, without cancellation
    const z = pt.div(pt.sub(value, alpha), beta);
    return pt.switch(pt.gt(z, 1), pt.log(pt.div(pt.arctan(pt.div(1, pt.maximum(z, 1))), Math.PI)), pt.log(pt.sub(0.5, pt.div(pt.arctan(z), Math.PI))));
  },
  defaultTransform: () => null,
  supportPoint: ([alpha]) => alpha,
};

export const Cauchy = defineDistribution(cauchySpec);
