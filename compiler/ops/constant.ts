// Turning JavaScript values into graph constants (numbers, nested arrays, typed arrays, NDArrays).
import { Constant, Variable } from "../graph/basic.js";
import { TensorType, type DType } from "../graph/type.js";

export type TensorLike = Variable | number | boolean | readonly unknown[] | Float64Array | { shape: number[]; data: ArrayLike<number> };

function flatten(value: unknown, shape: number[], out: number[], axis: number): void {
  if (axis === shape.length) {
    if (typeof value !== "number" && typeof value !== "boolean") {
      throw new TypeError(`cannot make a tensor constant from ${JSON.stringify(value)}`);
    }
    out.push(Number(value));
    return;
  }
  const arr = value as ArrayLike<unknown>;
  if (!(Array.isArray(arr) || ArrayBuffer.isView(arr)) || arr.length !== shape[axis]) {
    throw new TypeError("cannot make a tensor constant from a ragged nested array");
  }
  for (let i = 0; i < arr.length; i++) flatten(arr[i], shape, out, axis + 1);
}

/**
 * A constant from a JavaScript value. Safe integers give int64 (as NumPy does for Python ints),
 * other numbers float64, booleans bool; `dtype` forces one.
 */
export function constant(value: unknown, name: string | null = null, dtype?: DType): Constant {
  let shape: number[];
  let data: number[];
  let inferred: DType;
  if (typeof value === "object" && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
    const nd = value as { shape: number[]; data: ArrayLike<number> };
    if (!Array.isArray(nd.shape) || nd.data === undefined) throw new TypeError(`cannot make a tensor constant from ${value}`);
    shape = [...nd.shape];
    data = Array.from(nd.data);
    inferred = "float64";
  } else {
    shape = [];
    let cur: unknown = value;
    while (Array.isArray(cur) || ArrayBuffer.isView(cur)) {
      shape.push((cur as ArrayLike<unknown>).length);
      cur = (cur as ArrayLike<unknown>)[0];
    }
    data = [];
    flatten(value, shape, data, 0);
    const leaves: unknown[] = [];
    const collect = (v: unknown) => (Array.isArray(v) ? v.forEach(collect) : leaves.push(v));
    collect(value);
    if (value instanceof Float64Array) inferred = "float64";
    else if (leaves.length && leaves.every((v) => typeof v === "boolean")) inferred = "bool";
    // Only exactly representable integers are int64 (1e20 or -0 is a float, as in NumPy).
    else inferred = data.every((x) => Number.isSafeInteger(x) && !Object.is(x, -0)) ? "int64" : "float64";
  }
  return new Constant(new TensorType(dtype ?? inferred, shape), Float64Array.from(data), name);
}

/** A float64 scalar constant (for gradient rules and rewrites). */
export function floatConst(x: number): Constant {
  return constant(x, null, "float64");
}

/** Variables pass through; anything else becomes a constant. */
export function asTensor(x: TensorLike, dtype?: DType): Variable {
  if (x instanceof Variable) return x;
  return constant(x, null, dtype);
}
