// A chain's starting point: the initial point with uniform(-1, 1) jitter (PyMC's "jitter+"
// inits), drawn again where the density is not finite, as PyMC does. When no try gives a finite
// density, the error names the model's terms that are not finite, as PyMC's SamplingError lists
// each term's initial log density (model.point_logps()).
import type { Point, Value } from "../model.js";
import type { Stream } from "../random.js";

const JITTER_MAX_RETRIES = 10;

/** What a start failure is explained with: a compiled model (its name and log density by term). */
export interface StartModel {
  readonly name: string;
  fromFlat(x: Float64Array): Record<string, Value>;
  logpTerms(point: Point): Record<string, number>;
}

/**
 * Fills `x` with the start and returns its log density. `fixed` marks coordinates that are not
 * jittered (discrete values); `who` starts the error when no try gives a finite density, and
 * `model`, where the caller has it, explains which terms fail.
 */
export function jitteredStart(
  x: Float64Array,
  opts: { init: ArrayLike<number>; jitter: boolean },
  rng: Stream,
  density: (x: Float64Array) => number,
  who: string,
  fixed?: Uint8Array,
  model?: StartModel,
): number {
  let lp = -Infinity;
  for (let attempt = 0; attempt <= JITTER_MAX_RETRIES; attempt++) {
    for (let i = 0; i < x.length; i++) x[i] = opts.init[i] + (opts.jitter && !fixed?.[i] ? 2 * rng.uniform() - 1 : 0);
    lp = density(x);
    if (Number.isFinite(lp) || !opts.jitter) break;
  }
  if (!Number.isFinite(lp)) {
    const tries = opts.jitter ? ` after ${JITTER_MAX_RETRIES + 1} jittered tries` : "";
    if (!model) throw new Error(`${who}: the log density at the starting point is ${lp}${tries}; check the model or pass initvals`);
    const init = Float64Array.from(opts.init);
    const atInit = termsNotFinite(model, init, "the initial point");
    // Every term finite before jitter: the jitter itself left the support.
    const atJittered = !atInit && opts.jitter ? termsNotFinite(model, x, "the last jittered point") : null;
    const why = atInit
      ? `${atInit}; check the model or pass initvals`
      : atJittered
        ? `every term is finite at the initial point ${pointText(model, init)}, but ${atJittered}; start without jitter (jitter: false) or pass initvals`
        : `no single term is infinite or NaN at the initial point ${pointText(model, init)}; check the model or pass initvals`;
    throw new Error(`${who}: the log density at the starting point is ${lp}${tries}; in model '${model.name}', ${why}`);
  }
  return lp;
}

/**
 * The terms whose log density is not finite at flat point `x` ("at the initial point { mu: 0 } the
 * log density of 'y' is -Infinity"), or null when every term is finite.
 */
export function termsNotFinite(model: StartModel, x: Float64Array, where: string): string | null {
  const bad = Object.entries(model.logpTerms(model.fromFlat(x))).filter(([, v]) => !Number.isFinite(v));
  if (bad.length === 0) return null;
  return `at ${where} ${pointText(model, x)} the log density of ${bad.map(([name, v]) => `'${name}' is ${v}`).join(", ")}`;
}

/** "{ mu: 0, z: [0.1, 0.2, 0.3, 0.4, …] }": a point short enough for an error message. */
function pointText(model: StartModel, x: Float64Array): string {
  const value = (v: Value) => {
    if (typeof v === "number") return String(v);
    const head = Array.from(v.data.subarray(0, 4), String);
    return `[${head.join(", ")}${v.data.length > 4 ? ", …" : ""}]`;
  };
  return `{ ${Object.entries(model.fromFlat(x))
    .map(([name, v]) => `${name}: ${value(v)}`)
    .join(", ")} }`;
}
