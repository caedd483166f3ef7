// Wald(mu, lam, phi, alpha): the inverse Gaussian, shifted by alpha; give mu, mu and lam, mu and
// phi, or lam and phi (phi = lam / mu), as PyMC.
import * as pt from "../tensor.js";
import type { Variable } from "../graph/basic.js";
import { RV } from "../ops/random.js";
import { log as logTransform } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64, logpow, normalLcdf } from "./math.js";

export const waldSpec: DistributionSpec = {
  name: "Wald",
  rv: RV.wald,
  params: ["mu", "lam", "phi", "alpha"],
  toRvParams(given, where) {
    const { mu, lam, phi } = given;
    let m: Variable;
    let l: Variable;
    if (mu && !lam && !phi) [m, l] = [mu, f64(1)];
    else if (mu && lam && !phi) [m, l] = [mu, lam];
    else if (mu && phi && !lam) [m, l] = [mu, pt.mul(mu, phi)];
    else if (lam && phi && !mu) [m, l] = [pt.div(lam, phi), lam];
    else throw new Error(`${where}: Wald distribution must specify either mu only, mu and lam, mu and phi, or lam and phi.`);
    return [asFloat(m), asFloat(l), asFloat(given.alpha ?? f64(0))];
  },
  checks: ([mu, lam, alpha]) => [
    [pt.gt(mu, 0), "mu > 0"],
    [pt.gt(lam, 0), "lam > 0"],
    [pt.ge(alpha, 0), "alpha >= 0"],
  ],
  logp(value, params) {
    const [mu, lam, alpha] = params;
    const x = pt.sub(value, alpha);
    const res = pt.sub(
      pt.sub(logpow(pt.div(lam, 2 * Math.PI), 0.5), logpow(x, 1.5)),
      pt.mul(pt.div(pt.mul(0.5, lam), x), pt.square(pt.div(pt.sub(x, mu), mu))),
    );
    return pt.switch(pt.le(x, 0), -Infinity, res);
  },
  logcdf(value, params) {
    const [mu, lam, alpha] = params;
    const x = pt.maximum(pt.sub(value, alpha), 0);
    const q = pt.div(x, mu);
    // Giner and Smyth's pinvgauss: phi = mu / lam, r = sqrt(q phi)
    const r = pt.sqrt(pt.mul(q, pt.div(mu, lam)));
    const a = normalLcdf(0, 1, pt.div(pt.sub(q, 1), r));
    const b = pt.add(pt.div(2, pt.div(mu, lam)), normalLcdf(0, 1, pt.div(pt.neg(pt.add(q, 1)), r)));
    const res = pt.switch(pt.le(pt.sub(value, alpha), 0), -Infinity, pt.switch(pt.lt(value, Infinity), pt.add(a, pt.softplus(pt.sub(b, a))), 0));
    return res;
  },
  defaultTransform: () => logTransform,
  supportPoint: ([mu]) => mu,
};

export const Wald = defineDistribution(waldSpec);
