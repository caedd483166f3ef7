// `CompiledModel.sample` and `sampleAsync`: run NUTS chains (in workers when the model can be
// shipped to one) and assemble the trace; prior and posterior predictive draws.
import { NDArray } from "../ndarray.js";
import { Stream, childSeed, freshSeed } from "../random.js";
import type { CompiledModel, Value } from "../model.js";
import { chainSteps, runChain, type ChainOptions, type ChainResult } from "./chain.js";
import type { Target } from "./nuts.js";
import { Trace, assemble, type Group } from "./trace.js";
import { canRunInWorkers, defaultCores, runChainsAsync, runChainsInWorkers, type ProgressCallback } from "./parallel.js";

export interface SampleOptions {
  /** Kept draws per chain (default 1000). */
  draws?: number;
  /** Warmup iterations per chain, discarded (default 1000). */
  tune?: number;
  /** Number of chains (default 4). */
  chains?: number;
  /** Chains run at once in workers (default: the machine's cores, at most `chains`). */
  cores?: number;
  /** Makes the whole trace reproducible; chain c uses the stream childSeed(seed, c). */
  seed?: number | string;
  /** Target mean acceptance statistic for step-size adaptation (default 0.8). */
  targetAccept?: number;
  /** Maximum tree depth (default 10: at most 1023 leapfrog steps per draw). */
  maxTreeDepth?: number;
  /** Starting values keyed by value-variable name (default: the model's initial point). */
  initvals?: Record<string, unknown>;
  /** Uniform(-1, 1) jitter around the starting point, as PyMC's jitter+adapt_diag (default true). */
  jitter?: boolean;
  /** Adapt the diagonal mass matrix during warmup (default true; false keeps the identity). */
  adaptMetric?: boolean;
  /** Keep the warmup draws in `trace.warmup` (default false). */
  keepWarmup?: boolean;
  /** Progress: (chain, iterations done, total iterations, divergences so far). */
  onProgress?: (chain: number, done: number, total: number, divergences: number) => void;
}

function count(name: string, value: unknown, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new Error(`sample: ${name} must be an integer >= ${min}, got ${String(value)}`);
  return v;
}

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
  if (!(targetAccept > 0 && targetAccept < 1)) throw new Error(`sample: targetAccept must be in (0, 1), got ${targetAccept}`);
  const start = { ...model.initialPoint(), ...(opts.initvals ?? {}) };
  const init = Array.from(model.toFlat(start));
  const seed = String(opts.seed ?? freshSeed());
  return { draws, tune, chains, maxTreeDepth, targetAccept, init, jitter: opts.jitter ?? true, keepWarmup: opts.keepWarmup ?? false, adaptMetric: opts.adaptMetric ?? true, seed };
}

export function chainOptions(plan: ChainPlan, chain: number): ChainOptions {
  const { chains: _chains, seed, ...rest } = plan;
  return { ...rest, seed: childSeed(seed, chain) };
}

function coresOf(plan: ChainPlan, opts: SampleOptions): number {
  return Math.min(plan.chains, count("cores", opts.cores, defaultCores(), 1));
}

function checkSize(model: CompiledModel): void {
  if (model.size === 0) throw new Error(`model '${model.name}': nothing to sample (the model has no free random variables)`);
}

export function sampleModel(model: CompiledModel, opts: SampleOptions = {}): Trace {
  checkSize(model);
  const plan = planChains(model, opts);
  const cores = coresOf(plan, opts);
  let results: ChainResult[];
  if (cores > 1 && canRunInWorkers(model)) {
    results = runChainsInWorkers(model, plan, cores, opts.onProgress);
  } else {
    results = [];
    for (let c = 0; c < plan.chains; c++) {
      const progress = opts.onProgress;
      results.push(runChain(targetOf(model), {
        ...chainOptions(plan, c),
        onProgress: progress ? (done, total, div) => progress(c, done, total, div) : undefined,
      }));
    }
  }
  return buildTrace(model, plan, results);
}

/**
 * The same trace as `sampleModel`, without blocking: chains run in Web Workers or Node worker
 * threads, or, where none can be made, in this thread with a turn for the event loop at every
 * progress point.
 */
export async function sampleModelAsync(model: CompiledModel, opts: SampleOptions = {}): Promise<Trace> {
  checkSize(model);
  const plan = planChains(model, opts);
  const cores = coresOf(plan, opts);
  const results = (cores > 1 ? await runChainsAsync(model, plan, cores, opts.onProgress) : null) ?? (await runChainsHere(model, plan, opts.onProgress));
  return buildTrace(model, plan, results);
}

async function runChainsHere(model: CompiledModel, plan: ChainPlan, onProgress?: ProgressCallback): Promise<ChainResult[]> {
  const results: ChainResult[] = [];
  for (let c = 0; c < plan.chains; c++) {
    const steps = chainSteps(targetOf(model), chainOptions(plan, c));
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

export function targetOf(model: CompiledModel): Target {
  const { logpGrad } = model.flat;
  return { size: model.size, logpGrad };
}

export function buildTrace(model: CompiledModel, plan: ChainPlan, results: ChainResult[]): Trace {
  const constrain = (x: Float64Array) => model.constrain(x);
  const main = assemble(results, plan.draws, model.size, constrain);
  let warmup: Trace["warmup"];
  if (plan.keepWarmup && plan.tune > 0) {
    warmup = assemble(results.map((r) => ({ draws: r.warmupDraws!, stats: r.warmupStats! })), plan.tune, model.size, constrain);
  }
  return new Trace({
    ...main,
    warmup,
    observedData: model.observedData(),
    constantData: model.boundData(),
    tuning: results.map((r) => ({ stepSize: r.stepSize, invMetric: r.invMetric })),
    attrs: { model: model.name, seed: plan.seed, draws: plan.draws, tune: plan.tune, chains: plan.chains, target_accept: plan.targetAccept, sampler: "NUTS" },
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
  const draws = count("draws", opts.draws, 500, 1);
  const all = model.draw({ draws, seed: opts.seed });
  const observed = new Set(model.names.predicted);
  const prior: Group = {};
  const predictive: Group = {};
  for (const [name, v] of Object.entries(all)) {
    const arr = v as NDArray;
    const withChain = new NDArray([1, ...arr.shape], arr.data);
    (observed.has(name) ? predictive : prior)[name] = withChain;
  }
  return new PriorSamples(prior, predictive);
}

/**
 * One draw of every observed RV per posterior draw, as [chains, draws, ...shape]. With
 * `extend: true` the result is also stored on the trace (`trace.posteriorPredictive`).
 */
export function samplePosteriorPredictive(model: CompiledModel, trace: Trace, opts: { seed?: number | string; extend?: boolean } = {}): Group {
  const seed = opts.seed ?? freshSeed();
  const freeNames = model.valueVars.map((v) => v.rv);
  for (const n of freeNames) {
    if (!(n in trace.posterior)) throw new Error(`samplePosteriorPredictive: the trace has no draws of '${n}'`);
  }
  const nChains = trace.posterior[freeNames[0]].shape[0];
  const nDraws = trace.posterior[freeNames[0]].shape[1];
  const out: Group = {};
  for (let c = 0; c < nChains; c++) {
    const streams = Array.from({ length: model.names.predictRngs }, (_, i) => new Stream(childSeed(childSeed(seed, c), i)));
    for (let d = 0; d < nDraws; d++) {
      const values: Record<string, Value> = {};
      for (const n of freeNames) values[n] = slice(trace.posterior[n], c, d);
      const drawn = model.predict(values, streams);
      for (const [name, v] of Object.entries(drawn)) {
        const inner = typeof v === "number" ? [] : v.shape;
        const k = inner.reduce((a, b) => a * b, 1);
        if (!out[name]) out[name] = new NDArray([nChains, nDraws, ...inner], new Float64Array(nChains * nDraws * k));
        const at = (c * nDraws + d) * k;
        if (typeof v === "number") out[name].data[at] = v;
        else out[name].data.set(v.data, at);
      }
    }
  }
  if (opts.extend) trace.posteriorPredictive = out;
  return out;
}

/** posterior[name][c, d] as a number or an NDArray. */
function slice(arr: NDArray, c: number, d: number): Value {
  const inner = arr.shape.slice(2);
  const k = inner.reduce((a, b) => a * b, 1);
  const at = (c * arr.shape[1] + d) * k;
  return inner.length === 0 ? arr.data[at] : new NDArray(inner, arr.data.slice(at, at + k));
}
