// One chain: jittered initialisation, warmup with Stan's adaptation, then the kept draws. A chain
// needs only the flat log density, so the same code runs in the main thread and in a worker.
import { Stream } from "../random.js";
import { Nuts, type Target, type TransitionStats } from "./nuts.js";
import { StepSizeAdaptation, WindowedVarianceAdaptation } from "./adapt.js";
import type { StepPlan } from "./assign.js";
import { compoundChainSteps } from "./compound.js";
import { jitteredStart, type StartModel } from "./start.js";

/** The per-draw statistics of the plain NUTS chain, named as PyMC names them. */
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
  /** The step methods of a compound step (compound.ts); absent: NUTS moves every coordinate. */
  steps?: StepPlan[];
}

/** What a chain needs of a model: the flat log density, its gradient (NUTS) and the density alone (Metropolis, Gibbs). */
export interface ChainTarget extends Target {
  logp(x: Float64Array): number;
  /** The model itself, where the caller has it: a failed start then names the terms that fail. */
  model?: StartModel;
}

export interface ChainResult {
  /** Kept draws, flat unconstrained, draw-major: [draws * size]. */
  draws: Float64Array;
  /** Statistics by name: [draws], or [draws * k] for one that k steps of a compound step record. */
  stats: Record<string, Float64Array>;
  warmupDraws?: Float64Array;
  warmupStats?: Record<string, Float64Array>;
  /** NUTS's step size after warmup (its first block's in a compound step; NaN without NUTS). */
  stepSize: number;
  /** The inverse metric warmup ended with: n entries (diagonal) or n × n (dense), for NUTS's coordinates. */
  invMetric: Float64Array;
}

function newStats(n: number): Record<StatName, Float64Array> {
  return Object.fromEntries(STAT_NAMES.map((k) => [k, new Float64Array(n)])) as Record<StatName, Float64Array>;
}

/** Progress of a chain: iterations done, total iterations, divergences after warmup so far. */
export type ChainProgress = [done: number, total: number, divergences: number];

/** Run a chain to the end in one go. */
export function runChain(target: ChainTarget, opts: ChainOptions): ChainResult {
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
export function* chainSteps(target: ChainTarget, opts: ChainOptions): Generator<ChainProgress, ChainResult, void> {
  if (opts.steps) return yield* compoundChainSteps(target, opts, opts.steps);
  const n = target.size;
  const rng = new Stream(opts.seed);
  const nuts = new Nuts(target, rng, { maxTreeDepth: opts.maxTreeDepth });

  const q = new Float64Array(n);
  jitteredStart(q, opts, rng, (x) => nuts.setPosition(x), "NUTS", undefined, target.model);

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
