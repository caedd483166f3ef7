// One chain: jittered initialisation, warmup with Stan's adaptation, then the kept draws. A chain
// needs only the flat log density, so the same code runs in the main thread and in a worker.
import { Stream } from "../random.js";
import { Nuts, type Target, type TransitionStats } from "./nuts.js";
import { StepSizeAdaptation, WindowedVarianceAdaptation } from "./adapt.js";

/** The per-draw statistics, named as PyMC names them. */
export const STAT_NAMES = ["lp", "acceptance_rate", "tree_depth", "n_steps", "diverging", "energy", "step_size"] as const;
export type StatName = (typeof STAT_NAMES)[number];

export interface ChainOptions {
  draws: number;
  tune: number;
  /** Seed of this chain's stream (childSeed(seed, chain)). */
  seed: string;
  targetAccept: number;
  maxTreeDepth: number;
  /** The flat starting point before jitter. */
  init: ArrayLike<number>;
  /** Add uniform(-1, 1) jitter to the starting point (PyMC's jitter+adapt_diag). */
  jitter: boolean;
  keepWarmup: boolean;
  /** Adapt the metric during warmup (Stan's windows); false keeps the identity. */
  adaptMetric: boolean;
  /** The metric adapted: diagonal (PyMC's adapt_diag) or dense (adapt_full). */
  metric: "diag" | "full";
  /** Called every few iterations with (iterations done, total, divergences after warmup so far); runChain only. */
  onProgress?: (done: number, total: number, divergences: number) => void;
  /** Checked at every iteration: once aborted, the chain throws the signal's reason. */
  signal?: AbortSignal;
}

export interface ChainResult {
  /** Kept draws, flat unconstrained, draw-major: [draws * size]. */
  draws: Float64Array;
  stats: Record<StatName, Float64Array>;
  warmupDraws?: Float64Array;
  warmupStats?: Record<StatName, Float64Array>;
  stepSize: number;
  /** The inverse metric warmup ended with: n entries (diagonal) or n × n (dense). */
  invMetric: Float64Array;
}

const JITTER_MAX_RETRIES = 10;

function newStats(n: number): Record<StatName, Float64Array> {
  return Object.fromEntries(STAT_NAMES.map((k) => [k, new Float64Array(n)])) as Record<StatName, Float64Array>;
}

/** Progress of a chain: iterations done, total iterations, divergences after warmup so far. */
export type ChainProgress = [done: number, total: number, divergences: number];

/** Run a chain to the end in one go. */
export function runChain(target: Target, opts: ChainOptions): ChainResult {
  const steps = chainSteps(target, opts);
  for (let s = steps.next(); ; s = steps.next()) {
    if (s.done) return s.value;
    opts.onProgress?.(...s.value);
  }
}

/**
 * A chain as a generator that pauses at each progress point (about every 1% of the iterations), so
 * that a caller without a worker can give the event loop a turn between them.
 */
export function* chainSteps(target: Target, opts: ChainOptions): Generator<ChainProgress, ChainResult, void> {
  const n = target.size;
  const rng = new Stream(opts.seed);
  const nuts = new Nuts(target, rng, { maxTreeDepth: opts.maxTreeDepth });

  // Jittered start; retry with fresh jitter where the density is not finite (as PyMC does).
  const q = new Float64Array(n);
  let lp = -Infinity;
  for (let attempt = 0; attempt <= JITTER_MAX_RETRIES; attempt++) {
    for (let i = 0; i < n; i++) q[i] = opts.init[i] + (opts.jitter ? 2 * rng.uniform() - 1 : 0);
    lp = nuts.setPosition(q);
    if (Number.isFinite(lp)) break;
    if (!opts.jitter) break;
  }
  if (!Number.isFinite(lp)) {
    throw new Error(
      `NUTS: the log density at the starting point is ${lp}${opts.jitter ? ` after ${JITTER_MAX_RETRIES + 1} jittered tries` : ""}; check the model or pass initvals`,
    );
  }

  const total = opts.tune + opts.draws;
  const draws = new Float64Array(opts.draws * n);
  const stats = newStats(opts.draws);
  const warmupDraws = opts.keepWarmup ? new Float64Array(opts.tune * n) : undefined;
  const warmupStats = opts.keepWarmup ? newStats(opts.tune) : undefined;
  const s: TransitionStats = { lp: 0, acceptanceRate: 0, treeDepth: 0, nSteps: 0, diverging: false, energy: 0, stepSize: 0 };

  // Stan: nominal step size 1, mu = log(10 * 1), then the step-size heuristic.
  const stepAdapt = new StepSizeAdaptation();
  stepAdapt.delta = opts.targetAccept;
  stepAdapt.mu = Math.log(10 * nuts.stepSize);
  const dense = opts.metric === "full";
  const varAdapt = new WindowedVarianceAdaptation(n, opts.tune, { dense });
  const estimate = dense ? new Float64Array(n * n) : nuts.invMetric;
  if (opts.tune > 0) nuts.initStepSize();

  const every = Math.max(1, Math.floor(total / 100));
  let divergences = 0;
  for (let it = 0; it < total; it++) {
    opts.signal?.throwIfAborted();
    const warm = it < opts.tune;
    nuts.transition(s);
    if (s.diverging && !warm) divergences++;
    const pos = nuts.position;
    if (warm) {
      nuts.stepSize = stepAdapt.learn(s.acceptanceRate);
      if (opts.adaptMetric && varAdapt.learn(estimate, pos)) {
        if (dense) nuts.setDenseMetric(estimate);
        // A new metric: re-run the step-size heuristic and restart dual averaging around it.
        nuts.initStepSize();
        stepAdapt.mu = Math.log(10 * nuts.stepSize);
        stepAdapt.restart();
      }
      if (it === opts.tune - 1) nuts.stepSize = stepAdapt.complete();
      if (warmupDraws && warmupStats) record(warmupDraws, warmupStats, it, pos, s, n);
    } else {
      record(draws, stats, it - opts.tune, pos, s, n);
    }
    if ((it + 1) % every === 0 || it + 1 === total) yield [it + 1, total, divergences];
  }
  const invMetric = Float64Array.from(nuts.denseMetric ?? nuts.invMetric);
  return { draws, stats, warmupDraws, warmupStats, stepSize: nuts.stepSize, invMetric };
}

function record(out: Float64Array, stats: Record<StatName, Float64Array>, i: number, q: Float64Array, s: TransitionStats, n: number): void {
  out.set(q, i * n);
  stats.lp[i] = s.lp;
  stats.acceptance_rate[i] = s.acceptanceRate;
  stats.tree_depth[i] = s.treeDepth;
  stats.n_steps[i] = s.nSteps;
  stats.diverging[i] = s.diverging ? 1 : 0;
  stats.energy[i] = s.energy;
  stats.step_size[i] = s.stepSize;
}
