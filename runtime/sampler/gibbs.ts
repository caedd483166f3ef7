// PyMC's Metropolis-within-Gibbs steps for binary and categorical RVs
// (pymc/step_methods/metropolis.py), each entry in a random order every iteration.
// BinaryGibbsMetropolis proposes the flip of an entry with probability transitP and accepts it by
// the Metropolis ratio. CategoricalGibbsMetropolis proposes, for an entry of K categories, one of
// the other K - 1 at random ("uniform", PyMC's default) or in proportion to their densities
// ("proportional": Liu's 1996 Metropolized Gibbs sampler, accepted with probability
// min(1, (1 - π_current) / (1 - π_proposed))). Neither reports statistics (PyMC's only one is `tune`).
import type { Stream } from "../random.js";
import type { StepPlan } from "./assign.js";
import { shuffle, type Update } from "./update.js";

/** Accept a move of log ratio r with probability min(1, exp(r)) (PyMC's metrop_select). */
function select(r: number, rng: Stream): boolean {
  return Number.isFinite(r) && Math.log(rng.uniform()) < r;
}

export class BinaryGibbsUpdate implements Update {
  readonly statNames = [] as const;
  private readonly order: Int32Array;

  constructor(
    private readonly plan: Extract<StepPlan, { kind: "BinaryGibbsMetropolis" }>,
    private readonly logp: (x: Float64Array) => number,
    private readonly rng: Stream,
  ) {
    this.order = Int32Array.from(plan.coords);
  }

  step(x: Float64Array, lp: number): number {
    shuffle(this.order, this.rng);
    for (const c of this.order) {
      if (!(this.rng.uniform() < this.plan.transitP)) continue;
      const old = x[c];
      x[c] = 1 - old;
      const proposed = this.logp(x);
      if (select(proposed - lp, this.rng)) lp = proposed;
      else x[c] = old;
    }
    return lp;
  }
}

export class CategoricalGibbsUpdate implements Update {
  readonly statNames = [] as const;
  /** Indices into the plan's coords and categories. */
  private readonly order: Int32Array;
  private readonly logps: Float64Array;

  constructor(
    private readonly plan: Extract<StepPlan, { kind: "CategoricalGibbsMetropolis" }>,
    private readonly logp: (x: Float64Array) => number,
    private readonly rng: Stream,
  ) {
    this.order = Int32Array.from(plan.coords, (_, i) => i);
    this.logps = new Float64Array(Math.max(0, ...plan.categories));
  }

  step(x: Float64Array, lp: number): number {
    shuffle(this.order, this.rng);
    for (const i of this.order) {
      const c = this.plan.coords[i];
      const k = this.plan.categories[i];
      lp = this.plan.proposal === "uniform" ? this.uniform(x, c, k, lp) : this.proportional(x, c, k, lp);
    }
    return lp;
  }

  /** Propose one of the other k - 1 categories, uniformly (PyMC's sample_except). */
  private uniform(x: Float64Array, c: number, k: number, lp: number): number {
    const old = x[c];
    let candidate = Math.floor(this.rng.uniform() * (k - 1));
    if (candidate >= old) candidate++;
    x[c] = candidate;
    const proposed = this.logp(x);
    if (select(proposed - lp, this.rng)) return proposed;
    x[c] = old;
    return lp;
  }

  /** Liu's Metropolized Gibbs: propose j ≠ i with probability π_j / (1 - π_i). */
  private proportional(x: Float64Array, c: number, k: number, lp: number): number {
    const current = x[c];
    const logps = this.logps;
    let max = lp;
    for (let j = 0; j < k; j++) {
      if (j === current) logps[j] = lp;
      else {
        x[c] = j;
        logps[j] = this.logp(x);
        if (logps[j] > max) max = logps[j];
      }
    }
    let total = 0;
    for (let j = 0; j < k; j++) total += Math.exp(logps[j] - max);
    const prob = (j: number) => Math.exp(logps[j] - max) / total;
    const stay = prob(current);
    // Draw j ≠ current with weights π_j (their sum is 1 - π_current).
    let u = this.rng.uniform() * (1 - stay);
    let proposal = -1;
    for (let j = 0; j < k; j++) {
      if (j === current) continue;
      proposal = j;
      u -= prob(j);
      if (u < 0) break;
    }
    const ratio = (1 - stay) / (1 - prob(proposal));
    // ratio is Infinity (always accepted) when the current category has underflowed to π = 0.
    if (logps[proposal] !== -Infinity && this.rng.uniform() < ratio) {
      x[c] = proposal;
      return logps[proposal];
    }
    x[c] = current;
    return lp;
  }
}
