// logp(rv, value) and logcdf(rv, value): the graphs of a RandomVariable's density and CDF.
import { Variable } from "../graph/basic.js";
import { asTensor, type TensorLike } from "../ops/constant.js";
import { distributionOf, logcdfOf, logpOf, rvParams } from "../distributions/distribution.js";
import "../distributions/index.js";

function valueFor(rv: Variable, value: TensorLike): Variable {
  return value instanceof Variable ? value : asTensor(value, rv.dtype);
}

/** The log density (or mass) of `rv` at `value`, with parameter checks as Check nodes. */
export function logp(rv: Variable, value: TensorLike): Variable {
  const g = logpOf(distributionOf(rv), valueFor(rv, value), rvParams(rv));
  if (rv.name !== null) g.name = `${rv.name}_logprob`;
  return g;
}

/** The log of the cumulative distribution function of `rv` at `value`. */
export function logcdf(rv: Variable, value: TensorLike): Variable {
  const g = logcdfOf(distributionOf(rv), valueFor(rv, value), rvParams(rv));
  if (rv.name !== null) g.name = `${rv.name}_logcdf`;
  return g;
}
