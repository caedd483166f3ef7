// ExGaussian(mu, sigma, nu): a normal plus an exponential of mean nu (gamlss's dexGAUS/pexGAUS, in a
// form exact for every nu).
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64, logaddexp, logdiffexp, normalLccdf, normalLcdf, required } from "./math.js";
import type { Variable } from "../graph/basic.js";

/**
 * (mu - x)/nu + (sigma/nu)²/2 + log Φ(w - s), with w = (x - mu)/sigma and s = sigma/nu: exact for
 * any nu (PyMC switches to a plain normal for nu < 0.05 sigma). Where w - s < -1 the large terms
 * cancel in closed form: -w²/2 + log(erfcx(-(w - s)/√2)/2).
 */
export function exTerm(value: Variable, mu: Variable, sigma: Variable, nu: Variable): Variable {
  const w = pt.div(pt.sub(value, mu), sigma);
  const s = pt.div(sigma, nu);
  const z = pt.sub(w, s);
  const direct = pt.add(pt.add(pt.neg(pt.mul(w, s)), pt.mul(0.5, pt.square(s))), normalLcdf(0, 1, pt.maximum(z, -1)));
  const tail = pt.sub(pt.log(pt.mul(0.5, pt.erfcx(pt.div(pt.neg(pt.minimum(z, -1)), Math.SQRT2)))), pt.mul(0.5, pt.square(w)));
  return pt.switch(pt.lt(z, -1), tail, direct);
}

export const exGaussianSpec: DistributionSpec = {
  name: "ExGaussian",
  rv: RV.exgaussian,
  params: ["mu", "sigma", "nu"],
  toRvParams: (given, where) => [asFloat(given.mu ?? f64(0)), asFloat(given.sigma ?? f64(1)), asFloat(required(given, where, "nu"))],
  checks: ([, sigma, nu]) => [
    [pt.gt(nu, 0), "nu > 0"],
    [pt.gt(sigma, 0), "sigma > 0"],
  ],
  logp(value, params) {
    const [mu, sigma, nu] = params;
    return pt.sub(exTerm(value, mu, sigma, nu), pt.log(nu));
  },
  logcdf(value, params) {
    const [mu, sigma, nu] = params;
    return logdiffexp(normalLcdf(mu, sigma, value), exTerm(value, mu, sigma, nu));
  },
  // 1 - Φ(w) + exp(exTerm): two positive terms
  logccdf: (value, [mu, sigma, nu]) => logaddexp(normalLccdf(mu, sigma, value), exTerm(value, mu, sigma, nu)),
  defaultTransform: () => null,
  supportPoint: ([mu, , nu]) => pt.add(mu, nu),
};

export const ExGaussian = defineDistribution(exGaussianSpec);
