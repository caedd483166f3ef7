// The run-time half of the opt-in WebAssembly SIMD loops (compiler/emit/wasm-loop.ts): compile a
// kernel's bytes once, and give each fixed matrix (a constant, or data per binding) an instance
// whose memory holds it packed as the kernel reads it.
import type { NDArray } from "./ndarray.js";

/** A kernel's module, from the base64 text the compiler wrote into the model's code. */
export function simdModule(text: string): WebAssembly.Module {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new WebAssembly.Module(bytes);
}

/** A kernel instance over one matrix and its row vectors: `run(pairs, odd, ...)` writes the sums to `out`. */
export interface SimdLoop {
  run(...args: number[]): void;
  pairs: number;
  odd: number;
  out: Float64Array;
}

/**
 * Pack `matrix` (n × K, row-major) and `vectors` (n each) into a new instance of `mod`: after
 * `outF64` numbers of output, one record per pair of rows — both rows' K columns interleaved, then
 * both rows' entry of each vector (an odd last row is paired with zeros).
 */
export function simdBind(mod: WebAssembly.Module, matrix: NDArray, vectors: NDArray[], K: number, outF64: number, name: string): SimdLoop {
  const n = matrix.shape[0];
  if (matrix.shape[1] !== K || vectors.some((v) => v.shape.length !== 1 || v.shape[0] !== n)) {
    const shapes = [matrix.shape, ...vectors.map((v) => v.shape)].map((s) => `(${s.join(", ")})`).join(", ");
    throw new Error(`${name}: expected a (n, ${K}) matrix and vectors of length n, got ${shapes}`);
  }
  const pairs = n >> 1;
  const total = pairs + (n & 1);
  const base = 2 * Math.ceil(outF64 / 2);
  const record = 2 * (K + vectors.length);
  const bytes = 8 * (base + record * total);
  const instance = new WebAssembly.Instance(mod);
  const memory = instance.exports.memory as WebAssembly.Memory;
  const more = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
  if (more > 0) memory.grow(more);
  const f = new Float64Array(memory.buffer);
  const x = matrix.data;
  for (let p = 0; p < total; p++) {
    const at = base + p * record;
    for (let lane = 0; lane < 2; lane++) {
      const row = 2 * p + lane;
      if (row >= n) break;
      for (let k = 0; k < K; k++) f[at + 2 * k + lane] = x[row * K + k];
      vectors.forEach((v, j) => (f[at + 2 * (K + j) + lane] = v.data[row]));
    }
  }
  return { run: instance.exports.run as (...args: number[]) => void, pairs, odd: n & 1, out: f };
}
