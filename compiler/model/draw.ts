// PyMC's draw: forward samples of variables, advancing their rngs (or from a seed, reproducibly).
import { Variable } from "../graph/basic.js";
import { fn, type CompiledFunction } from "../function.js";
import { Stream, childSeed, stackDraws, streamState } from "../../runtime/index.js";
import { streamOf } from "../function.js";
import { expandCustomDraws } from "../distributions/customdist.js";

const cache = new WeakMap<Variable, Map<string, CompiledFunction>>();

function compiled(vars: Variable[]): CompiledFunction {
  const key = vars.map((v) => v.id).join(",");
  let byKey = cache.get(vars[0]);
  if (!byKey) cache.set(vars[0], (byKey = new Map()));
  let f = byKey.get(key);
  // A CustomDist with a `dist` graph is drawn through that graph.
  if (!f) byKey.set(key, (f = fn([], expandCustomDraws(vars), { name: "draw" })));
  return f;
}

/**
 * One draw of `vars` (no `draws`), or `draws` of them stacked on a new leading axis. Without a
 * seed the variables' rngs advance, so every call gives new values; with one the result is
 * reproducible and the rngs are left as they were.
 */
export function draw(vars: Variable, opts?: { draws?: number; seed?: number | string }): any;
export function draw(vars: readonly Variable[], opts?: { draws?: number; seed?: number | string }): any[];
export function draw(vars: Variable | readonly Variable[], opts: { draws?: number; seed?: number | string } = {}): any {
  const list = vars instanceof Variable ? [vars] : [...vars];
  if (!list.length) return [];
  list.forEach((v, i) => {
    if (!(v instanceof Variable)) throw new TypeError(`draw: item ${i} is not a Variable`);
  });
  const f = compiled(list);
  const seeded = opts.seed !== undefined;
  const streams = f.rngs.map((r, i) => (seeded ? new Stream(childSeed(opts.seed!, i)) : streamOf(r)));
  let result: unknown[];
  if (opts.draws === undefined) {
    result = f.raw(...streams);
  } else {
    if (!Number.isInteger(opts.draws) || opts.draws < 0) throw new Error(`draw: draws must be a non-negative integer, got ${opts.draws}`);
    const all = Array.from({ length: opts.draws }, () => f.raw(...streams));
    result = list.map((_, i) => stackDraws(all.map((d) => d[i])));
  }
  if (!seeded) f.rngs.forEach((r, i) => (r.state = streamState(streams[i])));
  return vars instanceof Variable ? result[0] : result;
}
