// NegativeBinomial(mu, alpha) or NegativeBinomial({ n, p }): overdispersed counts. The
// RandomVariable holds (n, p) as PyTensor's; mu = n (1 - p) / p and alpha = n.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { factln, logpow, logBetainc, survivalAbove } from "./math.js";

export const negativeBinomialSpec: DistributionSpec = {
  name: "NegativeBinomial",
  rv: RV.negative_binomial,
  params: ["mu", "alpha"],
  altParams: ["p", "n"],
  toRvParams(given, where) {
    const { mu, alpha, p, n } = given;
    if (mu && alpha && !p && !n) return [asFloat(alpha), pt.div(alpha, pt.add(mu, alpha))];
    if (n && p && !mu && !alpha) return [asFloat(n), asFloat(p)];
    throw new Error(`${where}: Incompatible parametrization. Must specify either alpha and mu, or n and p.`);
  },
  checks: ([n, p]) => [
    [pt.and(pt.gt(p, 0), pt.le(p, 1)), "0 < p <= 1"],
    [pt.gt(n, 0), "n > 0"],
  ],
  logp(value, params) {
    const [n, p] = params;
    // log Γ(x + n) - log Γ(n) - log x! + n log p + x log(1 - p)
    const res = pt.add(pt.sub(pt.sub(pt.gammaln(pt.add(value, n)), pt.gammaln(n)), factln(value)), pt.add(pt.mul(n, pt.log(p)), logpow(pt.sub(1, p), value)));
    return pt.switch(pt.lt(value, 0), -Infinity, res);
  },
  logcdf(value, params) {
    const [n, p] = params;
    const k = pt.floor(pt.maximum(value, 0));
    const res = pt.switch(pt.lt(value, 0), -Infinity, logBetainc(n, pt.add(k, 1), p));
    return res;
  },
  // P(X > k) = I_{1-p}(k + 1, n)
  logccdf: (value, [n, p]) => survivalAbove(value, 0, (v) => logBetainc(pt.add(pt.floor(v), 1), n, pt.sub(1, p))),
  defaultTransform: () => null,
  supportPoint: ([n, p]) => pt.floor(pt.div(pt.mul(n, pt.sub(1, p)), p)),
};

export const NegativeBinomial = defineDistribution(negativeBinomialSpec);
