// What generated code reads off `rt` (compiler/emit/runtime-names.ts names each): arrays, kernels,
// special functions, variate generators, buffers and the CompiledModel wrapper. A sampling worker
// rebuilds a model from its generated body against this namespace alone, so the worker file carries
// no diagnostics, trace I/O or model comparison. Never imports the compiler.
export { NDArray, empty, nd, toInput, shapeText, type InputSpec } from "./ndarray.js";
export {
  broadcastError,
  reduce,
  reduceAll,
  transpose,
  dot,
  dotT,
  indexRows,
  join,
  split,
  subtensor,
  scalarAt,
  incSubtensor,
  setSubtensor,
  take,
  incTake,
  setTake,
  reshape,
} from "./kernels.js";
export { sigmoid, softplus, gammaln, digamma, trigamma, erf, erfc, erfcx } from "./special.js";
export { gammainc, gammaincc, betainc, betaln, log1mexp, gammaincDs, betaincDa, betaincDb, i0e, i1e } from "./special.js";
export { choleskyLower, choleskyGrad, solveTriangular, tril, solve, det, slogdet, inv } from "./linalg.js";
export {
  Stream,
  streamState,
  restoreStream,
  freshSeed,
  childSeed,
  broadcastShapes,
  drawElementwise,
  drawCore,
  customDraw,
  customDrawError,
  normalVariate,
  halfNormalVariate,
} from "./random.js";
export * from "./variates-continuous.js";
export * from "./variates-discrete.js";
export * from "./variates-multivariate.js";
export * from "./variates-timeseries.js";
export { ParameterValueError, parameterValueError } from "./errors.js";
export {
  CompiledModel,
  createModel,
  aheadOfTime,
  installSampler,
  stackDraws,
  writeFlat,
  type ModelMeta,
  type ModelImpl,
  type ValueVarInfo,
  type Point,
} from "./model.js";
export { simdModule, simdBind, type SimdLoop } from "./simd.js";
export { slot, outBuffer, buf1, buf2, buf3, view1, view2, view3, unit1, flatView, type Slot } from "./buffers.js";
