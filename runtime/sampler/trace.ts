// The trace: draws of every free RV (constrained scale) and Deterministic as [chains, draws, ...shape]
// NDArrays, the sampler statistics as [chains, draws], and toJSON() in the layout ArviZ's
// from_dict / from_json reads.
import { NDArray } from "../ndarray.js";
import type { Value } from "../model.js";
import { own, setOwn } from "../own.js";

export type Group = Record<string, NDArray>;

/** How each chain ended its warmup. */
export interface ChainTuning {
  stepSize: number;
  invMetric: Float64Array;
}

export class Trace {
  posterior: Group;
  sampleStats: Group;
  warmup?: { posterior: Group; sampleStats: Group };
  posteriorPredictive?: Group;
  /** Pointwise log-likelihood of each observed variable, [chains, draws, ...observed shape] (ArviZ's log_likelihood). */
  logLikelihood?: Group;
  observedData?: Record<string, Value>;
  constantData?: Record<string, Value>;
  tuning: ChainTuning[];
  attrs: Record<string, unknown>;
  /** Named dimensions by variable name (a model's `dims`), and the labels along each (`coords`). */
  dims: Record<string, string[]>;
  coords: Record<string, (string | number)[]>;
  /** The posterior variables that hold integers (discrete free RVs): int64 in toZarr, as PyMC stores them. */
  integers: string[];

  constructor(init: {
    posterior: Group;
    sampleStats: Group;
    warmup?: { posterior: Group; sampleStats: Group };
    logLikelihood?: Group;
    observedData?: Record<string, Value>;
    constantData?: Record<string, Value>;
    tuning?: ChainTuning[];
    attrs?: Record<string, unknown>;
    dims?: Record<string, string[]>;
    coords?: Record<string, (string | number)[]>;
    integers?: string[];
  }) {
    this.posterior = init.posterior;
    this.sampleStats = init.sampleStats;
    if (init.warmup) this.warmup = init.warmup;
    if (init.logLikelihood) this.logLikelihood = init.logLikelihood;
    if (init.observedData) this.observedData = init.observedData;
    if (init.constantData) this.constantData = init.constantData;
    this.tuning = init.tuning ?? [];
    this.attrs = init.attrs ?? {};
    this.dims = init.dims ?? {};
    this.coords = init.coords ?? {};
    this.integers = init.integers ?? [];
  }

  get nChains(): number {
    const first = Object.values(this.sampleStats)[0] ?? Object.values(this.posterior)[0];
    return first ? first.shape[0] : 0;
  }

  get nDraws(): number {
    const first = Object.values(this.sampleStats)[0] ?? Object.values(this.posterior)[0];
    return first ? first.shape[1] : 0;
  }

  /** Divergent transitions after warmup, over all chains (a draw of two NUTS blocks counts once if either diverged). */
  get divergences(): number {
    const d = this.sampleStats.diverging;
    if (!d) return 0;
    let k = 0;
    for (const v of statPerDraw(d, "any")) if (v) k++;
    return k;
  }

  /** The layout ArviZ reads: `az.from_dict(**json)` or `az.from_json(path)`. */
  toJSON(): Record<string, unknown> {
    return this.layout((arr, booleans) => (booleans ? toNested(arr, (v) => v !== 0) : arr.toArray()));
  }

  /**
   * The same text as `JSON.stringify(trace)`, handed to `write` in pieces of about 64 kB: the
   * draws go from their Float64Arrays to the text directly, without nested arrays or one giant
   * string (a trace of millions of draws).
   */
  writeJSON(write: (chunk: string) => void): void {
    let buffer = "";
    const put = (s: string) => {
      buffer += s;
      if (buffer.length >= 65_536) {
        write(buffer);
        buffer = "";
      }
    };
    for (const piece of this.jsonPieces()) {
      if (typeof piece === "string") put(piece);
      else streamArray(piece.arr, piece.booleans, put);
    }
    if (buffer) write(buffer);
  }

  /**
   * writeJSON's text as the pieces between the arrays and the arrays themselves, whose text is
   * the bulk of it: a writer may format those elsewhere (formatJSONItems, on other threads) and
   * write the whole in order.
   */
  jsonPieces(): (string | JSONArray)[] {
    const pieces: (string | JSONArray)[] = [];
    let text = "";
    const put = (s: string) => (text += s);
    const value = (v: unknown): void => {
      if (v instanceof JSONArray) {
        if (text) pieces.push(text);
        text = "";
        pieces.push(v);
        return;
      }
      if (Array.isArray(v)) {
        put("[");
        v.forEach((x, i) => (i > 0 && put(","), value(x)));
        return void put("]");
      }
      if (typeof v === "object" && v !== null) {
        put("{");
        Object.entries(v).forEach(([k, x], i) => (put(`${i > 0 ? "," : ""}${JSON.stringify(k)}:`), value(x)));
        return void put("}");
      }
      put(JSON.stringify(v));
    };
    value(this.layout((arr, booleans) => new JSONArray(arr, booleans)));
    if (text) pieces.push(text);
    return pieces;
  }

  /**
   * The groups of toJSON's layout with their arrays as they are (`sampled`: [chains, draws, ...]),
   * and the dims, coords and attrs ArviZ gets: what a binary writer (toZarr) needs.
   */
  layoutArrays(): LayoutArrays {
    const out = this.layout((value, booleans, sampled, integers) => new LayoutLeaf(value, booleans, sampled, integers));
    const groups = new Map<string, Map<string, LayoutLeaf>>();
    for (const [key, group] of Object.entries(out)) {
      if (key === "coords" || key === "dims" || key === "attrs") continue;
      const vars = new Map<string, LayoutLeaf>();
      for (const [name, v] of Object.entries(group as Record<string, unknown>))
        vars.set(name, v instanceof LayoutLeaf ? v : new LayoutLeaf(v as number, false, false));
      groups.set(key, vars);
    }
    return {
      groups,
      dims: out.dims as Record<string, string[]>,
      coords: out.coords as Record<string, (string | number)[]>,
      attrs: out.attrs as Record<string, unknown>,
    };
  }

  /** toJSON's layout, with each array as `leaf` makes it (`booleans`: the diverging flags; `integers`: draws of a discrete RV). */
  private layout(leaf: (arr: NDArray, booleans: boolean, sampled: boolean, integers: boolean) => unknown): Record<string, unknown> {
    const dims: Record<string, string[]> = {};
    const coords: Record<string, (string | number)[]> = {};
    const out: Record<string, unknown> = {};
    const group = (g: Group, sampled: boolean, booleans: string[] = [], integers: string[] = []) => {
      const o: Record<string, unknown> = {};
      for (const [name, arr] of Object.entries(g)) {
        setOwn(o, name, leaf(arr, booleans.includes(name), sampled, integers.includes(name)));
        addDims(name, sampled ? arr.shape.slice(2) : arr.shape);
      }
      return o;
    };
    // A variable's named dims and their labels where the model gave them; else ArviZ's defaults
    // (`theta_dim_0`, labelled 0, 1, ...), as PyMC writes them.
    const addDims = (name: string, shape: number[]) => {
      if (shape.length === 0 || own(dims, name)) return;
      const named = own(this.dims, name);
      const names = named && named.length === shape.length ? named : shape.map((_, k) => `${name}_dim_${k}`);
      setOwn(dims, name, names);
      names.forEach((d, k) => {
        if (!own(coords, d)) setOwn(coords, d, own(this.coords, d) ?? Array.from({ length: shape[k] }, (_, i) => i));
      });
    };
    const values = (g: Record<string, Value>) => {
      const o: Record<string, unknown> = {};
      for (const [name, v] of Object.entries(g)) {
        setOwn(o, name, typeof v === "number" ? v : leaf(v, false, false, false));
        if (typeof v !== "number") addDims(name, v.shape);
      }
      return o;
    };
    out.posterior = group(this.posterior, true, [], this.integers);
    out.sample_stats = group(this.sampleStats, true, ["diverging"]);
    if (this.posteriorPredictive) out.posterior_predictive = group(this.posteriorPredictive, true);
    if (this.logLikelihood) out.log_likelihood = group(this.logLikelihood, true);
    out.observed_data = values(this.observedData ?? {});
    if (this.constantData && Object.keys(this.constantData).length) out.constant_data = values(this.constantData);
    if (this.warmup) {
      out.warmup_posterior = group(this.warmup.posterior, true, [], this.integers);
      out.warmup_sample_stats = group(this.warmup.sampleStats, true, ["diverging"]);
    }
    out.coords = coords;
    out.dims = dims;
    out.attrs = { inference_library: "tsmc", ...this.attrs };
    return out;
  }
}

/** A variable of layoutArrays(): its value, whether it holds booleans, whether it is [chains, draws, ...], whether it holds integers. */
export class LayoutLeaf {
  constructor(
    readonly value: NDArray | number,
    readonly booleans: boolean,
    readonly sampled: boolean,
    readonly integers = false,
  ) {}
}

export interface LayoutArrays {
  groups: Map<string, Map<string, LayoutLeaf>>;
  dims: Record<string, string[]>;
  coords: Record<string, (string | number)[]>;
  attrs: Record<string, unknown>;
}

/** How many steps record a sample statistic: 1, or k where k NUTS blocks stack it as [chains, draws, k]. */
export function statSteps(stat: NDArray): number {
  return stat.data.length / Math.max(1, stat.shape[0] * stat.shape[1]);
}

/**
 * A sample statistic per draw, chain after chain: where several steps record it (two NUTS blocks'
 * `diverging`, stacked as [chains, draws, steps]), the steps' values combined by `combine`.
 */
export function statPerDraw(stat: NDArray, combine: "any" | "max"): Float64Array {
  const steps = statSteps(stat);
  if (steps === 1) return stat.data;
  const out = new Float64Array(stat.data.length / steps);
  for (let i = 0; i < out.length; i++) {
    let v = combine === "any" ? 0 : -Infinity;
    for (let k = 0; k < steps; k++) {
      const x = stat.data[i * steps + k];
      v = combine === "any" ? (v || x !== 0 ? 1 : 0) : Math.max(v, x);
    }
    out[i] = v;
  }
  return out;
}

/** An array of toJSON's layout, as writeJSON writes it from its data (`booleans`: true/false for 0/1). */
export class JSONArray {
  constructor(
    readonly arr: NDArray,
    readonly booleans: boolean,
  ) {}
}

/** An NDArray as nested JSON arrays, as JSON.stringify writes `arr.toArray()` (non-finite numbers as null). */
function streamArray(arr: NDArray, booleans: boolean, put: (s: string) => void): void {
  const { shape, data } = arr;
  if (shape.length === 0) return put(jsonNumber(data[0], booleans));
  put("[");
  itemsText(data, shape, booleans, 0, shape[0], put);
  put("]");
}

const jsonNumber = (v: number, booleans: boolean) => (booleans ? (v !== 0 ? "true" : "false") : Number.isFinite(v) ? String(v) : "null");

/**
 * The JSON text of items `from` to `to` (exclusive) along the first axis of an array of `shape`
 * laid out row-major in `data`, separated by commas: a slice of streamArray's text, so that
 * pieces of one array can be formatted apart (on other threads) and joined.
 */
export function formatJSONItems(data: ArrayLike<number>, shape: readonly number[], booleans: boolean, from: number, to: number): string {
  let text = "";
  itemsText(data, shape, booleans, from, to, (s) => (text += s));
  return text;
}

/** formatJSONItems' text as UTF-8 bytes, encoded as it is made (no long string is built). */
export function formatJSONBytes(data: ArrayLike<number>, shape: readonly number[], booleans: boolean, from: number, to: number): Uint8Array {
  const encoder = new TextEncoder();
  let out = new Uint8Array(1 << 16);
  let n = 0;
  itemsText(data, shape, booleans, from, to, (s) => {
    if (n + 3 * s.length > out.length) {
      const bigger = new Uint8Array(Math.max(2 * out.length, n + 3 * s.length));
      bigger.set(out.subarray(0, n));
      out = bigger;
    }
    n += encoder.encodeInto(s, out.subarray(n)).written;
  });
  return out.subarray(0, n);
}

function itemsText(data: ArrayLike<number>, shape: readonly number[], booleans: boolean, from: number, to: number, put: (s: string) => void): void {
  const size = shape.reduce((a, b) => a * b, 1);
  const stride = size / (shape[0] || 1);
  const walk = (axis: number, offset: number, stride: number, from: number, to: number): void => {
    const inner = stride / (shape[axis + 1] || 1);
    if (axis === shape.length - 1) {
      if (!booleans) return numbersText(data, offset, from, to, put);
      let row = "";
      for (let i = from; i < to; i++) {
        row += (i > from ? "," : "") + jsonNumber(data[offset + i], booleans);
        if (row.length >= 65_536) {
          put(row);
          row = "";
        }
      }
      return put(row);
    }
    for (let i = from; i < to; i++) {
      put(i > from ? ",[" : "[");
      walk(axis + 1, offset + i * stride, inner, 0, shape[axis + 1]);
      put("]");
    }
  };
  walk(0, 0, stride, from, to);
}

/** Numbers per JSON.stringify call in numbersText. */
const NUMBERS_BLOCK = 4096;

/**
 * data[offset + from .. offset + to) as JSON items: JSON.stringify of a block of numbers (the same
 * text as String(v), "null" where not finite) formats them about 1.5× faster than String() of
 * each joined in JavaScript (130 against 200 ns a number, Node 20).
 */
function numbersText(data: ArrayLike<number>, offset: number, from: number, to: number, put: (s: string) => void): void {
  for (let start = from; start < to; start += NUMBERS_BLOCK) {
    const end = Math.min(to, start + NUMBERS_BLOCK);
    const block = new Array<number>(end - start);
    for (let i = start; i < end; i++) block[i - start] = data[offset + i];
    const items = JSON.stringify(block);
    put((start > from ? "," : "") + items.slice(1, -1));
  }
}

function toNested(arr: NDArray, f: (v: number) => unknown): unknown {
  const nested = arr.toArray();
  const walk = (x: unknown): unknown => (Array.isArray(x) ? x.map(walk) : f(x as number));
  return walk(nested);
}

/**
 * Assemble per-chain flat results into [chains, draws, ...shape] arrays. `constrain` maps a flat
 * unconstrained draw to the values named `names` (free RVs constrained, Deterministics), written
 * straight into the arrays: no object per draw.
 */
export function assemble(
  chains: { draws: Float64Array; stats: Record<string, Float64Array> }[],
  nDraws: number,
  size: number,
  names: readonly string[],
  constrain: (x: Float64Array) => Value[],
): { posterior: Group; sampleStats: Group } {
  const nChains = chains.length;
  const arrays: NDArray[] = [];
  const x = new Float64Array(size);
  for (let c = 0; c < nChains; c++) {
    for (let d = 0; d < nDraws; d++) {
      x.set(chains[c].draws.subarray(d * size, (d + 1) * size));
      const values = constrain(x);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        const k = typeof v === "number" ? 1 : v.data.length;
        arrays[i] ??= new NDArray([nChains, nDraws, ...(typeof v === "number" ? [] : v.shape)], new Float64Array(nChains * nDraws * k));
        const at = (c * nDraws + d) * k;
        if (typeof v === "number") arrays[i].data[at] = v;
        else arrays[i].data.set(v.data, at);
      }
    }
  }
  const posterior: Group = {};
  arrays.forEach((arr, i) => setOwn(posterior, names[i], arr));
  // A statistic that several steps of a compound step record is [chains, draws, steps].
  const sampleStats: Group = {};
  for (const name of Object.keys(chains[0]?.stats ?? {})) {
    const width = chains[0].stats[name].length / nDraws;
    const data = new Float64Array(nChains * nDraws * width);
    chains.forEach((ch, c) => data.set(ch.stats[name].subarray(0, nDraws * width), c * nDraws * width));
    setOwn(sampleStats, name, new NDArray([nChains, nDraws, ...(width > 1 ? [width] : [])], data));
  }
  return { posterior, sampleStats };
}
