// findMAP's objective, PyMC's find_MAP density: logp on the value space WITHOUT the transforms'
// Jacobians, and its gradient. The compiler emits it like the model's other functions: into the
// module body for a model declared with `{ findMAP: true }` (ahead of time, a bundle that does not
// ask carries none of it), or alone, on first use, for a model compiled in process
// (compileMapObjective in ./compile.ts). The optimizer is runtime/sampler/map.ts.
import { emitFunction, type EmittedFunction, type SharedConstants } from "../emit/js.js";
import type { Variable } from "../graph/basic.js";
import { compileGraph, valueGradients } from "../pipeline.js";
import { boundedLogp } from "./compile-graphs.js";
import type { Model } from "./model.js";
import { CompiledModel } from "../../runtime/index.js";
import type { Value } from "../../runtime/model.js";
import { findMAP, type FindMAPOptions } from "../../runtime/sampler/map.js";

export { findMAP, type FindMAPOptions };

/** logp without Jacobians (-inf outside the support), then its gradient by value variable (zeros for discrete ones). */
function mapObjectiveGraphs(model: Model): Variable[] {
  const [logp] = boundedLogp([model.logp({ sum: true, jacobian: false })]);
  return [logp, ...valueGradients(logp, model.valueVars)];
}

/** `mapObjective(valueVars..., dataVars...)`: [logp, ...gradients], as the model's `terms` is called. */
export function emitMapObjective(model: Model, shared: SharedConstants): EmittedFunction {
  return emitFunction([...model.valueVars, ...model.dataVars], compileGraph(mapObjectiveGraphs(model)), { name: "mapObjective", constPrefix: "km", shared });
}

declare module "../../runtime/model.js" {
  interface CompiledModel {
    /** findMAP(m, opts) as a method: models compiled in process (ahead of time, import findMAP from "tsmc/runtime"). */
    findMAP(opts?: FindMAPOptions): Record<string, Value>;
  }
}

// The method, for models compiled in process: only the compiler installs it (a bundle of models
// built ahead of time carries none of this).
Object.defineProperty(CompiledModel.prototype, "findMAP", {
  value(this: CompiledModel, opts?: FindMAPOptions) {
    return findMAP(this, opts);
  },
  writable: true,
  configurable: true,
});
