// The rewrite pipeline every compiled graph goes through.
import type { Variable } from "../graph/basic.js";
import { canonicalize } from "./canonicalize.js";
import { constantFold, type NodeEvaluator } from "./constant-fold.js";
import { rewrite, type RewriteStats } from "./pattern.js";

export interface OptimizeOptions {
  evaluate: NodeEvaluator;
  stats?: RewriteStats;
}

export function optimize(outputs: readonly Variable[], opts: OptimizeOptions): Variable[] {
  return rewrite(outputs, [...canonicalize, constantFold(opts.evaluate)], opts.stats);
}
