// What rules may assume about a variable (side conditions) and how they build typed constants.
import { Constant, type Variable } from "../graph/basic.js";
import { TensorType, type DType } from "../graph/type.js";
import { second } from "../ops/elemwise.js";
import { DimShuffle } from "../ops/dimshuffle.js";
import { Reduce } from "../ops/reduce.js";
import { constantValue, opName, uniformValue, type OpName } from "./pattern.js";

/** Largest constant array a rule writes out in full (larger fills stay `second(x, c)`). */
const MAX_FILLED_SIZE = 4096;

/** A constant whose every dim is 1: a scalar, possibly broadcast (`[2.]`, `[[0.5]]`). */
export function scalarConstant(v: Variable): number | null {
  const c = constantValue(v);
  if (!c || c.data.length !== 1) return null;
  return uniformValue(v);
}

/** The input of a chain of ExpandDims/DropDims over a rank-0 variable, if `v` is one. */
export function scalarUnderViews(v: Variable): Variable | null {
  let cur = v;
  while (cur.owner && cur.owner.op instanceof DimShuffle && cur.owner.op.isView) cur = cur.owner.inputs[0];
  return cur.ndim === 0 ? cur : null;
}

const NON_NEGATIVE_OPS: ReadonlySet<string> = new Set<OpName>(["Exp", "Sqr", "Abs", "Sqrt", "Softplus", "Sigmoid", "Erfc", "Erfcx", "I0e"]);

/** Known to be >= 0 (or NaN) for every input: exp, x², |x|, √x, sums and products of such, constants >= 0. */
export function nonNegative(v: Variable, depth = 0): boolean {
  const c = constantValue(v);
  if (c) return c.data.every((x) => x >= 0);
  if (v.dtype === "bool") return true;
  const node = v.owner;
  if (!node || depth > 8) return false;
  const name = opName(node);
  if (NON_NEGATIVE_OPS.has(name)) return true;
  if (name === "Add" || name === "Mul" || name === "True_div") {
    return node.inputs.every((i) => nonNegative(i, depth + 1));
  }
  if (name === "Maximum") return node.inputs.some((i) => nonNegative(i, depth + 1));
  if (name === "Second") return nonNegative(node.inputs[1], depth + 1);
  if (node.op instanceof DimShuffle) return nonNegative(node.inputs[0], depth + 1);
  return false;
}

const POSITIVE_OPS: ReadonlySet<string> = new Set<OpName>(["Exp", "Softplus", "Sigmoid", "Erfcx", "I0e"]);

/**
 * Known to be > 0 (or NaN): exp, softplus, constants > 0, and sums, products and quotients of such.
 * exp(x) underflows to 0 below x = -745; a model's logp treats that point like any other, the way a
 * scale of exp(-746) gives -inf or NaN either way.
 */
export function positive(v: Variable, depth = 0): boolean {
  const c = constantValue(v);
  if (c) return c.data.every((x) => x > 0);
  const node = v.owner;
  if (!node || depth > 8) return false;
  const name = opName(node);
  if (POSITIVE_OPS.has(name)) return true;
  if (name === "Add") return node.inputs.every((i) => nonNegative(i, depth + 1)) && node.inputs.some((i) => positive(i, depth + 1));
  if (name === "Mul" || name === "True_div" || name === "Sqrt") return node.inputs.every((i) => positive(i, depth + 1));
  if (name === "Maximum") return node.inputs.some((i) => positive(i, depth + 1));
  if (name === "Second") return positive(node.inputs[1], depth + 1);
  if (node.op instanceof DimShuffle) return positive(node.inputs[0], depth + 1);
  // a sum of positive numbers over axes statically known non-empty (an empty sum is 0): the
  // denominator of a softmax, the simplex transform's
  if (node.op instanceof Reduce && node.op.kind === "sum") {
    const x = node.inputs[0];
    const axes = node.op.axes ?? x.type.shape.map((_, k) => k);
    return axes.every((k) => (x.type.shape[k] ?? 0) >= 1) && positive(x, depth + 1);
  }
  return false;
}

/** The dtype a constant takes in an expression of dtype `dtype`, or null when `value` cannot be one. */
function constDtype(value: number, dtype: DType): DType | null {
  if (dtype === "float64") return "float64";
  if (dtype === "int64") return Number.isInteger(value) ? "int64" : null;
  return value === 0 || value === 1 ? "bool" : null;
}

/** A constant `value` of the dtype of `like`, of rank 0 (elemwise() broadcasts it). */
export function scalarLike(value: number, like: Variable): Constant | null {
  const dtype = constDtype(value, like.dtype);
  return dtype ? new Constant(new TensorType(dtype, []), Float64Array.of(value)) : null;
}

/**
 * `value` in the type of `v`: a constant when `v`'s shape is static (and small), else `value`
 * broadcast to the shape of `ref`, a variable whose shape is that of `v` (PyTensor's fill).
 */
export function fillLike(v: Variable, value: number, ref?: Variable | null): Variable | null {
  const dtype = constDtype(value, v.dtype);
  if (!dtype) return null;
  const shape = v.type.shape;
  if (shape.every((d) => d !== null)) {
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (size <= MAX_FILLED_SIZE) return new Constant(new TensorType(dtype, shape), new Float64Array(size).fill(value));
  }
  if (!ref) return null;
  const c = scalarLike(value, v);
  return c ? second(ref, c) : null;
}

/** Two variables computed by the same op from the same inputs (so a replacement would change nothing). */
export function sameNode(a: Variable, b: Variable): boolean {
  // Pairs still to compare, on a stack of their own: the two graphs may be long chains.
  const pairs: [Variable, Variable][] = [[a, b]];
  while (pairs.length) {
    const [x, y] = pairs.pop()!;
    if (x === y || (x !== a && x instanceof Constant && y instanceof Constant && x.signature === y.signature)) continue;
    if (!x.owner || !y.owner || x.owner.op.key !== y.owner.op.key || x.owner.inputs.length !== y.owner.inputs.length) return false;
    for (let i = x.owner.inputs.length - 1; i >= 0; i--) pairs.push([x.owner.inputs[i], y.owner.inputs[i]]);
  }
  return true;
}

/** A finite number that is neither zero nor subnormal: products and reciprocals of it keep full precision. */
export function isNormalNumber(k: number): boolean {
  return Number.isFinite(k) && Math.abs(k) >= 2 ** -1022;
}
