// Convergence diagnostics as ArviZ computes them (arviz/stats/diagnostics.py; Vehtari, Gelman,
// Simpson, Carpenter & Bürkner 2021, "Rank-normalization, folding, and localization"):
// rank-normalised split R-hat, bulk and tail ESS with Geyer's initial monotone sequence, MCSE of the
// mean and of the sd, and the highest-density interval. Each function takes the draws of one scalar
// quantity as `chains` arrays of equal length (or one flat array with its chain count).
// Everything is O(n log n) in the number of draws: radix sorts, autocovariance summed directly for
// the few lags Geyer's sequence usually needs and by FFT when it needs many. `diagnostics` computes
// a whole az.summary row with one sort, and inside `withScratch` (as summary() runs it) without
// allocating per-draw memory after the first row.

/** Draws of one scalar: an array per chain. */
export type Chains = readonly ArrayLike<number>[];

// Scratch arrays. A summary computes one row after another, each with a dozen arrays as long as
// the draws; inside withScratch they are kept by purpose and reused, so a long run's summary
// allocates (and the collector frees) no per-draw memory after its first row. Outside, every
// call allocates its own.
type Scratch = Map<string, Float64Array | Uint32Array | Int32Array | Uint8Array>;
let scratch: Scratch | null = null;

/** Run `body` with scratch arrays reused across its calls, and dropped at the end. */
export function withScratch<T>(body: () => T): T {
  if (scratch) return body();
  scratch = new Map();
  try {
    return body();
  } finally {
    scratch = null;
  }
}

/** An array for `purpose`: inside withScratch, the one last made for it where the size matches. */
export function scratchArray<A extends Float64Array | Uint32Array | Int32Array | Uint8Array>(purpose: string, n: number, make: new (n: number) => A): A {
  if (!scratch) return new make(n);
  let a = scratch.get(purpose) as A | undefined;
  if (!a || a.length !== n || !(a instanceof make)) scratch.set(purpose, (a = new make(n)));
  return a;
}

/** Split chains: `[m, n]` becomes `[2m, floor(n/2)]` (first and last halves; the middle draw of an odd chain is dropped). */
export function splitChains(x: Chains): Float64Array[] {
  const out: Float64Array[] = [];
  const halves: Float64Array[] = [];
  for (const c of x) {
    const half = Math.floor(c.length / 2);
    const copy = Float64Array.from(c);
    out.push(copy.subarray(0, half));
    halves.push(copy.subarray(c.length - half));
  }
  return [...out, ...halves];
}

function flat(x: Chains): Float64Array {
  const out = new Float64Array(x.reduce((n, c) => n + c.length, 0));
  let k = 0;
  for (const c of x) for (let i = 0; i < c.length; i++) out[k++] = c[i];
  return out;
}

function reshape(values: Float64Array, like: Chains): Float64Array[] {
  let k = 0;
  return like.map((c) => values.subarray(k, (k += c.length)));
}

/**
 * `values` ascending, with the indices that sort them (`sorted[i] = values[order[i]]`; equal draws
 * keep their order). Results may live in scratch arrays: valid until the next sort.
 */
export function sortWithOrder(values: ArrayLike<number>): { sorted: Float64Array; order: Uint32Array } {
  const { sorted, carried } = radixSort(values, null);
  return { sorted, order: new Uint32Array(carried.buffer, carried.byteOffset, carried.length) };
}

/**
 * `values` ascending, each carrying `carry[i]` (or its index i) along. An LSD radix sort of the
 * high 32 bits of each double, mapped so that unsigned order is numeric order (negatives flipped
 * whole, positives get the sign bit; without a branch, which the signs of draws around 0 would
 * mispredict): two passes of 16 bits, or three of 11 on fewer than 2^16 draws (where clearing and
 * summing 2^16 counts would cost more than a pass). Each pass moves the doubles whole with their
 * carried values, reading in sequence and writing two streams (gathering by the order afterwards
 * reads at random, which costs more than the sort), and maps the high word anew. Then an insertion
 * pass that orders the draws sharing their high bits by their full value:
 * draws of a posterior rarely agree to 1 part in a million, so that pass moves few. Where it would
 * move many (draws that differ only in their low bits), the full 64-bit sort does it instead.
 */
function radixSort(values: ArrayLike<number>, carry: Int32Array | null): { sorted: Float64Array; carried: Int32Array } {
  const n = values.length;
  let doubles = values instanceof Float64Array ? values : null;
  if (!doubles) (doubles = scratchArray("sort doubles", n, Float64Array)).set(values);
  const words = new Uint32Array(doubles.buffer, doubles.byteOffset, 2 * n);
  const bits = n < 65_536 ? 11 : 16;
  const passes = Math.ceil(32 / bits);
  const mask = (1 << bits) - 1;
  const counts = new Uint32Array(passes << bits);
  const second = 1 << bits;
  const third = 2 << bits;
  for (let i = 0; i < n; i++) {
    const hi = words[2 * i + 1];
    const k = hi ^ ((hi >> 31) | 0x80000000);
    counts[k & mask]++;
    counts[second + ((k >>> bits) & mask)]++;
    if (passes === 3) counts[third + (k >>> 22)]++;
  }
  for (let p = 0; p < passes; p++) {
    let sum = 0;
    for (let d = p << bits; d < (p + 1) << bits; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
  }
  // The passes alternate between two pairs of arrays so that the last writes `sorted`.
  const sorted = scratchArray("sorted", n, Float64Array);
  const carried = scratchArray("sort carried", n, Int32Array);
  let to = sorted;
  let carriedTo = carried;
  let from = scratchArray("sort between", n, Float64Array);
  let carriedFrom = scratchArray("sort carried'", n, Int32Array);
  if (passes % 2 === 0) [to, carriedTo, from, carriedFrom] = [from, carriedFrom, to, carriedTo];
  for (let i = 0; i < n; i++) {
    const hi = words[2 * i + 1];
    const k = hi ^ ((hi >> 31) | 0x80000000);
    const j = counts[k & mask]++;
    to[j] = doubles[i];
    carriedTo[j] = carry ? carry[i] : i;
  }
  for (let p = 1; p < passes; p++) {
    [to, carriedTo, from, carriedFrom] = [from, carriedFrom, to, carriedTo];
    const fromWords = new Uint32Array(from.buffer, from.byteOffset, 2 * n);
    const base = p << bits;
    const shift = p * bits;
    for (let i = 0; i < n; i++) {
      const hi = fromWords[2 * i + 1];
      const k = hi ^ ((hi >> 31) | 0x80000000);
      const j = counts[base + ((k >>> shift) & mask)]++;
      to[j] = from[i];
      carriedTo[j] = carriedFrom[i];
    }
  }
  // The insertion pass, within runs of equal high bits (a run's draws are all above the runs before it).
  let budget = 4 * n + 1024;
  for (let i = 1; i < n; i++) {
    const v = sorted[i];
    if (!(v < sorted[i - 1])) continue;
    const at = carried[i];
    let j = i;
    for (; j > 0 && v < sorted[j - 1]; j--) {
      sorted[j] = sorted[j - 1];
      carried[j] = carried[j - 1];
    }
    sorted[j] = v;
    carried[j] = at;
    budget -= i - j;
    if (budget < 0) {
      const full = sortWithOrder64(doubles);
      return { sorted: full.sorted, carried: Int32Array.from(full.order, (i) => (carry ? carry[i] : i)) };
    }
  }
  return { sorted, carried };
}

/** sortWithOrder by all 64 bits of each double (mapped the same way), four passes of 16 bits. */
function sortWithOrder64(values: Float64Array): { sorted: Float64Array; order: Uint32Array } {
  const n = values.length;
  const bits = new Uint32Array(Float64Array.from(values).buffer);
  for (let i = 0; i < n; i++) {
    const negative = bits[2 * i + 1] >>> 31;
    bits[2 * i] ^= -negative;
    bits[2 * i + 1] ^= negative ? 0xffffffff : 0x80000000;
  }
  const counts = new Uint32Array(4 * 65_536);
  for (let i = 0; i < n; i++) {
    const lo = bits[2 * i];
    const hi = bits[2 * i + 1];
    counts[lo & 0xffff]++;
    counts[65_536 + (lo >>> 16)]++;
    counts[131_072 + (hi & 0xffff)]++;
    counts[196_608 + (hi >>> 16)]++;
  }
  let idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let next = new Uint32Array(n);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 65_536;
    const word = pass >> 1;
    const shift = (pass & 1) * 16;
    // A digit every value shares orders nothing.
    if (n === 0 || counts[base + ((bits[word] >>> shift) & 0xffff)] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65_536; d++) {
      const c = counts[base + d];
      counts[base + d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const j = idx[i];
      next[counts[base + ((bits[2 * j + word] >>> shift) & 0xffff)]++] = j;
    }
    [idx, next] = [next, idx];
  }
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) sorted[i] = values[idx[i]];
  return { sorted, order: idx };
}

/** Ascending copy. */
function sorted(values: ArrayLike<number>): Float64Array {
  return sortWithOrder(values).sorted;
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

function variance(a: ArrayLike<number>, ddof = 1, m = mean(a)): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - m) * (a[i] - m);
  return s / (a.length - ddof);
}

/** Ranks 1..N with ties given their average rank (scipy.stats.rankdata, method="average"). */
export function rankdata(a: ArrayLike<number>): number[] {
  return Array.from(ranks(a));
}

/** rankdata as a Float64Array. */
function ranks(a: ArrayLike<number>): Float64Array {
  const { sorted: s, order: idx } = sortWithOrder(a);
  const n = idx.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && s[j + 1] === s[i]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[idx[k]] = r;
    i = j + 1;
  }
  return out;
}

/**
 * The standard normal quantile function (Wichura 1988, algorithm AS 241, PPND16: about 1e-16
 * relative accuracy).
 */
export function normalPpf(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r + 13731.693765509461125) * r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r + 5394.1960214247511077) * r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let val: number;
  if (r <= 5) {
    r -= 1.6;
    val =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    val =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -val : val;
}

/** Rank normalisation over all draws of all chains: Φ⁻¹((rank - 3/8) / (N + 1/4)). */
export function zScale(x: Chains): Float64Array[] {
  const all = flat(x);
  const { sorted: s, order } = sortWithOrder(all);
  const z = new Float64Array(all.length);
  zScores(s, order, z);
  return reshape(z, x);
}

/**
 * Writes the normal scores of ascending `sorted` into `out[place[k]]`; draws placed at -1 are
 * left out of the ranking. Ties get their average rank as in rankdata; whole ranks take Φ⁻¹ from
 * a table shared by every call with the same N. Walking sorted copies, not an order into the
 * draws, keeps the reads sequential.
 */
function zScores(sorted: Float64Array, place: ArrayLike<number>, out: Float64Array): void {
  const n = out.length;
  const table = zTable(n);
  let rank = 0;
  const m = sorted.length;
  for (let i = 0; i < m; ) {
    const v = sorted[i];
    if (i + 1 === m || sorted[i + 1] !== v) {
      // No tie: the common case, a whole rank.
      const at = place[i];
      if (at >= 0) out[at] = table[rank++];
      i++;
      continue;
    }
    let j = i + 1;
    while (j < sorted.length && sorted[j] === v) j++;
    let count = 0;
    for (let k = i; k < j; k++) if (place[k] >= 0) count++;
    if (count > 0) {
      const r = rank + (count + 1) / 2;
      const z = Number.isInteger(r) ? table[r - 1] : normalPpf((r - 0.375) / (n + 0.25));
      for (let k = i; k < j; k++) if (place[k] >= 0) out[place[k]] = z;
      rank += count;
    }
    i = j;
  }
}

/**
 * rhatBasic of the normal scores zScores would place, from each chain's sum and sum of squares
 * gathered in sorted order: the scores need not be written out (`nChain` chains of `len`, laid end
 * to end). The scores have mean 0 and variance about 1, so Σz² - len·mean² loses nothing.
 */
function rhatOfScores(sorted: Float64Array, place: Int32Array, nChain: number, len: number): number {
  const n = nChain * len;
  const table = zTable(n);
  const sums = new Float64Array(nChain);
  const squares = new Float64Array(nChain);
  const perLen = 1 / len;
  let rank = 0;
  const m = sorted.length;
  for (let i = 0; i < m; ) {
    const v = sorted[i];
    if (i + 1 === m || sorted[i + 1] !== v) {
      // No tie: the common case, a whole rank. A product, not a quotient, finds the chain (the
      // half keeps it off the chains' edges).
      const at = place[i++];
      if (at >= 0) {
        const z = table[rank++];
        const c = Math.floor((at + 0.5) * perLen);
        sums[c] += z;
        squares[c] += z * z;
      }
      continue;
    }
    let j = i + 1;
    while (j < m && sorted[j] === v) j++;
    let count = 0;
    for (let k = i; k < j; k++) if (place[k] >= 0) count++;
    if (count > 0) {
      const r = rank + (count + 1) / 2;
      const z = Number.isInteger(r) ? table[r - 1] : normalPpf((r - 0.375) / (n + 0.25));
      for (let k = i; k < j; k++) {
        if (place[k] < 0) continue;
        const c = Math.floor((place[k] + 0.5) * perLen);
        sums[c] += z;
        squares[c] += z * z;
      }
      rank += count;
    }
    i = j;
  }
  const chainMeans = Array.from(sums, (t) => t / len);
  const chainVars = chainMeans.map((mu, c) => (squares[c] - len * mu * mu) / (len - 1));
  const between = len * variance(chainMeans, 1);
  const within = mean(chainVars);
  return Math.sqrt((between / within + len - 1) / len);
}

let lastZTable = new Float64Array(0);
/** Φ⁻¹((r - 3/8) / (n + 1/4)) for r = 1..n: every variable of a summary has the same n. */
function zTable(n: number): Float64Array {
  if (lastZTable.length !== n) {
    lastZTable = new Float64Array(n);
    for (let r = 1; r <= n; r++) lastZTable[r - 1] = normalPpf((r - 0.375) / (n + 0.25));
  }
  return lastZTable;
}

/** Classic (non-split) R-hat of chains. */
function rhatBasic(x: Chains): number {
  const chainMeans = x.map((c) => mean(c));
  const chainVars = x.map((c, k) => variance(c, 1, chainMeans[k]));
  return rhatOf(x[0].length, chainMeans, chainVars);
}

/** rhatBasic from the chains' means and variances (chains of n). */
function rhatOf(n: number, chainMeans: number[], chainVars: number[]): number {
  const between = n * variance(chainMeans, 1);
  const within = mean(chainVars);
  return Math.sqrt((between / within + n - 1) / n);
}

function invalid(x: Chains, minDraws: number, minChains: number): boolean {
  if (x.length < minChains) return true;
  for (const c of x) {
    if (c.length < minDraws) return true;
    for (let i = 0; i < c.length; i++) if (!Number.isFinite(c[i])) return true;
  }
  return false;
}

/**
 * Rank-normalised split R-hat: the larger of the bulk and the folded (tail) R-hat. The folding is
 * around the median of the split chains (az.rhat) or, with `foldAround: "all"`, of all draws
 * (az.summary); the two differ only when the chains have an odd number of draws.
 */
export function rhat(x: Chains, opts: { foldAround?: "split" | "all" } = {}): number {
  if (invalid(x, 4, 2)) return NaN;
  const split = splitChains(x);
  const bulk = rhatBasic(zScale(split));
  if (opts.foldAround === "all") {
    const med = median(flat(x));
    const tail = rhatBasic(zScale(splitChains(x.map((c) => Array.from(c, (v) => Math.abs(v - med))))));
    return Math.max(bulk, tail);
  }
  const med = median(flat(split));
  const folded = split.map((c) => c.map((v) => Math.abs(v - med)));
  const tail = rhatBasic(zScale(folded));
  return Math.max(bulk, tail);
}

function median(a: ArrayLike<number>): number {
  return medianSorted(sorted(a));
}

function medianSorted(s: Float64Array): number {
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

// ---- autocovariance by FFT (zero-padded, so the circular result is the linear one) ----------

/** Per n: the twiddle factors of each stage laid out contiguously (stage of half-length h at [h, 2h)), and the bit-reversal permutation. */
const fftPlans = new Map<number, { cos: Float64Array; sin: Float64Array; rev: Uint32Array }>();
function fftPlan(n: number): { cos: Float64Array; sin: Float64Array; rev: Uint32Array } {
  let plan = fftPlans.get(n);
  if (!plan) {
    plan = { cos: new Float64Array(n), sin: new Float64Array(n), rev: new Uint32Array(n) };
    for (let h = 1; h < n; h <<= 1) {
      for (let k = 0; k < h; k++) {
        plan.cos[h + k] = Math.cos((Math.PI * k) / h);
        plan.sin[h + k] = Math.sin((Math.PI * k) / h);
      }
    }
    const bits = Math.log2(n);
    for (let i = 1; i < n; i++) plan.rev[i] = (plan.rev[i >> 1] >> 1) | ((i & 1) << (bits - 1));
    fftPlans.set(n, plan);
  }
  return plan;
}

/** In-place radix-2 FFT (n a power of two); `inverse` without the 1/n. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  const { cos, sin, rev } = fftPlan(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (i < j) {
      const r = re[i];
      re[i] = re[j];
      re[j] = r;
      const m = im[i];
      im[i] = im[j];
      im[j] = m;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let half = 1; half < n; half <<= 1) {
    for (let i = 0; i < n; i += 2 * half) {
      for (let k = 0; k < half; k++) {
        const wr = cos[half + k];
        const wi = sign * sin[half + k];
        const a = i + k;
        const b = a + half;
        const br = re[b];
        const bi = im[b];
        const xr = br * wr - bi * wi;
        const xi = br * wi + bi * wr;
        const ar = re[a];
        const ai = im[a];
        re[b] = ar - xr;
        im[b] = ai - xi;
        re[a] = ar + xr;
        im[a] = ai + xi;
      }
    }
  }
}

/**
 * Autocovariances of two series of length n at once (ArviZ's _autocov, normalised by n): one
 * complex FFT of x + iy, zero-padded so that the circular result is the linear one, split into the
 * two power spectra, and one inverse FFT of |X|² + i|Y|².
 */
function autocovPair(x: ArrayLike<number>, y: ArrayLike<number>): [Float64Array, Float64Array] {
  const n = x.length;
  let m = 1;
  while (m < 2 * n) m <<= 1;
  const re = new Float64Array(m);
  const im = new Float64Array(m);
  const mx = mean(x);
  const my = mean(y);
  for (let i = 0; i < n; i++) {
    re[i] = x[i] - mx;
    im[i] = y[i] - my;
  }
  fft(re, im, false);
  const pr = new Float64Array(m);
  const pi = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const j = (m - k) & (m - 1);
    // X_k = (Z_k + conj Z_{m-k}) / 2, Y_k = (Z_k - conj Z_{m-k}) / 2i.
    const ar = re[k] + re[j];
    const ai = im[k] - im[j];
    const br = re[k] - re[j];
    const bi = im[k] + im[j];
    pr[k] = (ar * ar + ai * ai) / 4;
    pi[k] = (br * br + bi * bi) / 4;
  }
  fft(pr, pi, true);
  const ax = new Float64Array(n);
  const ay = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ax[i] = pr[i] / m / n;
    ay[i] = pi[i] / m / n;
  }
  return [ax, ay];
}

/** Autocovariance at lags 0..n-1, normalised by n (ArviZ's _autocov). */
export function autocov(x: ArrayLike<number>): Float64Array {
  return autocovPair(x, x)[0];
}

/** Beyond this many lags one FFT pass over the chains is cheaper than summing lagged products. */
const DIRECT_LAGS = 64;
/** Lags summed per pass over the draws (lagSums' eight independent sums, whose additions overlap). */
const LAG_BLOCK = 8;

/**
 * The autocovariance at lag t averaged over chains, for the lags Geyer's sequence asks for in
 * turn: it usually stops within a few dozen lags, so these are summed directly (LAG_BLOCK lags a
 * pass, centring the draws as it reads them rather than writing them out centred), until a lag
 * of DIRECT_LAGS or more makes computing all lags by FFT the cheaper way. With `lag0`, each
 * chain's Σ (x - mean)² lands there (summed as variance() sums it).
 */
function meanAutocov(x: Chains, chainMeans: number[], lag0?: Float64Array): (t: number) => number {
  const nChain = x.length;
  const nDraw = x[0].length;
  const chains = x.map((c) => (c instanceof Float64Array ? c : Float64Array.from(c)));
  const direct = new Float64Array(DIRECT_LAGS);
  let known = 0;
  let byFft: Float64Array | undefined;
  const sums = new Float64Array(LAG_BLOCK);
  return (t) => {
    if (!byFft && t < DIRECT_LAGS) {
      for (; known <= t; known += LAG_BLOCK) {
        for (let k = 0; k < nChain; k++) {
          lagSums(chains[k], chainMeans[k], known, sums);
          for (let j = 0; j < LAG_BLOCK; j++) direct[known + j] += sums[j] / nDraw;
          if (known === 0 && lag0) lag0[k] = sums[0];
        }
      }
      return direct[t] / nChain;
    }
    if (!byFft) {
      byFft = new Float64Array(nDraw);
      for (let c = 0; c < nChain; c += 2) {
        const pair = autocovPair(x[c], x[Math.min(c + 1, nChain - 1)]);
        for (let i = 0; i < nDraw; i++) byFft[i] += pair[0][i] + (c + 1 < nChain ? pair[1][i] : 0);
      }
    }
    return byFft[t] / nChain;
  };
}

/**
 * sums[j] = Σ_i (c[i] - mu)(c[i + t + j] - mu) for j < LAG_BLOCK (0 where the lag reaches past the
 * series). The lagged draws move through registers, so a step loads two draws, not nine.
 */
function lagSums(c: Float64Array, mu: number, t: number, sums: Float64Array): void {
  const n = c.length;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    s5 = 0,
    s6 = 0,
    s7 = 0;
  const common = Math.max(0, n - t - 7);
  if (common > 0) {
    let a0 = c[t] - mu,
      a1 = c[t + 1] - mu,
      a2 = c[t + 2] - mu,
      a3 = c[t + 3] - mu,
      a4 = c[t + 4] - mu,
      a5 = c[t + 5] - mu,
      a6 = c[t + 6] - mu;
    for (let i = 0; i < common; i++) {
      const v = c[i] - mu;
      const a7 = c[i + t + 7] - mu;
      s0 += v * a0;
      s1 += v * a1;
      s2 += v * a2;
      s3 += v * a3;
      s4 += v * a4;
      s5 += v * a5;
      s6 += v * a6;
      s7 += v * a7;
      a0 = a1;
      a1 = a2;
      a2 = a3;
      a3 = a4;
      a4 = a5;
      a5 = a6;
      a6 = a7;
    }
  }
  sums[0] = s0;
  sums[1] = s1;
  sums[2] = s2;
  sums[3] = s3;
  sums[4] = s4;
  sums[5] = s5;
  sums[6] = s6;
  sums[7] = s7;
  // The last few products of the shorter lags.
  for (let j = 0; j < LAG_BLOCK; j++) for (let i = common; i + t + j < n; i++) sums[j] += (c[i] - mu) * (c[i + t + j] - mu);
}

/** Effective sample size of chains as they are (ArviZ's _ess: Geyer's initial monotone sequence). */
export function essBasic(x: Chains): number {
  const nDraw = x[0].length;
  let lo = Infinity;
  let hi = -Infinity;
  // One pass: finiteness, the range, and each chain's mean (summed in mean()'s order).
  const chainMeans: number[] = [];
  for (const c of x) {
    let sum = 0;
    for (let i = 0; i < nDraw; i++) {
      const v = c[i];
      if (!Number.isFinite(v)) return NaN;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      sum += v;
    }
    chainMeans.push(sum / nDraw);
  }
  return essOfRange(x, chainMeans, lo, hi);
}

/** essBasic of finite chains whose means and range (lo, hi) are known; `lag0` as meanAutocov's. */
function essOfRange(x: Chains, chainMeans: number[], lo: number, hi: number, lag0?: Float64Array): number {
  if (hi - lo < 1e-15) return x.length * x[0].length;
  return essOfAutocov(x[0].length, chainMeans, meanAutocov(x, chainMeans, lag0));
}

/** ArviZ's _ess from the chains' means and their mean autocovariance at lag t (asked for in increasing t). */
function essOfAutocov(nDraw: number, chainMeans: number[], meanAcov: (t: number) => number): number {
  const nChain = chainMeans.length;
  const meanVar = (meanAcov(0) * nDraw) / (nDraw - 1);
  let varPlus = (meanVar * (nDraw - 1)) / nDraw;
  if (nChain > 1) varPlus += variance(chainMeans, 1);

  // Only the first few lags are ever set: unset ones are 0.
  const rho: number[] = [];
  let rhoEven = 1;
  rho[0] = rhoEven;
  let rhoOdd = 1 - (meanVar - meanAcov(1)) / varPlus;
  rho[1] = rhoOdd;
  // Geyer's initial positive sequence.
  let t = 1;
  while (t < nDraw - 3 && rhoEven + rhoOdd > 0) {
    rhoEven = 1 - (meanVar - meanAcov(t + 1)) / varPlus;
    rhoOdd = 1 - (meanVar - meanAcov(t + 2)) / varPlus;
    if (rhoEven + rhoOdd >= 0) {
      rho[t + 1] = rhoEven;
      rho[t + 2] = rhoOdd;
    }
    t += 2;
  }
  const maxT = t - 2;
  if (rhoEven > 0) rho[maxT + 1] = rhoEven;
  // Geyer's initial monotone sequence.
  t = 1;
  while (t <= maxT - 2) {
    if (rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]) {
      rho[t + 1] = (rho[t - 1] + rho[t]) / 2;
      rho[t + 2] = rho[t + 1];
    }
    t += 2;
  }
  const ess = nChain * nDraw;
  let sum = 0;
  for (let i = 0; i <= maxT; i++) sum += rho[i];
  let tauHat = -1 + 2 * sum + (maxT + 1 < nDraw ? (rho[maxT + 1] ?? 0) : 0);
  tauHat = Math.max(tauHat, 1 / Math.log10(ess));
  for (const r of rho) if (Number.isNaN(r)) return NaN;
  return ess / tauHat;
}

/**
 * essBasic of 0/1 chains laid end to end (`nDraw` each), given as the marks of the less common
 * value: the autocovariances of 1 - b are those of b, and the between-chain variance of the means
 * too. With p a chain's mean, Σ_{i<n-t} (b_i - p)(b_{i+t} - p) = A - p (B + C) + (n - t) p², where
 * A counts the marked pairs t apart and B, C the marks before n - t and from t on: walking the few
 * marks costs a fraction of summing lagged products over every draw. Lags past DIRECT_LAGS go to
 * the FFT over the chains written out.
 */
function essOfMarks(marks: Uint8Array, nChain: number, nDraw: number): number {
  const positions = scratchArray("mark positions", marks.length, Int32Array);
  const starts = new Int32Array(nChain + 1);
  let count = 0;
  for (let c = 0; c < nChain; c++) {
    starts[c] = count;
    const end = (c + 1) * nDraw;
    for (let i = c * nDraw; i < end; i++) if (marks[i]) positions[count++] = i;
  }
  starts[nChain] = count;
  if (count === 0) return nChain * nDraw;
  const chainMeans = Array.from({ length: nChain }, (_, c) => (starts[c + 1] - starts[c]) / nDraw);
  const direct = new Float64Array(DIRECT_LAGS);
  let known = 0;
  let dense: ((t: number) => number) | undefined;
  const meanAcov = (t: number): number => {
    if (!dense && t < DIRECT_LAGS) {
      for (; known <= t; known += LAG_BLOCK) {
        for (let c = 0; c < nChain; c++) {
          const start = c * nDraw;
          const end = start + nDraw;
          const p = chainMeans[c];
          const ones = starts[c + 1] - starts[c];
          for (let j = 0; j < LAG_BLOCK; j++) {
            const lag = known + j;
            if (lag >= nDraw) break;
            let pairs = 0;
            for (let k = starts[c]; k < starts[c + 1]; k++) {
              const at = positions[k] + lag;
              if (at < end) pairs += marks[at];
            }
            let head = 0;
            let tail = 0;
            for (let i = 0; i < lag; i++) {
              head += marks[start + i];
              tail += marks[end - 1 - i];
            }
            direct[lag] += (pairs - p * (ones - tail + ones - head) + (nDraw - lag) * p * p) / nDraw;
          }
        }
      }
      return direct[t] / nChain;
    }
    if (!dense) {
      const chains = Array.from({ length: nChain }, (_, c) => Float64Array.from(marks.subarray(c * nDraw, (c + 1) * nDraw)));
      dense = meanAutocov(chains, chainMeans);
    }
    return dense(t);
  };
  return essOfAutocov(nDraw, chainMeans, meanAcov);
}

/** Bulk ESS: ESS of the rank-normalised split chains. */
export function essBulk(x: Chains): number {
  if (invalid(x, 4, 1)) return NaN;
  return essBasic(zScale(splitChains(x)));
}

/** ESS of the split chains (ArviZ's _ess_mean). */
export function essMean(x: Chains): number {
  if (invalid(x, 4, 1)) return NaN;
  return essBasic(splitChains(x));
}

/** Quantile with linear interpolation (NumPy's default, ArviZ's mquantiles(alphap=1, betap=1)). */
export function quantile(values: ArrayLike<number>, p: number): number {
  return quantileSorted(sorted(values), p);
}

function quantileSorted(s: Float64Array, p: number): number {
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** ESS of the indicator x <= quantile(p). */
export function essQuantile(x: Chains, p: number): number {
  if (invalid(x, 4, 1)) return NaN;
  const q = quantile(flat(x), p);
  const ind = x.map((c) => Float64Array.from(c, (v) => (v <= q ? 1 : 0)));
  return essBasic(splitChains(ind));
}

/** Tail ESS: the smaller of the ESS of the 5% and 95% quantiles. */
export function essTail(x: Chains): number {
  return Math.min(essQuantile(x, 0.05), essQuantile(x, 0.95));
}

/** Monte Carlo standard error of the mean: sd / sqrt(ESS of the split chains). */
export function mcseMean(x: Chains): number {
  if (invalid(x, 4, 1)) return NaN;
  return Math.sqrt(variance(flat(x), 1)) / Math.sqrt(essMean(x));
}

/** ESS for the sd: the smaller of the split-chain ESS of x and of x² (ArviZ's _ess_sd). */
export function essSd(x: Chains): number {
  if (invalid(x, 4, 1)) return NaN;
  const split = splitChains(x);
  return Math.min(essBasic(split), essBasic(squares(split)));
}

function squares(x: Float64Array[]): Float64Array[] {
  const all = scratchArray(
    "squares",
    x.reduce((n, c) => n + c.length, 0),
    Float64Array,
  );
  let at = 0;
  return x.map((c) => {
    const out = all.subarray(at, (at += c.length));
    for (let i = 0; i < c.length; i++) out[i] = c[i] * c[i];
    return out;
  });
}

/** Monte Carlo standard error of the sd: sd * sqrt(e (1 - 1/ess)^(ess - 1) - 1) with ess = essSd (ArviZ). */
export function mcseSd(x: Chains): number {
  if (invalid(x, 4, 1)) return NaN;
  return mcseSdOf(Math.sqrt(variance(flat(x), 1)), essSd(x));
}

function mcseSdOf(sd: number, ess: number): number {
  return sd * Math.sqrt(Math.E * Math.pow(1 - 1 / ess, ess - 1) - 1);
}

/** Highest-density interval: the narrowest interval holding floor(prob * n) + 1 sorted draws. */
export function hdi(values: ArrayLike<number>, prob = 0.94): [number, number] {
  return hdiSorted(sorted(values), prob);
}

function hdiSorted(s: Float64Array, prob: number): [number, number] {
  const n = s.length;
  const inc = Math.floor(prob * n);
  const nIntervals = n - inc;
  if (nIntervals <= 0) throw new Error("hdi: too few draws for this probability");
  let best = 0;
  let width = Infinity;
  for (let i = 0; i < nIntervals; i++) {
    const w = s[i + inc] - s[i];
    if (w < width) {
      width = w;
      best = i;
    }
  }
  return [s[best], s[best + inc]];
}

/** The numbers of one az.summary row. */
export interface Diagnostics {
  mean: number;
  sd: number;
  hdi: [number, number];
  mcseMean: number;
  mcseSd: number;
  essBulk: number;
  essTail: number;
  rhat: number;
}

/**
 * Everything az.summary reports for one scalar, as the functions above compute it (R-hat folded
 * around the median of all draws), with one sort of the draws shared by all of it: the HDI,
 * quantiles and median read the sorted draws, the bulk ranks walk them, and the folded ranks merge
 * the two sides of the median. The split-chain ESS serves both MCSEs.
 */
export function diagnostics(x: Chains, hdiProb = 0.94): Diagnostics {
  if (x.length === 0) return diagnosticsOfDraws(new Float64Array(0), 0, hdiProb);
  for (const c of x) if (c.length !== x[0].length) throw new Error("diagnostics: every chain needs the same number of draws");
  return diagnosticsOfDraws(flat(x), x.length, hdiProb);
}

/** diagnostics() of draws laid out chain after chain: chain c is `all[c·n, (c+1)·n)` with n = all.length / nChain. */
export function diagnosticsOfDraws(all: Float64Array, nChain: number, hdiProb = 0.94): Diagnostics {
  const n = all.length;
  const nDraw = nChain > 0 ? n / nChain : 0;
  const half = Math.floor(nDraw / 2);
  // Where each draw lands among the split chains laid end to end (-1: an odd chain's middle draw);
  // the same walk over the draws, in their order, sums them.
  const placeOfDraw = scratchArray("place of draw", n, Int32Array);
  const mu = placesAndSum(all, nChain, placeOfDraw) / n;
  const sd = Math.sqrt(sumOfSquares(all, mu) / (n - 1));
  // The draws ascending, and where the k-th smallest lands.
  const { sorted: s, carried: place } = radixSort(all, placeOfDraw);
  const common = { mean: mu, sd, hdi: hdiSorted(s, hdiProb) };
  // Non-finite draws sort to the ends.
  if (nChain < 1 || nDraw < 4 || !Number.isFinite(s[0]) || !Number.isFinite(s[n - 1]))
    return { ...common, mcseMean: NaN, mcseSd: NaN, essBulk: NaN, essTail: NaN, rhat: NaN };

  // The split chains (first halves, then last halves) are views of the draws.
  const split: Float64Array[] = [];
  for (let c = 0; c < nChain; c++) split.push(all.subarray(c * nDraw, c * nDraw + half));
  for (let c = 0; c < nChain; c++) split.push(all.subarray((c + 1) * nDraw - half, (c + 1) * nDraw));
  const nSplit = 2 * nChain * half;
  const bulkZ = scratchArray("bulk z", nSplit, Float64Array);
  zScores(s, place, bulkZ);
  const bulk = reshape(bulkZ, split);
  const squared = reshape(scratchArray("squares", nSplit, Float64Array), split);
  const { means, lo, hi, loSquare, hiSquare, loZ, hiZ } = meansAndRanges(split, squared, bulk, half);
  const nSeries = 2 * nChain;
  // The bulk R-hat takes the chains' variances from the lag-0 sums of the bulk ESS.
  const bulkLag0 = new Float64Array(nSeries);
  const essBulk = essOfRange(bulk, means.bulk, loZ, hiZ, bulkLag0);
  const bulkVars = Array.from(bulkLag0, (ss) => ss / (half - 1));
  const bulkRhat = nChain < 2 ? NaN : hiZ - loZ < 1e-15 ? rhatBasic(bulk) : rhatOf(half, means.bulk, bulkVars);

  const folded = foldSorted(s, place, medianSorted(s));
  const rhat = nChain < 2 ? NaN : Math.max(bulkRhat, rhatOfScores(folded.sorted, folded.place, 2 * nChain, half));

  // The tail ESS's indicators (draw <= quantile) are a prefix of the sorted draws: marked by place.
  const marks = scratchArray("marks", nSplit, Uint8Array);
  const essAtQuantile = (p: number) => {
    const q = quantileSorted(s, p);
    let below = Math.floor((n - 1) * p);
    while (below < n && s[below] <= q) below++;
    // Every draw has a place unless the chains are odd.
    let ones = below;
    if (nDraw % 2) for (let k = 0; k < below; k++) if (place[k] < 0) ones--;
    const [from, to] = 2 * ones <= nSplit ? [0, below] : [below, n];
    marks.fill(0);
    for (let k = from; k < to; k++) if (place[k] >= 0) marks[place[k]] = 1;
    return essOfMarks(marks, 2 * nChain, half);
  };
  const essTail = Math.min(essAtQuantile(0.05), essAtQuantile(0.95));

  const essSplit = essOfRange(split, means.split, lo, hi);
  const essSquares = Number.isFinite(hiSquare) ? essOfRange(squared, means.squared, loSquare, hiSquare) : NaN;
  return {
    ...common,
    mcseMean: sd / Math.sqrt(essSplit),
    mcseSd: mcseSdOf(sd, Math.min(essSplit, essSquares)),
    essBulk,
    essTail,
    rhat,
  };
}

// The long loops live in functions of their own, each starting with its loop: V8 compiles a loop
// that runs long during a function's first call before the code around it has run, and code
// compiled that way falls back to the interpreter on reaching the rest (several times per summary).

/** Fills placeOfDraw (see diagnosticsOfDraws) and returns the sum of the draws, in their order. */
function placesAndSum(all: Float64Array, nChain: number, placeOfDraw: Int32Array): number {
  const nDraw = all.length / nChain;
  const half = Math.floor(nDraw / 2);
  let sum = 0;
  for (let c = 0; c < nChain; c++) {
    const first = c * nDraw;
    const last = first + nDraw - half;
    for (let d = 0; d < half; d++) {
      placeOfDraw[first + d] = c * half + d;
      sum += all[first + d];
    }
    if (nDraw % 2) {
      placeOfDraw[first + half] = -1;
      sum += all[first + half];
    }
    for (let d = 0; d < half; d++) {
      placeOfDraw[last + d] = (nChain + c) * half + d;
      sum += all[last + d];
    }
  }
  return sum;
}

/** Σ (x - mu)². */
function sumOfSquares(all: Float64Array, mu: number): number {
  let ss = 0;
  for (let i = 0; i < all.length; i++) ss += (all[i] - mu) * (all[i] - mu);
  return ss;
}

/**
 * One pass gathers what essBasic's first pass finds for the split draws, their squares (written
 * out to `squared`) and their normal scores: each chain's mean (summed in the same order) and each
 * range. The draws are finite; a square may not be.
 */
function meansAndRanges(split: Float64Array[], squared: Float64Array[], bulk: Float64Array[], half: number) {
  const means = { split: [] as number[], squared: [] as number[], bulk: [] as number[] };
  // lo, hi, loSquare, hiSquare, loZ, hiZ, then one chain's three sums.
  const acc = Float64Array.of(Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity, 0, 0, 0);
  for (let c = 0; c < split.length; c++) {
    chainSumsAndRanges(split[c], squared[c], bulk[c], half, acc);
    means.split.push(acc[6] / half);
    means.squared.push(acc[7] / half);
    means.bulk.push(acc[8] / half);
  }
  return { means, lo: acc[0], hi: acc[1], loSquare: acc[2], hiSquare: acc[3], loZ: acc[4], hiZ: acc[5] };
}

/** meansAndRanges' pass over one chain: the ranges in acc[0..5] widened, its sums into acc[6..8]. */
function chainSumsAndRanges(x: Float64Array, sq: Float64Array, z: Float64Array, half: number, acc: Float64Array): void {
  let lo = acc[0];
  let hi = acc[1];
  let loSquare = acc[2];
  let hiSquare = acc[3];
  let loZ = acc[4];
  let hiZ = acc[5];
  let sum = 0;
  let sumSquares = 0;
  let sumZ = 0;
  for (let i = 0; i < half; i++) {
    const v = x[i];
    const v2 = v * v;
    const w = z[i];
    sq[i] = v2;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (v2 < loSquare) loSquare = v2;
    if (v2 > hiSquare) hiSquare = v2;
    if (w < loZ) loZ = w;
    if (w > hiZ) hiZ = w;
    sum += v;
    sumSquares += v2;
    sumZ += w;
  }
  acc[0] = lo;
  acc[1] = hi;
  acc[2] = loSquare;
  acc[3] = hiSquare;
  acc[4] = loZ;
  acc[5] = hiZ;
  acc[6] = sum;
  acc[7] = sumSquares;
  acc[8] = sumZ;
}

/**
 * |v - med| of ascending draws, in ascending order, with their places: the draws below the median,
 * walked downwards, and those above, walked upwards, are each in order of distance, so one merge.
 */
function foldSorted(s: Float64Array, place: Int32Array, med: number): { sorted: Float64Array; place: Int32Array } {
  const n = s.length;
  const sorted = scratchArray("folded sorted", n, Float64Array);
  const placeOut = scratchArray("folded place", n, Int32Array);
  let up = 0;
  while (up < n && s[up] < med) up++;
  let down = up - 1;
  let k = 0;
  // While both sides have draws, the nearer is taken without a branch: which side is nearer is a
  // coin toss, which a branch would mispredict half the time. (|v - med| is med - v below it.)
  while (down >= 0 && up < n) {
    const below = med - s[down];
    const above = s[up] - med;
    const fromBelow = +(below <= above);
    sorted[k] = fromBelow * below + (1 - fromBelow) * above;
    placeOut[k++] = fromBelow * place[down] + (1 - fromBelow) * place[up];
    down -= fromBelow;
    up += 1 - fromBelow;
  }
  for (; down >= 0; down--) {
    sorted[k] = med - s[down];
    placeOut[k++] = place[down];
  }
  for (; up < n; up++) {
    sorted[k] = s[up] - med;
    placeOut[k++] = place[up];
  }
  return { sorted, place: placeOut };
}
