// Poisson(mu): counts; logcdf through the regularised upper incomplete gamma.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { factln, logpow, required, logGammainc, logGammaincc, survivalAbove } from "./math.js";

export const poissonSpec: DistributionSpec = {
  name: "Poisson",
  rv: RV.poisson,
  params: ["mu"],
  toRvParams: (given, where) => [asFloat(required(given, where, "mu"))],
  checks: ([mu]) => [[pt.ge(mu, 0), "mu >= 0"]],
  logp(value, params) {
    const [mu] = params;
    const res = pt.switch(pt.lt(value, 0), -Infinity, pt.sub(pt.sub(logpow(mu, value), factln(value)), mu));
    return res;
  },
  logcdf(value, params) {
    const [mu] = params;
    const safe = pt.switch(pt.lt(value, 0), 0, pt.floor(value));
    const res = pt.switch(pt.lt(value, 0), -Infinity, logGammaincc(pt.add(safe, 1), mu));
    return res;
  },
  logccdf: (value, [mu]) => survivalAbove(value, 0, (v) => logGammainc(pt.add(pt.floor(v), 1), mu)),
  defaultTransform: () => null,
  supportPoint: ([mu]) => pt.floor(mu),
};

export const Poisson = defineDistribution(poissonSpec);
