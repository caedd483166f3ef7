// Flat and HalfFlat: improper uniform densities on ℝ and on [0, ∞); no parameters, no sampler.
import * as pt from "../tensor.js";
import { RV } from "../ops/random.js";
import { log as logTransform } from "../transforms.js";
import { defineDistribution, type DistributionSpec } from "./distribution.js";

export const flatSpec: DistributionSpec = {
  name: "Flat",
  rv: RV.flat,
  params: [],
  toRvParams: () => [],
  checks: () => [],
  logp: (value) => pt.mul(pt.sign(value), 0.0),
  logcdf: (value) => pt.switch(pt.eq(value, -Infinity), -Infinity, pt.switch(pt.eq(value, Infinity), 0, Math.log(0.5))),
  defaultTransform: () => null,
  supportPoint: () => pt.constant(0.0, null, "float64"),
};

export const halfFlatSpec: DistributionSpec = {
  name: "HalfFlat",
  rv: RV.half_flat,
  params: [],
  toRvParams: () => [],
  checks: () => [],
  logp: (value) => pt.switch(pt.lt(value, 0), -Infinity, pt.mul(pt.sign(value), 0.0)),
  logcdf: (value) => pt.switch(pt.lt(value, Infinity), -Infinity, pt.switch(pt.eq(value, Infinity), 0, -Infinity)),
  defaultTransform: () => logTransform,
  supportPoint: () => pt.constant(1.0, null, "float64"),
};

export const Flat = defineDistribution(flatSpec);
export const HalfFlat = defineDistribution(halfFlatSpec);
