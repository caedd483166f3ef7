// HalfNormal(sigma) or HalfNormal(tau): a normal folded at loc = 0; positive, sampled on the log scale.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { log as logTransform } from "../transforms.js";
import { defineDistribution, type DistributionSpec } from "./distribution.js";
import { sigmaFrom } from "./normal.js";
import { survivalAbove } from "./math.js";

export const halfNormalSpec: DistributionSpec = {
  name: "HalfNormal",
  rv: RV.halfnormal,
  params: ["sigma"],
  altParams: ["tau"],
  toRvParams: (given, where) => [pt.constant(0.0, null, "float64"), sigmaFrom(given, where)],
  checks: ([, sigma]) => [[pt.gt(sigma, 0), "sigma > 0"]],
  logp(value, params) {
    const [loc, sigma] = params;
    const density = pt.sub(pt.add(pt.mul(-0.5, pt.pow(pt.div(pt.sub(value, loc), sigma), 2)), pt.log(pt.sqrt(2.0 / Math.PI))), pt.log(sigma));
    const res = pt.switch(pt.ge(value, loc), density, -Infinity);
    return res;
  },
  logcdf(value, params) {
    const [loc, sigma] = params;
    const z = pt.div(pt.div(pt.sub(value, loc), sigma), Math.SQRT2);
    // log(erf(z)): direct near 0, through erfc in the upper tail where erf rounds to 1
    const inside = pt.switch(pt.lt(z, 1.0), pt.log(pt.erf(z)), pt.log1p(pt.neg(pt.erfc(z))));
    const res = pt.switch(pt.lt(value, loc), -Infinity, inside);
    return res;
  },
  logccdf(value, [loc, sigma]) {
    // log erfc(z) = log erfcx(z) - z², finite for every z >= 0
    return survivalAbove(value, loc, (v) => {
      const z = pt.div(pt.div(pt.sub(v, loc), sigma), Math.SQRT2);
      return pt.sub(pt.log(pt.erfcx(z)), pt.square(z));
    });
  },
  defaultTransform: () => logTransform,
  supportPoint: ([loc, sigma]) => pt.add(loc, sigma),
};

export const HalfNormal = defineDistribution(halfNormalSpec);
