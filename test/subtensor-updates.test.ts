// pt.setSubtensor / pt.incSubtensor (PyTensor's set_subtensor(x[idx], y) / inc_subtensor(x[idx], y)):
// values against NumPy (test/reference/gen_linalg.py writes linalg.json), gradients against central
// finite differences, the printed names and the errors.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pt, type NDArray, type Variable } from "../compiler/index.js";
import type { UpdateIndex } from "../compiler/tensor.js";
import { root } from "./helpers/aot.js";
import { expectGradMatchesFD, type Value } from "./helpers/fd-graph.js";
import { thrown } from "./helpers/thrown.js";

type Slice = { start?: number | null; stop?: number | null; step?: number | null };
interface UpdateCase {
  mode: "set" | "inc";
  name: string;
  x: number[] | number[][];
  idx: number | number[] | Slice;
  y: Value;
  out: number[] | number[][];
}

const REF = JSON.parse(readFileSync(join(root, "test", "reference", "linalg.json"), "utf8")) as { subtensor: UpdateCase[] };

const update = (mode: "set" | "inc", x: Variable, idx: UpdateIndex, y: Variable | number) =>
  mode === "set" ? pt.setSubtensor(x, idx, y) : pt.incSubtensor(x, idx, y);
const rank = (v: Value) => (typeof v === "number" ? 0 : Array.isArray(v[0]) ? 2 : 1);
/** A graph input of the value's rank: unknown dims, but a length 1 stays known (only those broadcast, as in PyTensor). */
const variable = (name: string, v: Value) => {
  const shape = rank(v) === 0 ? [] : rank(v) === 1 ? [(v as number[]).length] : [(v as number[][]).length, (v as number[][])[0].length];
  return pt.tensor(name, { shape: shape.map((d) => (d === 1 ? 1 : null)) });
};

describe("pt.setSubtensor / pt.incSubtensor: values against NumPy", () => {
  it("has set and inc cases with integers, repeated indices, steps and broadcasting", () => {
    const names = REF.subtensor.map((c) => c.name).join("\n");
    for (const what of ["integer", "repeated-index array", "slice with step", "broadcast"]) expect(names).to.include(what);
  });

  for (const c of REF.subtensor) {
    it(`${c.mode}: ${c.name}`, () => {
      // x and y as graph inputs of unknown shape, and as constants (static shapes, folded).
      const x = variable("x", c.x);
      const y = variable("y", c.y);
      const got = pt.fn([x, y], update(c.mode, x, c.idx, y))(c.x, c.y) as NDArray;
      expect(got.toArray(), "inputs").to.deep.equal(c.out);
      const folded = update(c.mode, pt.constant(c.x), c.idx, pt.constant(c.y, null, "float64")).eval() as NDArray;
      expect(folded.toArray(), "constants").to.deep.equal(c.out);
    });
  }

  it("an integer vector variable as the index", () => {
    const x = pt.vector("x");
    const i = pt.vector("i", "int64");
    const f = pt.fn([x, i], [pt.incSubtensor(x, i, 1), pt.setSubtensor(x, i, pt.constant([5, 6, 7]))]);
    const [inc, set] = f([0, 0, 0, 0], [1, 3, 1]) as NDArray[];
    expect(inc.toArray()).to.deep.equal([0, 2, 0, 1]);
    expect(set.toArray()).to.deep.equal([0, 7, 0, 6]);
  });
});

describe("pt.setSubtensor / pt.incSubtensor: gradients against finite differences", () => {
  const x5 = [1, -2, 3.5, 0.25, 4];
  const x43 = [
    [0.1, 0.2, 0.3],
    [-1, 0.5, 2],
    [1.5, -0.7, 0.4],
    [2, 1, -3],
  ];
  // A nonlinear function of the result, so that x and y both reach the cost in several ways.
  const through = (f: (x: Variable, y: Variable) => Variable) => (x: Variable, y: Variable) => pt.mul(f(x, y), pt.exp(pt.mul(f(x, y), 0.1)));
  const cases: { name: string; x: Value; idx: UpdateIndex; y: Value }[] = [
    { name: "integer", x: x5, idx: 2, y: 0.7 },
    { name: "slice with step", x: x5, idx: { start: 1, step: 2 }, y: [0.3, -0.6] },
    { name: "negative step", x: x5, idx: { start: 4, stop: 0, step: -2 }, y: [1.1, 0.9] },
    { name: "slice, broadcast scalar", x: x5, idx: { stop: 3 }, y: 0.4 },
    { name: "integer array", x: x5, idx: [4, 0, 2], y: [0.5, -0.5, 1.5] },
    { name: "integer array, broadcast scalar", x: x5, idx: [3, 1], y: 0.25 },
    { name: "matrix, integer, row", x: x43, idx: 1, y: [0.5, 1, -1] },
    { name: "matrix, slice with step, broadcast row", x: x43, idx: { step: 2 }, y: [0.5, 1, -1] },
    { name: "matrix, integer array, broadcast column", x: x43, idx: [3, 0], y: [[0.2], [-0.4]] },
  ];
  for (const mode of ["set", "inc"] as const) {
    for (const c of cases) {
      it(`${mode}: ${c.name}, with respect to x and y`, () => {
        expectGradMatchesFD(
          through((x, y) => update(mode, x, c.idx, y)),
          [c.x, c.y],
          { staticShape: true },
        );
        expectGradMatchesFD(
          through((x, y) => update(mode, x, c.idx, y)),
          [c.x, c.y],
          { staticShape: rank(c.y) === 2 },
        );
      });
    }
  }

  it("inc with repeated indices: y's gradient adds up each time it is used", () => {
    expectGradMatchesFD(
      through((x, y) => pt.incSubtensor(x, [0, 3, 0, 0], y)),
      [x5, [1, 2, 3, 4]],
    );
  });

  it("set: x's gradient is zero on the set region; y's is the indexed gradient summed over broadcast dims", () => {
    const x = pt.matrix("x");
    const y = pt.vector("y");
    const w = pt.constant([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const cost = pt.sum(pt.mul(pt.setSubtensor(x, { start: 1 }, y), w));
    const [gx, gy] = pt.fn([x, y], pt.grad(cost, [x, y]))(
      [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
      [1, 1, 1],
    ) as NDArray[];
    expect(gx.toArray()).to.deep.equal([
      [1, 2, 3],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(gy.toArray()).to.deep.equal([11, 13, 15]);
  });
});

describe("pt.setSubtensor / pt.incSubtensor: printed names and errors", () => {
  it("prints PyTensor's op names", () => {
    const x = pt.vector("x");
    const y = pt.vector("y");
    const text = pt.dprint([
      pt.setSubtensor(x, { start: 1, step: 2 }, y),
      pt.incSubtensor(x, 0, 1),
      pt.setSubtensor(x, [0, 1], y),
      pt.incSubtensor(x, [0, 1], y),
    ]);
    for (const name of ["SetSubtensor{1::2}", "IncSubtensor{0}", "AdvancedSetSubtensor1", "AdvancedIncSubtensor1"]) expect(text).to.include(name);
  });

  it("an index out of range, known when the graph is built", () => {
    const x = pt.tensor("x", { shape: [3] });
    expect(thrown(() => pt.setSubtensor(x, 5, 1)).message).to.equal("SetSubtensor{5}: index 5 is out of bounds for axis 0 with size 3");
    expect(thrown(() => pt.incSubtensor(x, -4, 1)).message).to.equal("IncSubtensor{-4}: index -4 is out of bounds for axis 0 with size 3");
    expect(thrown(() => pt.incSubtensor(x, [0, 3], 1)).message).to.equal("incSubtensor: index 3 is out of bounds for axis 0 with size 3");
    expect(thrown(() => pt.setSubtensor(x, [1.5], 1)).message).to.equal("setSubtensor: index 1.5 is not an integer");
  });

  it("an index out of range found at run time", () => {
    const x = pt.vector("x");
    const y = pt.vector("y");
    expect(thrown(() => pt.fn([x], pt.setSubtensor(x, 5, 1))([1, 2, 3])).message).to.equal("SetSubtensor: index 5 is out of bounds for axis 0 with size 3");
    expect(thrown(() => pt.fn([x], pt.incSubtensor(x, 5, 1))([1, 2, 3])).message).to.match(/Subtensor: index 5 is out of bounds for axis 0 with size 3$/);
    expect(thrown(() => pt.fn([x, y], pt.setSubtensor(x, [0, 7], y))([1, 2, 3], [1, 2])).message).to.match(/index 7 is out of bounds/);
    expect(thrown(() => pt.fn([x, y], pt.incSubtensor(x, [0, 7], y))([1, 2, 3], [1, 2])).message).to.match(/index 7 is out of bounds/);
  });

  it("a value that does not broadcast to the indexed region, and a scalar to index", () => {
    const x = pt.tensor("x", { shape: [4, 3] });
    expect(thrown(() => pt.setSubtensor(x, 0, pt.constant([1, 2]))).message).to.equal(
      "setSubtensor: a value of shape (2,) does not broadcast to the indexed region of shape (3,)",
    );
    expect(thrown(() => pt.incSubtensor(x, [0, 1], pt.tensor("y", { shape: [3, 3] }))).message).to.equal(
      "incSubtensor: a value of shape (3, 3) does not broadcast to the indexed region of shape (2, 3)",
    );
    expect(thrown(() => pt.setSubtensor(pt.scalar("s"), 0, 1)).message).to.match(/^setSubtensor: cannot index Scalar\(float64/);
  });
});
