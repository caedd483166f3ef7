// CompiledModel: what a compiled model is at run time. The generated code supplies flat functions;
// this wrapper converts points (keyed by value-variable name) to and from the flat vector, checks
// input at the edges, binds data, and stacks draws.
import { NDArray, shapeText, toInput, type InputSpec } from "./ndarray.js";
import { Stream, childSeed, freshSeed } from "./random.js";
import type { SampleOptions, PriorSamples } from "./sampler/sample.js";
import type { Trace, Group } from "./sampler/trace.js";
import type { ModelSource } from "./sampler/parallel.js";

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
}

/** The functions the generated code provides; `d` holds the bound data by name. */
export interface ModelImpl {
  logp(x: Float64Array, d: DataValues): number;
  logpGrad(x: Float64Array, grad: Float64Array, d: DataValues): number;
  terms(x: Float64Array, d: DataValues): number[];
  draw(streams: Stream[], d: DataValues): Value[];
  /** Free RVs on their constrained scale, then Deterministics, at a flat point. */
  constrain(x: Float64Array, d: DataValues): Value[];
  /** One draw of each observed RV given values of the free RVs (constrained scale, freeRV order). */
  predict(freeValues: Value[], streams: Stream[], d: DataValues): Value[];
  /** logp and logpGrad of the flat point for one data binding, called once per model (no wrapper per call). */
  flat?(d: DataValues): { logp(x: Float64Array): number; logpGrad(x: Float64Array, grad: Float64Array): number };
}

/** The sampler, kept out of this module so that a bundle that never samples does not carry it. */
export interface Sampling {
  sampleModel(m: CompiledModel, opts: SampleOptions): Trace;
  sampleModelAsync(m: CompiledModel, opts: SampleOptions): Promise<Trace>;
  samplePriorPredictive(m: CompiledModel, opts: { draws?: number; seed?: number | string }): PriorSamples;
  samplePosteriorPredictive(m: CompiledModel, trace: Trace, opts: { seed?: number | string; extend?: boolean }): Group;
}

let sampling: Sampling | null = null;

/** Make `sample` and the predictive methods available (createModel does this). */
export function installSampler(impl: Sampling): void {
  sampling = impl;
}

function sampler(label: string): Sampling {
  if (!sampling) {
    throw new Error(`${label}: this bundle was built without the sampler (tsmc({ sampler: false })); build with the sampler to call sample()`);
  }
  return sampling;
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
  private readonly meta: ModelMeta;
  private readonly impl: ModelImpl;
  private readonly data: DataValues;

  constructor(meta: ModelMeta, impl: ModelImpl, data: DataValues) {
    this.meta = meta;
    this.impl = impl;
    this.data = data;
    this.name = meta.name;
    this.size = meta.size;
    this.valueVars = meta.valueVars;
    // (Data without a value yet is bound when given: until then the generic path reports it.)
    const complete = meta.data.every((d) => data[d.name] !== undefined);
    this.flat = (complete && impl.flat?.(data)) || {
      logp: (x) => impl.logp(x, data),
      logpGrad: (x, grad) => impl.logpGrad(x, grad, data),
    };
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
      if (!(v.name in point)) throw new Error(`${this.label}: the point has no value for '${v.name}' (expected shape ${shapeText(v.shape)})`);
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
    const point: Record<string, Value> = {};
    for (const v of this.valueVars) {
      point[v.name] = v.shape.length === 0 ? x[v.offset] : new NDArray([...v.shape], x.slice(v.offset, v.offset + v.size));
    }
    return point;
  }

  /** Joint log density at a point, Jacobians included; -Infinity outside the support. */
  logp(point: Point): number {
    this.requireData();
    return this.impl.logp(this.toFlat(point), this.data);
  }

  /** The log density of each RV and Potential, summed over its elements. */
  logpTerms(point: Point): Record<string, number> {
    this.requireData();
    const values = this.impl.terms(this.toFlat(point), this.data);
    const out: Record<string, number> = {};
    this.meta.termNames.forEach((name, i) => (out[name] = values[i]));
    return out;
  }

  /** Gradient of logp, keyed like the point. */
  dlogp(point: Point): Record<string, Value> {
    this.requireData();
    const grad = new Float64Array(this.size);
    this.impl.logpGrad(this.toFlat(point), grad, this.data);
    return this.fromFlat(grad);
  }

  /** Forward draws of every RV and Deterministic: one (no `draws`) or `draws` stacked on a new leading axis. */
  draw(opts: { draws?: number; seed?: number | string } = {}): Record<string, Value> {
    this.requireData();
    const seed = opts.seed ?? freshSeed();
    const streams = Array.from({ length: this.meta.rngCount }, (_, i) => new Stream(childSeed(seed, i)));
    const names = this.meta.drawNames;
    if (opts.draws === undefined) {
      const values = this.impl.draw(streams, this.data);
      return Object.fromEntries(names.map((n, i) => [n, values[i]]));
    }
    if (!Number.isInteger(opts.draws) || opts.draws < 0) throw new Error(`${this.label}: draws must be a non-negative integer, got ${opts.draws}`);
    const all = Array.from({ length: opts.draws }, () => this.impl.draw(streams, this.data));
    return Object.fromEntries(names.map((n, i) => [n, stackDraws(all.map((d) => d[i]))]));
  }

  /** Free RVs on their constrained scale and every Deterministic, at a flat point. */
  constrain(x: Float64Array): Record<string, Value> {
    this.requireData();
    const values = this.impl.constrain(x, this.data);
    return Object.fromEntries(this.meta.constrainedNames.map((n, i) => [n, values[i]]));
  }

  /** Names of the free RVs, Deterministics and observed RVs, as `constrain` and `predict` return them. */
  get names(): { constrained: readonly string[]; predicted: readonly string[]; rngs: number; predictRngs: number } {
    return { constrained: this.meta.constrainedNames, predicted: this.meta.predictNames, rngs: this.meta.rngCount, predictRngs: this.meta.predictRngCount };
  }

  /**
   * One draw of every observed RV given values of the free RVs (keyed by RV name, constrained
   * scale), advancing `streams` (one per `names.predictRngs`).
   */
  predict(freeValues: Record<string, Value>, streams: Stream[]): Record<string, Value> {
    this.requireData();
    const free = this.meta.constrainedNames.slice(0, this.meta.valueVars.length);
    const args = free.map((n) => {
      if (!(n in freeValues)) throw new Error(`${this.label}: predict needs a value for '${n}'`);
      return freeValues[n];
    });
    const values = this.impl.predict(args, streams, this.data);
    return Object.fromEntries(this.meta.predictNames.map((n, i) => [n, values[i]]));
  }

  /** The same model with some data() inputs bound to new values. */
  withData(values: Record<string, unknown>): CompiledModel {
    const next: DataValues = { ...this.data };
    for (const [name, value] of Object.entries(values)) {
      const spec = this.meta.data.find((d) => d.name === name);
      if (!spec) {
        const known = this.meta.data.map((d) => `'${d.name}'`).join(", ") || "none";
        throw new Error(`${this.label}: no data input named '${name}' (data inputs: ${known})`);
      }
      next[name] = toInput(value, spec);
    }
    const m = new CompiledModel(this.meta, this.impl, next);
    if (this.source) m.source = this.source;
    return m;
  }

  /** The data() inputs as currently bound. */
  boundData(): Record<string, Value> {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(this.data)) if (v !== undefined) out[k] = v;
    return out;
  }

  /** The observed values of the observed RVs, where the compiled metadata records them. */
  observedData(): Record<string, Value> | undefined {
    const obs = this.meta.observed;
    if (!obs) return undefined;
    return Object.fromEntries(Object.entries(obs).map(([k, v]) => [k, typeof v === "number" ? v : new NDArray([...v.shape], Float64Array.from(v.data))]));
  }

  /** NUTS (Stan's multinomial variant with windowed adaptation): a trace of every free RV and Deterministic. */
  sample(opts: SampleOptions = {}): Trace {
    this.requireData();
    return sampler(this.label).sampleModel(this, opts);
  }

  /**
   * The same trace as `sample` for the same options, as a promise: chains run in Web Workers in a
   * browser, in worker threads in Node, or in this thread with turns for the event loop.
   */
  async sampleAsync(opts: SampleOptions = {}): Promise<Trace> {
    this.requireData();
    return sampler(this.label).sampleModelAsync(this, opts);
  }

  /** Prior draws: free RVs and Deterministics in `prior`, observed RVs in `priorPredictive`, each [1, draws, ...shape]. */
  samplePriorPredictive(opts: { draws?: number; seed?: number | string } = {}): PriorSamples {
    this.requireData();
    return sampler(this.label).samplePriorPredictive(this, opts);
  }

  /** One draw of every observed RV per posterior draw of `trace`, as [chains, draws, ...shape]. */
  samplePosteriorPredictive(trace: Trace, opts: { seed?: number | string; extend?: boolean } = {}): Group {
    this.requireData();
    return sampler(this.label).samplePosteriorPredictive(this, trace, opts);
  }

  private get label(): string {
    return `model '${this.name}'`;
  }

  private requireData(): void {
    for (const spec of this.meta.data) {
      if (this.data[spec.name] === undefined) {
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

/** A compiled model without the sampler: logp, gradients, draws (what `sampler: false` bundles use). */
export function createModelCore(meta: ModelMeta, impl: ModelImpl, data: DataValues): CompiledModel {
  return new CompiledModel(meta, impl, data);
}
