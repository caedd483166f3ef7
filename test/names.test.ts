// Names the compiler checks, checked again at run time: every runtime export emitted code may name
// (compiler/emit/runtime-names.ts, the variate generators of the RandomVariables, the runtime
// functions of the scalar ops) is one the runtime exports, and every op name a rewrite pattern may
// name (compiler/rewrite/pattern.ts's OP_NAMES) is the printed name of a real op.
import { expect } from "chai";
import * as runtime from "../runtime/generated.js";
import { pt, Model, Normal, HalfNormal, emitModel, type Variable } from "../compiler/index.js";
import type { Apply } from "../compiler/graph/basic.js";
import { EMITTED_RUNTIME_NAMES } from "../compiler/emit/runtime-names.js";
import { emitFunction } from "../compiler/emit/js.js";
import { OP_NAMES, opName, type OpName } from "../compiler/rewrite/pattern.js";
import { RV } from "../compiler/ops/random.js";
import { S, elemwise, type ScalarOp } from "../compiler/ops/elemwise.js";
import { SP } from "../compiler/ops/special.js";
import { Reduce, type ReduceKind } from "../compiler/ops/reduce.js";
import { DimShuffle, dropDims, expandDims } from "../compiler/ops/dimshuffle.js";
import { Shape, Reshape, shapeI } from "../compiler/ops/shape.js";
import { AdvancedIncSubtensor1, AdvancedSubtensor1, IncSubtensor, Subtensor } from "../compiler/ops/subtensor.js";
import { Join, MakeVector, Split } from "../compiler/ops/join.js";
import { Dot, DotTransposed } from "../compiler/ops/blas.js";
import { Cholesky, CholeskyGrad, SolveTriangular, Tril } from "../compiler/ops/linalg.js";
import { CheckParameterValue } from "../compiler/ops/check.js";
import { DeepCopyOp } from "../compiler/ops/copy.js";
import { zeroGrad } from "../compiler/ops/zero-grad.js";
import { Composite } from "../compiler/ops/composite.js";

const exported = runtime as Record<string, unknown>;
const SCALAR_OPS: ScalarOp[] = [...Object.values(S), ...Object.values(SP)];

/** The runtime exports a scalar op's JavaScript calls (read off the op by calling it). */
function runtimeCallsOf(op: ScalarOp): string[] {
  const names: string[] = [];
  op.js(
    Array.from({ length: op.arity }, (_, i) => `a${i}`),
    (n) => (names.push(n), `rt.${n}`),
  );
  return names;
}

/** Every `rt.<name>` in emitted code. */
const referenced = (code: string) => [...code.matchAll(/\brt\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]);

describe("names: the runtime exports emitted code names", () => {
  const listed = new Set<string>(EMITTED_RUNTIME_NAMES);
  const samplers = Object.values(RV).map((spec) => spec.sampler);

  it("every name of compiler/emit/runtime-names.ts is a runtime export", () => {
    expect(EMITTED_RUNTIME_NAMES.filter((n) => exported[n] === undefined)).to.deep.equal([]);
    expect(listed.size, "no name twice").to.equal(EMITTED_RUNTIME_NAMES.length);
  });

  it("every RandomVariable's sampler is a runtime function", () => {
    expect(samplers.filter((n) => typeof exported[n] !== "function")).to.deep.equal([]);
  });

  it("every runtime function a scalar op calls is listed and is a runtime function", () => {
    const calls = SCALAR_OPS.flatMap(runtimeCallsOf);
    expect(calls.length).to.be.greaterThan(10);
    expect(calls.filter((n) => !listed.has(n) || typeof exported[n] !== "function")).to.deep.equal([]);
  });

  it("emitted code (a model, functions with and without kept buffers) names only listed runtime exports", () => {
    const model = Model.build(() => {
      const mu = Normal("mu", { mu: 0, sigma: 2 });
      const sigma = HalfNormal("sigma", { sigma: 3 });
      Normal("y", { mu, sigma, observed: [0.1, -0.3, 1.2, 0.7] });
      Normal("z", { mu: [0, 0, 0], sigma: [1, 2, 3] });
    });
    const x = pt.vector("x");
    const m = pt.matrix("m");
    const outs: Variable[] = [pt.sum(pt.sigmoid(pt.dot(m, x))), pt.mul(pt.transpose(m), pt.gammaln(x)), pt.stack([pt.sum(x), pt.max(x)])];
    const codes = [
      emitModel(model, "m").body,
      ...[false, true].map((reuseBuffers) => {
        const f = emitFunction([x, m], outs, { reuseBuffers });
        return [...f.prelude, f.code].join("\n");
      }),
    ];
    const names = new Set(codes.flatMap(referenced));
    expect(names.size).to.be.greaterThan(5);
    expect([...names].filter((n) => !listed.has(n) && !samplers.includes(n as (typeof samplers)[number]))).to.deep.equal([]);
    expect([...names].filter((n) => exported[n] === undefined)).to.deep.equal([]);
  });
});

describe("names: the op names rewrite patterns may name", () => {
  const a = pt.scalar("a");
  const x = pt.vector("x");
  const m = pt.matrix("m");
  const i = pt.constant([0, 1], null, "int64");
  const reduce = (kind: ReduceKind) => () => new Reduce(kind, null).makeNode(x);
  /** A node of each op that is not a scalar op, by the name a pattern gives it. */
  const NODES: { readonly [K in OpName]?: () => Apply } = {
    Sum: reduce("sum"),
    Prod: reduce("prod"),
    Max: reduce("max"),
    Min: reduce("min"),
    All: reduce("all"),
    Any: reduce("any"),
    ExpandDims: () => expandDims(a, [0]).owner!,
    DropDims: () => dropDims(expandDims(a, [0]), [0]).owner!,
    Transpose: () => new DimShuffle(2, [1, 0]).makeNode(m),
    DimShuffle: () => new DimShuffle(2, [1, "x", 0]).makeNode(m),
    Shape: () => new Shape().makeNode(x),
    Shape_i: () => shapeI(x, 0).owner!,
    Reshape: () => new Reshape(2).makeNode(x, pt.constant([1, 2], null, "int64")),
    Subtensor: () => new Subtensor([0]).makeNode(x),
    IncSubtensor: () => new IncSubtensor([0]).makeNode(x, a),
    AdvancedSubtensor1: () => new AdvancedSubtensor1().makeNode(x, i),
    AdvancedIncSubtensor1: () => new AdvancedIncSubtensor1().makeNode(x, pt.vector("y"), i),
    MakeVector: () => new MakeVector("float64").makeNode(a, a),
    Join: () => new Join(0).makeNode(x, x),
    Split: () => new Split(0, 2).makeNode(x, x, x),
    Dot: () => new Dot().makeNode(m, x),
    DotTransposed: () => new DotTransposed().makeNode(m, x),
    Cholesky: () => new Cholesky().makeNode(m),
    CholeskyGrad: () => new CholeskyGrad().makeNode(m, m),
    SolveTriangular: () => new SolveTriangular(false).makeNode(m, x),
    Tril: () => new Tril().makeNode(m),
    Check: () => new CheckParameterValue("x > 0").makeNode(x, pt.constant(true)),
    DeepCopyOp: () => new DeepCopyOp().makeNode(x),
    ZeroGrad: () => zeroGrad(x).owner!,
    Composite: () => new Composite({ nIn: 1, nodes: [{ op: S.exp, args: [0] }], outputs: [1], reduce: "none" }).makeNode(x),
  };

  it("every scalar op's name is one (so that a pattern may name it)", () => {
    const names: readonly string[] = OP_NAMES;
    expect(SCALAR_OPS.map((op) => op.name).filter((n) => !names.includes(n))).to.deep.equal([]);
  });

  it("every name is the printed name of a real op", () => {
    expect(new Set(OP_NAMES).size, "no name twice").to.equal(OP_NAMES.length);
    const wrong: string[] = [];
    for (const name of OP_NAMES) {
      const scalar = SCALAR_OPS.find((op) => op.name === name);
      const build = NODES[name];
      const node = scalar ? elemwise(scalar, ...Array(scalar.arity).fill(a)).owner! : build?.();
      if (!node || opName(node) !== name) wrong.push(`${name}: ${node ? `the node prints as ${node.op}` : "no node to build"}`);
    }
    expect(wrong).to.deep.equal([]);
  });
});
