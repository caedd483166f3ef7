// Array kernels that generated code calls for the ops that are not simple elementwise loops.
import { NDArray, empty, shapeText } from "./ndarray.js";
import { buf1, buf2, outBuffer, type Slot } from "./buffers.js";

export function broadcastError(op: string, names: string[], shapes: number[][]): Error {
  const parts = shapes.map((s, i) => `${names[i]} ${shapeText(s)}`);
  return new Error(`${op}: shapes do not broadcast: ${parts.join(" and ")}`);
}

type ReduceKind = "sum" | "prod" | "max" | "min" | "all" | "any";

const INIT: Record<ReduceKind, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity, all: 1, any: 0 };

function combine(kind: ReduceKind, acc: number, x: number): number {
  switch (kind) {
    case "sum":
      return acc + x;
    case "prod":
      return acc * x;
    case "max":
      return x > acc || x !== x ? x : acc;
    case "min":
      return x < acc || x !== x ? x : acc;
    case "all":
      return acc && x !== 0 ? 1 : 0;
    case "any":
      return acc || x !== 0 ? 1 : 0;
  }
}

/** Reduce every element to one number. */
export function reduceAll(kind: ReduceKind, data: Float64Array): number {
  let acc = INIT[kind];
  if (kind === "sum") {
    for (let i = 0; i < data.length; i++) acc += data[i];
    return acc;
  }
  for (let i = 0; i < data.length; i++) {
    acc = combine(kind, acc, data[i]);
    if (acc !== acc) return acc;
  }
  return acc;
}

/** Reduce over `axes` (sorted), dropping them. A slot, if given, holds the output between calls. */
export function reduce(kind: ReduceKind, x: NDArray, axes: number[], slot?: Slot): NDArray {
  const shape = x.shape;
  const outShape = shape.filter((_, k) => !axes.includes(k));
  const out = outBuffer(slot, outShape);
  out.data.fill(INIT[kind]);
  const ndim = shape.length;
  // Output stride of each input dim (0 for a reduced dim).
  const ostr = new Array<number>(ndim).fill(0);
  let s = 1;
  for (let k = ndim - 1; k >= 0; k--) {
    if (!axes.includes(k)) {
      ostr[k] = s;
      s *= shape[k];
    }
  }
  const idx = new Array<number>(ndim).fill(0);
  const od = out.data;
  const xd = x.data;
  let o = 0;
  for (let i = 0; i < xd.length; i++) {
    od[o] = combine(kind, od[o], xd[i]);
    for (let k = ndim - 1; k >= 0; k--) {
      idx[k]++;
      o += ostr[k];
      if (idx[k] < shape[k]) break;
      o -= ostr[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

/** Permute dims; -1 in `order` inserts a unit dim. */
export function transpose(x: NDArray, order: number[], slot?: Slot): NDArray {
  if (order.length === 2 && order[0] === 1 && order[1] === 0) {
    // The matrix case, without bookkeeping arrays (it sits in every matrix-vector gradient).
    const [r, c] = x.shape;
    const out = slot ? buf2(slot, c, r) : empty([c, r]);
    const od = out.data;
    const xd = x.data;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) od[j * r + i] = xd[i * c + j];
    return out;
  }
  const outShape = order.map((o) => (o < 0 ? 1 : x.shape[o]));
  const out = outBuffer(slot, outShape);
  const instr = new Array<number>(x.shape.length);
  let s = 1;
  for (let k = x.shape.length - 1; k >= 0; k--) {
    instr[k] = s;
    s *= x.shape[k];
  }
  const str = order.map((o) => (o < 0 ? 0 : instr[o]));
  const ndim = outShape.length;
  const idx = new Array<number>(ndim).fill(0);
  const od = out.data;
  const xd = x.data;
  let p = 0;
  for (let i = 0; i < od.length; i++) {
    od[i] = xd[p];
    for (let k = ndim - 1; k >= 0; k--) {
      idx[k]++;
      p += str[k];
      if (idx[k] < outShape[k]) break;
      p -= str[k] * outShape[k];
      idx[k] = 0;
    }
  }
  return out;
}

/** Matrix and vector products (row-major). Returns a number for vector·vector. */
export function dot(a: NDArray, b: NDArray, slot?: Slot): number | NDArray {
  const ad = a.data;
  const bd = b.data;
  const k = a.shape[a.shape.length - 1];
  if (b.shape[0] !== k) {
    throw new Error(`Dot: shapes ${shapeText(a.shape)} and ${shapeText(b.shape)} not aligned: ${k} != ${b.shape[0]}`);
  }
  if (a.shape.length === 1 && b.shape.length === 1) {
    let s = 0;
    for (let i = 0; i < k; i++) s += ad[i] * bd[i];
    return s;
  }
  const m = a.shape.length === 2 ? a.shape[0] : 1;
  const n = b.shape.length === 2 ? b.shape[1] : 1;
  let out: NDArray;
  if (!slot) out = empty([...a.shape.slice(0, -1), ...b.shape.slice(1)]);
  else if (a.shape.length === 2 && b.shape.length === 2) out = buf2(slot, m, n);
  else out = buf1(slot, a.shape.length === 2 ? m : n);
  const od = out.data;
  od.fill(0);
  for (let i = 0; i < m; i++) {
    const row = i * k;
    for (let p = 0; p < k; p++) {
      // No skipping of zero entries: 0 * inf and 0 * NaN must give NaN, as in NumPy.
      const aip = ad[row + p];
      const brow = p * n;
      const orow = i * n;
      for (let j = 0; j < n; j++) od[orow + j] += aip * bd[brow + j];
    }
  }
  return out;
}

/** Sizes of the dims before and after `axis`, and along it. */
function around(shape: number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let k = 0; k < axis; k++) outer *= shape[k];
  for (let k = axis + 1; k < shape.length; k++) inner *= shape[k];
  return [outer, shape[axis], inner];
}

/** Concatenate along `axis`. */
export function join(axis: number, xs: NDArray[], slot?: Slot): NDArray {
  const shape = [...xs[0].shape];
  let along = 0;
  for (const x of xs) {
    for (let k = 0; k < shape.length; k++) {
      if (k !== axis && x.shape[k] !== shape[k]) {
        throw new Error(`Join: shapes ${xs.map((v) => shapeText(v.shape)).join(", ")} differ outside axis ${axis}`);
      }
    }
    along += x.shape[axis];
  }
  shape[axis] = along;
  const out = outBuffer(slot, shape);
  const [outer, , inner] = around(shape, axis);
  let offset = 0;
  for (const x of xs) {
    const chunk = x.shape[axis] * inner;
    for (let o = 0; o < outer; o++) out.data.set(x.data.subarray(o * chunk, (o + 1) * chunk), o * along * inner + offset);
    offset += chunk;
  }
  return out;
}

/** Split along `axis` into pieces of the given sizes (the inverse of join). */
export function split(x: NDArray, axis: number, sizes: number[]): NDArray[] {
  const [outer, along, inner] = around(x.shape, axis);
  let offset = 0;
  // A loop and push, not sizes.map: the arrays map() returns made the generated code reading them
  // deoptimize on every call (V8, "wrong map").
  const parts: NDArray[] = [];
  for (const size of sizes) {
    const shape = [...x.shape];
    shape[axis] = size;
    const out = empty(shape);
    const chunk = size * inner;
    for (let o = 0; o < outer; o++) out.data.set(x.data.subarray(o * along * inner + offset, o * along * inner + offset + chunk), o * chunk);
    offset += chunk;
    parts.push(out);
  }
  return parts;
}

type Entry = number | { start: number | null; stop: number | null; step: number | null };

function sliceIndices(e: Exclude<Entry, number>, n: number): [number, number, number] {
  const step = e.step ?? 1;
  // A zero step selects without end (the process dies); the op refuses it, this guards other callers.
  if (step === 0) throw new Error("slice step cannot be zero");
  const clamp = (v: number | null, dflt: number, lo: number, hi: number) => (v === null ? dflt : Math.min(Math.max(v < 0 ? v + n : v, lo), hi));
  const start = step > 0 ? clamp(e.start, 0, 0, n) : clamp(e.start, n - 1, -1, n - 1);
  const stop = step > 0 ? clamp(e.stop, n, 0, n) : clamp(e.stop, -1, -1, n - 1);
  return [start, step, Math.max(0, Math.ceil((stop - start) / step))];
}

/** Walk the flat positions selected by `entries`, calling visit(sourcePos, selectionPos). */
/**
 * Walk the elements `entries` select from x, a run at a time: `run(src, dst, len, step)` stands for
 * x.data[src + i * step] ↔ selection[dst + i], i < len (the innermost axis; step 1 where contiguous).
 * Returns the selection's shape.
 */
function select(what: string, x: { shape: number[] }, entries: Entry[], run: (src: number, dst: number, len: number, step: number) => void): number[] {
  const ndim = x.shape.length;
  const strides = new Array<number>(ndim);
  let s = 1;
  for (let k = ndim - 1; k >= 0; k--) {
    strides[k] = s;
    s *= x.shape[k];
  }
  let base = 0;
  const loops: { start: number; step: number; len: number; stride: number }[] = [];
  const outShape: number[] = [];
  for (let k = 0; k < ndim; k++) {
    const e = k < entries.length ? entries[k] : { start: null, stop: null, step: null };
    const n = x.shape[k];
    if (typeof e === "number") {
      const i = e < 0 ? e + n : e;
      if (i < 0 || i >= n) throw new Error(`${what}: index ${e} is out of bounds for axis ${k} with size ${n}`);
      base += i * strides[k];
    } else {
      const [start, step, len] = sliceIndices(e, n);
      loops.push({ start, step, len, stride: strides[k] });
      outShape.push(len);
    }
  }
  if (loops.length === 0) {
    run(base, 0, 1, 1);
    return outShape;
  }
  const inner = loops[loops.length - 1];
  let dst = 0;
  const rec = (d: number, pos: number) => {
    if (d === loops.length - 1) {
      run(pos + inner.start * inner.stride, dst, inner.len, inner.step * inner.stride);
      dst += inner.len;
      return;
    }
    const l = loops[d];
    for (let i = 0; i < l.len; i++) rec(d + 1, pos + (l.start + i * l.step) * l.stride);
  };
  rec(0, base);
  return outShape;
}

/** x[i, j, ...] with an integer for every axis: one element, read in place. */
export function scalarAt(x: NDArray, entries: number[]): number {
  let pos = 0;
  let stride = 1;
  for (let k = x.shape.length - 1; k >= 0; k--) {
    const n = x.shape[k];
    const e = entries[k];
    const i = e < 0 ? e + n : e;
    if (!(i >= 0 && i < n)) throw new Error(`Subtensor: index ${e} is out of bounds for axis ${k} with size ${n}`);
    pos += i * stride;
    stride *= n;
  }
  return x.data[pos];
}

/** x[entries] with integers and slices on the leading axes. A number when every axis is indexed. */
export function subtensor(x: NDArray, entries: Entry[]): number | NDArray {
  const src = x.data;
  let out = new Float64Array(0);
  const shape = select("Subtensor", x, entries, (from, at, len, step) => {
    if (at + len > out.length) {
      const grown = new Float64Array(Math.max(at + len, 2 * out.length));
      grown.set(out);
      out = grown;
    }
    if (step === 1) out.set(src.subarray(from, from + len), at);
    else for (let i = 0; i < len; i++) out[at + i] = src[from + i * step];
  });
  const n = shape.reduce((a, b) => a * b, 1);
  return shape.length === 0 ? out[0] : new NDArray(shape, out.length === n ? out : out.slice(0, n));
}

/** A copy of x with y added into x[entries]. */
export function incSubtensor(x: NDArray, y: number | NDArray, entries: Entry[], slot?: Slot): NDArray {
  const out = outBuffer(slot, x.shape);
  out.data.set(x.data);
  const o = out.data;
  const yd = typeof y === "number" ? null : y.data;
  select("IncSubtensor", x, entries, (from, at, len, step) => {
    if (yd) for (let i = 0; i < len; i++) o[from + i * step] += yd[at + i];
    else for (let i = 0; i < len; i++) o[from + i * step] += y as number;
  });
  return out;
}

/** A copy of x with x[entries] set to y (y has the selection's shape, or is a number). */
export function setSubtensor(x: NDArray, y: number | NDArray, entries: Entry[], slot?: Slot): NDArray {
  const out = outBuffer(slot, x.shape);
  out.data.set(x.data);
  const o = out.data;
  const yd = typeof y === "number" ? null : y.data;
  select("SetSubtensor", x, entries, (from, at, len, step) => {
    if (yd) for (let i = 0; i < len; i++) o[from + i * step] = yd[at + i];
    else for (let i = 0; i < len; i++) o[from + i * step] = y as number;
  });
  return out;
}

function rowIndex(i: number, n: number, name: string): number {
  const j = i < 0 ? i + n : i;
  if (!(j >= 0 && j < n && Number.isInteger(j))) {
    throw new Error(`AdvancedSubtensor1: index ${i} is out of bounds for '${name}' with ${n} rows`);
  }
  return j;
}

/**
 * Index vectors checked once and kept as Int32Arrays (normalised, in bounds): data indices are read
 * on every call, and checking and converting each element every time costs more than the lookup.
 */
const checkedIndices = new WeakMap<Float64Array, { n: number; rows: Int32Array }>();

/** An integer index vector, checked against a length n once, as an Int32Array (for fused loops). */
export function indexRows(idx: NDArray, n: number, name: string): Int32Array {
  return rowsOf(idx.data, n, name);
}

function rowsOf(idx: Float64Array, n: number, name: string): Int32Array {
  const known = checkedIndices.get(idx);
  if (known && known.n === n) return known.rows;
  const rows = new Int32Array(idx.length);
  for (let r = 0; r < idx.length; r++) rows[r] = rowIndex(idx[r], n, name);
  checkedIndices.set(idx, { n, rows });
  return rows;
}

/** x[idx] along axis 0 for an integer vector idx. */
export function take(x: NDArray, idx: NDArray, name: string, slot?: Slot): NDArray {
  const n = x.shape[0];
  const id = idx.data;
  const m = id.length;
  const xd = x.data;
  if (x.shape.length === 1) {
    // The common case (a[group] in hierarchical models): one number per row.
    const rows = rowsOf(id, n, name);
    const out = slot ? buf1(slot, m) : empty([m]);
    const od = out.data;
    for (let r = 0; r < m; r++) od[r] = xd[rows[r]];
    return out;
  }
  const row = xd.length / (n || 1);
  const out = outBuffer(slot, [m, ...x.shape.slice(1)]);
  for (let r = 0; r < m; r++) {
    const j = rowIndex(id[r], n, name);
    out.data.set(xd.subarray(j * row, (j + 1) * row), r * row);
  }
  return out;
}

/** A copy of x with y[r] added into x[idx[r]] (repeated indices accumulate). */
export function incTake(x: NDArray, y: NDArray, idx: NDArray, slot?: Slot): NDArray {
  const n = x.shape[0];
  const id = idx.data;
  const yd = y.data;
  if (x.shape.length === 1) {
    const rows = rowsOf(id, n, "x");
    const out = slot ? buf1(slot, n) : empty([n]);
    const od = out.data;
    od.set(x.data);
    for (let r = 0; r < rows.length; r++) od[rows[r]] += yd[r];
    return out;
  }
  const out = outBuffer(slot, x.shape);
  out.data.set(x.data);
  const row = x.data.length / (n || 1);
  for (let r = 0; r < id.length; r++) {
    const j = rowIndex(id[r], n, "x");
    for (let c = 0; c < row; c++) out.data[j * row + c] += yd[r * row + c];
  }
  return out;
}

/** A copy of x with x[idx[r]] set to y[r] along axis 0 (the last of repeated indices wins). */
export function setTake(x: NDArray, y: NDArray, idx: NDArray, slot?: Slot): NDArray {
  const n = x.shape[0];
  const id = idx.data;
  const out = outBuffer(slot, x.shape);
  out.data.set(x.data);
  const row = x.data.length / (n || 1);
  for (let r = 0; r < id.length; r++) {
    const i = id[r];
    const j = i < 0 ? i + n : i;
    if (!(j >= 0 && j < n && Number.isInteger(j))) throw new Error(`AdvancedSetSubtensor1: index ${i} is out of bounds for axis 0 with size ${n}`);
    out.data.set(y.data.subarray(r * row, (r + 1) * row), j * row);
  }
  return out;
}

/** The same data under a new shape; one entry may be -1. */
export function reshape(x: number | NDArray, target: ArrayLike<number>, name: string): number | NDArray {
  const data = typeof x === "number" ? Float64Array.of(x) : x.data;
  const dims = Array.from(target);
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const shape = dims.map((d) => (d === -1 ? data.length / (known || 1) : d));
  if (shape.reduce((a, b) => a * b, 1) !== data.length || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    const from = typeof x === "number" ? "()" : shapeText(x.shape);
    throw new Error(`Reshape: cannot reshape '${name}' of shape ${from} into ${shapeText(dims)}`);
  }
  return shape.length === 0 ? data[0] : new NDArray(shape, data);
}

/** transpose(a) · v for a row-major matrix a, reading a row by row (no transposed copy). */
export function dotT(a: NDArray, v: NDArray, slot?: Slot): NDArray {
  const [n, k] = a.shape;
  if (v.shape[0] !== n) throw new Error(`DotTransposed: shapes ${shapeText(a.shape)} and ${shapeText(v.shape)} not aligned: ${n} != ${v.shape[0]}`);
  const out = slot ? buf1(slot, k) : empty([k]);
  const od = out.data;
  const ad = a.data;
  const vd = v.data;
  od.fill(0);
  for (let i = 0; i < n; i++) {
    const vi = vd[i];
    const row = i * k;
    for (let j = 0; j < k; j++) od[j] += ad[row + j] * vi;
  }
  return out;
}
