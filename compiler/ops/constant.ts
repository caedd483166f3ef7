// Turning JavaScript values into graph constants (numbers, nested arrays, typed arrays, NDArrays).
import { Constant, Variable } from "../graph/basic.js";
import { TensorType, type DType } from "../graph/type.js";

export type TensorLike = Variable | number | boolean | readonly unknown[] | Float64Array | { shape: number[]; data: ArrayLike<number> };

/**
 * A value that is not a tensor: `at` is where in it (`[2]`, `[0][1]`, or "" for the value itself),
 * so that a caller can say whose value it is (`Normal('x'): observed[2] is a BigInt; ...`).
 */
export class ConstantValueError extends TypeError {
  constructor(
    readonly at: string,
    readonly reason: string,
  ) {
    super(`cannot make a tensor constant: ${at ? `entry ${at}` : "the value"} ${reason}`);
  }

  /** The message with `what` naming the value: `observed[2] is a BigInt; expected a number`. */
  about(what: string): string {
    return `${what}${this.at} ${this.reason}`;
  }
}

/** What a non-number is, for messages (JSON.stringify throws on a BigInt). */
function notANumber(v: unknown): string {
  if (typeof v === "bigint") return "is a BigInt; expected a number";
  if (typeof v === "string") return `is the string ${JSON.stringify(v)}; expected a number`;
  if (v === null || v === undefined) return `is ${v}; expected a number`;
  const kind = Array.isArray(v) || ArrayBuffer.isView(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`;
  return `is ${kind}; expected a number`;
}

function flatten(value: unknown, shape: number[], out: number[], axis: number, at = ""): void {
  if (axis === shape.length) {
    if (typeof value !== "number" && typeof value !== "boolean") throw new ConstantValueError(at, notANumber(value));
    out.push(Number(value));
    return;
  }
  const arr = value as ArrayLike<unknown>;
  if (!(Array.isArray(arr) || ArrayBuffer.isView(arr)) || arr.length !== shape[axis]) {
    const got = Array.isArray(arr) || ArrayBuffer.isView(arr) ? `has ${arr.length} entries` : "is not an array";
    throw new ConstantValueError(at, `${got}; expected ${shape[axis]} entries (a ragged nested array)`);
  }
  for (let i = 0; i < arr.length; i++) flatten(arr[i], shape, out, axis + 1, `${at}[${i}]`);
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
    if (!Array.isArray(nd.shape) || nd.data === undefined) {
      throw new ConstantValueError("", "is an object; expected a number, an array or an NDArray");
    }
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
