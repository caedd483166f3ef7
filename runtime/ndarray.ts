// The runtime's array value: a shape and row-major float64 data. No compiler code here.

export class NDArray {
  readonly shape: number[];
  readonly data: Float64Array;

  constructor(shape: number[], data: Float64Array) {
    this.shape = shape;
    this.data = data;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.data.length;
  }

  /** Nested arrays, like NumPy's `tolist()`. */
  toArray(): any {
    const { shape, data } = this;
    if (shape.length === 0) return data[0];
    const build = (axis: number, offset: number, stride: number): any => {
      const n = shape[axis];
      const inner = stride / (n || 1);
      const out = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = axis === shape.length - 1 ? data[offset + i] : build(axis + 1, offset + i * inner, inner);
      }
      return out;
    };
    return build(0, 0, data.length);
  }

  toJSON(): unknown {
    return this.toArray();
  }
}

/** A new zero-filled array. */
export function empty(shape: number[]): NDArray {
  let size = 1;
  for (const d of shape) size *= d;
  return new NDArray(shape, new Float64Array(size));
}

/** An array from a shape and a list of numbers (used for constants in generated code). */
export function nd(shape: number[], values: ArrayLike<number>): NDArray {
  return new NDArray(shape, Float64Array.from(values));
}

export function shapeText(shape: readonly (number | null)[]): string {
  const dims = shape.map((d) => (d === null ? "?" : String(d)));
  return `(${dims.join(", ")}${shape.length === 1 ? "," : ""})`;
}

/** What an input of a compiled function must be. */
export interface InputSpec {
  name: string;
  dtype: "float64" | "int64" | "bool";
  shape: readonly (number | null)[];
}

/** "a float64 scalar", "an int64 array of shape (?,)". */
const an = (words: string) => `${/^[aeiou]/i.test(words) ? "an" : "a"} ${words}`;

function isNDArrayLike(v: unknown): v is { shape: number[]; data: ArrayLike<number> } {
  return typeof v === "object" && v !== null && Array.isArray((v as any).shape) && (v as any).data !== undefined;
}

function nestedShape(v: unknown, where: string): number[] {
  const shape: number[] = [];
  let cur: unknown = v;
  while (Array.isArray(cur) || ArrayBuffer.isView(cur)) {
    shape.push((cur as ArrayLike<unknown>).length);
    cur = (cur as ArrayLike<unknown>)[0];
  }
  return shape;
}

/** A non-number entry as messages show it (JSON.stringify throws on a BigInt). */
const shown = (x: unknown) => (typeof x === "bigint" ? `${x}n (a BigInt)` : (JSON.stringify(x) ?? String(x)));

/**
 * Convert a user value (number, nested arrays, Float64Array, NDArray) to what generated code
 * reads: a number for rank 0, an NDArray otherwise, always a copy (the caller may change its
 * array afterwards). Throws an Error naming the input.
 */
export function toInput(value: unknown, spec: InputSpec): number | NDArray {
  const expect = an(`${spec.dtype} ${spec.shape.length === 0 ? "scalar" : `array of shape ${shapeText(spec.shape)}`}`);
  const fail = (why: string): never => {
    throw new Error(`input '${spec.name}': ${why}; expected ${expect}`);
  };
  if (value === undefined || value === null) fail(`missing value`);
  let shape: number[];
  let data: Float64Array;
  if (typeof value === "number" || typeof value === "boolean") {
    shape = [];
    data = Float64Array.of(Number(value));
  } else if (isNDArrayLike(value)) {
    shape = [...value.shape];
    // Generated code trusts shape and data to agree; a mismatch would read past the end.
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`got an array with shape [${shape.join(", ")}]`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (value.data.length !== size) fail(`got an array of shape ${shapeText(shape)} holding ${value.data.length} values`);
    if (!(value.data instanceof Float64Array)) {
      for (let i = 0; i < size; i++) {
        const x = value.data[i] as unknown;
        if (typeof x !== "number" && typeof x !== "boolean") fail(`got a non-number entry ${shown(x)} at [${i}]`);
      }
    }
    data = Float64Array.from(value.data);
  } else if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    shape = nestedShape(value, spec.name);
    const flat: number[] = [];
    const walk = (v: unknown, axis: number, at: string) => {
      if (axis === shape.length) {
        if (typeof v !== "number" && typeof v !== "boolean") fail(`got a non-number entry ${shown(v)} at ${at}`);
        flat.push(Number(v));
        return;
      }
      if (!(Array.isArray(v) || ArrayBuffer.isView(v)) || (v as ArrayLike<unknown>).length !== shape[axis]) {
        fail(`got a ragged nested array`);
      }
      for (let i = 0; i < shape[axis]; i++) walk((v as ArrayLike<unknown>)[i], axis + 1, `${at}[${i}]`);
    };
    walk(value, 0, "");
    data = Float64Array.from(flat);
  } else {
    return fail(`got ${an(typeof value)}`);
  }
  if (shape.length !== spec.shape.length) fail(`got rank ${shape.length} (shape ${shapeText(shape)})`);
  spec.shape.forEach((d, i) => {
    if (d !== null && shape[i] !== d) fail(`got shape ${shapeText(shape)}`);
  });
  if (spec.dtype !== "float64") {
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      if (spec.dtype === "bool" ? x !== 0 && x !== 1 : !Number.isInteger(x)) {
        fail(`entry ${i} is ${x}, not ${spec.dtype === "bool" ? "a boolean" : "an integer"}`);
      }
    }
  }
  return shape.length === 0 ? data[0] : new NDArray(shape, data);
}
