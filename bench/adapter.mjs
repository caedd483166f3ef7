// Benchmark adapter: data bound as build-time constants (what the build pass emits for constant data).
import { adapter, constants } from "./models.mjs";
export const { seed, eight_schools, linreg, linreg_N, logistic, radon, poisson, grw, ar1, ar1_N, hmm, hmm_N } = adapter(constants);
