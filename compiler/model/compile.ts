// Compile a Model into a CompiledModel. The model's graphs (logp, its gradient, the per-term
// sums and the forward draw) go through the rewrite pipeline and the one emitter into the text of
// a function body of `rt` that returns the CompiledModel. In process the text becomes a function;
// the build pass writes the same text into the user's bundle.
import { Constant, Variable } from "../graph/basic.js";
import { cloneReplace, graphInputs, toposort } from "../graph/traversal.js";
import { arrayLiteral, emitFunction, jsNumber, sharedConstants, type EmittedFunction } from "../emit/js.js";
import { evaluateNode, rewriteForCompile } from "../function.js";
import { constantFold } from "../rewrite/constant-fold.js";
import { fuseElemwise } from "../rewrite/fuse.js";
import { rewrite } from "../rewrite/pattern.js";
import { hotForms } from "../rewrite/specialize.js";
import { grad } from "../grad.js";
import { isFloat } from "../graph/type.js";
import { zerosLike } from "../ops/elemwise.js";
import * as pt from "../tensor.js";
import { RandomGeneratorSharedVariable } from "../ops/random.js";
import { Model, type Builder } from "./model.js";
import { boundedLogp } from "./compile-graphs.js";
import * as runtime from "../../runtime/index.js";
// Models compiled in process can always sample (the build pass links the sampler only where used).
import "../../runtime/sampler/install.js";
import type { CompiledModel, ModelMeta, ValueVarInfo } from "../../runtime/index.js";

export interface EmittedModel {
  /** Body of a function of `rt` (the tsmc runtime) that returns the CompiledModel. */
  readonly body: string;
  readonly meta: ModelMeta;
}

const sizeOf = (shape: readonly (number | null)[]) => (shape as number[]).reduce((a, b) => a * b, 1);

/**
 * The array-valued parts of `graphs` that depend on data() inputs (and constants) only: they are
 * the same on every call while the data stays bound, so they are computed once per binding
 * (Poisson's log(y!) of observed counts, a data matrix's products with constants, ...).
 */
function dataFrontier(graphs: Variable[], dataVars: Set<Variable>): Variable[] {
  const kind = new Map<Variable, "const" | "data" | "value">();
  const kindOf = (v: Variable) => kind.get(v) ?? (v instanceof Constant ? "const" : dataVars.has(v) ? "data" : "value");
  const nodes = toposort(graphs);
  for (const n of nodes) {
    const ks = n.inputs.map(kindOf);
    const k = ks.includes("value") || (n.op as { foldable?: boolean }).foldable === false ? "value" : ks.includes("data") ? "data" : "const";
    n.outputs.forEach((o) => kind.set(o, k));
  }
  const frontier = new Set<Variable>();
  // Arrays, and numbers made from arrays (a data check, a sum of logs): not what a scalar op makes of
  // a number of data, which costs less than passing it.
  const worth = (v: Variable) => kindOf(v) === "data" && v.owner !== null && (v.ndim > 0 || v.owner.inputs.some((i) => i.ndim > 0));
  for (const n of nodes) {
    if (n.outputs.some((o) => kindOf(o) === "data")) continue;
    for (const v of n.inputs) if (worth(v)) frontier.add(v);
  }
  for (const g of graphs) if (worth(g)) frontier.add(g);
  return [...frontier];
}

function valueVarInfo(model: Model): ValueVarInfo[] {
  let offset = 0;
  return model.freeRVs.map((rv) => {
    const v = model.rvsToValues.get(rv)!;
    const shape = [...(v.type.shape as number[])];
    const info: ValueVarInfo = { name: v.name!, rv: rv.name!, shape, size: sizeOf(shape), offset, transform: model.rvsToTransforms.get(rv)?.name ?? null };
    // Recorded only where true, so that a model's metadata stays as short as it can.
    if (rv.dtype !== "float64") Object.assign(info, { discrete: true });
    offset += info.size;
    return info;
  });
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
  return `rt.nd([${nd.shape.join(", ")}], [${Array.from(nd.data, jsNumber).join(", ")}])`;
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
}

/** Emit the module text of a compiled model. */
export function emitModel(model: Model, name = model.name || "model", options: ModelOptions = {}): EmittedModel {
  const infos = valueVarInfo(model);
  const valueVars = model.valueVars;
  const dataVars = model.dataVars;
  const inputs = [...valueVars, ...dataVars];

  const [logpGraph] = boundedLogp([model.logp()]);
  // Discrete value variables have no gradient: their entries of the flat gradient are zero.
  const continuous = valueVars.filter((v) => isFloat(v.dtype));
  const contGrads = continuous.length ? grad(logpGraph, continuous, { disconnectedInputs: "zero" }) : [];
  const grads = valueVars.map((v) => (isFloat(v.dtype) ? contGrads[continuous.indexOf(v)] : zerosLike(v)));
  const terms = boundedLogp(model.logp({ sum: false })).map((t) => pt.sum(t));
  const drawOutputs = [...model.basicRVs, ...model.deterministics];
  const rngsOf = (outs: Variable[]) =>
    graphInputs(outs).filter((v): v is RandomGeneratorSharedVariable => v instanceof RandomGeneratorSharedVariable);
  const rngs = rngsOf(drawOutputs);
  // Free RVs on their constrained scale and Deterministics, from a point in value space.
  const replace = model.valueReplacements();
  const constrained = [...model.freeRVs.map((rv) => replace.get(rv)!), ...cloneReplace(model.deterministics, replace)];
  // Observed RVs drawn given values of the free RVs (posterior predictive).
  const freeRoots = model.freeRVs.map((rv) => new Variable(rv.type, null, 0, rv.name));
  const predicted = cloneReplace(model.observedRVs, new Map(model.freeRVs.map((rv, i) => [rv, freeRoots[i]])));
  const predictRngs = rngsOf(predicted);
  const orZero = (outs: Variable[]) => (outs.length ? outs : [pt.constant(0.0)]);

  // logp and its gradient are rewritten together, so that they share what depends on data only;
  // that part is computed once per data binding (`prepare`) and cut out of the hot functions.
  // (Divisions by data become products with reciprocals that `prepare` computes once.)
  const fold = constantFold(evaluateNode);
  const hot = hotForms.reduce(
    (g, rules) => rewrite(g, [...rules, fold]),
    rewriteForCompile([logpGraph, ...grads], undefined, { fuse: false, fixedRoots: new Set(dataVars) }),
  );
  const frontier = dataFrontier(hot, new Set(dataVars));
  const prepared = frontier.map((v) => new Variable(v.type, null, 0, null));
  const cut = frontier.length ? cloneReplace(hot, new Map(frontier.map((v, i) => [v, prepared[i]]))) : hot;
  const hotInputs = [...inputs, ...prepared];

  // With data, logp and logpGrad are made per data binding (`bind`), closing over the data and
  // what is prepared from it: loops then read fixed typed arrays, as for constants.
  const bound = dataVars.length > 0;
  const scope = new Map<Variable, string>([
    ...dataVars.map((v, i): [Variable, string] => [v, `$d${i}`]),
    ...prepared.map((v, i): [Variable, string] => [v, `$p${i}`]),
  ]);
  const hotOpts = { ...(bound ? { scope } : {}), simd: options.simd === true };
  // The hot functions read the flat point x themselves (array value variables as views of it,
  // kept while x is the same array; data and prepare's values are bound) and logpGrad writes the
  // flat gradient g.
  const viewSlots = infos.map((v, i) => (v.shape.length === 0 ? null : `$xv${i}`));
  const valueArgs = infos.map((v, i) =>
    v.shape.length === 0 ? `x[${v.offset}]` : `rt.flatView(${viewSlots[i]}, x, ${v.offset}, ${viewSlots[i]}s, ${v.size})`,
  );
  // Small arrays are copied element by element: TypedArray#set costs more than the copy below ~100.
  const writeGradient = (results: string[], aliases: (string | null)[]) => [
    ...infos.map((v, i) =>
      v.shape.length === 0
        ? `g[${v.offset}] = ${results[i + 1]};`
        : v.size <= 128
          ? `for (let i = 0, v = ${aliases[i + 1] ?? `${results[i + 1]}.data`}; i < ${v.size}; i++) g[${v.offset} + i] = v[i];`
          : `rt.writeFlat(g, ${v.offset}, ${results[i + 1]});`,
    ),
    `return ${results[0]};`,
  ];

  // Large constants once: the data read by logp, its gradient, the terms and draw is declared once.
  const shared = sharedConstants();
  const hotFns = [
    // logp and logpGrad hand back numbers only: their buffers are reused, so a warm call allocates nothing.
    emitFunction(hotInputs, fuseElemwise([cut[0]]), {
      name: "logp", constPrefix: "kl", shared, reuseBuffers: true, ...hotOpts,
      entry: { params: ["x"], inputs: valueArgs, finish: (r) => [`return ${r[0]};`] },
    }),
    emitFunction(hotInputs, fuseElemwise(cut), {
      name: "logpGrad", constPrefix: "kg", shared, reuseBuffers: true, ...hotOpts,
      entry: { params: ["x", "g"], inputs: valueArgs, finish: writeGradient },
    }),
  ];
  const fns: EmittedFunction[] = [
    ...hotFns,
    ...(frontier.length ? [emitFunction(dataVars, rewriteForCompile(frontier), { name: "prepare", constPrefix: "kq", shared })] : []),
    emitFunction(inputs, rewriteForCompile(terms.length ? terms : [pt.constant(0.0)]), { name: "terms", constPrefix: "kt", shared }),
    emitFunction([...rngs, ...dataVars], rewriteForCompile(orZero(drawOutputs)), { name: "draw", constPrefix: "kd", shared }),
    emitFunction(inputs, rewriteForCompile(orZero(constrained)), { name: "constrain", constPrefix: "kc", shared }),
    emitFunction([...freeRoots, ...predictRngs, ...dataVars], rewriteForCompile(orZero(predicted)), { name: "predict", constPrefix: "kp", shared }),
  ];

  const dataArgs = dataVars.map((d) => `d[${JSON.stringify(d.name)}]`);
  const args = [...valueArgs, ...dataArgs].join(", ");

  const initial = model.initialPoint();
  const initialFlat: number[] = [];
  for (const v of infos) {
    const value = initial[v.name] as number | { data: Float64Array };
    if (typeof value === "number") initialFlat.push(value);
    else initialFlat.push(...Array.from(value.data));
  }
  const meta: ModelMeta = {
    name,
    size: infos.reduce((a, v) => a + v.size, 0),
    valueVars: infos,
    termNames: [...model.basicRVs, ...model.potentials].map((v) => v.name!),
    data: dataVars.map((d) => ({ name: d.name!, dtype: d.dtype, shape: [...d.type.shape] })),
    initialPoint: initialFlat,
    drawNames: drawOutputs.map((v) => v.name!),
    rngCount: rngs.length,
    constrainedNames: [...model.freeRVs, ...model.deterministics].map((v) => v.name!),
    predictNames: model.observedRVs.map((v) => v.name!),
    predictRngCount: predictRngs.length,
  };
  const defaults = dataVars
    .filter((d) => model.dataValues.has(d))
    .map((d) => `  ${objectKey(d.name!)}: ${literal(model.dataValues.get(d))},`);
  // Observed values for traces (observed_data): the module's own constants, never a second copy.
  const observed: string[] = [];
  for (const rv of model.observedRVs) {
    const v = model.rvsToValues.get(rv)!;
    let expr: string | undefined;
    if (v instanceof Constant) {
      const text = v.ndim === 0 ? jsNumber(v.value) : arrayLiteral(v);
      expr = v.ndim === 0 ? text : shared.byExpr.get(text) ?? (v.data.length <= 1000 ? text : undefined);
    } else if (model.dataValues.has(v)) {
      expr = `defaultData[${JSON.stringify(v.name)}]`;
    }
    if (expr) observed.push(`  ${objectKey(rv.name!)}: ${expr},`);
  }

  const after = [
    ...fns.filter((f) => !bound || !hotFns.includes(f)).map((f) => f.code),
    ...(bound ? bindFunction(dataVars, prepared, hotFns) : []),
    `const meta = ${JSON.stringify(meta)};`,
    `const defaultData = {`,
    ...defaults,
    `};`,
    ...(observed.length ? [`meta.observed = {`, ...observed, `};`] : []),
    `return rt.createModel(meta, {`,
    bound ? `  flat: bound,` : `  flat: () => ({ logp, logpGrad }),`,
    `  terms: (x, d) => terms(${args}),`,
    `  draw: (s, d) => draw(${[...rngs.map((_, i) => `s[${i}]`), ...dataArgs].join(", ")}),`,
    `  constrain: (x, d) => constrain(${args}),`,
    `  predict: (v, s, d) => predict(${[...freeRoots.map((_, i) => `v[${i}]`), ...predictRngs.map((_, i) => `s[${i}]`), ...dataArgs].join(", ")}),`,
    `}, defaultData);`,
  ];
  const body = [
    // A slot and the shape of each array value variable, made once (the hot path allocates nothing).
    ...infos.flatMap((v, i) => (viewSlots[i] ? [`const ${viewSlots[i]} = rt.slot();`, `const ${viewSlots[i]}s = [${v.shape.join(", ")}];`] : [])),
    ...usedConstants([...shared.prelude, ...fns.flatMap((f) => f.prelude)], after.join("\n")),
    ...after,
  ].join("\n");
  return { body, meta };
}

/**
 * The module-level constants that the code reads: one it never reads (a draw's empty `size`, once
 * inlined) would otherwise cost every bundle its bytes.
 */
function usedConstants(constants: string[], code: string): string[] {
  let kept = constants;
  for (let changed = true; changed; ) {
    changed = false;
    const text = `${kept.join("\n")}\n${code}`;
    kept = kept.filter((line) => {
      const name = /^const ([\w$]+) = /.exec(line)?.[1];
      if (!name) return true;
      const uses = text.match(new RegExp(`(?<![\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`, "g"))?.length ?? 0;
      if (uses > 1) return true;
      changed = true;
      return false;
    });
  }
  return kept;
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
  return compileModel(Model.build(name, builder), name, modelOptions(options));
}

/** The options of a model() call, checked (a build-time error names what is wrong). */
export function modelOptions(options: unknown): ModelOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) throw new Error(`model(): options must be an object, got ${String(options)}`);
  for (const [key, value] of Object.entries(options)) {
    if (key !== "simd") throw new Error(`model(): unknown option '${key}' (known: simd)`);
    if (typeof value !== "boolean") throw new Error(`model(): option simd must be true or false, got ${String(value)}`);
  }
  return options as ModelOptions;
}

export { Variable };
