// DimShuffle: add broadcastable dims, drop dims of length 1, permute. Printed as PyTensor prints
// its special cases: ExpandDims{axis=0}, DropDims{axis=0}, Transpose{axes=[1, 0]}.
import { Apply, type Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType } from "../graph/type.js";

export type ShuffleEntry = number | "x";

const axesText = (axes: number[]) => (axes.length === 1 ? `axis=${axes[0]}` : `axes=[${axes.join(", ")}]`);

export class DimShuffle implements Op {
  readonly inputNdim: number;
  readonly order: readonly ShuffleEntry[];
  readonly key: string;
  /** Input dims kept, in output order. */
  private readonly kept: number[];

  constructor(inputNdim: number, order: readonly ShuffleEntry[]) {
    this.inputNdim = inputNdim;
    this.order = [...order];
    this.kept = order.filter((o): o is number => o !== "x");
    if (new Set(this.kept).size !== this.kept.length || this.kept.some((k) => k < 0 || k >= inputNdim)) {
      throw new Error(`DimShuffle: invalid order [${order.join(", ")}] for rank ${inputNdim}`);
    }
    this.key = `DimShuffle{${inputNdim};${order.join(",")}}`;
  }

  get isExpandOnly(): boolean {
    return this.kept.length === this.inputNdim && this.kept.every((k, i) => k === i);
  }

  get dropped(): number[] {
    return [...Array(this.inputNdim).keys()].filter((k) => !this.kept.includes(k));
  }

  /** Only adds or drops unit dims: the data is unchanged, only the shape. */
  get isView(): boolean {
    return this.kept.every((k, i) => i === 0 || k > this.kept[i - 1]);
  }

  toString(): string {
    const added = this.order.flatMap((o, i) => (o === "x" ? [i] : []));
    const dropped = this.dropped;
    if (this.isExpandOnly) return `ExpandDims{${axesText(added)}}`;
    if (!added.length && this.isView) return `DropDims{${axesText(dropped)}}`;
    if (!added.length && !dropped.length) return `Transpose{axes=[${this.order.join(", ")}]}`;
    return `DimShuffle{order=[${this.order.map((o) => (o === "x" ? "'x'" : o)).join(",")}]}`;
  }

  makeNode(x: Variable): Apply {
    if (x.ndim !== this.inputNdim) throw new Error(`${this}: expected rank ${this.inputNdim}, got ${x.type}`);
    for (const k of this.dropped) {
      if (x.type.shape[k] !== 1) {
        throw new Error(`${this}: cannot drop dimension ${k} of ${x.type}, it is not of length 1`);
      }
    }
    const shape = this.order.map((o) => (o === "x" ? 1 : x.type.shape[o]));
    return new Apply(this, [x], [new TensorType(x.dtype, shape)]);
  }

  grad([x]: Variable[], _outputs: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null];
    // Undo: drop the added dims, restore dropped ones, invert the permutation.
    const order: ShuffleEntry[] = [];
    for (let k = 0; k < x.ndim; k++) {
      const pos = this.order.indexOf(k);
      order.push(pos === -1 ? "x" : pos);
    }
    const back = new DimShuffle(gz.ndim, order);
    return [back.makeNode(gz).outputs[0]];
  }

  emit(ctx: EmitContext): void {
    const [x] = ctx.ins;
    const [out] = ctx.outs;
    const outNdim = this.order.length;
    const outShape = ctx.node.outputs[0].type.shape;
    const shape = this.order.map((o, i) => (outShape[i] !== null ? String(outShape[i]) : o === "x" ? "1" : `${x}.shape[${o}]`));
    if (this.isView) {
      if (outNdim === 0) ctx.line(`const ${out} = ${x}.data[0];`);
      else if (this.inputNdim === 0 && outNdim === 1) ctx.line(`const ${out} = ${ctx.unit(x)};`);
      else if (this.inputNdim === 0) ctx.line(`const ${out} = ${ctx.view(`Float64Array.of(${x})`, shape)};`);
      else ctx.line(`const ${out} = ${ctx.view(`${x}.data`, shape)};`);
      return;
    }
    const order = ctx.hoist(`[${this.order.map((o) => (o === "x" ? -1 : o)).join(", ")}]`);
    ctx.line(`const ${out} = ${ctx.rt("transpose")}(${x}, ${order}, ${ctx.slot()});`);
  }
}

/** Insert unit dimensions at `axes` (positions in the output). */
export function expandDims(x: Variable, axes: number[]): Variable {
  const ndim = x.ndim + axes.length;
  const norm = axes.map((a) => (a < 0 ? a + ndim : a));
  const order: ShuffleEntry[] = [];
  let next = 0;
  for (let i = 0; i < ndim; i++) order.push(norm.includes(i) ? "x" : next++);
  return new DimShuffle(x.ndim, order).makeNode(x).outputs[0];
}

/** Remove unit dimensions at `axes`. */
export function dropDims(x: Variable, axes: number[]): Variable {
  const norm = axes.map((a) => (a < 0 ? a + x.ndim : a));
  const order = [...Array(x.ndim).keys()].filter((k) => !norm.includes(k));
  return new DimShuffle(x.ndim, order).makeNode(x).outputs[0];
}

/** Permute dimensions (reverse them when `axes` is omitted). */
export function transpose(x: Variable, axes?: number[]): Variable {
  const order = axes ?? [...Array(x.ndim).keys()].reverse();
  if (order.length !== x.ndim) throw new Error(`transpose: ${order.length} axes given for ${x.type}`);
  const norm = order.map((a) => (a < 0 ? a + x.ndim : a));
  return new DimShuffle(x.ndim, norm).makeNode(x).outputs[0];
}
