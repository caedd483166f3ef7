// What each step method of a compound step (compound.ts) is to the chain that runs it.
import type { Stream } from "../random.js";

/** One step method of a compound step. */
export interface Update {
  /** The statistics it records each iteration, named as PyMC names them. */
  readonly statNames: readonly string[];
  /** Move x in place from a point of log density lp; returns the log density at the new x and writes the statistics to `stats`. */
  step(x: Float64Array, lp: number, iteration: number, stats: Float64Array): number;
}

/** Shuffle in place (Fisher-Yates), as PyMC reorders the entries a Gibbs or Metropolis step visits. */
export function shuffle(a: Int32Array, rng: Stream): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
