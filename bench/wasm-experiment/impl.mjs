// Issue 7 experiment: the harness implementation module asked for in the issue. It is the SIMD
// variant (wasm-simd.mjs); wasm-scalar.mjs and wasm-import.mjs are the comparison variants.
export { linreg, linreg_N, logistic } from "./wasm-simd.mjs";
