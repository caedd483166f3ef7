// CustomDist (and DensityDist, the same object), as PyMC's: a family given by the user's log
// density, a function of tensors that builds a graph, compiled like any other term (ahead of time
// too: the build pass runs the builder, so the function runs there). Draws come from `random`, a
// function of numbers copied into the compiled code, or from `dist`, a graph of `.dist()` variables
// put in the CustomDist's place in every draw; without either, drawing is an error that says so.
import { type Apply, Constant, Variable, type EmitContext } from "../graph/basic.js";
import type { DType } from "../graph/type.js";
import { cloneReplace, toposort } from "../graph/traversal.js";
import { asTensor, type TensorLike } from "../ops/constant.js";
import { deepCopy } from "../ops/copy.js";
import { RandomVariable, type RandomVariableSpec } from "../ops/random.js";
import * as pt from "../tensor.js";
import { NDArray, Stream } from "../../runtime/index.js";
import { defineDistribution, type Distribution, type DistributionSpec } from "./distribution.js";

type Graph = (...args: Variable[]) => TensorLike;
type Random = (...args: unknown[]) => unknown;

export interface CustomDistOptions {
  logp: Graph;
  logcdf?: Graph;
  /** `(...params, rng, size) => values`: numbers in, numbers out; copied into the compiled code. */
  random?: Random;
  /** `(...params, size) => graph` of `.dist()` variables: the draw, as a graph. */
  dist?: (...args: unknown[]) => TensorLike;
  dtype?: DType;
  [option: string]: unknown;
}

/** A CustomDist's RandomVariable: it draws with the user's `random`, or says it cannot. */
export class CustomRandomVariable extends RandomVariable {
  constructor(
    spec: RandomVariableSpec,
    readonly label: string,
    readonly random: Random | null,
    readonly dist: ((...args: unknown[]) => TensorLike) | null,
  ) {
    super(spec);
    (this as unknown as { key: string }).key = `${this.key}{${spec.name}}`;
  }

  override toString(): string {
    return `CustomDist_${this.label}{"${this.spec.signature}"}`;
  }

  override emit(ctx: EmitContext): void {
    const [rng, size, , ...params] = ctx.ins;
    const where = JSON.stringify(`CustomDist('${this.label}')`);
    ctx.line(`const ${ctx.outs[0]} = ${rng};`);
    if (!this.random) {
      ctx.line(`const ${ctx.outs[1]} = ${ctx.rt("customDrawError")}(${where});`);
      return;
    }
    const fn = ctx.hoist(`(${functionSource(this.random)})`);
    const out = ctx.node.outputs[1].type.shape;
    const sizeVar = ctx.node.inputs[1];
    const shape = out.every((d) => d !== null) ? `[${out.join(", ")}]` : sizeVar.type.shape[0] === 0 ? "null" : `Array.from(${size}.data)`;
    ctx.line(`const ${ctx.outs[1]} = ${ctx.rt("customDraw")}(${where}, ${rng}, ${shape}, [${params.join(", ")}], ${fn});`);
  }
}

/** A function's text as an expression (a method shorthand `random(a) {...}` becomes a function). */
function functionSource(f: Random): string {
  const text = Function.prototype.toString.call(f);
  if (/^(async\s+)?(function\b|\(|[\w$]+\s*=>)/.test(text)) return text;
  return `function ${text.replace(/^async\s+/, "")}`;
}

let counter = 0;

/** The family of one CustomDist call: its own spec (the user's functions) and RandomVariable. */
function customFamily(label: string, nParams: number, opts: CustomDistOptions): Distribution {
  const where = `CustomDist('${label}')`;
  if (typeof opts.logp !== "function") throw new Error(`${where}: logp must be a function (value, ...params) => graph`);
  for (const key of ["logcdf", "random", "dist"] as const) {
    if (opts[key] !== undefined && typeof opts[key] !== "function") throw new Error(`${where}: ${key} must be a function`);
  }
  const dtype = opts.dtype ?? "float64";
  if (dtype !== "float64" && dtype !== "int64") throw new Error(`${where}: dtype must be "float64" or "int64", got ${String(dtype)}`);
  if (opts.random) checkCopyable(where, opts.random);
  const names = Array.from({ length: nParams }, (_, i) => `param${i}`);
  const rv: RandomVariableSpec = {
    name: `CustomDist_${label}#${counter++}`,
    signature: `${names.map(() => "()").join(",")}->()`,
    dtype,
    sampler: "normalVariate", // never called: CustomRandomVariable draws its own way
    nParams,
  };
  const graph = (what: string, f: Graph) => (value: Variable, params: Variable[]) => {
    const out = f(value, ...params);
    try {
      return asTensor(out);
    } catch {
      throw new Error(`${where}: ${what} must return a graph (a Variable or a number), got ${String(out)}`);
    }
  };
  const logcdf = opts.logcdf;
  const spec: DistributionSpec = {
    name: "CustomDist",
    rv,
    params: names,
    toRvParams: (given) => names.map((n) => given[n] ?? pt.constant(0.0)),
    checks: () => [],
    logp: graph("logp", opts.logp),
    ...(logcdf ? { logcdf: graph("logcdf", logcdf) } : {}),
    defaultTransform: () => null,
    supportPoint: () => pt.constant(0.0),
    rvOp: () => new CustomRandomVariable(rv, label, opts.random ?? null, opts.dist ?? null),
  };
  return defineDistribution(spec);
}

/**
 * `random` is copied into the compiled code, where only its arguments and globals exist: it must
 * compile on its own (its own text, evaluated alone). A read of a name of the user's module fails
 * when the draw runs; `expandCustomDraws`' callers may not reach it, so it is checked when called.
 */
function checkCopyable(where: string, random: Random): void {
  try {
    new Function(`return (${functionSource(random)});`)();
  } catch (e) {
    throw new Error(`${where}: random cannot be copied into the compiled code (${(e as Error).message}); write it as a plain function of its arguments`);
  }
}

/** Split a CustomDist call's arguments: the parameters, and its options with its own keys taken out. */
function splitArgs(where: string, args: unknown[]): { params: unknown[]; own: CustomDistOptions; rest: Record<string, unknown> } {
  const last = args[args.length - 1];
  if (typeof last !== "object" || last === null || Array.isArray(last) || last instanceof Variable || last instanceof NDArray) {
    throw new Error(`${where}: the last argument must be the options, with logp: (value, ...params) => graph`);
  }
  const { logp, logcdf, random, dist, dtype, ...rest } = last as CustomDistOptions;
  return { params: args.slice(0, -1), own: { logp, logcdf, random, dist, dtype }, rest };
}

export interface CustomDistribution {
  (name: string, ...args: unknown[]): Variable;
  dist(...args: unknown[]): Variable;
}

/** PyMC's CustomDist: `CustomDist(name, ...params, { logp, logcdf?, random?, dist?, dtype?, observed, shape, dims })`. */
export const CustomDist: CustomDistribution = Object.assign(
  (name: string, ...args: unknown[]) => {
    const where = `CustomDist('${name}')`;
    const { params, own, rest } = splitArgs(where, args);
    const family = customFamily(name, params.length, own);
    const rv = family(name, ...params, rest);
    if (own.random) tryRandom(where, rv, own.random);
    return rv;
  },
  {
    dist: (...args: unknown[]) => {
      const { params, own, rest } = splitArgs("CustomDist.dist", args);
      return customFamily("dist", params.length, own).dist(...params, rest);
    },
  },
);

/** PyMC's DensityDist: the same as CustomDist. */
export const DensityDist = CustomDist;

/** Call `random` once where the parameters are constants: a name it reads from the module fails here, at the user's call. */
function tryRandom(where: string, rv: Variable, random: Random): void {
  const node = (rv.owner?.op instanceof CustomRandomVariable ? rv.owner : null) as Apply | null;
  const params = node?.inputs.slice(3) ?? [];
  const shape = rv.type.shape;
  if (!params.every((p) => p instanceof Constant) || shape.some((d) => d === null)) return;
  const isolated = new Function(`return (${functionSource(random)});`)() as Random;
  const values = (params as Constant[]).map((p) => (p.ndim === 0 ? p.data[0] : new NDArray([...(p.type.shape as number[])], p.data.slice())));
  try {
    isolated(...values, new Stream("tsmc-check"), [...(shape as number[])]);
  } catch (e) {
    if (e instanceof ReferenceError) {
      throw new Error(
        `${where}: random reads something that is not there when it runs (${e.message}): it is copied into the compiled code, so it may use only its arguments and globals`,
      );
    }
    throw new Error(`${where}: random failed on the parameters given: ${(e as Error).message}`);
  }
}

/**
 * Every CustomDist with a `dist` graph among `outputs`' ancestors replaced by that graph (its
 * parameters and the variable's shape in, a graph of `.dist()` variables out), as PyMC draws it.
 */
export function expandCustomDraws(outputs: Variable[]): Variable[] {
  const map = new Map<Variable, Variable>();
  for (const node of toposort(outputs)) {
    const op = node.op;
    if (!(op instanceof CustomRandomVariable) || !op.dist) continue;
    const rv = node.outputs[1];
    const size = rv.type.shape.every((d) => d !== null) ? [...(rv.type.shape as number[])] : pt.shape(rv);
    const drawn = deepCopy(asTensor(op.dist(...node.inputs.slice(3), size)));
    if (drawn.ndim !== rv.ndim) throw new Error(`CustomDist('${op.label}'): dist gave a draw of ${drawn.type}; the variable is ${rv.type}`);
    drawn.name = rv.name;
    map.set(rv, drawn);
  }
  return map.size ? cloneReplace(outputs, map) : outputs;
}
