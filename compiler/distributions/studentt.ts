// StudentT(nu, mu, sigma) or StudentT(nu, mu, { lam }): heavy-tailed location-scale family.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import type { Variable } from "../graph/basic.js";
import { f64, required } from "./math.js";

/** sigma from sigma or lam (a precision), PyMC's get_tau_sigma; 1 when neither is given. */
export function sigmaOrLam(given: Record<string, Variable | undefined>, where: string): Variable {
  const { sigma, lam } = given;
  if (sigma && lam) throw new Error(`${where}: give sigma or lam, not both`);
  if (lam) return pt.pow(lam, -0.5);
  return asFloat(sigma ?? f64(1));
}

/** log P(T <= t) of a standard Student t with nu degrees of freedom, stable in both tails. */
export function studentTLcdf(t: Variable, nu: Variable): Variable {
  const x = pt.div(nu, pt.add(nu, pt.square(t)));
  const tail = pt.mul(0.5, pt.betainc(pt.div(nu, 2), 0.5, x));
  return pt.switch(pt.lt(t, 0), pt.log(tail), pt.log1p(pt.neg(tail)));
}

export const studentTSpec: DistributionSpec = {
  name: "StudentT",
  rv: RV.t,
  params: ["nu", "mu", "sigma"],
  altParams: ["lam"],
  toRvParams: (given, where) => [asFloat(required(given, where, "nu")), asFloat(given.mu ?? f64(0)), sigmaOrLam(given, where)],
  checks: ([nu, , sigma]) => [
    [pt.gt(nu, 0), "nu > 0"],
    [pt.gt(sigma, 0), "sigma > 0"],
  ],
  logp(value, params) {
    const [nu, mu, sigma] = params;
    const z = pt.div(pt.sub(value, mu), sigma);
    const res = pt.sub(
      pt.sub(pt.sub(pt.gammaln(pt.div(pt.add(nu, 1), 2)), pt.gammaln(pt.div(nu, 2))), pt.add(pt.mul(0.5, pt.log(pt.mul(nu, Math.PI))), pt.log(sigma))),
      pt.mul(pt.div(pt.add(nu, 1), 2), pt.log1p(pt.div(pt.square(z), nu))),
    );
    return res;
  },
  logcdf(value, params) {
    const [nu, mu, sigma] = params;
    return studentTLcdf(pt.div(pt.sub(value, mu), sigma), nu);
  },
  logccdf: (value, [nu, mu, sigma]) => studentTLcdf(pt.div(pt.sub(mu, value), sigma), nu),
  defaultTransform: () => null,
  supportPoint: ([, mu]) => mu,
};

export const StudentT = defineDistribution(studentTSpec);
