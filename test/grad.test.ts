// Reverse-mode gradients of every differentiable op against central finite differences, over
// random inputs in each op's domain (fast-check). The cost is sum(out * w) for a fixed,
// uneven cotangent w, so every output entry is weighted differently.
import { expect } from "chai";
import fc from "fast-check";
import { pt, NDArray, type Variable } from "../compiler/index.js";

const RUNS = 25;

interface InputSpec {
  name: string;
  /** Static shape of the graph input (null = unknown). */
  type: (number | null)[];
  /** Shape of the values generated. */
  dims: number[];
  min: number;
  max: number;
}

interface GradCase {
  name: string;
  inputs: InputSpec[];
  build: (...v: Variable[]) => Variable;
  /** Keep samples away from kinks (abs at 0, ties of max, clip bounds). */
  pre?: (values: number[][]) => boolean;
  /** Integer inputs (not differentiated): [variable factory, value]. */
  extra?: { v: Variable; value: unknown }[];
}

const sizeOf = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const value = (dims: number[], data: number[]) => (dims.length === 0 ? data[0] : new NDArray([...dims], Float64Array.from(data)));
const cotangent = (shape: number[]) => {
  const data = Array.from({ length: sizeOf(shape) }, (_, i) => 0.3 + Math.sin(1.7 * i + 0.4));
  return shape.length === 0 ? data[0] : new NDArray([...shape], Float64Array.from(data));
};
const dataOf = (v: number | NDArray) => (typeof v === "number" ? [v] : Array.from(v.data));

/**
 * Evenly spread values in [min, max]. (fc.double favours edge values such as 0 and the bounds,
 * which are exactly the kinks a finite difference cannot cross.)
 */
const uniform = (min: number, max: number) => fc.noBias(fc.integer({ min: 0, max: 1_000_000 })).map((i) => min + ((max - min) * i) / 1_000_000);

/** min over pairs of |a - b| (for ops with kinks at ties). */
const minGap = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  let g = Infinity;
  for (let i = 1; i < s.length; i++) g = Math.min(g, s[i] - s[i - 1]);
  return g;
};

function checkGradient(c: GradCase): void {
  const vars = c.inputs.map((s) => pt.tensor(s.name, { shape: s.type }));
  const extraVars = (c.extra ?? []).map((e) => e.v);
  const extraValues = (c.extra ?? []).map((e) => e.value);
  const out = c.build(...vars);
  const w = pt.tensor("w", { shape: out.type.shape.map(() => null) });
  const cost = out.ndim === 0 ? out.mul(w) : pt.sum(out.mul(w));
  const all = [...vars, ...extraVars, w];
  const fOut = pt.fn([...vars, ...extraVars], out);
  const fCost = pt.fn(all, cost);
  const grads = pt.grad(cost, vars);
  grads.forEach((g, k) => expect(g.ndim, `rank of d/d${c.inputs[k].name}`).to.equal(vars[k].ndim));
  const fGrad = pt.fn(all, grads);

  const arbs = c.inputs.map((s) => fc.array(uniform(s.min, s.max), { minLength: sizeOf(s.dims), maxLength: sizeOf(s.dims) }));
  fc.assert(
    fc.property(fc.tuple(...arbs), (raw) => {
      const values = raw as number[][];
      fc.pre(!c.pre || c.pre(values));
      const args = values.map((d, k) => value(c.inputs[k].dims, d));
      const o = fOut(...args, ...extraValues);
      const wv = cotangent(typeof o === "number" ? [] : o.shape);
      const analytic = (fGrad(...args, ...extraValues, wv) as (number | NDArray)[]).map(dataOf);
      values.forEach((d, k) => {
        expect(analytic[k].length, `size of d/d${c.inputs[k].name}`).to.equal(d.length);
        d.forEach((x, j) => {
          const h = 1e-5 * Math.max(1, Math.abs(x));
          const at = (delta: number) => {
            const moved = args.slice();
            const dd = d.slice();
            dd[j] = x + delta;
            moved[k] = value(c.inputs[k].dims, dd);
            return fCost(...moved, ...extraValues, wv) as number;
          };
          const fd = (at(h) - at(-h)) / (2 * h);
          const g = analytic[k][j];
          const tol = 1e-6 + 1e-5 * Math.max(Math.abs(g), Math.abs(fd));
          expect(Math.abs(g - fd) <= tol, `${c.name}: d/d${c.inputs[k].name}[${j}] at ${JSON.stringify(values)}: analytic ${g}, numeric ${fd}`).to.equal(true);
        });
      });
    }),
    { numRuns: RUNS, seed: 20240601 },
  );
}

const m23 = (name: string, min = -3, max = 3): InputSpec => ({ name, type: [null, null], dims: [2, 3], min, max });
const vec = (name: string, n: number, min = -3, max = 3): InputSpec => ({ name, type: [null], dims: [n], min, max });
const scal = (name: string, min = -3, max = 3): InputSpec => ({ name, type: [], dims: [], min, max });
const t234 = (name: string, min = -2, max = 2): InputSpec => ({ name, type: [null, null, null], dims: [2, 3, 4], min, max });
const awayFrom =
  (k: number, eps = 0.05) =>
  (vs: number[][]) =>
    vs[k].every((x) => Math.abs(x) > eps);

// ---- elementwise ------------------------------------------------------------------------------

const UNARY: [string, (x: Variable) => Variable, number, number, ((vs: number[][]) => boolean)?][] = [
  ["neg", pt.neg, -3, 3],
  ["abs", pt.abs, -3, 3, awayFrom(0)],
  ["exp", pt.exp, -3, 3],
  ["log", pt.log, 0.1, 5],
  ["log1p", pt.log1p, -0.9, 5],
  ["expm1", pt.expm1, -3, 3],
  ["sqrt", pt.sqrt, 0.1, 5],
  ["square", pt.square, -3, 3],
  ["sin", pt.sin, -3, 3],
  ["cos", pt.cos, -3, 3],
  ["tanh", pt.tanh, -3, 3],
  ["sigmoid", pt.sigmoid, -6, 6],
  ["logit", pt.logit, 0.05, 0.95],
  ["softplus", pt.softplus, -6, 6],
  ["erf", pt.erf, -2, 2],
  ["erfc", pt.erfc, -2, 2],
  ["gammaln", pt.gammaln, 0.5, 6],
  ["digamma", pt.digamma, 0.5, 6],
];

describe("grad: elementwise ops against finite differences", () => {
  for (const [name, f, min, max, pre] of UNARY) {
    it(name, () => checkGradient({ name, inputs: [m23("x", min, max)], build: f, pre }));
  }

  const BINARY: [string, (a: Variable, b: Variable) => Variable, InputSpec, InputSpec, ((vs: number[][]) => boolean)?][] = [
    ["add", pt.add, m23("a"), m23("b")],
    ["sub", pt.sub, m23("a"), m23("b")],
    ["mul", pt.mul, m23("a"), m23("b")],
    ["div", pt.div, m23("a"), m23("b", 0.5, 3)],
    ["div (negative divisor)", pt.div, m23("a"), m23("b", -3, -0.5)],
    ["pow", pt.pow, m23("a", 0.5, 3), m23("b", -2, 2)],
    ["maximum", pt.maximum, m23("a"), m23("b"), (vs) => vs[0].every((x, i) => Math.abs(x - vs[1][i]) > 0.05)],
    ["minimum", pt.minimum, m23("a"), m23("b"), (vs) => vs[0].every((x, i) => Math.abs(x - vs[1][i]) > 0.05)],
  ];
  for (const [name, f, a, b, pre] of BINARY) {
    it(name, () => checkGradient({ name, inputs: [a, b], build: f, pre }));
  }

  it("switch (gradient flows to the chosen branch only)", () =>
    checkGradient({
      name: "switch",
      inputs: [m23("a"), m23("b")],
      build: (a, b) => pt.switch(a.gt(0), a.mul(b), pt.sin(b)),
      pre: awayFrom(0),
    }));

  it("clip (with respect to x and to both bounds)", () =>
    checkGradient({
      name: "clip",
      inputs: [m23("x"), scal("lo", -1.5, -0.5), scal("hi", 0.5, 1.5)],
      build: (x, lo, hi) => pt.clip(x, lo, hi),
      pre: (vs) => vs[0].every((x) => Math.abs(x - vs[1][0]) > 0.05 && Math.abs(x - vs[2][0]) > 0.05),
    }));

  it("pow with an integer constant exponent, and a constant base", () => {
    checkGradient({ name: "x**3", inputs: [m23("x")], build: (x) => pt.pow(x, 3) });
    checkGradient({ name: "2**x", inputs: [m23("x")], build: (x) => pt.pow(2, x) });
  });
});

describe("grad: broadcasting sums the gradient back to each input's shape", () => {
  it("(3,1) * (1,4)", () =>
    checkGradient({
      name: "(3,1)*(1,4)",
      inputs: [
        { name: "a", type: [3, 1], dims: [3, 1], min: -2, max: 2 },
        { name: "b", type: [1, 4], dims: [1, 4], min: -2, max: 2 },
      ],
      build: (a, b) => a.mul(b).add(pt.exp(b)),
    }));

  it("scalar with matrix, and vector with matrix", () => {
    checkGradient({ name: "s*m", inputs: [scal("s"), m23("m")], build: (s, m) => pt.mul(s, m).add(s) });
    checkGradient({ name: "v+m", inputs: [vec("v", 3), m23("m")], build: (v, m) => pt.div(m, pt.exp(v)) });
    checkGradient({ name: "m**s", inputs: [m23("m", 0.5, 2), scal("s", -1, 2)], build: (m, s) => pt.pow(m, s) });
  });

  it("an input with a static unit dimension against a dynamic one", () =>
    checkGradient({
      name: "(?,1) - (?,)",
      inputs: [{ name: "c", type: [null, 1], dims: [3, 1], min: -2, max: 2 }, vec("r", 4)],
      build: (c, r) => pt.square(c.sub(r)),
    }));
});

// ---- reductions -------------------------------------------------------------------------------

describe("grad: reductions with axes", () => {
  const AXES: (number | number[] | null)[] = [null, 1, [0, 2], -1];
  for (const axis of AXES) {
    for (const keepdims of [false, true]) {
      const tag = `axis=${JSON.stringify(axis)}${keepdims ? ", keepdims" : ""}`;
      it(`sum, mean, logsumexp over ${tag}`, () => {
        checkGradient({ name: `sum ${tag}`, inputs: [t234("x")], build: (x) => pt.sum(x, axis, keepdims) });
        checkGradient({ name: `mean ${tag}`, inputs: [t234("x")], build: (x) => pt.mean(x, axis, keepdims) });
        checkGradient({ name: `logsumexp ${tag}`, inputs: [t234("x")], build: (x) => pt.logsumexp(x, axis, keepdims) });
      });
    }
    it(`prod, max, min over axis=${JSON.stringify(axis)}`, () => {
      const distinct = (vs: number[][]) => minGap(vs[0]) > 1e-3;
      checkGradient({ name: `prod ${axis}`, inputs: [t234("x", 0.5, 1.5)], build: (x) => pt.prod(x, axis) });
      checkGradient({ name: `prod ${axis} (signs)`, inputs: [t234("x", -1.5, 1.5)], build: (x) => pt.prod(x, axis), pre: awayFrom(0, 0.2) });
      checkGradient({ name: `max ${axis}`, inputs: [t234("x")], build: (x) => pt.max(x, axis), pre: distinct });
      checkGradient({ name: `min ${axis}`, inputs: [t234("x")], build: (x) => pt.min(x, axis, true), pre: distinct });
    });
  }

  it("prod has the product of the other entries as gradient, also at zeros", () => {
    const x = pt.vector("x");
    const g = pt.fn([x], pt.grad(x.prod(), x));
    const others = (v: number[]) => v.map((_, i) => v.reduce((acc, y, j) => (j === i ? acc : acc * y), 1));
    for (const v of [[2, 3, 4], [0, 3, 4], [3, 0, -5], [0, 0, 4], [0, 0, 0], [7]]) {
      expect(Array.from(g(v).data), JSON.stringify(v)).to.deep.equal(others(v).map((y) => y + 0));
    }
    const m = pt.matrix("m");
    const gm = pt.fn([m], pt.grad(m.prod(1).sum(), m));
    expect(
      gm([
        [0, 2],
        [3, 4],
      ]).toArray(),
    ).to.deep.equal([
      [2, 0],
      [4, 3],
    ]);
  });

  it("logsumexp stays finite for large inputs", () => {
    const x = pt.vector("x");
    const g = pt.fn([x], pt.grad(pt.logsumexp(x), x))([1000, 1000, -Infinity]);
    expect(Array.from(g.data)).to.deep.equal([0.5, 0.5, 0]);
  });
});

// ---- linear algebra, structure, indexing -----------------------------------------------------

describe("grad: dot, matmul, structure and indexing", () => {
  it("dot for all four vector/matrix combinations, and matmul", () => {
    checkGradient({ name: "v.v", inputs: [vec("u", 3), vec("v", 3)], build: pt.dot });
    checkGradient({ name: "M.v", inputs: [m23("A"), vec("v", 3)], build: pt.dot });
    checkGradient({ name: "v.M", inputs: [vec("v", 2), m23("A")], build: pt.dot });
    checkGradient({ name: "M.M", inputs: [m23("A"), { name: "B", type: [null, null], dims: [3, 2], min: -3, max: 3 }], build: pt.dot });
    checkGradient({ name: "matmul", inputs: [m23("A"), m23("B")], build: (a, b) => pt.matmul(a, b.T) });
    checkGradient({ name: "M.M^T same input", inputs: [m23("A")], build: (a) => pt.dot(a, a.T) });
  });

  it("index with repeated and negative indices accumulates", () => {
    checkGradient({ name: "index", inputs: [vec("x", 5)], build: (x) => x.index([0, 2, 2, -1, 4, 0]) });
    checkGradient({ name: "index rows", inputs: [m23("m")], build: (m) => m.index([1, 1, -2]) });
    const idx = pt.vector("idx", "int64");
    checkGradient({ name: "symbolic index", inputs: [vec("x", 4)], build: (x) => x.index(idx), extra: [{ v: idx, value: [3, 3, 0, -1] }] });
    const i = pt.scalar("i", "int64");
    checkGradient({ name: "scalar index", inputs: [m23("m")], build: (m) => m.index(i), extra: [{ v: i, value: -1 }] });
    checkGradient({ name: "constant integer", inputs: [vec("x", 4)], build: (x) => x.index(2).mul(x.index(-1)) });
  });

  it("slice, with negative bounds and steps", () => {
    checkGradient({ name: "slice -1:0:-2", inputs: [vec("x", 6)], build: (x) => x.slice(-1, 0, -2) });
    checkGradient({ name: "slice 1:4", inputs: [vec("x", 6)], build: (x) => x.slice(1, 4).mul(x.slice(-3)) });
    checkGradient({ name: "slice rows", inputs: [m23("m")], build: (m) => m.slice(null, null, -1) });
  });

  it("reshape, transpose", () => {
    checkGradient({
      name: "reshape",
      inputs: [vec("x", 6)],
      build: (x) =>
        x.reshape([2, -1]).mul(
          pt.constant([
            [1, 2, 3],
            [4, 5, 6],
          ]),
        ),
    });
    checkGradient({ name: "reshape matrix", inputs: [m23("m")], build: (m) => m.reshape([-1]).exp() });
    checkGradient({
      name: "transpose",
      inputs: [m23("m")],
      build: (m) =>
        m.T.mul(
          pt.constant([
            [1, 2],
            [3, 4],
            [5, 6],
          ]),
        ),
    });
    checkGradient({ name: "transpose 3-D", inputs: [t234("t")], build: (t) => t.transpose([2, 0, 1]).sin() });
  });

  it("concatenate along axis 0 and 1, stack of scalars and of vectors", () => {
    checkGradient({ name: "concat 0", inputs: [vec("a", 2), vec("b", 3)], build: (a, b) => pt.concatenate([a, b, a.mul(b.index(0))]) });
    checkGradient({
      name: "concat 1",
      inputs: [m23("a"), { name: "b", type: [null, null], dims: [2, 1], min: -2, max: 2 }],
      build: (a, b) => pt.concatenate([a, b], 1),
    });
    checkGradient({ name: "stack scalars", inputs: [scal("a"), scal("b")], build: (a, b) => pt.stack([a, b, a.mul(b)]) });
    checkGradient({ name: "stack vectors", inputs: [vec("a", 3), vec("b", 3)], build: (a, b) => pt.stack([a, b.exp()], 1) });
  });
});

// ---- composite and second order --------------------------------------------------------------

describe("grad: composite expressions", () => {
  it("a normal log-density with a gamma prior term", () =>
    checkGradient({
      name: "normal logp",
      inputs: [vec("x", 4), scal("mu"), scal("logSigma", -1, 1)],
      build: (x, mu, logSigma) => {
        const sigma = pt.exp(logSigma);
        const z = x.sub(mu).div(sigma);
        return pt
          .sum(
            z
              .square()
              .mul(-0.5)
              .sub(logSigma)
              .sub(0.5 * Math.log(2 * Math.PI)),
          )
          .add(pt.gammaln(sigma.add(1)));
      },
    }));

  it("a softmax regression with logsumexp and dot", () =>
    checkGradient({
      name: "softmax regression",
      inputs: [m23("W", -1, 1), vec("x", 3)],
      build: (W, x) => {
        const eta = pt.dot(W, x);
        return eta.index(1).sub(pt.logsumexp(eta));
      },
    }));

  it("second derivatives: the gradient of a gradient matches differences of the gradient", () => {
    const x = pt.vector("x");
    const cost = pt.sum(pt.log1p(x.square())).add(pt.logsumexp(x.mul(2)));
    const g = pt.grad(cost, x);
    const v = pt.vector("v");
    const hv = pt.grad(pt.sum(g.mul(v)), x);
    const fg = pt.fn([x], g);
    const fhv = pt.fn([x, v], hv);
    fc.assert(
      fc.property(fc.array(uniform(-2, 2), { minLength: 3, maxLength: 3 }), (xs) => {
        const dir = [0.3, -1, 0.7];
        const h = 1e-5;
        const plus = fg(xs.map((xi, i) => xi + h * dir[i])).data;
        const minus = fg(xs.map((xi, i) => xi - h * dir[i])).data;
        const got = fhv(xs, dir).data;
        for (let i = 0; i < 3; i++) {
          const fd = (plus[i] - minus[i]) / (2 * h);
          expect(Math.abs(got[i] - fd)).to.be.at.most(1e-6 + 1e-5 * Math.abs(fd));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

// ---- errors -----------------------------------------------------------------------------------

describe("grad: misuse", () => {
  it("a non-scalar cost throws", () => {
    const x = pt.vector("x");
    expect(() => pt.grad(x.exp(), x)).to.throw(/cost must be a scalar/);
  });

  it("an integer cost or an integer wrt throws", () => {
    const i = pt.vector("i", "int64");
    const x = pt.vector("x");
    expect(() => pt.grad(i.sum(), i)).to.throw(/must be a float/);
    expect(() => pt.grad(x.sum(), pt.scalar("k", "int64"))).to.throw(/cannot differentiate with respect to k/);
  });

  it("a disconnected wrt throws, unless disconnectedInputs is 'zero'", () => {
    const x = pt.vector("x");
    const y = pt.matrix("y");
    const cost = x.exp().sum();
    expect(() => pt.grad(cost, y)).to.throw(/does not depend on y/);
    expect(() => pt.grad(cost, [x, y])).to.throw(/does not depend on y/);
    const [gx, gy] = pt.grad(cost, [x, y], { disconnectedInputs: "zero" });
    const [vx, vy] = pt.fn([x, y], [gx, gy])(
      [0, 1],
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    );
    expect(Array.from(vx.data)).to.deep.equal([1, Math.E]);
    expect(vy.shape).to.deep.equal([2, 3]);
    expect(Array.from(vy.data)).to.deep.equal([0, 0, 0, 0, 0, 0]);
  });

  it("a cost that only uses wrt through an integer path is disconnected", () => {
    const x = pt.vector("x");
    const cost = pt.sum(x.gt(0)).mul(1.5);
    expect(() => pt.grad(cost, x)).to.throw(/does not depend on x/);
  });
});
