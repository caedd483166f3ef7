// CompiledModel: what a compiled model is at run time. The generated code supplies flat functions;
// this wrapper converts points (keyed by value-variable name) to and from the flat vector, checks
// input at the edges, binds data, and stacks draws.
import { NDArray, shapeText, toInput, type InputSpec } from "./ndarray.js";
import { Stream, childSeed, freshSeed } from "./random.js";
import { own } from "./own.js";
import type { SampleOptions, PriorSamples } from "./sampler/sample.js";
import type { Trace, Group } from "./sampler/trace.js";
import type { ModelSource } from "./sampler/parallel.js";
import type { Approximation, FitOptions } from "./sampler/advi.js";

export type Point = Record<string, number | NDArray | number[] | unknown>;
export type Value = number | NDArray;
export type DataValues = Record<string, Value | undefined>;

export interface ValueVarInfo {
  readonly name: string;
  readonly rv: string;
  readonly shape: number[];
  readonly size: number;
  readonly offset: number;
  readonly transform: string | null;
  /** An integer-valued free RV (NUTS cannot move it; only set when true). */
  readonly discrete?: true;
  /**
   * The family that decides a discrete RV's step (runtime/sampler/assign.ts, as PyMC assigns them):
   * "binary" for Bernoulli, "categorical" for Categorical; absent for the other discrete RVs
   * (Metropolis).
   */
  readonly step?: "binary" | "categorical";
  /** A Categorical's number of categories K (its values are 0..K-1). */
  readonly categories?: number;
  /** A discrete RV with core dimensions (Multinomial): Metropolis proposes all its entries at once, as PyMC does. */
  readonly multivariate?: true;
}

export interface ModelMeta {
  readonly name: string;
  readonly size: number;
  readonly valueVars: readonly ValueVarInfo[];
  /** One per RV and Potential, in PyMC's order. */
  readonly termNames: readonly string[];
  readonly data: readonly InputSpec[];
  /** The initial point, flat, in value-variable order. */
  readonly initialPoint: readonly number[];
  /** Names of what `draw` returns: every RV, then every Deterministic. */
  readonly drawNames: readonly string[];
  /** How many independent rng streams `draw` needs. */
  readonly rngCount: number;
  /** Names of what `constrain` returns: every free RV (constrained scale), then every Deterministic. */
  readonly constrainedNames: readonly string[];
  /** Names of what `predict` returns: every observed RV. */
  readonly predictNames: readonly string[];
  readonly predictRngCount: number;
  /** Observed values by RV name, when the compiler records them (the trace's observed_data). */
  readonly observed?: Record<string, number | { shape: number[]; data: ArrayLike<number> }>;
  /** Observed RVs whose observed value is a data() input, by RV name: the input's name (its bound value is the observed data). */
  readonly observedInputs?: Record<string, string>;
  /** Named dimensions by variable name, and the labels along each (only when the model has them). */
  readonly dims?: Record<string, string[]>;
  readonly coords?: Record<string, (string | number)[]>;
}

/** The functions the generated code provides; `d` holds the bound data by name. */
export interface ModelImpl {
  /** logp and logpGrad of the flat point for one data binding, called once per model (no wrapper per call). */
  flat(d: DataValues): { logp(x: Float64Array): number; logpGrad(x: Float64Array, grad: Float64Array): number };
  terms(x: Float64Array, d: DataValues): number[];
  draw(streams: Stream[], d: DataValues): Value[];
  /** Free RVs on their constrained scale, then Deterministics, at a flat point. */
  constrain(x: Float64Array, d: DataValues): Value[];
  /** One draw of each observed RV given values of the free RVs (constrained scale, freeRV order). */
  predict(freeValues: Value[], streams: Stream[], d: DataValues): Value[];
  /** The elementwise log density of each observed RV given values of the free RVs (as predict's); absent without observed RVs. */
  loglik?(freeValues: Value[], d: DataValues): Value[];
  /**
   * findMAP's objective: logp without the transforms' Jacobians, then its gradient by value
   * variable. Emitted ahead of time only for a model declared with `{ findMAP: true }`; the
   * in-process compiler supplies it for every model, compiled on first use.
   */
  mapObjective?(x: Float64Array, d: DataValues): [number, ...Value[]];
}

/**
 * The samplers, kept out of this module so that a bundle that never samples carries none of them.
 * `tsmc/sampler` (runtime/sampler/install.ts) installs them: the build pass imports it into every
 * module that calls `sample()` or its kin, and the in-process compiler imports it itself.
 */
export interface Sampling {
  sampleModel(m: CompiledModel, opts: SampleOptions): Trace;
  sampleModelAsync(m: CompiledModel, opts: SampleOptions): Promise<Trace>;
  samplePriorPredictive(m: CompiledModel, opts: { draws?: number; seed?: number | string }): PriorSamples;
  samplePosteriorPredictive(m: CompiledModel, trace: Trace, opts: { seed?: number | string; extend?: boolean }): Group;
}

/** Variational inference, installed by `tsmc/vi` (runtime/sampler/install-vi.ts) apart from the samplers: a bundle that runs NUTS carries no ADVI. */
export type Fitting = (m: CompiledModel, opts: FitOptions) => Approximation;

let fitting: Fitting | null = null;

export function installFit(impl: Fitting): void {
  fitting = impl;
}

let sampling: Sampling | null = null;

export function installSampler(impl: Sampling): void {
  sampling = impl;
}

export class CompiledModel {
  readonly name: string;
  readonly size: number;
  readonly valueVars: readonly ValueVarInfo[];
  readonly flat: {
    logp(x: Float64Array): number;
    logpGrad(x: Float64Array, grad: Float64Array): number;
  };
  /**
   * Where a worker can rebuild this model (the generated body, the ahead-of-time factory's text, or
   * a module export); set by the compiler or the caller. Without it, every chain runs in the
   * calling thread.
   */
  source?: ModelSource;
  /** The generated code's metadata, functions and bound data (read by runtime/sampler/model-parts.ts). */
  readonly meta: ModelMeta;
  readonly impl: ModelImpl;
  readonly data: DataValues;

  constructor(meta: ModelMeta, impl: ModelImpl, data: DataValues) {
    this.meta = meta;
    this.impl = impl;
    this.data = data;
    this.name = meta.name;
    this.size = meta.size;
    this.valueVars = meta.valueVars;
    // Data without a value yet is bound by withData: until then the flat functions say so.
    const complete = meta.data.every((d) => own(data, d.name) !== undefined);
    const unbound = () => (this.requireData(), NaN); // requireData throws: some data is unbound
    this.flat = complete ? impl.flat(data) : { logp: unbound, logpGrad: unbound };
  }

  /** A point keyed by value-variable name (numbers for scalars, NDArrays otherwise). */
  initialPoint(): Record<string, Value> {
    return this.fromFlat(Float64Array.from(this.meta.initialPoint));
  }

  toFlat(point: Point): Float64Array {
    if (typeof point !== "object" || point === null) throw new Error(`${this.label}: a point must be an object keyed by value-variable name`);
    const names = this.valueVars.map((v) => v.name);
    for (const key of Object.keys(point)) {
      if (!names.includes(key)) {
        throw new Error(`${this.label}: unknown value variable '${key}'; expected ${names.map((n) => `'${n}'`).join(", ")}`);
      }
    }
    const x = new Float64Array(this.size);
    for (const v of this.valueVars) {
      if (!Object.hasOwn(point, v.name)) throw new Error(`${this.label}: the point has no value for '${v.name}' (expected shape ${shapeText(v.shape)})`);
      const value = toInput(point[v.name], { name: v.name, dtype: "float64", shape: v.shape });
      const data = typeof value === "number" ? [value] : value.data;
      for (let i = 0; i < v.size; i++) {
        if (!Number.isFinite(data[i])) {
          throw new Error(`${this.label}: '${v.name}'${v.size > 1 ? `[${i}]` : ""} is ${data[i]}; expected a finite number`);
        }
        x[v.offset + i] = data[i];
      }
    }
    return x;
  }

  fromFlat(x: Float64Array): Record<string, Value> {
    if (x.length !== this.size) throw new Error(`${this.label}: expected a flat vector of length ${this.size}, got ${x.length}`);
    // fromEntries: own keys, also a value variable named __proto__
    return Object.fromEntries(
      this.valueVars.map((v) => [v.name, v.shape.length === 0 ? x[v.offset] : new NDArray([...v.shape], x.slice(v.offset, v.offset + v.size))]),
    );
  }

  /** Joint log density at a point, Jacobians included; -Infinity outside the support. */
  logp(point: Point): number {
    this.requireData();
    return this.flat.logp(this.toFlat(point));
  }

  /** The log density of each RV and Potential, summed over its elements. */
  logpTerms(point: Point): Record<string, number> {
    this.requireData();
    const values = this.impl.terms(this.toFlat(point), this.data);
    return Object.fromEntries(this.meta.termNames.map((name, i) => [name, values[i]]));
  }

  /** Gradient of logp, keyed like the point. */
  dlogp(point: Point): Record<string, Value> {
    this.requireData();
    const grad = new Float64Array(this.size);
    this.flat.logpGrad(this.toFlat(point), grad);
    return this.fromFlat(grad);
  }

  /** Forward draws of every RV and Deterministic: one (no `draws`) or `draws` stacked on a new leading axis. */
  draw(opts: { draws?: number; seed?: number | string } = {}): Record<string, Value> {
    // Checked in few bytes (an evaluation-only bundle carries draw): own keys, one message. At most
    // 10^7 draws: their list is one JavaScript array, and one of ~10^8 entries aborts V8 uncatchably.
    const o = opts as Record<string, unknown>;
    const given = own(o, "seed") as number | string | undefined;
    const n = own(o, "draws") as number | undefined;
    if (
      Object(o) !== o ||
      Object.keys(o).some((k) => k !== "draws" && k !== "seed") ||
      !(given === undefined || typeof given === "string" || Number.isFinite(given)) ||
      !(n == null || (Number.isInteger(n) && n >= 1 && n <= 1e7))
    ) {
      throw new Error(`draw: the options are { draws?: an integer from 1 to 1e7, seed?: a finite number or a string }, got ${JSON.stringify(o)}`);
    }
    const draws = n ?? undefined;
    this.requireData();
    const seed = given ?? freshSeed();
    const streams = Array.from({ length: this.meta.rngCount }, (_, i) => new Stream(childSeed(seed, i)));
    const names = this.meta.drawNames;
    if (draws === undefined) {
      const values = this.impl.draw(streams, this.data);
      return Object.fromEntries(names.map((n, i) => [n, values[i]]));
    }
    const all = Array.from({ length: draws }, () => this.impl.draw(streams, this.data));
    return Object.fromEntries(names.map((n, i) => [n, stackDraws(all.map((d) => d[i]))]));
  }

  /** The same model with some data() inputs bound to new values. */
  withData(values: Record<string, unknown>): CompiledModel {
    const bound = Object.entries(values).map(([name, value]): [string, Value] => {
      const spec = this.meta.data.find((d) => d.name === name);
      if (!spec) {
        const known = this.meta.data.map((d) => `'${d.name}'`).join(", ") || "none";
        throw new Error(`${this.label}: no data input named '${name}' (data inputs: ${known})`);
      }
      // toInput copies: the model owns its data (prepare's results are kept per binding).
      const input = toInput(value, spec);
      const entries = typeof input === "number" ? [input] : input.data;
      const i = entries.findIndex(Number.isNaN);
      if (i >= 0) {
        throw new Error(`${this.label}: data '${name}'${typeof input === "number" ? "" : `[${i}]`} is NaN; missing values are not supported yet`);
      }
      return [name, input];
    });
    // Spread and fromEntries make own keys (a data input may be named __proto__).
    const next: DataValues = { ...this.data, ...Object.fromEntries(bound) };
    const m = new CompiledModel(this.meta, this.impl, next);
    if (this.source) m.source = this.source;
    return m;
  }

  /** The data() inputs as currently bound. */
  boundData(): Record<string, Value> {
    // Copies: changing them must not change what the model computes.
    return Object.fromEntries(
      Object.entries(this.data).flatMap(([k, v]) => (v === undefined ? [] : [[k, typeof v === "number" ? v : new NDArray([...v.shape], v.data.slice())]])),
    );
  }

  /** NUTS (Stan's multinomial variant with windowed adaptation): a trace of every free RV and Deterministic. */
  sample(opts: SampleOptions = {}): Trace {
    return this.sampler("sample").sampleModel(this, opts);
  }

  /**
   * The same trace as `sample` for the same options, as a promise: chains run in Web Workers in a
   * browser, in worker threads in Node, or in this thread with turns for the event loop.
   */
  async sampleAsync(opts: SampleOptions = {}): Promise<Trace> {
    return this.sampler("sampleAsync").sampleModelAsync(this, opts);
  }

  /** Prior draws: free RVs and Deterministics in `prior`, observed RVs in `priorPredictive`, each [1, draws, ...shape]. */
  samplePriorPredictive(opts: { draws?: number; seed?: number | string } = {}): PriorSamples {
    return this.sampler("samplePriorPredictive").samplePriorPredictive(this, opts);
  }

  /** One draw of every observed RV per posterior draw of `trace`, as [chains, draws, ...shape]. */
  samplePosteriorPredictive(trace: Trace, opts: { seed?: number | string; extend?: boolean } = {}): Group {
    return this.sampler("samplePosteriorPredictive").samplePosteriorPredictive(this, trace, opts);
  }

  /** Variational inference (ADVI, mean-field or full-rank) as PyMC's `pm.fit`: `approx.sample()` draws from the fit. */
  fit(opts: FitOptions = {}): Approximation {
    this.sampler("fit", "vi");
    return fitting!(this, opts);
  }

  /** The installed samplers (or ADVI: `tsmc/vi`), once the data is bound; `method` names the call in the error. */
  private sampler(method: string, entry = "sampler"): Sampling {
    this.requireData();
    if (!(entry === "vi" ? fitting : sampling)) {
      throw new Error(`${this.label}: ${method}() needs tsmc/${entry}, not in this bundle: add import "tsmc/${entry}" where you call it`);
    }
    return sampling!;
  }

  private get label(): string {
    return `model '${this.name}'`;
  }

  private requireData(): void {
    for (const spec of this.meta.data) {
      if (own(this.data, spec.name) === undefined) {
        throw new Error(`${this.label}: data '${spec.name}' has no value; bind one with withData({ ${spec.name}: ... })`);
      }
    }
  }
}

/** Stack equally shaped draws on a new leading axis. */
export function stackDraws(values: Value[]): NDArray {
  const first = values[0];
  const inner = typeof first === "number" || first === undefined ? [] : first.shape;
  const size = inner.reduce((a, b) => a * b, 1);
  const out = new Float64Array(values.length * size);
  values.forEach((v, i) => {
    if (typeof v === "number") out[i] = v;
    else out.set(v.data, i * size);
  });
  return new NDArray([values.length, ...inner], out);
}

/** Write a gradient value into the flat gradient vector. */
export function writeFlat(grad: Float64Array, offset: number, value: Value): void {
  if (typeof value === "number") grad[offset] = value;
  else grad.set(value.data, offset);
}

/** What generated code calls to make its model: logp, gradients and draws (the sampler is linked apart). */
export function createModel(meta: ModelMeta, impl: ModelImpl, data: DataValues): CompiledModel {
  return new CompiledModel(meta, impl, data);
}

/**
 * What an ahead-of-time module calls in place of model(): run the spliced factory on the runtime
 * exports it uses, and keep the factory's text so that a worker can rebuild the model. The factory
 * refers to nothing but its parameter (the emitted body is the same text that the in-process
 * compiler turns into a function of `rt` alone, with no module scope), so its text survives bundling
 * and minification: a minifier renames the parameter but not the runtime's property names.
 */
export function aheadOfTime(factory: (rt: never) => CompiledModel, rt: object): CompiledModel {
  const m = factory(rt as never);
  m.source = { factory: String(factory) };
  return m;
}
