// InverseGamma(alpha, beta) or InverseGamma({ mu, sigma }): 1/X for X ~ Gamma; log transform.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { log as logTransform } from "../transforms.js";
import { f64, logGammainc, logGammaincc, logpow, survivalAbove } from "./math.js";

export const inverseGammaSpec: DistributionSpec = {
  name: "InverseGamma",
  rv: RV.invgamma,
  params: ["alpha", "beta"],
  altParams: ["mu", "sigma"],
  toRvParams(given, where) {
    const { alpha, beta, mu, sigma } = given;
    if (alpha && !mu && !sigma) return [asFloat(alpha), asFloat(beta ?? f64(1))];
    if (mu && sigma && !alpha && !beta) {
      const s2 = pt.square(sigma);
      return [pt.div(pt.add(pt.mul(2, s2), pt.square(mu)), s2), pt.div(pt.mul(mu, pt.add(pt.square(mu), s2)), s2)];
    }
    throw new Error(`${where}: Incompatible parameterization. Either use alpha and (optionally) beta, or mu and sigma to specify distribution.`);
  },
  checks: ([alpha, beta]) => [
    [pt.gt(alpha, 0), "alpha > 0"],
    [pt.gt(beta, 0), "beta > 0"],
  ],
  logp(value, params) {
    const [alpha, beta] = params;
    const res = pt.add(pt.sub(pt.sub(logpow(beta, alpha), pt.gammaln(alpha)), pt.div(beta, value)), logpow(value, pt.sub(pt.neg(alpha), 1)));
    return pt.switch(pt.gt(value, 0), res, -Infinity);
  },
  logcdf(value, params) {
    const [alpha, beta] = params;
    return pt.switch(pt.le(value, 0), -Infinity, logGammaincc(alpha, pt.div(beta, pt.maximum(value, 0))));
  },
  logccdf: (value, [alpha, beta]) => survivalAbove(value, 0, (v) => logGammainc(alpha, pt.div(beta, v))),
  defaultTransform: () => logTransform,
  supportPoint: ([alpha, beta]) => pt.switch(pt.gt(alpha, 1), pt.div(beta, pt.sub(alpha, 1)), pt.div(beta, pt.add(alpha, 1))),
};

export const InverseGamma = defineDistribution(inverseGammaSpec);
