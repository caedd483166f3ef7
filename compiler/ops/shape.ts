// Shapes as values: Shape, Shape_i, and Reshape (whose target shape is an integer vector input).
import { Apply, Constant, type Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, formatShape, isDiscrete } from "../graph/type.js";
import { MakeVector } from "./join.js";

export class Shape implements Op {
  readonly key = "Shape";
  readonly foldable = true;

  toString(): string {
    return "Shape";
  }

  makeNode(x: Variable): Apply {
    return new Apply(this, [x], [new TensorType("int64", [x.ndim])]);
  }

  grad(): (Variable | null)[] {
    return [null];
  }

  emit(ctx: EmitContext): void {
    const x = ctx.ins[0];
    const value = ctx.node.inputs[0].ndim === 0 ? "[]" : `${x}.shape`;
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("nd")}([${ctx.node.inputs[0].ndim}], ${value});`);
  }
}

export class ShapeI implements Op {
  readonly i: number;
  readonly key: string;

  constructor(i: number) {
    this.i = i;
    this.key = `Shape_i{${i}}`;
  }

  toString(): string {
    return this.key;
  }

  makeNode(x: Variable): Apply {
    if (this.i >= x.ndim) throw new Error(`${this}: ${x.type} has no dimension ${this.i}`);
    return new Apply(this, [x], [new TensorType("int64", [])]);
  }

  grad(): (Variable | null)[] {
    return [null];
  }

  emit(ctx: EmitContext): void {
    ctx.line(`const ${ctx.outs[0]} = ${ctx.ins[0]}.shape[${this.i}];`);
  }
}

export const shape = (x: Variable): Variable => new Shape().makeNode(x).outputs[0];
export const shapeI = (x: Variable, i: number): Variable => new ShapeI(i).makeNode(x).outputs[0];

/** Static entries of an integer shape vector, where they can be read off the graph. */
export function staticEntries(s: Variable): (number | null)[] {
  const n = s.type.shape[0] as number;
  if (s instanceof Constant) return Array.from(s.data);
  const node = s.owner;
  if (node?.op instanceof MakeVector) {
    return node.inputs.map((v) => {
      if (v instanceof Constant) return v.value;
      if (v.owner?.op instanceof ShapeI) return v.owner.inputs[0].type.shape[(v.owner.op as ShapeI).i];
      return null;
    });
  }
  if (node?.op instanceof Shape) return [...node.inputs[0].type.shape];
  return Array(n).fill(null);
}

export class Reshape implements Op {
  readonly ndim: number;
  readonly key: string;
  /** The output shares the input's data (the kernel only changes the shape). */
  readonly isView = true;

  constructor(ndim: number) {
    this.ndim = ndim;
    this.key = `Reshape{${ndim}}`;
  }

  toString(): string {
    return this.key;
  }

  makeNode(x: Variable, s: Variable): Apply {
    if (s.ndim !== 1 || !isDiscrete(s.dtype) || s.type.shape[0] !== this.ndim) {
      throw new Error(`${this}: the shape must be an integer vector of length ${this.ndim}, got ${s.type}`);
    }
    let dims = staticEntries(s);
    if (dims.some((d) => d !== null && d !== -1 && !(Number.isInteger(d) && d >= 0))) {
      throw new Error(`${this}: invalid target shape (${dims.map((d) => d ?? "?").join(", ")}) for ${x.type}`);
    }
    const known = x.type.shape.every((d) => d !== null);
    const size = known ? (x.type.shape as number[]).reduce((a, b) => a * b, 1) : null;
    if (dims.filter((d) => d === -1).length > 1) throw new Error(`${this}: only one dimension can be -1`);
    const rest = dims.filter((d) => d !== null && d !== -1) as number[];
    const restSize = rest.reduce((a, b) => a * b, 1);
    if (dims.includes(-1)) {
      const inferred = size !== null && dims.every((d) => d !== null) ? size / restSize : null;
      if (inferred !== null && !Number.isInteger(inferred)) {
        throw new Error(`${this}: cannot reshape ${formatShape(x.type.shape)} into ${formatShape(dims)}`);
      }
      dims = dims.map((d) => (d === -1 ? inferred : d));
    } else if (size !== null && dims.every((d) => d !== null) && restSize !== size) {
      throw new Error(`${this}: cannot reshape ${formatShape(x.type.shape)} (size ${size}) into ${formatShape(dims)}`);
    }
    return new Apply(this, [x, s], [new TensorType(x.dtype, dims)]);
  }

  grad([x]: Variable[], _: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null, null];
    return [reshape(gz, shape(x)), null];
  }

  emit(ctx: EmitContext): void {
    const name = JSON.stringify(String(ctx.node.inputs[0]));
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("reshape")}(${ctx.ins[0]}, ${ctx.ins[1]}.data, ${name});`);
  }
}

export function reshape(x: Variable, s: Variable): Variable {
  return new Reshape(s.type.shape[0] as number).makeNode(x, s).outputs[0];
}
