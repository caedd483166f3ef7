// Indexing: basic (integers and slices on leading axes) and integer-array indexing along axis 0,
// each with the increment op its gradient needs.
import { Apply, type Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, formatShape, upcast } from "../graph/type.js";
import { zerosLike } from "./elemwise.js";
import { dropDims, expandDims } from "./dimshuffle.js";

/** One entry per leading axis: an integer (drops the axis) or a Python-style slice. */
export type IndexEntry = number | { start?: number | null; stop?: number | null; step?: number | null };

function entryText(e: IndexEntry): string {
  if (typeof e === "number") return String(e);
  const s = (v: number | null | undefined) => (v === null || v === undefined ? "" : String(v));
  const step = e.step === null || e.step === undefined ? "" : `:${e.step}`;
  return `${s(e.start)}:${s(e.stop)}${step}`;
}

/** Python's slice.indices(n) → (start, stop, step, length). */
export function sliceIndices(e: Exclude<IndexEntry, number>, n: number): [number, number, number, number] {
  const step = e.step ?? 1;
  if (step === 0) throw new Error("slice step cannot be zero");
  const clamp = (v: number | null | undefined, dflt: number, lo: number, hi: number) => {
    if (v === null || v === undefined) return dflt;
    const x = v < 0 ? v + n : v;
    return Math.min(Math.max(x, lo), hi);
  };
  const start = step > 0 ? clamp(e.start, 0, 0, n) : clamp(e.start, n - 1, -1, n - 1);
  const stop = step > 0 ? clamp(e.stop, n, 0, n) : clamp(e.stop, -1, -1, n - 1);
  const len = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((stop - start) / step));
  return [start, stop, step, len];
}

/** Entries must be integers, slice bounds integers or null, steps non-zero (checked once, here). */
function checkEntries(entries: readonly IndexEntry[], what: string): void {
  const isInt = (v: number | null | undefined) => v === null || v === undefined || Number.isInteger(v);
  for (const e of entries) {
    if (typeof e === "number") {
      if (!Number.isInteger(e)) throw new Error(`${what}: index ${e} is not an integer`);
    } else {
      if (!isInt(e.start) || !isInt(e.stop) || !isInt(e.step)) {
        throw new Error(`${what}: slice ${entryText(e)} has a bound or step that is not an integer`);
      }
      if (e.step === 0) throw new Error(`${what}: slice step cannot be zero`);
    }
  }
}

function selectedShape(x: Variable, entries: readonly IndexEntry[], what: string): (number | null)[] {
  if (entries.length > x.ndim) throw new Error(`${what}: too many indices (${entries.length}) for ${x.type}`);
  const shape: (number | null)[] = [];
  entries.forEach((e, k) => {
    const n = x.type.shape[k];
    if (typeof e === "number") {
      if (!Number.isInteger(e)) throw new Error(`${what}: index ${e} is not an integer`);
      if (n !== null && (e >= n || e < -n)) {
        throw new Error(`${what}: index ${e} is out of bounds for axis ${k} with size ${n}`);
      }
      return;
    }
    shape.push(n === null ? null : sliceIndices(e, n)[3]);
  });
  return [...shape, ...x.type.shape.slice(entries.length)];
}

export class Subtensor implements Op {
  readonly entries: readonly IndexEntry[];
  readonly key: string;

  constructor(entries: readonly IndexEntry[]) {
    this.entries = entries.map((e) => (typeof e === "number" ? e : { start: e.start ?? null, stop: e.stop ?? null, step: e.step ?? null }));
    this.key = `Subtensor{${this.entries.map(entryText).join(", ")}}`;
    checkEntries(this.entries, this.key);
  }

  toString(): string {
    return this.key;
  }

  makeNode(x: Variable): Apply {
    return new Apply(this, [x], [new TensorType(x.dtype, selectedShape(x, this.entries, String(this)))]);
  }

  grad([x]: Variable[], _: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null];
    return [new IncSubtensor(this.entries).makeNode(zerosLike(x), gz).outputs[0]];
  }

  emit(ctx: EmitContext): void {
    const spec = ctx.hoist(JSON.stringify(this.entries));
    // One element: read it in place rather than building a selection.
    const kernel = ctx.node.outputs[0].ndim === 0 ? "scalarAt" : "subtensor";
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt(kernel)}(${ctx.ins[0]}, ${spec});`);
  }
}

/** x with y added into x[entries] (the gradient of Subtensor). */
export class IncSubtensor implements Op {
  readonly entries: readonly IndexEntry[];
  readonly key: string;

  constructor(entries: readonly IndexEntry[]) {
    this.entries = entries;
    this.key = `IncSubtensor{${entries.map(entryText).join(", ")}}`;
    checkEntries(entries, this.key);
  }

  toString(): string {
    return this.key;
  }

  makeNode(x: Variable, y: Variable): Apply {
    const sel = selectedShape(x, this.entries, String(this));
    if (y.ndim !== sel.length) throw new Error(`${this}: value of type ${y.type} does not fit selection ${formatShape(sel)}`);
    return new Apply(this, [x, y], [new TensorType(upcast(x.dtype, y.dtype), x.type.shape)]);
  }

  grad(_: Variable[], __: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null, null];
    return [gz, new Subtensor(this.entries).makeNode(gz).outputs[0]];
  }

  emit(ctx: EmitContext): void {
    const spec = ctx.hoist(JSON.stringify(this.entries));
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("incSubtensor")}(${ctx.ins[0]}, ${ctx.ins[1]}, ${spec}, ${ctx.slot()});`);
  }
}

export function subtensor(x: Variable, entries: readonly IndexEntry[]): Variable {
  return new Subtensor(entries).makeNode(x).outputs[0];
}

/** x[idx] for an integer vector idx, along axis 0 (PyTensor's AdvancedSubtensor1). */
export class AdvancedSubtensor1 implements Op {
  readonly key = "AdvancedSubtensor1";

  toString(): string {
    return "AdvancedSubtensor1";
  }

  makeNode(x: Variable, idx: Variable): Apply {
    if (x.ndim < 1) throw new Error(`AdvancedSubtensor1: cannot index ${x.type}`);
    // A boolean vector would be a mask in NumPy, not the indices 0 and 1: refuse it.
    if (idx.ndim !== 1 || idx.dtype !== "int64") {
      throw new Error(`AdvancedSubtensor1: the index must be an integer vector, got ${idx.type}`);
    }
    return new Apply(this, [x, idx], [new TensorType(x.dtype, [idx.type.shape[0], ...x.type.shape.slice(1)])]);
  }

  grad([x, idx]: Variable[], _: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null, null];
    return [new AdvancedIncSubtensor1().makeNode(zerosLike(x), gz, idx).outputs[0], null];
  }

  emit(ctx: EmitContext): void {
    const name = JSON.stringify(String(ctx.node.inputs[0]));
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("take")}(${ctx.ins[0]}, ${ctx.ins[1]}, ${name}, ${ctx.slot()});`);
  }
}

/** x with y[i] added into x[idx[i]] (repeated indices accumulate). */
export class AdvancedIncSubtensor1 implements Op {
  readonly key = "AdvancedIncSubtensor1";

  toString(): string {
    return "AdvancedIncSubtensor1{inc}";
  }

  makeNode(x: Variable, y: Variable, idx: Variable): Apply {
    if (y.ndim !== x.ndim) throw new Error(`${this}: value ${y.type} does not fit ${x.type}`);
    return new Apply(this, [x, y, idx], [new TensorType(upcast(x.dtype, y.dtype), x.type.shape)]);
  }

  grad([, , idx]: Variable[], _: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null, null, null];
    return [gz, new AdvancedSubtensor1().makeNode(gz, idx).outputs[0], null];
  }

  emit(ctx: EmitContext): void {
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("incTake")}(${ctx.ins.join(", ")}, ${ctx.slot()});`);
  }
}

/** x[idx] for an integer vector idx, or x[i] (the axis dropped) for an integer scalar i. */
export function take(x: Variable, idx: Variable): Variable {
  if (idx.ndim === 0) return dropDims(take(x, expandDims(idx, [0])), [0]);
  return new AdvancedSubtensor1().makeNode(x, idx).outputs[0];
}
