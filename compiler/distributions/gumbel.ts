// Gumbel(mu, beta): right-skewed extreme values.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { required } from "./math.js";

export const gumbelSpec: DistributionSpec = {
  name: "Gumbel",
  rv: RV.gumbel,
  params: ["mu", "beta"],
  toRvParams: (given, where) => [asFloat(required(given, where, "mu")), asFloat(required(given, where, "beta"))],
  checks: ([, beta]) => [[pt.gt(beta, 0), "beta > 0"]],
  logp(value, params) {
    const [mu, beta] = params;
    const z = pt.div(pt.sub(value, mu), beta);
    return pt.sub(pt.sub(pt.neg(z), pt.exp(pt.neg(z))), pt.log(beta));
  },
  logcdf(value, params) {
    const [mu, beta] = params;
    return pt.neg(pt.exp(pt.neg(pt.div(pt.sub(value, mu), beta))));
  },
  logccdf(value, [mu, beta]) {
    // log(1 - exp(-t)) with t = exp(-y); past y = 20 it is log t - t/2 to within t²/24
    const y = pt.div(pt.sub(value, mu), beta);
    const t = pt.exp(pt.neg(y));
    return pt.switch(pt.gt(y, 20), pt.sub(pt.neg(y), pt.mul(0.5, t)), pt.log1mexp(pt.neg(t)));
  },
  defaultTransform: () => null,
  supportPoint: ([mu, beta]) => pt.add(mu, pt.mul(beta, 0.5772156649015329)),
};

export const Gumbel = defineDistribution(gumbelSpec);
