// Tensor types: a dtype and a static shape (null = unknown length), printed as PyTensor prints them.

export type DType = "float64" | "int64" | "bool";

export function isFloat(dtype: DType): boolean {
  return dtype === "float64";
}

export function isDiscrete(dtype: DType): boolean {
  return dtype === "int64" || dtype === "bool";
}

const RANK: Record<DType, number> = { bool: 0, int64: 1, float64: 2 };

/** NumPy's upcast for the dtypes tsmc knows: bool < int64 < float64. */
export function upcast(...dtypes: DType[]): DType {
  let best: DType = "bool";
  for (const d of dtypes) if (RANK[d] > RANK[best]) best = d;
  return best;
}

export type StaticShape = readonly (number | null)[];

export class TensorType {
  readonly dtype: DType;
  readonly shape: StaticShape;

  constructor(dtype: DType, shape: StaticShape) {
    for (const d of shape) {
      if (d !== null && (!Number.isInteger(d) || d < 0)) {
        throw new Error(`invalid static dimension ${d} in shape (${shape.join(", ")})`);
      }
    }
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Dimensions that are statically 1 can broadcast (PyTensor's `broadcastable`). */
  get broadcastable(): boolean[] {
    return this.shape.map((d) => d === 1);
  }

  equals(other: TensorType): boolean {
    return this.dtype === other.dtype && this.shape.length === other.shape.length && this.shape.every((d, i) => d === other.shape[i]);
  }

  /** PyTensor's `str(type)`: `Vector(float64, shape=(?,))`. */
  toString(): string {
    const n = this.shape.length;
    let dims = this.shape.map((d) => (d === null ? "?" : String(d))).join(", ");
    if (n === 1) dims += ",";
    const kind = n > 2 ? `Tensor${n}` : ["Scalar", "Vector", "Matrix"][n];
    return `${kind}(${this.dtype}, shape=(${dims}))`;
  }

  /** PyTensor's `repr(type)`: `TensorType(float64, shape=())`. */
  repr(): string {
    const n = this.shape.length;
    let dims = this.shape.map((d) => (d === null ? "None" : String(d))).join(", ");
    if (n === 1) dims += ",";
    return `TensorType(${this.dtype}, shape=(${dims}))`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.repr();
  }
}

export function formatShape(shape: readonly (number | null)[]): string {
  const dims = shape.map((d) => (d === null ? "?" : String(d)));
  return `(${dims.join(", ")}${shape.length === 1 ? "," : ""})`;
}
