// Constant folding: a node whose inputs are all constants is computed once, at compile time.
import { Constant, type Apply } from "../graph/basic.js";
import type { Rule } from "./pattern.js";

/** Computes a node's outputs from constant inputs (the pipeline passes the one emitter's). */
export type NodeEvaluator = (node: Apply) => Constant[];

/** Largest result worth embedding; bigger ones stay computed at run time. */
const MAX_FOLDED_SIZE = 1 << 16;

export function constantFold(evaluate: NodeEvaluator): Rule {
  return {
    name: "fold constants",
    pattern: { op: "*", as: "v" },
    replace: ({ v }) => {
      const node = v.owner!;
      if ((node.op as { foldable?: boolean }).foldable === false) return null;
      if (!node.inputs.every((i) => i instanceof Constant)) return null;
      if (v.type.shape.some((d) => d === null)) return null;
      if ((v.type.shape as number[]).reduce((x, y) => x * y, 1) > MAX_FOLDED_SIZE) return null;
      return evaluate(node)[v.outputIndex];
    },
  };
}
