// Indexing: basic (integers and slices on leading axes) and integer-array indexing along axis 0,
// each with the increment op its gradient needs and the set op of PyTensor's set_subtensor; and
// setSubtensorOf / incSubtensorOf, PyTensor's set_subtensor(x[idx], y) / inc_subtensor(x[idx], y).
import { Apply, Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, formatShape, upcast } from "../graph/type.js";
import { add, zerosLike } from "./elemwise.js";
import { dropDims, expandDims } from "./dimshuffle.js";
import { asTensor, constant, type TensorLike } from "./constant.js";

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

/** x with y written into x[entries]: added (IncSubtensor) or set (SetSubtensor); one rule for both but the gradient. */
abstract class SubtensorUpdate implements Op {
  readonly entries: readonly IndexEntry[];
  readonly key: string;

  constructor(
    entries: readonly IndexEntry[],
    name: "IncSubtensor" | "SetSubtensor",
    private readonly kernel: "incSubtensor" | "setSubtensor",
  ) {
    this.entries = entries;
    this.key = `${name}{${entries.map(entryText).join(", ")}}`;
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

  abstract grad(inputs: Variable[], outputs: Variable[], grads: (Variable | null)[]): (Variable | null)[];

  emit(ctx: EmitContext): void {
    const spec = ctx.hoist(JSON.stringify(this.entries));
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt(this.kernel)}(${ctx.ins[0]}, ${ctx.ins[1]}, ${spec}, ${ctx.slot()});`);
  }
}

/** x with y added into x[entries] (the gradient of Subtensor). */
export class IncSubtensor extends SubtensorUpdate {
  constructor(entries: readonly IndexEntry[]) {
    super(entries, "IncSubtensor", "incSubtensor");
  }

  grad(_: Variable[], __: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null, null];
    return [gz, new Subtensor(this.entries).makeNode(gz).outputs[0]];
  }
}

/** x with x[entries] set to y (PyTensor's IncSubtensor with set_instead_of_inc, printed SetSubtensor). */
export class SetSubtensor extends SubtensorUpdate {
  constructor(entries: readonly IndexEntry[]) {
    super(entries, "SetSubtensor", "setSubtensor");
  }

  grad([, y]: Variable[], __: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null, null];
    // x's entries under the selection were overwritten: no gradient flows to them.
    return [new SetSubtensor(this.entries).makeNode(gz, zerosLike(y)).outputs[0], new Subtensor(this.entries).makeNode(gz).outputs[0]];
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

/** x with x[idx[i]] set to y[i] along axis 0 (the last of repeated indices wins, as NumPy). */
export class AdvancedSetSubtensor1 implements Op {
  readonly key = "AdvancedSetSubtensor1";

  toString(): string {
    return "AdvancedSetSubtensor1";
  }

  makeNode(x: Variable, y: Variable, idx: Variable): Apply {
    if (y.ndim !== x.ndim) throw new Error(`${this}: value ${y.type} does not fit ${x.type}`);
    if (idx.ndim !== 1 || idx.dtype !== "int64") throw new Error(`${this}: the index must be an integer vector, got ${idx.type}`);
    return new Apply(this, [x, y, idx], [new TensorType(upcast(x.dtype, y.dtype), x.type.shape)]);
  }

  grad([, y, idx]: Variable[], _: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null, null, null];
    // As PyTensor: y's gradient is gz[idx] (with repeated indices, every copy gets it).
    return [new AdvancedSetSubtensor1().makeNode(gz, zerosLike(y), idx).outputs[0], new AdvancedSubtensor1().makeNode(gz, idx).outputs[0], null];
  }

  emit(ctx: EmitContext): void {
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("setTake")}(${ctx.ins.join(", ")}, ${ctx.slot()});`);
  }
}

/** x[idx] for an integer vector idx, or x[i] (the axis dropped) for an integer scalar i. */
export function take(x: Variable, idx: Variable): Variable {
  if (idx.ndim === 0) return dropDims(take(x, expandDims(idx, [0])), [0]);
  return new AdvancedSubtensor1().makeNode(x, idx).outputs[0];
}

/** What setSubtensorOf / incSubtensorOf index with: an integer, an integer array or vector, a slice. */
export type UpdateIndex = number | readonly number[] | Variable | { start?: number | null; stop?: number | null; step?: number | null };

/** y broadcast to the selection `sel` (NumPy's rules); y itself when it already has its static shape. */
function fitTo(what: string, y: Variable, sel: Variable): Variable {
  const ys = y.type.shape;
  const ss = sel.type.shape;
  const fits = (k: number) => {
    const d = ys[ys.length - 1 - k];
    const s = ss[ss.length - 1 - k];
    return d === null || s === null || d === 1 || d === s;
  };
  if (ys.length > ss.length || !ys.every((_, k) => fits(k))) {
    throw new Error(`${what}: a value of shape ${formatShape(ys)} does not broadcast to the indexed region of shape ${formatShape(ss)}`);
  }
  if (ys.length === ss.length && ys.every((d, k) => d !== null && d === ss[k])) return y;
  return add(zerosLike(sel), y);
}

/** The integer vector of an integer-array index, its constant entries checked against axis 0. */
function indexVector(what: string, x: Variable, idx: readonly number[] | Variable): Variable {
  if (idx instanceof Variable) {
    if (idx.ndim !== 1 || idx.dtype !== "int64") throw new Error(`${what}: an index variable must be an integer vector, got ${idx.type}`);
    return idx;
  }
  const n = x.type.shape[0];
  for (const i of idx) {
    if (!Number.isInteger(i)) throw new Error(`${what}: index ${i} is not an integer`);
    if (n !== null && (i >= n || i < -n)) throw new Error(`${what}: index ${i} is out of bounds for axis 0 with size ${n}`);
  }
  return constant([...idx], null, "int64");
}

/**
 * PyTensor's set_subtensor(x[idx], y) (set) and inc_subtensor(x[idx], y) (inc) along axis 0: an
 * integer or a slice is basic indexing (SetSubtensor / IncSubtensor), an integer array advanced
 * indexing (AdvancedSetSubtensor1, AdvancedIncSubtensor1: repeated indices add up when incrementing,
 * the last one wins when setting). y broadcasts to the indexed region.
 */
export function updateSubtensor(mode: "set" | "inc", x: TensorLike, idx: UpdateIndex, y: TensorLike): Variable {
  const what = mode === "set" ? "setSubtensor" : "incSubtensor";
  const xv = asTensor(x);
  const yv = asTensor(y);
  if (xv.ndim === 0) throw new Error(`${what}: cannot index ${xv.type}`);
  if (Array.isArray(idx) || idx instanceof Variable) {
    const iv = indexVector(what, xv, idx as readonly number[] | Variable);
    const sel = new AdvancedSubtensor1().makeNode(xv, iv).outputs[0];
    const value = fitTo(what, yv, sel);
    const op = mode === "set" ? new AdvancedSetSubtensor1() : new AdvancedIncSubtensor1();
    return op.makeNode(xv, value, iv).outputs[0];
  }
  if (typeof idx !== "number" && (typeof idx !== "object" || idx === null))
    throw new Error(`${what}: the index must be an integer, an integer array or a slice { start, stop, step }`);
  // Subtensor's constructor checks the entry and spells a slice's missing bounds as null.
  const sel = new Subtensor([idx as IndexEntry]);
  const op = mode === "set" ? new SetSubtensor(sel.entries) : new IncSubtensor(sel.entries);
  // The selection's static shape (and the index's bounds) are checked by the op's own rule.
  selectedShape(xv, sel.entries, String(op));
  const value = fitTo(what, yv, sel.makeNode(xv).outputs[0]);
  return op.makeNode(xv, value).outputs[0];
}
