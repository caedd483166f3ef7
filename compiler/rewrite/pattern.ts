// A small pattern language for rewrites: rules are data (pattern → replacement), applied bottom-up
// to a fixpoint, with duplicate subgraphs merged as the graph is rebuilt.
import { type Apply, Constant, type Variable } from "../graph/basic.js";
import { toposort } from "../graph/traversal.js";
import { DimShuffle } from "../ops/dimshuffle.js";

/**
 * The printed name (before `{`) of every op a pattern may name, so that a misspelt name fails `tsc`
 * instead of silently never matching. test/names.test.ts checks that each is the name of a real op
 * and that every scalar op of compiler/ops/elemwise.ts and special.ts is here. (RandomVariables,
 * named after their distribution, e.g. `normal_rv`, are not matched by name.)
 */
export const OP_NAMES = [
  // elementwise (compiler/ops/elemwise.ts)
  "Add",
  "Sub",
  "Mul",
  "True_div",
  "Pow",
  "Neg",
  "Abs",
  "Sign",
  "Exp",
  "Log",
  "Log1p",
  "Expm1",
  "Sqrt",
  "Sqr",
  "Sin",
  "Cos",
  "Tanh",
  "Sigmoid",
  "Softplus",
  "Erf",
  "Erfc",
  "Erfcx",
  "Gammaln",
  "Psi",
  "TriGamma",
  "Maximum",
  "Minimum",
  "Gt",
  "Ge",
  "Lt",
  "Le",
  "Eq",
  "Neq",
  "AND",
  "OR",
  "Invert",
  "IsNan",
  "IsInf",
  "Switch",
  "Clip",
  "Second",
  // elementwise special functions (compiler/ops/special.ts)
  "Floor",
  "Ceil",
  "ArcTan",
  "Log1mexp",
  "BetaLn",
  "GammaInc",
  "GammaIncC",
  "GammaIncGrad",
  "BetaInc",
  "BetaIncGradA",
  "BetaIncGradB",
  "I0e",
  "I1e",
  // reductions, shapes, views, indexing, joins, linear algebra, fused loops
  "Sum",
  "Prod",
  "Max",
  "Min",
  "All",
  "Any",
  "ExpandDims",
  "DropDims",
  "Transpose",
  "DimShuffle",
  "Shape",
  "Shape_i",
  "Reshape",
  "Subtensor",
  "IncSubtensor",
  "AdvancedSubtensor1",
  "AdvancedIncSubtensor1",
  "MakeVector",
  "Join",
  "Split",
  "Dot",
  "DotTransposed",
  "Cholesky",
  "CholeskyGrad",
  "SolveTriangular",
  "Tril",
  "Check",
  "DeepCopyOp",
  "ZeroGrad",
  "Composite",
] as const;

/** The name of an op (its printed name before `{`), as a pattern names it. */
export type OpName = (typeof OP_NAMES)[number];

/** What a pattern's `op` may be: an op name, or `"*"` for any op. */
export type OpPattern = OpName | "*";

/**
 * - a string binds any variable to that name (the same name twice must be the same variable);
 * - `{ op, args? }` matches a node whose op is named `op` (the op's printed name before `{`),
 *   or one of several names, or any op for `"*"`; without `args` the inputs are not inspected;
 *   `commute: true` also tries the two inputs of a binary op swapped;
 * - `{ constant, as? }` matches a constant (possibly broadcast with ExpandDims) whose elements all
 *   satisfy the value or predicate;
 * - `{ var, where }` binds a variable that satisfies a side condition (e.g. `nonNegative`).
 * Every object form takes `where`, a side condition on the matched variable.
 */
export type Pattern =
  | string
  | { op: OpPattern | readonly OpPattern[]; args?: readonly Pattern[]; as?: string; commute?: boolean; where?: Where }
  | { constant: number | ((x: number) => boolean); as?: string; where?: Where }
  | { var: string; where: Where };

/** A side condition on a matched variable. */
export type Where = (v: Variable) => boolean;

export type Bindings = Record<string, Variable>;

export interface Rule {
  /** The identity the rule encodes, e.g. `log(exp(x)) → x`. */
  readonly name: string;
  readonly pattern: Pattern;
  /** The replacement, or null when a side condition fails. */
  readonly replace: (b: Bindings, matched: Variable) => Variable | null;
}

// Ops are immutable: their name is computed once (rules ask for it at every node of every pass).
const opNames = new WeakMap<object, string>();

export function opName(node: Apply): string {
  let name = opNames.get(node.op);
  if (name === undefined) {
    const text = String(node.op);
    const brace = text.indexOf("{");
    opNames.set(node.op, (name = brace === -1 ? text : text.slice(0, brace)));
  }
  return name;
}

/** The constant behind `v`, looking through ExpandDims (which only adds unit dims) and fills. */
export function constantValue(v: Variable): Constant | null {
  let cur = v;
  for (;;) {
    const node = cur.owner;
    if (node && node.op instanceof DimShuffle && node.op.isView) cur = node.inputs[0];
    // A fill (second(x, c)) holds c everywhere: its value is c's.
    else if (node && opName(node) === "Second") cur = node.inputs[1];
    else break;
  }
  return cur instanceof Constant ? cur : null;
}

/** The single value of a constant whose elements are all equal, else null. */
export function uniformValue(v: Variable): number | null {
  const c = constantValue(v);
  if (!c || c.data.length === 0) return null;
  const x = c.data[0];
  for (let i = 1; i < c.data.length; i++) if (!Object.is(c.data[i], x)) return null;
  return x;
}

export function match(pattern: Pattern, v: Variable, b: Bindings = {}): Bindings | null {
  if (typeof pattern === "string") {
    if (pattern in b) return b[pattern] === v ? b : null;
    return { ...b, [pattern]: v };
  }
  if (pattern.where && !pattern.where(v)) return null;
  if ("var" in pattern) return match(pattern.var, v, b);
  if ("constant" in pattern) {
    const x = uniformValue(v);
    if (x === null) return null;
    const ok = typeof pattern.constant === "number" ? x === pattern.constant : pattern.constant(x);
    if (!ok) return null;
    return pattern.as ? { ...b, [pattern.as]: v } : b;
  }
  const node = v.owner;
  if (!node) return null;
  const names: readonly string[] = typeof pattern.op === "string" ? [pattern.op] : pattern.op;
  if (!names.includes("*") && !names.includes(opName(node))) return null;
  const bound: Bindings = pattern.as ? { ...b, [pattern.as]: v } : b;
  const args = pattern.args;
  if (!args) return bound;
  if (args.length !== node.inputs.length) return null;
  const straight = matchArgs(args, node.inputs, bound);
  if (straight || !pattern.commute || node.inputs.length !== 2) return straight;
  return matchArgs(args, [node.inputs[1], node.inputs[0]], bound);
}

// (A function of its own, not a closure made per match: rules are matched at every node of every pass.)
function matchArgs(args: readonly Pattern[], inputs: readonly Variable[], bound: Bindings): Bindings | null {
  let out: Bindings | null = bound;
  for (let i = 0; i < args.length && out; i++) out = match(args[i], inputs[i], out);
  return out;
}

/** A replacement may not change what the user sees: same rank and dtype, no lost broadcast dims. */
export function compatible(original: Variable, replacement: Variable): boolean {
  if (original.ndim !== replacement.ndim || original.dtype !== replacement.dtype) return false;
  return original.type.shape.every((d, k) => {
    const r = replacement.type.shape[k];
    if (r === null) return true;
    return d === r;
  });
}

export interface RewriteStats {
  /** How many times each rule fired. */
  fired: Map<string, number>;
}

export const MAX_PASSES = 50;

/**
 * What the loop does when it stops at MAX_PASSES without reaching a fixpoint (rules that keep
 * undoing each other, or one that always finds more to do): every rewrite keeps the values, so the
 * graph is still right, only maybe not as simple as it could be. A warning by default; an error
 * where the environment says TSMC_REWRITE_LIMIT=throw (the test suite does, test/setup.ts).
 */
function limitReached(firing: string[]): void {
  const message =
    `tsmc: the rewrites stopped after ${MAX_PASSES} passes without reaching a fixpoint` +
    (firing.length ? ` (still firing: ${firing.map((n) => `'${n}'`).join(", ")})` : " (nodes still merging)") +
    "; the graph computes the same values, but may not be fully simplified";
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.TSMC_REWRITE_LIMIT === "throw") throw new Error(message);
  console.warn(message);
}

/**
 * Rewrite `outputs` with `rules` until nothing changes. Pure: returns new outputs and leaves the
 * input graph as it was. Nodes with the same op and inputs, and equal constants, are merged.
 */
export function rewrite(outputs: readonly Variable[], rules: readonly Rule[], stats?: RewriteStats): Variable[] {
  let current = [...outputs];
  // Nodes no rule changed: a rule reads only the graph below a node, which a node that is kept
  // keeps, so later passes skip them (a long graph would otherwise be matched again in full).
  const settled = new WeakSet<Variable>();
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    // The last pass counts its rules apart, to name those still firing if it is not the end.
    const last = pass === MAX_PASSES - 1 ? { fired: new Map<string, number>() } : undefined;
    const { result, changed } = rewritePass(current, rules, settled, last ?? stats);
    if (last && stats) for (const [name, n] of last.fired) stats.fired.set(name, (stats.fired.get(name) ?? 0) + n);
    current = result;
    if (!changed) return current;
    if (last) limitReached([...last.fired.keys()]);
  }
  return current;
}

function rewritePass(outputs: readonly Variable[], rules: readonly Rule[], settled: WeakSet<Variable>, stats?: RewriteStats) {
  const memo = new Map<Variable, Variable>();
  const nodes = new Map<string, Apply>();
  const constants = new Map<string, Constant>();
  let changed = false;
  const canon = (v: Variable): Variable => {
    const m = memo.get(v);
    if (m) return m;
    if (v instanceof Constant) {
      const sig = `${v.signature}|${v.name ?? ""}`;
      const seen = constants.get(sig);
      if (seen && seen !== v) changed = true;
      if (!seen) constants.set(sig, v);
      return seen ?? v;
    }
    return v;
  };
  // Plain loops below, no closures per node: this runs at every node of every pass.
  for (const node of toposort(outputs)) {
    const inputs = node.inputs.map(canon);
    let key = `${node.op.key}(`;
    let same = true;
    for (let i = 0; i < inputs.length; i++) {
      key += i ? `,${inputs[i].id}` : `${inputs[i].id}`;
      same &&= inputs[i] === node.inputs[i];
    }
    key += ")";
    let rebuilt = nodes.get(key);
    if (rebuilt) {
      if (rebuilt !== node) changed = true;
    } else {
      if (same) rebuilt = node;
      else {
        rebuilt = node.op.makeNode(...inputs);
        for (let i = 0; i < rebuilt.outputs.length; i++) rebuilt.outputs[i].name = node.outputs[i].name;
        changed = true;
      }
      nodes.set(key, rebuilt);
    }
    for (let i = 0; i < node.outputs.length; i++) {
      let v = rebuilt.outputs[i];
      if (node.outputs.length === 1 && !settled.has(v)) {
        const r = applyRules(v, rules, stats);
        if (r !== v) {
          changed = true;
          v = r;
        } else settled.add(v);
      }
      memo.set(node.outputs[i], v);
    }
  }
  return { result: outputs.map((v) => memo.get(v) ?? canon(v)), changed };
}

/** Rules by the op name their pattern starts with; rules that match any op are in every list. */
const indexes = new WeakMap<readonly Rule[], (name: string) => readonly Rule[]>();

function ruleIndex(rules: readonly Rule[]): (name: string) => readonly Rule[] {
  const cached = indexes.get(rules);
  if (cached) return cached;
  const heads = rules.map((r) => {
    const p = r.pattern;
    if (typeof p === "string" || !("op" in p)) return null;
    const names: readonly string[] = typeof p.op === "string" ? [p.op] : p.op;
    return names.includes("*") ? null : names;
  });
  const byName = new Map<string, Rule[]>();
  const lookup = (name: string): readonly Rule[] => {
    let list = byName.get(name);
    if (!list) byName.set(name, (list = rules.filter((_, i) => heads[i] === null || heads[i]!.includes(name))));
    return list;
  };
  indexes.set(rules, lookup);
  return lookup;
}

/** Rules tried again on a node's replacement within one pass (the rest waits for the next pass). */
const MAX_REWRITES_PER_NODE = 8;

function applyRules(v: Variable, rules: readonly Rule[], stats?: RewriteStats): Variable {
  const lookup = ruleIndex(rules);
  let cur = v;
  for (let round = 0; round < MAX_REWRITES_PER_NODE && cur.owner; round++) {
    const next = applyOnce(cur, lookup(opName(cur.owner)), stats);
    if (next === cur) break;
    cur = next;
  }
  return cur;
}

function applyOnce(v: Variable, rules: readonly Rule[], stats?: RewriteStats): Variable {
  for (const rule of rules) {
    const b = match(rule.pattern, v);
    if (!b) continue;
    const r = rule.replace(b, v);
    if (!r || r === v || !compatible(v, r)) continue;
    stats?.fired.set(rule.name, (stats.fired.get(rule.name) ?? 0) + 1);
    return r;
  }
  return v;
}
