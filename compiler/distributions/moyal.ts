// Moyal(mu, sigma): the Landau approximation; logcdf log erfc(e^{-z/2}/√2) kept exact in both tails.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64 } from "./math.js";

const EULER = 0.5772156649015329;

export const moyalSpec: DistributionSpec = {
  name: "Moyal",
  rv: RV.moyal,
  params: ["mu", "sigma"],
  toRvParams: (given) => [asFloat(given.mu ?? f64(0)), asFloat(given.sigma ?? f64(1))],
  checks: ([, sigma]) => [[pt.gt(sigma, 0), "sigma > 0"]],
  logp(value, params) {
    const [mu, sigma] = params;
    const z = pt.div(pt.sub(value, mu), sigma);
    const res = pt.sub(pt.sub(pt.mul(-0.5, pt.add(z, pt.exp(pt.neg(z)))), pt.log(sigma)), 0.5 * Math.log(2 * Math.PI));
    return res;
  },
  logcdf(value, params) {
    const [mu, sigma] = params;
    const z = pt.div(pt.sub(value, mu), sigma);
    const u = pt.mul(pt.exp(pt.mul(-0.5, z)), Math.SQRT1_2);
    // log erfc(u): log1p(-erf u) for small u (upper tail), log erfcx(u) - u² for large u (lower tail)
    const res = pt.switch(pt.lt(u, 0.5), pt.log1p(pt.neg(pt.erf(u))), pt.switch(pt.gt(u, 1), pt.sub(pt.log(pt.erfcx(u)), pt.square(u)), pt.log(pt.erfc(u))));
    return res;
  },
  logccdf(value, [mu, sigma]) {
    // P(X > x) = erf(u), u = exp(-z/2)/√2: direct for small u (the upper tail), 1 - erfc(u) above
    const u = pt.mul(pt.exp(pt.mul(-0.5, pt.div(pt.sub(value, mu), sigma))), Math.SQRT1_2);
    return pt.switch(pt.lt(u, 1), pt.log(pt.erf(u)), pt.log1p(pt.neg(pt.erfc(u))));
  },
  defaultTransform: () => null,
  supportPoint: ([mu, sigma]) => pt.add(mu, pt.mul(sigma, EULER + Math.LN2)),
};

export const Moyal = defineDistribution(moyalSpec);
