// Benchmark adapter: data as build-time constants, compiled with model(..., { simd: true }) (the
// opt-in WebAssembly SIMD loops for dense matrices; other models compile as without it).
import { adapter, constants } from "./models.mjs";
export const { seed, eight_schools, linreg, linreg_N, logistic, radon, poisson, grw, ar1, ar1_N, hmm, hmm_N } = adapter(constants, { simd: true });
