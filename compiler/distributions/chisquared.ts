// ChiSquared(nu): Gamma(nu/2, 1/2); log transform.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, logcdfOf, logpOf, type DistributionSpec } from "./distribution.js";
import { log as logTransform } from "../transforms.js";
import { gammaSpec } from "./gamma.js";
import { logGammaincc, required, survivalAbove } from "./math.js";

export const chiSquaredSpec: DistributionSpec = {
  name: "ChiSquared",
  rv: RV.chisquare,
  params: ["nu"],
  toRvParams: (given, where) => [asFloat(required(given, where, "nu"))],
  checks: ([nu]) => [[pt.gt(nu, 0), "nu > 0"]],
  // Gamma's, with Gamma's checks (on nu / 2), as PyMC's ChiSquared (a Gamma)
  ownChecks: ["logp", "logcdf"],
  logp: (value, [nu]) => logpOf(gammaSpec, value, [pt.div(nu, 2), pt.constant(2.0, null, "float64")]),
  logcdf: (value, [nu]) => logcdfOf(gammaSpec, value, [pt.div(nu, 2), pt.constant(2.0, null, "float64")]),
  logccdf: (value, [nu]) => survivalAbove(value, 0, (v) => logGammaincc(pt.div(nu, 2), pt.div(v, 2))),
  defaultTransform: () => logTransform,
  supportPoint: ([nu]) => nu,
};

export const ChiSquared = defineDistribution(chiSquaredSpec);
