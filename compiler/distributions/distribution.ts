// What every distribution shares: argument parsing (PyMC's positional order or one parameter
// object), parameter checks, registration in the model being built, and `.dist(...)`.
import { Constant, Variable } from "../graph/basic.js";
import { TensorType } from "../graph/type.js";
import { cloneReplace, graphInputs } from "../graph/traversal.js";
import { parseSignature, randomVariable, RandomGeneratorType, RandomVariable, type RandomVariableSpec } from "../ops/random.js";
import * as pt from "../tensor.js";
import { asTensor, ConstantValueError, type TensorLike } from "../ops/constant.js";
import { checkParameters } from "../ops/check.js";
import { shape } from "../ops/shape.js";
import { evaluate } from "../tensor.js";
import type { Transform } from "../transforms.js";

/** A parameter condition and the message PyMC gives it (`sigma > 0`). */
export type ParamCheck = [condition: Variable, message: string];

export interface DistributionSpec {
  /** PyMC's class name, e.g. `Normal`. */
  readonly name: string;
  readonly rv: RandomVariableSpec;
  /** Positional parameter names, PyMC's order. */
  readonly params: readonly string[];
  /** Other parameter names accepted by name only (alternative parameterisations such as `tau`). */
  readonly altParams?: readonly string[];
  /** The RandomVariable's parameters from what the user gave (defaults, alternatives, casts). */
  toRvParams(given: Record<string, Variable | undefined>, where: string): Variable[];
  /** Conditions on the RandomVariable's parameters, each with its message. */
  checks(rvParams: Variable[]): ParamCheck[];
  /** log density (or mass) at `value`, without the parameter checks: `logpOf` adds them. */
  logp(value: Variable, rvParams: Variable[]): Variable;
  /** log of the cumulative distribution function at `value`, without the checks: `logcdfOf` adds them. */
  logcdf?(value: Variable, rvParams: Variable[]): Variable;
  /**
   * log of the survival function P(X > value), without the checks: for the families whose
   * log(1 - cdf) loses the upper tail (the cdf rounds to 1). Callers fall back to log1mexp(logcdf).
   */
  logccdf?(value: Variable, rvParams: Variable[]): Variable;
  /**
   * The methods that state their parameter checks themselves, their result used as it is: where the
   * Check reuses nodes of the density (MvNormal's posdef flag), gives another message (Exponential's
   * logcdf) or is another family's (ChiSquared's, Gamma's). The others get `checks(rvParams)`.
   */
  readonly ownChecks?: readonly ("logp" | "logcdf")[];
  /** The default transform for sampling, or null for an unbounded support. */
  defaultTransform(rvParams: Variable[]): Transform | null;
  /** A point of the support used as the initial value (PyMC's support_point). */
  supportPoint(rvParams: Variable[]): Variable;
  /** The RandomVariable op, when the family draws its own way (CustomDist); by default one of `rv`. */
  rvOp?(): RandomVariable;
}

const OPTION_KEYS = ["shape", "size", "observed", "transform", "initval", "dims", "seed"] as const;

export interface RVOptions {
  shape?: number | readonly number[] | Variable;
  /** Named dimensions (the model's coords): the shape, when none is given. */
  dims?: string | readonly string[];
  size?: number | readonly number[] | Variable;
  observed?: unknown;
  transform?: Transform | null;
  initval?: unknown;
  seed?: number | string;
}

/** What a model does with a new named RandomVariable (set by the model being built). */
export interface Registrar {
  registerRV(rv: Variable, spec: DistributionSpec, opts: RVOptions): Variable;
  /** A named Deterministic (used by distributions that return derived values, as LKJCholeskyCov). */
  addDeterministic?(name: string, expr: Variable): Variable;
  /** Each data() input that has a value, as a variable of that value's shape (for sizing RVs by data). */
  dataShapes?(): ReadonlyMap<Variable, Variable>;
  /** The shape that named dimensions give (their coords' lengths); an error naming `where` for an unknown one. */
  dimsShape?(dims: string | readonly string[], where: string): number[];
}

export const modelContext: { current: Registrar | null } = { current: null };

/**
 * The shape a new model variable's dims give it when nothing else fixes it (no shape, size or
 * observed value); the model checks a given shape against the dims when it registers the variable.
 */
export function shapeFromDims(ctx: Registrar, where: string, options: RVOptions): number[] | undefined {
  if (options.dims === undefined || options.shape !== undefined || options.size !== undefined || options.observed !== undefined) return undefined;
  if (!ctx.dimsShape) throw new Error(`${where}: dims need a model with coords`);
  return ctx.dimsShape(options.dims, where);
}

const specsByRv = new Map<string, DistributionSpec>();

/** The distribution behind a RandomVariable (for logp dispatch and printing). */
export function distributionOf(rv: Variable): DistributionSpec {
  const op = rv.owner?.op;
  if (!(op instanceof RandomVariable) || rv.outputIndex !== 1) throw new Error(`${rv} is not a random variable`);
  const spec = specsByRv.get(op.spec.name);
  if (!spec) throw new Error(`no distribution is registered for ${op}`);
  return spec;
}

/** The RandomVariable's parameters (its inputs after rng, size and dtype). */
export function rvParams(rv: Variable): Variable[] {
  return rv.owner!.inputs.slice(3);
}

function isOptionsObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype && !("data" in v);
}

/** A Check on `res` combining all of a distribution's conditions under one message, as PyMC does. */
export function withChecks(res: Variable, checks: ParamCheck[]): Variable {
  if (!checks.length) return res;
  return checkParameters(
    res,
    checks.map(([c]) => c),
    checks.map(([, m]) => m).join(", "),
  );
}

/** `spec`'s log density at `value` with its parameter checks as one Check node (what logp dispatch uses). */
export function logpOf(spec: DistributionSpec, value: Variable, params: Variable[]): Variable {
  const res = spec.logp(value, params);
  return spec.ownChecks?.includes("logp") ? res : withChecks(res, spec.checks(params));
}

/** `spec`'s log CDF at `value` with its parameter checks as one Check node. */
export function logcdfOf(spec: DistributionSpec, value: Variable, params: Variable[]): Variable {
  if (!spec.logcdf) throw new Error(`logcdf: ${spec.name} has no CDF`);
  const res = spec.logcdf(value, params);
  return spec.ownChecks?.includes("logcdf") ? res : withChecks(res, spec.checks(params));
}

/** A parameter or observed value as a tensor; a value that is not one is refused naming whose it is. */
export function tensorArg(where: string, what: string, value: unknown): Variable {
  try {
    return asTensor(value as TensorLike);
  } catch (e) {
    if (e instanceof ConstantValueError) throw new Error(`${where}: ${e.about(what)}`);
    throw e;
  }
}

/**
 * Refuse constant parameters that are NaN or outside the support at build time, naming the
 * variable and parameter (a NaN passes no check of its own: NaN > 0 is false, but mu = NaN has none).
 */
function validateConstants(where: string, checks: ParamCheck[], given: Record<string, Variable | undefined>): void {
  for (const [name, v] of Object.entries(given)) {
    if (!(v instanceof Constant)) continue;
    const i = v.data.findIndex(Number.isNaN);
    if (i >= 0) throw new Error(`${where}: parameter ${name}${v.ndim ? `[${i}]` : ""} is NaN; expected a number`);
  }
  for (const [cond, msg] of checks) {
    if (!graphInputs([cond]).every((v) => v instanceof Constant)) continue;
    const ok = evaluate(cond);
    if (ok === 0) {
      const constants = Object.entries(given).filter(([, v]) => v instanceof Constant);
      const named = constants.filter(([name]) => new RegExp(`\\b${name}\\b`).test(msg));
      const shown = (named.length ? named : constants).map(([name, v]) => `${name} = ${v}`).join(", ");
      throw new Error(`${where}: invalid parameter: ${msg} does not hold${shown ? ` (${shown})` : ""}`);
    }
  }
}

function parse(spec: DistributionSpec, where: string, args: unknown[]) {
  let opts: Record<string, unknown> = {};
  let positional = args;
  if (args.length && isOptionsObject(args[args.length - 1])) {
    opts = args[args.length - 1] as Record<string, unknown>;
    positional = args.slice(0, -1);
  }
  if (positional.length > spec.params.length) {
    throw new Error(`${where}: takes at most ${spec.params.length} positional parameters (${spec.params.join(", ")}), got ${positional.length}`);
  }
  const known = [...spec.params, ...(spec.altParams ?? [])];
  // No prototype: a parameter is what the user gave, never an inherited (or polluted) property.
  const given: Record<string, Variable | undefined> = Object.create(null);
  positional.forEach((v, i) => {
    if (isOptionsObject(v)) {
      // Bernoulli("y", { logit_p }, { observed }): PyMC's keywords are one object here.
      const keys = [...Object.keys(v), ...Object.keys(opts)].join(", ");
      throw new Error(
        Object.keys(opts).length
          ? `${where}: options go in the same object as the parameters when parameters are given by name ({ ${keys} })`
          : `${where}: parameter ${spec.params[i]} is an object; give the parameters by position or all in one object`,
      );
    }
    if (v !== undefined) given[spec.params[i]] = tensorArg(where, spec.params[i], v);
  });
  const options: RVOptions = {};
  for (const [key, value] of Object.entries(opts)) {
    if (key === "rng") {
      throw new Error(`${where}: an rng object is not supported (draws come from seeded streams); give seed: <number or string>`);
    } else if ((OPTION_KEYS as readonly string[]).includes(key)) {
      (options as Record<string, unknown>)[key] = value;
    } else if (known.includes(key)) {
      if (given[key] !== undefined) throw new Error(`${where}: parameter ${key} is given twice`);
      if (value !== undefined) given[key] = tensorArg(where, key, value);
    } else {
      throw new Error(`${where}: unknown parameter '${key}'; ${spec.name} takes ${known.join(", ")} (options: ${OPTION_KEYS.slice(0, 5).join(", ")})`);
    }
  }
  if (options.shape !== undefined && options.size !== undefined) throw new Error(`${where}: give shape or size, not both`);
  return { given, options };
}

export interface Distribution {
  (name: string, ...args: unknown[]): Variable;
  /** An unregistered RandomVariable (PyMC's `Dist.dist(...)`). */
  dist(...args: unknown[]): Variable;
  readonly spec: DistributionSpec;
}

/** Make the user-facing function of a distribution from its spec, and register it for dispatch. */
export function defineDistribution(spec: DistributionSpec): Distribution {
  specsByRv.set(spec.rv.name, spec);
  const build = (where: string, given: Record<string, Variable | undefined>, options: RVOptions, name?: string, data?: ReadonlyMap<Variable, Variable>) => {
    const params = spec.toRvParams(given, where);
    validateConstants(where, spec.checks(params), given);
    if (data && options.shape === undefined && options.size === undefined) {
      const fromData = shapeFromData(spec, params, data);
      if (fromData) options = { ...options, shape: fromData };
    }
    // PyMC's shape includes the draw's core dims (a Dirichlet's k); the RandomVariable's size does not.
    const ndimSupp = parseSignature(spec.rv.signature).out.length;
    let size = options.shape ?? options.size;
    if (options.shape !== undefined && ndimSupp > 0) {
      const s = options.shape as number | readonly number[] | Variable;
      if (s instanceof Variable) size = pt.slice(s, 0, -ndimSupp);
      else {
        const dims = typeof s === "number" ? [s] : [...s];
        if (dims.length < ndimSupp)
          throw new Error(`${where}: shape (${dims.join(", ")}) has fewer than the ${ndimSupp} core dimension(s) of a ${spec.name} draw`);
        size = dims.slice(0, dims.length - ndimSupp);
      }
    }
    try {
      return randomVariable(spec.rv, params, { size, name, seed: options.seed, op: spec.rvOp?.() });
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  };
  const dist = (...args: unknown[]) => {
    const where = `${spec.name}.dist`;
    const { given, options } = parse(spec, where, args);
    if (options.observed !== undefined) throw new Error(`${where}: observed is only for variables in a model`);
    if (options.dims !== undefined) throw new Error(`${where}: dims name a model's coords, so they are only for variables in a model; give shape`);
    return build(where, given, options);
  };
  const fn = (name: string, ...args: unknown[]) => {
    if (typeof name !== "string" || !name) {
      throw new Error(`${spec.name}: the first argument must be the variable's name (use ${spec.name}.dist(...) for an unnamed one)`);
    }
    const where = `${spec.name}('${name}')`;
    const ctx = modelContext.current;
    if (!ctx) throw new Error(`${where} must be created inside Model.build(...) or model(...); use ${spec.name}.dist(...) outside a model`);
    const { given, options } = parse(spec, where, args);
    // A missing observation may be written null in a nested array, as NaN is (both are imputed).
    if (Array.isArray(options.observed)) options.observed = nullsToNaN(options.observed);
    const registrarOpts = { ...options };
    options.shape ??= shapeFromDims(ctx, where, options);
    // The observed value fixes the shape when none is given (PyMC infers size from observed).
    if (options.observed !== undefined && options.shape === undefined && options.size === undefined) {
      const obs = tensorArg(where, "observed", options.observed);
      if (obs.ndim > 0) options.shape = obs.type.shape.every((d) => d !== null) ? (obs.type.shape as number[]) : (shape(obs) as never);
    }
    // A free variable whose parameters read data() is sized by the data's value, as in PyMC.
    const free = options.observed === undefined || options.observed === null;
    const rv = build(where, given, options, name, free ? ctx.dataShapes?.() : undefined);
    return ctx.registerRV(rv, spec, registrarOpts);
  };
  return Object.assign(fn, { dist, spec });
}

/** A nested array with its null entries as NaN. */
function nullsToNaN(value: unknown): unknown {
  return Array.isArray(value) ? value.map(nullsToNaN) : value === null ? Number.NaN : value;
}

/** The static shape of a draw from `params`, or null where a dimension is unknown (or they do not broadcast). */
function drawShape(spec: DistributionSpec, params: Variable[]): number[] | null {
  const rng = new Variable(new RandomGeneratorType());
  try {
    const node = new RandomVariable(spec.rv).makeNode(rng, pt.constant([], null, "int64"), pt.constant(0, null, "int64"), ...params);
    const shape = node.outputs[1].type.shape;
    return shape.every((d) => d !== null) ? (shape as number[]) : null;
  } catch {
    return null; // the real build reports it, naming the variable
  }
}

/**
 * The shape of a draw whose parameters read data() inputs of unknown length, taken from the
 * inputs' values (`Normal("y", data("x", [1, 2, 3]), 1)` is a 3-vector). Null when the parameters
 * fix the shape without the data, or the data do not fix it either.
 */
function shapeFromData(spec: DistributionSpec, params: Variable[], data: ReadonlyMap<Variable, Variable>): number[] | null {
  if (!data.size || drawShape(spec, params)) return null;
  const sized = cloneReplace(params, data);
  return sized.some((p, i) => p !== params[i]) ? drawShape(spec, sized) : null;
}

/** PyMC casts scale-like parameters to float (so `1` prints as `1.0`). */
export function asFloat(v: Variable): Variable {
  if (v.dtype === "float64") return v;
  if (v instanceof Constant) return new Constant(new TensorType("float64", v.type.shape), v.data);
  return v;
}
