// A trace as a Zarr (format 2) store, the binary layout ArviZ's `az.from_zarr(path)` reads: one
// Zarr group per InferenceData group, one array per variable with its dimension names in
// `_ARRAY_DIMENSIONS` (xarray's convention), coordinate arrays beside them, and consolidated
// metadata at the root. The draws go out as their own bytes (little-endian float64, one chunk per
// array): for millions of draws this costs a memory copy where JSON costs ~150 ns per number.
import { NDArray } from "../ndarray.js";
import type { Trace } from "./trace.js";

/** The store as keys (paths inside the store) and their bytes, in the order to write them. */
export type ZarrStore = Map<string, Uint8Array>;

interface ZarrArray {
  shape: number[];
  dtype: string;
  bytes: Uint8Array;
  dims: string[];
}

const GROUP_META = { zarr_format: 2 };
const encoder = new TextEncoder();

/** A name that is one path segment of a store, and not one of its metadata keys. */
function checkName(name: string, what: string): void {
  if (name === "" || name.includes("/") || name.includes("\\") || name.startsWith(".")) {
    throw new Error(`toZarr: the ${what} '${name}' cannot be a Zarr array name (empty, '/', '\\' or a leading '.')`);
  }
}

/**
 * The names of one group a store can hold: each variable's and dimension's a path segment, and no
 * name both a variable and a dimension (xarray would take the variable for the coordinate).
 */
export function checkGroupNames(group: string, variables: Iterable<string>, dims: Iterable<string>): void {
  const vars = new Set(variables);
  for (const name of vars) checkName(name, "variable");
  for (const dim of dims) {
    checkName(dim, "dimension");
    if (vars.has(dim)) throw new Error(`toZarr: '${dim}' in ${group} is both a variable and a dimension name`);
  }
}

function float64Bytes(data: Float64Array): Uint8Array {
  if (new Uint8Array(new Float64Array([1]).buffer)[7] !== 0x3f) throw new Error("toZarr: a big-endian platform is not supported");
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function booleanBytes(data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] !== 0 ? 1 : 0;
  return out;
}

/**
 * Safe integers as little-endian int64, written as two 32-bit words (a BigInt per number costs
 * ~100 ns: a long run's integer sample stats would take a tenth of a second each).
 */
function int64Bytes(data: ArrayLike<number>, name: string): Uint8Array {
  const words = new Uint32Array(2 * data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isSafeInteger(v)) throw new Error(`toZarr: '${name}' holds ${v} at flat index ${i}, where int64 needs an integer`);
    const high = Math.floor(v / 4_294_967_296);
    words[2 * i] = v - high * 4_294_967_296;
    words[2 * i + 1] = high;
  }
  return new Uint8Array(words.buffer);
}

/** Coordinate labels as NumPy would hold them: int64, float64 or fixed-width unicode. */
function coordinateArray(dim: string, labels: (string | number)[]): ZarrArray {
  const shape = [labels.length];
  if (labels.every((l) => typeof l === "number")) {
    const nums = labels as number[];
    if (nums.every((v) => Number.isSafeInteger(v))) return { shape, dtype: "<i8", bytes: int64Bytes(nums, dim), dims: [dim] };
    return { shape, dtype: "<f8", bytes: float64Bytes(Float64Array.from(nums)), dims: [dim] };
  }
  // NumPy's "<U{n}": n UTF-32 code points per label, zero padded.
  const points = labels.map((l) => Array.from(String(l), (ch) => ch.codePointAt(0)!));
  const width = Math.max(1, ...points.map((p) => p.length));
  const codes = new Uint32Array(labels.length * width);
  points.forEach((p, i) => codes.set(p, i * width));
  return { shape, dtype: `<U${width}`, bytes: new Uint8Array(codes.buffer), dims: [dim] };
}

function dataArray(name: string, value: NDArray | number, booleans: boolean, integers: boolean, dims: string[]): ZarrArray {
  const arr = typeof value === "number" ? new NDArray([], new Float64Array([value])) : value;
  if (booleans) return { shape: arr.shape, dtype: "|b1", bytes: booleanBytes(arr.data), dims };
  if (integers) return { shape: arr.shape, dtype: "<i8", bytes: int64Bytes(arr.data, name), dims };
  return { shape: arr.shape, dtype: "<f8", bytes: float64Bytes(arr.data), dims };
}

function putArray(store: ZarrStore, meta: Record<string, unknown>, key: string, a: ZarrArray): void {
  const zarray = {
    chunks: a.shape.length ? a.shape.map((n) => Math.max(n, 1)) : [],
    compressor: null,
    dtype: a.dtype,
    fill_value: null,
    filters: null,
    order: "C",
    shape: a.shape,
    zarr_format: 2,
  };
  const zattrs = { _ARRAY_DIMENSIONS: a.dims };
  meta[`${key}/.zarray`] = zarray;
  meta[`${key}/.zattrs`] = zattrs;
  store.set(`${key}/.zarray`, encoder.encode(JSON.stringify(zarray)));
  store.set(`${key}/.zattrs`, encoder.encode(JSON.stringify(zattrs)));
  // An empty array has no chunk; a 0-d array's one chunk is "0".
  if (a.shape.some((n) => n === 0)) return;
  store.set(`${key}/${a.shape.length ? a.shape.map(() => 0).join(".") : "0"}`, a.bytes);
}

/**
 * The trace as a Zarr store (write each key as a file under a `.zarr` folder): the groups and
 * names of `toJSON()` (posterior, sample_stats, observed_data, ...), dims and coords as ArviZ
 * writes them, `diverging` as booleans.
 */
export function toZarr(trace: Trace): ZarrStore {
  const layout = trace.layoutArrays();
  const store: ZarrStore = new Map();
  const meta: Record<string, unknown> = {};
  const attrs = layout.attrs;
  const putGroup = (key: string) => {
    meta[`${key}.zgroup`] = GROUP_META;
    meta[`${key}.zattrs`] = attrs;
    store.set(`${key}.zgroup`, encoder.encode(JSON.stringify(GROUP_META)));
    store.set(`${key}.zattrs`, encoder.encode(JSON.stringify(attrs)));
  };
  putGroup("");
  for (const [group, vars] of layout.groups) {
    putGroup(`${group}/`);
    const usedDims = new Map<string, number>();
    const arrays: [string, ZarrArray][] = [];
    for (const [name, { value, booleans, sampled, integers }] of vars) {
      const shape = typeof value === "number" ? [] : value.shape;
      const inner = sampled ? shape.slice(2) : shape;
      const dims = [...(sampled ? ["chain", "draw"] : []), ...(inner.length ? layout.dims[name] : [])];
      dims.forEach((d, k) => usedDims.set(d, shape[k]));
      arrays.push([name, dataArray(name, value, booleans, integers, dims)]);
    }
    checkGroupNames(group, vars.keys(), usedDims.keys());
    for (const [name, a] of arrays) putArray(store, meta, `${group}/${name}`, a);
    for (const [dim, n] of usedDims) {
      const labels = dim === "chain" || dim === "draw" ? Array.from({ length: n }, (_, i) => i) : layout.coords[dim];
      putArray(store, meta, `${group}/${dim}`, coordinateArray(dim, labels));
    }
  }
  store.set(".zmetadata", encoder.encode(JSON.stringify({ metadata: meta, zarr_consolidated_format: 1 })));
  return store;
}
