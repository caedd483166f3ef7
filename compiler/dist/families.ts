// The families beyond Normal and HalfNormal, re-exported by the package entry (compiler/index.ts).
export {
  Bernoulli, Poisson, HalfCauchy, Cauchy, Exponential, Gamma, Beta, Uniform, StudentT, HalfStudentT, LogNormal, Binomial,
  NegativeBinomial, Categorical, Dirichlet, Laplace, Logistic, Gumbel, Weibull, Pareto, InverseGamma, ChiSquared, Geometric,
  DiscreteUniform, TruncatedNormal, SkewNormal, AsymmetricLaplace, LogitNormal, ExGaussian, Moyal, Kumaraswamy, Triangular,
  Wald, VonMises, Rice, Flat, HalfFlat, BetaBinomial, HyperGeometric, DiscreteWeibull, ZeroInflatedPoisson, ZeroInflatedBinomial,
  ZeroInflatedNegativeBinomial, OrderedLogistic, MvNormal, Multinomial,
  DirichletMultinomial, MvStudentT, LKJCorr, LKJCholeskyCov, expandPackedTriangular,
} from "./index.js";
