// The compiler's journey, in one place and in order. Every compiled graph goes this way, in
// process and ahead of time alike (the build pass writes the text the in-process path
// instantiates):
//
//   model() ─▶ 1. deriveModelGraphs: the log density in value space (model.logp: transforms, Jacobians,
//               parameter checks as bounds), its gradient (grad, reverse mode), the per-term sums,
//               the draws, the constrained values and the posterior-predictive draws
//   pt.fn ───▶ 2. optimize: the rewrite groups in PyTensor's order, each to a fixpoint
//                  a. BLAS: dot products, before constant folding could transpose a data matrix
//                  b. canonicalize + simplify + reductions + constant folding (by the emitter)
//                  c. stabilize, with the canonical rules
//                  d. specialize, with the canonical rules
//                  e. divisions by fixed arrays (constants, a model's data) become products
//             3. hotGraphs (a model's logp and gradient only): the hot forms, then what depends on
//                data only is cut out into `prepare`, computed once per data binding
//             4. fuse: one loop per iteration space (compiler/rewrite/fuse.ts)
//             5. emit: straight-line JavaScript (compiler/emit/js.ts; compiler/model/compile.ts
//                assembles a model's functions into one module body), and instantiate in process
import { type Apply, Constant, Variable } from "./graph/basic.js";
import { cloneReplace, graphInputs, toposort } from "./graph/traversal.js";
import { isFloat } from "./graph/type.js";
import { emitFunction, type EmittedFunction } from "./emit/js.js";
import { grad } from "./grad.js";
import { zerosLike } from "./ops/elemwise.js";
import { RandomGeneratorSharedVariable } from "./ops/random.js";
import { canonicalize } from "./rewrite/canonicalize.js";
import { constantFold, type NodeEvaluator } from "./rewrite/constant-fold.js";
import { blasRules, fuseElemwise } from "./rewrite/fuse.js";
import { rewrite, type RewriteStats, type Rule } from "./rewrite/pattern.js";
import { reductions } from "./rewrite/reductions.js";
import { optimizeScans } from "./rewrite/scan.js";
import { simplify } from "./rewrite/simplify.js";
import { fixedArray, hotForms, reciprocalOfFixed, specialize } from "./rewrite/specialize.js";
import { stabilize } from "./rewrite/stabilize.js";
import { dropZeroGrad } from "./ops/zero-grad.js";
import * as pt from "./tensor.js";
import { expandCustomDraws } from "./distributions/customdist.js";
import { boundedLogp } from "./model/compile-graphs.js";
import type { Model } from "./model/model.js";
import * as runtime from "../runtime/index.js";
import type { NDArray } from "../runtime/index.js";

export type Value = number | NDArray;

// ── 1. A model's graphs ─────────────────────────────────────────────────────────────────────────

export interface ModelGraphs {
  /** The joint log density in value space, -inf outside the support. */
  logp: Variable;
  /** Its gradient by value variable (zeros for discrete ones, which have none). */
  grads: Variable[];
  /** The log density of each RV and Potential, summed (logpTerms). */
  terms: Variable[];
  /** Forward draws: every basic RV, then every Deterministic. */
  draws: Variable[];
  drawRngs: RandomGeneratorSharedVariable[];
  /** Free RVs on their constrained scale, then Deterministics, from a point in value space. */
  constrained: Variable[];
  /** Observed RVs drawn given values of the free RVs (posterior predictive) ... */
  predicted: Variable[];
  /** ... which are these roots, one per free RV. */
  freeRoots: Variable[];
  predictRngs: RandomGeneratorSharedVariable[];
  /** The elementwise log density of each observed RV given the same roots (ArviZ's log_likelihood). */
  logLikelihood: Variable[];
}

const rngsOf = (outs: Variable[]) => graphInputs(outs).filter((v): v is RandomGeneratorSharedVariable => v instanceof RandomGeneratorSharedVariable);

export function deriveModelGraphs(model: Model): ModelGraphs {
  const valueVars = model.valueVars;
  const [logp] = boundedLogp([model.logp()]);
  const grads = valueGradients(logp, valueVars);
  const terms = boundedLogp(model.logp({ sum: false })).map((t) => pt.sum(t));
  // A CustomDist with a `dist` graph is drawn through that graph.
  const draws = expandCustomDraws([...model.basicRVs, ...model.deterministics]);
  const replace = model.valueReplacements();
  const constrained = [...model.freeRVs.map((rv) => replace.get(rv)!), ...cloneReplace(model.deterministics, replace)];
  const freeRoots = model.freeRVs.map((rv) => new Variable(rv.type, null, 0, rv.name));
  const predicted = cloneReplace(expandCustomDraws(model.observedRVs), new Map(model.freeRVs.map((rv, i) => [rv, freeRoots[i]])));
  const logLikelihood = boundedLogp(model.observedLogp(freeRoots));
  return { logp, grads, terms, draws, drawRngs: rngsOf(draws), constrained, predicted, freeRoots, predictRngs: rngsOf(predicted), logLikelihood };
}

/**
 * logp canonicalised and stabilised (not yet specialised), to differentiate: the chain rule through
 * an unstabilised form carries its overflow into the gradient (d log(1 - x^a) at x = sigmoid(50),
 * where 1 - x^a rounds to 0, is -inf; of the stabilised log1mexp(-a softplus(-y)), finite).
 */
function stabilized(logp: Variable): Variable {
  // ZeroGrad stays: what it stops (pt.zeroGrad in a Potential, say) is for the gradient to see
  const keep = (rules: Rule[]) => rules.filter((r) => r !== dropZeroGrad);
  const [canonical, stable] = phasesOf(evaluateNode);
  return rewrite(rewrite([logp], keep(canonical)), keep(stable))[0];
}

/** The gradient of `logp`'s stabilised form by value variable (zeros for discrete ones, which have none). */
export function valueGradients(logp: Variable, valueVars: readonly Variable[]): Variable[] {
  const continuous = valueVars.filter((v) => isFloat(v.dtype));
  const grads = continuous.length ? grad(stabilized(logp), continuous, { disconnectedInputs: "zero" }) : [];
  return valueVars.map((v) => (isFloat(v.dtype) ? grads[continuous.indexOf(v)] : zerosLike(v)));
}

// ── 2. The rewrites ─────────────────────────────────────────────────────────────────────────────

/** Steps 2b–2d: each phase runs its rules, with the canonical ones, to a fixpoint before the next. */
export function rewritePhases(evaluate: NodeEvaluator): Rule[][] {
  const fold = constantFold(evaluate);
  const canonical = [dropZeroGrad, ...canonicalize, ...simplify, ...reductions, fold];
  return [canonical, [...stabilize, ...canonical], [...specialize, ...canonical]];
}

const phaseCache = new WeakMap<NodeEvaluator, Rule[][]>();

function phasesOf(evaluate: NodeEvaluator): Rule[][] {
  let phases = phaseCache.get(evaluate);
  if (!phases) phaseCache.set(evaluate, (phases = rewritePhases(evaluate)));
  return phases;
}

/** Steps 2b–2d with a given constant evaluator (tests and benchmarks use this directly). */
export function optimize(outputs: readonly Variable[], opts: { evaluate: NodeEvaluator; stats?: RewriteStats }): Variable[] {
  let current = [...outputs];
  for (const rules of phasesOf(opts.evaluate)) current = rewrite(current, rules, opts.stats);
  return current;
}

/**
 * Step 2 whole, then (unless `fuse: false`) step 4: what every compiled graph gets. `fixedRoots`
 * are inputs that do not change between calls (a model's data), divided by as constants are.
 */
export function compileGraph(
  outputs: readonly Variable[],
  stats?: RewriteStats,
  opts: { fuse?: boolean; fixedRoots?: ReadonlySet<Variable> } = {},
): Variable[] {
  const optimized = optimize(rewrite(outputs, blasRules, stats), { evaluate: evaluateNode, stats });
  // Once the algebra is done (it would fold them back into quotients): divisions by arrays that do
  // not change between calls become products with their reciprocals.
  const reciprocals = [reciprocalOfFixed(fixedArray(opts.fixedRoots)), constantFold(evaluateNode)];
  const rewritten = rewrite(optimized, reciprocals, stats);
  const looped = optimizeScans(rewritten, opts.fuse === false ? "rewritten" : "fused", compileInner);
  return opts.fuse === false ? looped : fuseElemwise(looped);
}

/** A Scan's body: the same pipeline (compiler/rewrite/scan.ts). */
const compileInner = {
  rewrite: (outputs: Variable[]) => compileGraph(outputs, undefined, { fuse: false }),
  fuse: (outputs: Variable[]) => fuseElemwise(optimizeScans(outputs, "fused", compileInner)),
};

// ── 3. A model's hot path ───────────────────────────────────────────────────────────────────────

export interface HotGraphs {
  /** logp, then the gradient, with the data-only parts replaced by `prepared` roots. */
  graphs: Variable[];
  /** The data-only parts, computed once per data binding (`prepare`) ... */
  frontier: Variable[];
  /** ... and the roots that stand for them in `graphs`. */
  prepared: Variable[];
}

/**
 * logp and its gradient rewritten together, so that they share what depends on data only; that
 * part is cut out of the hot functions. Not fused yet: the emitter fuses each hot function alone.
 */
export function hotGraphs(logp: Variable, grads: Variable[], dataVars: Variable[]): HotGraphs {
  const fold = constantFold(evaluateNode);
  const hot = optimizeScans(
    hotForms.reduce((g, rules) => rewrite(g, [...rules, fold]), compileGraph([logp, ...grads], undefined, { fuse: false, fixedRoots: new Set(dataVars) })),
    "fused",
    compileInner,
  );
  const frontier = dataFrontier(hot, new Set(dataVars));
  const prepared = frontier.map((v) => new Variable(v.type, null, 0, null));
  const graphs = frontier.length ? cloneReplace(hot, new Map(frontier.map((v, i) => [v, prepared[i]]))) : hot;
  return { graphs, frontier, prepared };
}

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
  // A number a scalar op makes of such numbers (a step count from arrays' lengths): those numbers.
  // (A walk with its own stack: a long chain of such numbers must not overflow the call stack.)
  const seen = new Set<Variable>();
  const addWorth = (start: Variable): void => {
    const stack = [start];
    while (stack.length) {
      const v = stack.pop()!;
      if (seen.has(v) || kindOf(v) !== "data" || !v.owner) continue;
      seen.add(v);
      if (worth(v)) frontier.add(v);
      else stack.push(...v.owner.inputs);
    }
  };
  for (const n of nodes) {
    if (n.outputs.some((o) => kindOf(o) === "data")) continue;
    n.inputs.forEach(addWorth);
  }
  for (const g of graphs) if (worth(g)) frontier.add(g);
  return [...frontier];
}

// ── 5. In process: emitted text becomes a function ─────────────────────────────────────────────

/** Turn emitted text into a function (the in-process path; the build pass writes the same text). */
export function instantiate(emitted: EmittedFunction): (...args: unknown[]) => Value[] {
  const body = `${emitted.prelude.join("\n")}\n${emitted.code}\nreturn ${emitted.name};`;
  return new Function("rt", body)(runtime);
}

/**
 * Evaluate one node whose inputs are constants and whose output shapes are static: constant
 * folding (step 2) uses the emitter, like everything else.
 */
export function evaluateNode(node: Apply): Constant[] {
  const emitted = emitFunction([], node.outputs, { name: "fold" });
  const values = instantiate(emitted)();
  return values.map((val, i) => {
    const data = typeof val === "number" ? Float64Array.of(val) : val.data.slice();
    return new Constant(node.outputs[i].type, data);
  });
}
