// `CompiledModel.sample` and `sampleAsync`: run NUTS chains, or chains of compound steps for models
// with discrete free RVs (in workers when the model can be shipped to one), and assemble the trace;
// prior and posterior predictive draws.
import { own, setOwn } from "../own.js";
import { NDArray } from "../ndarray.js";
import { Stream, childSeed, freshSeed } from "../random.js";
import type { CompiledModel, Value } from "../model.js";
import { chainSteps, runChain, type ChainOptions, type ChainResult, type ChainTarget } from "./chain.js";
import { Nuts, type TransitionStats } from "./nuts.js";
import { assignStepMethods, describeSteps } from "./assign.js";
import type { StepMethod } from "./steps.js";
import { observedData, predict, predicted } from "./model-parts.js";
import { checkOptionNames, checkSeed, integerOption, shown } from "../options.js";
import { Trace, assemble, type Group } from "./trace.js";
import { abortError, canRunInWorkers, defaultCores, runChainsAsync, runChainsInWorkers, type ProgressCallback } from "./parallel.js";

export interface SampleOptions {
  /** Kept draws per chain (default 1000). */
  draws?: number;
  /** Warmup iterations per chain, discarded (default 1000). */
  tune?: number;
  /** Number of chains (default 4). */
  chains?: number;
  /**
   * Chains run at once in workers (default: the machine's cores, at most `chains`, where a chain's
   * estimated work repays starting the workers; else 1).
   */
  cores?: number;
  /** Makes the whole trace reproducible; chain c uses the stream childSeed(seed, c). */
  seed?: number | string;
  /** Target mean acceptance statistic for step-size adaptation (default 0.8). */
  targetAccept?: number;
  /** Maximum tree depth (default 10: at most 1023 leapfrog steps per draw). */
  maxTreeDepth?: number;
  /** Starting values keyed by value-variable name (default: the model's initial point). */
  initvals?: Record<string, unknown>;
  /**
   * How chains start and which metric they adapt, as PyMC's `init`: "jitter+adapt_diag" (default),
   * "adapt_diag", "jitter+adapt_full", "adapt_full" (a dense mass matrix).
   */
  init?: "jitter+adapt_diag" | "adapt_diag" | "jitter+adapt_full" | "adapt_full";
  /** Uniform(-1, 1) jitter around the starting point, as PyMC's jitter+adapt_diag (default true). */
  jitter?: boolean;
  /** Adapt the diagonal mass matrix during warmup (default true; false keeps the identity). */
  adaptMetric?: boolean;
  /** Keep the warmup draws in `trace.warmup` (default false). */
  keepWarmup?: boolean;
  /** Add the pointwise log-likelihood of the observed RVs (`trace.logLikelihood`, for loo/waic/compare; default false). */
  logLikelihood?: boolean;
  /**
   * The step methods, as PyMC's `step`: one or a list of `NUTS({ vars })`, `Metropolis({ vars })`,
   * `BinaryGibbsMetropolis({ vars })`, `CategoricalGibbsMetropolis({ vars })`. The free RVs none
   * names get PyMC's assignment: NUTS for continuous ones, BinaryGibbsMetropolis for Bernoulli,
   * CategoricalGibbsMetropolis for Categorical, Metropolis for other discrete ones. Default: that
   * assignment for every free RV.
   */
  step?: StepMethod | StepMethod[];
  /** Progress: (chain, iterations done, total iterations, divergences so far). */
  onProgress?: (chain: number, done: number, total: number, divergences: number) => void;
  /**
   * Stops the run (workers terminated), which then throws an AbortError naming the model. The
   * synchronous `sample` sees it only between iterations of its own thread or between worker
   * messages (an abort from onProgress, or one made before the call): a timer cannot fire while it
   * blocks. `sampleAsync` can be aborted at any time.
   */
  signal?: AbortSignal;
}

const INITS = ["jitter+adapt_diag", "adapt_diag", "jitter+adapt_full", "adapt_full"];

const SAMPLE_OPTIONS = [
  "draws",
  "tune",
  "chains",
  "cores",
  "seed",
  "targetAccept",
  "maxTreeDepth",
  "initvals",
  "init",
  "jitter",
  "adaptMetric",
  "keepWarmup",
  "logLikelihood",
  "step",
  "onProgress",
  "signal",
];

/** The options to read (own properties only; see checkOptionNames), checked. */
function checkOptions(given: SampleOptions): SampleOptions {
  const opts = checkOptionNames("sample", given, SAMPLE_OPTIONS);
  checkSeed("sample", opts.seed);
  for (const name of ["jitter", "adaptMetric", "keepWarmup", "logLikelihood"] as const) {
    if (opts[name] !== undefined && typeof opts[name] !== "boolean") throw new Error(`sample: ${name} must be true or false, got ${String(opts[name])}`);
  }
  if (opts.init !== undefined && !INITS.includes(opts.init)) {
    throw new Error(`sample: init must be one of ${INITS.map((i) => `"${i}"`).join(", ")}, got ${JSON.stringify(opts.init)}`);
  }
  if (opts.init !== undefined && opts.jitter !== undefined) throw new Error(`sample: give init or jitter, not both (init says whether to jitter)`);
  if (opts.onProgress !== undefined && typeof opts.onProgress !== "function") throw new Error(`sample: onProgress must be a function`);
  if (opts.initvals !== undefined && (typeof opts.initvals !== "object" || opts.initvals === null || Array.isArray(opts.initvals))) {
    throw new Error(`sample: initvals must be an object keyed by value-variable name`);
  }
  const s = opts.signal as { aborted?: unknown; addEventListener?: unknown } | undefined;
  if (s !== undefined && (typeof s !== "object" || s === null || typeof s.aborted !== "boolean" || typeof s.addEventListener !== "function")) {
    throw new Error(`sample: signal must be an AbortSignal`);
  }
  return opts;
}

const count = (name: string, value: unknown, fallback: number, min: number) => integerOption("sample", name, value, fallback, min);

/** The chain options shared by every chain (everything but the seed). */
export interface ChainPlan extends Omit<ChainOptions, "seed" | "onProgress"> {
  seed: string;
  chains: number;
}

export function planChains(model: CompiledModel, opts: SampleOptions): ChainPlan {
  const draws = count("draws", opts.draws, 1000, 1);
  const tune = count("tune", opts.tune, 1000, 0);
  const chains = count("chains", opts.chains, 4, 1);
  const maxTreeDepth = count("maxTreeDepth", opts.maxTreeDepth, 10, 1);
  const targetAccept = opts.targetAccept ?? 0.8;
  if (typeof targetAccept !== "number" || !(targetAccept > 0 && targetAccept < 1))
    throw new Error(`sample: targetAccept must be in (0, 1), got ${shown(targetAccept)}`);
  const start = { ...model.initialPoint(), ...(opts.initvals ?? {}) };
  const init = Array.from(model.toFlat(start));
  for (const v of model.valueVars.filter((v) => v.discrete)) {
    const at = init.slice(v.offset, v.offset + v.size).findIndex((x) => !Number.isInteger(x));
    if (at >= 0) {
      throw new Error(
        `sample: the discrete free RV '${v.rv}' starts at ${init[v.offset + at]}${v.size > 1 ? ` (entry ${at})` : ""}; give it an integer initval`,
      );
    }
  }
  checkTraceSize(model, init, chains, draws, opts.keepWarmup ? tune : 0);
  const steps = assignStepMethods(model.valueVars, opts.step);
  const seed = String(opts.seed ?? freshSeed());
  return {
    ...(steps ? { steps } : {}),
    draws,
    tune,
    chains,
    maxTreeDepth,
    targetAccept,
    init,
    jitter: opts.jitter ?? (opts.init === undefined || opts.init.startsWith("jitter+")),
    metric: opts.init?.endsWith("adapt_full") ? "full" : "diag",
    keepWarmup: opts.keepWarmup ?? false,
    adaptMetric: opts.adaptMetric ?? true,
    seed,
  };
}

// The most chains one run takes. Each costs 2-3.5 KB of bookkeeping besides its draws (results,
// statistics, tuning: measured with 10^4 and 10^5 chains of one scalar and one draw, 10^5 taking 2 s
// and 0.5 GB), and a JavaScript array of some 10^8 entries aborts V8, uncatchable.
const MAX_CHAINS = 100_000;
// The longest Float64Array V8 makes (Node 20); an array of a trace's group is at most that long.
const MAX_ARRAY = 2 ** 32;

/** Refuse, before anything is allocated, a trace that could not be: too many chains, or an array too long. */
function checkTraceSize(model: CompiledModel, init: number[], chains: number, draws: number, warmup: number): void {
  if (chains > MAX_CHAINS) throw new Error(`sample: chains must be at most ${MAX_CHAINS}, got ${chains}`);
  // The most values of one draw in one array: the flat point, or a free RV or Deterministic.
  const values = model.impl.constrain(Float64Array.from(init), model.data);
  const width = Math.max(model.size, ...values.map((v) => (typeof v === "number" ? 1 : v.data.length)));
  for (const [name, n] of [
    ["draws", draws],
    ["tune", warmup],
  ] as const) {
    if (chains * n * width > MAX_ARRAY) {
      throw new Error(
        `sample: chains × ${name} × ${width} value${width > 1 ? "s" : ""} per draw is ${chains * n * width}, more than the ${MAX_ARRAY} values a trace array can hold; lower chains or ${name}${name === "tune" ? " (or keep no warmup)" : ""}`,
      );
    }
  }
}

export function chainOptions(plan: ChainPlan, chain: number): ChainOptions {
  const { chains: _chains, seed, ...rest } = plan;
  return { ...rest, seed: childSeed(seed, chain) };
}

// Whether workers repay their start-up, from a cheap estimate of a chain's time: the time of a
// leapfrog step (short NUTS transitions from the initial point, on a stream of their own, so that no
// chain changes), times (draws + tune) iterations, times STEPS_PER_ITERATION (the benchmark models
// take 5-20 over warmup and draws). Measured with bench/sampling-cores.mjs (Node 20, a shared 2-core
// VM with other work running; 4 chains of 1000 + 1000, cores: 2 against cores: 1): starting two
// workers costs 0.2-0.65 s (spawn, runtime load, model rebuild), and each then runs its model cold.
// Workers lost on every benchmark model whose chain takes up to a second here: seed 0.57 s against
// 0.16, eight schools 1.3 against 0.3, linreg 1.4 against 0.9 (0.22 s a chain), radon 2.4 against
// 1.9 (0.48 s a chain), poisson 3.2 against 2.8 (0.7 s a chain); they won with logistic (8.5 s a
// chain: 25-35 s against 34 s). On the same VM when quiet, start-up was 0.13 s and workers won from
// about 0.5 s a chain (poisson 2.0 s against 2.5). The threshold keeps the loaded case safe; workers are used
// once the chains they take off this thread are estimated at BREAK_EVEN_MS (with 4 chains on 2
// workers: a chain estimated at 4 s, a step at 200 µs; radon and poisson estimate at 0.25-1.3 s).
const STEPS_PER_ITERATION = 10;
const BREAK_EVEN_MS = 8_000;
// Timing stops at the first batch of transitions that is fast enough; a slow verdict takes this
// long, as a model runs 10-1000x slower until the JIT has compiled it (time this thread would spend
// anyway when the chains stay here).
const TIMING_BUDGET_MS = 50;
// Shorter batches are below what a browser's coarsened clock can tell apart.
const MIN_BATCH_MS = 1;

/** Whether running `plan` on `workers` workers beats running it in this thread, by the estimate above. */
function workersPayOff(model: CompiledModel, plan: ChainPlan, workers: number): boolean {
  // Chains taken off the slowest thread: with 4 chains on 2 workers, each runs 2 instead of 4 here.
  const saved = plan.chains - Math.ceil(plan.chains / workers);
  const breakEvenStepMs = BREAK_EVEN_MS / (saved * (plan.draws + plan.tune) * STEPS_PER_ITERATION);
  const nuts = new Nuts(targetOf(model), new Stream("tsmc:timing"), { maxTreeDepth: 3 });
  nuts.setPosition(Float64Array.from(plan.init));
  const stats: TransitionStats = { lp: 0, acceptanceRate: 0, treeDepth: 0, nSteps: 0, diverging: false, energy: 0, stepSize: 0 };
  const t0 = performance.now();
  for (let n = 1; ; n *= 2) {
    let steps = 0;
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      nuts.transition(stats);
      steps += Math.max(1, stats.nSteps);
    }
    const end = performance.now();
    if (end - start >= MIN_BATCH_MS && (end - start) / steps < breakEvenStepMs) return false;
    if (end - t0 > TIMING_BUDGET_MS) return true;
  }
}

/**
 * Chains run at once: `cores` when given; by default the machine's cores where workers can be used
 * and repay their start-up, else 1.
 */
function coresOf(model: CompiledModel, plan: ChainPlan, opts: SampleOptions, workers: boolean): number {
  if (opts.cores !== undefined) return Math.min(plan.chains, count("cores", opts.cores, 1, 1));
  const cores = Math.min(plan.chains, defaultCores());
  return cores > 1 && workers && workersPayOff(model, plan, cores) ? cores : 1;
}

function checkSize(model: CompiledModel): void {
  if (model.size === 0) throw new Error(`model '${model.name}': nothing to sample (the model has no free random variables)`);
}

/** Run `f`; once `signal` is aborted, whatever it throws becomes the AbortError naming the model. */
function abortable<T>(model: CompiledModel, signal: AbortSignal | undefined, f: () => T): T {
  if (signal?.aborted) throw abortError(model, signal);
  try {
    return f();
  } catch (e) {
    throw signal?.aborted ? abortError(model, signal) : e;
  }
}

export function sampleModel(model: CompiledModel, opts: SampleOptions = {}): Trace {
  opts = checkOptions(opts);
  checkSize(model);
  if (opts.logLikelihood) logLikelihoodOf(model, "sample");
  const plan = planChains(model, opts);
  const workers = canRunInWorkers(model, true);
  const cores = coresOf(model, plan, opts, workers);
  const { onProgress, signal } = opts;
  const results = abortable(
    model,
    signal,
    () => (cores > 1 && workers ? runChainsInWorkers(model, plan, cores, onProgress, signal) : null) ?? runChainsBlocking(model, plan, onProgress, signal),
  );
  return withLogLikelihood(model, buildTrace(model, plan, results), opts);
}

function runChainsBlocking(model: CompiledModel, plan: ChainPlan, onProgress?: ProgressCallback, signal?: AbortSignal): ChainResult[] {
  const results: ChainResult[] = [];
  for (let c = 0; c < plan.chains; c++) {
    results.push(
      runChain(targetOf(model), {
        ...chainOptions(plan, c),
        signal,
        onProgress: onProgress ? (done, total, div) => onProgress(c, done, total, div) : undefined,
      }),
    );
  }
  return results;
}

/**
 * The same trace as `sampleModel`, without blocking: chains run in Web Workers or Node worker
 * threads, or, where none can be made, in this thread with a turn for the event loop at every
 * progress point.
 */
export async function sampleModelAsync(model: CompiledModel, opts: SampleOptions = {}): Promise<Trace> {
  opts = checkOptions(opts);
  checkSize(model);
  if (opts.logLikelihood) logLikelihoodOf(model, "sample");
  const plan = planChains(model, opts);
  const cores = coresOf(model, plan, opts, canRunInWorkers(model, false));
  const { onProgress, signal } = opts;
  if (signal?.aborted) throw abortError(model, signal);
  let results: ChainResult[];
  try {
    results = (cores > 1 ? await runChainsAsync(model, plan, cores, onProgress, signal) : null) ?? (await runChainsHere(model, plan, onProgress, signal));
  } catch (e) {
    throw signal?.aborted ? abortError(model, signal) : e;
  }
  return withLogLikelihood(model, buildTrace(model, plan, results), opts);
}

async function runChainsHere(model: CompiledModel, plan: ChainPlan, onProgress?: ProgressCallback, signal?: AbortSignal): Promise<ChainResult[]> {
  const results: ChainResult[] = [];
  for (let c = 0; c < plan.chains; c++) {
    const steps = chainSteps(targetOf(model), { ...chainOptions(plan, c), signal });
    let s = steps.next();
    for (; !s.done; s = steps.next()) {
      onProgress?.(c, ...s.value);
      await nextTask();
    }
    results.push(s.value);
  }
  return results;
}

/** Resolve on a later turn of the event loop (not a microtask: rendering and input get their turn). */
function nextTask(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void; MessageChannel?: typeof MessageChannel };
  return new Promise((resolve) => {
    if (g.setImmediate) return g.setImmediate(resolve);
    if (g.MessageChannel) {
      // setTimeout(0) is clamped to 4 ms in browsers; a message is not.
      const { port1, port2 } = new g.MessageChannel();
      port1.onmessage = () => {
        port1.close();
        resolve();
      };
      return port2.postMessage(null);
    }
    setTimeout(resolve, 0);
  });
}

function withLogLikelihood(model: CompiledModel, trace: Trace, opts: SampleOptions): Trace {
  if (opts.logLikelihood) computeLogLikelihood(model, trace);
  return trace;
}

export function targetOf(model: CompiledModel): ChainTarget {
  const { logp, logpGrad } = model.flat;
  // The model rides along so that a failed start can name its terms.
  return { size: model.size, logp, logpGrad, model };
}

export function buildTrace(model: CompiledModel, plan: ChainPlan, results: ChainResult[]): Trace {
  const constrainAt = (x: Float64Array) => model.impl.constrain(x, model.data);
  const names = model.meta.constrainedNames;
  const main = assemble(results, plan.draws, model.size, names, constrainAt);
  let warmup: Trace["warmup"];
  if (plan.keepWarmup && plan.tune > 0) {
    warmup = assemble(
      results.map((r) => ({ draws: r.warmupDraws!, stats: r.warmupStats! })),
      plan.tune,
      model.size,
      names,
      constrainAt,
    );
  }
  return new Trace({
    ...main,
    warmup,
    observedData: observedData(model),
    constantData: model.boundData(),
    tuning: results.map((r) => ({ stepSize: r.stepSize, invMetric: r.invMetric })),
    attrs: {
      model: model.name,
      seed: plan.seed,
      draws: plan.draws,
      tune: plan.tune,
      chains: plan.chains,
      target_accept: plan.targetAccept,
      max_treedepth: plan.maxTreeDepth,
      // PyMC's name for several step methods, and its listing of them (`NUTS: [mu]`).
      sampler: !plan.steps ? "NUTS" : plan.steps.length > 1 ? "CompoundStep" : plan.steps[0].kind,
      ...(plan.steps ? { step_methods: describeSteps(plan.steps) } : {}),
    },
    integers: model.valueVars.filter((v) => v.discrete).map((v) => v.rv),
    dims: model.meta.dims,
    coords: model.meta.coords,
  });
}

/** Draws from the prior: free RVs and Deterministics in `prior`, observed RVs in `priorPredictive`, as [1, draws, ...shape]. */
export class PriorSamples {
  prior: Group;
  priorPredictive: Group;
  constructor(prior: Group, priorPredictive: Group) {
    this.prior = prior;
    this.priorPredictive = priorPredictive;
  }
  toJSON(): Record<string, unknown> {
    const nested = (g: Group) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.toArray()]));
    return { prior: nested(this.prior), prior_predictive: nested(this.priorPredictive), attrs: { inference_library: "tsmc" } };
  }
}

export function samplePriorPredictive(model: CompiledModel, opts: { draws?: number; seed?: number | string } = {}): PriorSamples {
  opts = checkOptionNames("samplePriorPredictive", opts, ["draws", "seed"]);
  checkSeed("samplePriorPredictive", opts.seed);
  const draws = integerOption("samplePriorPredictive", "draws", opts.draws, 500, 1);
  const all = model.draw({ draws, seed: opts.seed });
  const observed = new Set(predicted(model).names);
  const prior: Group = {};
  const predictive: Group = {};
  for (const [name, v] of Object.entries(all)) {
    const arr = v as NDArray;
    const withChain = new NDArray([1, ...arr.shape], arr.data);
    setOwn(observed.has(name) ? predictive : prior, name, withChain);
  }
  return new PriorSamples(prior, predictive);
}

/**
 * One draw of every observed RV per posterior draw, as [chains, draws, ...shape]. With
 * `extend: true` the result is also stored on the trace (`trace.posteriorPredictive`).
 */
export function samplePosteriorPredictive(model: CompiledModel, trace: Trace, opts: { seed?: number | string; extend?: boolean } = {}): Group {
  opts = checkOptionNames("samplePosteriorPredictive", opts, ["seed", "extend"]);
  checkSeed("samplePosteriorPredictive", opts.seed);
  const seed = opts.seed ?? freshSeed();
  let streams: Stream[] = [];
  const out = perDraw(model, trace, "samplePosteriorPredictive", (values, c, d) => {
    if (d === 0) streams = Array.from({ length: predicted(model).rngs }, (_, i) => new Stream(childSeed(childSeed(seed, c), i)));
    return predict(model, values, streams);
  });
  if (opts.extend) trace.posteriorPredictive = out;
  return out;
}

/**
 * The pointwise log-likelihood of every observed RV at each posterior draw, [chains, draws,
 * ...observed shape] (PyMC's compute_log_likelihood): stored on the trace as `logLikelihood`
 * (ArviZ's log_likelihood group) unless `extend: false`, and returned.
 */
export function computeLogLikelihood(model: CompiledModel, trace: Trace, opts: { extend?: boolean } = {}): Group {
  opts = checkOptionNames("computeLogLikelihood", opts, ["extend"]);
  const { names, loglik } = logLikelihoodOf(model, "computeLogLikelihood");
  const free = model.meta.constrainedNames.slice(0, model.valueVars.length);
  const out = perDraw(model, trace, "computeLogLikelihood", (values) => {
    const logps = loglik(
      free.map((n) => values[n]),
      model.data,
    );
    return Object.fromEntries(names.map((n, i) => [n, logps[i]]));
  });
  if (opts.extend !== false) trace.logLikelihood = out;
  return out;
}

/** The observed RVs and the function of their log-likelihood; `sample` asks before sampling, so that a run with `logLikelihood: true` cannot fail at its end. */
export function logLikelihoodOf(model: CompiledModel, where: string): { names: readonly string[]; loglik: NonNullable<CompiledModel["impl"]["loglik"]> } {
  const names = model.meta.predictNames;
  const loglik = model.impl.loglik;
  if (!names.length) throw new Error(`${where}: model '${model.name}' has no observed variables, so no log-likelihood`);
  if (!loglik) throw new Error(`${where}: model '${model.name}' was compiled without its log-likelihood function; build it again with this tsmc`);
  return { names, loglik };
}

/** `f` at every posterior draw (the free RVs' values by name), its results stacked as [chains, draws, ...shape]. */
function perDraw(model: CompiledModel, trace: Trace, caller: string, f: (values: Record<string, Value>, c: number, d: number) => Record<string, Value>): Group {
  const freeNames = model.valueVars.map((v) => v.rv);
  for (const n of freeNames) {
    if (!own(trace.posterior, n)) throw new Error(`${caller}: the trace has no draws of '${n}'`);
  }
  const [nChains, nDraws] = freeNames.length ? trace.posterior[freeNames[0]].shape : [trace.nChains, trace.nDraws];
  const out: Group = {};
  for (let c = 0; c < nChains; c++) {
    for (let d = 0; d < nDraws; d++) {
      const values: Record<string, Value> = {};
      for (const n of freeNames) setOwn(values, n, slice(trace.posterior[n], c, d));
      for (const [name, v] of Object.entries(f(values, c, d))) {
        const inner = typeof v === "number" ? [] : v.shape;
        const k = inner.reduce((a, b) => a * b, 1);
        if (!own(out, name)) setOwn(out, name, new NDArray([nChains, nDraws, ...inner], new Float64Array(nChains * nDraws * k)));
        const at = (c * nDraws + d) * k;
        if (typeof v === "number") out[name].data[at] = v;
        else out[name].data.set(v.data, at);
      }
    }
  }
  return out;
}

/** posterior[name][c, d] as a number or an NDArray. */
function slice(arr: NDArray, c: number, d: number): Value {
  const inner = arr.shape.slice(2);
  const k = inner.reduce((a, b) => a * b, 1);
  const at = (c * arr.shape[1] + d) * k;
  return inner.length === 0 ? arr.data[at] : new NDArray(inner, arr.data.slice(at, at + k));
}
