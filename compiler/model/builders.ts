// data(), Deterministic() and Potential(): named model members created inside a builder.
import type { Variable } from "../graph/basic.js";
import type { DType } from "../graph/type.js";
import type { TensorLike } from "../ops/constant.js";
import { Model } from "./model.js";

/** A named input the compiled model reads at run time; a default value, if given, is embedded. */
export function data(
  name: string,
  value?: unknown,
  opts: { shape?: readonly (number | null)[]; dtype?: DType; dims?: string | readonly string[] } = {},
): Variable {
  return Model.current(`data('${name}')`).addData(name, value, opts);
}

/** A named function of the model's variables, kept in draws and traces. */
export function Deterministic(name: string, expr: TensorLike, opts: { dims?: string | readonly string[] } = {}): Variable {
  return Model.current(`Deterministic('${name}')`).addDeterministic(name, expr, opts);
}

/** An extra term added to the model's log density. */
export function Potential(name: string, expr: TensorLike): Variable {
  return Model.current(`Potential('${name}')`).addPotential(name, expr);
}
