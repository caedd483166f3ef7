// DiscreteWeibull(q, beta): P(X = x) = q^(x^beta) - q^((x+1)^beta) on {0, 1, …}, as a stable
// log-difference.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { required, survivalAbove } from "./math.js";

export const discreteWeibullSpec: DistributionSpec = {
  name: "DiscreteWeibull",
  rv: RV.discrete_weibull,
  params: ["q", "beta"],
  toRvParams: (given, where) => [asFloat(required(given, where, "q")), asFloat(required(given, where, "beta"))],
  checks: ([q, beta]) => [
    [pt.and(pt.gt(q, 0), pt.lt(q, 1)), "0 < q < 1"],
    [pt.gt(beta, 0), "beta > 0"],
  ],
  logp(value, params) {
    const [q, beta] = params;
    const v = pt.maximum(value, 0);
    const lq = pt.log(q);
    const a = pt.mul(pt.pow(v, beta), lq);
    const b = pt.mul(pt.pow(pt.add(v, 1), beta), lq);
    const res = pt.add(a, pt.log1mexp(pt.sub(b, a)));
    return pt.switch(pt.lt(value, 0), -Infinity, res);
  },
  logcdf(value, params) {
    const [q, beta] = params;
    const v = pt.floor(pt.maximum(value, 0));
    const res = pt.switch(pt.lt(value, 0), -Infinity, pt.log1mexp(pt.mul(pt.pow(pt.add(v, 1), beta), pt.log(q))));
    return res;
  },
  logccdf: (value, [q, beta]) => survivalAbove(value, 0, (v) => pt.mul(pt.pow(pt.add(pt.floor(v), 1), beta), pt.log(q))),
  defaultTransform: () => null,
  supportPoint: ([q, beta]) => pt.ceil(pt.sub(pt.pow(pt.div(Math.log(0.5), pt.log(q)), pt.div(1, beta)), 1)),
};

export const DiscreteWeibull = defineDistribution(discreteWeibullSpec);
