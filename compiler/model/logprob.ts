// logp(rv, value) and logcdf(rv, value): the graphs of a RandomVariable's density and CDF.
import { Variable } from "../graph/basic.js";
import { asTensor, type TensorLike } from "../ops/constant.js";
import { distributionOf, rvParams } from "../dist/distribution.js";
import "../dist/index.js";

function valueFor(rv: Variable, value: TensorLike): Variable {
  return value instanceof Variable ? value : asTensor(value, rv.dtype);
}

/** The log density (or mass) of `rv` at `value`, with parameter checks as Check nodes. */
export function logp(rv: Variable, value: TensorLike): Variable {
  const g = distributionOf(rv).logp(valueFor(rv, value), rvParams(rv));
  if (rv.name !== null) g.name = `${rv.name}_logprob`;
  return g;
}

/** The log of the cumulative distribution function of `rv` at `value`. */
export function logcdf(rv: Variable, value: TensorLike): Variable {
  const spec = distributionOf(rv);
  if (!spec.logcdf) throw new Error(`logcdf: ${spec.name} has no CDF`);
  const g = spec.logcdf(valueFor(rv, value), rvParams(rv));
  if (rv.name !== null) g.name = `${rv.name}_logcdf`;
  return g;
}
