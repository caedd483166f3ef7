// LKJCorr(n, eta) and LKJCholeskyCov(eta, n, sd_dist) as PyMC 5 holds them.
//
// LKJCorr is the vector of the n(n-1)/2 correlations above the diagonal (row-major), sampled
// through PyMC's multivariate interval(-1, 1) transform (`x_interval__`). LKJCholeskyCov is the lower
// Cholesky factor of a covariance packed by rows (n(n+1)/2 entries), sampled through
// `cholesky-cov-packed` (log of the diagonal); with compute_corr it returns PyMC's
// (chol, corr, stds) and stores `${name}_corr` and `${name}_stds` as Deterministics.
//
// The normalising constant: log c_n(eta) = log ∫ det(C)^(eta-1) dC (Lewandowski, Kurowicka and Joe
// 2009), written with gammaln as PyMC's `_lkj_normalizing_constant` (whose eta = 1 branch is the
// same number), so eta may also be a variable. The density is det(C)^(eta-1) / c_n(eta), so the
// constant is subtracted: PyMC 5 adds it, which makes its LKJ logps differ from a normalised density
// by 2 log c_n(eta) (e.g. +log 2 instead of -log 2 for the uniform n = 2 case). tsmc keeps the
// normalised density; for constant n and eta the difference is a constant and sampling is the same.
import * as pt from "../tensor.js";
import type { Variable } from "../graph/basic.js";
import { cholesky } from "../ops/linalg.js";
import { RV, RandomVariable, parseSignature, randomVariable } from "../ops/random.js";
import { multivariateInterval, choleskyCovPacked, packedDiagonal } from "../transforms.js";
import { asFloat, defineDistribution, distributionOf, logpOf, modelContext, rvParams, type Distribution, type DistributionSpec } from "./distribution.js";
import { required } from "./math.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const f64 = (v: unknown) => pt.constant(v as number, null, "float64");
const eye = (n: number) =>
  pt.constant(
    range(n).map((i) => range(n).map((j) => i === j)),
    null,
    "bool",
  );
const eyeF = (n: number) => f64(range(n).map((i) => range(n).map((j) => (i === j ? 1 : 0))));

/** The (row, column) pairs above the diagonal, row-major (NumPy's triu_indices(n, 1)). */
const triuPairs = (n: number) =>
  range(n).flatMap((i) =>
    range(n)
      .filter((j) => j > i)
      .map((j) => [i, j] as const),
  );
/** The (row, column) pairs of the lower triangle with its diagonal, row-major (tril_indices(n)). */
const trilPairs = (n: number) => range(n).flatMap((i) => range(i + 1).map((j) => [i, j] as const));

/** A constant n — the draw's length depends on it, so it must be known when the model is built. */
function constantN(where: string, n: Variable, least: number): number {
  let value: number;
  try {
    value = Number(pt.evaluate(n));
  } catch {
    throw new Error(`${where}: n must be a constant integer (the length of the draw depends on it)`);
  }
  if (n.ndim !== 0 || !Number.isInteger(value) || value < least) {
    throw new Error(`${where}: invalid parameter: n must be an integer >= ${least}, got n = ${value}`);
  }
  return value;
}

const nOf = (n: Variable) => Number(pt.evaluate(n));

/** log ∫ det(C)^(eta-1) dC over n×n correlation matrices (PyMC's _lkj_normalizing_constant). */
export function lkjNormalizingConstant(eta: Variable | number, n: number): Variable {
  const e = typeof eta === "number" ? f64(eta) : eta;
  const first = pt.mul(-(n - 1), pt.gammaln(pt.add(e, 0.5 * (n - 1))));
  if (n < 2) return pt.mul(first, 0);
  const k = range(n - 1).map((i) => i + 1);
  const piTerm = 0.5 * Math.log(Math.PI) * k.reduce((a, b) => a + b, 0);
  const rest = pt.sum(pt.gammaln(pt.add(e, f64(k.map((kk) => 0.5 * (n - 1 - kk))))));
  return pt.add(pt.add(first, rest), piTerm);
}

/** The symmetric correlation matrix of a vector of its upper-triangle entries (PyMC's LKJCorr.vec_to_corr_mat). */
export function vecToCorrMat(vec: Variable, n: number): Variable {
  const pairs = triuPairs(n);
  if (vec.type.shape[vec.ndim - 1] !== pairs.length) throw new Error(`LKJCorr: expected ${pairs.length} = ${n}(${n} - 1)/2 correlations, got ${vec.type}`);
  const scatter = f64(pairs.map(([i, j]) => range(n * n).map((q) => (q === i * n + j || q === j * n + i ? 1 : 0))));
  const lead = vec.type.shape.slice(0, -1);
  if (lead.some((d) => d === null)) throw new Error("LKJCorr: batch dimensions must be known");
  return pt.add(pt.reshape(pt.dot(vec, scatter), [...(lead as number[]), n, n]), eyeF(n));
}

/** The n×n lower-triangular matrix of a vector packed by rows (PyMC's expand_packed_triangular(n, packed, lower=True)). */
export function expandPackedTriangular(n: number, packed: Variable, lower = true): Variable {
  const pairs = trilPairs(n);
  if (packed.ndim !== 1 || packed.type.shape[0] !== pairs.length) {
    throw new Error(`expandPackedTriangular: expected a vector of ${pairs.length} = ${n}(${n} + 1)/2 entries, got ${packed.type}`);
  }
  const scatter = f64(pairs.map(([i, j]) => range(n * n).map((q) => (q === (lower ? i * n + j : j * n + i) ? 1 : 0))));
  return pt.reshape(pt.dot(packed, scatter), [n, n]);
}

/** Split PyMC's keyword-only options (compute_corr, return_matrix, …) off the trailing parameter object. */
function takeOptions(args: unknown[], keys: string[]): { args: unknown[]; taken: Record<string, unknown> } {
  const last = args[args.length - 1];
  if (!args.length || typeof last !== "object" || last === null || Object.getPrototypeOf(last) !== Object.prototype || "data" in last) {
    return { args, taken: {} };
  }
  const entries = Object.entries(last);
  // fromEntries keeps every key the user gave (even __proto__), so that parse can refuse it.
  const rest = Object.fromEntries(entries.filter(([k]) => !keys.includes(k)));
  const taken = Object.fromEntries(entries.filter(([k]) => keys.includes(k)));
  return { args: [...args.slice(0, -1), rest], taken };
}

// ---- LKJCorr ------------------------------------------------------------------------------------

export const lkjCorrSpec: DistributionSpec = {
  name: "LKJCorr",
  rv: RV.lkjcorr,
  params: ["n", "eta"],
  toRvParams(given, where) {
    const nVar = required(given, where, "n");
    const n = constantN(where, nVar, 2);
    const eta = asFloat(required(given, where, "eta"));
    if (eta.ndim !== 0) throw new Error(`${where}: eta must be a scalar`);
    return [pt.constant(n, null, "int64"), eta, f64(new Array((n * (n - 1)) / 2).fill(0))];
  },
  checks: ([, eta]) => [[pt.gt(eta, 0), "eta > 0"]],
  logp(value, params) {
    const [nVar, eta] = params;
    const n = nOf(nVar);
    if (value.ndim > 1) throw new Error("LKJCorr logp is only implemented for vector values (ndim=1)");
    const c = vecToCorrMat(value, n);
    const l = cholesky(c);
    const posdef = pt.all(pt.gt(pt.switch(eye(n), l, 1), 0));
    const safe = pt.switch(posdef, l, eyeF(n));
    const logdet = pt.mul(2, pt.sum(pt.log(pt.switch(eye(n), safe, 1))));
    const res = pt.add(pt.neg(lkjNormalizingConstant(eta, n)), pt.mul(pt.sub(eta, 1), logdet));
    const inside = pt.and(pt.all(pt.and(pt.ge(value, -1), pt.le(value, 1))), posdef);
    return pt.switch(inside, res, -Infinity);
  },
  defaultTransform: () => multivariateInterval(-1, 1),
  supportPoint: ([nVar]) => {
    const n = nOf(nVar);
    return f64(new Array((n * (n - 1)) / 2).fill(0));
  },
};

const lkjCorrBase = defineDistribution(lkjCorrSpec);

export interface LKJCorrDistribution extends Distribution {
  /** LKJCorr(name, n, eta, { return_matrix? }): the correlations above the diagonal, or with return_matrix the n×n matrix. */
  (name: string, ...args: unknown[]): Variable;
}

function lkjCorrWrap(make: (args: unknown[]) => Variable, args: unknown[]): Variable {
  const { args: rest, taken } = takeOptions(args, ["return_matrix"]);
  const vec = make(rest);
  if (!taken.return_matrix) return vec;
  const n = nOf(rvParams(vec)[0]);
  return vecToCorrMat(vec, n);
}

/** LKJCorr(n, eta): the upper-triangle correlations of an LKJ(eta) n×n correlation matrix. */
export const LKJCorr: LKJCorrDistribution = Object.assign((name: string, ...args: unknown[]) => lkjCorrWrap((a) => lkjCorrBase(name, ...a), args), {
  dist: (...args: unknown[]) => lkjCorrWrap((a) => lkjCorrBase.dist(...a), args),
  spec: lkjCorrSpec,
});

// ---- LKJCholeskyCov -----------------------------------------------------------------------------

/** sd_dist resized to n independent draws (PyMC resizes a scalar sd_dist with change_dist_size). */
function sdDistOf(where: string, sd: Variable, n: number): Variable {
  const op = sd.owner?.op;
  if (!(op instanceof RandomVariable) || sd.outputIndex !== 1 || parseSignature(op.spec.signature).out.length >= 2) {
    throw new Error(`${where}: sd_dist must be a scalar or vector distribution variable`);
  }
  if (sd.name) {
    throw new Error(
      `${where}: The dist ${sd.name} was already registered in the current model. You should use an unregistered (unnamed) distribution created via the .dist() API instead`,
    );
  }
  if (sd.ndim === 1 && sd.type.shape[0] === n) return sd;
  if (parseSignature(op.spec.signature).out.length === 0 && sd.ndim <= 1) {
    return randomVariable(op.spec, sd.owner!.inputs.slice(3), { size: [n] });
  }
  throw new Error(`${where}: sd_dist must have shape (${n},) or be a scalar distribution, got ${sd.type}`);
}

export const lkjCholeskyCovSpec: DistributionSpec = {
  name: "LKJCholeskyCov",
  rv: RV.lkjcholeskycov,
  params: ["eta", "n", "sd_dist"],
  toRvParams(given, where) {
    const n = constantN(where, required(given, where, "n"), 1);
    const eta = asFloat(required(given, where, "eta"));
    if (eta.ndim !== 0) throw new Error(`${where}: eta must be a scalar`);
    const sd = sdDistOf(where, required(given, where, "sd_dist"), n);
    return [pt.constant(n, null, "int64"), eta, sd, f64(new Array((n * (n + 1)) / 2).fill(0))];
  },
  checks: ([, eta]) => [[pt.gt(eta, 0), "eta > 0"]],
  logp(value, params) {
    const [nVar, eta, sd] = params;
    const n = nOf(nVar);
    if (value.ndim > 1) throw new Error("_LKJCholeskyCov logp is only implemented for vector values (ndim=1)");
    const pairs = trilPairs(n);
    const diagIdx = packedDiagonal(n);
    // row sums of squares (the variances) and the diagonal, as products with 0/1 matrices
    const rows = f64(range(n).map((i) => pairs.map(([r]) => (r === i ? 1 : 0))));
    const diagSel = f64(range(n).map((i) => pairs.map((_, k) => (k === diagIdx[i] ? 1 : 0))));
    const sdVals = pt.sqrt(pt.dot(rows, pt.square(value)));
    const diag = pt.dot(diagSel, value);
    const idx = f64(range(n));
    const sdSpec = distributionOf(sd);
    const logpSd = pt.sum(logpOf(sdSpec, sdVals, rvParams(sd)));
    const logCorrDiag = pt.log(pt.div(diag, sdVals));
    const logpLkj = pt.sum(pt.mul(pt.sub(pt.add(pt.sub(pt.mul(2, eta), 3), n), idx), logCorrDiag));
    // log det of the inverse Jacobian of (sigma, corr Cholesky) → L (PyMC's docstring)
    const detInvJac = pt.sum(pt.sub(logCorrDiag, pt.mul(idx, pt.log(sdVals))));
    const norm = pt.neg(lkjNormalizingConstant(eta, n));
    const res = pt.add(pt.add(pt.add(norm, logpLkj), logpSd), detInvJac);
    return pt.switch(pt.all(pt.gt(diag, 0)), res, -Infinity);
  },
  defaultTransform: ([nVar]) => choleskyCovPacked(nOf(nVar)),
  supportPoint: ([nVar]) => {
    const n = nOf(nVar);
    const diag = new Set(packedDiagonal(n));
    return f64(range((n * (n + 1)) / 2).map((k) => (diag.has(k) ? 1 : 0)));
  },
};

const lkjCholeskyCovBase = defineDistribution(lkjCholeskyCovSpec);

/** chol, corr and stds of a packed Cholesky factor (PyMC's LKJCholeskyCov.helper_deterministics). */
export function lkjHelperDeterministics(n: number, packed: Variable): [chol: Variable, corr: Variable, stds: Variable] {
  const chol = expandPackedTriangular(n, packed, true);
  const cov = pt.dot(chol, pt.transpose(chol));
  const stds = pt.sqrt(pt.sum(pt.switch(eye(n), cov, 0), -1));
  const inv = pt.div(1, stds);
  const corr = pt.mul(pt.mul(pt.expandDims(inv, [0]), cov), pt.expandDims(inv, [1]));
  return [chol, corr, stds];
}

export interface LKJCholeskyCovDistribution extends Distribution {
  /** With compute_corr: false, the packed Cholesky factor. */
  (name: string, params: { compute_corr: false; [k: string]: unknown }): Variable;
  (name: string, ...args: unknown[]): any;
  dist(params: { compute_corr: false; [k: string]: unknown }): Variable;
  dist(...args: unknown[]): any;
}

function choleskyCovWrap(make: (args: unknown[]) => Variable, args: unknown[], name?: string): Variable | [Variable, Variable, Variable] {
  const { args: rest, taken } = takeOptions(args, ["compute_corr", "store_in_trace"]);
  const packed = make(rest);
  if (taken.compute_corr === false) return packed;
  const n = nOf(rvParams(packed)[0]);
  let [chol, corr, stds] = lkjHelperDeterministics(n, packed);
  const ctx = modelContext.current;
  if (name !== undefined && taken.store_in_trace !== false && ctx?.addDeterministic) {
    corr = ctx.addDeterministic(`${name}_corr`, corr);
    stds = ctx.addDeterministic(`${name}_stds`, stds);
  }
  return [chol, corr, stds];
}

/**
 * LKJCholeskyCov(eta, n, sd_dist, { compute_corr = true, store_in_trace = true }): PyMC's order
 * (eta first). Returns (chol, corr, stds), or the packed Cholesky factor with compute_corr: false.
 */
export const LKJCholeskyCov: LKJCholeskyCovDistribution = Object.assign(
  (name: string, ...args: unknown[]) => choleskyCovWrap((a) => lkjCholeskyCovBase(name, ...a), args, name),
  { dist: (...args: unknown[]) => choleskyCovWrap((a) => lkjCholeskyCovBase.dist(...a), args), spec: lkjCholeskyCovSpec },
) as LKJCholeskyCovDistribution;
