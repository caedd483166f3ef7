// Variate generators of ZeroSumNormal and the time series (random walks, AR), called by drawCore
// once per batch element: each writes one draw at out[o...] from its core parameter blocks.
import type { Stream } from "./random.js";

/**
 * zerosumnormal_rv(sigma, m0, …, mk-1), `(),(a0),…->(a0,…)`: normal draws of scale sigma over the
 * support block (the markers' lengths are its dims), minus their mean along each zero-sum axis.
 */
export function zeroSumNormalVariate(s: Stream, out: Float64Array, o: number, sigma: number, ...markers: (number | Float64Array)[]): void {
  const dims = markers.map((m) => (typeof m === "number" ? 1 : m.length));
  const n = dims.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) out[o + i] = sigma * s.normal();
  // along axis k: blocks of `outer` groups, each `len` entries `inner` apart
  let inner = 1;
  for (let k = dims.length - 1; k >= 0; k--) {
    const len = dims[k];
    const outer = n / (len * inner);
    for (let a = 0; a < outer; a++) {
      for (let b = 0; b < inner; b++) {
        const base = o + a * len * inner + b;
        let sum = 0;
        for (let j = 0; j < len; j++) sum += out[base + j * inner];
        const mean = sum / len;
        for (let j = 0; j < len; j++) out[base + j * inner] -= mean;
      }
    }
    inner *= len;
  }
}

/** random_walk_rv(init, innovations, marker), `(),(s),(t)->(t)`: the cumulative sum of init and the innovations. */
export function randomWalkVariate(_s: Stream, out: Float64Array, o: number, init: number, innov: number | Float64Array, marker: number | Float64Array): void {
  const t = typeof marker === "number" ? 1 : marker.length;
  let x = init;
  out[o] = x;
  for (let i = 1; i < t; i++) {
    x += typeof innov === "number" ? innov : innov[i - 1];
    out[o + i] = x;
  }
}

/**
 * ar_rv(rho, sigma, init, marker), `(r),(),(o),(t)->(t)`: the first o = ar_order values from init, then
 * x[t] = (rho[0] if constant) + Σ_k rho_k x[t-k] + sigma·ε, sequentially; constant when r = o + 1.
 */
export function arVariate(
  s: Stream,
  out: Float64Array,
  o: number,
  rho: number | Float64Array,
  sigma: number,
  init: number | Float64Array,
  marker: number | Float64Array,
): void {
  const rhos = typeof rho === "number" ? Float64Array.of(rho) : rho;
  const inits = typeof init === "number" ? Float64Array.of(init) : init;
  const t = typeof marker === "number" ? 1 : marker.length;
  const p = inits.length;
  const c = rhos.length - p;
  for (let i = 0; i < p && i < t; i++) out[o + i] = inits[i];
  for (let i = p; i < t; i++) {
    let mu = c ? rhos[0] : 0;
    for (let k = 1; k <= p; k++) mu += rhos[c + k - 1] * out[o + i - k];
    out[o + i] = mu + sigma * s.normal();
  }
}

/**
 * mv_gaussian_random_walk_rv(init, innovations, marker), `(n),(s,n),(t,n)->(t,n)`: the cumulative
 * sum over time of the init vector and the innovation vectors.
 */
export function mvRandomWalkVariate(_s: Stream, out: Float64Array, o: number, init: Float64Array, innov: Float64Array, marker: Float64Array): void {
  const n = init.length;
  const t = marker.length / n;
  for (let j = 0; j < n; j++) out[o + j] = init[j];
  for (let i = 1; i < t; i++) for (let j = 0; j < n; j++) out[o + i * n + j] = out[o + (i - 1) * n + j] + innov[(i - 1) * n + j];
}

/**
 * garch11_rv(omega, alpha_1, beta_1, initial_vol, marker), `(),(),(),(),(t)->(t)`: y_0 ~ N(0,
 * initial_vol), then vol_t² = omega + alpha_1 y_{t-1}² + beta_1 vol_{t-1}² and y_t ~ N(0, vol_t).
 */
export function garch11Variate(s: Stream, out: Float64Array, o: number, omega: number, alpha: number, beta: number, vol0: number, marker: Float64Array): void {
  let v = vol0 * vol0;
  let y = vol0 * s.normal();
  out[o] = y;
  for (let i = 1; i < marker.length; i++) {
    v = omega + alpha * y * y + beta * v;
    y = Math.sqrt(v) * s.normal();
    out[o + i] = y;
  }
}
