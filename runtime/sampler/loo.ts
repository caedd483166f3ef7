// Model comparison as ArviZ 0.x computes it (arviz/stats/stats.py: loo, waic, compare, psislw,
// _psislw, _gpdfit, _gpinv): Pareto-smoothed importance-sampling leave-one-out cross-validation
// (Vehtari, Gelman & Gabry 2017; Vehtari et al. 2024), WAIC, and stacking / pseudo-BMA weights
// (Yao et al. 2018). The GPD tail fit is Zhang & Stephens' (2009) empirical Bayes estimate with
// ArviZ's weakly informative prior on k. Everything reads a trace's log-likelihood group,
// [chains, draws, ...observed shape], with the samples ordered chain by chain as ArviZ stacks them.
import type { NDArray } from "../ndarray.js";
import { Stream } from "../random.js";
import { gammaVariate } from "../variates-continuous.js";
import { essMean } from "./diagnostics.js";
import { checkOptionNames } from "../options.js";
import type { Trace } from "./trace.js";

export type ICScale = "log" | "negative_log" | "deviance";

/** What `loo` returns: ArviZ's ELPDData rows for PSIS-LOO. */
export interface ELPDData {
  elpd_loo: number;
  se: number;
  p_loo: number;
  n_samples: number;
  n_data_points: number;
  /** Some Pareto k is above good_k: the estimate may be unreliable. */
  warning: boolean;
  /** Pointwise elpd (on `scale`), only with `pointwise: true`. */
  loo_i?: Float64Array;
  pareto_k: Float64Array;
  scale: ICScale;
  good_k: number;
}

/** What `waic` returns: ArviZ's ELPDData rows for WAIC. */
export interface WAICData {
  elpd_waic: number;
  se: number;
  p_waic: number;
  n_samples: number;
  n_data_points: number;
  /** Some pointwise posterior variance of the log likelihood is above 0.4. */
  warning: boolean;
  waic_i?: Float64Array;
  scale: ICScale;
}

/** One row of `compare`, best model first (az.compare's DataFrame columns). */
export interface CompareRow {
  name: string;
  rank: number;
  elpd_loo?: number;
  p_loo?: number;
  elpd_waic?: number;
  p_waic?: number;
  elpd_diff: number;
  weight: number;
  se: number;
  dse: number;
  warning: boolean;
  scale: ICScale;
}

const SCALES: Record<ICScale, number> = { log: 1, negative_log: -1, deviance: -2 };
/** log(np.finfo(float).tiny), written out so the module has no top-level calls (tree shaking). */
const CUTOFF_MIN = -708.3964185322641;
const EPS = 2.220446049250313e-16;

const LOO_WARNING = (goodK: number) =>
  `Estimated shape parameter of Pareto distribution is greater than ${goodK.toFixed(2)} for one or more samples. ` +
  "You should consider using a more robust model, this is because importance sampling is less likely to work well " +
  "if the marginal posterior and LOO posterior are very different. This is more likely to happen with a non-robust " +
  "model and highly influential observations.";
/** With a tail of 4 draws or fewer ArviZ skips the fit and sets every k to Infinity, whatever the model. */
const FEW_DRAWS_WARNING = (S: number, reff: number) => {
  let enough = S;
  while (tailLength(enough, reff) < 5) enough++;
  return (
    `loo: ${S} posterior draws give a Pareto tail of at most ${tailLength(S, reff)} draw${tailLength(S, reff) === 1 ? "" : "s"}, too few to fit (it needs 5): ` +
    `Pareto k is Infinity for every observation and elpd_loo is plain importance sampling, without smoothing. ` +
    `Draw more samples (${enough} or more here).`
  );
};
const WAIC_WARNING =
  "For one or more samples the posterior variance of the log predictive densities exceeds 0.4. This could be " +
  "indication of WAIC starting to fail. \nSee http://arxiv.org/abs/1507.04544 for details";

function scaleValue(where: string, scale: string | undefined): [ICScale, number] {
  const s = (scale ?? "log").toLowerCase();
  if (!Object.hasOwn(SCALES, s)) throw new Error(`${where}: scale '${scale}' is not one of "log", "negative_log", "deviance"`);
  return [s as ICScale, SCALES[s as ICScale]];
}

/** log(sum(exp(x))) without overflow. */
function logsumexp(x: Float64Array): number {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  if (max === Infinity) return Infinity;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp(x[i] - max);
  return Math.log(sum) + max;
}

/** Population variance (ddof 0, NumPy's np.var). */
function variance(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - m) * (x[i] - m);
  return v / x.length;
}

/**
 * Zhang & Stephens' empirical Bayes fit of a generalized Pareto distribution to the sorted
 * exceedances `ary`, with ArviZ's prior shrinking k towards 0.5 (as if 10 more points at 0.5).
 */
export function gpdfit(ary: Float64Array): { k: number; sigma: number } {
  const n = ary.length;
  const m = 30 + Math.floor(Math.sqrt(n));
  const b = new Float64Array(m);
  const ks = new Float64Array(m);
  const lens = new Float64Array(m);
  const quart = ary[Math.floor(n / 4 + 0.5) - 1];
  for (let j = 0; j < m; j++) {
    b[j] = (1 - Math.sqrt(m / (j + 1 - 0.5))) / (3 * quart) + 1 / ary[n - 1];
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.log1p(-b[j] * ary[i]);
    ks[j] = s / n;
    lens[j] = n * (Math.log(-(b[j] / ks[j])) - ks[j] - 1);
  }
  // Weight of each grid point: its profile likelihood relative to all others'.
  let total = 0;
  let bPost = 0;
  const w = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let l = 0; l < m; l++) s += Math.exp(lens[l] - lens[j]);
    w[j] = 1 / s;
    // ArviZ drops negligible weights before normalising.
    if (!(w[j] >= 10 * EPS)) w[j] = 0;
    total += w[j];
  }
  for (let j = 0; j < m; j++) bPost += b[j] * (w[j] / total);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log1p(-bPost * ary[i]);
  const kPost = s / n;
  const sigma = -kPost / bPost;
  return { k: (n * kPost + 10 * 0.5) / (n + 10), sigma };
}

/** Quantile function of the generalized Pareto distribution at probabilities in (0, 1). */
function gpinv(p: number, k: number, sigma: number): number {
  if (!(sigma > 0)) return NaN;
  return sigma * (Math.abs(k) < EPS ? -Math.log1p(-p) : Math.expm1(-k * Math.log1p(-p)) / k);
}

/** The most draws the Pareto tail of n draws can have: ceil(min(n/5, 3 sqrt(n/reff))). */
function tailLength(n: number, reff: number): number {
  return Math.ceil(Math.min(n / 5, 3 * Math.sqrt(n / reff)));
}

/** The tail length rule as ArviZ writes it: a negative index from the end. */
function cutoffIndex(n: number, reff: number): number {
  return -tailLength(n, reff) - 1;
}

/**
 * ArviZ's _psislw on `x` in place: smooth the largest weights by GPD quantiles, truncate at the
 * largest raw weight, normalise. `sorted` is scratch of x's length. Returns Pareto k (Infinity
 * when the tail has fewer than 5 points).
 */
function smooth(x: Float64Array, cutoffInd: number, sorted: Float64Array): number {
  const n = x.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (x[i] > max) max = x[i];
  for (let i = 0; i < n; i++) x[i] -= max;
  sorted.set(x);
  sorted.sort();
  const xcutoff = Math.max(sorted[n + cutoffInd], CUTOFF_MIN);
  const expCutoff = Math.exp(xcutoff);
  let tailLen = 0;
  for (let i = 0; i < n; i++) if (x[i] > xcutoff) tailLen++;
  let k = Infinity;
  if (tailLen > 4) {
    const tail = new Uint32Array(tailLen);
    for (let i = 0, t = 0; i < n; i++) if (x[i] > xcutoff) tail[t++] = i;
    tail.sort((a, b) => x[a] - x[b]);
    const exceed = new Float64Array(tailLen);
    for (let t = 0; t < tailLen; t++) exceed[t] = Math.exp(x[tail[t]]) - expCutoff;
    const fit = gpdfit(exceed);
    k = fit.k;
    // A failed fit (k not finite) leaves the weights unsmoothed.
    if (Number.isFinite(k)) {
      for (let t = 0; t < tailLen; t++) x[tail[t]] = Math.log(gpinv((t + 0.5) / tailLen, k, fit.sigma) + expCutoff);
      for (let i = 0; i < n; i++) if (x[i] > 0) x[i] = 0;
    }
  }
  const lse = logsumexp(x);
  for (let i = 0; i < n; i++) x[i] -= lse;
  return k;
}

/**
 * Pareto-smoothed importance sampling of one observation's raw log weights (az.psislw on one
 * row): the smoothed, truncated, normalised log weights and the Pareto shape k.
 */
export function psislw(logWeights: ArrayLike<number>, reff = 1): { lw: Float64Array; k: number } {
  if (!(reff > 0)) throw new Error(`psislw: reff must be positive, got ${reff}`);
  const lw = Float64Array.from(logWeights);
  const k = smooth(lw, cutoffIndex(lw.length, reff), new Float64Array(lw.length));
  return { lw, k };
}

/** The log-likelihood array to use and its name, as ArviZ's get_log_likelihood picks it. */
function logLikelihoodOf(where: string, trace: Trace, varName: string | undefined): { name: string; ll: NDArray } {
  const group = trace.logLikelihood;
  if (!group || Object.keys(group).length === 0) {
    throw new Error(`${where}: the trace has no log-likelihood; sample with { logLikelihood: true } to record it`);
  }
  const names = Object.keys(group);
  if (varName === undefined) {
    if (names.length > 1)
      throw new Error(`${where}: the trace has log-likelihoods of several observed variables (${names.join(", ")}); choose one with varName`);
    return { name: names[0], ll: group[names[0]] };
  }
  if (!Object.hasOwn(group, varName)) throw new Error(`${where}: no log-likelihood named '${varName}' (the trace has ${names.join(", ")})`);
  return { name: varName, ll: group[varName] };
}

/**
 * Sizes of a [chains, draws, ...] log-likelihood array: samples, data points. Every value must be
 * finite: ArviZ lets a NaN or an infinity through to a NaN elpd (or, in compare, a model ranked
 * last with weight 0), which hides a broken likelihood; say where the first one is instead.
 */
function sizes(where: string, name: string, ll: NDArray): { chains: number; S: number; N: number } {
  if (ll.shape.length < 2) throw new Error(`${where}: a log-likelihood must be [chains, draws, ...observed shape], got shape [${ll.shape.join(", ")}]`);
  const S = ll.shape[0] * ll.shape[1];
  const N = S === 0 ? 0 : ll.data.length / S;
  if (S === 0 || N === 0) throw new Error(`${where}: the log-likelihood is empty (shape [${ll.shape.join(", ")}])`);
  const first = ll.data.findIndex((v) => !Number.isFinite(v));
  if (first >= 0) {
    const bad = ll.data.reduce((n, v) => (Number.isFinite(v) ? n : n + 1), 0);
    const draws = ll.shape[1];
    const s = Math.floor(first / N);
    throw new Error(
      `${where}: the log-likelihood of '${name}' is ${ll.data[first]} at chain ${Math.floor(s / draws)}, draw ${s % draws}` +
        `${observationAt(ll.shape.slice(2), first % N)} (${bad} of its ${ll.data.length} values ${bad === 1 ? "is" : "are"} not finite); ` +
        "every pointwise log-likelihood of a posterior draw must be finite: check the likelihood and the draws it was computed from",
    );
  }
  return { chains: ll.shape[0], S, N };
}

/** ", observation [i, j]": the index in the observed shape of flat entry `i` (nothing for a scalar observation). */
function observationAt(shape: number[], i: number): string {
  if (shape.length === 0) return "";
  const index = shape.map(() => 0);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return `, observation ${shape.length === 1 ? index[0] : `[${index.join(", ")}]`}`;
}

/**
 * ArviZ's default relative efficiency: the mean ESS (method "mean") over every scalar of every
 * posterior variable, divided by the number of samples; 1 with a single chain.
 */
function defaultReff(trace: Trace, chains: number, S: number): number {
  if (chains === 1) return 1;
  let sum = 0;
  let count = 0;
  for (const arr of Object.values(trace.posterior)) {
    const [c, d] = arr.shape;
    const k = c * d === 0 ? 0 : arr.data.length / (c * d);
    const x = Array.from({ length: c }, () => new Float64Array(d));
    for (let j = 0; j < k; j++) {
      for (let ci = 0; ci < c; ci++) for (let di = 0; di < d; di++) x[ci][di] = arr.data[(ci * d + di) * k + j];
      sum += essMean(x);
      count++;
    }
  }
  if (count === 0) throw new Error("loo: the trace has no posterior draws to compute the relative efficiency from; pass reff");
  return sum / count / S;
}

/** Pareto-smoothed importance-sampling leave-one-out cross-validation (az.loo). */
export function loo(trace: Trace, opts: { pointwise?: boolean; reff?: number; scale?: ICScale; varName?: string } = {}): ELPDData {
  opts = checkOptionNames("loo", opts, ["pointwise", "reff", "scale", "varName"]);
  const [scale, sv] = scaleValue("loo", opts.scale);
  const { name, ll } = logLikelihoodOf("loo", trace, opts.varName);
  const { chains, S, N } = sizes("loo", name, ll);
  // ArviZ fails here with an IndexError (its tail cutoff indexes past a single draw).
  if (S < 2) throw new Error(`loo: leave-one-out needs at least 2 posterior draws; the trace has ${S}`);
  const reff = opts.reff ?? defaultReff(trace, chains, S);
  if (!(reff > 0)) throw new Error(`loo: reff must be positive, got ${reff}`);
  const cutoffInd = cutoffIndex(S, reff);
  const x = new Float64Array(S);
  const sorted = new Float64Array(S);
  const looI = new Float64Array(N);
  const paretoK = new Float64Array(N);
  let lppd = 0;
  for (let i = 0; i < N; i++) {
    for (let s = 0; s < S; s++) x[s] = -ll.data[s * N + i];
    paretoK[i] = smooth(x, cutoffInd, sorted);
    for (let s = 0; s < S; s++) x[s] += ll.data[s * N + i];
    looI[i] = sv * logsumexp(x);
    for (let s = 0; s < S; s++) x[s] = ll.data[s * N + i];
    lppd += logsumexp(x) - Math.log(S);
  }
  const goodK = Math.min(1 - 1 / Math.log10(S), 0.7);
  const warning = paretoK.some((k) => k > goodK);
  if (warning) console.warn(tailLength(S, reff) < 5 ? FEW_DRAWS_WARNING(S, reff) : LOO_WARNING(goodK));
  let elpd = 0;
  for (let i = 0; i < N; i++) elpd += looI[i];
  const out: ELPDData = {
    elpd_loo: elpd,
    se: Math.sqrt(N * variance(looI)),
    p_loo: lppd - elpd / sv,
    n_samples: S,
    n_data_points: N,
    warning,
    pareto_k: paretoK,
    scale,
    good_k: goodK,
  };
  if (opts.pointwise) out.loo_i = looI;
  return out;
}

/** The widely applicable information criterion (az.waic). */
export function waic(trace: Trace, opts: { pointwise?: boolean; scale?: ICScale; varName?: string } = {}): WAICData {
  opts = checkOptionNames("waic", opts, ["pointwise", "scale", "varName"]);
  const [scale, sv] = scaleValue("waic", opts.scale);
  const { name, ll } = logLikelihoodOf("waic", trace, opts.varName);
  const { S, N } = sizes("waic", name, ll);
  const x = new Float64Array(S);
  const waicI = new Float64Array(N);
  let pWaic = 0;
  let warning = false;
  for (let i = 0; i < N; i++) {
    for (let s = 0; s < S; s++) x[s] = ll.data[s * N + i];
    const v = variance(x);
    if (v > 0.4) warning = true;
    pWaic += v;
    waicI[i] = sv * (logsumexp(x) - Math.log(S) - v);
  }
  if (warning) console.warn(WAIC_WARNING);
  let elpd = 0;
  for (let i = 0; i < N; i++) elpd += waicI[i];
  const out: WAICData = { elpd_waic: elpd, se: Math.sqrt(N * variance(waicI)), p_waic: pWaic, n_samples: S, n_data_points: N, warning, scale };
  if (opts.pointwise) out.waic_i = waicI;
  return out;
}

/**
 * Stacking weights: maximise sum_i log(sum_k w_k exp(elpd_ik)) over the simplex (what ArviZ
 * hands to SciPy's SLSQP). Models with the same pointwise elpd are one model to the objective:
 * SLSQP, starting from equal weights, keeps their weights equal (identical models get 1/K each), so
 * the weight found for one copy is split evenly among them.
 */
export function stackingWeights(elpdI: Float64Array[]): Float64Array {
  const copyOf = elpdI.map((a) => elpdI.findIndex((b) => a.every((v, i) => v === b[i])));
  const distinct = [...new Set(copyOf)];
  const w = distinctStackingWeights(distinct.map((k) => elpdI[k]));
  const copies = (k: number) => copyOf.filter((c) => c === k).length;
  return Float64Array.from(copyOf, (k) => w[distinct.indexOf(k)] / copies(k));
}

/**
 * The objective is concave, so any method that converges finds the same maximum: EM's fixed point
 * for mixture weights, w_k <- w_k mean_i(E_ik / E_i.w), finds the support safely but slowly, and
 * Newton steps on that support finish it to machine precision. Each row is scaled by its largest
 * entry first so that exp never overflows (that does not move the maximum).
 */
function distinctStackingWeights(elpdI: Float64Array[]): Float64Array {
  const K = elpdI.length;
  const N = elpdI[0].length;
  const E = new Float64Array(N * K);
  for (let i = 0; i < N; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, elpdI[k][i]);
    for (let k = 0; k < K; k++) E[i * K + k] = Math.exp(elpdI[k][i] - max);
  }
  let w = new Float64Array(K).fill(1 / K);
  let next = new Float64Array(K);
  for (let iter = 0; iter < 10_000; iter++) {
    gradient(E, N, K, w, next);
    let change = 0;
    for (let k = 0; k < K; k++) {
      next[k] *= w[k] / N;
      change = Math.max(change, Math.abs(next[k] - w[k]));
    }
    [w, next] = [next, w];
    if (change < 1e-9) break;
  }
  polish(E, N, K, w);
  return w;
}

/** g_k = sum_i E_ik / (E_i.w), the objective's gradient; at the optimum g_k = N on the support. */
function gradient(E: Float64Array, N: number, K: number, w: Float64Array, g: Float64Array): void {
  g.fill(0);
  for (let i = 0; i < N; i++) {
    let d = 0;
    for (let k = 0; k < K; k++) d += E[i * K + k] * w[k];
    for (let k = 0; k < K; k++) g[k] += E[i * K + k] / d;
  }
}

/**
 * Newton's method on the weights EM left in the support (the others, whose gradient is below N,
 * are set to 0), with the last support weight eliminated by sum(w) = 1. A step that would make a
 * weight negative stops at the boundary and drops it.
 */
function polish(E: Float64Array, N: number, K: number, w: Float64Array): void {
  const g = new Float64Array(K);
  for (let iter = 0; iter < 100; iter++) {
    gradient(E, N, K, w, g);
    for (let k = 0; k < K; k++) if (w[k] < 1e-6 && g[k] < N * (1 - 1e-9)) w[k] = 0;
    normalise(w);
    const A = [...w.keys()].filter((k) => w[k] > 0);
    const m = A.length - 1;
    if (m < 1) break;
    const last = A[m];
    // Reduced gradient and Hessian in the free weights A[0..m-1]; w_last = 1 - sum of them.
    const H = new Float64Array(m * m);
    const r = new Float64Array(m);
    for (let i = 0; i < N; i++) {
      let d = 0;
      for (let k = 0; k < K; k++) d += E[i * K + k] * w[k];
      for (let a = 0; a < m; a++) {
        const ea = (E[i * K + A[a]] - E[i * K + last]) / d;
        r[a] += ea;
        for (let b = 0; b < m; b++) H[a * m + b] += (ea * (E[i * K + A[b]] - E[i * K + last])) / d;
      }
    }
    const step = solve(H, r, m);
    let t = 1;
    let drop = -1;
    let stepLast = 0;
    for (let a = 0; a < m; a++) stepLast -= step[a];
    A.forEach((k, a) => {
      const s = a < m ? step[a] : stepLast;
      if (w[k] + t * s < 0) [t, drop] = [-w[k] / s, k];
    });
    let size = 0;
    for (let a = 0; a < m; a++) {
      w[A[a]] += t * step[a];
      size = Math.max(size, Math.abs(t * step[a]));
    }
    w[last] = 1 - A.slice(0, m).reduce((s, k) => s + w[k], 0);
    if (drop >= 0) w[drop] = 0;
    if (size < 1e-15) break;
  }
  normalise(w);
}

function normalise(w: Float64Array): void {
  let total = 0;
  for (let k = 0; k < w.length; k++) total += w[k];
  for (let k = 0; k < w.length; k++) w[k] /= total;
}

/**
 * Solve H x = r by Gaussian elimination with partial pivoting (H is -Hessian: positive
 * semidefinite). H is singular when the models' pointwise densities are linearly dependent (one a
 * mixture of others): the objective is then flat along some directions, and a zero pivot's
 * coordinate gets no step.
 */
function solve(H: Float64Array, r: Float64Array, m: number): Float64Array {
  let scale = 0;
  for (let c = 0; c < m; c++) scale = Math.max(scale, Math.abs(H[c * m + c]));
  const tiny = scale * 1e-12;
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let i = c + 1; i < m; i++) if (Math.abs(H[i * m + c]) > Math.abs(H[p * m + c])) p = i;
    if (p !== c) {
      for (let j = 0; j < m; j++) [H[c * m + j], H[p * m + j]] = [H[p * m + j], H[c * m + j]];
      [r[c], r[p]] = [r[p], r[c]];
    }
    if (!(Math.abs(H[c * m + c]) > tiny)) continue;
    for (let i = c + 1; i < m; i++) {
      const f = H[i * m + c] / H[c * m + c];
      for (let j = c; j < m; j++) H[i * m + j] -= f * H[c * m + j];
      r[i] -= f * r[c];
    }
  }
  const x = new Float64Array(m);
  for (let c = m - 1; c >= 0; c--) {
    let s = r[c];
    for (let j = c + 1; j < m; j++) s -= H[c * m + j] * x[j];
    x[c] = Math.abs(H[c * m + c]) > tiny ? s / H[c * m + c] : 0;
  }
  return x;
}

/** Dirichlet(alpha) draws by normalised gammas, written into `out`. */
function dirichlet(stream: Stream, alpha: number, out: Float64Array): void {
  let total = 0;
  for (let i = 0; i < out.length; i++) total += out[i] = gammaVariate(stream, alpha, 1);
  for (let i = 0; i < out.length; i++) out[i] /= total;
}

/**
 * Pseudo-BMA weights stabilised by the Bayesian bootstrap, and the bootstrap SEs (ArviZ's
 * BB-pseudo-BMA). Draws come from tsmc's seeded stream, so they differ from NumPy's.
 */
function bbPseudoBMA(icI: Float64Array[], sv: number, samples: number, alpha: number, seed: number | string): { weights: Float64Array; ses: Float64Array } {
  const K = icI.length;
  const N = icI[0].length;
  const stream = new Stream(seed);
  const b = new Float64Array(N);
  const z = new Float64Array(K);
  const weights = new Float64Array(K);
  const zSum = new Float64Array(K);
  const zSq = new Float64Array(K);
  for (let r = 0; r < samples; r++) {
    dirichlet(stream, alpha, b);
    // Shift by the best model's z (ArviZ shifts by the largest, which overflows on the deviance scale).
    let best = sv > 0 ? -Infinity : Infinity;
    for (let k = 0; k < K; k++) {
      z[k] = 0;
      for (let i = 0; i < N; i++) z[k] += b[i] * icI[k][i] * N;
      best = sv > 0 ? Math.max(best, z[k]) : Math.min(best, z[k]);
    }
    let total = 0;
    for (let k = 0; k < K; k++) total += Math.exp((z[k] - best) / sv);
    for (let k = 0; k < K; k++) {
      weights[k] += Math.exp((z[k] - best) / sv) / total / samples;
      zSum[k] += z[k];
      zSq[k] += z[k] * z[k];
    }
  }
  const ses = zSum.map((s, k) => Math.sqrt(Math.max(zSq[k] / samples - (s / samples) ** 2, 0)));
  return { weights, ses };
}

type CompareOptions = {
  ic?: "loo" | "waic";
  method?: "stacking" | "BB-pseudo-BMA" | "pseudo-BMA";
  scale?: ICScale;
  varName?: string;
  bSamples?: number;
  alpha?: number;
  seed?: number | string;
};

/** One model's criterion with its pointwise values, as compare needs it. */
function criterion(ic: "loo" | "waic", trace: Trace, scale: ICScale, varName: string | undefined) {
  const opts = { pointwise: true, scale, ...(varName === undefined ? {} : { varName }) };
  if (ic === "loo") {
    const r = loo(trace, opts);
    return { elpd: r.elpd_loo, p: r.p_loo, se: r.se, pointwise: r.loo_i as Float64Array, warning: r.warning };
  }
  const r = waic(trace, opts);
  return { elpd: r.elpd_waic, p: r.p_waic, se: r.se, pointwise: r.waic_i as Float64Array, warning: r.warning };
}

/**
 * Rank models by expected log predictive density (az.compare): best first, with elpd_diff and
 * its standard error dse against the best, and model weights (stacking by default).
 */
export function compare(traces: Record<string, Trace>, opts: CompareOptions = {}): CompareRow[] {
  opts = checkOptionNames("compare", opts, ["ic", "method", "scale", "varName", "bSamples", "alpha", "seed"]);
  const ic = (opts.ic ?? "loo").toLowerCase();
  if (ic !== "loo" && ic !== "waic") throw new Error(`compare: ic '${opts.ic}' is not one of "loo", "waic"`);
  const method = (opts.method ?? "stacking").toLowerCase();
  if (!["stacking", "bb-pseudo-bma", "pseudo-bma"].includes(method)) {
    throw new Error(`compare: the method '${opts.method}', to compute weights, is not supported (use "stacking", "BB-pseudo-BMA" or "pseudo-BMA")`);
  }
  const [scale, sv] = scaleValue("compare", opts.scale);
  const names = Object.keys(traces);
  if (names.length === 0) throw new Error("compare: no models to compare");
  const ics = names.map((name) => {
    try {
      return { name, ...criterion(ic, traces[name], scale, opts.varName) };
    } catch (e) {
      throw new Error(`compare: could not compute ${ic} of model '${name}': ${(e as Error).message}`);
    }
  });
  const N = ics[0].pointwise.length;
  for (const m of ics) {
    if (m.pointwise.length !== N)
      throw new Error(`compare: the number of observations should be the same across all models ('${names[0]}' has ${N}, '${m.name}' ${m.pointwise.length})`);
  }
  // Best first: highest elpd on the log scale, lowest on the others.
  ics.sort((a, b) => (sv > 0 ? b.elpd - a.elpd : a.elpd - b.elpd));
  let weights: Float64Array;
  let ses: Float64Array = Float64Array.from(ics, (m) => m.se);
  if (method === "stacking") {
    weights = stackingWeights(ics.map((m) => m.pointwise.map((v) => v / sv)));
  } else if (method === "bb-pseudo-bma") {
    ({ weights, ses } = bbPseudoBMA(
      ics.map((m) => m.pointwise),
      sv,
      opts.bSamples ?? 1000,
      opts.alpha ?? 1,
      opts.seed ?? 0,
    ));
  } else {
    const z = ics.map((m) => Math.exp((m.elpd - ics[0].elpd) / sv));
    const total = z.reduce((a, b) => a + b, 0);
    weights = Float64Array.from(z, (v) => v / total);
  }
  const best = ics[0].pointwise;
  const diff = new Float64Array(N);
  return ics.map((m, rank) => {
    let dIc = 0;
    for (let i = 0; i < N; i++) dIc += diff[i] = sv < 0 ? m.pointwise[i] - best[i] : best[i] - m.pointwise[i];
    const named = ic === "loo" ? { elpd_loo: m.elpd, p_loo: m.p } : { elpd_waic: m.elpd, p_waic: m.p };
    return {
      name: m.name,
      rank,
      ...named,
      elpd_diff: dIc,
      weight: weights[rank],
      se: ses[rank],
      dse: Math.sqrt(N * variance(diff)),
      warning: m.warning,
      scale,
    };
  });
}
