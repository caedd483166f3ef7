// Exponential(lam) or Exponential({ scale }): the RandomVariable holds the scale 1/lam, as PyTensor's.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { log as logTransform } from "../transforms.js";
import { asFloat, defineDistribution, withChecks, type DistributionSpec } from "./distribution.js";
import { oneOf, survivalAbove } from "./math.js";

export const exponentialSpec: DistributionSpec = {
  name: "Exponential",
  rv: RV.exponential,
  params: ["lam"],
  altParams: ["scale"],
  toRvParams(given, where) {
    const [which, v] = oneOf(given, where, ["lam", "scale"] as const);
    return [which === "lam" ? pt.div(1.0, v) : asFloat(v)];
  },
  checks: ([scale]) => [[pt.ge(scale, 0), "mu >= 0"]],
  // the logcdf's check has PyMC's other message
  ownChecks: ["logcdf"],
  logp(value, params) {
    const [scale] = params;
    const res = pt.switch(pt.ge(value, 0), pt.sub(pt.neg(pt.log(scale)), pt.div(value, scale)), -Infinity);
    return res;
  },
  logcdf(value, params) {
    const [scale] = params;
    const res = pt.switch(pt.lt(value, 0), -Infinity, pt.log1mexp(pt.neg(pt.div(value, scale))));
    return withChecks(res, [[pt.ge(scale, 0), "lam >= 0"]]);
  },
  logccdf: (value, [scale]) => survivalAbove(value, 0, (v) => pt.neg(pt.div(v, scale))),
  defaultTransform: () => logTransform,
  supportPoint: ([scale]) => scale,
};

export const Exponential = defineDistribution(exponentialSpec);
