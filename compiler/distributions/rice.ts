// Rice(nu, sigma, b): the length of a 2-d normal vector off the origin by nu; b = nu / sigma.
// The RandomVariable holds (b, sigma) as PyMC's; log I0 through the scaled i0e.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { i0e, i1e } from "../ops/special.js";
import { log as logTransform } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64 } from "./math.js";

export const riceSpec: DistributionSpec = {
  name: "Rice",
  rv: RV.rice,
  params: ["nu", "sigma", "b"],
  toRvParams(given, where) {
    const sigma = asFloat(given.sigma ?? f64(1));
    const { nu, b } = given;
    if (nu && !b) return [pt.div(nu, sigma), sigma];
    if (b && !nu) return [asFloat(b), sigma];
    throw new Error(`${where}: Rice distribution must specify either nu or b.`);
  },
  checks: ([b, sigma]) => [
    [pt.ge(sigma, 0), "sigma >= 0"],
    [pt.ge(b, 0), "b >= 0"],
  ],
  logp(value, params) {
    const [b, sigma] = params;
    const x = pt.div(value, sigma);
    const res = pt.add(pt.sub(pt.log(x), pt.log(sigma)), pt.sub(pt.log(i0e(pt.mul(x, b))), pt.mul(0.5, pt.square(pt.sub(x, b)))));
    return pt.switch(pt.le(value, 0), -Infinity, res);
  },
  defaultTransform: () => logTransform,
  supportPoint([b, sigma]) {
    // sigma sqrt(π/2) L_{1/2}(-nu²/2sigma²), with the Bessel factors exponentially scaled
    const r = pt.mul(-0.5, pt.square(b));
    const t = pt.mul(-0.5, r);
    return pt.mul(pt.mul(sigma, Math.sqrt(Math.PI / 2)), pt.sub(pt.mul(pt.sub(1, r), i0e(t)), pt.mul(r, i1e(t))));
  },
};

export const Rice = defineDistribution(riceSpec);
