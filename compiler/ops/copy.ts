// DeepCopyOp: what a compiled function returns when an output is one of its inputs (or a constant),
// so that the caller never holds a reference into the function's own values.
import { Apply, type Variable, type EmitContext, type Op } from "../graph/basic.js";

export class DeepCopyOp implements Op {
  readonly key = "DeepCopyOp";
  readonly foldable = false;

  toString(): string {
    return "DeepCopyOp";
  }

  makeNode(x: Variable): Apply {
    return new Apply(this, [x], [x.type]);
  }

  grad(_: Variable[], __: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    return [gz];
  }

  emit(ctx: EmitContext): void {
    const [x] = ctx.ins;
    const ndim = ctx.node.inputs[0].ndim;
    if (ndim === 0) {
      ctx.line(`const ${ctx.outs[0]} = ${x};`);
      return;
    }
    ctx.line(`const ${ctx.outs[0]} = ${ctx.alloc(Array.from({ length: ndim }, (_, k) => `${x}.shape[${k}]`))};`);
    ctx.line(`${ctx.outs[0]}.data.set(${x}.data);`);
  }
}

export const deepCopy = (x: Variable): Variable => new DeepCopyOp().makeNode(x).outputs[0];

/** The variable whose data `v` shares, following ops that return a view of their input (isView). */
export function viewBase(v: Variable): Variable {
  let cur = v;
  while (cur.owner && (cur.owner.op as { isView?: boolean }).isView) cur = cur.owner.inputs[0];
  return cur;
}

/**
 * Outputs the caller may mutate: one whose data would be an input's or a constant's, or the same
 * as an earlier output's (directly or through Reshape / ExpandDims views), gets a DeepCopyOp.
 */
export function protectOutputs(outputs: readonly Variable[]): Variable[] {
  const bases = new Set<Variable>();
  return outputs.map((v) => {
    const base = viewBase(v);
    const shared = base.owner === null || bases.has(base);
    bases.add(base);
    return shared ? deepCopy(v) : v;
  });
}
