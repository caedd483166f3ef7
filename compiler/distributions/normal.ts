// Normal(mu, sigma) or Normal(mu, tau): PyMC's parameterisations, logp, logcdf and support point.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import type { Variable } from "../graph/basic.js";
import { normalLccdf } from "./math.js";

/** PyMC's get_tau_sigma: one of sigma or tau (precision); sigma = 1 when neither is given. */
export function sigmaFrom(given: Record<string, Variable | undefined>, where: string): Variable {
  const { sigma, tau } = given;
  if (sigma && tau) throw new Error(`${where}: give sigma or tau, not both`);
  if (tau) return pt.pow(tau, -0.5);
  return asFloat(sigma ?? pt.constant(1.0, null, "float64"));
}

export const normalSpec: DistributionSpec = {
  name: "Normal",
  rv: RV.normal,
  params: ["mu", "sigma"],
  altParams: ["tau"],
  toRvParams: (given, where) => [given.mu ?? pt.constant(0), sigmaFrom(given, where)],
  checks: ([, sigma]) => [[pt.gt(sigma, 0), "sigma > 0"]],
  logp(value, params) {
    const [mu, sigma] = params;
    const res = pt.sub(pt.sub(pt.mul(-0.5, pt.pow(pt.div(pt.sub(value, mu), sigma), 2)), pt.log(pt.sqrt(2.0 * Math.PI))), pt.log(sigma));
    return res;
  },
  logcdf(value, params) {
    const [mu, sigma] = params;
    const z = pt.div(pt.sub(value, mu), sigma);
    // Left tail through erfcx so that it stays finite: log(erfc(-z/√2)/2) = log(erfcx(-z/√2)/2) - z²/2
    const res = pt.switch(
      pt.lt(z, -1.0),
      pt.sub(pt.log(pt.div(pt.erfcx(pt.div(pt.neg(z), Math.SQRT2)), 2.0)), pt.div(pt.square(z), 2.0)),
      pt.log1p(pt.neg(pt.div(pt.erfc(pt.div(z, Math.SQRT2)), 2.0))),
    );
    return res;
  },
  logccdf: (value, [mu, sigma]) => normalLccdf(mu, sigma, value),
  defaultTransform: () => null,
  supportPoint: ([mu]) => mu,
};

export const Normal = defineDistribution(normalSpec);
