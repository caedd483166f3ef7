// Reductions: a sum over every axis is linear, so it is taken term by term, with the numbers that
// do not change along the data (broadcast scalars) pulled out of it (PyTensor's
// local_sum_prod_mul_by_scalar, local_sum_prod_div_dimshuffle and local_opt_alloc, generalised to
// sums of products). What is left inside a sum is what depends on each element, so the loops that
// compute a log density and its gradient carry one accumulator per distinct term and do the scalar
// arithmetic once: sum(-0.5 * sqr((y - mu) / sigma) - log(sigma)) becomes
// -0.5 * sum(sqr(y - mu)) / sqr(sigma) - n * log(sigma).
import type { Variable } from "../graph/basic.js";
import { add, div, invert, mul, neg, neq, sqr, sub, switchOp } from "../ops/elemwise.js";
import { expandDims } from "../ops/dimshuffle.js";
import { Reduce } from "../ops/reduce.js";
import { shapeI } from "../ops/shape.js";
import { AdvancedIncSubtensor1 } from "../ops/subtensor.js";
import { constant } from "../ops/constant.js";
import { opName, uniformValue, type Rule } from "./pattern.js";
import { scalarUnderViews, scalarConstant, scalarLike } from "./facts.js";

/** The rank-0 value a variable broadcasts everywhere (an expanded scalar, a scalar constant, a fill), or null. */
function scalarOf(v: Variable): Variable | null {
  for (let x = v; ; x = x.owner!.inputs[1]) {
    const k = scalarConstant(x);
    if (k !== null) return scalarLike(k, x);
    const s = scalarUnderViews(x);
    if (s) return s;
    // A fill: the value it fills with.
    if (!x.owner || opName(x.owner) !== "Second") return null;
  }
}

/** `t` covers the whole iteration space of `x`: every dim of `x` that is not 1 is not broadcast in `t`. */
function full(t: Variable, x: Variable): boolean {
  return t.ndim === x.ndim && t.type.shape.every((d, k) => d !== 1 || x.type.shape[k] === 1);
}

interface Term {
  sign: 1 | -1;
  v: Variable;
}

/** The signed terms of a tree of Add, Sub and Neg, left to right (an explicit stack: a sum may be long). */
function terms(v: Variable, sign: 1 | -1, out: Term[]): void {
  const stack: Term[] = [{ sign, v }];
  while (stack.length) {
    const t = stack.pop()!;
    const node = t.v.owner;
    const name = node ? opName(node) : "";
    const flip = -t.sign as 1 | -1;
    // Pushed last first, so that they come off the stack in order.
    if (name === "Add") for (let i = node!.inputs.length - 1; i >= 0; i--) stack.push({ sign: t.sign, v: node!.inputs[i] });
    else if (name === "Sub") stack.push({ sign: flip, v: node!.inputs[1] }, { sign: t.sign, v: node!.inputs[0] });
    else if (name === "Neg") stack.push({ sign: flip, v: node!.inputs[0] });
    else out.push(t);
  }
}

interface Product {
  sign: 1 | -1;
  num: Variable[];
  den: Variable[];
}

/**
 * The factors of a tree of Mul, True_div and Neg (float only: an integer product stays whole), left
 * to right (an explicit stack: a product may be long).
 */
function factors(v: Variable, into: Product, denominator: boolean): void {
  const stack: [Variable, boolean][] = [[v, denominator]];
  while (stack.length) {
    const [x, below] = stack.pop()!;
    const node = x.owner;
    const name = node && x.dtype === "float64" ? opName(node) : "";
    // Pushed last first, so that they come off the stack in order.
    if (name === "Mul") for (let i = node!.inputs.length - 1; i >= 0; i--) stack.push([node!.inputs[i], below]);
    else if (name === "True_div") stack.push([node!.inputs[1], !below], [node!.inputs[0], below]);
    else if (name === "Neg") (into.sign = -into.sign as 1 | -1), stack.push([node!.inputs[0], below]);
    else (below ? into.den : into.num).push(x);
  }
}

const product = (xs: Variable[]): Variable | null => (xs.length ? xs.reduce((a, b) => mul(a, b)) : null);

function quotient(num: Variable[], den: Variable[], like: Variable): Variable {
  const n = product(num);
  const d = product(den);
  if (!d) return n ?? scalarLike(1, like)!;
  return div(n ?? scalarLike(1, like)!, d);
}

/** A product split into what broadcasts (the coefficient's factors) and what varies along the data. */
interface Split {
  sign: 1 | -1;
  coefNum: Variable[];
  coefDen: Variable[];
  tensorNum: Variable[];
  tensorDen: Variable[];
}

function split(v: Variable, sign: 1 | -1 = 1): Split {
  const p: Product = { sign, num: [], den: [] };
  factors(v, p, false);
  const scalarNum = p.num.map(scalarOf);
  const scalarDen = p.den.map(scalarOf);
  return {
    sign: p.sign,
    coefNum: scalarNum.filter((s): s is Variable => s !== null && uniformValue(s) !== 1),
    coefDen: scalarDen.filter((s): s is Variable => s !== null),
    tensorNum: p.num.filter((_, i) => !scalarNum[i]),
    tensorDen: p.den.filter((_, i) => !scalarDen[i]),
  };
}

/**
 * `v` (a product) as `rest * coef` with every broadcast factor in `coef`, or null when it has no
 * such factor (and no sign to take out) or nothing else.
 */
function scalarPart(v: Variable): { rest: Variable; coef: Variable } | null {
  const { sign, coefNum, coefDen, tensorNum, tensorDen } = split(v);
  if (!coefNum.length && !coefDen.length && sign > 0) return null;
  if (!tensorNum.length && !tensorDen.length) return null;
  const rest = quotient(tensorNum, tensorDen, v);
  if (!full(rest, v)) return null;
  const coef = quotient(coefNum, coefDen, v);
  return { rest, coef: sign < 0 ? neg(coef) : coef };
}

/** The number of elements of `x`, as a float64 scalar (static where the shape is). */
function size(x: Variable): Variable {
  let known = 1;
  const dynamic: Variable[] = [];
  x.type.shape.forEach((d, k) => (d === null ? dynamic.push(shapeI(x, k)) : (known *= d)));
  const n = constant(known, null, "float64");
  return dynamic.reduce((a: Variable, b) => mul(a, b), n);
}

/** sum(x) over every axis, written as a combination of sums of element-dependent products. */
function distributeSum(v: Variable): Variable | null {
  const op = v.owner!.op as Reduce;
  const x = v.owner!.inputs[0];
  if (v.ndim !== 0 || x.ndim === 0 || x.dtype !== "float64") return null;
  const parts: Term[] = [];
  terms(x, 1, parts);
  // Something to do: several terms, a sign, a scalar factor or a scalar term to take out.
  // (A sum written over its axes one by one is the same as over all of them; one spelling lets
  // equal sums merge.)
  let changed = parts.length > 1 || parts[0].sign < 0 || op.axes !== null;
  const pieces: { sign: 1 | -1; coef: Variable | null; body: Variable | null; value?: Variable }[] = [];
  const reduce = (b: Variable) => new Reduce("sum", null).makeNode(b).outputs[0];
  let n: Variable | null = null;
  // The sum of a branch: a reduction, or a broadcast scalar times the size (not for an infinite
  // constant over a size that may be 0, where inf * 0 would make NaN of an empty sum).
  const sumOf = (b: Variable): Variable | null => {
    const s = scalarOf(b);
    if (!s) return full(b, x) ? reduce(b) : null;
    const k = uniformValue(s);
    if (k !== null && !Number.isFinite(k) && x.type.shape.some((d) => d === null)) return null;
    return mul(s, (n ??= size(x)));
  };
  for (const { sign, v: t } of parts) {
    const s = scalarOf(t);
    if (s) {
      const k = uniformValue(s);
      if (k !== null && !Number.isFinite(k) && x.type.shape.some((d) => d === null)) return null;
      pieces.push({ sign, coef: s, body: null });
      changed = true;
      continue;
    }
    // sum(switch(c, a, b)) = switch(c, sum(a), sum(b)) for one condition for every element
    const node = t.owner;
    const cond = node && opName(node) === "Switch" ? scalarOf(node.inputs[0]) : null;
    if (cond) {
      const [sa, sb] = [sumOf(node!.inputs[1]), sumOf(node!.inputs[2])];
      if (!sa || !sb) return null;
      pieces.push({ sign, coef: null, body: null, value: switchOp(cond, sa, sb) });
      changed = true;
      continue;
    }
    // sum(switch(c, -inf, a)) = -inf if any(c) else sum(a): a check per element (an observation out
    // of the support) leaves the loop, which then sums a alone
    if (node && opName(node) === "Switch" && full(node.inputs[0], x)) {
      const [c, a, b] = node.inputs;
      const ninf = (v: Variable) => uniformValue(v) === -Infinity && scalarOf(v) !== null;
      const hit = ninf(a) && full(b, x) ? c : ninf(b) && full(a, x) ? invert(c) : null;
      if (hit) {
        const anyHit = new Reduce("any", null).makeNode(hit.dtype === "bool" ? hit : neq(hit, scalarLike(0, hit)!)).outputs[0];
        pieces.push({ sign, coef: null, body: null, value: switchOp(anyHit, scalarLike(-Infinity, v)!, reduce(ninf(a) ? b : a)) });
        changed = true;
        continue;
      }
    }
    if (!full(t, x)) return null;
    const p = split(t, sign);
    const hasCoef = p.coefNum.length > 0 || p.coefDen.length > 0;
    if (!p.tensorNum.length && !p.tensorDen.length) {
      // Every factor broadcasts: the term is one number everywhere.
      pieces.push({ sign: p.sign, coef: quotient(p.coefNum, p.coefDen, v), body: null });
      changed = true;
      continue;
    }
    if (hasCoef || p.sign < 0) changed = true;
    pieces.push({ sign: p.sign, coef: hasCoef ? quotient(p.coefNum, p.coefDen, v) : null, body: quotient(p.tensorNum, p.tensorDen, t) });
  }
  if (!changed) return null;
  let out: Variable | null = null;
  for (const piece of pieces) {
    const { sign, coef, body } = piece;
    let value: Variable;
    if (piece.value) value = piece.value;
    else if (body) {
      if (!full(body, x)) return null;
      const s = reduce(body);
      value = coef ? mul(coef, s) : s;
    } else value = mul(coef!, (n ??= size(x)));
    out = out === null ? (sign < 0 ? neg(value) : value) : sign < 0 ? sub(out, value) : add(out, value);
  }
  return out;
}

/** inc_subtensor(0, idx, y * s) = inc_subtensor(0, idx, y) * s for a broadcast scalar s. */
function scatterScalar(v: Variable): Variable | null {
  const [base, y, idx] = v.owner!.inputs;
  if (uniformValue(base) !== 0 || v.dtype !== "float64") return null;
  const parts = scalarPart(y);
  if (!parts) return null;
  const inner = new AdvancedIncSubtensor1().makeNode(base, parts.rest, idx).outputs[0];
  return mul(inner, expandDims(parts.coef, [...Array(v.ndim).keys()]));
}

/** sqr(x * s) = sqr(x) * sqr(s), sqr(x / s) = sqr(x) / sqr(s): the scalar part leaves the loop. */
function sqrScalar(v: Variable): Variable | null {
  const x = v.owner!.inputs[0];
  if (x.dtype !== "float64" || x.ndim === 0) return null;
  const parts = scalarPart(x);
  if (!parts) return null;
  return mul(sqr(parts.rest), expandDims(sqr(parts.coef), [...Array(v.ndim).keys()]));
}

export const reductions: Rule[] = [
  { name: "sum(Σ ± s·t) → Σ ± s·sum(t)", pattern: { op: "Sum", as: "v" }, replace: ({ v }) => distributeSum(v) },
  { name: "inc_subtensor(0, i, s·y) → s·inc_subtensor(0, i, y)", pattern: { op: "AdvancedIncSubtensor1", as: "v" }, replace: ({ v }) => scatterScalar(v) },
  { name: "sqr(s·x) → sqr(s)·sqr(x)", pattern: { op: "Sqr", as: "v" }, replace: ({ v }) => sqrScalar(v) },
];
