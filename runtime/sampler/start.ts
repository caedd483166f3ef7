// A chain's starting point: the initial point with uniform(-1, 1) jitter (PyMC's "jitter+"
// inits), drawn again where the density is not finite, as PyMC does.
import type { Stream } from "../random.js";

const JITTER_MAX_RETRIES = 10;

/**
 * Fills `x` with the start and returns its log density. `fixed` marks coordinates that are not
 * jittered (discrete values); `who` starts the error when no try gives a finite density.
 */
export function jitteredStart(
  x: Float64Array,
  opts: { init: ArrayLike<number>; jitter: boolean },
  rng: Stream,
  density: (x: Float64Array) => number,
  who: string,
  fixed?: Uint8Array,
): number {
  let lp = -Infinity;
  for (let attempt = 0; attempt <= JITTER_MAX_RETRIES; attempt++) {
    for (let i = 0; i < x.length; i++) x[i] = opts.init[i] + (opts.jitter && !fixed?.[i] ? 2 * rng.uniform() - 1 : 0);
    lp = density(x);
    if (Number.isFinite(lp) || !opts.jitter) break;
  }
  if (!Number.isFinite(lp)) {
    throw new Error(
      `${who}: the log density at the starting point is ${lp}${opts.jitter ? ` after ${JITTER_MAX_RETRIES + 1} jittered tries` : ""}; check the model or pass initvals`,
    );
  }
  return lp;
}
