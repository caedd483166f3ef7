// The rewrite pipeline every compiled graph goes through, in PyTensor's order: canonicalize
// (with simplify and constant folding) to a fixpoint, then stabilize, then specialize. Merging
// of equal subgraphs (PyTensor's MergeOptimizer) is done by the engine in every pass.
import type { Variable } from "../graph/basic.js";
import { canonicalize } from "./canonicalize.js";
import { constantFold, type NodeEvaluator } from "./constant-fold.js";
import { rewrite, type RewriteStats, type Rule } from "./pattern.js";
import { reductions } from "./reductions.js";
import { simplify } from "./simplify.js";
import { specialize } from "./specialize.js";
import { stabilize } from "./stabilize.js";

export interface OptimizeOptions {
  evaluate: NodeEvaluator;
  stats?: RewriteStats;
}

/** The groups by purpose, as data: each is a list of rules applied to a fixpoint. */
export const groups = { canonicalize, simplify, reductions, stabilize, specialize } as const;

/** The phases: each runs its rules, with the canonical ones, to a fixpoint before the next. */
export function phases(evaluate: NodeEvaluator): Rule[][] {
  const fold = constantFold(evaluate);
  const canonical = [...canonicalize, ...simplify, ...reductions, fold];
  return [canonical, [...stabilize, ...canonical], [...specialize, ...canonical]];
}

const cache = new WeakMap<NodeEvaluator, Rule[][]>();

export function optimize(outputs: readonly Variable[], opts: OptimizeOptions): Variable[] {
  let list = cache.get(opts.evaluate);
  if (!list) cache.set(opts.evaluate, (list = phases(opts.evaluate)));
  let current = [...outputs];
  for (const rules of list) current = rewrite(current, rules, opts.stats);
  return current;
}
