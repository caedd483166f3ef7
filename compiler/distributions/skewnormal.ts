// SkewNormal(alpha, mu, sigma, tau): 2 φ(z) Φ(alpha z); the skewing factor as a stable log Φ.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64, normalLcdf } from "./math.js";
import { sigmaFrom } from "./normal.js";

export const skewNormalSpec: DistributionSpec = {
  name: "SkewNormal",
  rv: RV.skewnormal,
  params: ["alpha", "mu", "sigma", "tau"],
  toRvParams: (given, where) => [asFloat(given.mu ?? f64(0)), sigmaFrom(given, where), asFloat(given.alpha ?? f64(1))],
  checks: ([, sigma]) => [[pt.gt(sigma, 0), "tau > 0"]],
  logp(value, params) {
    const [mu, sigma, alpha] = params;
    const z = pt.div(pt.sub(value, mu), sigma);
    // log(1 + erf(alpha z / √2)) = log 2 + log Φ(alpha z)
    const res = pt.add(
      pt.add(Math.LN2, normalLcdf(0, 1, pt.mul(alpha, z))),
      pt.sub(pt.sub(pt.mul(-0.5, pt.square(z)), 0.5 * Math.log(2 * Math.PI)), pt.log(sigma)),
    );
    return res;
  },
  defaultTransform: () => null,
  supportPoint: ([mu, sigma, alpha]) => pt.add(mu, pt.div(pt.mul(pt.mul(sigma, Math.sqrt(2 / Math.PI)), alpha), pt.sqrt(pt.add(1, pt.square(alpha))))),
};

export const SkewNormal = defineDistribution(skewNormalSpec);
