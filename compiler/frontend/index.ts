// The ahead-of-time build pass (the only code of tsmc that knows ts-morph): what the rollup/Vite
// plugin and the `tsmc` command line use.
export { transformModule, compiledExpression, type TransformResult, type TransformOptions, type CompiledDeclaration } from "./transform.js";
export { analyze, release, type Analysis, type ModelCall } from "./analyze.js";
export { evaluateModels } from "./evaluate.js";
export { mayDeclareModels, mayReadSampler } from "./load.js";
export { readsSampler, SAMPLER_MODULE } from "./sampler-link.js";
export { TsmcBuildError, type SourcePosition } from "./errors.js";
export {
  build,
  buildModule,
  printModels,
  writeOutputs,
  modelGraphs,
  formatWarning,
  type BuildResult,
  type BuildWarning,
  type OutputFile,
  type GraphKind,
} from "./build.js";
export { pointType } from "./dts.js";
// What the command line needs of the compiler beside the pass, from the same module instances as the
// models the pass evaluates (a loader may give a dynamically imported module graph its own copies).
export { emitModel } from "../model/compile.js";
export { Constant } from "../graph/basic.js";
