// MvStudentT(nu, { mu, scale | Sigma | chol | tau, lower }): the multivariate t; the RandomVariable
// holds (nu, mu, scale) as PyMC's.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, withChecks, type DistributionSpec } from "./distribution.js";
import { f64, required } from "./math.js";
import { covarianceFrom, quaddistChol } from "./mvnormal.js";

export const mvStudentTSpec: DistributionSpec = {
  name: "MvStudentT",
  rv: RV.mvstudentt,
  params: ["nu"],
  altParams: ["Sigma", "mu", "scale", "tau", "chol", "lower"],
  toRvParams(given, where) {
    if (given.Sigma && given.scale) throw new Error(`${where}: Specify only one of scale and Sigma`);
    const scale = covarianceFrom({ ...given, scale: given.scale ?? given.Sigma }, where, "scale");
    const n = scale.type.shape[0]!;
    const mu = asFloat(given.mu ?? f64(0));
    return [asFloat(required(given, where, "nu")), mu.ndim === 0 ? pt.add(mu, pt.constant(new Array(n).fill(0), null, "float64")) : mu, scale];
  },
  checks: ([nu, , scale]) => {
    const { posdef } = quaddistChol(pt.constant(new Array(scale.type.shape[0]!).fill(0), null, "float64"), pt.constant(0.0), scale);
    return [
      [posdef, "posdef"],
      [pt.gt(nu, 0), "nu > 0"],
    ];
  },
  // logp checks the posdef flag of the Cholesky factor it computes anyway
  ownChecks: ["logp"],
  logp(value, params) {
    const [nu, mu, scale] = params;
    const { quad, logdet, posdef, n } = quaddistChol(value, mu, scale);
    const norm = pt.sub(pt.sub(pt.gammaln(pt.div(pt.add(nu, n), 2)), pt.gammaln(pt.div(nu, 2))), pt.mul(0.5 * n, pt.log(pt.mul(nu, Math.PI))));
    const inner = pt.mul(pt.neg(pt.div(pt.add(nu, n), 2)), pt.log1p(pt.div(quad, nu)));
    return withChecks(pt.sub(pt.add(norm, inner), logdet), [
      [posdef, "posdef"],
      [pt.gt(nu, 0), "nu > 0"],
    ]);
  },
  defaultTransform: () => null,
  supportPoint: ([, mu]) => mu,
};

export const MvStudentT = defineDistribution(mvStudentTSpec);
