// VonMises(mu, kappa): angles on [-π, π], sampled through the circular transform.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { logI0 } from "../ops/special.js";
import { circular } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64 } from "./math.js";

export const vonMisesSpec: DistributionSpec = {
  name: "VonMises",
  rv: RV.vonmises,
  params: ["mu", "kappa"],
  toRvParams: (given) => [asFloat(given.mu ?? f64(0)), asFloat(given.kappa ?? f64(1))],
  checks: ([, kappa]) => [[pt.gt(kappa, 0), "kappa > 0"]],
  logp(value, params) {
    const [mu, kappa] = params;
    const res = pt.sub(pt.sub(pt.mul(kappa, pt.cos(pt.sub(mu, value))), Math.log(2 * Math.PI)), logI0(kappa));
    return pt.switch(pt.and(pt.ge(value, -Math.PI), pt.le(value, Math.PI)), res, -Infinity);
  },
  defaultTransform: () => circular,
  supportPoint: ([mu]) => mu,
};

export const VonMises = defineDistribution(vonMisesSpec);
