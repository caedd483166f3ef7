// Benchmark adapter: data bound at run time through data() inputs.
import { adapter, runtimeData } from "./models.mjs";
export const { seed, eight_schools, linreg, linreg_N, logistic, radon, poisson, grw, ar1, ar1_N, hmm, hmm_N } = adapter(runtimeData);
