// Output buffers that generated code reuses from call to call, so that a model's logp and
// logpGrad allocate nothing once warm: each array-valued node owns a slot, and the slot's array
// is kept while the shape stays the same.
import { NDArray } from "./ndarray.js";

export interface Slot {
  nd: NDArray | null;
}

export function slot(): Slot {
  return { nd: null };
}

/** The slot's array when it has this shape, else a new zero-filled one (kept in the slot). */
export function outBuffer(s: Slot | undefined, shape: number[]): NDArray {
  const nd = s?.nd;
  if (nd && nd.shape.length === shape.length) {
    let same = true;
    for (let k = 0; k < shape.length; k++) if (nd.shape[k] !== shape[k]) same = false;
    if (same) return nd;
  }
  let size = 1;
  for (const d of shape) size *= d;
  const fresh = new NDArray(shape, new Float64Array(size));
  if (s) s.nd = fresh;
  return fresh;
}

/** A rank-1 output buffer of length n0 (no allocation when the slot already has it). */
export function buf1(s: Slot, n0: number): NDArray {
  const nd = s.nd;
  if (nd !== null && nd.shape[0] === n0) return nd;
  return (s.nd = new NDArray([n0], new Float64Array(n0)));
}

/** A rank-2 output buffer. */
export function buf2(s: Slot, n0: number, n1: number): NDArray {
  const nd = s.nd;
  if (nd !== null && nd.shape[0] === n0 && nd.shape[1] === n1) return nd;
  return (s.nd = new NDArray([n0, n1], new Float64Array(n0 * n1)));
}

/** A rank-3 output buffer. */
export function buf3(s: Slot, n0: number, n1: number, n2: number): NDArray {
  const nd = s.nd;
  if (nd !== null && nd.shape[0] === n0 && nd.shape[1] === n1 && nd.shape[2] === n2) return nd;
  return (s.nd = new NDArray([n0, n1, n2], new Float64Array(n0 * n1 * n2)));
}

/** An array of the given dims over `data` (a view), reused while data and dims stay the same. */
export function view1(s: Slot, data: Float64Array, n0: number): NDArray {
  const nd = s.nd;
  if (nd !== null && nd.data === data && nd.shape[0] === n0) return nd;
  return (s.nd = new NDArray([n0], data));
}

export function view2(s: Slot, data: Float64Array, n0: number, n1: number): NDArray {
  const nd = s.nd;
  if (nd !== null && nd.data === data && nd.shape[0] === n0 && nd.shape[1] === n1) return nd;
  return (s.nd = new NDArray([n0, n1], data));
}

export function view3(s: Slot, data: Float64Array, n0: number, n1: number, n2: number): NDArray {
  const nd = s.nd;
  if (nd !== null && nd.data === data && nd.shape[0] === n0 && nd.shape[1] === n1 && nd.shape[2] === n2) return nd;
  return (s.nd = new NDArray([n0, n1, n2], data));
}

/** A length-1 array holding x (a scalar given a broadcastable dim). */
export function unit1(s: Slot, x: number): NDArray {
  const nd = s.nd ?? (s.nd = new NDArray([1], new Float64Array(1)));
  nd.data[0] = x;
  return nd;
}

/** A slice of a flat vector as an array (how value variables are read from x), reused per x. */
export function flatView(s: Slot & { src?: Float64Array }, x: Float64Array, offset: number, shape: number[], size: number): NDArray {
  const nd = s.nd;
  if (nd !== null && s.src === x) return nd;
  s.src = x;
  return (s.nd = new NDArray(shape, x.subarray(offset, offset + size)));
}
