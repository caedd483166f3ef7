// The ahead-of-time build pass (the only code of tsmc that knows ts-morph): what the rollup/Vite
// plugin and the `tsmc` command line use.
export { transformModule, compiledExpression, type TransformResult, type TransformOptions, type CompiledDeclaration } from "./transform.js";
export { mayDeclareModels } from "./analyze.js";
export { mayReadSampler, readsSampler, SAMPLER_MODULE } from "./sampler-link.js";
export { TsmcBuildError, type SourcePosition } from "./errors.js";
export {
  build, buildModule, printModels, writeOutputs, modelGraphs, formatWarning,
  type BuildResult, type BuildWarning, type OutputFile, type GraphKind,
} from "./build.js";
export { pointType } from "./dts.js";
