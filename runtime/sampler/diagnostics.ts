// Convergence diagnostics as ArviZ computes them (arviz/stats/diagnostics.py; Vehtari, Gelman,
// Simpson, Carpenter & Bürkner 2021, "Rank-normalization, folding, and localization"):
// rank-normalised split R-hat, bulk and tail ESS with Geyer's initial monotone sequence, MCSE of the
// mean and of the sd, and the highest-density interval. Each function takes the draws of one scalar
// quantity as `chains` arrays of equal length (or one flat array with its chain count).
// Everything is O(n log n) in the number of draws: sorts of Float64Arrays, autocovariance by FFT.

/** Draws of one scalar: an array per chain. */
export type Chains = readonly ArrayLike<number>[];

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
 * The indices that sort `values` ascending: an LSD radix sort on the 64 bits of each double, mapped
 * so that unsigned order is numeric order (negatives flipped whole, positives get the sign bit),
 * four passes of 16 bits. Linear, and several times faster than a comparison sort of the numbers.
 */
function argsort(values: ArrayLike<number>): Uint32Array {
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
  return idx;
}

/** Ascending copy. */
function sorted(values: ArrayLike<number>): Float64Array {
  const order = argsort(values);
  const out = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = values[order[i]];
  return out;
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

function variance(a: ArrayLike<number>, ddof = 1): number {
  const m = mean(a);
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
  const idx = argsort(a);
  const n = idx.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && a[idx[j + 1]] === a[idx[i]]) j++;
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
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r +
          13731.693765509461125) * r + 1971.5909503065514427) * r + 133.14166789178437745) * r + 3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r +
        5394.1960214247511077) * r + 687.1870074920579083) * r + 42.313330701600911252) * r + 1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let val: number;
  if (r <= 5) {
    r -= 1.6;
    val =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r +
        3.64784832476320460504) * r + 5.7694972214606914055) * r + 4.6303378461565452959) * r + 1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r +
        0.68976733498510000455) * r + 1.6763848301838038494) * r + 2.05319162663775882187) * r + 1);
  } else {
    r -= 5;
    val =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r +
        0.29656057182850489123) * r + 1.7848265399172913358) * r + 5.4637849111641143699) * r + 6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
        0.0148753612908506148525) * r + 0.13692988092273580531) * r + 0.59983220655588793769) * r + 1);
  }
  return q < 0 ? -val : val;
}

/** Rank normalisation over all draws of all chains: Φ⁻¹((rank - 3/8) / (N + 1/4)). */
export function zScale(x: Chains): Float64Array[] {
  const r = ranks(flat(x));
  const n = r.length;
  return reshape(r.map((v) => normalPpf((v - 0.375) / (n + 0.25))), x);
}

/** Classic (non-split) R-hat of chains. */
function rhatBasic(x: Chains): number {
  const n = x[0].length;
  const chainMeans = x.map((c) => mean(c));
  const chainVars = x.map((c) => variance(c, 1));
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
  const s = sorted(a);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

// ---- autocovariance by FFT (zero-padded, so the circular result is the linear one) ----------

/** cos and sin of 2πk/n for k < n/2 (the twiddle factors of every stage of an n-point FFT), kept per n. */
const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array }>();
function twiddles(n: number): { cos: Float64Array; sin: Float64Array } {
  let tw = twiddleCache.get(n);
  if (!tw) {
    tw = { cos: new Float64Array(n / 2), sin: new Float64Array(n / 2) };
    for (let k = 0; k < n / 2; k++) {
      tw.cos[k] = Math.cos((2 * Math.PI * k) / n);
      tw.sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
    twiddleCache.set(n, tw);
  }
  return tw;
}

/** In-place radix-2 FFT (n a power of two); `inverse` without the 1/n. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  const tw = twiddles(n);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
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
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const step = n / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < half; k++) {
        const wr = tw.cos[k * step];
        const wi = sign * tw.sin[k * step];
        const a = i + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
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

/** Effective sample size of chains as they are (ArviZ's _ess: Geyer's initial monotone sequence). */
export function essBasic(x: Chains): number {
  const all = flat(x);
  for (const v of all) if (!Number.isFinite(v)) return NaN;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of all) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi - lo < 1e-15) return all.length;
  const nChain = x.length;
  const nDraw = x[0].length;
  const acov: Float64Array[] = [];
  for (let c = 0; c < nChain; c += 2) acov.push(...autocovPair(x[c], x[Math.min(c + 1, nChain - 1)]));
  const chainMeans = x.map((c) => mean(c));
  const meanAcov = (t: number) => {
    let s = 0;
    for (let c = 0; c < nChain; c++) s += acov[c][t];
    return s / nChain;
  };
  const meanVar = (meanAcov(0) * nDraw) / (nDraw - 1);
  let varPlus = (meanVar * (nDraw - 1)) / nDraw;
  if (nChain > 1) varPlus += variance(chainMeans, 1);

  const rho = new Float64Array(nDraw);
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
  let tauHat = -1 + 2 * sum + (maxT + 1 < nDraw ? rho[maxT + 1] : 0);
  tauHat = Math.max(tauHat, 1 / Math.log10(ess));
  for (const r of rho) if (Number.isNaN(r)) return NaN;
  return ess / tauHat;
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
  const s = sorted(values);
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
  return Math.min(essBasic(split), essBasic(split.map((c) => c.map((v) => v * v))));
}

/** Monte Carlo standard error of the sd: sd * sqrt(e (1 - 1/ess)^(ess - 1) - 1) with ess = essSd (ArviZ). */
export function mcseSd(x: Chains): number {
  if (invalid(x, 4, 1)) return NaN;
  const ess = essSd(x);
  const sd = Math.sqrt(variance(flat(x), 1));
  return sd * Math.sqrt(Math.E * Math.pow(1 - 1 / ess, ess - 1) - 1);
}

/** Highest-density interval: the narrowest interval holding floor(prob * n) + 1 sorted draws. */
export function hdi(values: ArrayLike<number>, prob = 0.94): [number, number] {
  const s = sorted(values);
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
