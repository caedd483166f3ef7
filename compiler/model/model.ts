// PyMC's Model: the registry of RandomVariables, data, Deterministics and Potentials built by a
// builder function, their value variables (with default transforms), and the joint log density.
import { Constant, Variable } from "../graph/basic.js";
import { TensorType, type DType } from "../graph/type.js";
import { ancestors, cloneReplace, graphInputs } from "../graph/traversal.js";
import * as pt from "../tensor.js";
import { asTensor, type TensorLike } from "../ops/constant.js";
import { deepCopy } from "../ops/copy.js";
import { DimShuffle } from "../ops/dimshuffle.js";
import { isRandomVariable, RandomGeneratorSharedVariable } from "../ops/random.js";
import {
  distributionOf,
  logpOf,
  modelContext,
  rvParams,
  tensorArg,
  type DistributionSpec,
  type Registrar,
  type RVOptions,
} from "../distributions/distribution.js";
import "../distributions/index.js";
import type { Transform } from "../transforms.js";
import { grad } from "../grad.js";
import { boundedLogp, compileGraphs, type PointFunction } from "./compile-graphs.js";
import { formatG } from "../../runtime/format.js";
import { explainNameError } from "./names.js";
import { hasMissing, imputeMissing } from "./impute.js";
import { NDArray } from "../../runtime/index.js";

export type Builder = () => unknown;

/** A model's coordinates: the labels along each named dimension (PyMC's `coords`). */
export type Coords = Record<string, readonly (string | number)[]>;

export interface BuildOptions {
  coords?: Coords;
}

/** dims as given (`"school"` or `["school"]`), as a list. */
function dimList(dims: string | readonly string[], where: string): string[] {
  const list = typeof dims === "string" ? [dims] : Array.isArray(dims) ? [...dims] : null;
  if (!list || list.some((d) => typeof d !== "string")) throw new Error(`${where}: dims must be a dimension name or an array of them, got ${String(dims)}`);
  // xarray (ArviZ) names each axis once: a repeated name could not label both.
  const repeated = list.find((d, k) => list.indexOf(d) !== k);
  if (repeated !== undefined) throw new Error(`${where}: dims name '${repeated}' twice; each axis needs a dimension of its own`);
  return list;
}

export class Model implements Registrar {
  readonly name: string;
  readonly basicRVs: Variable[] = [];
  readonly freeRVs: Variable[] = [];
  readonly observedRVs: Variable[] = [];
  readonly deterministics: Variable[] = [];
  readonly potentials: Variable[] = [];
  readonly dataVars: Variable[] = [];
  /** Name → RV, data, Deterministic or Potential. */
  readonly namedVars = new Map<string, Variable>();
  readonly rvsToValues = new Map<Variable, Variable>();
  readonly rvsToTransforms = new Map<Variable, Transform | null>();
  /** Default values of data() inputs. */
  readonly dataValues = new Map<Variable, unknown>();
  /** data() inputs a discrete RV observes directly: bound values must be integers. */
  readonly integerData = new Set<Variable>();
  readonly initvals = new Map<Variable, unknown>();
  /** Transformed value variables' names (`sigma_log__`) → their RV as printed in messages: PyMC names them too. */
  private readonly valueNames = new Map<string, string>();
  /** The labels along each named dimension. */
  readonly coords = new Map<string, readonly (string | number)[]>();
  /** The named dimensions of each variable that has them (by variable name). */
  readonly dims = new Map<string, readonly string[]>();

  constructor(name = "", options: BuildOptions = {}) {
    this.name = name;
    if (typeof options !== "object" || options === null) throw new Error(`Model.build: options must be an object, got ${String(options)}`);
    for (const key of Object.keys(options)) {
      if (key !== "coords") throw new Error(`Model.build: unknown option '${key}' (known: coords)`);
    }
    for (const [dim, labels] of Object.entries(options.coords ?? {})) {
      if (dim === "chain" || dim === "draw")
        throw new Error(`coords: '${dim}' is the name of the trace's own dimension (chain, draw); name this dimension otherwise`);
      const list = Array.isArray(labels) ? labels : ArrayBuffer.isView(labels) ? Array.from(labels as unknown as ArrayLike<number>) : null;
      if (!list || list.some((l) => typeof l !== "string" && typeof l !== "number")) {
        throw new Error(`coords: '${dim}' must be an array of strings or numbers (its labels)`);
      }
      if (new Set(list).size !== list.length) throw new Error(`coords: the labels of '${dim}' are not unique`);
      this.coords.set(dim, list);
    }
  }

  /** The shape named dimensions give: the lengths of their coords. */
  dimsShape(dims: string | readonly string[], where: string): number[] {
    return dimList(dims, where).map((d) => {
      const labels = this.coords.get(d);
      if (!labels) {
        const known = [...this.coords.keys()];
        throw new Error(
          `${where}: dimension '${d}' has no coords in the model (${known.length ? `known: ${known.join(", ")}` : "the model has no coords"}); give coords: { ${d}: [...] }`,
        );
      }
      return labels.length;
    });
  }

  /** Record a variable's dims, checking them against its shape (an error naming `where`). */
  private recordDims(name: string, dims: string | readonly string[] | undefined, v: Variable, where: string): void {
    if (dims === undefined) return;
    const list = dimList(dims, where);
    const lengths = this.dimsShape(list, where);
    const shape = v.type.shape;
    if (list.length !== shape.length || shape.some((d, k) => d !== null && d !== lengths[k])) {
      throw new Error(
        `${where}: dims (${list.join(", ")}) give shape (${lengths.join(", ")}), but the variable's shape is (${shape.map((d) => d ?? "?").join(", ")})`,
      );
    }
    this.dims.set(name, list);
  }

  /** Run `builder` with this model as the one new variables register in (PyMC's `with pm.Model()`). */
  static build(builder: Builder, options?: BuildOptions): Model;
  static build(name: string, builder: Builder, options?: BuildOptions): Model;
  static build(a: string | Builder, b?: Builder | BuildOptions, c?: BuildOptions): Model {
    const [name, builder, options] = typeof a === "string" ? [a, b as Builder, c] : ["", a, b as BuildOptions | undefined];
    if (typeof builder !== "function") throw new TypeError("Model.build expects a builder function");
    const previous = modelContext.current;
    // PyMC nests models with prefixed names (`inner::x`); tsmc does not, so it says so.
    if (previous) throw new Error("Model.build inside a model's builder is not supported (PyMC's nested models); declare the variables in one builder");
    const model = new Model(name, options);
    modelContext.current = model;
    try {
      const result: unknown = builder();
      // An async builder runs its variables after build returned, outside the model (an unhandled rejection later).
      if (typeof (result as { then?: unknown } | null)?.then === "function") {
        (result as Promise<unknown>).then(undefined, () => {});
        throw new Error(`model${name ? ` '${name}'` : ""}: the builder returned a Promise; a model's builder must be synchronous (no async or await)`);
      }
    } catch (e) {
      explainNameError(e);
      throw e;
    } finally {
      modelContext.current = previous;
    }
    model.checkDimNames();
    return model;
  }

  /**
   * A trace's arrays and dimensions share one namespace (ArviZ's datasets): no variable may be
   * named as a dimension, given (dims) or ArviZ's default for an array without dims (`theta_dim_0`).
   */
  private checkDimNames(): void {
    for (const [name, v] of this.namedVars) {
      const dims = this.dims.get(name) ?? v.type.shape.map((_, k) => `${name}_dim_${k}`);
      for (const d of dims) {
        if (!this.namedVars.has(d)) continue;
        const whose = this.dims.has(name) ? `a dimension of ${this.describe(name)}` : `ArviZ's name for a dimension of ${this.describe(name)} (it has no dims)`;
        throw new Error(`${this.describe(d)}: the name '${d}' is also ${whose}; rename one of them`);
      }
    }
  }

  /** The model being built, for data(), Deterministic() and Potential(). */
  static current(what: string): Model {
    const m = modelContext.current;
    if (!(m instanceof Model)) throw new Error(`${what} must be called inside Model.build(...) or model(...)`);
    return m;
  }

  get valueVars(): Variable[] {
    return this.freeRVs.map((rv) => this.rvsToValues.get(rv)!);
  }

  get(name: string): Variable {
    const v = this.namedVars.get(name);
    if (!v) throw new Error(`model has no variable named '${name}'`);
    return v;
  }

  private claim(name: string, what: string): void {
    if (this.namedVars.has(name)) throw new Error(`${what}: the model already has a variable named '${name}'`);
    const owner = this.valueNames.get(name);
    if (owner) throw new Error(`${what}: variable name '${name}' already exists: it is the value variable of ${owner}`);
  }

  /** A named member as messages show it: `HalfNormal('a')`, `data('x')`, `Deterministic('d')`. */
  private describe(name: string): string {
    const v = this.namedVars.get(name)!;
    if (this.basicRVs.includes(v)) return `${distributionOf(v).name}('${name}')`;
    return `${this.dataVars.includes(v) ? "data" : this.potentials.includes(v) ? "Potential" : "Deterministic"}('${name}')`;
  }

  /**
   * Observed values are data: constants, data() inputs and expressions of them. PyMC refuses
   * anything else ("Variables that depend on other nodes cannot be used for observed data"): an RV
   * there would make the likelihood a hidden term in it, and a free input has no value.
   */
  private checkObservedIsData(where: string, obs: Variable): void {
    if (obs instanceof Constant || this.dataVars.includes(obs)) return;
    const found: string[] = [];
    for (const v of ancestors([obs])) {
      if (this.basicRVs.includes(v) || isRandomVariable(v))
        found.push(this.basicRVs.includes(v) ? this.describe(v.name!) : `a random variable not in the model (${v.name ?? strForDist(v)})`);
      else if (!v.owner && !(v instanceof Constant) && !this.dataVars.includes(v) && !(v instanceof RandomGeneratorSharedVariable)) {
        found.push(`the free input ${v.name ? `'${v.name}'` : String(v.type)}`);
      }
    }
    if (found.length) {
      throw new Error(
        `${where}: observed must be data (numbers, arrays, data() inputs or expressions of them), but it depends on ${[...new Set(found)].join(", ")}`,
      );
    }
  }

  /**
   * A discrete family's observations are integers: a 0.5 would give each family's continuous
   * extension of its density, or nothing sensible. Constants and data() defaults are checked here;
   * a data() input observed directly is bound as integers from then on (integerData).
   */
  private checkObservedIntegers(where: string, family: string, obs: Variable): void {
    const isData = this.dataVars.includes(obs);
    if (isData) this.integerData.add(obs);
    const value = obs instanceof Constant ? obs : isData ? (this.dataValues.get(obs) as number | { data: ArrayLike<number> } | undefined) : undefined;
    if (value === undefined) return;
    const entries: ArrayLike<number> = typeof value === "number" ? [value] : value instanceof Constant ? value.data : value.data;
    for (let i = 0; i < entries.length; i++) {
      // NaN is a missing entry, imputed.
      if (!Number.isInteger(entries[i]) && !Number.isNaN(entries[i])) {
        const at = typeof value === "number" || (value instanceof Constant && value.ndim === 0) ? "" : `[${i}]`;
        throw new Error(`${where}: observed ${isData ? `data('${obs.name}')` : "value"}${at} is ${entries[i]}, but ${family} observations are integers`);
      }
    }
  }

  registerRV(rv: Variable, spec: DistributionSpec, opts: RVOptions): Variable {
    const name = rv.name!;
    const where = `${spec.name}('${name}')`;
    this.claim(name, where);
    if (opts.observed !== undefined && opts.observed !== null) {
      const obs = opts.observed instanceof Variable ? opts.observed : asTensor(opts.observed as TensorLike, rv.dtype);
      this.checkObservedIsData(where, obs);
      if (rv.dtype !== "float64") this.checkObservedIntegers(where, spec.name, obs);
      if (obs.ndim !== rv.ndim || obs.type.shape.some((d, k) => d !== null && rv.type.shape[k] !== null && d !== rv.type.shape[k])) {
        throw new Error(`${where}: observed of type ${obs.type} does not match the variable's ${rv.type}`);
      }
      // Missing entries are imputed, as PyMC does: `y_unobserved` free, `y_observed` observed, `y` the whole.
      if (hasMissing(obs)) return imputeMissing(this, rv, spec, opts, obs);
      this.observedRVs.push(rv);
      this.rvsToValues.set(rv, obs);
      this.rvsToTransforms.set(rv, null);
    } else {
      if (rv.type.shape.some((d) => d === null)) {
        const unbound = graphInputs(rvParams(rv)).filter((v) => this.dataVars.includes(v) && !this.dataValues.has(v));
        const why = unbound.length ? `; it follows ${unbound.map((v) => `data('${v.name}')`).join(", ")}, which has no value` : "";
        throw new Error(`${where}: the shape of a free variable must be known when the model is built${why}; give shape: [...]`);
      }
      const transform = opts.transform === undefined ? spec.defaultTransform(rvParams(rv)) : opts.transform;
      const valueName = transform ? `${name}_${transform.name}__` : name;
      if (valueName !== name) {
        // Points are keyed by value-variable name: two value variables of one name would be one key.
        const taken = this.namedVars.has(valueName) ? this.describe(valueName) : this.valueNames.get(valueName);
        if (taken) throw new Error(`${where}: variable name '${valueName}' (its value variable) already exists: ${taken} has it`);
        this.valueNames.set(valueName, where);
      }
      const valueShape = transform?.valueShape ? transform.valueShape(rv.type.shape) : rv.type.shape;
      const value = new Variable(new TensorType(rv.dtype, valueShape), null, 0, valueName);
      this.freeRVs.push(rv);
      this.rvsToValues.set(rv, value);
      this.rvsToTransforms.set(rv, transform);
      if (opts.initval !== undefined) this.initvals.set(rv, opts.initval);
    }
    this.recordDims(name, opts.dims, rv, where);
    this.basicRVs.push(rv);
    this.namedVars.set(name, rv);
    const text = () => strForDist(rv);
    Object.defineProperty(rv, Symbol.for("nodejs.util.inspect.custom"), { value: text });
    Object.defineProperty(rv, "strRepr", { value: text });
    return rv;
  }

  addData(name: string, value: unknown, opts: { shape?: readonly (number | null)[]; dtype?: DType; dims?: string | readonly string[] }): Variable {
    this.claim(name, `data('${name}')`);
    for (const key of Object.keys(opts)) {
      if (!["shape", "dtype", "dims"].includes(key)) throw new Error(`data('${name}'): unknown option '${key}' (known: shape, dtype, dims)`);
    }
    let dtype = opts.dtype;
    let shape = opts.shape;
    let stored: unknown;
    if (value !== undefined) {
      const c = tensorArg(`data('${name}')`, "value", value) as Constant;
      const nan = c.data.findIndex(Number.isNaN);
      if (nan >= 0) throw new Error(`data('${name}'): value${c.ndim ? `[${nan}]` : ""} is NaN; missing values are not supported yet`);
      dtype ??= c.dtype === "bool" ? "int64" : c.dtype;
      shape ??= c.type.shape.map(() => null);
      if (shape.length !== c.ndim) throw new Error(`data('${name}'): value of shape (${c.type.shape.join(", ")}) does not have rank ${shape.length}`);
      stored = c.ndim === 0 ? c.value : { shape: c.shape, data: c.data };
    }
    if (!shape && opts.dims !== undefined) shape = this.dimsShape(opts.dims, `data('${name}')`).map(() => null);
    if (!shape) throw new Error(`data('${name}'): give a value or a shape`);
    const v = new Variable(new TensorType(dtype ?? "float64", shape), null, 0, name);
    // A data input's value may change (withData): its dims name the axes, the value's shape is checked.
    const current = stored === undefined ? v : new Variable(new TensorType(v.dtype, (stored as { shape?: number[] }).shape ?? []), null, 0, name);
    this.recordDims(name, opts.dims, current, `data('${name}')`);
    this.dataVars.push(v);
    this.namedVars.set(name, v);
    if (stored !== undefined) this.dataValues.set(v, stored);
    return v;
  }

  /** Each data() input with a value, as a variable of that value's shape (PyMC sizes RVs by the data's value). */
  dataShapes(): Map<Variable, Variable> {
    const shapes = new Map<Variable, Variable>();
    for (const d of this.dataVars) {
      const value = this.dataValues.get(d) as number | { shape: number[] } | undefined;
      if (value === undefined) continue;
      shapes.set(d, new Variable(new TensorType(d.dtype, typeof value === "number" ? [] : value.shape), null, 0, d.name));
    }
    return shapes;
  }

  addDeterministic(name: string, expr: TensorLike, opts: { dims?: string | readonly string[] } = {}): Variable {
    this.claim(name, `Deterministic('${name}')`);
    for (const key of Object.keys(opts)) {
      if (key !== "dims") throw new Error(`Deterministic('${name}'): unknown option '${key}' (known: dims)`);
    }
    let v = asTensor(expr);
    this.recordDims(name, opts.dims, v, `Deterministic('${name}')`);
    // Keep the user's variable as it is: a named or root expression gets a copy to carry the name.
    if (v.owner === null || v.name !== null) v = deepCopy(v);
    v.name = name;
    markNamedExpression(v, "Deterministic");
    this.deterministics.push(v);
    this.namedVars.set(name, v);
    return v;
  }

  addPotential(name: string, expr: TensorLike): Variable {
    this.claim(name, `Potential('${name}')`);
    let v = asTensor(expr);
    if (v.owner === null || v.name !== null) v = deepCopy(v);
    v.name = name;
    markNamedExpression(v, "Potential");
    this.potentials.push(v);
    this.namedVars.set(name, v);
    return v;
  }

  /**
   * Each RV replaced by its value in value-variable space (backward-transformed where needed). A
   * transform's bounds may be earlier RVs (`Uniform("b", 0, 1 - a)`): its backward reads their
   * values too, as PyMC's replace_rvs_by_values does (RVs register after their parameters).
   */
  valueReplacements(): Map<Variable, Variable> {
    const map = new Map<Variable, Variable>();
    for (const rv of this.basicRVs) {
      const value = this.rvsToValues.get(rv)!;
      const t = this.rvsToTransforms.get(rv);
      map.set(rv, t ? cloneReplace([t.backward(value)], map)[0] : value);
    }
    return map;
  }

  /** The log density terms: one per RV (elementwise) and one per Potential, PyMC's order. */
  logpTerms(opts: { jacobian?: boolean } = {}): { name: string; graph: Variable }[] {
    const jacobian = opts.jacobian ?? true;
    const replace = this.valueReplacements();
    const terms: { name: string; graph: Variable }[] = [];
    for (const rv of this.basicRVs) {
      const value = this.rvsToValues.get(rv)!;
      const t = this.rvsToTransforms.get(rv);
      const spec = distributionOf(rv);
      const others = withoutSelf(replace, rv);
      let g = logpOf(spec, replace.get(rv)!, rvParams(rv));
      [g] = cloneReplace([g], others);
      // The Jacobian reads the transform's bounds, which may be RVs as well.
      if (t && jacobian) g = pt.add(g, cloneReplace([t.logJacDet(value)], others)[0]);
      g.name = `${value.name ?? rv.name}_logprob`;
      terms.push({ name: rv.name!, graph: g });
    }
    for (const pot of this.potentials) {
      const [g] = cloneReplace([pot], replace);
      terms.push({ name: pot.name!, graph: g });
    }
    return terms;
  }

  /**
   * The elementwise log density of each observed RV (ArviZ's log_likelihood, PyMC's
   * compute_log_likelihood) given its parents: the free RVs stand as `freeRoots` (their values on
   * the constrained scale, in freeRVs order), other observed RVs as their observations.
   */
  observedLogp(freeRoots: readonly Variable[]): Variable[] {
    const replace = this.valueReplacements();
    const parents = new Map<Variable, Variable>(this.freeRVs.map((rv, i) => [rv, freeRoots[i]]));
    for (const rv of this.observedRVs) parents.set(rv, replace.get(rv)!);
    return this.observedRVs.map((rv) => {
      const [g] = cloneReplace([logpOf(distributionOf(rv), replace.get(rv)!, rvParams(rv))], withoutSelf(parents, rv));
      g.name = `${rv.name}_log_likelihood`;
      return g;
    });
  }

  /** The joint log density graph (PyMC's `model.logp`), or one graph per term with `sum: false`. */
  logp(opts: { sum?: false; jacobian?: boolean }): Variable[];
  logp(opts?: { sum?: true; jacobian?: boolean }): Variable;
  logp(opts: { sum?: boolean; jacobian?: boolean } = {}): Variable | Variable[] {
    const terms = this.logpTerms(opts).map((t) => t.graph);
    if (opts.sum === false) return terms;
    if (!terms.length) return pt.constant(0.0, null, "float64");
    const total = pt.sum(pt.stack(terms.map((t) => pt.sum(t))));
    total.name = "__logp";
    return total;
  }

  /** The gradient of the joint log density, flattened in value-variable order. */
  dlogp(opts: { jacobian?: boolean } = {}): Variable {
    const cost = this.logp({ sum: true, jacobian: opts.jacobian });
    const grads = grad(cost, this.valueVars, { disconnectedInputs: "zero" });
    return flattenJoin(grads);
  }

  /** The Hessian of the joint log density; negated (as PyMC's d2logp) unless `negate: false`. */
  d2logp(opts: { jacobian?: boolean; negate?: boolean } = {}): Variable {
    const g = this.dlogp(opts);
    const n = g.type.shape[0];
    if (n === null) throw new Error("d2logp: the gradient length is not known");
    const rows = Array.from({ length: n }, (_, i) => flattenJoin(grad(pt.subtensorOf(g, [i]), this.valueVars, { disconnectedInputs: "zero" })));
    const h = rows.length ? pt.stack(rows) : pt.reshape(pt.constant([], null, "float64"), [0, 0]);
    return opts.negate === false ? h : pt.neg(h);
  }

  /** logp as a function of a point keyed by value-variable name; -inf where a parameter is invalid. */
  compileLogp(opts: { sum?: boolean; jacobian?: boolean } = {}): PointFunction {
    const graphs = opts.sum === false ? this.logp({ sum: false, jacobian: opts.jacobian }) : [this.logp({ sum: true, jacobian: opts.jacobian })];
    return compileGraphs(this, boundedLogp(graphs), opts.sum !== false, "logp");
  }

  /** The flat gradient as a function of a point. */
  compileDlogp(opts: { jacobian?: boolean } = {}): PointFunction {
    return compileGraphs(this, boundedLogp([this.dlogp(opts)]), true, "dlogp");
  }

  /** The (negative) Hessian as a function of a point. */
  compileD2logp(opts: { jacobian?: boolean; negate?: boolean } = {}): PointFunction {
    return compileGraphs(this, boundedLogp([this.d2logp(opts)]), true, "d2logp");
  }

  /** Where samplers start: each free RV's initval or support point, forward-transformed. */
  initialPoint(): Record<string, number | NDArray> {
    const known = new Map<Variable, Variable>();
    for (const rv of this.observedRVs) known.set(rv, this.rvsToValues.get(rv)!);
    for (const d of this.dataVars) {
      const v = this.dataValues.get(d);
      if (v !== undefined) known.set(d, asTensor(v as TensorLike));
    }
    const point: [string, number | NDArray][] = [];
    for (const rv of this.freeRVs) {
      const init = this.initvals.get(rv);
      const start = init !== undefined ? asTensor(init as TensorLike, "float64") : distributionOf(rv).supportPoint(rvParams(rv));
      const [resolved] = cloneReplace([start], known);
      let constrained: number | NDArray;
      try {
        constrained = broadcastTo(pt.evaluate(resolved), rv.type.shape as number[]);
      } catch (e) {
        throw new Error(`${distributionOf(rv).name}('${rv.name}'): ${(e as Error).message}`);
      }
      const c = pt.constant(constrained, null, "float64");
      known.set(rv, c);
      const t = this.rvsToTransforms.get(rv);
      const value = this.rvsToValues.get(rv)!;
      // The transform's bounds may be earlier RVs: at their initial values.
      point.push([value.name!, t ? pt.evaluate(cloneReplace([t.forward(c)], known)[0]) : constrained]);
    }
    // fromEntries: own keys, also a value variable named __proto__
    return Object.fromEntries(point);
  }

  toString(): string {
    const reprs = [
      ...this.freeRVs.map(strForDist),
      ...this.deterministics.map(strForNamedExpression),
      ...this.observedRVs.map(strForDist),
      ...this.potentials.map(strForNamedExpression),
    ];
    if (!reprs.length) return "";
    const names = reprs.map((s) => s.slice(0, s.indexOf("~") - 1));
    const width = Math.max(...names.map((n) => n.length));
    return reprs.map((s, i) => `${names[i].padStart(width)} ~ ${s.slice(s.indexOf("~") + 2)}`).join("\n");
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function withoutSelf(map: Map<Variable, Variable>, rv: Variable): Map<Variable, Variable> {
  const copy = new Map(map);
  copy.delete(rv);
  return copy;
}

/** Flatten each graph to a vector and join them (PyMC's flat gradient layout). */
export function flattenJoin(parts: Variable[]): Variable {
  const flat = parts.map((p) => (p.ndim === 1 ? p : pt.reshape(p, [-1])));
  if (flat.length === 1) return flat[0];
  if (!flat.length) return pt.constant([], null, "float64");
  return pt.concatenate(flat);
}

function broadcastTo(value: any, shape: number[]): number | NDArray {
  const data: Float64Array = typeof value === "number" ? Float64Array.of(value) : value.data;
  const from: number[] = typeof value === "number" ? [] : value.shape;
  if (shape.length === 0) return data[0];
  const size = shape.reduce((a, b) => a * b, 1);
  if (from.length === shape.length && from.every((d, k) => d === shape[k])) return new NDArray(shape, data);
  if (data.length !== 1 && !(from.length <= shape.length && from.every((d, k) => d === 1 || d === shape[shape.length - from.length + k]))) {
    throw new Error(`initial value of shape (${from.join(", ")}) does not broadcast to (${shape.join(", ")})`);
  }
  const out = new Float64Array(size);
  if (data.length === 1) out.fill(data[0]);
  else {
    // Right-aligned broadcast: repeat the trailing block.
    for (let i = 0; i < size; i++) out[i] = data[i % data.length];
  }
  return new NDArray(shape, out);
}

// ---- PyMC's printed forms -------------------------------------------------------------------

// A Deterministic or Potential prints as its name where it is a parameter (PyMC marks them with
// their own str_repr; this is that mark).
const NAMED_EXPRESSION = Symbol("tsmc.namedExpression");

function markNamedExpression(v: Variable, kind: "Deterministic" | "Potential"): void {
  Object.defineProperty(v, NAMED_EXPRESSION, { value: kind });
}

/** `theta ~ Deterministic(f(mu, tau))`, PyMC's str_for_potential_or_deterministic. */
function strForNamedExpression(v: Variable): string {
  const kind = (v as unknown as Record<symbol, string>)[NAMED_EXPRESSION] ?? "Deterministic";
  return `${v.name ?? "<unnamed>"} ~ ${kind}(${strForExpression(v)})`;
}

function strForInput(v: Variable): string {
  if (v instanceof Constant) {
    if (v.ndim === 0) return formatG(v.value);
    if (v.ndim === 1 && v.shape[0] === 1) return formatG(v.data[0]);
    return "<constant>";
  }
  if (v.owner === null) return v.ndim === 0 ? (v.name ?? "<shared>") : "<shared>";
  if (isRandomVariable(v)) return v.name ?? strForDist(v);
  if (NAMED_EXPRESSION in v) return v.name!;
  if (v.owner.op instanceof DimShuffle) return strForInput(v.owner.inputs[0]);
  return strForExpression(v);
}

/**
 * `f(a, b)`: the RandomVariables an expression depends on, in the order PyTensor's `walk` meets
 * them (breadth first from the expression's inputs, each node's inputs queued in reverse).
 */
function strForExpression(v: Variable): string {
  const names: string[] = [];
  const seen = new Set<Variable>();
  const queue = [...(v.owner?.inputs ?? [])];
  for (let i = 0; i < queue.length; i++) {
    const x = queue[i];
    if (seen.has(x)) continue;
    seen.add(x);
    if (isRandomVariable(x)) names.push(x.name ?? `<${String(x.owner!.op).split("{")[0]}>`);
    else if (x.owner) queue.push(...[...x.owner.inputs].reverse());
  }
  return `f(${names.join(", ")})`;
}

/** PyMC's `str_for_dist`: `z ~ Normal(<constant>, <constant>)`. */
export function strForDist(rv: Variable): string {
  const spec = distributionOf(rv);
  const args = rvParams(rv).map(strForInput).join(", ");
  return rv.name ? `${rv.name} ~ ${spec.name}(${args})` : `${spec.name}(${args})`;
}
