// Logistic(mu, s).
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64 } from "./math.js";

export const logisticSpec: DistributionSpec = {
  name: "Logistic",
  rv: RV.logistic,
  params: ["mu", "s"],
  toRvParams: (given) => [asFloat(given.mu ?? f64(0)), asFloat(given.s ?? f64(1))],
  checks: ([, s]) => [[pt.gt(s, 0), "s > 0"]],
  logp(value, params) {
    const [mu, s] = params;
    const z = pt.div(pt.sub(value, mu), s);
    // -z - log s - 2 log(1 + e^-z), with softplus for both tails
    return pt.sub(pt.sub(pt.neg(z), pt.log(s)), pt.mul(2, pt.softplus(pt.neg(z))));
  },
  logcdf(value, params) {
    const [mu, s] = params;
    return pt.neg(pt.softplus(pt.neg(pt.div(pt.sub(value, mu), s))));
  },
  logccdf: (value, [mu, s]) => pt.neg(pt.softplus(pt.div(pt.sub(value, mu), s))),
  defaultTransform: () => null,
  supportPoint: ([mu]) => mu,
};

export const Logistic = defineDistribution(logisticSpec);
