// MvNormal(mu, cov) or MvNormal(mu, { chol | tau, lower }): the RandomVariable holds the covariance
// as PyMC's; logp factors it with a Cholesky (posdef check) and solves triangularly. The covariance
// is one matrix (no batch of covariances); mu and the value may carry batch dimensions.
import * as pt from "../tensor.js";
import type { Variable } from "../graph/basic.js";
import { RV } from "../ops/random.js";
import { cholesky, solveTriangular } from "../ops/linalg.js";
import { asFloat, defineDistribution, withChecks, type DistributionSpec } from "./distribution.js";
import { required } from "./math.js";

function coreSize(what: string, m: Variable): number {
  if (m.ndim !== 2) throw new Error(`${what}: the covariance must be a matrix (batches of covariances are not supported), got ${m.type}`);
  const n = m.type.shape[0] ?? m.type.shape[1];
  if (n === null) throw new Error(`${what}: the size of the covariance must be known when the model is built`);
  return n;
}

const eye = (n: number) =>
  pt.constant(
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => i === j)),
    null,
    "bool",
  );

/** PyMC's quaddist_matrix: the covariance from cov, chol (L L^T, or U^T U when lower is false) or tau (its inverse). */
export function covarianceFrom(given: Record<string, Variable | undefined>, where: string, covName = "cov"): Variable {
  const present = [covName, "chol", "tau"].filter((k) => given[k] !== undefined);
  if (present.length !== 1) throw new Error(`${where}: Incompatible parameterization. Specify exactly one of tau, ${covName}, or chol.`);
  const lower = given.lower === undefined ? true : Boolean(pt.evaluate(given.lower));
  if (given.chol) {
    const c = asFloat(given.chol);
    coreSize(where, c);
    const l = lower ? c : pt.transpose(c);
    return pt.dot(l, pt.transpose(l));
  }
  if (given.tau) {
    const t = asFloat(given.tau);
    const n = coreSize(where, t);
    // tau^-1 = L^-T L^-1 with tau = L L^T
    const linv = solveTriangular(
      cholesky(t),
      pt.constant(
        Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))),
        null,
        "float64",
      ),
    );
    return pt.dot(pt.transpose(linv), linv);
  }
  const cov = asFloat(given[covName]!);
  coreSize(where, cov);
  return cov;
}

/** Mahalanobis distances, log-determinants and the posdef flag (PyMC's quaddist_chol). */
export function quaddistChol(value: Variable, mu: Variable, cov: Variable): { quad: Variable; logdet: Variable; posdef: Variable; n: number } {
  const n = coreSize("MvNormal", cov);
  const l = cholesky(cov);
  const diag = pt.switch(eye(n), l, 1);
  const posdef = pt.all(pt.gt(diag, 0));
  const safe = pt.switch(
    posdef,
    l,
    pt.constant(
      Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))),
      null,
      "float64",
    ),
  );
  const delta = pt.sub(value, mu);
  let z: Variable;
  if (delta.ndim === 1) z = solveTriangular(safe, delta);
  else if (delta.ndim === 2) z = pt.transpose(solveTriangular(safe, pt.transpose(delta)));
  else {
    const lead = delta.type.shape.slice(0, -1);
    if (lead.some((d) => d === null)) throw new Error("MvNormal: batch dimensions of the value must be known");
    const rows = (lead as number[]).reduce((a, b) => a * b, 1);
    const flat = pt.reshape(delta, [rows, n]);
    z = pt.reshape(pt.transpose(solveTriangular(safe, pt.transpose(flat))), [...(lead as number[]), n]);
  }
  const quad = pt.sum(pt.square(z), -1);
  const logdet = pt.sum(pt.log(pt.switch(eye(n), safe, 1)));
  return { quad, logdet, posdef, n };
}

export const mvNormalSpec: DistributionSpec = {
  name: "MvNormal",
  rv: RV.multivariate_normal,
  params: ["mu", "cov"],
  altParams: ["tau", "chol", "lower"],
  toRvParams(given, where) {
    const cov = covarianceFrom(given, where);
    const mu = asFloat(required(given, where, "mu"));
    const n = coreSize(where, cov);
    // mu broadcasts against the core dimension (a scalar mu is a vector of n equal entries)
    return [mu.ndim === 0 ? pt.add(mu, pt.constant(new Array(n).fill(0), null, "float64")) : mu, cov];
  },
  checks: ([, cov]) => {
    const n = coreSize("MvNormal", cov);
    const l = cholesky(cov);
    return [[pt.all(pt.gt(pt.switch(eye(n), l, 1), 0)), "posdef covariance"]];
  },
  // logp checks the posdef flag of the Cholesky factor it computes anyway
  ownChecks: ["logp"],
  logp(value, params) {
    const [mu, cov] = params;
    const { quad, logdet, posdef, n } = quaddistChol(value, mu, cov);
    const res = pt.sub(pt.sub(-0.5 * n * Math.log(2 * Math.PI), pt.mul(0.5, quad)), logdet);
    return withChecks(res, [[posdef, "posdef covariance"]]);
  },
  defaultTransform: () => null,
  supportPoint: ([mu]) => mu,
};

export const MvNormal = defineDistribution(mvNormalSpec);
