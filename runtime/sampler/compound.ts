// A chain of compound steps, as PyMC's CompoundStep runs them: every iteration applies each step
// method in turn to the one flat point (discrete coordinates hold integers as float64 values). NUTS
// moves its block of continuous coordinates with the others held at their current values, on a
// sub-target that scatters its block into the full point and gathers the gradient's entries back;
// it adapts its step size and metric over warmup as the plain NUTS chain does (chain.ts). The
// Metropolis and Gibbs steps need only log densities (metropolis.ts, gibbs.ts).
import { Stream } from "../random.js";
import { Nuts, type TransitionStats } from "./nuts.js";
import { StepSizeAdaptation, WindowedVarianceAdaptation } from "./adapt.js";
import type { ChainOptions, ChainProgress, ChainResult, ChainTarget } from "./chain.js";
import type { StepPlan } from "./assign.js";
import { MetropolisUpdate } from "./metropolis.js";
import { BinaryGibbsUpdate, CategoricalGibbsUpdate } from "./gibbs.js";
import type { Update } from "./update.js";
import { jitteredStart } from "./start.js";

/** NUTS's statistics in a compound step (the iteration's `lp` is recorded for the whole step). */
const NUTS_STATS = ["acceptance_rate", "tree_depth", "n_steps", "diverging", "energy", "step_size"] as const;

/** NUTS on a block of coordinates, with Stan's warmup adaptation (as chainSteps runs it). */
class NutsUpdate implements Update {
  readonly statNames = NUTS_STATS;
  readonly nuts: Nuts;
  private readonly coords: number[];
  /** The full point NUTS's sub-target evaluates at: the block scattered into the others' current values. */
  private readonly work: Float64Array;
  private readonly grad: Float64Array;
  /** The full point after NUTS's last transition: NUTS's cached density holds while x still equals it. */
  private readonly seen: Float64Array;
  private readonly block: Float64Array;
  private readonly s: TransitionStats = { lp: 0, acceptanceRate: 0, treeDepth: 0, nSteps: 0, diverging: false, energy: 0, stepSize: 0 };
  private readonly stepAdapt = new StepSizeAdaptation();
  private readonly varAdapt: WindowedVarianceAdaptation;
  private readonly estimate: Float64Array;
  private readonly opts: ChainOptions;

  constructor(target: ChainTarget, coords: number[], rng: Stream, opts: ChainOptions) {
    const n = coords.length;
    this.coords = coords;
    this.opts = opts;
    this.work = new Float64Array(target.size);
    this.grad = new Float64Array(target.size);
    this.seen = new Float64Array(target.size).fill(NaN);
    this.block = new Float64Array(n);
    const { work, grad } = this;
    const sub = {
      size: n,
      logpGrad(y: Float64Array, g: Float64Array): number {
        for (let i = 0; i < n; i++) work[coords[i]] = y[i];
        const lp = target.logpGrad(work, grad);
        for (let i = 0; i < n; i++) g[i] = grad[coords[i]];
        return lp;
      },
    };
    this.nuts = new Nuts(sub, rng, { maxTreeDepth: opts.maxTreeDepth });
    const dense = opts.metric === "full";
    this.varAdapt = new WindowedVarianceAdaptation(n, opts.tune, { dense });
    this.estimate = dense ? new Float64Array(n * n) : this.nuts.invMetric;
    this.stepAdapt.delta = opts.targetAccept;
  }

  /** Start at x: Stan's step-size heuristic there when there is a warmup. */
  start(x: Float64Array): void {
    this.sync(x);
    this.stepAdapt.mu = Math.log(10 * this.nuts.stepSize);
    if (this.opts.tune > 0) this.nuts.initStepSize();
  }

  /** Move NUTS to x's block, with the other coordinates at x's values. */
  private sync(x: Float64Array): void {
    this.work.set(x);
    for (let i = 0; i < this.coords.length; i++) this.block[i] = x[this.coords[i]];
    this.nuts.setPosition(this.block);
    this.seen.set(x);
  }

  step(x: Float64Array, _lp: number, iteration: number, stats: Float64Array): number {
    const { nuts, s, opts } = this;
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== this.seen[i]) {
        this.sync(x);
        break;
      }
    }
    nuts.transition(s);
    if (iteration < opts.tune) {
      nuts.stepSize = this.stepAdapt.learn(s.acceptanceRate);
      if (opts.adaptMetric && this.varAdapt.learn(this.estimate, nuts.position)) {
        if (opts.metric === "full") nuts.setDenseMetric(this.estimate);
        nuts.initStepSize();
        this.stepAdapt.mu = Math.log(10 * nuts.stepSize);
        this.stepAdapt.restart();
      }
      if (iteration === opts.tune - 1) nuts.stepSize = this.stepAdapt.complete();
    }
    const q = nuts.position;
    for (let i = 0; i < this.coords.length; i++) x[this.coords[i]] = q[i];
    this.seen.set(x);
    stats[0] = s.acceptanceRate;
    stats[1] = s.treeDepth;
    stats[2] = s.nSteps;
    stats[3] = s.diverging ? 1 : 0;
    stats[4] = s.energy;
    stats[5] = s.stepSize;
    return s.lp;
  }
}

// PyMC's jitter_max_retries default, as the plain chain (chain.ts) uses it.

/**
 * Where each step's statistics go: a name one step records is [draws]; a name several record is
 * [draws, k] (draw-major), the k-th step's in column k, as PyMC stacks a statistic that several
 * samplers of a compound step share.
 */
function statLayout(updates: Update[]): { names: string[]; width: Map<string, number>; slot: { name: string; column: number }[][] } {
  const width = new Map<string, number>([["lp", 1]]);
  const slot = updates.map((u) =>
    u.statNames.map((name) => {
      const column = width.get(name) ?? 0;
      width.set(name, column + 1);
      return { name, column };
    }),
  );
  return { names: [...width.keys()], width, slot };
}

/** A chain of compound steps, as a generator pausing at each progress point (as chainSteps). */
export function* compoundChainSteps(target: ChainTarget, opts: ChainOptions, plans: StepPlan[]): Generator<ChainProgress, ChainResult, void> {
  const n = target.size;
  const rng = new Stream(opts.seed);
  const { logp } = target;
  const nutsUpdates: NutsUpdate[] = [];
  const updates: Update[] = plans.map((p) => {
    switch (p.kind) {
      case "NUTS": {
        const u = new NutsUpdate(target, p.coords, rng, opts);
        nutsUpdates.push(u);
        return u;
      }
      case "Metropolis":
        return new MetropolisUpdate(p, logp, rng, opts.tune);
      case "BinaryGibbsMetropolis":
        return new BinaryGibbsUpdate(p, logp, rng);
      case "CategoricalGibbsMetropolis":
        return new CategoricalGibbsUpdate(p, logp, rng);
    }
  });

  // Jitter the continuous coordinates only: discrete ones start at their (integer) values.
  const discrete = new Uint8Array(n);
  for (const p of plans) {
    if (p.kind === "BinaryGibbsMetropolis" || p.kind === "CategoricalGibbsMetropolis") for (const c of p.coords) discrete[c] = 1;
    if (p.kind === "Metropolis") p.coords.forEach((c, i) => (discrete[c] = p.discrete[i] ? 1 : 0));
  }
  const x = new Float64Array(n);
  let lp = jitteredStart(x, opts, rng, (y) => target.logp(y), "sample", discrete, target.model);
  for (const u of nutsUpdates) u.start(x);

  const layout = statLayout(updates);
  const newStats = (iterations: number) => Object.fromEntries(layout.names.map((k) => [k, new Float64Array(iterations * layout.width.get(k)!)]));
  const total = opts.tune + opts.draws;
  const draws = new Float64Array(opts.draws * n);
  const stats = newStats(opts.draws);
  const warmupDraws = opts.keepWarmup ? new Float64Array(opts.tune * n) : undefined;
  const warmupStats = opts.keepWarmup ? newStats(opts.tune) : undefined;
  const scratch = updates.map((u) => new Float64Array(u.statNames.length));
  const columns = layout.slot.flatMap((slots, k) => slots.map(({ name, column }, j) => ({ k, j, name, width: layout.width.get(name)!, column })));
  const divergingAt = updates.map((u) => u.statNames.indexOf("diverging"));

  const every = Math.max(1, Math.floor(total / 100));
  let divergences = 0;
  for (let it = 0; it < total; it++) {
    opts.signal?.throwIfAborted();
    const warm = it < opts.tune;
    for (let k = 0; k < updates.length; k++) {
      lp = updates[k].step(x, lp, it, scratch[k]);
      if (!warm && divergingAt[k] >= 0 && scratch[k][divergingAt[k]]) divergences++;
    }
    const [outDraws, outStats, i] = warm ? [warmupDraws, warmupStats, it] : [draws, stats, it - opts.tune];
    if (outDraws && outStats) {
      outDraws.set(x, i * n);
      outStats.lp[i] = lp;
      for (const { k, j, name, width, column } of columns) outStats[name][i * width + column] = scratch[k][j];
    }
    if ((it + 1) % every === 0 || it + 1 === total) yield [it + 1, total, divergences];
  }
  // The tuning of the first NUTS block (a compound step without NUTS has none).
  const first = nutsUpdates[0]?.nuts;
  const invMetric = Float64Array.from(first ? (first.denseMetric ?? first.invMetric) : []);
  return { draws, stats, warmupDraws, warmupStats, stepSize: first ? first.stepSize : NaN, invMetric };
}
