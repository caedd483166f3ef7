// ZeroSumNormal(sigma, { shape | dims, n_zerosum_axes = 1 }) as PyMC's: normal draws of scale sigma
// minus their mean along each of the last n_zerosum_axes axes, sampled through the zero-sum transform
// (`x_zerosum__`, one entry fewer along each zero-sum axis). The RandomVariable carries the support
// shape as one constant marker vector per zero-sum axis (the draw's core dims), as LKJ carries its
// length; one RandomVariable per number of axes (`zerosumnormal_rv`, `zerosumnormal_2axes_rv`, …).
import * as pt from "../tensor.js";
import type { Variable } from "../graph/basic.js";
import { RV, type RandomVariableSpec } from "../ops/random.js";
import { zeroSum } from "../transforms.js";
import { asFloat, defineDistribution, withChecks, type Distribution, type DistributionSpec, type ParamCheck } from "./distribution.js";
import { constantInt, givenShape, marker, splitArgs } from "./support-shape.js";

const LOG_SQRT_2PI = Math.log(Math.sqrt(2 * Math.PI));

function zeroSumRv(k: number): RandomVariableSpec {
  if (k === 1) return RV.zerosumnormal;
  const dims = Array.from({ length: k }, (_, i) => `a${i}`);
  return {
    name: `zerosumnormal_${k}axes_rv`,
    signature: `(),${dims.map((d) => `(${d})`).join(",")}->(${dims.join(",")})`,
    dtype: "float64",
    sampler: "zeroSumNormalVariate",
    nParams: k + 1,
  };
}

function zeroSumSpec(k: number): DistributionSpec {
  const checks = ([sigma]: Variable[]): ParamCheck[] => [[pt.gt(sigma, 0), "sigma > 0"]];
  return {
    name: "ZeroSumNormal",
    rv: zeroSumRv(k),
    params: ["sigma"],
    altParams: ["support_shape"],
    toRvParams(given, where) {
      const sigma = asFloat(given.sigma ?? pt.constant(1.0, null, "float64"));
      if (sigma.ndim > 0) throw new Error(`${where}: sigma has to be a scalar`);
      if (!given.support_shape) throw new Error(`${where}: You must specify dims, shape or support_shape parameter`);
      const support = Array.from(pt.evaluate(given.support_shape).data ?? [pt.evaluate(given.support_shape)], Number);
      if (support.length !== k) throw new Error(`${where}: support_shape has to be as long as n_zerosum_axes (${k})`);
      return [sigma, ...support.map(marker)];
    },
    checks,
    // logp states its checks itself: the parameters' and that the value sums to zero (PyMC's)
    ownChecks: ["logp"],
    logp(value, params) {
      const [sigma] = params;
      if (value.ndim < k) throw new Error(`ZeroSumNormal: a value of rank ${value.ndim} has fewer than the ${k} zero-sum axes`);
      const support = value.type.shape.slice(value.ndim - k);
      if (support.some((d) => d === null)) throw new Error("ZeroSumNormal: the zero-sum axes of the value must have known lengths");
      // degrees of freedom over the full size: Π (n_i - 1) / n_i over the zero-sum axes
      const ratio = (support as number[]).reduce((r, n) => (r * (n - 1)) / n, 1);
      const axes = Array.from({ length: k }, (_, i) => value.ndim - k + i);
      const elem = pt.sub(pt.mul(-0.5, pt.pow(pt.div(value, sigma), 2)), pt.mul(pt.add(LOG_SQRT_2PI, pt.log(sigma)), ratio));
      const out = pt.sum(elem, axes);
      const sumsToZero = axes.map((_, i) => pt.all(pt.le(pt.abs(pt.mean(value, -i - 1)), 1e-9))).reduce((a, b) => pt.and(a, b));
      return withChecks(out, [...checks(params), [sumsToZero, "mean(value, axis=n_zerosum_axes) = 0"]]);
    },
    defaultTransform: () => zeroSum(k),
    supportPoint: () => pt.constant(0.0, null, "float64"),
  };
}

const bases = new Map<number, Distribution>();
function baseFor(k: number): Distribution {
  let d = bases.get(k);
  if (!d) bases.set(k, (d = defineDistribution(zeroSumSpec(k))));
  return d;
}

function zeroSumNormal(name: string | undefined, args: unknown[]): Variable {
  if (name !== undefined && (typeof name !== "string" || !name)) return baseFor(1)(name, ...args);
  const where = name === undefined ? "ZeroSumNormal.dist" : `ZeroSumNormal('${name}')`;
  const { positional, opts } = splitArgs(args);
  const k = opts.n_zerosum_axes === undefined ? 1 : constantInt(where, "n_zerosum_axes", opts.n_zerosum_axes, 1);
  delete opts.n_zerosum_axes;
  if (opts.support_shape === undefined) {
    const shape = givenShape(where, opts, name !== undefined);
    if (!shape) throw new Error(`${where}: You must specify dims, shape or support_shape parameter`);
    if (shape.length < k) {
      throw new Error(
        `${where}: n_zerosum_axes = ${k} is larger than the rank of the shape (${shape.join(", ")}); Shape of distribution is too small for the number of zerosum axes`,
      );
    }
    opts.support_shape = shape.slice(shape.length - k);
  }
  const base = baseFor(k);
  return name === undefined ? base.dist(...positional, opts) : base(name, ...positional, opts);
}

/** ZeroSumNormal(name, sigma?, { shape | dims, n_zerosum_axes? }): PyMC's ZeroSumNormal. */
export const ZeroSumNormal: Distribution = Object.assign((name: string, ...args: unknown[]) => zeroSumNormal(name, args), {
  dist: (...args: unknown[]) => zeroSumNormal(undefined, args),
  spec: baseFor(1).spec,
});
