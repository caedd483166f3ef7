// Issue 7 experiment, variant "simd" (see kernels.mjs and README.md). Harness implementation module.
import { implementation } from "./kernels.mjs";
export const { linreg, linreg_N, logistic } = implementation("simd");
