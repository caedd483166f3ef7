// Joining: MakeVector (scalars into a vector), Join (concatenate along an axis) and its inverse Split.
import { Apply, type Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, formatShape, upcast, type DType } from "../graph/type.js";
import { expandDims } from "./dimshuffle.js";
import { zerosLike } from "./elemwise.js";
import { subtensor } from "./subtensor.js";

export class MakeVector implements Op {
  readonly dtype: DType;
  readonly key: string;

  constructor(dtype: DType) {
    this.dtype = dtype;
    this.key = `MakeVector{${dtype}}`;
  }

  toString(): string {
    return `MakeVector{dtype='${this.dtype}'}`;
  }

  makeNode(...xs: Variable[]): Apply {
    xs.forEach((x, i) => {
      if (x.ndim !== 0) throw new Error(`MakeVector: input ${i} (${x}) is not a scalar: ${x.type}`);
    });
    return new Apply(this, xs, [new TensorType(this.dtype, [xs.length])]);
  }

  grad(xs: Variable[], _: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    return xs.map((_, i) => (gz ? subtensor(gz, [i]) : null));
  }

  emit(ctx: EmitContext): void {
    const out = ctx.outs[0];
    ctx.line(`const ${out} = ${ctx.alloc([String(ctx.ins.length)])};`);
    ctx.ins.forEach((x, i) => ctx.line(`${out}.data[${i}] = ${x};`));
  }
}

export function makeVector(xs: Variable[], dtype?: DType): Variable {
  const dt = dtype ?? upcast(...xs.map((x) => x.dtype));
  return new MakeVector(dt).makeNode(...xs).outputs[0];
}

export class Join implements Op {
  readonly axis: number;
  readonly key: string;

  constructor(axis: number) {
    this.axis = axis;
    this.key = `Join{${axis}}`;
  }

  toString(): string {
    return `Join{axis=${this.axis}}`;
  }

  makeNode(...xs: Variable[]): Apply {
    if (!xs.length) throw new Error("Join: nothing to join");
    const ndim = xs[0].ndim;
    const ax = this.axis;
    if (ndim === 0 || ax < 0 || ax >= ndim) throw new Error(`Join: axis ${ax} is out of range for ${xs[0].type}`);
    const shape: (number | null)[] = [...xs[0].type.shape];
    let along: number | null = 0;
    for (const x of xs) {
      if (x.ndim !== ndim) throw new Error(`Join: all inputs must have rank ${ndim}, got ${x.type}`);
      x.type.shape.forEach((d, k) => {
        if (k === ax) return;
        if (d !== null && shape[k] !== null && d !== shape[k]) {
          throw new Error(`Join: shapes ${xs.map((v) => formatShape(v.type.shape)).join(", ")} differ outside axis ${ax}`);
        }
        if (shape[k] === null) shape[k] = d;
      });
      const d = x.type.shape[ax];
      along = along === null || d === null ? null : along + d;
    }
    shape[ax] = along;
    return new Apply(this, xs, [new TensorType(upcast(...xs.map((x) => x.dtype)), shape)]);
  }

  grad(xs: Variable[], _: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return xs.map(() => null);
    const parts = new Split(this.axis, xs.length).makeNode(gz, ...xs).outputs;
    return parts;
  }

  emit(ctx: EmitContext): void {
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("join")}(${this.axis}, [${ctx.ins.join(", ")}], ${ctx.slot()});`);
  }
}

/** Split `x` along `axis` into pieces as long as the reference inputs are along that axis. */
export class Split implements Op {
  readonly axis: number;
  readonly n: number;
  readonly key: string;

  constructor(axis: number, n: number) {
    this.axis = axis;
    this.n = n;
    this.key = `Split{${axis};${n}}`;
  }

  toString(): string {
    return `Split{axis=${this.axis}, n=${this.n}}`;
  }

  makeNode(x: Variable, ...refs: Variable[]): Apply {
    if (refs.length !== this.n) throw new Error(`Split: expected ${this.n} reference inputs`);
    const types = refs.map((r) => {
      const shape = [...x.type.shape];
      shape[this.axis] = r.type.shape[this.axis];
      return new TensorType(x.dtype, shape);
    });
    return new Apply(this, [x, ...refs], types);
  }

  grad([x, ...refs]: Variable[], outputs: Variable[], gs: (Variable | null)[]): (Variable | null)[] {
    const parts = gs.map((g, i) => g ?? zerosLike(outputs[i]));
    return [join(this.axis, parts), ...refs.map(() => null)];
  }

  emit(ctx: EmitContext): void {
    const [x, ...refs] = ctx.ins;
    const sizes = refs.map((r) => `${r}.shape[${this.axis}]`).join(", ");
    ctx.line(`const [${ctx.outs.join(", ")}] = ${ctx.rt("split")}(${x}, ${this.axis}, [${sizes}]);`);
  }
}

export function join(axis: number, xs: Variable[]): Variable {
  const ndim = xs[0]?.ndim ?? 0;
  const ax = axis < 0 ? axis + ndim : axis;
  // Report the axis the user gave, not the normalised one.
  if (xs.length && (ax < 0 || ax >= ndim)) throw new Error(`Join: axis ${axis} is out of range for ${xs[0].type}`);
  return new Join(ax).makeNode(...xs).outputs[0];
}

/** NumPy's stack: scalars become a MakeVector, tensors are joined along a new axis. */
export function stack(xs: Variable[], axis = 0): Variable {
  if (!xs.length) throw new Error("stack: nothing to stack");
  if (xs.every((x) => x.ndim === 0) && axis === 0) return makeVector(xs);
  const ndim = xs[0].ndim + 1;
  const ax = axis < 0 ? axis + ndim : axis;
  if (ax < 0 || ax >= ndim) throw new Error(`stack: axis ${axis} is out of range for inputs of type ${xs[0].type}`);
  return join(
    ax,
    xs.map((x) => expandDims(x, [ax])),
  );
}
