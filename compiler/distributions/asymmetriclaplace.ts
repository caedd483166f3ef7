// AsymmetricLaplace(kappa, mu, b) or AsymmetricLaplace({ q, mu, b }) with kappa = sqrt(q / (1 - q));
// the RandomVariable holds (b, kappa, mu) as PyMC's.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { oneOf, required } from "./math.js";

export const asymmetricLaplaceSpec: DistributionSpec = {
  name: "AsymmetricLaplace",
  rv: RV.asymmetriclaplace,
  params: ["kappa", "mu", "b", "q"],
  toRvParams(given, where) {
    const [which, v] = oneOf(given, where, ["kappa", "q"] as const);
    const kappa = which === "q" ? pt.sqrt(pt.div(v, pt.sub(1, v))) : asFloat(v);
    return [asFloat(required(given, where, "b")), kappa, asFloat(required(given, where, "mu"))];
  },
  checks: ([b, kappa]) => [
    [pt.gt(b, 0), "b > 0"],
    [pt.gt(kappa, 0), "kappa > 0"],
  ],
  logp(value, params) {
    const [b, kappa, mu] = params;
    const d = pt.sub(value, mu);
    // -|d| b kappa^sign(d): kappa on the right, 1/kappa on the left
    const rate = pt.switch(pt.ge(d, 0), pt.mul(b, kappa), pt.div(b, kappa));
    const res = pt.sub(pt.log(pt.div(b, pt.add(kappa, pt.div(1, kappa)))), pt.mul(pt.abs(d), rate));
    return res;
  },
  defaultTransform: () => null,
  supportPoint: ([b, kappa, mu]) => pt.sub(mu, pt.div(pt.sub(kappa, pt.div(1, kappa)), b)),
};

export const AsymmetricLaplace = defineDistribution(asymmetricLaplaceSpec);
