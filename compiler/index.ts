// tsmc: the model API (PyMC's, in TypeScript) and `pt`, the tensor API.
export { pt } from "./tensor.js";
export { Variable, Constant, TensorType } from "./tensor.js";
export { NDArray, CompiledModel, ParameterValueError } from "../runtime/index.js";
export {
  summary,
  toZarr,
  Trace,
  Summary,
  rhat,
  essBulk,
  essTail,
  mcseMean,
  mcseSd,
  hdi,
  loo,
  waic,
  compare,
  psislw,
  computeLogLikelihood,
  NUTS,
  Metropolis,
  BinaryGibbsMetropolis,
  CategoricalGibbsMetropolis,
} from "../runtime/index.js";
export type { StepMethod, SampleOptions, Approximation, FitOptions, ELPDData, WAICData, CompareRow, ZarrStore } from "../runtime/index.js";
export { Model } from "./model/model.js";
export { model, compileModel, emitModel, type ModelOptions } from "./model/compile.js";
export { findMAP, type FindMAPOptions } from "./model/map.js";
export { data, Deterministic, Potential } from "./model/builders.js";
export { logp, logcdf } from "./model/logprob.js";
export { draw } from "./model/draw.js";
export * from "./distributions/index.js";
export { transforms } from "./transforms.js";
