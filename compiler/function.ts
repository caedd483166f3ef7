// PyTensor's `function`: cut the graph at the inputs, send it down the pipeline (compiler/pipeline.ts:
// rewrites, fusion, the one emitter) and turn the text into a callable in-process.
import { Constant, Variable } from "./graph/basic.js";
import type { PrintableFunction } from "./graph/dprint.js";
import { cloneReplace, graphInputs, toposort } from "./graph/traversal.js";
import { emitFunction, type EmittedFunction } from "./emit/js.js";
import { compileGraph, instantiate, type Value } from "./pipeline.js";
import { protectOutputs } from "./ops/copy.js";
import { RandomGeneratorSharedVariable } from "./ops/random.js";
import type { RewriteStats } from "./rewrite/pattern.js";
import * as runtime from "../runtime/index.js";
import type { InputSpec } from "../runtime/index.js";

export type { Value };

export interface FnOptions {
  /** Run the rewrite pipeline (default true). */
  rewrite?: boolean;
  /**
   * Fuse elementwise chains into Composite loops (default false here, so that dprint shows the
   * rewritten ops one by one; compiled models always fuse).
   */
  fuse?: boolean;
  /** Name of the generated function (for stack traces and printed source). */
  name?: string;
  stats?: RewriteStats;
  /**
   * Advance the shared rngs the outputs draw from after each call (what `draw` does). Without
   * it a RandomVariable gives the same value on every call, as `eval` does in PyTensor.
   */
  updateRngs?: boolean;
}

/** A stream positioned where a shared rng's saved state says. */
export function streamOf(rng: RandomGeneratorSharedVariable): runtime.Stream {
  const state = rng.state as { seed?: number | string };
  return state.seed !== undefined ? new runtime.Stream(state.seed) : runtime.restoreStream(rng.state as any);
}

export interface CompiledFunction extends PrintableFunction {
  (...args: unknown[]): any;
  readonly inputs: readonly Variable[];
  readonly outputs: readonly Variable[];
  /** The generated JavaScript. */
  readonly source: string;
  /** The emitted function before it became a callable. */
  readonly emitted: EmittedFunction;
  /** The generated function itself: positional runtime values (inputs, then rng streams) in, outputs back. */
  readonly raw: (...args: unknown[]) => Value[];
  /** Shared rngs the outputs draw from, fed after the inputs. */
  readonly rngs: readonly RandomGeneratorSharedVariable[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype && !(Object.hasOwn(v, "shape") && Object.hasOwn(v, "data"));
}

export function inputSpec(v: Variable, i: number): InputSpec {
  return { name: v.name ?? `input ${i}`, dtype: v.dtype, shape: v.type.shape };
}

/** PyTensor's `function(inputs, outputs)`: callable positionally or with an object keyed by input name. */
export function fn(inputs: readonly Variable[], outputs: Variable | readonly Variable[], opts: FnOptions = {}): CompiledFunction {
  const single = outputs instanceof Variable;
  if (!Array.isArray(inputs)) throw new TypeError("fn: inputs must be an array of Variables");
  if (!single && !Array.isArray(outputs)) throw new TypeError(`fn: outputs must be a Variable or an array of Variables, got ${String(outputs)}`);
  const outs = single ? [outputs as Variable] : [...(outputs as readonly Variable[])];
  inputs.forEach((v, i) => {
    if (!(v instanceof Variable)) throw new TypeError(`fn: input ${i} is not a Variable`);
    if (v instanceof Constant) throw new TypeError(`fn: input ${i} (${v}) is a constant; constants cannot be inputs`);
  });
  outs.forEach((v, i) => {
    if (!(v instanceof Variable)) throw new TypeError(`fn: output ${i} is not a Variable`);
  });

  // Cut the graph: intermediate inputs become fresh roots of the same type and name.
  const leaves = inputs.map((v) => (v.owner ? new Variable(v.type, null, 0, v.name) : v));
  const cut = new Map<Variable, Variable>();
  inputs.forEach((v, i) => leaves[i] !== v && cut.set(v, leaves[i]));
  let graph = cut.size ? cloneReplace(outs, cut) : outs;
  if (opts.rewrite !== false) graph = compileGraph(graph, opts.stats, { fuse: opts.fuse === true });
  const leafSet = new Set(leaves);
  // The caller owns what it gets back: no aliasing of inputs, constants or other outputs.
  graph = protectOutputs(graph);

  // Shared rngs are implicit inputs, fed from their saved state on every call.
  const rngs = graphInputs(graph).filter((v): v is RandomGeneratorSharedVariable => v instanceof RandomGeneratorSharedVariable && !leafSet.has(v));
  const emitted = emitFunction([...leaves, ...rngs], graph, { name: opts.name ?? "fn" });
  const raw = instantiate(emitted);
  const specs = leaves.map(inputSpec);
  const byName = new Map<string, number>();
  leaves.forEach((v, i) => v.name !== null && byName.set(v.name, i));

  const call = (...args: unknown[]): any => {
    let values: unknown[];
    if (args.length === 1 && isPlainObject(args[0]) && !(leaves.length === 1 && leaves[0].name === null)) {
      const given = args[0];
      for (const key of Object.keys(given)) {
        if (!byName.has(key)) {
          throw new Error(`unknown input '${key}'; the inputs are ${leaves.map((v, i) => `'${specs[i].name}'`).join(", ")}`);
        }
      }
      // Own properties only: an inherited `toString` or a polluted prototype is not an input.
      values = leaves.map((_, i) => (Object.hasOwn(given, specs[i].name) ? given[specs[i].name] : undefined));
    } else {
      if (args.length !== leaves.length) {
        throw new Error(`expected ${leaves.length} input(s) (${specs.map((s) => `'${s.name}'`).join(", ")}), got ${args.length}`);
      }
      values = args;
    }
    const converted: unknown[] = values.map((v, i) => runtime.toInput(v, specs[i]));
    const streams = rngs.map(streamOf);
    const results = (raw as (...a: unknown[]) => Value[])(...converted, ...streams);
    if (opts.updateRngs) rngs.forEach((r, i) => (r.state = runtime.streamState(streams[i])));
    return single ? results[0] : results;
  };
  const order = toposort(graph, leafSet);
  return Object.assign(call, {
    inputs: leaves,
    outputs: graph,
    source: `${emitted.prelude.join("\n")}\n${emitted.code}`.trim(),
    emitted,
    raw,
    rngs,
    dprintGraph: { outputs: graph, order },
  });
}
