// Issue 7 experiment, variant "import" (see kernels.mjs and README.md). Harness implementation module.
import { implementation } from "./kernels.mjs";
export const { logistic } = implementation("import");
