// PyMC's Metropolis step (pymc/step_methods/metropolis.py): normal proposals times a scale, rounded
// for discrete coordinates; one coordinate at a time in random order (elemwise), or all at once for a
// scalar or a multivariate discrete RV; the scale tuned every `tuneInterval` warmup iterations from
// the acceptance rate by PyMC's table. Statistics as PyMC names them: `accept` (the mean acceptance
// probability of the proposals), `accepted` (the fraction accepted), `scaling` (the mean scale).
import type { Stream } from "../random.js";
import type { StepPlan } from "./assign.js";
import { shuffle, type Update } from "./update.js";

/** PyMC's `tune`: the factor on the scale for an acceptance rate over the last interval. */
export function tuneFactor(rate: number): number {
  if (rate < 0.001) return 0.1;
  if (rate < 0.05) return 0.5;
  if (rate < 0.2) return 0.9;
  if (rate > 0.95) return 10;
  if (rate > 0.75) return 2;
  if (rate > 0.5) return 1.1;
  return 1;
}

export class MetropolisUpdate implements Update {
  readonly statNames = ["accept", "accepted", "scaling"] as const;
  private readonly plan: Extract<StepPlan, { kind: "Metropolis" }>;
  private readonly logp: (x: Float64Array) => number;
  private readonly rng: Stream;
  private readonly tuneIterations: number;
  /** Per proposal dimension (every coordinate when elemwise, else one). */
  private readonly scaling: Float64Array;
  private readonly acceptedSum: Float64Array;
  private readonly logRatio: Float64Array;
  private readonly accepted: Uint8Array;
  private readonly order: Int32Array;
  private readonly delta: Float64Array;
  private readonly saved: Float64Array;
  private stepsUntilTune: number;

  constructor(plan: Extract<StepPlan, { kind: "Metropolis" }>, logp: (x: Float64Array) => number, rng: Stream, tuneIterations: number) {
    this.plan = plan;
    this.logp = logp;
    this.rng = rng;
    this.tuneIterations = tuneIterations;
    const n = plan.coords.length;
    const dims = plan.elemwise ? n : 1;
    this.scaling = new Float64Array(dims).fill(plan.scaling);
    this.acceptedSum = new Float64Array(dims);
    this.logRatio = new Float64Array(dims);
    this.accepted = new Uint8Array(dims);
    this.order = Int32Array.from({ length: dims }, (_, i) => i);
    this.delta = new Float64Array(n);
    this.saved = new Float64Array(n);
    this.stepsUntilTune = plan.tuneInterval;
  }

  step(x: Float64Array, lp: number, iteration: number, stats: Float64Array): number {
    const { coords, discrete, elemwise, tuneInterval } = this.plan;
    if (this.stepsUntilTune === 0 && this.plan.tune && iteration < this.tuneIterations) {
      for (let d = 0; d < this.scaling.length; d++) this.scaling[d] *= tuneFactor(this.acceptedSum[d] / tuneInterval);
      this.stepsUntilTune = tuneInterval;
      this.acceptedSum.fill(0);
    }
    const n = coords.length;
    for (let i = 0; i < n; i++) {
      const d = this.rng.normal() * this.scaling[elemwise ? i : 0];
      this.delta[i] = discrete[i] ? Math.round(d) : d;
    }
    if (elemwise) {
      shuffle(this.order, this.rng);
      for (const i of this.order) {
        const c = coords[i];
        const old = x[c];
        x[c] = old + this.delta[i];
        // An unchanged point (a discrete proposal rounded to 0) has ratio 1: accepted, as in PyMC.
        const proposed = this.delta[i] === 0 ? lp : this.logp(x);
        const ok = this.select(proposed - lp, i);
        if (ok) lp = proposed;
        else x[c] = old;
      }
    } else {
      for (let i = 0; i < n; i++) {
        this.saved[i] = x[coords[i]];
        x[coords[i]] += this.delta[i];
      }
      const proposed = this.logp(x);
      if (this.select(proposed - lp, 0)) lp = proposed;
      else for (let i = 0; i < n; i++) x[coords[i]] = this.saved[i];
    }
    this.stepsUntilTune--;
    let accept = 0;
    let accepted = 0;
    let scaling = 0;
    for (let d = 0; d < this.scaling.length; d++) {
      accept += Math.exp(this.logRatio[d]);
      accepted += this.accepted[d];
      scaling += this.scaling[d];
    }
    const dims = this.scaling.length;
    stats[0] = accept / dims;
    stats[1] = accepted / dims;
    stats[2] = scaling / dims;
    return lp;
  }

  /** PyMC's metrop_select: accept with probability min(1, exp(logRatio)); NaN counts as -Infinity. */
  private select(logRatio: number, d: number): boolean {
    const r = Number.isNaN(logRatio) ? -Infinity : logRatio;
    const ok = Number.isFinite(r) && Math.log(this.rng.uniform()) < r;
    this.logRatio[d] = r;
    this.accepted[d] = ok ? 1 : 0;
    this.acceptedSum[d] += ok ? 1 : 0;
    return ok;
  }
}
