// pt.linalg: values against NumPy/SciPy (test/reference/gen_linalg.py writes linalg.json), gradients
// against central finite differences, the printed names, the errors, and a model that uses them
// compiled in process and ahead of time.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pt, model, Normal, Potential, NDArray, type Variable } from "../compiler/index.js";
import { compileInline, expectSameModel, root, type ModelLike } from "./helpers/aot.js";
import { expectGradMatchesFD } from "./helpers/fd-graph.js";
import { finiteDiffGrad } from "./helpers/fd.js";
import { thrown } from "./helpers/thrown.js";

type Matrix = number[][];
interface LinalgCase {
  op: "solve" | "solveTriangular" | "det" | "slogdet" | "inv" | "cholesky";
  name: string;
  a: Matrix;
  b?: number[] | Matrix;
  lower?: boolean;
  trans?: 0 | 1;
  out: number | number[] | Matrix;
}

const REF = JSON.parse(readFileSync(join(root, "test", "reference", "linalg.json"), "utf8")) as { linalg: LinalgCase[] };

const plain = (v: unknown): unknown => (v instanceof NDArray ? v.toArray() : Array.isArray(v) ? v.map(plain) : v);

function expectClose(actual: unknown, expected: unknown, what: string): void {
  if (typeof expected === "number") {
    expect(actual, what).to.be.a("number");
    expect(actual as number, what).to.be.closeTo(expected, 1e-12 * Math.max(1, Math.abs(expected)));
    return;
  }
  expect(Array.isArray(actual), what).to.equal(true);
  const e = expected as unknown[];
  expect((actual as unknown[]).length, what).to.equal(e.length);
  e.forEach((x, i) => expectClose((actual as unknown[])[i], x, `${what}[${i}]`));
}

function build(c: LinalgCase, a: Variable, b: Variable): Variable | Variable[] {
  switch (c.op) {
    case "solve":
      return pt.linalg.solve(a, b);
    case "solveTriangular":
      return pt.linalg.solveTriangular(a, b, { lower: c.lower, trans: c.trans });
    case "det":
      return pt.linalg.det(a);
    case "slogdet":
      return pt.linalg.slogdet(a);
    case "inv":
      return pt.linalg.inv(a);
    case "cholesky":
      return pt.linalg.cholesky(a);
  }
}

const A3 = [
  [4, -2, 1],
  [3, 6, -4],
  [2, 1, 8],
];
const B32 = [
  [1, 0.5],
  [-2, 1.5],
  [0.5, -0.25],
];
const b3 = [1, -2, 0.5];

describe("pt.linalg: values against NumPy and SciPy", () => {
  it("has the reference cases", () => {
    const ops = new Set(REF.linalg.map((c) => c.op));
    expect([...ops].sort()).to.deep.equal(["cholesky", "det", "inv", "slogdet", "solve", "solveTriangular"]);
    expect(
      REF.linalg.some((c) => c.op === "slogdet" && (c.out as number[])[0] === -1),
      "a negative determinant",
    ).to.equal(true);
  });

  for (const c of REF.linalg) {
    const opts = c.op === "solveTriangular" ? ` lower=${c.lower} trans=${c.trans}` : "";
    it(`${c.op}(${c.name})${opts}`, () => {
      const a = pt.matrix("a");
      const b = Array.isArray(c.b?.[0]) ? pt.matrix("b") : pt.vector("b");
      const out = build(c, a, b);
      const f = pt.fn(c.b ? [a, b] : [a], out);
      const got = plain(c.b ? f(c.a, c.b) : f(c.a));
      expectClose(got, c.out, `${c.op}(${c.name})`);
    });
  }

  it("solveTriangular reads only its triangle (lower by option, upper by default, as SciPy)", () => {
    const a = pt.matrix("a");
    const b = pt.vector("b");
    const f = pt.fn([a, b], [pt.linalg.solveTriangular(a, b), pt.linalg.solveTriangular(a, b, { lower: true })]);
    const [upper, lower] = f(A3, b3) as NDArray[];
    const triu = A3.map((r, i) => r.map((v, j) => (j >= i ? v : 0)));
    const tril = A3.map((r, i) => r.map((v, j) => (j <= i ? v : 0)));
    expectClose(plain(pt.fn([a, b], pt.linalg.solve(a, b))(triu, b3)), plain(upper), "upper");
    expectClose(plain(pt.fn([a, b], pt.linalg.solve(a, b))(tril, b3)), plain(lower), "lower");
  });

  it("a singular matrix: det 0, slogdet [0, -inf]", () => {
    const a = pt.matrix("a");
    const [d, s, l] = pt.fn(
      [a],
      [pt.linalg.det(a), ...pt.linalg.slogdet(a)],
    )([
      [1, 2],
      [2, 4],
    ]) as number[];
    expect(d).to.equal(0);
    expect([s, l]).to.deep.equal([0, -Infinity]);
  });
});

describe("pt.linalg: gradients against finite differences", () => {
  const S3 = [
    [2.5, 0.4, -0.3],
    [0.4, 1.8, 0.2],
    [-0.3, 0.2, 3.1],
  ];
  const N3 = [
    [1.5, -1, 0.5],
    [0, 2, 1],
    [2, 0.3, -3],
  ];
  it("solve with a vector and a matrix right-hand side", () => {
    expectGradMatchesFD((a, b) => pt.linalg.solve(a, b), [A3, b3]);
    expectGradMatchesFD((a, b) => pt.linalg.solve(a, b), [N3, B32]);
  });
  for (const lower of [true, false]) {
    for (const trans of [false, true]) {
      it(`solveTriangular lower=${lower} trans=${trans}, vector and matrix right-hand sides`, () => {
        expectGradMatchesFD((a, b) => pt.linalg.solveTriangular(a, b, { lower, trans }), [A3, b3]);
        expectGradMatchesFD((a, b) => pt.linalg.solveTriangular(a, b, { lower, trans }), [A3, B32]);
      });
    }
  }
  it("det, of a positive and of a negative determinant", () => {
    expectGradMatchesFD((a) => pt.linalg.det(a), [A3]);
    expectGradMatchesFD((a) => pt.linalg.det(a), [N3]);
  });
  it("slogdet: log|det| (the sign has no gradient), of a positive and of a negative determinant", () => {
    expectGradMatchesFD((a) => pt.linalg.slogdet(a)[1], [A3]);
    expectGradMatchesFD((a) => pt.linalg.slogdet(a)[1], [N3]);
    expectGradMatchesFD((a) => pt.mul(pt.linalg.slogdet(a)[0], pt.exp(pt.linalg.slogdet(a)[1])), [N3]);
  });
  it("inv", () => {
    expectGradMatchesFD((a) => pt.linalg.inv(a), [A3]);
    expectGradMatchesFD((a) => pt.linalg.inv(a), [S3]);
  });
  it("cholesky, lower and upper, of a symmetric positive definite M M^T + 2 I", () => {
    const spd = (m: Variable) => pt.add(pt.dot(m, pt.transpose(m)), pt.constant([2, 2, 2].map((v, i) => [0, 1, 2].map((j) => (i === j ? v : 0)))));
    expectGradMatchesFD((m) => pt.linalg.cholesky(spd(m)), [A3.map((r) => r.map((v) => v / 4))]);
    expectGradMatchesFD((m) => pt.linalg.cholesky(spd(m), { lower: false }), [A3.map((r) => r.map((v) => v / 4))]);
  });
});

describe("pt.linalg: printed names and errors", () => {
  it("prints PyTensor's op names", () => {
    const a = pt.matrix("a");
    const b = pt.vector("b");
    const text = pt.dprint([
      pt.linalg.det(a),
      pt.linalg.slogdet(a)[1],
      pt.linalg.inv(a),
      pt.linalg.solve(a, b),
      pt.linalg.solveTriangular(a, b),
      pt.linalg.cholesky(a),
    ]);
    for (const name of [
      "Det [id",
      "SLogDet",
      "MatrixInverse [id",
      "Solve{assume_a='gen', lower=False, check_finite=False, b_ndim=1}",
      "SolveTriangular{trans=0, unit_diagonal=False, lower=False",
      "Cholesky{lower=True",
    ]) {
      expect(text).to.include(name);
    }
  });

  it("a non-square matrix, known when the graph is built: the op and what it expected", () => {
    const a = pt.tensor("a", { shape: [2, 3] });
    expect(thrown(() => pt.linalg.det(a)).message).to.equal("Det: expected a square matrix, got shape (2, 3)");
    expect(thrown(() => pt.linalg.inv(a)).message).to.equal("MatrixInverse: expected a square matrix, got shape (2, 3)");
    expect(thrown(() => pt.linalg.solve(a, pt.vector("b"))).message).to.equal("Solve: expected a square matrix, got shape (2, 3)");
    expect(thrown(() => pt.linalg.slogdet(a)).message).to.equal("SLogDet: expected a square matrix, got shape (2, 3)");
  });

  it("a non-square matrix found at run time", () => {
    const a = pt.matrix("a");
    const rect = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    expect(thrown(() => pt.fn([a], pt.linalg.det(a))(rect)).message).to.equal("Det: expected a square matrix, got shape (2, 3)");
    expect(thrown(() => pt.fn([a], pt.linalg.inv(a))(rect)).message).to.equal("MatrixInverse: expected a square matrix, got shape (2, 3)");
    const b = pt.vector("b");
    expect(thrown(() => pt.fn([a, b], pt.linalg.solve(a, b))(rect, [1, 2])).message).to.equal("Solve: expected a square matrix, got shape (2, 3)");
    expect(thrown(() => pt.fn([a, b], pt.linalg.solve(a, b))(A3, [1, 2])).message).to.equal(
      "Solve: matrix of shape (3, 3) and right-hand side of shape (2,) do not fit",
    );
  });

  it("a 3-d input (no batch dimensions) and a right-hand side that does not fit", () => {
    const t = pt.tensor("t", { shape: [null, null, null] });
    for (const [what, f] of [
      ["Det", () => pt.linalg.det(t)],
      ["SLogDet", () => pt.linalg.slogdet(t)],
      ["MatrixInverse", () => pt.linalg.inv(t)],
      ["Solve", () => pt.linalg.solve(t, pt.vector("b"))],
      ["SolveTriangular", () => pt.linalg.solveTriangular(t, pt.vector("b"))],
      ["Cholesky", () => pt.linalg.cholesky(t)],
    ] as const) {
      expect(thrown(f).message, what).to.match(new RegExp(`^${what}: expected a matrix \\(2-d; batched inputs are not supported\\), got Tensor3`));
    }
    const a = pt.tensor("a", { shape: [3, 3] });
    expect(thrown(() => pt.linalg.solve(a, t)).message).to.match(/^Solve: the right-hand side must be a vector or a matrix, got Tensor3/);
    expect(thrown(() => pt.linalg.solve(a, pt.tensor("b", { shape: [2] }))).message).to.equal(
      "Solve: matrix of shape (3, 3) and right-hand side of shape (2,) do not fit",
    );
  });
});

// A model using setSubtensor, incSubtensor and the linear algebra: the same numbers in process and
// ahead of time, and a gradient that agrees with finite differences.
const SOURCE = `() => {
  const x = Normal("x", 0, 1, { shape: [3] });
  const base = pt.constant([[3, 0.5, 0], [0.2, 4, 0.1], [0, 0.3, 5]]);
  const m = pt.incSubtensor(pt.setSubtensor(base, 0, pt.add(x, 1)), { start: 1 }, pt.exp(pt.index(x, 2)));
  const [, logabsdet] = pt.linalg.slogdet(m);
  const z = pt.linalg.solve(m, x);
  Potential("p", pt.add(logabsdet, pt.add(pt.sum(pt.mul(z, x)), pt.linalg.det(pt.linalg.inv(m)))));
}`;

describe("pt.linalg in a model", () => {
  it("compiles in process and ahead of time to the same numbers", async () => {
    const builder = new Function("pt", "Normal", "Potential", `return ${SOURCE};`)(pt, Normal, Potential) as () => void;
    const inProcess = model("linalgModel", builder);
    const compiled = await compileInline<ModelLike>(`import { model, Normal, Potential, pt } from "tsmc";`, { linalgModel: SOURCE }, "inline-linalg");
    expectSameModel(compiled.linalgModel, inProcess as unknown as ModelLike, "linalgModel");
    // and its gradient is the derivative of its logp
    const x0 = Float64Array.from([0.3, -0.2, 0.5]);
    const g = new Float64Array(3);
    expect(Number.isFinite(inProcess.flat.logpGrad(x0, g))).to.equal(true);
    const fd = finiteDiffGrad((x) => inProcess.flat.logp(x), x0);
    g.forEach((v, i) => expect(v).to.be.closeTo(fd[i], 1e-6 * Math.max(1, Math.abs(fd[i]))));
  });
});
