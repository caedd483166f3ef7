// Check{cond}: passes its value through when the condition holds and raises ParameterValueError
// otherwise (PyMC's CheckParameterValue). A model's compiled logp turns it into -inf instead.
import { Apply, type Variable, type EmitContext, type Op } from "../graph/basic.js";
import { reduce } from "./reduce.js";
import { makeVector } from "./join.js";
import { switchOp } from "./elemwise.js";
import { floatConst } from "./constant.js";

export class CheckParameterValue implements Op {
  readonly msg: string;
  readonly key: string;
  readonly foldable = false;

  constructor(msg: string) {
    this.msg = msg;
    this.key = `Check{${msg}}`;
  }

  toString(): string {
    return `Check{${this.msg}}`;
  }

  makeNode(x: Variable, ...conds: Variable[]): Apply {
    conds.forEach((c) => {
      if (c.ndim !== 0 || c.dtype !== "bool") throw new Error(`${this}: conditions must be boolean scalars, got ${c.type}`);
    });
    return new Apply(this, [x, ...conds], [x.type]);
  }

  grad(inputs: Variable[], _: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    return [gz, ...inputs.slice(1).map(() => null)];
  }

  emit(ctx: EmitContext): void {
    const [x, ...conds] = ctx.ins;
    const failed = conds.map((c) => `${c} === 0`).join(" || ");
    ctx.line(`if (${failed}) throw ${ctx.rt("parameterValueError")}(${JSON.stringify(this.msg)});`);
    ctx.line(`const ${ctx.outs[0]} = ${x};`);
  }
}

/**
 * PyMC's check_parameters: `x` guarded by all conditions, combined as
 * All(MakeVector(All(c1), All(c2), ...)) so that the graph prints as PyMC's does.
 */
export function checkParameters(x: Variable, conditions: Variable[], msg: string): Variable {
  if (!conditions.length) return x;
  const all = reduce(
    "all",
    makeVector(
      conditions.map((c) => reduce("all", c)),
      "bool",
    ),
  );
  return new CheckParameterValue(msg).makeNode(x, all).outputs[0];
}

/** Replace a Check by switch(cond, value, -inf): what a model's logp does with bad parameters. */
export function checkToSwitch(node: Apply): Variable {
  const [x, ...conds] = node.inputs;
  const cond = conds.reduce((a, b) => switchOp(a, b, 0));
  return switchOp(cond, x, floatConst(-Infinity));
}
