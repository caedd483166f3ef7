// Dot: vector·vector, matrix·vector, vector·matrix and matrix·matrix products.
import { Apply, type Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, formatShape, upcast } from "../graph/type.js";
import { expandDims, transpose } from "./dimshuffle.js";
import { mul } from "./elemwise.js";

export class Dot implements Op {
  readonly key = "Dot";

  toString(): string {
    return "Dot";
  }

  makeNode(a: Variable, b: Variable): Apply {
    if (![1, 2].includes(a.ndim) || ![1, 2].includes(b.ndim)) {
      throw new Error(`Dot: expected vectors or matrices, got ${a.type} and ${b.type}`);
    }
    const inner = [a.type.shape[a.ndim - 1], b.type.shape[0]];
    if (inner[0] !== null && inner[1] !== null && inner[0] !== inner[1]) {
      throw new Error(`Dot: shapes ${formatShape(a.type.shape)} and ${formatShape(b.type.shape)} not aligned: ${inner[0]} != ${inner[1]}`);
    }
    const shape = [...a.type.shape.slice(0, a.ndim - 1), ...b.type.shape.slice(1)];
    return new Apply(this, [a, b], [new TensorType(upcast("int64", a.dtype, b.dtype), shape)]);
  }

  grad([a, b]: Variable[], _: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null, null];
    if (a.ndim === 1 && b.ndim === 1) return [mul(gz, b), mul(gz, a)];
    if (a.ndim === 2 && b.ndim === 1) return [dot(expandDims(gz, [1]), expandDims(b, [0])), dot(transpose(a), gz)];
    if (a.ndim === 1 && b.ndim === 2) return [dot(b, gz), dot(expandDims(a, [1]), expandDims(gz, [0]))];
    return [dot(gz, transpose(b)), dot(transpose(a), gz)];
  }

  emit(ctx: EmitContext): void {
    const [a, b] = ctx.ins;
    if (!emitSmallDot(ctx)) ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("dot")}(${a}, ${b}, ${ctx.slot()});`);
  }
}

/** Largest product (multiply-adds) written out as loops of static bounds rather than a kernel call. */
const SMALL_DOT = 256;

/**
 * A product of static shape and a few multiply-adds (a loop body's vector times a small matrix)
 * as plain loops: the kernel's call, shape checks and fill cost more than the sums there. The sums
 * run in the kernel's order, so the numbers are the same.
 */
function emitSmallDot(ctx: EmitContext): boolean {
  const [a, b] = ctx.node.inputs;
  const shapes = [a.type.shape, b.type.shape];
  if (shapes.some((sh) => sh.some((d) => d === null)) || a.ndim + b.ndim === 2) return false;
  const [m, k] = a.ndim === 2 ? (a.type.shape as number[]) : [1, a.type.shape[0] as number];
  const n = b.ndim === 2 ? (b.type.shape[1] as number) : 1;
  if (m * k * n > SMALL_DOT) return false;
  const [x, y] = ctx.ins;
  const [out] = ctx.outs;
  const [ad, bd, od, i, j, p, acc] = ["ad", "bd", "od", "i", "j", "p", "acc"].map((h) => ctx.tmp(h));
  ctx.line(`const ${out} = ${ctx.alloc(ctx.node.outputs[0].type.shape.map(String))};`);
  ctx.line(`const ${ad} = ${ctx.dataAlias(x) ?? `${x}.data`}, ${bd} = ${ctx.dataAlias(y) ?? `${y}.data`}, ${od} = ${out}.data;`);
  ctx.line(`for (let ${i} = 0; ${i} < ${m}; ${i}++) {`);
  ctx.line(`  for (let ${j} = 0; ${j} < ${n}; ${j}++) {`);
  ctx.line(`    let ${acc} = 0;`);
  ctx.line(`    for (let ${p} = 0; ${p} < ${k}; ${p}++) ${acc} += ${ad}[${i} * ${k} + ${p}] * ${bd}[${p} * ${n} + ${j}];`);
  ctx.line(`    ${od}[${i} * ${n} + ${j}] = ${acc};`);
  ctx.line("  }");
  ctx.line("}");
  return true;
}

const DOT = new Dot();

export function dot(a: Variable, b: Variable): Variable {
  return DOT.makeNode(a, b).outputs[0];
}

/**
 * dot(transpose(A), v) for a matrix A and a vector v, without building the transpose: the
 * gradient of every `X @ beta` has this form, and X is usually the largest array of a model.
 */
export class DotTransposed implements Op {
  readonly key = "DotTransposed";

  toString(): string {
    return "DotTransposed";
  }

  makeNode(a: Variable, v: Variable): Apply {
    if (a.ndim !== 2 || v.ndim !== 1) throw new Error(`DotTransposed: expected a matrix and a vector, got ${a.type} and ${v.type}`);
    const [n, k] = a.type.shape;
    if (n !== null && v.type.shape[0] !== null && n !== v.type.shape[0]) {
      throw new Error(`DotTransposed: shapes ${formatShape(a.type.shape)} and ${formatShape(v.type.shape)} not aligned: ${n} != ${v.type.shape[0]}`);
    }
    return new Apply(this, [a, v], [new TensorType(upcast("int64", a.dtype, v.dtype), [k])]);
  }

  grad([a, v]: Variable[], _: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null, null];
    return [dot(expandDims(v, [1]), expandDims(gz, [0])), dot(a, gz)];
  }

  emit(ctx: EmitContext): void {
    const [a, v] = ctx.ins;
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("dotT")}(${a}, ${v}, ${ctx.slot()});`);
  }
}

export function dotTransposed(a: Variable, v: Variable): Variable {
  return new DotTransposed().makeNode(a, v).outputs[0];
}
