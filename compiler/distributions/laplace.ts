// Laplace(mu, b): double exponential.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { required } from "./math.js";

export const laplaceSpec: DistributionSpec = {
  name: "Laplace",
  rv: RV.laplace,
  params: ["mu", "b"],
  toRvParams: (given, where) => [asFloat(required(given, where, "mu")), asFloat(required(given, where, "b"))],
  checks: ([, b]) => [[pt.gt(b, 0), "b > 0"]],
  logp(value, params) {
    const [mu, b] = params;
    return pt.sub(pt.neg(pt.log(pt.mul(2, b))), pt.div(pt.abs(pt.sub(value, mu)), b));
  },
  logcdf(value, params) {
    const [mu, b] = params;
    const y = pt.div(pt.sub(value, mu), b);
    const res = pt.switch(pt.le(value, mu), pt.add(Math.log(0.5), y), pt.log1p(pt.mul(-0.5, pt.exp(pt.neg(y)))));
    return res;
  },
  logccdf(value, [mu, b]) {
    const y = pt.div(pt.sub(value, mu), b);
    return pt.switch(pt.ge(y, 0), pt.sub(Math.log(0.5), y), pt.log1p(pt.mul(-0.5, pt.exp(pt.minimum(y, 0)))));
  },
  defaultTransform: () => null,
  supportPoint: ([mu]) => mu,
};

export const Laplace = defineDistribution(laplaceSpec);
