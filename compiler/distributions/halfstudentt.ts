// HalfStudentT(nu, sigma) or HalfStudentT(nu, { lam }): a Student t folded at 0; log transform.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { log as logTransform } from "../transforms.js";
import { asFloat, defineDistribution, type DistributionSpec } from "./distribution.js";
import { f64 } from "./math.js";
import { sigmaOrLam } from "./studentt.js";

export const halfStudentTSpec: DistributionSpec = {
  name: "HalfStudentT",
  rv: RV.halfstudentt,
  params: ["nu", "sigma"],
  altParams: ["lam"],
  toRvParams: (given, where) => [asFloat(given.nu ?? f64(1)), sigmaOrLam(given, where)],
  checks: ([nu, sigma]) => [
    [pt.gt(sigma, 0), "sigma > 0"],
    [pt.gt(nu, 0), "nu > 0"],
  ],
  logp(value, params) {
    const [nu, sigma] = params;
    const res = pt.sub(
      pt.sub(
        pt.add(Math.LN2, pt.sub(pt.gammaln(pt.div(pt.add(nu, 1), 2)), pt.gammaln(pt.div(nu, 2)))),
        pt.add(pt.mul(0.5, pt.log(pt.mul(nu, Math.PI))), pt.log(sigma)),
      ),
      pt.mul(pt.div(pt.add(nu, 1), 2), pt.log1p(pt.div(pt.square(pt.div(value, sigma)), nu))),
    );
    return pt.switch(pt.lt(value, 0), -Infinity, res);
  },
  logcdf(value, params) {
    // P(|T| <= x) = I_{t²/(ν+t²)}(1/2, ν/2) = 1 - I_{ν/(ν+t²)}(ν/2, 1/2), whichever is not near 1
    const [nu, sigma] = params;
    const t2 = pt.square(pt.div(pt.maximum(value, 0), sigma));
    const upper = pt.betainc(pt.div(nu, 2), 0.5, pt.div(nu, pt.add(nu, t2)));
    const lower = pt.betainc(0.5, pt.div(nu, 2), pt.div(t2, pt.add(nu, t2)));
    const res = pt.switch(pt.le(value, 0), -Infinity, pt.switch(pt.lt(upper, 0.5), pt.log1p(pt.neg(upper)), pt.log(lower)));
    return res;
  },
  logccdf(value, [nu, sigma]) {
    // P(|T| > x) = I_{ν/(ν+t²)}(ν/2, 1/2), or 1 - I_{t²/(ν+t²)}(1/2, ν/2) where that is near 1
    const t2 = pt.square(pt.div(pt.maximum(value, 0), sigma));
    const upper = pt.betainc(pt.div(nu, 2), 0.5, pt.div(nu, pt.add(nu, t2)));
    const lower = pt.betainc(0.5, pt.div(nu, 2), pt.div(t2, pt.add(nu, t2)));
    return pt.switch(pt.le(value, 0), 0, pt.switch(pt.lt(upper, 0.5), pt.log(upper), pt.log1p(pt.neg(lower))));
  },
  defaultTransform: () => logTransform,
  supportPoint: ([, sigma]) => sigma,
};

export const HalfStudentT = defineDistribution(halfStudentTSpec);
