// Dirichlet(a): points of the simplex; sampled through the simplex transform (k - 1 free numbers).
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { simplex } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { logpow, required } from "./math.js";

export const dirichletSpec: DistributionSpec = {
  name: "Dirichlet",
  rv: RV.dirichlet,
  params: ["a"],
  toRvParams(given, where) {
    const a = asFloat(required(given, where, "a"));
    if (a.ndim < 1) throw new Error(`${where}: a must have at least one dimension`);
    return [a];
  },
  checks: ([a]) => [[pt.all(pt.gt(a, 0)), "a > 0"]],
  logp(value, params) {
    const [a] = params;
    const res = pt.add(pt.sum(pt.sub(logpow(value, pt.sub(a, 1)), pt.gammaln(a)), -1), pt.gammaln(pt.sum(a, -1)));
    const inside = pt.all(pt.and(pt.ge(value, 0), pt.le(value, 1)), -1);
    return pt.switch(inside, res, -Infinity);
  },
  defaultTransform: () => simplex,
  supportPoint: ([a]) => pt.div(a, pt.sum(a, -1, true)),
};

export const Dirichlet = defineDistribution(dirichletSpec);
