// Missing observations, imputed as PyMC does (pymc/model/core.py, make_obs_var): an observed value
// with NaN entries splits the variable in two, a free RV `y_unobserved` of the missing entries and
// an observed RV `y_observed` of the rest, both of the same distribution with the parameters of
// their entries, and `y` becomes the Deterministic of the whole, in the observed value's shape.
import { Constant, type Variable } from "../graph/basic.js";
import { TensorType } from "../graph/type.js";
import { parseSignature, randomVariable } from "../ops/random.js";
import { second } from "../ops/elemwise.js";
import * as pt from "../tensor.js";
import { rvParams, type DistributionSpec, type RVOptions } from "../distributions/distribution.js";
import type { Model } from "./model.js";

/** Whether an observed value has missing (NaN) entries to impute. */
export function hasMissing(observed: Variable): observed is Constant {
  return observed instanceof Constant && observed.data.some(Number.isNaN);
}

/** Register `rv`'s two parts in `model` and return the Deterministic of the whole (what the builder gets). */
export function imputeMissing(model: Model, rv: Variable, spec: DistributionSpec, opts: RVOptions, observed: Constant): Variable {
  const name = rv.name!;
  const where = `${spec.name}('${name}')`;
  if (parseSignature(spec.rv.signature).out.length > 0) {
    throw new Error(`${where}: missing values (NaN) in the observed value of a multivariate ${spec.name} are not supported; drop those rows`);
  }
  const shape = observed.shape;
  const missing: number[] = [];
  const present: number[] = [];
  observed.data.forEach((v, i) => (Number.isNaN(v) ? missing : present).push(i));
  // Each parameter broadcast to the observed shape, flat, then the entries of each part.
  const full = pt.constant(new Float64Array(observed.data.length).fill(0), null, "float64");
  const flatParams = rvParams(rv).map((p) => pt.reshape(second(pt.reshape(full, shape), p), [observed.data.length]));
  const part = (entries: number[], suffix: string, extra: RVOptions) => {
    const idx = pt.constant(entries, null, "int64");
    const params = flatParams.map((p) => pt.index(p, idx));
    const partRv = randomVariable(spec.rv, params, { size: [entries.length], name: `${name}_${suffix}` });
    return model.registerRV(partRv, spec, extra);
  };
  const { observed: _observed, dims: _dims, shape: _shape, size: _size, ...free } = opts;
  const unobserved = part(missing, "unobserved", free);
  const parts: Variable[] = [unobserved];
  if (present.length) {
    const values = new Constant(
      new TensorType(rv.dtype, [present.length]),
      Float64Array.from(present, (i) => observed.data[i]),
    );
    parts.push(part(present, "observed", { observed: values }));
  }
  // Entry i of the whole is entry order[i] of [unobserved, observed].
  const order = new Array<number>(observed.data.length);
  missing.forEach((i, k) => (order[i] = k));
  present.forEach((i, k) => (order[i] = missing.length + k));
  const joined = parts.length > 1 ? pt.concatenate(parts) : parts[0];
  const whole = pt.reshape(pt.index(joined, pt.constant(order, null, "int64")), shape);
  return model.addDeterministic(name, whole, opts.dims === undefined ? {} : { dims: opts.dims });
}
