// What the samplers read of a compiled model beyond its public API: draws of the observed RVs,
// the observed data. Functions here rather than methods of CompiledModel, so that a bundle that
// never samples does not carry them.
import { NDArray } from "../ndarray.js";
import { own, setOwn } from "../own.js";
import type { Stream } from "../random.js";
import type { CompiledModel, Value } from "../model.js";

/** Names of the observed RVs, and how many streams `predict` advances. */
export const predicted = (m: CompiledModel): { names: readonly string[]; rngs: number } => ({ names: m.meta.predictNames, rngs: m.meta.predictRngCount });

/**
 * One draw of every observed RV given values of the free RVs (keyed by RV name, constrained
 * scale), advancing `streams` (one per `predicted(m).rngs`).
 */
export function predict(m: CompiledModel, freeValues: Record<string, Value>, streams: Stream[]): Record<string, Value> {
  const free = m.meta.constrainedNames.slice(0, m.meta.valueVars.length);
  const args = free.map((n) => {
    if (!Object.hasOwn(freeValues, n)) throw new Error(`model '${m.name}': predict needs a value for '${n}'`);
    return freeValues[n];
  });
  const values = m.impl.predict(args, streams, m.data);
  return Object.fromEntries(m.meta.predictNames.map((n, i) => [n, values[i]]));
}

/**
 * The observed values of the observed RVs, where the compiled metadata records them: constants as
 * compiled, data() inputs as bound to this model (copies).
 */
export function observedData(m: CompiledModel): Record<string, Value> | undefined {
  const { observed, observedInputs } = m.meta;
  if (!observed && !observedInputs) return undefined;
  const copy = (v: number | { shape: number[]; data: ArrayLike<number> }): Value =>
    typeof v === "number" ? v : new NDArray([...v.shape], Float64Array.from(v.data));
  const out: Record<string, Value> = {};
  for (const name of m.meta.predictNames) {
    const input = observedInputs && own(observedInputs, name);
    const value = input !== undefined ? own(m.data, input) : observed && own(observed, name);
    if (value !== undefined) setOwn(out, name, copy(value));
  }
  return out;
}
