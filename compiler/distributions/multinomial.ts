// Multinomial(n, p) and DirichletMultinomial(n, a): counts over the last axis summing to n. p is
// normalised along its last axis as PyMC does.
import * as pt from "../tensor.js";
import type { Variable } from "../graph/basic.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { factln, logpow, required } from "./math.js";

const ex = (x: Variable) => pt.expandDims(x, [x.ndim]);

/** PyMC's rounding of n p to counts summing to n: the remainder goes to the largest expected entry. */
function roundedCounts(n: Variable, p: Variable): Variable {
  const k = p.type.shape[p.ndim - 1];
  if (k === null) throw new Error("the number of categories must be known");
  const mean = pt.mul(ex(n), p);
  const mode = pt.floor(pt.add(mean, 0.5));
  const diff = pt.sub(ex(n), pt.sum(mode, -1, true));
  const range = pt.constant(
    Array.from({ length: k }, (_, i) => i),
    null,
    "int64",
  );
  const first = pt.min(pt.switch(pt.eq(mean, pt.max(mean, -1, true)), range, k), -1, true);
  return pt.add(mode, pt.switch(pt.eq(range, first), diff, 0));
}

export const multinomialSpec: DistributionSpec = {
  name: "Multinomial",
  rv: RV.multinomial,
  params: ["n", "p"],
  toRvParams(given, where) {
    const p = asFloat(required(given, where, "p"));
    if (p.ndim < 1) throw new Error(`${where}: p must have at least one dimension`);
    return [required(given, where, "n"), pt.div(p, pt.sum(p, -1, true))];
  },
  checks: ([n, p]) => [
    [pt.all(pt.and(pt.ge(p, 0), pt.le(p, 1))), "0 <= p <= 1"],
    [pt.all(pt.le(pt.abs(pt.sub(pt.sum(p, -1), 1)), 1e-8)), "sum(p) = 1"],
    [pt.all(pt.ge(n, 0)), "n >= 0"],
  ],
  logp(value, params) {
    const [n, p] = params;
    const res = pt.add(factln(n), pt.sum(pt.sub(logpow(p, value), factln(value)), -1));
    const ok = pt.and(pt.all(pt.ge(value, 0), -1), pt.eq(pt.sum(value, -1), n));
    return pt.switch(ok, res, -Infinity);
  },
  defaultTransform: () => null,
  supportPoint: ([n, p]) => roundedCounts(n, p),
};

export const dirichletMultinomialSpec: DistributionSpec = {
  name: "DirichletMultinomial",
  rv: RV.dirichlet_multinomial,
  params: ["n", "a"],
  toRvParams(given, where) {
    const a = asFloat(required(given, where, "a"));
    if (a.ndim < 1) throw new Error(`${where}: a must have at least one dimension`);
    return [required(given, where, "n"), a];
  },
  checks: ([n, a]) => [
    [pt.all(pt.gt(a, 0)), "a > 0"],
    [pt.all(pt.ge(n, 0)), "n >= 0"],
  ],
  logp(value, params) {
    const [n, a] = params;
    const sumA = pt.sum(a, -1);
    const constant = pt.sub(pt.add(pt.gammaln(pt.add(n, 1)), pt.gammaln(sumA)), pt.gammaln(pt.add(n, sumA)));
    const series = pt.sub(pt.gammaln(pt.add(value, a)), pt.add(pt.gammaln(pt.add(value, 1)), pt.gammaln(a)));
    const res = pt.add(constant, pt.sum(series, -1));
    const bad = pt.or(pt.any(pt.lt(value, 0), -1), pt.neq(pt.sum(value, -1), n));
    return pt.switch(bad, -Infinity, res);
  },
  defaultTransform: () => null,
  supportPoint: ([n, a]) => roundedCounts(n, pt.div(a, pt.sum(a, -1, true))),
};

export const Multinomial = defineDistribution(multinomialSpec);
export const DirichletMultinomial = defineDistribution(dirichletMultinomialSpec);
