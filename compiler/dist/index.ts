// The distribution catalogue: one file per family; importing this registers them all.
export { Normal, normalSpec } from "./normal.js";
export { HalfNormal, halfNormalSpec } from "./halfnormal.js";
export { distributionOf, rvParams, type Distribution, type DistributionSpec } from "./distribution.js";
