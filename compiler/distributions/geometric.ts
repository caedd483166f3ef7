// Geometric(p): trials up to and including the first success, on 1, 2, ...
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { required, survivalAbove } from "./math.js";

export const geometricSpec: DistributionSpec = {
  name: "Geometric",
  rv: RV.geometric,
  params: ["p"],
  toRvParams: (given, where) => [asFloat(required(given, where, "p"))],
  checks: ([p]) => [[pt.and(pt.ge(p, 0), pt.le(p, 1)), "0 <= p <= 1"]],
  logp(value, params) {
    const [p] = params;
    const res = pt.add(pt.switch(pt.eq(value, 1), 0, pt.mul(pt.sub(value, 1), pt.log1p(pt.neg(p)))), pt.log(p));
    return pt.switch(pt.lt(value, 1), -Infinity, res);
  },
  logcdf(value, params) {
    const [p] = params;
    const res = pt.switch(pt.lt(value, 1), -Infinity, pt.log1mexp(pt.mul(pt.floor(pt.maximum(value, 1)), pt.log1p(pt.neg(p)))));
    return res;
  },
  logccdf: (value, [p]) => survivalAbove(value, 1, (v) => pt.mul(pt.floor(v), pt.log1p(pt.neg(p)))),
  defaultTransform: () => null,
  supportPoint: ([p]) => pt.ceil(pt.div(1, p)),
};

export const Geometric = defineDistribution(geometricSpec);
