// Reductions over axes (PyTensor's CAReduce): Sum, Prod, Max, Min, All, Any.
import { Apply, type Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, type DType } from "../graph/type.js";
import { expandDims } from "./dimshuffle.js";
import { and, div, eq, mul, second, switchOp } from "./elemwise.js";

export type ReduceKind = "sum" | "prod" | "max" | "min" | "all" | "any";

const NAMES: Record<ReduceKind, string> = { sum: "Sum", prod: "Prod", max: "Max", min: "Min", all: "All", any: "Any" };

export class Reduce implements Op {
  readonly kind: ReduceKind;
  /** Reduced axes, or null for all of them (printed `axes=None`). */
  readonly axes: readonly number[] | null;
  readonly key: string;

  constructor(kind: ReduceKind, axes: readonly number[] | null) {
    this.kind = kind;
    this.axes = axes === null ? null : [...axes].sort((a, b) => a - b);
    this.key = `Reduce{${kind};${this.axes === null ? "None" : this.axes.join(",")}}`;
  }

  toString(): string {
    const a = this.axes;
    const params = a === null ? "axes=None" : a.length === 1 ? `axis=${a[0]}` : `axes=[${a.join(", ")}]`;
    return `${NAMES[this.kind]}{${params}}`;
  }

  reducedAxes(ndim: number): number[] {
    return this.axes === null ? [...Array(ndim).keys()] : [...this.axes];
  }

  makeNode(x: Variable): Apply {
    const axes = this.reducedAxes(x.ndim);
    if (axes.some((a) => a < 0 || a >= x.ndim)) throw new Error(`${this}: axis out of range for ${x.type}`);
    if ((this.kind === "max" || this.kind === "min") && axes.some((a) => x.type.shape[a] === 0)) {
      throw new Error(`${this}: zero-size reduction has no identity`);
    }
    const shape = x.type.shape.filter((_, k) => !axes.includes(k));
    let dtype: DType = x.dtype;
    if (this.kind === "all" || this.kind === "any") dtype = "bool";
    else if ((this.kind === "sum" || this.kind === "prod") && dtype === "bool") dtype = "int64";
    return new Apply(this, [x], [new TensorType(dtype, shape)]);
  }

  grad([x]: Variable[], [out]: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null];
    const axes = this.reducedAxes(x.ndim);
    const gzFull = axes.length ? expandDims(gz, axes) : gz;
    switch (this.kind) {
      case "sum":
        return [second(x, gzFull)];
      case "prod": {
        // d prod / d x_i is the product of the other entries. prod / x_i gives it where no entry
        // is zero; with one zero only that entry gets the product of the rest; with more, none.
        const keep = (v: Variable) => (axes.length ? expandDims(v, axes) : v);
        const isZero = eq(x, 0);
        const zeros = keep(new Reduce("sum", this.axes).makeNode(isZero).outputs[0]);
        const rest = keep(new Reduce("prod", this.axes).makeNode(switchOp(isZero, 1, x)).outputs[0]);
        const local = switchOp(eq(zeros, 0), div(keep(out), x), switchOp(and(isZero, eq(zeros, 1)), rest, 0));
        return [mul(gzFull, local)];
      }
      case "max":
      case "min": {
        const outFull = axes.length ? expandDims(out, axes) : out;
        return [mul(gzFull, eq(x, outFull))];
      }
      default:
        return [null];
    }
  }

  emit(ctx: EmitContext): void {
    const [x] = ctx.ins;
    const [out] = ctx.outs;
    const node = ctx.node;
    const ndim = node.inputs[0].ndim;
    if (ndim === 0) {
      const bool = this.kind === "all" || this.kind === "any";
      ctx.line(`const ${out} = ${bool ? `(${x} !== 0 ? 1 : 0)` : x};`);
      return;
    }
    const axes = this.reducedAxes(ndim);
    if (ndim === 2 && axes.length === 1) {
      this.emitMatrixAxis(ctx, axes[0]);
      return;
    }
    const size = node.inputs[0].type.shape.every((d) => d !== null) ? (node.inputs[0].type.shape as number[]).reduce((p, d) => p * d, 1) : null;
    if (node.outputs[0].ndim === 0 && size !== null && size <= SMALL_REDUCE) {
      // A few numbers of static count (a loop body's state): a loop here costs less than the kernel's call.
      const [acc, xd, i] = ["acc", "xd", "i"].map((h) => ctx.tmp(h));
      ctx.line(`let ${acc} = ${INITIAL[this.kind]};`);
      ctx.line(`for (let ${i} = 0, ${xd} = ${ctx.dataAlias(x) ?? `${x}.data`}; ${i} < ${size}; ${i}++) ${acc} = ${COMBINE[this.kind](acc, `${xd}[${i}]`)};`);
      ctx.line(`const ${out} = ${acc};`);
    } else if (node.outputs[0].ndim === 0) {
      ctx.line(`const ${out} = ${ctx.rt("reduceAll")}(${JSON.stringify(this.kind)}, ${x}.data);`);
    } else {
      const axesList = ctx.hoist(`[${axes.join(", ")}]`);
      ctx.line(`const ${out} = ${ctx.rt("reduce")}(${JSON.stringify(this.kind)}, ${x}, ${axesList}, ${ctx.slot()});`);
    }
  }
  /**
   * One axis of a matrix, as two plain loops (the axis sums of gradients, a logsumexp over rows):
   * the generic kernel's index bookkeeping costs more than the sums for the small matrices of a
   * loop body.
   */
  private emitMatrixAxis(ctx: EmitContext, axis: number): void {
    const [x] = ctx.ins;
    const [out] = ctx.outs;
    const shape = ctx.node.inputs[0].type.shape;
    const [rows, cols] = shape.map((d, k) => (d === null ? `${x}.shape[${k}]` : String(d)));
    const [od, xd, i, j, acc] = ["od", "xd", "i", "j", "acc"].map((h) => ctx.tmp(h));
    const combine = COMBINE[this.kind];
    ctx.line(`const ${out} = ${ctx.alloc([axis === 0 ? cols : rows])};`);
    ctx.line(`const ${od} = ${out}.data, ${xd} = ${ctx.dataAlias(x) ?? `${x}.data`};`);
    if (axis === 1) {
      ctx.line(`for (let ${i} = 0; ${i} < ${rows}; ${i}++) {`);
      ctx.line(`  let ${acc} = ${INITIAL[this.kind]};`);
      ctx.line(`  for (let ${j} = 0; ${j} < ${cols}; ${j}++) ${acc} = ${combine(acc, `${xd}[${i} * ${cols} + ${j}]`)};`);
      ctx.line(`  ${od}[${i}] = ${acc};`);
      ctx.line("}");
      return;
    }
    ctx.line(`for (let ${j} = 0; ${j} < ${cols}; ${j}++) ${od}[${j}] = ${INITIAL[this.kind]};`);
    ctx.line(`for (let ${i} = 0; ${i} < ${rows}; ${i}++) {`);
    ctx.line(`  for (let ${j} = 0; ${j} < ${cols}; ${j}++) ${od}[${j}] = ${combine(`${od}[${j}]`, `${xd}[${i} * ${cols} + ${j}]`)};`);
    ctx.line("}");
  }
}

const COMBINE: Record<ReduceKind, (acc: string, x: string) => string> = {
  sum: (a, x) => `${a} + ${x}`,
  prod: (a, x) => `${a} * ${x}`,
  max: (a, x) => `(${x} > ${a} || ${x} !== ${x} ? ${x} : ${a})`,
  min: (a, x) => `(${x} < ${a} || ${x} !== ${x} ? ${x} : ${a})`,
  all: (a, x) => `(${a} && ${x} !== 0 ? 1 : 0)`,
  any: (a, x) => `(${a} || ${x} !== 0 ? 1 : 0)`,
};

/** Largest full reduction of static size written out as a loop rather than a kernel call. */
const SMALL_REDUCE = 64;

const INITIAL: Record<ReduceKind, string> = { sum: "0", prod: "1", max: "-Infinity", min: "Infinity", all: "1", any: "0" };

function normAxes(x: Variable, axis: number | readonly number[] | null | undefined): number[] | null {
  if (axis === null || axis === undefined) return null;
  const list = typeof axis === "number" ? [axis] : [...axis];
  return list.map((a) => {
    const k = a < 0 ? a + x.ndim : a;
    if (k < 0 || k >= x.ndim) throw new Error(`axis ${a} is out of range for ${x.type}`);
    return k;
  });
}

/** Reduce `x` over `axis` (all axes when omitted), keeping reduced dims as length 1 if asked. */
export function reduce(kind: ReduceKind, x: Variable, axis?: number | readonly number[] | null, keepdims = false): Variable {
  const axes = normAxes(x, axis);
  const out = new Reduce(kind, axes).makeNode(x).outputs[0];
  if (!keepdims) return out;
  const all = axes ?? [...Array(x.ndim).keys()];
  return all.length ? expandDims(out, all) : out;
}

export const sum = (x: Variable, axis?: number | readonly number[] | null, keepdims = false) => reduce("sum", x, axis, keepdims);
