// HalfCauchy(beta): a Cauchy folded at 0; positive, sampled on the log scale.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { log as logTransform } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64, log1pSquare, required, survivalAbove } from "./math.js";

export const halfCauchySpec: DistributionSpec = {
  name: "HalfCauchy",
  rv: RV.halfcauchy,
  params: ["beta"],
  toRvParams: (given, where) => [f64(0), asFloat(required(given, where, "beta"))],
  checks: ([, beta]) => [[pt.gt(beta, 0), "beta > 0"]],
  logp(value, params) {
    const [loc, beta] = params;
    const density = pt.sub(pt.sub(Math.log(2 / Math.PI), pt.log(beta)), log1pSquare(pt.div(pt.sub(value, loc), beta)));
    const res = pt.switch(pt.ge(value, loc), density, -Infinity);
    return res;
  },
  logcdf(value, params) {
    const [loc, beta] = params;
    const res = pt.switch(pt.lt(value, loc), -Infinity, pt.log(pt.div(pt.mul(2, pt.arctan(pt.div(pt.sub(value, loc), beta))), Math.PI)));
    return res;
  },
  // 1 - 2 atan(z)/π = 2 atan(1/z)/π
  logccdf: (value, [loc, beta]) => survivalAbove(value, loc, (v) => pt.log(pt.mul(2 / Math.PI, pt.arctan(pt.div(beta, pt.sub(v, loc)))))),
  defaultTransform: () => logTransform,
  supportPoint: ([, beta]) => beta,
};

export const HalfCauchy = defineDistribution(halfCauchySpec);
