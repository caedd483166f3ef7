// Wald(mu, lam, phi, alpha): the inverse Gaussian, shifted by alpha; give mu, mu and lam, mu and
// phi, or lam and phi (phi = lam / mu), as PyMC.
import * as pt from "../tensor.js";
import type { Variable } from "../graph/basic.js";
import { RV } from "../ops/random.js";
import { log as logTransform } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64, logpow, normalLcdf } from "./math.js";

/**
 * log(erfcx(a) - erfcx(b)) for a >= 0 and b = √(a² + k): the difference up to a = 10 (it loses
 * log10(a²/k) digits), past it erfcx's asymptotic series (1 - 1/(2a²) + 3/(4a⁴) - …)/(a√π) term by
 * term, a^-m - b^-m = (b - a)(1 + r + … + r^(m-1))/(a^m b) with r = a/b and b - a = k/(a + b), so
 * that nothing cancels (twelve terms leave a relative error near 2e-15 at a = 10).
 */
function logErfcxDiff(a: Variable, k: Variable): Variable {
  const ad = pt.minimum(a, 10);
  const direct = pt.log(pt.sub(pt.erfcx(ad), pt.erfcx(pt.sqrt(pt.add(pt.square(ad), k)))));
  const as = pt.maximum(a, 10);
  const bs = pt.sqrt(pt.add(pt.square(as), k));
  const r = pt.div(as, bs);
  const u = pt.div(1, pt.square(as));
  // Σ_n c_n u^n (1 + r + … + r^(2n)), c_n = (-1)^n (2n - 1)!! / 2^n
  let geo: Variable = f64(1);
  let power: Variable = f64(1);
  let term: Variable = f64(1);
  let series: Variable = f64(1);
  for (let n = 1; n < 12; n++) {
    geo = pt.add(geo, pt.mul(pt.mul(power, r), pt.add(1, r)));
    power = pt.mul(power, pt.square(r));
    term = pt.mul(term, pt.mul(u, -(2 * n - 1) / 2));
    series = pt.add(series, pt.mul(term, geo));
  }
  const lead = pt.sub(pt.sub(pt.log(k), pt.log(pt.add(as, bs))), pt.add(pt.log(as), pt.log(bs)));
  const asymptotic = pt.add(pt.sub(lead, 0.5 * Math.log(Math.PI)), pt.log(series));
  return pt.switch(pt.le(a, 10), direct, asymptotic);
}

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
  logccdf(value, params) {
    const [mu, lam, alpha] = params;
    const x = pt.sub(value, alpha);
    // up to the mean 1 - F keeps its digits; the cdf is read at the mean where the other branches are
    // taken, so that their gradients stay finite
    const mean = pt.add(alpha, mu);
    const body = pt.log1mexp(pt.minimum(waldSpec.logcdf!(pt.switch(pt.le(x, 0), mean, pt.minimum(value, mean)), params), 0));
    // above it Φ(-a) - e^{2λ/μ} Φ(-b) = e^{-a²/2} (erfcx(a/√2) - erfcx(b/√2)) / 2, as b² = a² + 4λ/μ
    const xt = pt.maximum(x, mu);
    const a = pt.mul(pt.sqrt(pt.div(lam, xt)), pt.sub(pt.div(xt, mu), 1));
    const tail = pt.sub(logErfcxDiff(pt.div(a, Math.SQRT2), pt.div(pt.mul(2, lam), mu)), pt.add(pt.mul(0.5, pt.square(a)), Math.LN2));
    return pt.switch(pt.le(x, 0), 0, pt.switch(pt.le(x, mu), body, pt.switch(pt.lt(value, Infinity), tail, -Infinity)));
  },
  defaultTransform: () => logTransform,
  supportPoint: ([mu]) => mu,
};

export const Wald = defineDistribution(waldSpec);
