// The user-facing tensor API (`pt`), PyTensor's names in TypeScript: constructors, math as
// functions and as Variable methods, dprint, fn (PyTensor's `function`), grad, eval.
import { Constant, Variable } from "./graph/basic.js";
import { dprint } from "./graph/dprint.js";
import { cloneReplace, graphInputs, ancestors } from "./graph/traversal.js";
import { TensorType, type DType } from "./graph/type.js";
import { asTensor, constant as makeConstant, type TensorLike } from "./ops/constant.js";
import * as ew from "./ops/elemwise.js";
import { transpose as transposeOp, expandDims, dropDims } from "./ops/dimshuffle.js";
import { reduce, type ReduceKind } from "./ops/reduce.js";
import { dot as dotOp } from "./ops/blas.js";
import { join, stack as stackOp, makeVector } from "./ops/join.js";
import { subtensor, take, updateSubtensor, type IndexEntry, type UpdateIndex } from "./ops/subtensor.js";
import * as la from "./ops/linalg.js";
import { reshape as reshapeOp, shape as shapeOp, shapeI } from "./ops/shape.js";
import { grad } from "./grad.js";
import { random } from "./ops/random.js";
import * as sp from "./ops/special.js";
import { fn, type CompiledFunction } from "./function.js";
import { scan, type ScanOptions } from "./ops/scan.js";
import { zeroGrad as zeroGradOp } from "./ops/zero-grad.js";

export { Variable, Constant, TensorType, type TensorLike, type DType, type CompiledFunction };

type T = TensorLike;
type Axis = number | readonly number[] | null;

// ---- constructors -----------------------------------------------------------------------------

export function tensor(name: string | null, opts: { dtype?: DType; shape: readonly (number | null)[] }): Variable {
  return new Variable(new TensorType(opts.dtype ?? "float64", opts.shape), null, 0, name ?? null);
}
export const scalar = (name: string | null = null, dtype: DType = "float64") => tensor(name, { dtype, shape: [] });
export const vector = (name: string | null = null, dtype: DType = "float64") => tensor(name, { dtype, shape: [null] });
export const matrix = (name: string | null = null, dtype: DType = "float64") => tensor(name, { dtype, shape: [null, null] });
export const constant = (value: unknown, name: string | null = null, dtype?: DType): Constant => makeConstant(value, name, dtype);
export const asTensorVariable = (x: T): Variable => asTensor(x);

// ---- elementwise math ---------------------------------------------------------------------------

export const add = (a: T, b: T) => ew.add(a, b);
export const sub = (a: T, b: T) => ew.sub(a, b);
export const mul = (a: T, b: T) => ew.mul(a, b);
export const div = (a: T, b: T) => ew.div(a, b);
export const trueDiv = div;
export const pow = (a: T, b: T) => ew.pow(a, b);
export const neg = (a: T) => ew.neg(a);
export const abs = (a: T) => ew.abs(a);
export const sign = (a: T) => ew.sign(a);
export const exp = (a: T) => ew.exp(a);
export const log = (a: T) => ew.log(a);
export const log1p = (a: T) => ew.log1p(a);
export const expm1 = (a: T) => ew.expm1(a);
export const sqrt = (a: T) => ew.sqrt(a);
export const square = (a: T) => ew.sqr(a);
export const sqr = square;
export const sin = (a: T) => ew.sin(a);
export const cos = (a: T) => ew.cos(a);
export const tanh = (a: T) => ew.tanh(a);
export const sigmoid = (a: T) => ew.sigmoid(a);
export const softplus = (a: T) => ew.softplus(a);
/** log(x / (1 - x)), written as log(x) - log1p(-x) so that it is exact near 0 and 1. */
export const logit = (a: T) => ew.sub(ew.log(a), ew.log1p(ew.neg(a)));
export const erf = (a: T) => ew.erf(a);
export const erfc = (a: T) => ew.erfc(a);
export const erfcx = (a: T) => ew.erfcx(a);
export const gammaln = (a: T) => ew.gammaln(a);
export const digamma = (a: T) => ew.digamma(a);
export const psi = digamma;
export const maximum = (a: T, b: T) => ew.maximum(a, b);
export const minimum = (a: T, b: T) => ew.minimum(a, b);
export const gt = (a: T, b: T) => ew.gt(a, b);
export const ge = (a: T, b: T) => ew.ge(a, b);
export const lt = (a: T, b: T) => ew.lt(a, b);
export const le = (a: T, b: T) => ew.le(a, b);
export const eq = (a: T, b: T) => ew.eq(a, b);
export const neq = (a: T, b: T) => ew.neq(a, b);
export const and = (a: T, b: T) => ew.and(a, b);
export const or = (a: T, b: T) => ew.or(a, b);
export const invert = (a: T) => ew.invert(a);
export const isnan = (a: T) => ew.isnan(a);
export const isinf = (a: T) => ew.isinf(a);
/** switch(cond, ifTrue, ifFalse), elementwise. */
export const switch_ = (c: T, a: T, b: T) => ew.switchOp(c, a, b);
export const clip = (x: T, lo: T, hi: T) => ew.clip(x, lo, hi);
// special functions for the distributions (compiler/ops/special.ts)
export const { floor, ceil, arctan, log1mexp, betaln, gammainc, gammaincc, betainc, i0e, i1e } = sp;

// ---- reductions ---------------------------------------------------------------------------------

const reducer =
  (kind: ReduceKind) =>
  (x: T, axis?: Axis, keepdims = false) =>
    reduce(kind, asTensor(x), axis, keepdims);
export const sum = reducer("sum");
export const prod = reducer("prod");
export const max = reducer("max");
export const min = reducer("min");
export const all = reducer("all");
export const any = reducer("any");

function axesOf(x: Variable, axis?: Axis): number[] {
  if (axis === null || axis === undefined) return [...Array(x.ndim).keys()];
  return (typeof axis === "number" ? [axis] : [...axis]).map((a) => (a < 0 ? a + x.ndim : a));
}

/** Mean over `axis`: the sum divided by the number of elements reduced. */
export function mean(x: T, axis?: Axis, keepdims = false): Variable {
  const v = asTensor(x);
  const axes = axesOf(v, axis);
  const s = reduce("sum", v, axis, keepdims);
  const dims = axes.map((a) => v.type.shape[a]);
  const count: Variable = dims.every((d) => d !== null)
    ? makeConstant(
        (dims as number[]).reduce((a, b) => a * b, 1),
        null,
        "int64",
      )
    : axes.map((a) => shapeI(v, a)).reduce((a, b) => ew.mul(a, b), makeConstant(1, null, "int64") as Variable);
  return ew.div(s, count);
}

/** x, with a gradient of zero (PyTensor's `pytensor.gradient.zero_grad`, JAX's `stop_gradient`). */
export const zeroGrad = (x: T): Variable => zeroGradOp(asTensor(x));

/** log(sum(exp(x))) with the max shifted out, so that it neither overflows nor underflows. */
export function logsumexp(x: T, axis?: Axis, keepdims = false): Variable {
  const v = asTensor(x);
  const axes = axesOf(v, axis);
  const m = reduce("max", v, axis, true);
  // Any shift gives the same value, so its gradient is zero: without zeroGrad, grad would build
  // that zero as two terms through max's mask that cancel (JAX's stop_gradient here).
  const shift = zeroGradOp(ew.switchOp(ew.isinf(m), 0, m));
  const r = ew.add(ew.log(reduce("sum", ew.exp(ew.sub(v, shift)), axis, true)), shift);
  return keepdims || !axes.length ? r : dropDims(r, axes);
}

// ---- linear algebra, shape and indexing ---------------------------------------------------------

export const dot = (a: T, b: T) => dotOp(asTensor(a), asTensor(b));
/** NumPy's matmul for vectors and matrices. */
export function matmul(a: T, b: T): Variable {
  const x = asTensor(a);
  const y = asTensor(b);
  if (x.ndim === 0 || y.ndim === 0) throw new Error("matmul: scalars are not allowed, use mul");
  if (x.ndim > 2 || y.ndim > 2) throw new Error(`matmul: only vectors and matrices are supported, got ${x.type} and ${y.type}`);
  return dotOp(x, y);
}
export const transpose = (x: T, axes?: number[]) => transposeOp(asTensor(x), axes);
export const stack = (xs: readonly T[], axis = 0) =>
  stackOp(
    xs.map((x) => asTensor(x)),
    axis,
  );
export const concatenate = (xs: readonly T[], axis = 0) =>
  join(
    axis,
    xs.map((x) => asTensor(x)),
  );
export const shape = (x: T) => shapeOp(asTensor(x));
export { expandDims, makeVector };

/** Reshape to `newShape` (numbers, one may be -1, or an integer vector variable). */
export function reshape(x: T, newShape: readonly (number | Variable)[] | Variable): Variable {
  const v = asTensor(x);
  let s: Variable;
  if (newShape instanceof Variable) s = newShape;
  else if (newShape.every((d) => typeof d === "number")) s = makeConstant([...newShape], null, "int64");
  else
    s = makeVector(
      newShape.map((d) => asTensor(d as T, "int64")),
      "int64",
    );
  return reshapeOp(v, s);
}

/**
 * Integer-array indexing along the first axis (`x[idx]`); a single integer selects one entry
 * and drops the axis (`x[i]`).
 */
export function index(x: T, idx: T): Variable {
  const v = asTensor(x);
  if (typeof idx === "number") return subtensor(v, [idx]);
  // Booleans would silently become the indices 0 and 1 (NumPy would mask): refuse them.
  if (!(idx instanceof Variable) && asTensor(idx).dtype === "bool") throw new Error("index: boolean masks are not supported; pass integer indices");
  const i = asTensor(idx, idx instanceof Variable ? undefined : "int64");
  if (i.ndim === 0 && i instanceof Constant) return subtensor(v, [i.value]);
  return take(v, i);
}

/** x[start:stop:step] along the first axis, Python semantics (negative bounds count from the end). */
export function slice(x: T, start: number | null, stop: number | null = null, step: number | null = null): Variable {
  return subtensor(asTensor(x), [{ start, stop, step }]);
}

/** Basic indexing on the leading axes: integers and `{ start, stop, step }` slices. */
export function subtensorOf(x: T, entries: readonly IndexEntry[]): Variable {
  return subtensor(asTensor(x), entries);
}

/**
 * PyTensor's set_subtensor(x[idx], y): x with x[idx] replaced by y (broadcast to the indexed region).
 * idx is an integer, an integer array or vector (the last of repeated indices wins), or a slice
 * `{ start, stop, step }`, all along the first axis.
 */
export const setSubtensor = (x: T, idx: UpdateIndex, y: T): Variable => updateSubtensor("set", x, idx, y);

/** PyTensor's inc_subtensor(x[idx], y): x with y added into x[idx]; repeated indices add up. */
export const incSubtensor = (x: T, idx: UpdateIndex, y: T): Variable => updateSubtensor("inc", x, idx, y);

export type { UpdateIndex };

/** `pytensor.tensor.linalg` for 2-d matrices (no batch dimensions), each with its gradient. */
export const linalg = {
  /** The Cholesky factor: L with L L^T = a (lower, the default) or its transpose; NaN when a is not positive definite. */
  cholesky: (a: T, opts: { lower?: boolean } = {}): Variable => {
    const l = la.cholesky(a);
    return opts.lower === false ? transposeOp(l) : l;
  },
  /** x with a x = b, a square (LU with partial pivoting); b a vector or a matrix. */
  solve: (a: T, b: T): Variable => la.solve(a, b),
  /**
   * x with a x = b for the lower (`lower: true`) or upper (the default, as SciPy) triangle of a;
   * `trans` solves a^T x = b.
   */
  solveTriangular: (a: T, b: T, opts: { lower?: boolean; trans?: boolean | 0 | 1 | "N" | "T" } = {}): Variable => {
    const trans = opts.trans === true || opts.trans === 1 || opts.trans === "T";
    return la.solveTriangular(a, b, trans, opts.lower ?? false);
  },
  /** The determinant. */
  det: (a: T): Variable => la.det(a),
  /** [sign, log|det|], as NumPy's slogdet. */
  slogdet: (a: T): [Variable, Variable] => la.slogdet(a),
  /** The inverse (PyTensor's matrix_inverse). */
  inv: (a: T): Variable => la.inv(a),
};

// ---- graphs -----------------------------------------------------------------------------------

export { dprint, graphInputs, cloneReplace, ancestors, grad, fn, random, scan, type ScanOptions };
/** PyTensor's name for `fn`. */
export const function_ = fn;

export type Givens = Map<Variable, unknown> | Record<string, unknown>;

const evalCache = new WeakMap<Variable, Map<string, CompiledFunction>>();

/** Compute `v` with the given values (any variables of its graph, intermediate ones too). */
export function evaluate(v: Variable, givens?: Givens): any {
  const pairs: [Variable, unknown][] = [];
  if (givens instanceof Map) pairs.push(...givens.entries());
  else if (givens) {
    const byName = new Map<string, Variable[]>();
    for (const a of ancestors([v])) {
      if (a.name !== null && !(a instanceof Constant)) byName.set(a.name, [...(byName.get(a.name) ?? []), a]);
    }
    for (const [name, value] of Object.entries(givens)) {
      const found = byName.get(name);
      if (!found) throw new Error(`eval: no variable named '${name}' in the graph of ${v}`);
      if (found.length > 1) throw new Error(`eval: several variables are named '${name}'; pass a Map keyed by variable`);
      pairs.push([found[0], value]);
    }
  }
  const key = pairs.map(([k]) => k.id).join(",");
  let cache = evalCache.get(v);
  if (!cache) evalCache.set(v, (cache = new Map()));
  let f = cache.get(key);
  if (!f)
    cache.set(
      key,
      (f = fn(
        pairs.map(([k]) => k),
        v,
        { name: "evaluate" },
      )),
    );
  return f(...pairs.map(([, val]) => val));
}

// ---- Variable methods (PyTensor's operator overloads, as methods) ----------------------------

declare module "./graph/basic.js" {
  interface Variable {
    add(b: TensorLike): Variable;
    sub(b: TensorLike): Variable;
    mul(b: TensorLike): Variable;
    div(b: TensorLike): Variable;
    pow(b: TensorLike): Variable;
    neg(): Variable;
    abs(): Variable;
    exp(): Variable;
    log(): Variable;
    log1p(): Variable;
    expm1(): Variable;
    sqrt(): Variable;
    square(): Variable;
    sin(): Variable;
    cos(): Variable;
    tanh(): Variable;
    sigmoid(): Variable;
    softplus(): Variable;
    logit(): Variable;
    erf(): Variable;
    erfc(): Variable;
    gammaln(): Variable;
    digamma(): Variable;
    maximum(b: TensorLike): Variable;
    minimum(b: TensorLike): Variable;
    gt(b: TensorLike): Variable;
    ge(b: TensorLike): Variable;
    lt(b: TensorLike): Variable;
    le(b: TensorLike): Variable;
    eq(b: TensorLike): Variable;
    neq(b: TensorLike): Variable;
    sum(axis?: Axis, keepdims?: boolean): Variable;
    prod(axis?: Axis, keepdims?: boolean): Variable;
    mean(axis?: Axis, keepdims?: boolean): Variable;
    max(axis?: Axis, keepdims?: boolean): Variable;
    min(axis?: Axis, keepdims?: boolean): Variable;
    logsumexp(axis?: Axis, keepdims?: boolean): Variable;
    dot(b: TensorLike): Variable;
    matmul(b: TensorLike): Variable;
    reshape(shape: readonly (number | Variable)[] | Variable): Variable;
    transpose(axes?: number[]): Variable;
    readonly T: Variable;
    index(idx: TensorLike): Variable;
    slice(start: number | null, stop?: number | null, step?: number | null): Variable;
    clip(lo: TensorLike, hi: TensorLike): Variable;
    /** Compute this variable's value (PyTensor's `eval`). */
    eval(givens?: Givens): any;
  }
}

const methods: Record<string, (this: Variable, ...args: any[]) => Variable> = {
  add(b) {
    return add(this, b);
  },
  sub(b) {
    return sub(this, b);
  },
  mul(b) {
    return mul(this, b);
  },
  div(b) {
    return div(this, b);
  },
  pow(b) {
    return pow(this, b);
  },
  neg() {
    return neg(this);
  },
  abs() {
    return abs(this);
  },
  exp() {
    return exp(this);
  },
  log() {
    return log(this);
  },
  log1p() {
    return log1p(this);
  },
  expm1() {
    return expm1(this);
  },
  sqrt() {
    return sqrt(this);
  },
  square() {
    return square(this);
  },
  sin() {
    return sin(this);
  },
  cos() {
    return cos(this);
  },
  tanh() {
    return tanh(this);
  },
  sigmoid() {
    return sigmoid(this);
  },
  softplus() {
    return softplus(this);
  },
  logit() {
    return logit(this);
  },
  erf() {
    return erf(this);
  },
  erfc() {
    return erfc(this);
  },
  gammaln() {
    return gammaln(this);
  },
  digamma() {
    return digamma(this);
  },
  maximum(b) {
    return maximum(this, b);
  },
  minimum(b) {
    return minimum(this, b);
  },
  gt(b) {
    return gt(this, b);
  },
  ge(b) {
    return ge(this, b);
  },
  lt(b) {
    return lt(this, b);
  },
  le(b) {
    return le(this, b);
  },
  eq(b) {
    return eq(this, b);
  },
  neq(b) {
    return neq(this, b);
  },
  sum(axis, keepdims) {
    return sum(this, axis, keepdims);
  },
  prod(axis, keepdims) {
    return prod(this, axis, keepdims);
  },
  mean(axis, keepdims) {
    return mean(this, axis, keepdims);
  },
  max(axis, keepdims) {
    return max(this, axis, keepdims);
  },
  min(axis, keepdims) {
    return min(this, axis, keepdims);
  },
  logsumexp(axis, keepdims) {
    return logsumexp(this, axis, keepdims);
  },
  dot(b) {
    return dot(this, b);
  },
  matmul(b) {
    return matmul(this, b);
  },
  reshape(s) {
    return reshape(this, s);
  },
  transpose(axes) {
    return transpose(this, axes);
  },
  index(idx) {
    return index(this, idx);
  },
  slice(start, stop, step) {
    return slice(this, start, stop, step);
  },
  clip(lo, hi) {
    return clip(this, lo, hi);
  },
};
for (const [name, impl] of Object.entries(methods)) {
  Object.defineProperty(Variable.prototype, name, { value: impl, writable: true, configurable: true });
}
Object.defineProperty(Variable.prototype, "eval", {
  value(this: Variable, givens?: Givens) {
    return evaluate(this, givens);
  },
  writable: true,
  configurable: true,
});
Object.defineProperty(Variable.prototype, "T", {
  get(this: Variable) {
    return transpose(this);
  },
  configurable: true,
});

/** The `pt` namespace object (the same functions as this module's exports). */
export const pt = {
  tensor,
  scalar,
  vector,
  matrix,
  constant,
  asTensorVariable,
  add,
  sub,
  mul,
  div,
  trueDiv,
  pow,
  neg,
  abs,
  sign,
  exp,
  log,
  log1p,
  expm1,
  sqrt,
  square,
  sqr,
  sin,
  cos,
  tanh,
  sigmoid,
  softplus,
  logit,
  erf,
  erfc,
  erfcx,
  gammaln,
  digamma,
  psi,
  maximum,
  minimum,
  gt,
  ge,
  lt,
  le,
  eq,
  neq,
  and,
  or,
  invert,
  isnan,
  isinf,
  switch: switch_,
  clip,
  floor,
  ceil,
  arctan,
  log1mexp,
  betaln,
  gammainc,
  gammaincc,
  betainc,
  i0e,
  i1e,
  sum,
  prod,
  max,
  min,
  all,
  any,
  mean,
  logsumexp,
  zeroGrad,
  dot,
  matmul,
  transpose,
  stack,
  concatenate,
  reshape,
  shape,
  index,
  slice,
  subtensor: subtensorOf,
  setSubtensor,
  incSubtensor,
  linalg,
  expandDims,
  makeVector,
  dprint,
  graphInputs,
  cloneReplace,
  grad,
  fn,
  function: fn,
  eval: evaluate,
  random,
  scan,
};
export { switch_ as switch };
export default pt;
