// Elementwise fusion: one Composite loop per iteration space, sums accumulated in the loop,
// and the same values as the unfused graph.
import { expect } from "chai";
import fc from "fast-check";
import { pt, type NDArray, type Variable } from "../compiler/index.js";
import { toposort } from "../compiler/graph/traversal.js";
import { Composite } from "../compiler/ops/composite.js";
import { second } from "../compiler/ops/elemwise.js";
import { fuseElemwise } from "../compiler/rewrite/fuse.js";
import { rewrite } from "../compiler/rewrite/pattern.js";
import { hotForms } from "../compiler/rewrite/specialize.js";
import { expectClose } from "./helpers/golden.js";

const opNames = (f: { dprintGraph: { order: readonly { op: unknown }[] } }) => f.dprintGraph.order.map((n) => String(n.op));

describe("fusion into Composite", () => {
  const x = pt.vector("x");
  const y = pt.vector("y");
  const s = pt.scalar("s");

  it("a chain of elementwise ops over vectors becomes one Composite, printed with its expression", () => {
    const out = pt.exp(pt.mul(pt.add(x, y), s));
    const f = pt.fn([x, y, s], out, { fuse: true });
    expect(opNames(f)).to.deep.equal(["Composite{exp(((i0 + i1) * i2))}"]);
    expect(pt.dprint(f)).to.contain("Composite{exp(((i0 + i1) * i2))} [id A] 0");
    expectClose(f([1, 2], [0.5, -1], 2).data, [Math.exp(3), Math.exp(2)], 1e-15);
  });

  it("a full sum of an elementwise expression accumulates in the loop (no array stored)", () => {
    const f = pt.fn([x, s], pt.sum(pt.square(pt.sub(x, s))), { fuse: true });
    expect(opNames(f)).to.deep.equal(["Sum{Composite{sqr((i0 - i1))}, axes=None}"]);
    expect(f.source).to.not.contain("rt.empty");
    expectClose(f([1, 2, 4], 1), 0 + 1 + 9, 1e-15);
  });

  it("siblings over one space share a loop with several outputs; an intermediate used only inside is not stored", () => {
    const z = pt.add(x, y);
    const f = pt.fn([x, y], [pt.exp(z), pt.log(z)], { fuse: true });
    expect(opNames(f)).to.deep.equal(["Composite{exp((i0 + i1)), log((i0 + i1))}"]);
    expect(f.dprintGraph.order[0].outputs.length).to.equal(2);
    const [a, b] = f([1, 2], [1, 1]);
    expectClose(a.data, [Math.exp(2), Math.exp(3)], 1e-15);
    expectClose(b.data, [Math.log(2), Math.log(3)], 1e-15);
  });

  it("a loop stores and sums in one pass; a single op alone is not fused", () => {
    const r = pt.sub(x, y);
    const f = pt.fn([x, y], [pt.sum(pt.square(r)), pt.mul(r, 2)], { fuse: true });
    expect(opNames(f)).to.deep.equal(["Composite{sum(sqr((i0 - i1))), ((i0 - i1) * i2)}"]);
    const [ss, twice] = f([3, 1], [1, 1]);
    expectClose(ss, 4, 1e-15);
    expectClose(twice.data, [4, 0], 1e-15);
    expect(opNames(pt.fn([x], pt.exp(x), { fuse: true }))).to.deep.equal(["Exp"]);
  });

  it("a loop never reads a value computed from its own sums: the dependent part starts a new loop", () => {
    const total = pt.sum(pt.exp(x));
    const f = pt.fn([x], pt.sum(pt.exp(pt.sub(x, total))), { fuse: true });
    expect(opNames(f).filter((n) => n.startsWith("Sum{") || n.startsWith("Composite")).length).to.equal(2);
    const xs = [0.1, 0.7, -2];
    const t = xs.reduce((a, v) => a + Math.exp(v), 0);
    expectClose(
      f(xs),
      xs.reduce((a, v) => a + Math.exp(v - t), 0),
      1e-15,
    );
  });

  it("broadcasts matrices against rows and columns inside the loop", () => {
    const m = pt.matrix("m");
    const col = pt.tensor("col", { shape: [null, 1] });
    const row = pt.tensor("row", { shape: [1, null] });
    const f = pt.fn([m, col, row], pt.mul(pt.add(m, col), row), { fuse: true });
    expect(opNames(f)).to.deep.equal(["Composite{((i0 + i1) * i2)}"]);
    const r = f(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [[10], [20]],
      [[1, 2, 3]],
    );
    expect(r.toArray()).to.deep.equal([
      [11, 24, 39],
      [24, 50, 78],
    ]);
    expect(() => f([[1, 2, 3]], [[1], [2]], [[1, 2, 3]])).to.throw(/shapes/);
  });

  it("fused and unfused graphs compute the same values (property)", () => {
    type E = (a: any, b: any, c: any) => any;
    const unary: ((v: any) => any)[] = [pt.exp, pt.tanh, pt.sigmoid, pt.neg, pt.square, pt.sin];
    const binary: ((a: any, b: any) => any)[] = [pt.add, pt.sub, pt.mul, pt.maximum];
    const expr = fc.letrec<{ e: E }>((tie) => ({
      e: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.constantFrom<E>(
          (a) => a,
          (_, b) => b,
          (_, __, c) => c,
        ),
        fc.tuple(fc.constantFrom(...unary), tie("e")).map(
          ([u, e]): E =>
            (a, b, c) =>
              u(e(a, b, c)),
        ),
        fc.tuple(fc.constantFrom(...binary), tie("e"), tie("e")).map(
          ([op, l, r]): E =>
            (a, b, c) =>
              op(l(a, b, c), r(a, b, c)),
        ),
      ),
    })).e;
    fc.assert(
      fc.property(expr, fc.boolean(), (e, summed) => {
        let out = e(x, y, s);
        if (out.ndim === 0) out = pt.add(out, x);
        if (summed) out = pt.sum(out);
        const fused = pt.fn([x, y, s], out, { fuse: true });
        const plain = pt.fn([x, y, s], out, { rewrite: false });
        const args = [[0.3, -1.2, 2], [1.5, 0.1, -0.7], 0.4] as const;
        const a = fused(...args);
        const b = plain(...args);
        expectClose(typeof a === "number" ? a : a.data, typeof b === "number" ? b : b.data, 1e-12);
      }),
      { numRuns: 60 },
    );
  });
});

describe("sums of scatters (a gradient of gathers): one chain, one buffer, one loop", () => {
  const a = pt.scalar("a");
  const v = pt.tensor("v", { shape: [6] });
  const zeros = () => second(v, pt.constant(0.0));
  const scatterTerm = fc.record({
    idx: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 5 }),
    scaled: fc.boolean(),
    negative: fc.boolean(),
  });

  it("serialized and fused, they compute what the plain graph computes (property)", () => {
    fc.assert(
      fc.property(fc.array(scatterTerm, { minLength: 1, maxLength: 3 }), fc.boolean(), (parts, withRest) => {
        let out: Variable | null = withRest ? pt.sin(v) : null;
        parts.forEach(({ idx, scaled, negative }, k) => {
          const values = pt.cos(pt.mul(a, pt.constant(idx.map((_, j) => j + k + 1))));
          let term = pt.incSubtensor(zeros(), pt.constant(idx, null, "int64"), values);
          if (scaled) term = pt.mul(term, pt.exp(a));
          out = out === null ? term : negative ? pt.sub(out, term) : pt.add(out, term);
        });
        const [rewritten] = rewrite([out!], hotForms[2]);
        const [fused] = fuseElemwise([rewritten]);
        const args = [0.7, [0.5, -1, 2, 0.25, 3, -0.5]] as const;
        const want = pt.fn([a, v], out!, { rewrite: false })(...args) as NDArray;
        const got = pt.fn([a, v], fused, { rewrite: false })(...args) as NDArray;
        expectClose(got.data, want.data, 1e-14);
      }),
      { numRuns: 80 },
    );
  });

  it("two scatters and another term: one Composite writes both scatters into the other term's copy", () => {
    const values = pt.cos(pt.mul(a, pt.constant([1, 2, 3])));
    const out = pt.add(
      pt.add(
        pt.mul(pt.incSubtensor(zeros(), pt.constant([0, 1, 1], null, "int64"), values), pt.exp(a)),
        pt.incSubtensor(zeros(), pt.constant([2, 3, 4], null, "int64"), values),
      ),
      pt.sin(v),
    );
    const [fused] = fuseElemwise(rewrite([out], hotForms[2]));
    const loops = toposort([fused]).filter((n) => n.op instanceof Composite);
    expect(loops.map((n) => String(n.op))).to.deep.equal(["Composite{scatter(i3, i4, (cos((i0 * i1)) * i2), i5, cos((i0 * i1)))}"]);
  });
});

describe("dprint of fused graphs", () => {
  it("lists each Composite's inner graph under 'Inner graphs:', as PyTensor does", () => {
    const x = pt.vector("x");
    const y = pt.vector("y");
    const z = pt.add(x, y);
    const f = pt.fn([x, y], [pt.sum(pt.exp(z)), pt.mul(z, z)], { fuse: true });
    expect(pt.dprint(f)).to.equal(
      [
        "Composite{sum(exp((i0 + i1))), sqr((i0 + i1))}.0 [id A] 0",
        " ├─ x [id B]",
        " └─ y [id C]",
        "Composite{sum(exp((i0 + i1))), sqr((i0 + i1))}.1 [id A] 0",
        " └─ ···",
        "",
        "Inner graphs:",
        "",
        "Composite{sum(exp((i0 + i1))), sqr((i0 + i1))} [id A]",
        " ← exp [id D] 'o0'",
        "    └─ add [id E]",
        "       ├─ i0 [id F]",
        "       └─ i1 [id G]",
        " ← sqr [id H] 'o1'",
        "    └─ add [id E]",
        "       └─ ···",
      ].join("\n"),
    );
  });
});

describe("fusion of matrix–vector products into the row loop", () => {
  const X = pt.matrix("X");
  const b = pt.vector("b");
  const y = pt.vector("y");
  const r = pt.sub(y, pt.dot(X, b));
  const cost = pt.mul(-0.5, pt.sum(pt.square(r)));
  const [gb] = pt.grad(cost, [b]);
  const Xv = [
    [1, 0.5, -1],
    [0.3, 2, 0],
    [-1, 1, 1],
    [0.2, 0.1, 0.4],
  ];
  const yv = [1, -2, 0.5, 3];
  const bv = [0.3, -0.2, 0.9];

  it("the product, the residuals, the sum and transpose(X)·g run in one loop over the rows", () => {
    const f = pt.fn([X, b, y], [cost, gb], { fuse: true });
    const names = f.dprintGraph.order.map((n) => String(n.op));
    const loops = names.filter((n) => n.startsWith("Composite") || n.startsWith("Sum{"));
    expect(loops.length, names.join("\n")).to.equal(1);
    expect(loops[0]).to.contain("rowdot(").and.to.contain("rowacc(");
    expect(names).to.not.include("Dot").and.to.not.include("DotTransposed");
  });

  it("computes what the unfused graph computes, with static and unknown shapes", () => {
    const plain = pt.fn([X, b, y], [cost, gb], { rewrite: false });
    const [c0, g0] = plain(Xv, bv, yv);
    for (const [Xs, bs, ys] of [
      [pt.matrix("X"), pt.vector("b"), pt.vector("y")],
      [pt.tensor("X", { shape: [4, 3] }), pt.tensor("b", { shape: [3] }), pt.tensor("y", { shape: [4] })],
    ]) {
      const rr = pt.sub(ys, pt.dot(Xs, bs));
      const cc = pt.mul(-0.5, pt.sum(pt.square(rr)));
      const [gg] = pt.grad(cc, [bs]);
      const [c1, g1] = pt.fn([Xs, bs, ys], [cc, gg], { fuse: true })(Xv, bv, yv);
      expectClose(c1, c0, 1e-14);
      expectClose(g1.data, g0.data, 1e-14);
    }
  });

  it("rows that do not match the loop are an error naming the op", () => {
    const f = pt.fn([X, b, y], [cost, gb], { fuse: true });
    expect(() => f(Xv, bv, [1, 2, 3])).to.throw(/shapes/);
    expect(() => f(Xv, [1, 2], yv)).to.throw();
  });
});

describe("fusion of gathers and scatters into the loop", () => {
  it("a[idx] and its gradient (a scatter-add) run inside the loop over idx, with repeated indices", () => {
    const a = pt.vector("a");
    const w = pt.vector("w");
    const idx = pt.vector("idx", "int64");
    const cost = pt.sum(pt.square(pt.sub(w, pt.index(a, idx))));
    const [ga] = pt.grad(cost, [a]);
    const fused = pt.fn([a, w, idx], [cost, ga], { fuse: true });
    const names = fused.dprintGraph.order.map((n) => String(n.op));
    expect(names).to.not.include("AdvancedSubtensor1");
    expect(names).to.not.include("AdvancedIncSubtensor1{inc}");
    const plain = pt.fn([a, w, idx], [cost, ga], { rewrite: false });
    const args = [
      [0.5, -1, 2],
      [1, 2, 3, 4, 5],
      [0, 2, 2, -1, 1],
    ] as const;
    const [c1, g1] = fused(...args);
    const [c0, g0] = plain(...args);
    expectClose(c1, c0, 1e-14);
    expectClose(g1.data, g0.data, 1e-14);
    expect(() => fused([0.5, -1, 2], [1, 2, 3, 4, 5], [0, 2, 7, -1, 1])).to.throw(/out of bounds/);
  });
});
