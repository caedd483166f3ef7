// ZeroSumNormal (PyMC's): logp against NumPy (test/reference/timeseries.json, made by
// test/reference/gen_timeseries.py, which also checks PyMC's formula against the degenerate
// Gaussian), the zero-sum transform against PyMC's extend_axis and round trips, gradients against
// finite differences, seeded draws (zero sums, mean 0, PyMC's variance), errors naming the variable.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { pt, logp, draw, Model, compileModel, model, Normal, ZeroSumNormal, HalfNormal, transforms, type Variable } from "../compiler/index.js";
import { compileInline, expectSameModel, type ModelLike } from "./helpers/aot.js";
import { finiteDiffGrad } from "./helpers/fd.js";

const ref = JSON.parse(readFileSync(new URL("./reference/timeseries.json", import.meta.url), "utf8"));

interface ZsnCase {
  shape: number[];
  n_zerosum_axes: number;
  sigma: number;
  value: unknown;
  logp: number;
  unconstrained: unknown;
  backward: unknown;
}
const cases = ref.zerosumnormal as ZsnCase[];
const ev = (v: Variable): any => v.eval();
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const close = (a: number, b: number, tol: number, what: string) =>
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).to.be.lessThan(tol * Math.max(1, Math.abs(b)));

/** Sums of a row-major array along one axis, every one of them. */
function sumsAlong(data: ArrayLike<number>, shape: number[], axis: number): number[] {
  const len = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = data.length / (len * inner);
  const sums: number[] = [];
  for (let a = 0; a < outer; a++)
    for (let b = 0; b < inner; b++) {
      let s = 0;
      for (let j = 0; j < len; j++) s += data[a * len * inner + j * inner + b];
      sums.push(s);
    }
  return sums;
}

describe("ZeroSumNormal", () => {
  for (const c of cases) {
    const what = `shape (${c.shape}) with ${c.n_zerosum_axes} zero-sum axes`;

    it(`logp of ${what} is PyMC's (NumPy)`, () => {
      const rv = ZeroSumNormal.dist(c.sigma, { shape: c.shape, n_zerosum_axes: c.n_zerosum_axes });
      expect(rv.type.shape).to.deep.equal(c.shape);
      const value = pt.constant(c.value, null, "float64");
      close(ev(pt.sum(logp(rv, value))) as number, c.logp, 1e-12, what);
    });

    it(`the zero-sum transform of ${what}: PyMC's backward, sums to zero, round trip, log|J| = 0`, () => {
      const t = transforms.zeroSum(c.n_zerosum_axes);
      const v = pt.constant(c.unconstrained, null, "float64");
      const back = ev(t.backward(v));
      flat(c.backward).forEach((e, i) => close(back.data[i], e, 1e-13, `backward[${i}]`));
      for (let k = 0; k < c.n_zerosum_axes; k++) {
        for (const s of sumsAlong(back.data, c.shape, c.shape.length - 1 - k)) expect(Math.abs(s)).to.be.lessThan(1e-12);
      }
      const again = ev(t.forward(t.backward(v)));
      flat(c.unconstrained).forEach((e, i) => close(again.data[i], e, 1e-13, `forward(backward)[${i}]`));
      const x = pt.constant(c.value, null, "float64");
      const there = ev(t.backward(t.forward(x)));
      flat(c.value).forEach((e, i) => close(there.data[i], e, 1e-13, `backward(forward)[${i}]`));
      expect(ev(t.logJacDet(v))).to.equal(0);
    });
  }

  it("one zero-sum axis: PyMC's formula is the degenerate Gaussian N(0, sigma²(I - J/n)) (NumPy's eigh)", () => {
    const c = cases.find((x) => (x as ZsnCase & { logp_degenerate?: number }).logp_degenerate !== undefined) as ZsnCase & { logp_degenerate: number };
    close(c.logp, c.logp_degenerate, 1e-12, "reference");
  });

  it("a model samples it through x_zerosum__, with one entry fewer along each zero-sum axis", () => {
    const m = Model.build("zsn", () => {
      const s = HalfNormal("s", 1);
      ZeroSumNormal("a", s, { shape: [3, 4] });
      ZeroSumNormal("b", { shape: [3, 4], n_zerosum_axes: 2 });
    });
    expect(m.valueVars.map((v) => `${v.name} ${v.type}`)).to.deep.equal([
      "s_log__ Scalar(float64, shape=())",
      "a_zerosum__ Matrix(float64, shape=(3, 3))",
      "b_zerosum__ Matrix(float64, shape=(2, 3))",
    ]);
    expect(String(m)).to.contain("a ~ ZeroSumNormal(s,");
    const ip = m.initialPoint();
    expect(Array.from((ip.a_zerosum__ as { data: Float64Array }).data)).to.deep.equal(new Array(9).fill(0));
    // log|J| = 0, so the model's logp at a point is the distribution's logp of the backward value
    const f = m.compileLogp();
    const bv = pt.constant(cases[2].unconstrained, null, "float64");
    const point = {
      s_log__: 0,
      a_zerosum__: { shape: [3, 3], data: new Float64Array(9).fill(0.25) },
      b_zerosum__: { shape: [2, 3], data: Float64Array.from(flat(cases[2].unconstrained)) },
    };
    const back = transforms.zeroSum(2).backward(bv);
    const expected =
      (ev(logp(HalfNormal.dist(1), pt.constant(1.0))) as number) +
      0 + // s_log__ = 0: the log transform's Jacobian
      (ev(
        pt.sum(logp(ZeroSumNormal.dist(1, { shape: [3, 4] }), transforms.zeroSum(1).backward(pt.constant(new Array(3).fill(new Array(3).fill(0.25)))))),
      ) as number) +
      (ev(pt.sum(logp(ZeroSumNormal.dist({ shape: [3, 4], n_zerosum_axes: 2 }), back))) as number);
    close(f(point) as number, expected, 1e-12, "model logp");
  });

  it("the gradient of the model's logp matches finite differences (1 and 2 zero-sum axes, sigma a variable)", () => {
    const m = Model.build("zsn_grad", () => {
      const s = HalfNormal("s", 1);
      ZeroSumNormal("a", s, { shape: [2, 4] });
      ZeroSumNormal("b", s, { shape: [3, 3], n_zerosum_axes: 2 });
    });
    const cm = compileModel(m);
    const x = Float64Array.from({ length: cm.size }, (_, i) => Math.sin(i + 1) * 0.8);
    const g = new Float64Array(cm.size);
    cm.flat.logpGrad(x, g);
    const fd = finiteDiffGrad((y) => cm.flat.logp(y), x, 1e-5);
    g.forEach((gi, i) => close(gi, fd[i], 1e-6, `d/dx[${i}]`));
  });

  it("draws sum to zero along each zero-sum axis, with mean 0 and PyMC's variance sigma² Π (n_i - 1)/n_i", () => {
    const sigma = 1.7;
    for (const [shape, k] of [
      [[5], 1],
      [[3, 4], 2],
    ] as [number[], number][]) {
      const rv = ZeroSumNormal.dist(sigma, { shape, n_zerosum_axes: k });
      const n = 4000;
      const d = draw(rv, { draws: n, seed: 7 }) as { shape: number[]; data: Float64Array };
      expect(d.shape).to.deep.equal([n, ...shape]);
      for (let a = 0; a < k; a++) for (const s of sumsAlong(d.data, d.shape, d.shape.length - 1 - a)) expect(Math.abs(s)).to.be.lessThan(1e-12);
      const size = shape.reduce((a, b) => a * b, 1);
      const variance = sigma * sigma * shape.slice(-k).reduce((r, m) => (r * (m - 1)) / m, 1);
      for (let j = 0; j < size; j++) {
        let s = 0;
        let s2 = 0;
        for (let i = 0; i < n; i++) {
          const v = d.data[i * size + j];
          s += v;
          s2 += v * v;
        }
        const mean = s / n;
        expect(Math.abs(mean), `mean of entry ${j}`).to.be.lessThan((5 * Math.sqrt(variance)) / Math.sqrt(n));
        expect(Math.abs(s2 / n - mean * mean - variance) / variance, `variance of entry ${j}`).to.be.lessThan(0.1);
      }
      const again = draw(rv, { draws: n, seed: 7 }) as { data: Float64Array };
      expect(Array.from(again.data)).to.deep.equal(Array.from(d.data));
    }
  });

  it("refuses clearly: no shape, more zero-sum axes than the rank, a vector sigma", () => {
    expect(() => Model.build("e1", () => ZeroSumNormal("z", 1))).to.throw(/^ZeroSumNormal\('z'\): You must specify dims, shape or support_shape parameter$/);
    expect(() => Model.build("e2", () => ZeroSumNormal("z", { shape: [4], n_zerosum_axes: 2 }))).to.throw(
      /^ZeroSumNormal\('z'\): n_zerosum_axes = 2 is larger than the rank of the shape \(4\)/,
    );
    expect(() => ZeroSumNormal.dist({ shape: [3], n_zerosum_axes: 0 })).to.throw(/^ZeroSumNormal\.dist: n_zerosum_axes must be an integer >= 1/);
    expect(() => Model.build("e3", () => ZeroSumNormal("z", [1, 2], { shape: [2] }))).to.throw(/^ZeroSumNormal\('z'\): sigma has to be a scalar$/);
    expect(() => Model.build("e4", () => ZeroSumNormal("z", -1, { shape: [3] }))).to.throw(/^ZeroSumNormal\('z'\): invalid parameter: sigma > 0 does not hold/);
  });
});

describe("ZeroSumNormal ahead of time", () => {
  it("a model with group effects that sum to zero (one and two axes) is the same as in process", async () => {
    const text = `() => {
      const s = HalfNormal("s", 1);
      const a = ZeroSumNormal("a", s, { shape: [4] });
      const b = ZeroSumNormal("b", 1, { shape: [3, 2], n_zerosum_axes: 2 });
      Normal("y", pt.add(pt.index(a, [0, 1, 2, 3, 1]), pt.sum(b)), 1, { observed: [0.2, -0.1, 0.4, -0.3, 0.0] });
    }`;
    const built = await compileInline<ModelLike>(`import { model, Normal, HalfNormal, ZeroSumNormal, pt } from "tsmc";`, { zsn: text }, "zerosum");
    const inProcess = model("zsn", () => {
      const s = HalfNormal("s", 1);
      const a = ZeroSumNormal("a", s, { shape: [4] });
      const b = ZeroSumNormal("b", 1, { shape: [3, 2], n_zerosum_axes: 2 });
      Normal("y", pt.add(pt.index(a, [0, 1, 2, 3, 1]), pt.sum(b)), 1, { observed: [0.2, -0.1, 0.4, -0.3, 0.0] });
    });
    expect(inProcess.valueVars.map((v) => v.name)).to.deep.equal(["s_log__", "a_zerosum__", "b_zerosum__"]);
    expectSameModel(built.zsn, inProcess as unknown as ModelLike, "ZeroSumNormal");
  });
});
