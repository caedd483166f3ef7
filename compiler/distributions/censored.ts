// Censored(name, dist, lower, upper) and Truncated(name, dist, lower, upper): PyMC's wrappers of a
// univariate `.dist()` RandomVariable with a logcdf. A censored variable piles the mass beyond a
// bound onto the bound (draws are clipped); a truncated one is renormalised on [lower, upper]
// (draws by rejection, at most `max_n_steps` tries). `null` is a missing bound; Truncated(Normal)
// is a TruncatedNormal, as PyMC dispatches it.
import * as pt from "../tensor.js";
import { Constant, Variable, type EmitContext } from "../graph/basic.js";
import { graphInputs } from "../graph/traversal.js";
import { constant, type TensorLike } from "../ops/constant.js";
import { isRandomVariable, parseSignature, RandomGeneratorSharedVariable, RandomVariable, type RandomVariableSpec } from "../ops/random.js";
import { MixtureRV } from "../ops/mixture.js";
import { interval } from "../transforms.js";
import {
  defineDistribution,
  distributionOf,
  logcdfOf,
  logpOf,
  modelContext,
  rvParams,
  shapeFromDims,
  tensorArg,
  type DistributionSpec,
  type ParamCheck,
  type RVOptions,
} from "./distribution.js";
import { f64, logdiffexp } from "./math.js";
import { TruncatedNormal } from "./truncatednormal.js";

type Kind = "Censored" | "Truncated";

/** Whether a bound is a constant at ±inf everywhere (then that side is unbounded, as PyMC decides). */
const isInfinite = (b: Variable, inf: number) => b instanceof Constant && b.data.length > 0 && Array.from(b.data).every((x) => x === inf);

/**
 * The RandomVariable of a wrapped family: the base family's parameters, then lower and upper. Its
 * draw is the base family's variate clipped to the bounds (Censored) or redrawn until it falls in
 * them, at most `maxNSteps` times (Truncated), as one function hoisted into the emitted module.
 */
export class WrappedRandomVariable extends RandomVariable {
  readonly kind: Kind;
  readonly label: string;
  readonly maxNSteps: number;

  constructor(spec: RandomVariableSpec, kind: Kind, label: string, maxNSteps: number) {
    super(spec);
    this.kind = kind;
    this.label = label;
    this.maxNSteps = maxNSteps;
    (this as unknown as { key: string }).key = `${this.key}{${JSON.stringify(label)},${maxNSteps}}`;
  }

  override emit(ctx: EmitContext): void {
    const [rng, , , ...params] = ctx.ins;
    const size = ctx.node.inputs[1];
    const sizeText = size.type.shape[0] === 0 ? "null" : size instanceof Constant ? `[${Array.from(size.data).join(", ")}]` : `Array.from(${ctx.ins[1]}.data)`;
    const args = params.map((_, i) => `p${i}`);
    const [lo, hi] = args.slice(-2);
    const variate = `${ctx.rt(this.spec.sampler)}(s${args
      .slice(0, -2)
      .map((a) => `, ${a}`)
      .join("")})`;
    const message = `${this.label}: truncation did not converge in ${this.maxNSteps} steps (max_n_steps): no draw fell within [lower, upper]`;
    const sampler = ctx.hoist(
      this.kind === "Censored"
        ? `(s, ${args.join(", ")}) => Math.min(Math.max(${variate}, ${lo}), ${hi})`
        : `(s, ${args.join(", ")}) => { for (let i = 0; i < ${this.maxNSteps}; i++) { const x = ${variate}; if (x >= ${lo} && x <= ${hi}) return x; } throw new Error(${JSON.stringify(message)}); }`,
    );
    ctx.line(`const ${ctx.outs[0]} = ${rng};`);
    if (size.type.shape[0] === 0 && ctx.node.outputs[1].ndim === 0) {
      ctx.line(`const ${ctx.outs[1]} = ${sampler}(${[rng, ...params].join(", ")});`);
      return;
    }
    ctx.line(
      `const ${ctx.outs[1]} = ${ctx.rt("drawElementwise")}(${JSON.stringify(this.spec.name)}, ${rng}, ${sizeText}, [${params.join(", ")}], ${sampler});`,
    );
  }
}

/**
 * log P(X > x): the family's own form where it has one, which stays finite far in the upper tail
 * where the cdf rounds to 1 (there log1mexp of the logcdf is log 0).
 */
function logccdf(base: DistributionSpec, x: Variable, params: Variable[]): Variable {
  return base.logccdf ? base.logccdf(x, params) : pt.log1mexp(pt.minimum(baseLogcdf(base, x, params), 0));
}

// The base family's logp and logcdf without its checks (the wrapper's `checks` state them once),
// or with them where the family states its own.
const baseLogp = (base: DistributionSpec, v: Variable, p: Variable[]) => (base.ownChecks?.includes("logp") ? logpOf(base, v, p) : base.logp(v, p));
const baseLogcdf = (base: DistributionSpec, v: Variable, p: Variable[]) => (base.ownChecks?.includes("logcdf") ? logcdfOf(base, v, p) : base.logcdf!(v, p));

/** The base family's parameters, lower and upper, and which bounds are there. */
function split(params: Variable[]) {
  const lower = params[params.length - 2];
  const upper = params[params.length - 1];
  return { bp: params.slice(0, -2), lower, upper, lo: !isInfinite(lower, -Infinity), hi: !isInfinite(upper, Infinity) };
}

function checksFor(base: DistributionSpec) {
  return (params: Variable[]): ParamCheck[] => {
    const { bp, lower, upper, lo, hi } = split(params);
    const c = base.checks(bp);
    if (lo && hi) c.push([pt.le(lower, upper), "lower_bound <= upper_bound"]);
    return c;
  };
}

function rvSpec(kind: Kind, base: DistributionSpec): RandomVariableSpec {
  const ins = base.rv.signature.split("->")[0];
  return {
    name: `${kind.toLowerCase()}_${base.rv.name}`,
    signature: `${ins ? `${ins},` : ""}(),()->()`,
    dtype: base.rv.dtype,
    sampler: base.rv.sampler,
    nParams: base.rv.nParams + 2,
  };
}

const notFromArgs = (kind: Kind) => () => {
  throw new Error(`${kind}: give a .dist() variable and the bounds`);
};

function censoredSpec(base: DistributionSpec): DistributionSpec {
  const discrete = base.rv.dtype === "int64";
  return {
    name: "Censored",
    rv: rvSpec("Censored", base),
    params: ["dist", "lower", "upper"],
    toRvParams: notFromArgs("Censored"),
    checks: checksFor(base),
    logp(value, params) {
      const { bp, lower, upper, lo, hi } = split(params);
      let res = baseLogp(base, value, bp);
      // the mass at a bound is read at the bound itself, so that its gradient never sees other values
      if (hi) res = pt.switch(pt.eq(value, upper), logccdf(base, discrete ? pt.sub(upper, 1) : upper, bp), pt.switch(pt.gt(value, upper), -Infinity, res));
      if (lo) res = pt.switch(pt.eq(value, lower), baseLogcdf(base, lower, bp), pt.switch(pt.lt(value, lower), -Infinity, res));
      return res;
    },
    logcdf(value, params) {
      const { bp, lower, upper, lo, hi } = split(params);
      let res = baseLogcdf(base, value, bp);
      if (lo) res = pt.switch(pt.lt(value, lower), -Infinity, res);
      if (hi) res = pt.switch(pt.ge(value, upper), 0, res);
      return res;
    },
    defaultTransform: () => null,
    supportPoint(params) {
      const { bp, lower, upper } = split(params);
      return pt.clip(base.supportPoint(bp), lower, upper);
    },
  };
}

function truncatedSpec(base: DistributionSpec): DistributionSpec {
  const discrete = base.rv.dtype === "int64";
  // log(F(upper) - F(lower)) (F(lower - 1) for a discrete family: lower itself is kept)
  const logNorm = (bp: Variable[], lower: Variable, upper: Variable, lo: boolean, hi: boolean): Variable | number => {
    const below = discrete ? pt.sub(lower, 1) : lower;
    if (lo && hi) {
      const lcL = baseLogcdf(base, below, bp);
      // above the median the difference of the survival functions keeps its digits
      return pt.switch(pt.gt(lcL, -Math.LN2), logdiffexp(logccdf(base, below, bp), logccdf(base, upper, bp)), logdiffexp(baseLogcdf(base, upper, bp), lcL));
    }
    if (lo) return logccdf(base, below, bp);
    if (hi) return baseLogcdf(base, upper, bp);
    return 0;
  };
  return {
    name: "Truncated",
    rv: rvSpec("Truncated", base),
    params: ["dist", "lower", "upper"],
    toRvParams: notFromArgs("Truncated"),
    checks: checksFor(base),
    logp(value, params) {
      const { bp, lower, upper, lo, hi } = split(params);
      const norm = logNorm(bp, lower, upper, lo, hi);
      let res = pt.sub(baseLogp(base, value, bp), norm);
      // an interval whose probability underflows (log 0) would give +Infinity: a sampler's worst
      // value, so the point is refused instead
      if (typeof norm !== "number") res = pt.switch(pt.eq(norm, -Infinity), -Infinity, res);
      if (lo) res = pt.switch(pt.lt(value, lower), -Infinity, res);
      if (hi) res = pt.switch(pt.le(value, upper), res, -Infinity);
      return res;
    },
    logcdf(value, params) {
      const { bp, lower, upper, lo, hi } = split(params);
      const v = pt.clip(value, lower, upper);
      const below = discrete ? pt.sub(lower, 1) : lower;
      const norm = logNorm(bp, lower, upper, lo, hi);
      const numerator = lo ? logdiffexp(baseLogcdf(base, v, bp), baseLogcdf(base, below, bp)) : baseLogcdf(base, v, bp);
      let res = pt.sub(numerator, norm);
      if (hi) {
        // near 1 as 1 - P(v < X <= upper) / P(lower <= X <= upper), without the rounding of the ratio
        const above = pt.sub(logdiffexp(logccdf(base, v, bp), logccdf(base, upper, bp)), norm);
        res = pt.switch(pt.lt(above, -Math.LN2), pt.log1mexp(pt.minimum(above, 0)), res);
      }
      if (lo) res = pt.switch(pt.lt(value, lower), -Infinity, res);
      if (hi) res = pt.switch(pt.le(value, upper), res, 0);
      return res;
    },
    // PyMC's: none for a discrete family, the interval on the bounds otherwise (`x_interval__`,
    // a one-sided log transform under that name when one bound is missing)
    defaultTransform(params) {
      const { lower, upper } = split(params);
      return discrete ? null : interval(lower, upper);
    },
    // PyMC's: the family's support point when it is inside, else the middle or a bound ± 1
    supportPoint(params) {
      const { bp, lower, upper } = split(params);
      const sp = base.supportPoint(bp);
      const inside = discrete ? pt.and(pt.ge(sp, lower), pt.le(sp, upper)) : pt.and(pt.gt(sp, lower), pt.lt(sp, upper));
      const mid = pt.div(pt.add(lower, upper), 2);
      const fallback = pt.switch(
        pt.eq(lower, -Infinity),
        pt.sub(upper, 1),
        pt.switch(pt.eq(upper, Infinity), pt.add(lower, 1), discrete ? pt.floor(mid) : mid),
      );
      return pt.switch(inside, sp, fallback);
    },
  };
}

const specs = new Map<string, DistributionSpec>();

/** The wrapper's spec for `base` (made and registered for logp dispatch once per family). */
function wrappedSpec(kind: Kind, base: DistributionSpec): DistributionSpec {
  const key = `${kind}:${base.rv.name}`;
  let spec = specs.get(key);
  if (!spec) {
    spec = kind === "Censored" ? censoredSpec(base) : truncatedSpec(base);
    defineDistribution(spec);
    specs.set(key, spec);
  }
  return spec;
}

/** The base family of `dist`, or an error saying why it cannot be wrapped. */
function baseOf(kind: Kind, where: string, dist: unknown): DistributionSpec {
  if (!(dist instanceof Variable) || !isRandomVariable(dist)) {
    const got = dist instanceof Variable ? `the expression ${dist}` : dist === null ? "null" : typeof dist;
    throw new Error(`${where}: dist must be a distribution created with .dist() (e.g. Normal.dist(0, 1)), got ${got}`);
  }
  const base = distributionOf(dist);
  if (dist.owner!.op instanceof WrappedRandomVariable)
    throw new Error(`${where}: dist is already ${base.name === "Censored" ? "a censored" : "a truncated"} variable; wrap the .dist() of its family`);
  if (dist.name !== null) throw new Error(`${where}: dist must be created with ${base.name}.dist(...), not registered in a model ('${dist.name}' is)`);
  // its parameters are the components' variables, not numbers a wrapper's draw and logcdf can pass on
  if (dist.owner!.op instanceof MixtureRV)
    throw new Error(`${where}: dist is a Mixture, which cannot be ${kind === "Censored" ? "censored" : "truncated"}; wrap the .dist() of a single family`);
  if (parseSignature(base.rv.signature).out.length > 0)
    throw new Error(`${where}: dist must be univariate; ${kind} of the multivariate ${base.name} is not supported`);
  if (!base.logcdf) throw new Error(`${where}: dist ${base.name} has no logcdf, which ${kind} needs`);
  return base;
}

export interface WrapperOptions extends RVOptions {
  /** Truncated: how many draws rejection sampling tries before it gives up (PyMC's default 10 000). */
  max_n_steps?: number;
}

const OPTION_KEYS = ["shape", "size", "observed", "transform", "initval", "dims", "seed", "max_n_steps"];

function bound(where: string, what: string, b: unknown, inf: number): Variable {
  return b === null || b === undefined ? f64(inf) : tensorArg(where, what, b);
}

/** Refuse constant bounds with lower > upper at build time, as other families refuse constants. */
function validateBounds(where: string, lower: Variable, upper: Variable): void {
  if (!graphInputs([lower, upper]).every((v) => v instanceof Constant)) return;
  if (pt.evaluate(pt.all(pt.le(lower, upper))) === 0) {
    throw new Error(`${where}: invalid parameter: lower_bound <= upper_bound does not hold (lower = ${lower}, upper = ${upper})`);
  }
}

let seedCounter = 0;

function build(kind: Kind, where: string, dist: unknown, lower: unknown, upper: unknown, opts: WrapperOptions, name?: string): Variable | DistributionSpec {
  for (const key of Object.keys(opts)) {
    if (key === "rng") throw new Error(`${where}: an rng object is not supported (draws come from seeded streams); give seed: <number or string>`);
    if (!OPTION_KEYS.includes(key)) throw new Error(`${where}: unknown option '${key}' (options: ${OPTION_KEYS.join(", ")})`);
  }
  if (opts.shape !== undefined && opts.size !== undefined) throw new Error(`${where}: give shape or size, not both`);
  const base = baseOf(kind, where, dist);
  const rv = dist as Variable;
  const lo = bound(where, "lower", lower, -Infinity);
  const hi = bound(where, "upper", upper, Infinity);
  validateBounds(where, lo, hi);
  const baseSize = rv.owner!.inputs[1];
  let size: Variable;
  if (opts.shape !== undefined || opts.size !== undefined) {
    const s = (opts.shape ?? opts.size)!;
    size = s instanceof Variable ? s : constant(typeof s === "number" ? [s] : [...s], null, "int64");
  } else size = baseSize;
  if (kind === "Truncated" && base.name === "Normal") return base; // the caller makes a TruncatedNormal
  const spec = wrappedSpec(kind, base);
  const maxNSteps = opts.max_n_steps ?? 10_000;
  if (!Number.isInteger(maxNSteps) || maxNSteps < 1) throw new Error(`${where}: max_n_steps must be a positive integer, got ${maxNSteps}`);
  const baseRng = rv.owner!.inputs[0] as RandomGeneratorSharedVariable;
  const baseSeed = (baseRng.state as { seed?: unknown } | undefined)?.seed;
  const seed =
    opts.seed ?? (typeof baseSeed === "string" || typeof baseSeed === "number" ? `${baseSeed}/${kind}` : `${Date.now()}:${Math.random()}/${seedCounter++}`);
  const rng = new RandomGeneratorSharedVariable(seed);
  const op = new WrappedRandomVariable(spec.rv, kind, where, maxNSteps);
  try {
    const out = op.makeNode(rng, size, rv.owner!.inputs[2], ...rvParams(rv), lo, hi).outputs[1];
    if (name) out.name = name;
    return out;
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

/** Truncated(Normal.dist(mu, sigma), lower, upper) as the TruncatedNormal it is (PyMC's dispatch). */
function truncatedNormal(dist: Variable, lower: unknown, upper: unknown, opts: WrapperOptions, name?: string): Variable {
  const [mu, sigma] = rvParams(dist);
  const { max_n_steps: _, ...rest } = opts;
  const size = dist.owner!.inputs[1];
  const sized = rest.shape === undefined && rest.size === undefined && size instanceof Constant && size.data.length > 0;
  const args: Record<string, unknown> = { mu, sigma, ...rest };
  if (lower !== null && lower !== undefined) args.lower = lower;
  if (upper !== null && upper !== undefined) args.upper = upper;
  if (sized) args.shape = Array.from(size.data);
  return name === undefined ? TruncatedNormal.dist(args) : TruncatedNormal(name, args);
}

export interface Wrapper {
  (name: string, dist: Variable, lower?: TensorLike | null, upper?: TensorLike | null, opts?: WrapperOptions): Variable;
  /** An unregistered variable, e.g. for another wrapper's or a mixture's component. */
  dist(dist: Variable, lower?: TensorLike | null, upper?: TensorLike | null, opts?: WrapperOptions): Variable;
}

function wrapper(kind: Kind): Wrapper {
  const dist = (d: Variable, lower: TensorLike | null = null, upper: TensorLike | null = null, opts: WrapperOptions = {}) => {
    const where = `${kind}.dist`;
    if (opts.observed !== undefined) throw new Error(`${where}: observed is only for variables in a model`);
    if (opts.dims !== undefined) throw new Error(`${where}: dims name a model's coords, so they are only for variables in a model; give shape`);
    const out = build(kind, where, d, lower, upper, opts);
    return out instanceof Variable ? out : truncatedNormal(d, lower, upper, opts);
  };
  const fn = (name: string, d: Variable, lower: TensorLike | null = null, upper: TensorLike | null = null, opts: WrapperOptions = {}) => {
    if (typeof name !== "string" || !name) {
      throw new Error(`${kind}: the first argument must be the variable's name (use ${kind}.dist(...) for an unnamed one)`);
    }
    const where = `${kind}('${name}')`;
    const ctx = modelContext.current;
    if (!ctx) throw new Error(`${where} must be created inside Model.build(...) or model(...); use ${kind}.dist(...) outside a model`);
    const options = { ...opts };
    options.shape ??= shapeFromDims(ctx, where, opts);
    // The observed value fixes the shape when none is given (PyMC infers size from observed).
    if (opts.observed !== undefined && opts.observed !== null && opts.shape === undefined && opts.size === undefined) {
      const obs = tensorArg(where, "observed", opts.observed);
      if (obs.ndim > 0) options.shape = obs.type.shape.every((d) => d !== null) ? (obs.type.shape as number[]) : (pt.shape(obs) as never);
    }
    const out = build(kind, where, d, lower, upper, options, name);
    if (!(out instanceof Variable)) return truncatedNormal(d, lower, upper, opts, name);
    const { observed, transform, initval, dims } = opts;
    return ctx.registerRV(out, distributionOf(out), { observed, transform, initval, dims });
  };
  return Object.assign(fn, { dist });
}

/** PyMC's Censored: the mass below `lower` sits at `lower` and the mass above `upper` at `upper`. */
export const Censored = wrapper("Censored");
/** PyMC's Truncated: `dist` restricted to [lower, upper] and renormalised. */
export const Truncated = wrapper("Truncated");
