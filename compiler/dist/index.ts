// The distribution catalogue: one file per family; importing this registers them all.
export { Normal, normalSpec } from "./normal.js";
export { HalfNormal, halfNormalSpec } from "./halfnormal.js";
export { distributionOf, rvParams, type Distribution, type DistributionSpec } from "./distribution.js";
export { Bernoulli, bernoulliSpec } from "./bernoulli.js";
export { Poisson, poissonSpec } from "./poisson.js";
export { HalfCauchy, halfCauchySpec } from "./halfcauchy.js";
export { Cauchy, cauchySpec } from "./cauchy.js";
export { Exponential, exponentialSpec } from "./exponential.js";
export { Gamma, gammaSpec } from "./gamma.js";
export { Beta, betaSpec } from "./beta.js";
export { Uniform, uniformSpec } from "./uniform.js";
export { StudentT, studentTSpec } from "./studentt.js";
export { HalfStudentT, halfStudentTSpec } from "./halfstudentt.js";
export { LogNormal, logNormalSpec } from "./lognormal.js";
export { Binomial, binomialSpec } from "./binomial.js";
export { NegativeBinomial, negativeBinomialSpec } from "./negativebinomial.js";
export { Categorical, categoricalSpec } from "./categorical.js";
export { Dirichlet, dirichletSpec } from "./dirichlet.js";
