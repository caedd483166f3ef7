// The value of every op in API.md's list, computed by compiled graphs (pt.fn and .eval, with and
// without rewrites) and compared with plain-JavaScript references written here.
import { expect } from "chai";
import fc from "fast-check";
import { pt, NDArray, type Variable } from "../compiler/index.js";

type Nested = number | Nested[];

// ---- references and comparison ----------------------------------------------------------------

function shapeOf(x: Nested): number[] {
  const s: number[] = [];
  let cur: Nested = x;
  while (Array.isArray(cur)) {
    s.push(cur.length);
    cur = cur[0];
  }
  return s;
}

const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);

function nest(data: ArrayLike<number>, shape: number[]): Nested {
  if (shape.length === 0) return data[0];
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) => nest(Array.from(data).slice(i * inner, (i + 1) * inner), shape.slice(1)));
}

/** Same shape (a number for rank 0) and every entry within rtol (NaN matches NaN, inf matches inf). */
function expectAllClose(actual: unknown, expected: Nested, rtol = 1e-12, atol = 1e-300): void {
  const eShape = shapeOf(expected);
  if (eShape.length === 0) {
    expect(actual, "a rank-0 result is a number").to.be.a("number");
  } else {
    expect(actual, "a result of rank >= 1 is an NDArray").to.be.instanceOf(NDArray);
    expect((actual as NDArray).shape, "shape").to.deep.equal(eShape);
  }
  const a = typeof actual === "number" ? [actual] : Array.from((actual as NDArray).data);
  const e = flat(expected);
  expect(a.length, "size").to.equal(e.length);
  a.forEach((x, i) => {
    const want = e[i];
    const ok = Number.isNaN(want) ? Number.isNaN(x) : x === want || Math.abs(x - want) <= atol + rtol * Math.abs(want);
    expect(ok, `entry ${i}: got ${x}, expected ${want}`).to.equal(true);
  });
}

/** Evaluate through pt.fn with and without rewrites; both must agree with `expected`. */
function check(inputs: Variable[], out: Variable, values: unknown[], expected: Nested, rtol = 1e-12): void {
  for (const rewrite of [true, false]) {
    const f = pt.fn(inputs, out, { rewrite });
    expectAllClose(f(...values), expected, rtol);
  }
}

/** Row-major multi-index iteration over a shape. */
function* indices(shape: number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    const idx: number[] = [];
    let r = i;
    for (let k = shape.length - 1; k >= 0; k--) {
      idx.unshift(r % shape[k]);
      r = Math.floor(r / shape[k]);
    }
    yield idx;
  }
}
const offset = (idx: number[], shape: number[]) => idx.reduce((acc, i, k) => acc * shape[k] + i, 0);

/** NumPy broadcasting of two shapes. */
function broadcastShape(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const pa = [...Array(n - a.length).fill(1), ...a];
  const pb = [...Array(n - b.length).fill(1), ...b];
  return pa.map((d, k) => (d === 1 ? pb[k] : d));
}

function refBinary(f: (a: number, b: number) => number, a: Nested, b: Nested): Nested {
  const sa = shapeOf(a);
  const sb = shapeOf(b);
  const out = broadcastShape(sa, sb);
  const fa = flat(a);
  const fb = flat(b);
  const pick = (data: number[], s: number[], idx: number[]) => {
    const own = idx.slice(idx.length - s.length).map((i, k) => (s[k] === 1 ? 0 : i));
    return data[offset(own, s)];
  };
  const data = [...indices(out)].map((idx) => f(pick(fa, sa, idx), pick(fb, sb, idx)));
  return nest(data, out);
}

/** Reduce `x` over `axes` with a fold over the reduced entries. */
function refReduce(x: Nested, axes: number[] | null, fold: (vals: number[]) => number, keepdims = false): Nested {
  const s = shapeOf(x);
  const ax = (axes ?? s.map((_, k) => k)).map((a) => (a < 0 ? a + s.length : a));
  const outShape = s.filter((_, k) => !ax.includes(k));
  const groups = new Map<number, number[]>();
  const fx = flat(x);
  for (const idx of indices(s)) {
    const key = offset(
      idx.filter((_, k) => !ax.includes(k)),
      outShape,
    );
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(fx[offset(idx, s)]);
  }
  const data = [...indices(outShape)].map((idx) => fold(groups.get(offset(idx, outShape))!));
  const keptShape = s.map((d, k) => (ax.includes(k) ? 1 : d));
  return nest(data, keepdims ? keptShape : outShape);
}

const sumOf = (v: number[]) => v.reduce((a, b) => a + b, 0);
const FOLDS: Record<string, (v: number[]) => number> = {
  sum: sumOf,
  prod: (v) => v.reduce((a, b) => a * b, 1),
  mean: (v) => sumOf(v) / v.length,
  max: (v) => Math.max(...v),
  min: (v) => Math.min(...v),
  logsumexp: (v) => {
    const m = Math.max(...v);
    return m + Math.log(sumOf(v.map((x) => Math.exp(x - m))));
  },
};

function refMatmul(a: Nested, b: Nested): Nested {
  const A = (Array.isArray((a as Nested[])[0]) ? a : [a]) as number[][];
  const bIsVec = !Array.isArray((b as Nested[])[0]);
  const B = (bIsVec ? (b as number[]).map((x) => [x]) : b) as number[][];
  const C = A.map((row) => B[0].map((_, j) => row.reduce((acc, v, k) => acc + v * B[k][j], 0)));
  const aIsVec = !Array.isArray((a as Nested[])[0]);
  if (aIsVec && bIsVec) return C[0][0];
  if (aIsVec) return C[0];
  if (bIsVec) return C.map((r) => r[0]);
  return C;
}

// ---- elementwise ------------------------------------------------------------------------------

interface UnaryCase {
  name: string;
  fn: (x: Variable) => Variable;
  method: (x: Variable) => Variable;
  ref: (x: number) => number;
  xs: number[];
}

const sigmoidRef = (x: number) => 1 / (1 + Math.exp(-x));

const UNARY: UnaryCase[] = [
  { name: "neg", fn: pt.neg, method: (x) => x.neg(), ref: (x) => -x, xs: [-2, 0, 1.5] },
  { name: "abs", fn: pt.abs, method: (x) => x.abs(), ref: Math.abs, xs: [-2, 0, 1.5] },
  { name: "exp", fn: pt.exp, method: (x) => x.exp(), ref: Math.exp, xs: [-3, 0, 0.5, 2] },
  { name: "log", fn: pt.log, method: (x) => x.log(), ref: Math.log, xs: [0.25, 1, Math.E, 10] },
  { name: "log1p", fn: pt.log1p, method: (x) => x.log1p(), ref: Math.log1p, xs: [-0.5, 1e-10, 0, 3] },
  { name: "expm1", fn: pt.expm1, method: (x) => x.expm1(), ref: Math.expm1, xs: [-1, 1e-10, 0, 2] },
  { name: "sqrt", fn: pt.sqrt, method: (x) => x.sqrt(), ref: Math.sqrt, xs: [0, 0.25, 2, 9] },
  { name: "square", fn: pt.square, method: (x) => x.square(), ref: (x) => x * x, xs: [-3, 0, 0.5, 2] },
  { name: "sin", fn: pt.sin, method: (x) => x.sin(), ref: Math.sin, xs: [-1, 0, 0.5, 3] },
  { name: "cos", fn: pt.cos, method: (x) => x.cos(), ref: Math.cos, xs: [-1, 0, 0.5, 3] },
  { name: "tanh", fn: pt.tanh, method: (x) => x.tanh(), ref: Math.tanh, xs: [-1, 0, 0.5, 3] },
  { name: "sigmoid", fn: pt.sigmoid, method: (x) => x.sigmoid(), ref: sigmoidRef, xs: [-4, 0, 0.5, 3] },
  { name: "logit", fn: pt.logit, method: (x) => x.logit(), ref: (p) => Math.log(p / (1 - p)), xs: [0.1, 0.25, 0.5, 0.9] },
  { name: "softplus", fn: pt.softplus, method: (x) => x.softplus(), ref: (x) => Math.log(1 + Math.exp(x)), xs: [-4, 0, 0.5, 3] },
];

// Special functions against published values (SciPy 1.x: scipy.special.erf, erfc, gammaln, psi;
// the closed forms are ln Γ(1/2) = ln √π, ψ(1) = -γ, ψ(1/2) = -γ - 2 ln 2, ψ(n) = H(n-1) - γ).
const EULER_GAMMA = 0.5772156649015329;
const SPECIAL: { name: string; fn: (x: Variable) => Variable; method: (x: Variable) => Variable; table: [number, number][] }[] = [
  {
    name: "erf",
    fn: pt.erf,
    method: (x) => x.erf(),
    table: [
      [0, 0],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [-1, -0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
    ],
  },
  {
    name: "erfc",
    fn: pt.erfc,
    method: (x) => x.erfc(),
    table: [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [-1, 1.8427007929497148],
      [2, 0.004677734981047266],
      [3, 2.209049699858544e-5],
    ],
  },
  {
    name: "gammaln",
    fn: pt.gammaln,
    method: (x) => x.gammaln(),
    table: [
      [1, 0],
      [2, 0],
      [0.5, 0.5723649429247001],
      [2.5, 0.2846828704729192],
      [3, Math.LN2],
      [10, 12.801827480081469],
      [100, 359.1342053695754],
    ],
  },
  {
    name: "digamma",
    fn: pt.digamma,
    method: (x) => x.digamma(),
    table: [
      [1, -EULER_GAMMA],
      [2, 1 - EULER_GAMMA],
      [0.5, -1.9635100260214235],
      [3, 0.9227843350984671],
      [10, 2.251752589066721],
    ],
  },
];

describe("ops: elementwise", () => {
  for (const c of UNARY) {
    it(`${c.name} matches Math on a vector, as function and as method`, () => {
      const x = pt.vector("x");
      const expected = c.xs.map(c.ref);
      check([x], c.fn(x), [c.xs], expected);
      expectAllClose(c.method(x).eval({ x: c.xs }), expected);
      // Rank 0 gives a number.
      const s = pt.scalar("s");
      expectAllClose(pt.fn([s], c.fn(s))(c.xs[1]), c.ref(c.xs[1]));
    });
  }

  for (const c of SPECIAL) {
    it(`${c.name} matches published values to 1e-12`, () => {
      const x = pt.vector("x");
      const xs = c.table.map(([a]) => a);
      const expected = c.table.map(([, b]) => b);
      check([x], c.fn(x), [xs], expected, 1e-12);
      expectAllClose(c.method(x).eval({ x: xs }), expected, 1e-12);
    });
  }

  it("sigmoid and softplus stay finite and exact in the tails", () => {
    const x = pt.vector("x");
    expectAllClose(pt.sigmoid(x).eval({ x: [-800, 800, -40] }), [0, 1, sigmoidRef(-40)]);
    expectAllClose(pt.softplus(x).eval({ x: [-100, 100, 40] }), [Math.exp(-100), 100, 40 + Math.log1p(Math.exp(-40))]);
    expectAllClose(pt.logit(x).eval({ x: [1e-300, 0.5] }), [Math.log(1e-300), 0]);
  });

  const BINARY: [string, (a: Variable, b: Variable) => Variable, (a: Variable, b: Variable) => Variable, (a: number, b: number) => number][] = [
    ["add", pt.add, (a, b) => a.add(b), (a, b) => a + b],
    ["sub", pt.sub, (a, b) => a.sub(b), (a, b) => a - b],
    ["mul", pt.mul, (a, b) => a.mul(b), (a, b) => a * b],
    ["div", pt.div, (a, b) => a.div(b), (a, b) => a / b],
    ["pow", pt.pow, (a, b) => a.pow(b), Math.pow],
    ["maximum", pt.maximum, (a, b) => a.maximum(b), Math.max],
    ["minimum", pt.minimum, (a, b) => a.minimum(b), Math.min],
    ["gt", pt.gt, (a, b) => a.gt(b), (a, b) => Number(a > b)],
    ["ge", pt.ge, (a, b) => a.ge(b), (a, b) => Number(a >= b)],
    ["lt", pt.lt, (a, b) => a.lt(b), (a, b) => Number(a < b)],
    ["le", pt.le, (a, b) => a.le(b), (a, b) => Number(a <= b)],
    ["eq", pt.eq, (a, b) => a.eq(b), (a, b) => Number(a === b)],
    ["neq", pt.neq, (a, b) => a.neq(b), (a, b) => Number(a !== b)],
  ];
  const A = [1.5, 2, -3, 0.5, 2];
  const B = [2, 2, 0.5, -1, 3];

  for (const [name, f, method, ref] of BINARY) {
    it(`${name}: vector with vector, scalar with matrix, (3,1) with (1,4)`, () => {
      const a = pt.vector("a");
      const b = pt.vector("b");
      check([a, b], f(a, b), [A, B], refBinary(ref, A, B));
      expectAllClose(method(a, b).eval({ a: A, b: B }), refBinary(ref, A, B));

      const s = pt.scalar("s");
      const m = pt.matrix("m");
      const M = [
        [1, 2, 3],
        [0.5, 2, -1],
      ];
      check([s, m], f(s, m), [2, M], refBinary(ref, 2, M));
      check([s, m], f(m, s), [2, M], refBinary(ref, M, 2));

      const col = pt.tensor("col", { shape: [3, 1] });
      const row = pt.tensor("row", { shape: [1, 4] });
      const C = [[1], [2], [0.5]];
      const R = [[2, 1, 0.5, 3]];
      const out = f(col, row);
      expect(out.type.shape).to.deep.equal([3, 4]);
      check([col, row], out, [C, R], refBinary(ref, C, R));
      check([col, row], f(row, col), [C, R], refBinary(ref, R, C));
    });
  }

  it("broadcasts like NumPy for random shapes with static unit dims (property)", () => {
    const shapeArb = fc
      .integer({ min: 1, max: 3 })
      .chain((ndim) =>
        fc.tuple(
          fc.array(fc.integer({ min: 2, max: 3 }), { minLength: ndim, maxLength: ndim }),
          fc.array(fc.boolean(), { minLength: ndim, maxLength: ndim }),
          fc.array(fc.boolean(), { minLength: ndim, maxLength: ndim }),
          fc.integer({ min: 0, max: ndim }),
        ),
      );
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 0, max: BINARY.length - 1 }), ([dims, unitA, unitB, drop], which) => {
        // A unit dim is static 1 (broadcastable); B may also have fewer leading dims.
        const sa = dims.map((d, k) => (unitA[k] ? 1 : d));
        const sb = dims.map((d, k) => (unitB[k] ? 1 : d)).slice(drop);
        const a = pt.tensor("a", { shape: sa.map((d) => (d === 1 ? 1 : null)) });
        const b = pt.tensor("b", { shape: sb.map((d) => (d === 1 ? 1 : null)) });
        let seed = 1;
        const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 4 - 1;
        const va = nest([...indices(sa)].map(rnd), sa);
        const vb = nest([...indices(sb)].map(rnd), sb);
        const [, f, , ref] = BINARY[which];
        check([a, b], f(a, b), [va, vb], refBinary(ref, va, vb));
      }),
      { numRuns: 60 },
    );
  });

  it("switch selects elementwise and broadcasts its branches", () => {
    const c = pt.vector("c", "bool");
    const x = pt.vector("x");
    check(
      [c, x],
      pt.switch(c, x, 0),
      [
        [true, false, true],
        [1, 2, 3],
      ],
      [1, 0, 3],
    );
    check(
      [c, x],
      pt.switch(c, 10, x.neg()),
      [
        [1, 0, 0],
        [1, 2, 3],
      ],
      [10, -2, -3],
    );
    const m = pt.matrix("m");
    check(
      [m],
      pt.switch(m.gt(0), m, m.mul(2)),
      [
        [
          [1, -1],
          [-2, 3],
        ],
      ],
      [
        [1, -2],
        [-4, 3],
      ],
    );
  });

  it("clip bounds elementwise, as function and method", () => {
    const x = pt.vector("x");
    const xs = [-2, 0, 0.5, 1, 3];
    check([x], pt.clip(x, 0, 1), [xs], [0, 0, 0.5, 1, 1]);
    expectAllClose(x.clip(-1, 2).eval({ x: xs }), [-1, 0, 0.5, 1, 2]);
    const lo = pt.vector("lo");
    check([x, lo], pt.clip(x, lo, 2), [xs, [-3, 1, 1, 0, 0]], [-2, 1, 1, 1, 2]);
  });

  it("pow handles negative bases with integer exponents and fractional exponents", () => {
    const x = pt.vector("x");
    check([x], pt.pow(x, 3), [[-2, 0.5, 3]], [-8, 0.125, 27]);
    check([x], pt.pow(x, 0.5), [[4, 2, 0]], [2, Math.SQRT2, 0]);
    check([x], pt.pow(2, x), [[-1, 0, 10]], [0.5, 1, 1024]);
  });
});

// ---- dtype rules and printed names ---------------------------------------------------------------

describe("ops: dtypes and printed op names", () => {
  it("int + int stays int64, int / int is float64, comparisons give bool", () => {
    const i = pt.vector("i", "int64");
    const j = pt.vector("j", "int64");
    const x = pt.vector("x");
    expect(i.add(j).dtype).to.equal("int64");
    expect(i.mul(j).dtype).to.equal("int64");
    expect(i.sub(2).dtype).to.equal("int64");
    expect(i.div(j).dtype).to.equal("float64");
    expect(i.add(x).dtype).to.equal("float64");
    expect(i.add(0.5).dtype).to.equal("float64");
    for (const cmp of [pt.gt, pt.ge, pt.lt, pt.le, pt.eq, pt.neq]) expect(cmp(i, x).dtype).to.equal("bool");
    expect(i.exp().dtype).to.equal("float64");
    expect(i.sum().dtype).to.equal("int64");
    expect(i.max().dtype).to.equal("int64");
    expect(i.mean().dtype).to.equal("float64");
    expect(pt.dot(i, j).dtype).to.equal("int64");
    expect(pt.stack([pt.scalar("a", "int64"), pt.scalar("b", "int64")]).dtype).to.equal("int64");
    expect(pt.concatenate([i, x]).dtype).to.equal("float64");
  });

  it("computes integer results as integers and int / int as a true division", () => {
    const i = pt.vector("i", "int64");
    const j = pt.vector("j", "int64");
    check(
      [i, j],
      i.add(j),
      [
        [1, 2],
        [3, 4],
      ],
      [4, 6],
    );
    check(
      [i, j],
      i.div(j),
      [
        [7, 1],
        [2, 3],
      ],
      [3.5, 1 / 3],
    );
    check(
      [i, j],
      i.gt(j),
      [
        [7, 1],
        [2, 3],
      ],
      [1, 0],
    );
    check([i], i.sum(), [[1, 2, 3]], 6);
  });

  it("prints op names as PyTensor does", () => {
    const x = pt.scalar("x");
    const y = pt.vector("y");
    const m = pt.matrix("m");
    expect(String(x.add(y).owner!.inputs[0].owner!.op)).to.equal("ExpandDims{axis=0}");
    expect(String(m.T.owner!.op)).to.equal("Transpose{axes=[1, 0]}");
    expect(String(pt.transpose(m).owner!.op)).to.equal("Transpose{axes=[1, 0]}");
    expect(String(m.sum().owner!.op)).to.equal("Sum{axes=None}");
    expect(String(m.sum(1).owner!.op)).to.equal("Sum{axis=1}");
    expect(String(m.sum(-1).owner!.op)).to.equal("Sum{axis=1}");
    expect(String(y.div(x).owner!.op)).to.equal("True_div");
    const b = [pt.scalar("p", "bool"), pt.scalar("q", "bool")];
    expect(String(pt.stack(b).owner!.op)).to.equal("MakeVector{dtype='bool'}");
    expect(String(pt.stack([x, x]).owner!.op)).to.equal("MakeVector{dtype='float64'}");
    expect(String(x.add(1).owner!.op)).to.equal("Add");
    expect(String(pt.exp(x).owner!.op)).to.equal("Exp");
    expect(String(pt.sqrt(x).owner!.op)).to.equal("Sqrt");
  });
});

// ---- reductions -------------------------------------------------------------------------------

describe("ops: reductions", () => {
  const X3: Nested = [
    [
      [0.5, -1, 2, 0.25],
      [1.5, 3, -0.5, 1],
      [2, 0.75, 1.25, -2],
    ],
    [
      [-0.5, 1, 0.5, 2],
      [1, -1.5, 2.5, 0.5],
      [0.25, 1, -1, 3],
    ],
  ];
  const REDUCERS: [string, (x: Variable, axis?: number | number[] | null, keepdims?: boolean) => Variable, string][] = [
    ["sum", pt.sum, "sum"],
    ["prod", pt.prod, "prod"],
    ["mean", pt.mean, "mean"],
    ["max", pt.max, "max"],
    ["min", pt.min, "min"],
    ["logsumexp", pt.logsumexp, "logsumexp"],
  ];
  const AXES: (number | number[] | null)[] = [null, 0, 1, 2, -1, -3, [0, 2], [-1, 0], [0, 1, 2], [1, -1]];

  for (const [name, f, method] of REDUCERS) {
    it(`${name} over single axes, several axes, negative axes, with and without keepdims`, () => {
      const x = pt.tensor("x", { shape: [null, null, null] });
      for (const axis of AXES) {
        for (const keepdims of [false, true]) {
          const axes = axis === null ? null : typeof axis === "number" ? [axis] : axis;
          const expected = refReduce(X3, axes, FOLDS[name], keepdims);
          check([x], f(x, axis, keepdims), [X3], expected, 1e-12);
        }
      }
      // Method form, all axes, on a static-shape input.
      const xs = pt.tensor("xs", { shape: [2, 3, 4] });
      const viaMethod = (xs as any)[method](1, true) as Variable;
      expect(viaMethod.type.shape).to.deep.equal([2, 1, 4]);
      expectAllClose(viaMethod.eval({ xs: X3 }), refReduce(X3, [1], FOLDS[name], true));
      expectAllClose(f(xs).eval({ xs: X3 }), refReduce(X3, null, FOLDS[name]));
    });
  }

  it("reduces constants (through constant folding) to the same values", () => {
    const c = pt.constant(X3);
    expectAllClose(pt.sum(c, [0, 2]).eval(), refReduce(X3, [0, 2], FOLDS.sum));
    expectAllClose(pt.logsumexp(c).eval(), refReduce(X3, null, FOLDS.logsumexp));
  });

  it("logsumexp does not overflow, and handles all -inf", () => {
    const x = pt.vector("x");
    expectAllClose(pt.logsumexp(x).eval({ x: [1000, 1000] }), 1000 + Math.LN2);
    expectAllClose(pt.logsumexp(x).eval({ x: [-1000, -1000] }), -1000 + Math.LN2);
    expectAllClose(pt.logsumexp(x).eval({ x: [-Infinity, -Infinity] }), -Infinity);
    expectAllClose(pt.logsumexp(x).eval({ x: [-Infinity, 0] }), 0);
  });

  it("max and min propagate NaN", () => {
    const x = pt.vector("x");
    expectAllClose(x.max().eval({ x: [1, NaN, 3] }), NaN);
    expectAllClose(x.min().eval({ x: [NaN, 1, 3] }), NaN);
  });

  it("mean of integers is a float mean; sum of integers stays integer", () => {
    const i = pt.matrix("i", "int64");
    check(
      [i],
      i.mean(0),
      [
        [
          [1, 2],
          [4, 4],
        ],
      ],
      [2.5, 3],
    );
    check(
      [i],
      i.sum(1),
      [
        [
          [1, 2],
          [4, 4],
        ],
      ],
      [3, 8],
    );
  });
});

// ---- linear algebra ---------------------------------------------------------------------------

describe("ops: dot and matmul", () => {
  const v3 = [1, -2, 0.5];
  const v2 = [3, 0.25];
  const M23 = [
    [1, 2, 3],
    [-1, 0.5, 2],
  ];
  const M32 = [
    [2, -1],
    [0.5, 1],
    [1, 3],
  ];

  for (const [name, f] of [
    ["dot", pt.dot],
    ["matmul", pt.matmul],
  ] as const) {
    it(`${name}: vector·vector, matrix·vector, vector·matrix, matrix·matrix`, () => {
      const u = pt.vector("u");
      const w = pt.vector("w");
      const A = pt.matrix("A");
      const B = pt.matrix("B");
      check([u, w], f(u, w), [v3, [2, 1, 4]], refMatmul(v3, [2, 1, 4]));
      check([A, u], f(A, u), [M23, v3], refMatmul(M23, v3));
      check([u, A], f(u, A), [v2, M23], refMatmul(v2, M23));
      check([A, B], f(A, B), [M23, M32], refMatmul(M23, M32));
      check([A, B], f(B, A), [M23, M32], refMatmul(M32, M23));
    });
  }

  it("method forms and static shapes", () => {
    const A = pt.tensor("A", { shape: [2, 3] });
    const u = pt.tensor("u", { shape: [3] });
    expect(A.dot(u).type.shape).to.deep.equal([2]);
    expect(A.matmul(A.T).type.shape).to.deep.equal([2, 2]);
    expect(u.dot(u).ndim).to.equal(0);
    expectAllClose(A.dot(u).eval({ A: M23, u: v3 }), refMatmul(M23, v3));
    expectAllClose(
      A.matmul(A.T).eval({ A: M23 }),
      refMatmul(M23, [
        [1, -1],
        [2, 0.5],
        [3, 2],
      ]),
    );
  });

  it("matrix products with zeros still propagate inf and NaN from the other factor", () => {
    const A = pt.matrix("A");
    const u = pt.vector("u");
    // 0 * inf is NaN in IEEE arithmetic, as NumPy computes it.
    expectAllClose(pt.dot(A, u).eval({ A: [[0, 1]], u: [Infinity, 2] }), [NaN]);
    expectAllClose(pt.dot(A, u).eval({ A: [[0, 1]], u: [NaN, 2] }), [NaN]);
  });
});

// ---- shape and structure ----------------------------------------------------------------------

describe("ops: stack, concatenate, reshape, transpose", () => {
  it("stacks scalars into a MakeVector", () => {
    const a = pt.scalar("a");
    const b = pt.scalar("b");
    const v = pt.stack([a, b, a.mul(2)]);
    expect(String(v.owner!.op)).to.equal("MakeVector{dtype='float64'}");
    expect(v.type.shape).to.deep.equal([3]);
    check([a, b], v, [1.5, -2], [1.5, -2, 3]);
    check([a], pt.stack([a, 2]), [1.5], [1.5, 2]);
  });

  it("stacks vectors along a new axis 0, 1 or -1", () => {
    const u = pt.vector("u");
    const w = pt.vector("w");
    check(
      [u, w],
      pt.stack([u, w]),
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    );
    check(
      [u, w],
      pt.stack([u, w], 1),
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [
        [1, 4],
        [2, 5],
        [3, 6],
      ],
    );
    check(
      [u, w],
      pt.stack([u, w], -1),
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [
        [1, 4],
        [2, 5],
        [3, 6],
      ],
    );
    const m = pt.matrix("m");
    check(
      [m],
      pt.stack([m, m], 1),
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
      [
        [
          [1, 2],
          [1, 2],
        ],
        [
          [3, 4],
          [3, 4],
        ],
      ],
    );
  });

  it("concatenates along axis 0 and 1 (and -1)", () => {
    const u = pt.vector("u");
    const w = pt.vector("w");
    check(
      [u, w],
      pt.concatenate([u, w]),
      [
        [1, 2],
        [3, 4, 5],
      ],
      [1, 2, 3, 4, 5],
    );
    const A = pt.matrix("A");
    const B = pt.matrix("B");
    const a = [
      [1, 2],
      [3, 4],
    ];
    const b = [[5], [6]];
    check(
      [A, B],
      pt.concatenate([A, B], 1),
      [a, b],
      [
        [1, 2, 5],
        [3, 4, 6],
      ],
    );
    check(
      [A, B],
      pt.concatenate([A, B], -1),
      [a, b],
      [
        [1, 2, 5],
        [3, 4, 6],
      ],
    );
    check(
      [A, B],
      pt.concatenate([A, B.T], 0),
      [a, b],
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    );
    check([A], pt.concatenate([A, A, A], 0), [a], [...a, ...a, ...a]);
    const s1 = pt.tensor("s1", { shape: [2, 3] });
    const s2 = pt.tensor("s2", { shape: [2, 1] });
    expect(pt.concatenate([s1, s2], 1).type.shape).to.deep.equal([2, 4]);
    expect(pt.concatenate([s1, s1], 0).type.shape).to.deep.equal([4, 3]);
  });

  it("reshapes with -1, to higher and lower rank, and with a symbolic dimension", () => {
    const x = pt.vector("x");
    const six = [0, 1, 2, 3, 4, 5];
    check(
      [x],
      x.reshape([2, -1]),
      [six],
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
    );
    check(
      [x],
      pt.reshape(x, [-1, 2]),
      [six],
      [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
    );
    check([x], x.reshape([3, 1, 2]), [six], [[[0, 1]], [[2, 3]], [[4, 5]]]);
    const m = pt.matrix("m");
    check(
      [m],
      m.reshape([-1]),
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
      [1, 2, 3, 4],
    );
    const n = pt.scalar("n", "int64");
    check(
      [x, n],
      x.reshape([n, -1]),
      [six, 3],
      [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
    );
    const s = pt.tensor("s", { shape: [6] });
    expect(s.reshape([2, -1]).type.shape).to.deep.equal([2, 3]);
    expect(x.reshape([2, -1]).type.shape).to.deep.equal([2, null]);
    check([s], s.reshape([1, 1, 6]).sum(), [six], 15);
  });

  it("transposes matrices and permutes higher-rank tensors", () => {
    const m = pt.matrix("m");
    check(
      [m],
      m.T,
      [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ],
      [
        [1, 4],
        [2, 5],
        [3, 6],
      ],
    );
    check(
      [m],
      pt.transpose(m, [1, 0]),
      [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ],
      [
        [1, 4],
        [2, 5],
        [3, 6],
      ],
    );
    check(
      [m],
      m.transpose([0, 1]),
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
      [
        [1, 2],
        [3, 4],
      ],
    );
    const t = pt.tensor("t", { shape: [null, null, null] });
    const T3 = [
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    ]; // (1, 3, 2)
    const permuted = t.transpose([2, 0, 1]); // (2, 1, 3)
    check([t], permuted, [T3], [[[1, 3, 5]], [[2, 4, 6]]]);
    check(
      [t],
      t.T,
      [T3],
      [
        [[1], [3], [5]],
        [[2], [4], [6]],
      ],
    );
    check([t], t.transpose([-1, 0, 1]), [T3], [[[1, 3, 5]], [[2, 4, 6]]]);
  });
});

// ---- indexing ---------------------------------------------------------------------------------

describe("ops: index and slice", () => {
  const X = [10, 11, 12, 13, 14, 15];

  it("integer-array indexing with repeated and negative indices", () => {
    const x = pt.vector("x");
    check([x], x.index([0, 2, 2, -1, -6]), [X], [10, 12, 12, 15, 10]);
    check([x], pt.index(x, [5, 5, 5]), [X], [15, 15, 15]);
    const idx = pt.vector("idx", "int64");
    check([x, idx], x.index(idx), [X, [3, -2, 3, 0]], [13, 14, 13, 10]);
    check([x, idx], x.index(idx), [X, []], []);
  });

  it("indexes the rows of a matrix", () => {
    const m = pt.matrix("m");
    const M = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    check(
      [m],
      m.index([2, 0, 2]),
      [M],
      [
        [5, 6],
        [1, 2],
        [5, 6],
      ],
    );
    check([m], m.index([-1]), [M], [[5, 6]]);
  });

  it("a single integer selects one entry and drops the axis, constant or symbolic", () => {
    const x = pt.vector("x");
    check([x], x.index(2), [X], 12);
    check([x], x.index(-1), [X], 15);
    const m = pt.matrix("m");
    check(
      [m],
      m.index(1),
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
      [3, 4],
    );
    const i = pt.scalar("i", "int64");
    const picked = x.index(i);
    expect(picked.ndim).to.equal(0);
    check([x, i], picked, [X, 4], 14);
    check([x, i], picked, [X, -2], 14);
    check(
      [m, i],
      m.index(i),
      [
        [
          [1, 2],
          [3, 4],
        ],
        0,
      ],
      [1, 2],
    );
  });

  // Python: list(range(10, 16))[start:stop:step].
  const SLICES: [number | null, number | null, number | null, number[]][] = [
    [1, 4, null, [11, 12, 13]],
    [-2, null, null, [14, 15]],
    [null, -2, null, [10, 11, 12, 13]],
    [-4, -1, null, [12, 13, 14]],
    [null, null, 2, [10, 12, 14]],
    [1, null, 2, [11, 13, 15]],
    [null, null, 4, [10, 14]],
    [null, null, -1, [15, 14, 13, 12, 11, 10]],
    [-1, 0, -2, [15, 13, 11]],
    [4, 1, -1, [14, 13, 12]],
    [-2, null, -2, [14, 12, 10]],
    [null, null, -4, [15, 11]],
    [10, null, null, []],
    [null, 100, null, X],
    [-100, 2, null, [10, 11]],
    [null, -100, -1, [15, 14, 13, 12, 11, 10]],
    [100, null, -1, [15, 14, 13, 12, 11, 10]],
    [2, 2, null, []],
    [3, 1, null, []],
    [1, 3, -1, []],
  ];

  it("slices with negative bounds and steps, as Python does", () => {
    const x = pt.vector("x");
    const s = pt.tensor("s", { shape: [6] });
    for (const [start, stop, step, want] of SLICES) {
      check([x], x.slice(start, stop, step), [X], want);
      const fixed = pt.slice(s, start, stop, step);
      expect(fixed.type.shape, `static length of [${start}:${stop}:${step}]`).to.deep.equal([want.length]);
      check([s], fixed, [X], want);
    }
  });

  it("slices the rows of a matrix", () => {
    const m = pt.matrix("m");
    check(
      [m],
      m.slice(null, null, -1),
      [
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      ],
      [
        [5, 6],
        [3, 4],
        [1, 2],
      ],
    );
    check(
      [m],
      m.slice(1),
      [
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      ],
      [
        [3, 4],
        [5, 6],
      ],
    );
  });
});

// ---- inputs -----------------------------------------------------------------------------------

describe("ops: input forms", () => {
  it("accepts numbers, nested arrays, Float64Array and NDArray, positionally and by name", () => {
    const x = pt.vector("x");
    const m = pt.matrix("m");
    const f = pt.fn([x, m], pt.add(m, x));
    const want = [
      [11, 22],
      [13, 24],
    ];
    expectAllClose(
      f(
        [10, 20],
        [
          [1, 2],
          [3, 4],
        ],
      ),
      want,
    );
    expectAllClose(f(new Float64Array([10, 20]), new NDArray([2, 2], new Float64Array([1, 2, 3, 4]))), want);
    expectAllClose(f({ x: [10, 20], m: { shape: [2, 2], data: [1, 2, 3, 4] } }), want);
    expect(
      f(
        [10, 20],
        [
          [1, 2],
          [3, 4],
        ],
      ).toArray(),
    ).to.deep.equal(want);
  });

  it("does not let a result alias an input or a constant", () => {
    const x = pt.vector("x");
    const given = new NDArray([4], new Float64Array([1, 2, 3, 4]));
    for (const out of [x.reshape([2, 2]), pt.expandDims(x, [0]), x.reshape([2, -1]).reshape([-1]), x.exp().log()]) {
      const r = pt.fn([x], out)(given);
      r.data[0] = 99;
      expect(given.data[0], String(out)).to.equal(1);
    }
    const c = pt.constant([1, 2, 3, 4]).reshape([2, 2]);
    for (const rewrite of [true, false]) {
      const f = pt.fn([], c, { rewrite });
      f().data[0] = 99;
      expect(f().data[0]).to.equal(1);
    }
    const [r1, r2] = pt.fn([x], [x.exp(), x.exp()])(given);
    r1.data[0] = 99;
    expect(r2.data[0]).to.equal(Math.E);
  });
});
