// Seeded random streams (seedrandom's Alea) and the variate generators compiled `draw` code calls.
import { alea } from "./vendor/alea.js";
import { NDArray, shapeText } from "./ndarray.js";

export type StreamState = { c: number; s0: number; s1: number; s2: number };

/**
 * A seeded stream of uniform doubles whose state can be saved and restored: seedrandom's Alea
 * (seeded by seedrandom itself), its step written out here on plain number fields, which the JIT
 * inlines into the caller and keeps unboxed: through seedrandom's closures every draw allocated a
 * few boxed numbers wherever the caller's inlining budget ran out (a NUTS leaf, for one). The
 * numbers are seedrandom's, bit for bit (test/nuts-lean.test.ts holds them to it). The fields are
 * Alea's state (read by streamState: saving a stream is the compiler's business, so it is no method).
 */
export class Stream {
  // Declared, not initialised here: the constructor copies them in this order (fewer bytes in a page's bundle).
  declare c: number;
  declare s0: number;
  declare s1: number;
  declare s2: number;
  /** A spare normal variate from the polar method, NaN when there is none (a number, never boxed). */
  declare spare: number;

  constructor(seed: number | string | StreamState) {
    Object.assign(this, typeof seed === "object" ? seed : alea(String(seed), { state: true }).state());
    this.spare = Number.NaN;
  }

  /** One step of Alea: 32 random bits as a fraction. */
  private next(): number {
    const t = 2091639 * this.s0 + this.c * 2.3283064365386963e-10; // 2^-32
    this.s0 = this.s1;
    this.s1 = this.s2;
    return (this.s2 = t - (this.c = t | 0));
  }

  /** Uniform on [0, 1), 53 random bits (seedrandom's prng.double: two steps of Alea). */
  uniform(): number {
    return this.next() + ((this.next() * 0x200000) | 0) * 1.1102230246251565e-16; // 2^-53
  }

  /** Standard normal (Marsaglia's polar method). */
  normal(): number {
    const z = this.spare;
    if (z === z) {
      this.spare = Number.NaN;
      return z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }
}

export type SavedStream = { prng: StreamState; spare: number | null };

/** A stream's state, to restore it later (a shared rng's state between compiled calls). */
export function streamState(s: Stream): SavedStream {
  return { prng: { c: s.c, s0: s.s0, s1: s.s1, s2: s.s2 }, spare: Number.isNaN(s.spare) ? null : s.spare };
}

export function restoreStream(saved: SavedStream): Stream {
  const s = new Stream(saved.prng);
  if (saved.spare !== null) s.spare = saved.spare;
  return s;
}

/** A fresh seed for streams created without one (different on every run, like NumPy's default). */
export function freshSeed(): string {
  return Math.random().toString(36).slice(2);
}

/** A seed for stream `i` derived from a user seed, so that several streams stay independent. */
export function childSeed(seed: number | string, i: number): string {
  return `${seed}/${i}`;
}

type Param = number | NDArray;

/** NumPy broadcasting of parameter shapes (right-aligned). */
export function broadcastShapes(what: string, shapes: number[][]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let k = 0; k < ndim; k++) {
    let d = 1;
    for (const s of shapes) {
      const e = s[s.length - ndim + k] ?? 1;
      if (e === 1) continue;
      if (d !== 1 && d !== e) throw new Error(`${what}: parameter shapes ${shapes.map(shapeText).join(" and ")} do not broadcast`);
      d = e;
    }
    out.push(d);
  }
  return out;
}

/**
 * Draw an array of independent variates with elementwise (broadcast) parameters.
 * `size` is the output shape, or null to take the broadcast shape of the parameters.
 */
export function drawElementwise(
  what: string,
  stream: Stream,
  size: number[] | null,
  params: Param[],
  sample: (stream: Stream, ...p: number[]) => number,
): number | NDArray {
  const shapes = params.map((p) => (typeof p === "number" ? [] : p.shape));
  const bshape = broadcastShapes(what, shapes);
  const shape = size ?? bshape;
  if (size) broadcastShapes(what, [bshape, size]);
  const n = shape.reduce((a, b) => a * b, 1);
  const args = new Array<number>(params.length);
  // Per-parameter strides into the output's index space (0 along broadcast dims).
  const strides = params.map((p) => {
    if (typeof p === "number") return null;
    const st = new Array<number>(shape.length).fill(0);
    let s = 1;
    for (let k = p.shape.length - 1; k >= 0; k--) {
      const outK = shape.length - p.shape.length + k;
      st[outK] = p.shape[k] === 1 ? 0 : s;
      s *= p.shape[k];
    }
    return st;
  });
  if (shape.length === 0) {
    params.forEach((p, j) => (args[j] = typeof p === "number" ? p : p.data[0]));
    return sample(stream, ...args);
  }
  const out = new Float64Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < params.length; j++) {
      const p = params[j];
      if (typeof p === "number") args[j] = p;
      else {
        let off = 0;
        const st = strides[j]!;
        for (let k = 0; k < shape.length; k++) off += idx[k] * st[k];
        args[j] = p.data[off];
      }
    }
    out[i] = sample(stream, ...args);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return new NDArray(shape, out);
}

// ---- variate generators: one function per family, (stream, ...params) -> one draw -------------

export const normalVariate = (s: Stream, mu: number, sigma: number): number => mu + sigma * s.normal();
export const halfNormalVariate = (s: Stream, loc: number, sigma: number): number => loc + Math.abs(sigma * s.normal());

// ---- draws with core dimensions (gufunc signatures such as `(n),(n,n)->(n)`) ----------------------

type CoreSampler = (stream: Stream, out: Float64Array, offset: number, ...params: (number | Float64Array)[]) => void;

const signatures = new Map<string, { params: string[][]; out: string[] }>();
function parseCore(sig: string) {
  let parsed = signatures.get(sig);
  if (!parsed) {
    const [ins, out] = sig.split("->");
    const groups = (text: string) =>
      [...text.matchAll(/\(([^)]*)\)/g)].map((m) =>
        m[1]
          .split(",")
          .map((d) => d.trim())
          .filter(Boolean),
      );
    parsed = { params: groups(ins), out: groups(out)[0] ?? [] };
    signatures.set(sig, parsed);
  }
  return parsed;
}

/**
 * Draw a batch of variates whose parameters and result have core dimensions. The sampler is called
 * once per batch element with the core parameters (a number for a scalar core, else a view of the
 * row-major core block) and writes its draw at `out[offset...]`.
 */
export function drawCore(what: string, stream: Stream, size: number[] | null, params: Param[], signature: string, sample: CoreSampler): number | NDArray {
  const core = parseCore(signature);
  const dims = new Map<string, number>();
  const shapes = params.map((p) => (typeof p === "number" ? [] : p.shape));
  const batchShapes = shapes.map((s, i) => {
    const names = core.params[i];
    if (s.length < names.length) throw new Error(`${what}: parameter ${i} of shape ${shapeText(s)} needs core dims (${names.join(", ")})`);
    const coreDims = s.slice(s.length - names.length);
    names.forEach((n, k) => {
      const prev = dims.get(n);
      if (prev !== undefined && prev !== coreDims[k]) throw new Error(`${what}: core dimension ${n} is ${prev} in one parameter and ${coreDims[k]} in another`);
      dims.set(n, coreDims[k]);
    });
    return s.slice(0, s.length - names.length);
  });
  const bshape = broadcastShapes(what, batchShapes);
  const batch = size ?? bshape;
  if (size) broadcastShapes(what, [bshape, size]);
  const outCore = core.out.map((n) => dims.get(n)!);
  const coreSize = outCore.reduce((a, b) => a * b, 1);
  const nBatch = batch.reduce((a, b) => a * b, 1);
  const out = new Float64Array(nBatch * coreSize);
  const coreLens = shapes.map((s, i) => s.slice(s.length - core.params[i].length).reduce((a, b) => a * b, 1));
  const strides = batchShapes.map((bs, j) => {
    const st = new Array<number>(batch.length).fill(0);
    let s = coreLens[j];
    for (let k = bs.length - 1; k >= 0; k--) {
      st[batch.length - bs.length + k] = bs[k] === 1 ? 0 : s;
      s *= bs[k];
    }
    return st;
  });
  const args = new Array<number | Float64Array>(params.length);
  const idx = new Array<number>(batch.length).fill(0);
  for (let i = 0; i < nBatch; i++) {
    for (let j = 0; j < params.length; j++) {
      const p = params[j];
      if (typeof p === "number") {
        args[j] = p;
        continue;
      }
      let off = 0;
      for (let k = 0; k < batch.length; k++) off += idx[k] * strides[j][k];
      args[j] = core.params[j].length === 0 ? p.data[off] : p.data.subarray(off, off + coreLens[j]);
    }
    sample(stream, out, i * coreSize, ...args);
    for (let k = batch.length - 1; k >= 0; k--) {
      if (++idx[k] < batch[k]) break;
      idx[k] = 0;
    }
  }
  const shape = [...batch, ...outCore];
  return shape.length === 0 ? out[0] : new NDArray(shape, out);
}

/**
 * A CustomDist's draw: the user's `random(...params, rng, size)`, copied into the compiled code,
 * called with the parameters as numbers or NDArrays, the stream as `rng` (`rng.normal()`,
 * `rng.uniform()`) and the draw's shape; its result (a number, nested arrays, a typed array or an
 * NDArray) must have that shape. `shape` null: the parameters' broadcast shape.
 */
export function customDraw(what: string, stream: Stream, shape: number[] | null, params: Param[], random: (...args: unknown[]) => unknown): number | NDArray {
  const size =
    shape ??
    broadcastShapes(
      what,
      params.map((p) => (typeof p === "number" ? [] : p.shape)),
    );
  const value = random(...params, stream, size);
  const n = size.reduce((a, b) => a * b, 1);
  const flat: number[] =
    typeof value === "number"
      ? [value]
      : value instanceof NDArray
        ? Array.from(value.data)
        : ArrayBuffer.isView(value)
          ? Array.from(value as Float64Array)
          : Array.isArray(value)
            ? (value.flat(Number.POSITIVE_INFINITY) as number[])
            : [];
  if (flat.length !== n || flat.some((v) => typeof v !== "number")) {
    throw new Error(
      `${what}: random returned ${shapeText(value instanceof NDArray ? value.shape : [flat.length])} values; expected numbers of shape ${shapeText(size)}`,
    );
  }
  return size.length === 0 ? flat[0] : new NDArray(size, Float64Array.from(flat));
}

/** The draw of a CustomDist given neither `random` nor `dist`. */
export function customDrawError(what: string): never {
  throw new Error(`${what}: cannot be drawn: give CustomDist a random function or a dist graph`);
}
