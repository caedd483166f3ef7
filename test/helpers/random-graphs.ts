// Random expression graphs over a set of unary and binary ops (fast-check), for the property tests
// that rewriting keeps values: an arbitrary expression tree and the graph it builds on given inputs.
import fc from "fast-check";
import { pt, type Variable } from "../../compiler/index.js";

export type Expr = { k: "in"; i: number } | { k: "const"; v: number } | { k: "un"; op: number; a: Expr } | { k: "bin"; op: number; a: Expr; b: Expr };

export interface OpSet {
  unary: ((v: Variable) => Variable)[];
  binary: ((a: Variable, b: Variable) => Variable)[];
  /** Depth of the trees, the constants drawn (repeat one to draw it more often), the weight of unary nodes. */
  maxDepth: number;
  constants: number[];
  unaryWeight: number;
}

/** Trees over three inputs with `ops`, and the graph a tree builds. */
export function randomGraphs(ops: OpSet): { arb: fc.Arbitrary<Expr>; build: (e: Expr, inputs: Variable[]) => Variable } {
  const arb = fc.letrec<{ e: Expr }>((tie) => ({
    e: fc.oneof(
      { depthSize: "medium", maxDepth: ops.maxDepth, withCrossShrink: true },
      { arbitrary: fc.integer({ min: 0, max: 2 }).map((i): Expr => ({ k: "in", i })), weight: 2 },
      { arbitrary: fc.constantFrom(...ops.constants).map((v): Expr => ({ k: "const", v })), weight: 1 },
      {
        arbitrary: fc.record({ op: fc.integer({ min: 0, max: ops.unary.length - 1 }), a: tie("e") }).map((r): Expr => ({ k: "un", ...r })),
        weight: ops.unaryWeight,
      },
      {
        arbitrary: fc.record({ op: fc.integer({ min: 0, max: ops.binary.length - 1 }), a: tie("e"), b: tie("e") }).map((r): Expr => ({ k: "bin", ...r })),
        weight: 3,
      },
    ),
  })).e;
  const build = (e: Expr, inputs: Variable[]): Variable => {
    switch (e.k) {
      case "in":
        return inputs[e.i];
      case "const":
        return pt.constant(e.v, null, "float64");
      case "un":
        return ops.unary[e.op](build(e.a, inputs));
      case "bin":
        return ops.binary[e.op](build(e.a, inputs), build(e.b, inputs));
    }
  };
  return { arb, build };
}
