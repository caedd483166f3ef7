// Compile a Model into a CompiledModel. The model's graphs (logp, its gradient, the per-term
// sums and the forward draw) go through the rewrite pipeline and the one emitter into the text of
// a function body of `rt` that returns the CompiledModel. In process the text becomes a function;
// the build pass writes the same text into the user's bundle.
import { Constant, Variable } from "../graph/basic.js";
import { arrayLiteral, emitFunction, jsNumber, sharedConstants, type EmittedFunction } from "../emit/js.js";
import { rtRef } from "../emit/runtime-names.js";
import { compileGraph, deriveModelGraphs, hotGraphs, type HotGraphs, type ModelGraphs } from "../pipeline.js";
import { fuseElemwise } from "../rewrite/fuse.js";
import { keepLastOnly } from "../rewrite/scan.js";
import { withoutUnreadStates } from "../rewrite/scan-merge.js";
import * as pt from "../tensor.js";
import { Model, type Builder, type Coords } from "./model.js";
import * as runtime from "../../runtime/index.js";
// Models compiled in process can always sample (the build pass links the sampler only where used).
import "../../runtime/sampler/install.js";
import "../../runtime/sampler/install-vi.js";
import { emitMapObjective } from "./map.js";
import { RV, RandomVariable, parseSignature } from "../ops/random.js";
import { rvParams } from "../distributions/distribution.js";
import type { CompiledModel, ModelImpl, ModelMeta, ValueVarInfo } from "../../runtime/index.js";

export interface EmittedModel {
  /** Body of a function of `rt` (the tsmc runtime) that returns the CompiledModel. */
  readonly body: string;
  readonly meta: ModelMeta;
}

const sizeOf = (shape: readonly (number | null)[]) => (shape as number[]).reduce((a, b) => a * b, 1);

function valueVarInfo(model: Model): ValueVarInfo[] {
  let offset = 0;
  return model.freeRVs.map((rv) => {
    const v = model.rvsToValues.get(rv)!;
    const shape = [...(v.type.shape as number[])];
    const info: ValueVarInfo = { name: v.name!, rv: rv.name!, shape, size: sizeOf(shape), offset, transform: model.rvsToTransforms.get(rv)?.name ?? null };
    // Recorded only where true, so that a model's metadata stays as short as it can.
    if (rv.dtype !== "float64") Object.assign(info, { discrete: true }, discreteStep(rv));
    offset += info.size;
    return info;
  });
}

/** What the step assignment needs of a discrete free RV: its Gibbs kind and K, or that its entries go together. */
function discreteStep(rv: Variable): Partial<Pick<ValueVarInfo, "step" | "categories" | "multivariate">> {
  const op = rv.owner?.op;
  if (!(op instanceof RandomVariable)) return {};
  if (op.spec.name === RV.bernoulli.name) return { step: "binary" };
  if (op.spec.name === RV.categorical.name) {
    const p = rvParams(rv)[0];
    return { step: "categorical", categories: p.type.shape[p.ndim - 1] as number };
  }
  return parseSignature(op.spec.signature).out.length > 0 ? { multivariate: true } : {};
}

/**
 * A key of a generated object literal: `"__proto__": v` would set the literal's prototype (even
 * quoted), so that name is a computed key, which defines an own property.
 */
function objectKey(name: string): string {
  return name === "__proto__" ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
}

function literal(value: unknown): string {
  if (typeof value === "number") return jsNumber(value);
  const nd = value as { shape: number[]; data: ArrayLike<number> };
  return `${rtRef("nd")}([${nd.shape.join(", ")}], [${Array.from(nd.data, jsNumber).join(", ")}])`;
}

/** How a model is compiled (the third argument of `model()`). */
export interface ModelOptions {
  /**
   * Run the loops over the rows of a fixed dense matrix (`X @ beta` likelihoods with a constant or
   * `data()` matrix) as WebAssembly SIMD kernels: about twice as fast there; results agree with the
   * JavaScript ones to about 1e-15 (sums in another order, own exp and log), and pages under a
   * Content Security Policy need `'wasm-unsafe-eval'`. Default false.
   */
  simd?: boolean;
  /** The labels along each named dimension (PyMC's `coords`), for variables' `dims`. */
  coords?: Coords;
  /**
   * Emit findMAP's objective (logp without the transforms' Jacobians, and its gradient) into the
   * model, so that `findMAP` from tsmc/runtime can optimize a model built ahead of time. Default
   * false: a model compiled in process compiles it on first use anyway, and a bundle that never
   * calls findMAP carries none of it.
   */
  findMAP?: boolean;
}

/** Emit the module text of a compiled model: the pipeline's graphs (compiler/pipeline.ts), emitted. */
export function emitModel(model: Model, name = model.name || "model", options: ModelOptions = {}): EmittedModel {
  const infos = valueVarInfo(model);
  const dataVars = model.dataVars;
  const inputs = [...model.valueVars, ...dataVars];
  const graphs = deriveModelGraphs(model);
  const hot = hotGraphs(graphs.logp, graphs.grads, dataVars);
  // Large constants once: the data read by logp, its gradient, the terms and draw is declared once.
  const shared = sharedConstants();
  const hotFns = emitHotFunctions(infos, inputs, dataVars, hot, shared, options.simd === true);
  const orZero = (outs: Variable[]) => (outs.length ? outs : [pt.constant(0.0)]);
  const { terms, draws, drawRngs, constrained, freeRoots, predicted, predictRngs, logLikelihood } = graphs;
  const fns: EmittedFunction[] = [
    ...hotFns,
    ...(hot.frontier.length ? [emitFunction(dataVars, compileGraph(hot.frontier), { name: "prepare", constPrefix: "kq", shared })] : []),
    emitFunction(inputs, compileGraph(terms.length ? terms : [pt.constant(0.0)]), { name: "terms", constPrefix: "kt", shared }),
    emitFunction([...drawRngs, ...dataVars], compileGraph(orZero(draws)), { name: "draw", constPrefix: "kd", shared }),
    emitFunction(inputs, compileGraph(orZero(constrained)), { name: "constrain", constPrefix: "kc", shared }),
    emitFunction([...freeRoots, ...predictRngs, ...dataVars], compileGraph(orZero(predicted)), { name: "predict", constPrefix: "kp", shared }),
    // Only where there are observations: a model without them has no log-likelihood to compute.
    ...(logLikelihood.length ? [emitFunction([...freeRoots, ...dataVars], compileGraph(logLikelihood), { name: "loglik", constPrefix: "kl", shared })] : []),
    ...(options.findMAP ? [emitMapObjective(model, shared)] : []),
  ];
  const meta = modelMeta(model, name, infos, graphs);
  const bound = dataVars.length > 0;
  const dataArgs = dataVars.map((d) => `d[${JSON.stringify(d.name)}]`);
  const args = [...valueArguments(infos), ...dataArgs].join(", ");
  const after = [
    ...fns.filter((f) => !bound || !hotFns.includes(f)).map((f) => f.code),
    ...(bound ? bindFunction(dataVars, hot.prepared, hotFns) : []),
    `const meta = ${JSON.stringify(meta)};`,
    `const defaultData = {`,
    ...dataVars.filter((d) => model.dataValues.has(d)).map((d) => `  ${objectKey(d.name!)}: ${literal(model.dataValues.get(d))},`),
    `};`,
    ...observedValues(model, shared),
    `return ${rtRef("createModel")}(meta, {`,
    bound ? `  flat: bound,` : `  flat: () => ({ logp, logpGrad }),`,
    `  terms: (x, d) => terms(${args}),`,
    `  draw: (s, d) => draw(${[...drawRngs.map((_, i) => `s[${i}]`), ...dataArgs].join(", ")}),`,
    `  constrain: (x, d) => constrain(${args}),`,
    `  predict: (v, s, d) => predict(${[...freeRoots.map((_, i) => `v[${i}]`), ...predictRngs.map((_, i) => `s[${i}]`), ...dataArgs].join(", ")}),`,
    ...(logLikelihood.length ? [`  loglik: (v, d) => loglik(${[...freeRoots.map((_, i) => `v[${i}]`), ...dataArgs].join(", ")}),`] : []),
    ...(options.findMAP ? [`  mapObjective: (x, d) => mapObjective(${args}),`] : []),
    `}, defaultData);`,
  ];
  const body = [...valueSlots(infos), ...usedConstants([...shared.prelude, ...fns.flatMap((f) => f.prelude)], after.join("\n")), ...after].join("\n");
  return { body, meta };
}

/** A slot and the shape of each array value variable, made once (the hot path allocates nothing). */
function valueSlots(infos: ValueVarInfo[]): string[] {
  return infos.flatMap((v, i) => (v.shape.length ? [`const $xv${i} = ${rtRef("slot")}();`, `const $xv${i}s = [${v.shape.join(", ")}];`] : []));
}

/**
 * findMAP's objective alone, for a model compiled in process: the same function that emitModel
 * writes into the module with `findMAP: true`, so both give the same numbers.
 */
export function compileMapObjective(model: Model): NonNullable<ModelImpl["mapObjective"]> {
  const infos = valueVarInfo(model);
  const shared = sharedConstants();
  const f = emitMapObjective(model, shared);
  const args = [...valueArguments(infos), ...model.dataVars.map((d) => `d[${JSON.stringify(d.name)}]`)].join(", ");
  const after = [f.code, `return (x, d) => mapObjective(${args});`];
  const body = [...valueSlots(infos), ...usedConstants([...shared.prelude, ...f.prelude], after.join("\n")), ...after].join("\n");
  return new Function("rt", body)(runtime);
}

/**
 * The value variables as the hot functions read them from the flat point x: a number, or a view
 * of x kept in a slot while x is the same array.
 */
function valueArguments(infos: ValueVarInfo[]): string[] {
  return infos.map((v, i) => (v.shape.length === 0 ? `x[${v.offset}]` : `${rtRef("flatView")}($xv${i}, x, ${v.offset}, $xv${i}s, ${v.size})`));
}

/**
 * logp and logpGrad: numbers back only, their buffers reused, so a warm call allocates nothing.
 * With data they are made per data binding (`bind`), closing over the data and what is prepared
 * from it: loops then read fixed typed arrays, as for constants.
 */
function emitHotFunctions(
  infos: ValueVarInfo[],
  inputs: Variable[],
  dataVars: Variable[],
  hot: HotGraphs,
  shared: ReturnType<typeof sharedConstants>,
  simd: boolean,
): EmittedFunction[] {
  const scope = new Map<Variable, string>([
    ...dataVars.map((v, i): [Variable, string] => [v, `$d${i}`]),
    ...hot.prepared.map((v, i): [Variable, string] => [v, `$p${i}`]),
  ]);
  const hotOpts = { ...(dataVars.length > 0 ? { scope } : {}), simd };
  const hotInputs = [...inputs, ...hot.prepared];
  const valueArgs = valueArguments(infos);
  // Small arrays are copied element by element: TypedArray#set costs more than the copy below ~100.
  const writeGradient = (results: string[], aliases: (string | null)[]) => [
    ...infos.map((v, i) =>
      v.shape.length === 0
        ? `g[${v.offset}] = ${results[i + 1]};`
        : v.size <= 128
          ? `for (let i = 0, v = ${aliases[i + 1] ?? `${results[i + 1]}.data`}; i < ${v.size}; i++) g[${v.offset} + i] = v[i];`
          : `${rtRef("writeFlat")}(g, ${v.offset}, ${results[i + 1]});`,
    ),
    `return ${results[0]};`,
  ];
  return [
    // logp alone reads no gradient loop: a loop's outputs read only at their last step keep that alone.
    emitFunction(hotInputs, fuseElemwise(keepLastOnly(withoutUnreadStates([hot.graphs[0]]))), {
      name: "logp",
      constPrefix: "kl",
      shared,
      reuseBuffers: true,
      ...hotOpts,
      entry: { params: ["x"], inputs: valueArgs, finish: (r) => [`return ${r[0]};`] },
    }),
    emitFunction(hotInputs, fuseElemwise(hot.graphs), {
      name: "logpGrad",
      constPrefix: "kg",
      shared,
      reuseBuffers: true,
      ...hotOpts,
      entry: { params: ["x", "g"], inputs: valueArgs, finish: writeGradient },
    }),
  ];
}

function modelMeta(model: Model, name: string, infos: ValueVarInfo[], graphs: ModelGraphs): ModelMeta {
  const initial = model.initialPoint();
  const initialFlat: number[] = [];
  for (const v of infos) {
    const value = initial[v.name] as number | { data: Float64Array };
    if (typeof value === "number") initialFlat.push(value);
    else initialFlat.push(...Array.from(value.data));
  }
  return {
    name,
    size: infos.reduce((a, v) => a + v.size, 0),
    valueVars: infos,
    termNames: [...model.basicRVs, ...model.potentials].map((v) => v.name!),
    // An input a discrete RV observes is checked as integers when bound (withData), as its default was.
    data: model.dataVars.map((d) => ({
      name: d.name!,
      dtype: model.integerData.has(d) && d.dtype === "float64" ? "int64" : d.dtype,
      shape: boundShape(model, d),
    })),
    initialPoint: initialFlat,
    drawNames: graphs.draws.map((v) => v.name!),
    rngCount: graphs.drawRngs.length,
    constrainedNames: [...model.freeRVs, ...model.deterministics].map((v) => v.name!),
    predictNames: model.observedRVs.map((v) => v.name!),
    predictRngCount: graphs.predictRngs.length,
    // Only when there are any: a model without coords keeps its metadata (and bundle) as it was.
    ...(model.coords.size ? { coords: Object.fromEntries(model.coords) as Record<string, (string | number)[]> } : {}),
    ...(model.dims.size ? { dims: Object.fromEntries(model.dims) as Record<string, string[]> } : {}),
  };
}

/**
 * The shape a data() input must have when bound: its own, with the length of each dimension named
 * by dims that has coords (the trace labels that axis with them; PyMC's set_data likewise refuses a
 * new length unless the coords change, which tsmc takes only when the model is built).
 */
function boundShape(model: Model, d: Variable): (number | null)[] {
  const dims = model.dims.get(d.name!);
  return d.type.shape.map((n, k) => (dims ? (model.coords.get(dims[k])?.length ?? n) : n));
}

/**
 * Observed values for traces (observed_data): the module's own constants, never a second copy;
 * where the observed value is a data() input, the input's name, so that the trace shows the data
 * bound when it was sampled (withData), not the default.
 */
function observedValues(model: Model, shared: ReturnType<typeof sharedConstants>): string[] {
  const observed: string[] = [];
  const inputs: string[] = [];
  for (const rv of model.observedRVs) {
    const v = model.rvsToValues.get(rv)!;
    if (v instanceof Constant) {
      const text = v.ndim === 0 ? jsNumber(v.value) : arrayLiteral(v);
      const expr = v.ndim === 0 ? text : (shared.byExpr.get(text) ?? (v.data.length <= 1000 ? text : undefined));
      if (expr) observed.push(`  ${objectKey(rv.name!)}: ${expr},`);
    } else if (model.dataValues.has(v) || model.dataVars.includes(v)) {
      inputs.push(`  ${objectKey(rv.name!)}: ${JSON.stringify(v.name)},`);
    }
  }
  return [...(observed.length ? [`meta.observed = {`, ...observed, `};`] : []), ...(inputs.length ? [`meta.observedInputs = {`, ...inputs, `};`] : [])];
}

/**
 * The module-level constants that the code reads: one it never reads (a draw's empty `size`, once
 * inlined) would otherwise cost every bundle its bytes.
 */
function usedConstants(constants: string[], code: string): string[] {
  // One count of every identifier, then a worklist: a dropped line no longer uses what it names
  // (a regular expression per constant over the whole text would make a long model quadratic).
  const identifiers = (text: string) => text.match(/[\w$]+/g) ?? [];
  const uses = new Map<string, number>();
  const count = (text: string, by: number) => {
    for (const id of identifiers(text)) uses.set(id, (uses.get(id) ?? 0) + by);
  };
  count(code, 1);
  constants.forEach((line) => count(line, 1));
  const names = constants.map((line) => /^const ([\w$]+) = /.exec(line)?.[1] ?? null);
  const declaring = new Map<string, number[]>();
  names.forEach((name, i) => name !== null && declaring.set(name, [...(declaring.get(name) ?? []), i]));
  const dropped = new Set<number>();
  const unused = (i: number) => !dropped.has(i) && names[i] !== null && (uses.get(names[i]!) ?? 0) <= 1;
  const work = names.map((_, i) => i).filter(unused);
  while (work.length) {
    const i = work.pop()!;
    if (!unused(i)) continue;
    dropped.add(i);
    count(constants[i], -1);
    // What the line read may have just lost its last use.
    for (const id of new Set(identifiers(constants[i]))) for (const j of declaring.get(id) ?? []) if (unused(j)) work.push(j);
  }
  return constants.filter((_, i) => !dropped.has(i));
}

/**
 * `bind(d)`: the hot functions for one data binding, closing over the data, their typed arrays and
 * what `prepare` computes from them; `bound(d)` keeps the last binding (the model passes the same
 * object until its data changes).
 */
function bindFunction(dataVars: Variable[], prepared: Variable[], hotFns: EmittedFunction[]): string[] {
  const declare = (v: Variable, id: string, expr: string) => [
    `  const ${id} = ${expr};`,
    ...(v.ndim > 0 ? [`  const ${id}_d = ${id}.data;`, ...v.type.shape.map((_, k) => `  const ${id}_s${k} = ${id}.shape[${k}];`)] : []),
  ];
  const indent = (text: string) => text.split("\n").map((l) => `  ${l}`);
  return [
    `function bind(d) {`,
    ...dataVars.flatMap((v, i) => declare(v, `$d${i}`, `d[${JSON.stringify(v.name)}]`)),
    // What depends on data only, computed once per binding.
    ...(prepared.length ? [`  const p = prepare(${dataVars.map((_, i) => `$d${i}`).join(", ")});`] : []),
    ...prepared.flatMap((v, i) => declare(v, `$p${i}`, `p[${i}]`)),
    ...hotFns.flatMap((f) => [...f.scoped.map((l) => `  ${l}`), ...indent(f.code)]),
    `  return { ${hotFns.map((f) => f.name).join(", ")} };`,
    `}`,
    `let boundFor = null, hot = null;`,
    `const bound = (d) => (d === boundFor ? hot : ((hot = bind(d)), (boundFor = d), hot));`,
  ];
}

/** Compile in process: the emitted text becomes a function of the runtime. */
export function compileModel(model: Model, name?: string, options: ModelOptions = {}): CompiledModel {
  const { body } = emitModel(model, name, options);
  const m = new Function("rt", body)(runtime) as CompiledModel;
  m.source = { body }; // what a worker rebuilds it from
  // findMAP's objective, compiled on first use (shared by withData copies) unless the options emitted it.
  if (!m.impl.mapObjective) {
    let objective: ModelImpl["mapObjective"];
    m.impl.mapObjective = (x, d) => (objective ??= compileMapObjective(model))(x, d);
  }
  return m;
}

/**
 * A model declaration: the build pass compiles it ahead of time; without the build step it is
 * compiled here, at run time, into the same CompiledModel.
 */
export function model(builder: Builder, options?: ModelOptions): CompiledModel;
export function model(name: string, builder: Builder, options?: ModelOptions): CompiledModel;
export function model(a: string | Builder, b?: Builder | ModelOptions, c?: ModelOptions): CompiledModel {
  const [name, builder, options] = typeof a === "string" ? [a, b as Builder, c] : ["model", a, b as ModelOptions | undefined];
  const checked = modelOptions(options);
  return compileModel(Model.build(name, builder, { coords: checked.coords }), name, checked);
}

/** The options of a model() call, checked (a build-time error names what is wrong). */
export function modelOptions(options: unknown): ModelOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) throw new Error(`model(): options must be an object, got ${String(options)}`);
  for (const [key, value] of Object.entries(options)) {
    if (key === "simd" || key === "findMAP") {
      if (typeof value !== "boolean") throw new Error(`model(): option ${key} must be true or false, got ${String(value)}`);
    } else if (key === "coords") {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        throw new Error("model(): coords must be an object of label arrays by dimension name");
    } else {
      throw new Error(`model(): unknown option '${key}' (known: simd, coords, findMAP)`);
    }
  }
  return options as ModelOptions;
}

export { Variable };
