// HyperGeometric(N, k, n): successes in n draws without replacement from N items of which k are
// successes; the RandomVariable holds (good = k, bad = N - k, n) as PyTensor's.
import * as pt from "../tensor.js";
import { Constant, type Variable } from "../graph/basic.js";
import { RV } from "../ops/random.js";
import { defineDistribution, type DistributionSpec, type ParamCheck } from "./distribution.js";
import { required } from "./math.js";
import { summedLogcdf } from "./betabinomial.js";

function bounds(good: Variable, bad: Variable, n: Variable): [Variable, Variable] {
  const tot = pt.add(good, bad);
  return [pt.maximum(pt.add(pt.sub(n, tot), good), 0), pt.minimum(good, n)];
}

function massAt(value: Variable, good: Variable, bad: Variable, n: Variable): Variable {
  const tot = pt.add(good, bad);
  const res = pt.sub(
    pt.add(pt.add(pt.betaln(pt.add(good, 1), 1), pt.betaln(pt.add(bad, 1), 1)), pt.betaln(pt.add(pt.sub(tot, n), 1), pt.add(n, 1))),
    pt.add(
      pt.add(pt.betaln(pt.add(value, 1), pt.add(pt.sub(good, value), 1)), pt.betaln(pt.add(pt.sub(n, value), 1), pt.add(pt.add(pt.sub(bad, n), value), 1))),
      pt.betaln(pt.add(tot, 1), 1),
    ),
  );
  const [lower, upper] = bounds(good, bad, n);
  return pt.switch(pt.or(pt.lt(value, lower), pt.gt(value, upper)), -Infinity, res);
}

export const hyperGeometricSpec: DistributionSpec = {
  name: "HyperGeometric",
  rv: RV.hypergeometric,
  params: ["N", "k", "n"],
  toRvParams(given, where) {
    const N = required(given, where, "N");
    const k = required(given, where, "k");
    const bad = N instanceof Constant && k instanceof Constant ? pt.constant(pt.evaluate(pt.sub(N, k)), null, "int64") : pt.sub(N, k);
    return [k, bad, required(given, where, "n")];
  },
  checks([good, bad, n]): ParamCheck[] {
    const [lower, upper] = bounds(good, bad, n);
    return [[pt.le(lower, upper), "lower <= upper"]];
  },
  logp(value, params) {
    const [good, bad, n] = params;
    return massAt(value, good, bad, n);
  },
  logcdf(value, params) {
    const [good, bad, n] = params;
    const ex = (x: Variable) => pt.expandDims(x, [x.ndim]);
    const [, upper] = bounds(good, bad, n);
    const top = good instanceof Constant && n instanceof Constant ? pt.constant(pt.evaluate(upper), null, "int64") : upper;
    const sum = summedLogcdf("HyperGeometric", value, top, (k) => massAt(k, ex(good), ex(bad), ex(n)));
    const [lower] = bounds(good, bad, n);
    const res = pt.switch(pt.lt(value, lower), -Infinity, pt.switch(pt.ge(value, upper), 0, sum));
    return res;
  },
  defaultTransform: () => null,
  supportPoint: ([good, bad, n]) => pt.floor(pt.div(pt.mul(pt.add(n, 1), pt.add(good, 1)), pt.add(pt.add(good, bad), 2))),
};

export const HyperGeometric = defineDistribution(hyperGeometricSpec);
