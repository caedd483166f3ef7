// ZeroInflatedPoisson(psi, mu), ZeroInflatedBinomial(psi, n, p), ZeroInflatedNegativeBinomial(psi,
// mu, alpha / n, p): PyMC's mixtures of a point mass at zero (weight 1 - psi) and the base family
// (weight psi), with the mixture's logp and logcdf as logsumexps of the weighted components.
import * as pt from "../tensor.js";
import type { Variable } from "../graph/basic.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec, type ParamCheck } from "./distribution.js";
import { logaddexp, required } from "./math.js";
import { poissonSpec } from "./poisson.js";
import { binomialSpec } from "./binomial.js";
import { negativeBinomialSpec } from "./negativebinomial.js";

function zeroInflated(
  name: string,
  rv: DistributionSpec["rv"],
  base: DistributionSpec,
  params: string[],
  altParams: string[],
  baseParams: (given: Record<string, Variable | undefined>, where: string) => Variable[],
): DistributionSpec {
  return {
    name,
    rv,
    params,
    altParams,
    toRvParams: (given, where) => [asFloat(required(given, where, "psi")), ...baseParams(given, where)],
    checks: ([psi, ...rest]): ParamCheck[] => [[pt.and(pt.ge(psi, 0), pt.le(psi, 1)), "0 <= psi <= 1"], ...base.checks(rest)],
    // the base family's logp and logcdf come without its Check: `checks` states all conditions once
    logp(value, [psi, ...rest]) {
      const lw = pt.log(psi);
      const baseLogp = base.logp(value, rest);
      const res = pt.switch(pt.eq(value, 0), logaddexp(pt.log1p(pt.neg(psi)), pt.add(lw, baseLogp)), pt.add(lw, baseLogp));
      return res;
    },
    logcdf(value, [psi, ...rest]) {
      const dirac = pt.switch(pt.lt(value, 0), -Infinity, 0);
      const lc = base.logcdf!(value, rest);
      const mix = logaddexp(pt.add(pt.log1p(pt.neg(psi)), dirac), pt.add(pt.log(psi), lc));
      // near 1: log(1 - psi (1 - F)) without the rounding of the sum
      const nearOne = pt.log1p(pt.mul(psi, pt.expm1(pt.minimum(lc, 0))));
      const res = pt.switch(pt.and(pt.ge(value, 0), pt.gt(mix, -Math.LN2)), nearOne, mix);
      return res;
    },
    defaultTransform: () => null,
    supportPoint: ([psi, ...rest]) => pt.floor(pt.add(pt.mul(psi, base.supportPoint(rest)), 0.5)),
  };
}

export const zeroInflatedPoissonSpec = zeroInflated("ZeroInflatedPoisson", RV.zero_inflated_poisson, poissonSpec, ["psi", "mu"], [], (given, where) =>
  poissonSpec.toRvParams(given, where),
);
export const zeroInflatedBinomialSpec = zeroInflated("ZeroInflatedBinomial", RV.zero_inflated_binomial, binomialSpec, ["psi", "n", "p"], [], (given, where) =>
  binomialSpec.toRvParams(given, where),
);
export const zeroInflatedNegativeBinomialSpec = zeroInflated(
  "ZeroInflatedNegativeBinomial",
  RV.zero_inflated_negative_binomial,
  negativeBinomialSpec,
  ["psi", "mu", "alpha", "p", "n"],
  [],
  (given, where) => negativeBinomialSpec.toRvParams(given, where),
);

export const ZeroInflatedPoisson = defineDistribution(zeroInflatedPoissonSpec);
export const ZeroInflatedBinomial = defineDistribution(zeroInflatedBinomialSpec);
export const ZeroInflatedNegativeBinomial = defineDistribution(zeroInflatedNegativeBinomialSpec);
