// Gamma(alpha, beta) or Gamma({ mu, sigma }): the RandomVariable holds shape and scale = 1/beta.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { log as logTransform } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import type { Variable } from "../graph/basic.js";
import { logGammainc, logGammaincc, logpow, survivalAbove } from "./math.js";

/** alpha and beta from alpha/beta or mu/sigma (PyMC's get_alpha_beta). */
export function gammaAlphaBeta(given: Record<string, Variable | undefined>, where: string): [Variable, Variable] {
  const { alpha, beta, mu, sigma } = given;
  if (alpha && beta && !mu && !sigma) return [asFloat(alpha), asFloat(beta)];
  if (mu && sigma && !alpha && !beta) {
    const s2 = pt.square(sigma);
    return [pt.div(pt.square(mu), s2), pt.div(mu, s2)];
  }
  throw new Error(`${where}: Incompatible parameterization. Either use alpha and beta, or mu and sigma to specify distribution.`);
}

export const gammaSpec: DistributionSpec = {
  name: "Gamma",
  rv: RV.gamma,
  params: ["alpha", "beta"],
  altParams: ["mu", "sigma"],
  toRvParams(given, where) {
    const [alpha, beta] = gammaAlphaBeta(given, where);
    return [alpha, pt.div(1.0, beta)];
  },
  checks: ([alpha, scale]) => [
    [pt.gt(alpha, 0), "alpha > 0"],
    [pt.gt(scale, 0), "beta > 0"],
  ],
  logp(value, params) {
    const [alpha, scale] = params;
    const beta = pt.div(1.0, scale);
    const res = pt.add(pt.sub(pt.sub(logpow(beta, alpha), pt.gammaln(alpha)), pt.mul(beta, value)), logpow(value, pt.sub(alpha, 1)));
    return pt.switch(pt.ge(value, 0), res, -Infinity);
  },
  logcdf(value, params) {
    const [alpha, scale] = params;
    const res = pt.switch(pt.lt(value, 0), -Infinity, logGammainc(alpha, pt.div(pt.maximum(value, 0), scale)));
    return res;
  },
  logccdf: (value, [alpha, scale]) => survivalAbove(value, 0, (v) => logGammaincc(alpha, pt.div(v, scale))),
  defaultTransform: () => logTransform,
  supportPoint: ([alpha, scale]) => pt.mul(alpha, scale),
};

export const Gamma = defineDistribution(gammaSpec);
