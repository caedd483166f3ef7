// ZeroGrad: PyTensor's `pytensor.gradient.zero_grad` (JAX's stop_gradient). The identity forward,
// a zero gradient backward: for a value whose gradient is zero by an identity the graph cannot see
// (the shift m of m + log(sum(exp(x - m)))), so that `grad` does not build that zero the long way.
// `grad` does not propagate through it at all; the rewrites drop it (dropZeroGrad) before anything
// else looks at the graph, so it never blocks constant folding, fusion or a pattern.
import { Apply, type EmitContext, type Op, type Variable } from "../graph/basic.js";
import type { Rule } from "../rewrite/pattern.js";
import { zerosLike } from "./elemwise.js";

export class ZeroGrad implements Op {
  readonly key = "ZeroGrad";
  /** The output is the input's data (protectOutputs copies it where a caller could mutate it). */
  readonly isView = true;

  toString(): string {
    return "ZeroGrad";
  }

  makeNode(x: Variable): Apply {
    return new Apply(this, [x], [x.type]);
  }

  grad(inputs: Variable[]): (Variable | null)[] {
    return [zerosLike(inputs[0])];
  }

  emit(ctx: EmitContext): void {
    ctx.line(`const ${ctx.outs[0]} = ${ctx.ins[0]};`);
  }
}

const ZERO_GRAD = new ZeroGrad();

/** x, with a gradient of zero (pt.zeroGrad). */
export const zeroGrad = (x: Variable): Variable => ZERO_GRAD.makeNode(x).outputs[0];

/** After differentiation ZeroGrad has done its work: the identity it is. */
export const dropZeroGrad: Rule = { name: "zeroGrad(x) → x", pattern: { op: "ZeroGrad", args: ["x"] }, replace: ({ x }) => x };
