// The runtime exports emitted code names (`rt.<name>`), checked by the compiler: a misspelt name
// fails `tsc` rather than emitting code that throws when it runs. test/names.test.ts checks the
// same names against the runtime's exports at run time.
import type * as Runtime from "../../runtime/generated.js";

/** The name of a value generated code may read off `rt` (runtime/generated.ts, part of `tsmc/runtime`). */
export type RuntimeName = keyof typeof Runtime;

/** The runtime's variate generators (`RandomVariableSpec.sampler`): its exports named `…Variate`. */
export type VariateName = Extract<RuntimeName, `${string}Variate`>;

/**
 * Every runtime export emitted code names, but the variate generators (compiler/ops/random.ts's
 * `RV` table names those): what ops write through `EmitContext.rt` (which takes no other name), the
 * emitter's buffers and constants (compiler/emit/js.ts), a model's entry points
 * (compiler/model/compile.ts), the ahead-of-time wrapper (compiler/frontend/transform.ts) and the
 * classes a compiled module's declarations name (compiler/frontend/dts.ts).
 */
export const EMITTED_RUNTIME_NAMES = [
  // arrays, buffers and slots (compiler/emit/js.ts)
  "NDArray",
  "nd",
  "empty",
  "slot",
  "outBuffer",
  "buf1",
  "buf2",
  "buf3",
  "view1",
  "view2",
  "view3",
  "unit1",
  // kernels of the ops (compiler/ops/*.ts)
  "broadcastError",
  "indexRows",
  "reduce",
  "reduceAll",
  "transpose",
  "dot",
  "dotT",
  "join",
  "split",
  "subtensor",
  "scalarAt",
  "incSubtensor",
  "setSubtensor",
  "take",
  "incTake",
  "setTake",
  "reshape",
  "choleskyLower",
  "choleskyGrad",
  "solveTriangular",
  "tril",
  "solve",
  "det",
  "slogdet",
  "inv",
  "parameterValueError",
  "drawElementwise",
  "drawCore",
  "customDraw",
  "customDrawError",
  // scalar functions (the scalar ops of compiler/ops/elemwise.ts and special.ts)
  "sigmoid",
  "softplus",
  "erf",
  "erfc",
  "erfcx",
  "gammaln",
  "digamma",
  "trigamma",
  "log1mexp",
  "betaln",
  "gammainc",
  "gammaincc",
  "gammaincDs",
  "betainc",
  "betaincDa",
  "betaincDb",
  "i0e",
  "i1e",
  // WebAssembly SIMD loops (compiler/emit/wasm-loop.ts)
  "simdModule",
  "simdBind",
  // a compiled model (compiler/model/compile.ts, compiler/frontend/transform.ts) and its declarations
  // (compiler/frontend/dts.ts)
  "createModel",
  "flatView",
  "writeFlat",
  "aheadOfTime",
  "CompiledModel",
] as const satisfies readonly RuntimeName[];

/** A runtime export emitted code may name. */
export type EmittedRuntimeName = (typeof EMITTED_RUNTIME_NAMES)[number] | VariateName;

/** How emitted code refers to a runtime export: `rt.<name>`. */
export function rtRef(name: EmittedRuntimeName): string {
  return `rt.${name}`;
}
