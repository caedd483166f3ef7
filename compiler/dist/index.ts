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
export { Laplace, laplaceSpec } from "./laplace.js";
export { Logistic, logisticSpec } from "./logistic.js";
export { Gumbel, gumbelSpec } from "./gumbel.js";
export { Weibull, weibullSpec } from "./weibull.js";
export { Pareto, paretoSpec } from "./pareto.js";
export { InverseGamma, inverseGammaSpec } from "./inversegamma.js";
export { ChiSquared, chiSquaredSpec } from "./chisquared.js";
export { Geometric, geometricSpec } from "./geometric.js";
export { DiscreteUniform, discreteUniformSpec } from "./discreteuniform.js";
export { TruncatedNormal, truncatedNormalSpec } from "./truncatednormal.js";
export { SkewNormal, skewNormalSpec } from "./skewnormal.js";
export { AsymmetricLaplace, asymmetricLaplaceSpec } from "./asymmetriclaplace.js";
export { LogitNormal, logitNormalSpec } from "./logitnormal.js";
export { ExGaussian, exGaussianSpec } from "./exgaussian.js";
export { Moyal, moyalSpec } from "./moyal.js";
export { Kumaraswamy, kumaraswamySpec } from "./kumaraswamy.js";
export { Triangular, triangularSpec } from "./triangular.js";
export { Wald, waldSpec } from "./wald.js";
export { VonMises, vonMisesSpec } from "./vonmises.js";
export { Rice, riceSpec } from "./rice.js";
export { Flat, HalfFlat, flatSpec, halfFlatSpec } from "./flat.js";
export { BetaBinomial, betaBinomialSpec } from "./betabinomial.js";
export { HyperGeometric, hyperGeometricSpec } from "./hypergeometric.js";
export { DiscreteWeibull, discreteWeibullSpec } from "./discreteweibull.js";
export {
  ZeroInflatedPoisson, ZeroInflatedBinomial, ZeroInflatedNegativeBinomial, zeroInflatedPoissonSpec, zeroInflatedBinomialSpec,
  zeroInflatedNegativeBinomialSpec,
} from "./zeroinflated.js";
export { OrderedLogistic, orderedLogisticP } from "./orderedlogistic.js";
export { MvNormal, mvNormalSpec } from "./mvnormal.js";
export { Multinomial, DirichletMultinomial, multinomialSpec, dirichletMultinomialSpec } from "./multinomial.js";
export { MvStudentT, mvStudentTSpec } from "./mvstudentt.js";
export {
  LKJCorr, LKJCholeskyCov, lkjCorrSpec, lkjCholeskyCovSpec, lkjNormalizingConstant, expandPackedTriangular, vecToCorrMat,
  type LKJCorrDistribution, type LKJCholeskyCovDistribution,
} from "./lkj.js";
