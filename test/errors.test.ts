// Bad input paths: shape mistakes found while building the graph, shape mismatches found at run
// time (naming the op), and bad values passed to a compiled function (naming the input and
// saying what was expected).
import { expect } from "chai";
import { pt } from "../compiler/index.js";
import { thrown } from "./helpers/thrown.js";

describe("errors: while building the graph", () => {
  it("shapes that cannot broadcast, with both shapes in the message", () => {
    const a = pt.tensor("a", { shape: [2] });
    const b = pt.tensor("b", { shape: [3] });
    for (const op of [pt.add, pt.sub, pt.mul, pt.div, pt.pow, pt.maximum, pt.gt, pt.eq]) {
      const msg = thrown(() => op(a, b)).message;
      expect(msg).to.include("(2,)").and.include("(3,)").and.include("broadcast");
    }
    expect(thrown(() => a.add(b)).message).to.match(/^Add: shapes \(2,\) and \(3,\) cannot be broadcast together$/);
    const m = pt.tensor("m", { shape: [2, 2] });
    expect(thrown(() => m.mul(b)).message).to.equal("Mul: shapes (2, 2) and (3,) cannot be broadcast together");
    const c = pt.tensor("c", { shape: [4, 3] });
    const d = pt.tensor("d", { shape: [2, 3] });
    expect(thrown(() => pt.switch(c.gt(0), c, d)).message)
      .to.include("(4, 3)")
      .and.include("(2, 3)");
    // Unknown or unit dims are fine.
    expect(pt.add(a, pt.vector("v")).type.shape).to.deep.equal([2]);
    expect(pt.add(pt.tensor("u", { shape: [1] }), b).type.shape).to.deep.equal([3]);
  });

  it("dot with misaligned static shapes, and non-matrix operands", () => {
    const A = pt.tensor("A", { shape: [2, 3] });
    const v = pt.tensor("v", { shape: [2] });
    expect(thrown(() => pt.dot(A, v)).message).to.equal("Dot: shapes (2, 3) and (2,) not aligned: 3 != 2");
    expect(thrown(() => A.matmul(A)).message)
      .to.include("(2, 3)")
      .and.include("not aligned");
    expect(thrown(() => pt.dot(pt.tensor("t", { shape: [1, 1, 1] }), v)).message).to.include("Dot: expected vectors or matrices");
    expect(thrown(() => pt.matmul(pt.scalar("s"), v)).message).to.include("matmul: scalars are not allowed");
  });

  it("reshape to an incompatible size, two -1s, or a negative dimension", () => {
    const x = pt.tensor("x", { shape: [3] });
    expect(thrown(() => x.reshape([2, 2])).message).to.equal("Reshape{2}: cannot reshape (3,) (size 3) into (2, 2)");
    expect(thrown(() => x.reshape([2, -1])).message).to.include("cannot reshape (3,)");
    expect(thrown(() => pt.vector("y").reshape([-1, -1])).message).to.include("only one dimension can be -1");
    expect(thrown(() => pt.vector("y").reshape([-2, 2])).message).to.include("Reshape{2}: invalid target shape (-2, 2)");
  });

  it("concatenate and stack along an axis that does not exist, or with mismatched shapes", () => {
    const m = pt.matrix("m");
    expect(thrown(() => pt.concatenate([m, m], 2)).message).to.equal("Join: axis 2 is out of range for Matrix(float64, shape=(?, ?))");
    expect(thrown(() => pt.concatenate([m, m], -3)).message).to.equal("Join: axis -3 is out of range for Matrix(float64, shape=(?, ?))");
    expect(thrown(() => pt.stack([m, m], 3)).message).to.include("stack: axis 3 is out of range");
    expect(thrown(() => pt.stack([m, m], -4)).message).to.include("stack: axis -4 is out of range");
    const a = pt.tensor("a", { shape: [2, 3] });
    const b = pt.tensor("b", { shape: [3, 3] });
    expect(thrown(() => pt.concatenate([a, b], 1)).message).to.equal("Join: shapes (2, 3), (3, 3) differ outside axis 1");
    expect(thrown(() => pt.concatenate([a, pt.vector("v")])).message).to.include("Join: all inputs must have rank 2");
  });

  it("indexing: out of static bounds, zero step, non-integer bounds, boolean or float indices", () => {
    const x = pt.tensor("x", { shape: [3] });
    expect(thrown(() => x.index(5)).message).to.equal("Subtensor{5}: index 5 is out of bounds for axis 0 with size 3");
    expect(thrown(() => x.index(-4)).message).to.include("index -4 is out of bounds");
    expect(thrown(() => x.slice(0, 2, 0)).message).to.equal("Subtensor{0:2:0}: slice step cannot be zero");
    expect(thrown(() => pt.vector("y").slice(null, null, 0)).message).to.include("slice step cannot be zero");
    expect(thrown(() => x.slice(0.5, 2)).message).to.include("not an integer");
    expect(thrown(() => x.index(1.5)).message).to.include("index 1.5 is not an integer");
    expect(thrown(() => x.index([true, false])).message).to.include("boolean masks are not supported");
    expect(thrown(() => x.index(pt.vector("mask", "bool"))).message).to.include("the index must be an integer vector");
    expect(thrown(() => x.index(pt.vector("f"))).message).to.include("the index must be an integer vector, got Vector(float64");
    expect(thrown(() => pt.scalar("s").index([0])).message).to.include("cannot index");
  });

  it("reductions and transposes with axes out of range", () => {
    const v = pt.vector("v");
    const m = pt.matrix("m");
    expect(thrown(() => v.sum(1)).message).to.equal("axis 1 is out of range for Vector(float64, shape=(?,))");
    expect(thrown(() => m.max(-3)).message).to.include("axis -3 is out of range");
    expect(thrown(() => m.transpose([0])).message).to.include("transpose: 1 axes given");
    expect(thrown(() => m.transpose([0, 0])).message).to.include("invalid order [0, 0]");
  });

  it("fn refuses constants as inputs and non-variables as outputs", () => {
    expect(() => pt.fn([pt.constant(1) as any], pt.scalar("x"))).to.throw(TypeError, "input 0 (1) is a constant");
    expect(() => pt.fn([pt.scalar("x")], 3 as any)).to.throw(TypeError, "fn: outputs must be a Variable or an array of Variables, got 3");
    expect(() => pt.fn([pt.scalar("x")], [3] as any)).to.throw(TypeError, "fn: output 0 is not a Variable");
    expect(() => pt.fn(pt.scalar("x") as any, pt.scalar("y"))).to.throw(TypeError, "fn: inputs must be an array of Variables");
  });

  it("eval names what it cannot find", () => {
    const x = pt.scalar("x");
    const y = pt.vector("y");
    expect(thrown(() => y.exp().eval({ q: 1 })).message).to.include("no variable named 'q'");
    expect(thrown(() => x.add(y).eval({ y: [1] })).message).to.include("missing input: x of type Scalar(float64, shape=())");
  });
});

describe("errors: at run time", () => {
  it("mismatching dynamic shapes throw naming the op and the shapes", () => {
    const a = pt.vector("a");
    const b = pt.vector("b");
    const f = pt.fn([a, b], a.add(b));
    expect(thrown(() => f([1, 2], [1, 2, 3])).message).to.equal("Add: shapes do not broadcast: a (2,) and b (3,)");
    const m = pt.matrix("m");
    expect(
      thrown(() =>
        pt.fn(
          [m],
          m.mul(m.T),
        )([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      ).message,
    ).to.match(/^Mul: .*\(2, 3\).*\(3, 2\)/);
    expect(thrown(() => pt.fn([a, m], pt.dot(m, a))([1, 2], [[1, 2, 3]])).message).to.equal("Dot: shapes (1, 3) and (2,) not aligned: 3 != 2");
    expect(
      thrown(() =>
        pt.fn(
          [m],
          pt.concatenate([m, m.T]),
        )([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      ).message,
    ).to.equal("Join: shapes (2, 3), (3, 2) differ outside axis 0");
    // Static shapes are compared with run-time ones too.
    const s = pt.tensor("s", { shape: [3] });
    expect(thrown(() => pt.fn([s, a], s.sub(a))([1, 2, 3], [1, 2])).message).to.match(/^Sub: .*s \(3,\) and a \(2,\)/);
  });

  it("reshape to an incompatible size at run time names the op and the input", () => {
    const y = pt.vector("y");
    expect(thrown(() => pt.fn([y], y.reshape([2, 2]))([1, 2, 3])).message).to.equal("Reshape: cannot reshape 'y' of shape (3,) into (2, 2)");
    const n = pt.scalar("n", "int64");
    expect(thrown(() => pt.fn([y, n], y.reshape([n, -1]))([1, 2, 3], 2)).message).to.include("Reshape: cannot reshape 'y'");
  });

  it("index out of bounds at run time", () => {
    const y = pt.vector("y");
    const i = pt.vector("i", "int64");
    const take = pt.fn([y, i], y.index(i));
    expect(thrown(() => take([1, 2, 3], [0, 3])).message).to.equal("AdvancedSubtensor1: index 3 is out of bounds for 'y' with 3 rows");
    expect(thrown(() => take([1, 2, 3], [-4])).message).to.include("index -4 is out of bounds");
    expect(thrown(() => pt.fn([y], y.index(5))([1, 2, 3])).message).to.equal("Subtensor: index 5 is out of bounds for axis 0 with size 3");
    const k = pt.scalar("k", "int64");
    expect(thrown(() => pt.fn([y, k], y.index(k))([1, 2, 3], 7)).message).to.include("index 7 is out of bounds");
  });
});

describe("errors: bad values given to a compiled function", () => {
  const x = pt.scalar("x");
  const y = pt.vector("y");
  const m = pt.matrix("m");
  const k = pt.scalar("k", "int64");
  const f = pt.fn([x, y], x.add(y));

  it("a missing input", () => {
    expect(thrown(() => f({ x: 1 })).message).to.equal("input 'y': missing value; expected a float64 array of shape (?,)");
    expect(thrown(() => f(undefined, [1])).message).to.equal("input 'x': missing value; expected a float64 scalar");
    expect(thrown(() => f(null, [1])).message).to.include("input 'x': missing value");
  });

  it("an unknown input name", () => {
    expect(thrown(() => f({ x: 1, y: [1], z: 2 })).message).to.equal("unknown input 'z'; the inputs are 'x', 'y'");
  });

  it("the wrong number of positional arguments", () => {
    expect(thrown(() => f(1)).message).to.equal("expected 2 input(s) ('x', 'y'), got 1");
    expect(thrown(() => f(1, [1], 2)).message).to.equal("expected 2 input(s) ('x', 'y'), got 3");
  });

  it("the wrong rank or a shape that contradicts a static shape", () => {
    expect(thrown(() => f(1, [[1, 2]])).message).to.equal("input 'y': got rank 2 (shape (1, 2)); expected a float64 array of shape (?,)");
    expect(thrown(() => f([1], [1])).message).to.equal("input 'x': got rank 1 (shape (1,)); expected a float64 scalar");
    expect(thrown(() => pt.fn([m], m)(new Float64Array([1, 2]))).message).to.include("input 'm': got rank 1");
    const t = pt.tensor("t", { shape: [3] });
    expect(thrown(() => pt.fn([t], t.exp())([1, 2])).message).to.equal("input 't': got shape (2,); expected a float64 array of shape (3,)");
  });

  it("a ragged nested array", () => {
    const g = pt.fn([m], m.sum());
    expect(thrown(() => g([[1, 2], [3]])).message).to.equal("input 'm': got a ragged nested array; expected a float64 array of shape (?, ?)");
    expect(thrown(() => g([[1, 2], 3])).message).to.include("input 'm': got a ragged nested array");
  });

  it("a string (or other non-number) instead of a number", () => {
    expect(thrown(() => f("1", [1])).message).to.equal("input 'x': got a string; expected a float64 scalar");
    expect(thrown(() => f(1, [1, "2"])).message).to.equal("input 'y': got a non-number entry \"2\" at [1]; expected a float64 array of shape (?,)");
    expect(thrown(() => f({ a: 1 } as any, [1])).message).to.include("input 'x': got an object");
    expect(thrown(() => f(1, { shape: [2], data: [1, "x"] })).message).to.include("input 'y': got a non-number entry \"x\"");
  });

  it("a non-integer for an int64 input, a non-boolean for a bool input", () => {
    const g = pt.fn([k], k.add(1));
    expect(thrown(() => g(1.5)).message).to.equal("input 'k': entry 0 is 1.5, not an integer; expected an int64 scalar");
    expect(thrown(() => g(NaN)).message).to.include("not an integer");
    const iv = pt.vector("iv", "int64");
    expect(thrown(() => pt.fn([iv], iv)([1, 2.5])).message).to.equal("input 'iv': entry 1 is 2.5, not an integer; expected an int64 array of shape (?,)");
    const bl = pt.vector("bl", "bool");
    expect(thrown(() => pt.fn([bl], bl)([1, 2])).message).to.include("input 'bl': entry 1 is 2, not a boolean; expected a bool array");
    expect(g(3)).to.equal(4);
  });

  it("an NDArray whose data does not fit its shape", () => {
    expect(thrown(() => f(1, { shape: [3], data: [1, 2] })).message).to.equal(
      "input 'y': got an array of shape (3,) holding 2 values; expected a float64 array of shape (?,)",
    );
    expect(thrown(() => f(1, { shape: [1.5], data: [1, 2] })).message).to.include("input 'y': got an array with shape [1.5]");
    expect(thrown(() => f(1, { shape: [-1], data: [] })).message).to.include("input 'y'");
  });

  it("each error names the input by position when it has no name", () => {
    const anon = pt.vector();
    expect(thrown(() => pt.fn([anon], anon.sum())([[1]])).message).to.include("input 'input 0': got rank 2");
  });
});
