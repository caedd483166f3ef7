// Canonicalisation: algebraic identities that make a graph smaller without changing its values,
// and a normal form for sums and products (constants combined, terms cancelled), as PyTensor's
// AlgebraicCanonizer. Like PyTensor, x / x is 1, x - x is 0 and 0 * x is 0 for a symbolic x.
import type { Variable } from "../graph/basic.js";
import { add, div, exp, ge, mul, neg, sub, switchOp, abs, second } from "../ops/elemwise.js";
import { floatConst } from "../ops/constant.js";
import { compatible, constantValue, opName, uniformValue, type Rule } from "./pattern.js";
import { fillLike, isNormalNumber, nonNegative, sameNode, scalarConstant, scalarLike } from "./facts.js";

/**
 * Most factors looked at for one node (the walk stops after twice as many nodes). The rule runs
 * at every Mul and True_div, so an unbounded walk would make a long chain of products quadratic;
 * factors further down are simply not cancelled.
 */
const MAX_FACTORS = 64;

/** The most nodes a flattening walk visits (it gives up beyond). */
const MAX_VISITS = 2 * MAX_FACTORS + 1;

/**
 * How many nodes the flattening walk from `v` visits (a tree walk: a shared node counts each time
 * it is reached), up to MAX_VISITS + 1: `inner` ops are walked through (a negation's one input, the
 * others' two), anything else ends the walk. Kept per variable (graphs are immutable), so that a
 * node of a long chain learns that its walk would give up without walking: a walk of every node
 * of the chain would cost MAX_VISITS steps each.
 */
function walkSize(v: Variable, inner: ReadonlySet<string>, sizes: WeakMap<Variable, number>): number {
  const walked = (x: Variable) => x.owner !== null && inner.has(opName(x.owner));
  const children = (x: Variable) => (opName(x.owner!) === "Neg" ? [x.owner!.inputs[0]] : x.owner!.inputs.slice(0, 2));
  const stack = [v];
  while (stack.length) {
    const x = stack[stack.length - 1];
    if (sizes.has(x)) {
      stack.pop();
      continue;
    }
    const pending = children(x).filter((c) => walked(c) && !sizes.has(c));
    if (pending.length) {
      stack.push(...pending);
      continue;
    }
    stack.pop();
    let size = 1;
    for (const c of children(x)) size = Math.min(MAX_VISITS + 1, size + (walked(c) ? sizes.get(c)! : 1));
    sizes.set(x, size);
  }
  return sizes.get(v)!;
}

const PRODUCT_OPS: ReadonlySet<string> = new Set(["Mul", "True_div", "Neg"]);
const SUM_OPS: ReadonlySet<string> = new Set(["Add", "Sub", "Neg"]);
const productSizes = new WeakMap<Variable, number>();
const sumSizes = new WeakMap<Variable, number>();

/**
 * A factor may be cancelled unless it is a constant with a zero or non-finite entry: b / b = 1 is
 * assumed for a symbolic b (as PyTensor does), but 0 * (x / 0) is NaN, not x.
 */
function cancellable(v: Variable): boolean {
  const c = constantValue(v);
  return c === null || c.data.every((x) => x !== 0 && Number.isFinite(x));
}

/** The scalar broadcast by `second(r, c)` with a scalar constant c, and r (which gives the shape). */
function constantFill(v: Variable): [number, Variable] | null {
  // A constant array of one value is a fill too: its own shape is what it adds.
  const k = constantValue(v) ? uniformValue(v) : null;
  if (k !== null) return [k, v];
  const node = v.owner;
  if (!node || opName(node) !== "Second") return null;
  const c = scalarConstant(node.inputs[1]);
  return c === null ? null : [c, node.inputs[0]];
}

/** Remove entries that appear in both lists (once per pair); returns the entries removed. */
function cancelPairs(a: Variable[], b: Variable[]): Variable[] {
  const removed: Variable[] = [];
  for (let i = b.length - 1; i >= 0; i--) {
    const j = a.indexOf(b[i]);
    if (j === -1 || !cancellable(b[i])) continue;
    removed.push(b[i]);
    a.splice(j, 1);
    b.splice(i, 1);
  }
  return removed;
}

/**
 * The rebuilt tree, broadcast by `second` to the shape a folded fill gave (when it no longer has
 * it), or null when it is the node we started from.
 */
function finish(out: Variable, v: Variable, refs: Variable[]): Variable | null {
  if (!compatible(v, out) && refs.length) out = second(refs[0], out);
  return sameNode(out, v) ? null : out;
}

const product = (vs: Variable[]): Variable | null => (vs.length ? vs.reduce((a, b) => mul(a, b)) : null);

/**
 * The product/quotient canonizer: flattens a tree of Mul, True_div and Neg, combines scalar
 * constants (num and den separately), cancels factors above and below, and merges exp factors
 * (exp(a) * exp(b) / exp(c) = exp(a + b - c)). Returns null when the tree is already canonical.
 */
function canonicalProduct(v: Variable): Variable | null {
  const num: Variable[] = [];
  const den: Variable[] = [];
  const refs: Variable[] = [];
  let cn = 1;
  let cd = 1;
  let numConsts = 0;
  let denConsts = 0;
  let negs = 0;
  let special = false; // a constant factor that is 0, infinite or NaN
  if (walkSize(v, PRODUCT_OPS, productSizes) > MAX_VISITS) return null;
  const stack: [Variable, boolean][] = [[v, false]];
  for (let visited = 0; stack.length; visited++) {
    if (visited >= MAX_VISITS) return null;
    const [x, inverted] = stack.pop()!;
    const node = x.owner;
    const name = node ? opName(node) : "";
    // A product or a negation is never a constant: the constant tests (walks of their own) are skipped.
    const inner = name === "Mul" || name === "True_div" || name === "Neg";
    const c = inner ? null : scalarConstant(x);
    const fill = c === null && !inner ? constantFill(x) : null;
    if (c !== null || fill) {
      const value = c ?? fill![0];
      if (value === 0 || !Number.isFinite(value)) special = true;
      if (fill) refs.push(fill[1]);
      if (inverted) (cd *= value), denConsts++;
      else (cn *= value), numConsts++;
    } else if (node && (name === "Mul" || name === "True_div")) {
      stack.push([node.inputs[1], name === "True_div" ? !inverted : inverted], [node.inputs[0], inverted]);
    } else if (node && name === "Neg" && x !== v) {
      negs++;
      stack.push([node.inputs[0], inverted]);
    } else {
      (inverted ? den : num).push(x);
    }
  }
  if (negs % 2) cn = -cn;
  const removed = cancelPairs(num, den);
  // exp(a) * exp(b) / exp(c) → exp(a + b - c)
  const isExp = (f: Variable) => f.owner !== null && opName(f.owner) === "Exp";
  const expFactors = [...num, ...den].filter(isExp);
  // Only distinct exps: exp(x) * exp(x) is a product of one shared node, cheaper than exp(x + x).
  const exps = new Set(expFactors).size === expFactors.length ? expFactors.length : 0;
  if (exps >= 2) {
    let arg: Variable | null = null;
    for (const f of num.filter(isExp)) arg = arg ? add(arg, f.owner!.inputs[0]) : f.owner!.inputs[0];
    for (const f of den.filter(isExp)) arg = arg ? sub(arg, f.owner!.inputs[0]) : neg(f.owner!.inputs[0]);
    const kept = num.filter((f) => !isExp(f));
    den.splice(0, den.length, ...den.filter((f) => !isExp(f)));
    num.splice(0, num.length, exp(arg!), ...kept);
  }
  const consts = numConsts + denConsts;
  const symbolic = num.length + den.length;
  const c = cn / cd;
  // Combined constants that overflow or underflow would change the value (x / 1e-300 / 1e-300 is
  // not x / 0, nor x * (1 / 5e-324) = x * Infinity): such a tree is left as written.
  if (!special && ![cn, cd, c].every(isNormalNumber)) return null;
  const changed =
    removed.length > 0 ||
    exps >= 2 ||
    negs > 0 ||
    refs.length > 0 ||
    consts >= 2 ||
    c === 0 ||
    (numConsts === 1 && (c === 1 || c === -1) && num.length > 0) ||
    (denConsts === 1 && (cd === 1 || cd === -1));
  if (!changed) return null;
  const shapeRef = [...removed, ...refs, ...num, ...den][0] ?? null;
  if (symbolic === 0 || c === 0) return fillLike(v, c, shapeRef);
  const top = product(num);
  const bottom = product(den);
  let body: Variable | null;
  if (top && bottom) body = div(top, bottom);
  else if (top) body = top;
  else {
    const k = scalarLike(c, v);
    return k ? finish(div(k, bottom!), v, refs) : null;
  }
  let out: Variable | null = body;
  if (c === -1) out = neg(body);
  else if (c !== 1) {
    // Keep a division by a constant a division (a * b / (b * 2) is a / 2, not 0.5 * a).
    const divide = denConsts > 0 && cn === 1;
    const k = scalarLike(divide ? cd : c, v);
    out = k ? (divide ? div(body, k) : mul(k, body)) : null;
  }
  return out ? finish(out, v, refs) : null;
}

/**
 * The sum canonizer: flattens a tree of Add, Sub and Neg, combines scalar constants and cancels
 * terms added and subtracted (x + y - x → y). Returns null when the tree is already canonical.
 */
function canonicalSum(v: Variable): Variable | null {
  const pos: Variable[] = [];
  const negTerms: Variable[] = [];
  const refs: Variable[] = [];
  let c = 0;
  let consts = 0;
  let negs = 0;
  if (walkSize(v, SUM_OPS, sumSizes) > MAX_VISITS) return null;
  const stack: [Variable, boolean][] = [[v, false]];
  for (let visited = 0; stack.length; visited++) {
    if (visited >= MAX_VISITS) return null;
    const [x, negated] = stack.pop()!;
    const node = x.owner;
    const name = node ? opName(node) : "";
    // A sum or a negation is never a constant: the constant tests (walks of their own) are skipped.
    const inner = name === "Add" || name === "Sub" || name === "Neg";
    const k = inner ? null : scalarConstant(x);
    const fill = k === null && !inner ? constantFill(x) : null;
    if (k !== null || fill) {
      if (fill) refs.push(fill[1]);
      c += negated ? -(k ?? fill![0]) : (k ?? fill![0]);
      consts++;
    } else if (node && (name === "Add" || name === "Sub")) {
      stack.push([node.inputs[1], name === "Sub" ? !negated : negated], [node.inputs[0], negated]);
    } else if (node && name === "Neg" && x !== v) {
      negs++;
      stack.push([node.inputs[0], !negated]);
    } else {
      (negated ? negTerms : pos).push(x);
    }
  }
  const removed = cancelPairs(pos, negTerms);
  const symbolic = pos.length + negTerms.length;
  const changed = removed.length > 0 || negs > 0 || refs.length > 0 || consts >= 2 || (consts === 1 && c === 0 && symbolic > 0);
  if (!changed) return null;
  const shapeRef = [...removed, ...refs, ...pos, ...negTerms][0] ?? null;
  if (symbolic === 0) return fillLike(v, c, shapeRef);
  let out: Variable | null = null;
  for (const t of pos) out = out ? add(out, t) : t;
  if (!out && c !== 0) {
    const k = scalarLike(c, v);
    if (!k) return null;
    out = k;
    c = 0;
  }
  // -(a + b) rather than -a - b, so that the result has no Neg inside (it is canonical).
  if (!out) out = neg(negTerms.splice(0).reduce((a, b) => add(a, b)));
  for (const t of negTerms) out = sub(out, t);
  if (c !== 0) {
    const k = scalarLike(Math.abs(c), v);
    if (!k) return null;
    out = c > 0 ? add(out, k) : sub(out, k);
  }
  return finish(out, v, refs);
}

/** x itself where x >= 0 is known, else PyTensor's switch(x >= 0, x, nan) (the identity's domain). */
function nonNegativePart(x: Variable): Variable {
  return nonNegative(x) ? x : switchOp(ge(x, 0), x, floatConst(NaN));
}

const NAN_FREE = (x: number) => !Number.isNaN(x);

export const canonicalize: Rule[] = [
  // log(exp(x)) = x
  { name: "log(exp(x)) → x", pattern: { op: "Log", args: [{ op: "Exp", args: ["x"] }] }, replace: ({ x }) => x },
  // exp(log(x)) = x for x >= 0 (NaN below, as PyTensor's switch keeps it)
  { name: "exp(log(x)) → x", pattern: { op: "Exp", args: [{ op: "Log", args: ["x"] }] }, replace: ({ x }) => nonNegativePart(x) },
  // log1p(expm1(x)) = x
  { name: "log1p(expm1(x)) → x", pattern: { op: "Log1p", args: [{ op: "Expm1", args: ["x"] }] }, replace: ({ x }) => x },
  // expm1(log1p(x)) = x for x >= -1
  {
    name: "expm1(log1p(x)) → x",
    pattern: { op: "Expm1", args: [{ op: "Log1p", args: ["x"] }] },
    replace: ({ x }) => (nonNegative(x) ? x : switchOp(ge(x, -1), x, floatConst(NaN))),
  },
  // -(-x) = x
  { name: "neg(neg(x)) → x", pattern: { op: "Neg", args: [{ op: "Neg", args: ["x"] }] }, replace: ({ x }) => x },
  // -(a - b) = b - a
  { name: "neg(a - b) → b - a", pattern: { op: "Neg", args: [{ op: "Sub", args: ["a", "b"] }] }, replace: ({ a, b }) => sub(b, a) },
  // -(c * x) = (-c) * x for a constant c
  {
    name: "neg(c * x) → (-c) * x",
    pattern: { op: "Neg", args: [{ op: "Mul", args: [{ constant: NAN_FREE, as: "c" }, "x"] }] },
    replace: ({ c, x }, v) => {
      const k = scalarConstant(c);
      const m = k === null ? null : scalarLike(-k, v);
      return m ? mul(m, x) : null;
    },
  },
  // 0 - x = -x
  { name: "0 - x → neg(x)", pattern: { op: "Sub", args: [{ constant: 0 }, "x"] }, replace: ({ x }) => neg(x) },
  // |(|x|)| = |x|, |-x| = |x|, |x| = x for x >= 0
  { name: "abs(abs(x)) → abs(x)", pattern: { op: "Abs", args: [{ op: ["Abs", "Neg"], args: ["x"] }] }, replace: ({ x }) => abs(x) },
  { name: "abs(x) → x for x >= 0", pattern: { op: "Abs", args: [{ var: "x", where: (x) => nonNegative(x) }] }, replace: ({ x }) => x },
  // √(x²) = |x|
  { name: "sqrt(sqr(x)) → abs(x)", pattern: { op: "Sqrt", args: [{ op: "Sqr", args: ["x"] }] }, replace: ({ x }) => abs(x) },
  // (√x)² = x for x >= 0
  {
    name: "sqr(sqrt(x)) → x",
    pattern: { op: ["Sqr", "Pow"], as: "v" },
    replace: ({ v }) => {
      const node = v.owner!;
      const base = node.inputs[0];
      if (opName(node) === "Pow" && scalarConstant(node.inputs[1]) !== 2) return null;
      if (!base.owner || opName(base.owner) !== "Sqrt") return null;
      return nonNegativePart(base.owner.inputs[0]);
    },
  },
  // x ** 1 = x
  { name: "x ** 1 → x", pattern: { op: "Pow", args: ["x", { constant: 1 }] }, replace: ({ x }) => x },
  // x ** 0 = 1
  { name: "x ** 0 → 1", pattern: { op: "Pow", args: ["x", { constant: 0 }] }, replace: ({ x }, v) => fillLike(v, 1, x) },
  // x * 1 = x
  { name: "x * 1 → x", pattern: { op: "Mul", args: ["x", { constant: 1 }] }, replace: ({ x }) => x },
  // 1 * x = x
  { name: "1 * x → x", pattern: { op: "Mul", args: [{ constant: 1 }, "x"] }, replace: ({ x }) => x },
  // x / 1 = x
  { name: "x / 1 → x", pattern: { op: "True_div", args: ["x", { constant: 1 }] }, replace: ({ x }) => x },
  // x + 0 = x
  { name: "x + 0 → x", pattern: { op: "Add", args: ["x", { constant: 0 }] }, replace: ({ x }) => x },
  // 0 + x = x
  { name: "0 + x → x", pattern: { op: "Add", args: [{ constant: 0 }, "x"] }, replace: ({ x }) => x },
  // x - 0 = x
  { name: "x - 0 → x", pattern: { op: "Sub", args: ["x", { constant: 0 }] }, replace: ({ x }) => x },
  // (a * b) / (b * c) = a / c, 2 * (x * 3) = 6 * x, 0 * x = 0, -a * -b = a * b, exp(a) * exp(b) = exp(a + b)
  { name: "cancel common factors", pattern: { op: ["Mul", "True_div"], as: "v" }, replace: ({ v }) => canonicalProduct(v) },
  // (a + b) - a = b, (x + 1) + 2 = x + 3, x - x = 0, a + -b = a - b
  { name: "cancel common terms", pattern: { op: ["Add", "Sub"], as: "v" }, replace: ({ v }) => canonicalSum(v) },
];
