// Pareto(alpha, m): support [m, ∞), sampled through interval(m, ∞) (PyMC's value name _interval__).
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { interval } from "../transforms.js";
import { logpow, required, survivalAbove } from "./math.js";

export const paretoSpec: DistributionSpec = {
  name: "Pareto",
  rv: RV.pareto,
  params: ["alpha", "m"],
  toRvParams: (given, where) => [asFloat(required(given, where, "alpha")), asFloat(required(given, where, "m"))],
  checks: ([alpha, m]) => [
    [pt.gt(alpha, 0), "alpha > 0"],
    [pt.gt(m, 0), "m > 0"],
  ],
  logp(value, params) {
    const [alpha, m] = params;
    const res = pt.sub(pt.add(pt.log(alpha), logpow(m, alpha)), logpow(value, pt.add(alpha, 1)));
    return pt.switch(pt.ge(value, m), res, -Infinity);
  },
  logcdf(value, params) {
    const [alpha, m] = params;
    // log(1 - (m/x)^alpha) = log1mexp(alpha log(m/x))
    const res = pt.switch(pt.le(value, m), -Infinity, pt.log1mexp(pt.mul(alpha, pt.log(pt.div(m, value)))));
    return res;
  },
  logccdf: (value, [alpha, m]) => survivalAbove(value, m, (v) => pt.mul(alpha, pt.log(pt.div(m, v)))),
  defaultTransform: ([, m]) => interval(m, null),
  supportPoint: ([alpha, m]) => pt.mul(m, pt.pow(2, pt.div(1, alpha))),
};

export const Pareto = defineDistribution(paretoSpec);
