// `CompiledModel.fit`: variational inference as PyMC's `pm.fit`. A Gaussian q in the unconstrained
// space (mean-field: mu and rho with sd = softplus(rho); full-rank: mu and a lower-triangular
// factor whose diagonal goes through softplus) fitted by stochastic gradients of the negative ELBO,
// one Monte Carlo draw per step, with PyMC's optimizers and defaults. Reached only through the
// sampler's install module, so a bundle that never samples carries none of it.
import { NDArray } from "../ndarray.js";
import { Stream, childSeed, freshSeed } from "../random.js";
import { sigmoid, softplus } from "../special.js";
import type { CompiledModel } from "../model.js";
import { STAT_NAMES } from "./chain.js";
import { observedData } from "./model-parts.js";
import { termsNotFinite } from "./start.js";
import { checkOptionNames, checkSeed } from "../options.js";
import { Trace, assemble } from "./trace.js";

export interface FitOptions {
  /** "advi" (mean-field, default) or "fullrank_advi", as PyMC's `method`. */
  method?: "advi" | "fullrank_advi";
  /** Optimisation steps (default 10000, as PyMC). */
  n?: number;
  /** Makes the fit and its hist reproducible. */
  seed?: number | string;
  /** The optimizer's step size (default 0.001, PyMC's for both optimizers). */
  learningRate?: number;
  /** PyMC's `adagrad_window` (default: n_win 10, epsilon 0.1) or `adam` (beta1 0.9, beta2 0.999, epsilon 1e-8). */
  optimizer?: "adagrad_window" | "adam";
  /** Where q's mean starts, keyed by value-variable name (default: the model's initial point). */
  start?: Record<string, unknown>;
}

const FIT_OPTIONS = ["method", "n", "seed", "learningRate", "optimizer", "start"];
const METHODS = ["advi", "fullrank_advi"];
const OPTIMIZERS = ["adagrad_window", "adam"];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** q's parameters: mean-field [mu, rho], full-rank [mu, L packed by rows (i, j <= i)]. */
type Family = "advi" | "fullrank_advi";

const paramCount = (family: Family, n: number) => (family === "advi" ? 2 * n : n + (n * (n + 1)) / 2);

/**
 * z = mu + scale·eps for q's parameters `p`; returns log q(z) (PyMC's logq at the draw, constant
 * included, so that hist is PyMC's loss).
 */
function drawQ(family: Family, p: Float64Array, eps: Float64Array, z: Float64Array): number {
  const n = eps.length;
  let logq = 0;
  for (let i = 0; i < n; i++) logq -= 0.5 * eps[i] * eps[i] + HALF_LOG_2PI;
  if (family === "advi") {
    for (let i = 0; i < n; i++) {
      const s = softplus(p[n + i]);
      z[i] = p[i] + s * eps[i];
      logq -= Math.log(s);
    }
    return logq;
  }
  for (let i = 0, k = n; i < n; i++) {
    let acc = p[i];
    for (let j = 0; j < i; j++) acc += p[k++] * eps[j];
    const d = softplus(p[k++]);
    z[i] = acc + d * eps[i];
    logq -= Math.log(d);
  }
  return logq;
}

/** Gradient of -log p(z) + log q(z) in q's parameters, from g = ∇log p(z) (eps held fixed). */
function lossGrad(family: Family, p: Float64Array, eps: Float64Array, g: Float64Array, grad: Float64Array): void {
  const n = eps.length;
  for (let i = 0; i < n; i++) grad[i] = -g[i];
  if (family === "advi") {
    for (let i = 0; i < n; i++) {
      const rho = p[n + i];
      grad[n + i] = (-g[i] * eps[i] - 1 / softplus(rho)) * sigmoid(rho);
    }
    return;
  }
  for (let i = 0, k = n; i < n; i++) {
    for (let j = 0; j < i; j++) grad[k++] = -g[i] * eps[j];
    const raw = p[k];
    grad[k++] = (-g[i] * eps[i] - 1 / softplus(raw)) * sigmoid(raw);
  }
}

/** One optimizer update of `p` against `grad` at step t (0-based), as PyMC's updates.py. */
type Update = (p: Float64Array, grad: Float64Array, t: number) => void;

function adagradWindow(size: number, lr: number): Update {
  const nWin = 10;
  const epsilon = 0.1;
  const window = new Float64Array(nWin * size);
  return (p, grad, t) => {
    const w = (t % nWin) * size;
    for (let k = 0; k < size; k++) window[w + k] = grad[k] * grad[k];
    for (let k = 0; k < size; k++) {
      let sum = 0;
      for (let i = k; i < window.length; i += size) sum += window[i];
      p[k] -= (lr * grad[k]) / Math.sqrt(sum + epsilon);
    }
  };
}

function adam(size: number, lr: number): Update {
  const beta1 = 0.9;
  const beta2 = 0.999;
  const epsilon = 1e-8;
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  return (p, grad, t) => {
    const at = (lr * Math.sqrt(1 - beta2 ** (t + 1))) / (1 - beta1 ** (t + 1));
    for (let k = 0; k < size; k++) {
      m[k] = beta1 * m[k] + (1 - beta1) * grad[k];
      v[k] = beta2 * v[k] + (1 - beta2) * grad[k] * grad[k];
      p[k] -= (at * m[k]) / (Math.sqrt(v[k]) + epsilon);
    }
  };
}

/** A fitted Gaussian approximation of the posterior, as PyMC's `Approximation`. */
export class Approximation {
  /** The negative ELBO at each step (PyMC's `hist`: -log p(z) + log q(z) at that step's draw). */
  readonly hist: Float64Array;
  readonly method: Family;
  /** q's mean, sd and covariance on the flat unconstrained scale (PyMC's approx.mean, .std, .cov). */
  readonly mean: Float64Array;
  readonly std: Float64Array;
  readonly cov: NDArray;
  private readonly model: CompiledModel;
  private readonly params: Float64Array;

  constructor(model: CompiledModel, method: Family, params: Float64Array, hist: Float64Array) {
    this.model = model;
    this.method = method;
    this.params = params;
    this.hist = hist;
    const n = model.size;
    this.mean = params.slice(0, n);
    const cov = new Float64Array(n * n);
    if (method === "advi") for (let i = 0; i < n; i++) cov[i * n + i] = softplus(params[n + i]) ** 2;
    else {
      const L = new Float64Array(n * n);
      for (let i = 0, k = n; i < n; i++) {
        for (let j = 0; j < i; j++) L[i * n + j] = params[k++];
        L[i * n + i] = softplus(params[k++]);
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let l = 0; l <= j; l++) s += L[i * n + l] * L[j * n + l];
          cov[i * n + j] = cov[j * n + i] = s;
        }
      }
    }
    this.cov = new NDArray([n, n], cov);
    this.std = Float64Array.from({ length: n }, (_, i) => Math.sqrt(cov[i * n + i]));
  }

  /** Draws from q as a Trace: free RVs (constrained scale) and Deterministics as [1, draws, ...shape]. */
  sample(opts: { draws?: number; seed?: number | string } = {}): Trace {
    opts = checkOptionNames("sample", opts, ["draws", "seed"]);
    checkSeed("sample", opts.seed);
    const draws = opts.draws ?? 500; // PyMC's approx.sample default
    if (typeof draws !== "number" || !Number.isInteger(draws) || draws < 1) throw new Error(`sample: draws must be an integer >= 1, got ${String(opts.draws)}`);
    const seed = String(opts.seed ?? freshSeed());
    const model = this.model;
    const n = model.size;
    const stream = new Stream(childSeed(seed, 0));
    const eps = new Float64Array(n);
    const flat = new Float64Array(draws * n);
    for (let d = 0; d < draws; d++) {
      for (let i = 0; i < n; i++) eps[i] = stream.normal();
      drawQ(this.method, this.params, eps, flat.subarray(d * n, (d + 1) * n));
    }
    // assemble reads NUTS's statistics; q's draws have none, so they are dropped.
    const none = new Float64Array(draws);
    const stats = Object.fromEntries(STAT_NAMES.map((s) => [s, none]));
    const { posterior } = assemble([{ draws: flat, stats }], draws, n, model.meta.constrainedNames, (x) => model.impl.constrain(x, model.data));
    return new Trace({
      posterior,
      sampleStats: {},
      observedData: observedData(model),
      constantData: model.boundData(),
      attrs: { model: model.name, seed, draws, chains: 1, method: this.method, steps: this.hist.length },
      dims: model.meta.dims,
      coords: model.meta.coords,
    });
  }
}

const oneOf = (values: string[]) => values.map((v) => `"${v}"`).join(" or ");

function checkFitOptions(model: CompiledModel, opts: FitOptions): { family: Family; steps: number; lr: number; optimizer: string; start: Float64Array } {
  checkSeed("fit", opts.seed);
  const family = opts.method ?? "advi";
  if (!METHODS.includes(family)) throw new Error(`fit: method must be ${oneOf(METHODS)}, got ${JSON.stringify(family)}`);
  const steps = opts.n ?? 10_000;
  if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1)
    throw new Error(`fit: n (the number of steps) must be an integer >= 1, got ${String(opts.n)}`);
  const lr = opts.learningRate ?? 0.001;
  if (typeof lr !== "number" || !(lr > 0) || !Number.isFinite(lr))
    throw new Error(`fit: learningRate must be a finite number > 0, got ${String(opts.learningRate)}`);
  const optimizer = opts.optimizer ?? "adagrad_window";
  if (!OPTIMIZERS.includes(optimizer)) throw new Error(`fit: optimizer must be ${oneOf(OPTIMIZERS)}, got ${JSON.stringify(optimizer)}`);
  if (opts.start !== undefined && (typeof opts.start !== "object" || opts.start === null || Array.isArray(opts.start))) {
    throw new Error(`fit: start must be an object keyed by value-variable name`);
  }
  if (model.size === 0) throw new Error(`model '${model.name}': nothing to fit (the model has no free random variables)`);
  const discrete = model.valueVars.filter((v) => v.discrete).map((v) => `'${v.rv}'`);
  if (discrete.length)
    throw new Error(`model '${model.name}': ADVI cannot fit the discrete free variable${discrete.length > 1 ? "s" : ""} ${discrete.join(", ")}`);
  const start = model.toFlat({ ...model.initialPoint(), ...(opts.start ?? {}) });
  // q's mean starts here: a density that is not finite there is a model or start to fix, not a step size.
  const lp = model.flat.logp(start);
  if (!Number.isFinite(lp)) {
    const why = termsNotFinite(model, start, "the start") ?? "no single term is infinite or NaN there";
    throw new Error(`model '${model.name}': fit: the log density at the start is ${lp}: ${why}; check the model or pass a start`);
  }
  return { family, steps, lr, optimizer, start };
}

/** Fit q to the posterior of `model`, as PyMC's `pm.fit(n, method, random_seed, obj_optimizer)`. */
export function fit(model: CompiledModel, opts: FitOptions = {}): Approximation {
  opts = checkOptionNames("fit", opts, FIT_OPTIONS);
  const { family, steps, lr, optimizer, start } = checkFitOptions(model, opts);
  const n = model.size;
  const size = paramCount(family, n);
  // q starts at the initial point with PyMC's scales: rho = 0 (sd softplus(0)) or L's raw diagonal 1.
  const p = new Float64Array(size);
  p.set(start);
  if (family === "fullrank_advi") for (let i = 0; i < n; i++) p[n + (i * (i + 1)) / 2 + i] = 1;
  const update = optimizer === "adam" ? adam(size, lr) : adagradWindow(size, lr);
  const stream = new Stream(childSeed(String(opts.seed ?? freshSeed()), 0));
  const { logpGrad } = model.flat;
  const eps = new Float64Array(n);
  const z = new Float64Array(n);
  const g = new Float64Array(n);
  const grad = new Float64Array(size);
  const hist = new Float64Array(steps);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < n; i++) eps[i] = stream.normal();
    const loss = drawQ(family, p, eps, z) - logpGrad(z, g);
    if (!Number.isFinite(loss)) throw diverged(model, t, steps, loss, lr);
    hist[t] = loss;
    lossGrad(family, p, eps, g, grad);
    update(p, grad, t);
  }
  if (!p.every(Number.isFinite)) throw diverged(model, steps - 1, steps, NaN, lr);
  return new Approximation(model, family, p, hist);
}

/** PyMC raises FloatingPointError when the loss turns NaN; say where, and what usually helps. */
function diverged(model: CompiledModel, t: number, steps: number, loss: number, lr: number): Error {
  return new Error(
    `model '${model.name}': fit diverged: the negative ELBO is ${loss} at step ${t + 1} of ${steps}; ` +
      `try a smaller learningRate (now ${lr}) or a better start`,
  );
}
