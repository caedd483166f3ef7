// Beta(alpha, beta), Beta({ mu, sigma }) or Beta({ mu, nu }): on [0, 1], sampled on the logit scale.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { logodds } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { logBetainc } from "./math.js";

export const betaSpec: DistributionSpec = {
  name: "Beta",
  rv: RV.beta,
  params: ["alpha", "beta"],
  altParams: ["mu", "sigma", "nu"],
  toRvParams(given, where) {
    const { alpha, beta, mu, sigma, nu } = given;
    if (alpha && beta && !mu && !sigma && !nu) return [asFloat(alpha), asFloat(beta)];
    if (mu && sigma && !alpha && !beta && !nu) {
      const kappa = pt.sub(pt.div(pt.mul(mu, pt.sub(1, mu)), pt.square(sigma)), 1);
      return [pt.mul(mu, kappa), pt.mul(pt.sub(1, mu), kappa)];
    }
    if (mu && nu && !alpha && !beta && !sigma) return [pt.mul(mu, nu), pt.mul(pt.sub(1, mu), nu)];
    throw new Error(`${where}: Incompatible parameterization. Either use alpha and beta, mu and sigma or mu and nu to specify distribution.`);
  },
  checks: ([alpha, beta]) => [
    [pt.gt(alpha, 0), "alpha > 0"],
    [pt.gt(beta, 0), "beta > 0"],
  ],
  logp(value, params) {
    const [alpha, beta] = params;
    const res = pt.sub(
      pt.add(
        pt.switch(pt.eq(alpha, 1), 0, pt.mul(pt.sub(alpha, 1), pt.log(value))),
        pt.switch(pt.eq(beta, 1), 0, pt.mul(pt.sub(beta, 1), pt.log1p(pt.neg(value)))),
      ),
      pt.betaln(alpha, beta),
    );
    return pt.switch(pt.and(pt.ge(value, 0), pt.le(value, 1)), res, -Infinity);
  },
  logcdf(value, params) {
    const [alpha, beta] = params;
    const res = pt.switch(pt.le(value, 0), -Infinity, pt.switch(pt.lt(value, 1), logBetainc(alpha, beta, pt.clip(value, 0, 1)), 0));
    return res;
  },
  logccdf: (value, [alpha, beta]) =>
    pt.switch(pt.le(value, 0), 0, pt.switch(pt.ge(value, 1), -Infinity, logBetainc(beta, alpha, pt.sub(1, pt.clip(value, 0, 1))))),
  defaultTransform: () => logodds,
  supportPoint: ([alpha, beta]) => pt.div(alpha, pt.add(alpha, beta)),
};

export const Beta = defineDistribution(betaSpec);
