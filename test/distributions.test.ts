// The distribution catalogue against SciPy (test/reference/distributions.json, made by
// test/reference/gen_distributions.py), gradients against finite differences, samplers against
// analytic moments and a Kolmogorov–Smirnov statistic, supports, parameter checks and transforms.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as tsmc from "../compiler/index.js";
import { pt, logp, logcdf, draw, model, Model } from "../compiler/index.js";
import { finiteDiffGrad } from "./helpers/fd.js";
import { checkDraws, checkGradient, checkOutsideSupport, dists } from "./helpers/distributions.js";

const ref = JSON.parse(readFileSync(new URL("./reference/distributions.json", import.meta.url), "utf8"));
const num = (v: any): any => (v === "-inf" ? -Infinity : v === "inf" ? Infinity : v === "nan" ? NaN : Array.isArray(v) ? v.map(num) : v);

/** Relative error, with exact agreement required for infinities. */
function relErr(got: number, want: number): number {
  if (!Number.isFinite(want)) return got === want ? 0 : Infinity;
  return Math.abs(got - want) / Math.max(1e-300, Math.abs(want));
}

const TOL = 1e-7;
const worst: Record<string, number> = {};

describe("distributions: logp and logcdf against SciPy", () => {
  const families = [...new Set<string>(ref.cases.map((c: any) => c.family))];
  for (const family of families) {
    it(`${family}`, () => {
      const rows = ref.cases.filter((c: any) => c.family === family);
      for (const r of rows) {
        const rv = dists[family].dist(num(r.params));
        const lp = logp(rv, num(r.x)).eval();
        const e = relErr(lp, num(r.logp));
        worst[family] = Math.max(worst[family] ?? 0, e);
        expect(e, `${family}(${JSON.stringify(r.params)}) logp at ${r.x}: ${lp} vs ${r.logp}`).to.be.lessThan(TOL);
        if (r.logcdf !== undefined) {
          const lc = logcdf(rv, num(r.x)).eval();
          const ec = relErr(lc, num(r.logcdf));
          worst[family] = Math.max(worst[family], ec);
          expect(ec, `${family}(${JSON.stringify(r.params)}) logcdf at ${r.x}: ${lc} vs ${r.logcdf}`).to.be.lessThan(TOL);
        }
      }
    });
  }

  it("vector parameters broadcast against vector values (elementwise SciPy values)", () => {
    for (const family of families) {
      const rows = ref.cases.filter((c: any) => c.family === family && typeof c.x === "number" && Object.values(c.params).every((v) => typeof v === "number"));
      const keys = rows.length ? Object.keys(rows[0].params).join() : "";
      const same = rows.filter((r: any) => Object.keys(r.params).join() === keys).slice(0, 6);
      if (same.length < 2) continue;
      const params: Record<string, number[]> = {};
      for (const k of Object.keys(same[0].params)) params[k] = same.map((r: any) => r.params[k]);
      const rv = dists[family].dist(params);
      const got = logp(
        rv,
        same.map((r: any) => r.x),
      ).eval().data as Float64Array;
      same.forEach((r: any, i: number) => expect(relErr(got[i], num(r.logp)), `${family} #${i}`).to.be.lessThan(TOL));
    }
  });

  it("special functions against SciPy", () => {
    const S = ref.special;
    const check = (name: string, f: (...a: number[]) => any) => {
      for (const row of S[name]) {
        const args = row.slice(0, -1);
        const got = f(...args);
        expect(relErr(got, num(row[row.length - 1])), `${name}(${args})`).to.be.lessThan(1e-12);
      }
    };
    check("gammainc", (s, x) => pt.gammainc(s, x).eval());
    check("gammaincc", (s, x) => pt.gammaincc(s, x).eval());
    check("betainc", (a, b, x) => pt.betainc(a, b, x).eval());
    check("betaln", (a, b) => pt.betaln(a, b).eval());
    check("i0e", (x) => pt.i0e(x).eval());
    check("i1e", (x) => pt.i1e(x).eval());
  });

  after(() => {
    const text = Object.entries(worst)
      .map(([f, e]) => `${f} ${e.toExponential(1)}`)
      .join(", ");
    if (process.env.TSMC_REPORT) console.log(`      worst relative error against SciPy: ${text}`);
  });
});

// ---- gradients ------------------------------------------------------------------------------

/** [family, params (PyMC names), a value, whether the value is continuous, the parameters kept constant] */
const GRAD_CASES: [string, Record<string, number | number[]>, number | number[], boolean, string[]?][] = [
  ["Bernoulli", { p: 0.3 }, 1, false],
  ["Bernoulli", { logit_p: -0.7 }, 0, false],
  ["Poisson", { mu: 3.5 }, 2, false],
  ["HalfCauchy", { beta: 1.5 }, 0.8, true],
  ["Cauchy", { alpha: 0.3, beta: 1.5 }, -0.8, true],
  ["Exponential", { lam: 1.7 }, 0.6, true],
  ["Exponential", { scale: 1.7 }, 0.6, true],
  ["Gamma", { alpha: 2.5, beta: 1.3 }, 1.7, true],
  ["Gamma", { mu: 2.5, sigma: 1.3 }, 1.7, true],
  ["Beta", { alpha: 2.5, beta: 1.3 }, 0.4, true],
  ["Beta", { mu: 0.4, sigma: 0.2 }, 0.3, true],
  ["Beta", { mu: 0.4, nu: 5 }, 0.3, true],
  ["Uniform", { lower: -1.2, upper: 2.5 }, 0.3, true],
  ["StudentT", { nu: 3.5, mu: 0.2, sigma: 1.4 }, -0.9, true],
  ["StudentT", { nu: 3.5, mu: 0.2, lam: 1.4 }, -0.9, true],
  ["HalfStudentT", { nu: 3.5, sigma: 1.4 }, 0.9, true],
  ["LogNormal", { mu: 0.2, sigma: 0.8 }, 1.9, true],
  ["LogNormal", { mu: 0.2, tau: 0.8 }, 1.9, true],
  ["Binomial", { n: 12, p: 0.35 }, 5, false, ["n"]],
  ["Binomial", { n: 12, logit_p: 0.35 }, 5, false, ["n"]],
  ["NegativeBinomial", { mu: 4.2, alpha: 1.7 }, 3, false],
  ["NegativeBinomial", { n: 4.2, p: 0.3 }, 3, false],
  ["Categorical", { p: [0.2, 0.3, 0.5] }, 1, false],
  ["Categorical", { logit_p: [0.2, -0.3, 0.5] }, 2, false],
  ["Dirichlet", { a: [1.5, 2.2, 0.7] }, [0.2, 0.5, 0.3], false],
  ["Laplace", { mu: 0.3, b: 1.2 }, 1.1, true],
  ["Logistic", { mu: 0.3, s: 1.2 }, 1.1, true],
  ["Gumbel", { mu: 0.3, beta: 1.2 }, 1.1, true],
  ["Weibull", { alpha: 1.7, beta: 1.2 }, 1.1, true],
  ["Pareto", { alpha: 1.7, m: 1.2 }, 2.1, true],
  ["InverseGamma", { alpha: 1.7, beta: 1.2 }, 0.8, true],
  ["InverseGamma", { mu: 1.7, sigma: 1.2 }, 0.8, true],
  ["ChiSquared", { nu: 3.3 }, 2.1, true],
  ["Geometric", { p: 0.3 }, 4, false],
];

describe("distributions: gradients of logp against finite differences", () => {
  for (const [family, params, value, continuous, fixed] of GRAD_CASES) {
    it(`${family}(${Object.keys(params).join(", ")})`, () => checkGradient(family, params, value, continuous, fixed, 1e-6));
  }
});

// ---- samplers -------------------------------------------------------------------------------

const N = 20_000;
type Moment = [string, Record<string, number | number[]>, number, number, boolean];
const lg = (x: number) => pt.gammaln(x).eval() as number;
const MOMENTS: Moment[] = [
  ["Bernoulli", { p: 0.3 }, 0.3, 0.21, false],
  ["Poisson", { mu: 3.5 }, 3.5, 3.5, false],
  ["Poisson", { mu: 250 }, 250, 250, false],
  ["Exponential", { lam: 2 }, 0.5, 0.25, true],
  ["Gamma", { alpha: 2.5, beta: 2 }, 1.25, 0.625, true],
  ["Gamma", { alpha: 0.3, beta: 1 }, 0.3, 0.3, true],
  ["Beta", { alpha: 2, beta: 5 }, 2 / 7, 10 / (49 * 8), true],
  ["Beta", { alpha: 0.2, beta: 0.3 }, 0.4, 0.06 / (0.25 * 1.5), true],
  ["Uniform", { lower: -1, upper: 3 }, 1, 16 / 12, true],
  ["StudentT", { nu: 5, mu: 1, sigma: 2 }, 1, (4 * 5) / 3, true],
  [
    "HalfStudentT",
    { nu: 5, sigma: 2 },
    (2 * 2 * Math.sqrt(5 / Math.PI) * Math.exp(lg(3) - lg(2.5))) / 4,
    20 / 3 - ((2 * 2 * Math.sqrt(5 / Math.PI) * Math.exp(lg(3) - lg(2.5))) / 4) ** 2,
    true,
  ],
  ["LogNormal", { mu: 0.1, sigma: 0.5 }, Math.exp(0.1 + 0.125), (Math.exp(0.25) - 1) * Math.exp(0.2 + 0.25), true],
  ["Binomial", { n: 20, p: 0.3 }, 6, 4.2, false],
  ["Binomial", { n: 5000, p: 0.7 }, 3500, 1050, false],
  ["NegativeBinomial", { mu: 4, alpha: 2 }, 4, 4 + 16 / 2, false],
  ["Laplace", { mu: 1, b: 2 }, 1, 8, true],
  ["Logistic", { mu: 1, s: 0.5 }, 1, (0.25 * Math.PI ** 2) / 3, true],
  ["Gumbel", { mu: 1, beta: 2 }, 1 + 2 * 0.5772156649015329, (Math.PI ** 2 / 6) * 4, true],
  ["Weibull", { alpha: 2, beta: 1.5 }, 1.5 * Math.exp(lg(1.5)), 2.25 * (1 - Math.exp(2 * lg(1.5))), true],
  ["Pareto", { alpha: 5, m: 1 }, 5 / 4, 5 / (16 * 3), true],
  ["InverseGamma", { alpha: 5, beta: 2 }, 0.5, 4 / (16 * 3), true],
  ["ChiSquared", { nu: 3 }, 3, 6, true],
  ["Geometric", { p: 0.3 }, 1 / 0.3, 0.7 / 0.09, false],
  ["DiscreteUniform", { lower: -2, upper: 5 }, 1.5, (64 - 1) / 12, false],
  ["HalfCauchy", { beta: 1 }, NaN, NaN, true],
  ["Cauchy", { alpha: 1, beta: 2 }, NaN, NaN, true],
];

describe("distributions: seeded samplers", () => {
  for (const [family, params, mean, variance, continuous] of MOMENTS) {
    it(`${family}(${JSON.stringify(params)}): moments${continuous ? " and KS" : ""}`, () => checkDraws(family, params, mean, variance, continuous, 7, N));
  }

  it("Categorical, Dirichlet: frequencies and means", () => {
    const c = draw(tsmc.Categorical.dist([0.2, 0.3, 0.5], { shape: [N] }), { seed: 3 }).data as Float64Array;
    [0.2, 0.3, 0.5].forEach((p, k) => {
      const f = c.filter((v) => v === k).length / N;
      expect(Math.abs(f - p)).to.be.lessThan(5 * Math.sqrt((p * (1 - p)) / N));
    });
    const d = draw(tsmc.Dirichlet.dist([1, 2, 3], { shape: [N, 3] }), { seed: 3 });
    expect(d.shape).to.deep.equal([N, 3]);
    const data = d.data as Float64Array;
    [1 / 6, 2 / 6, 3 / 6].forEach((m, k) => {
      let s = 0;
      for (let i = 0; i < N; i++) s += data[i * 3 + k];
      expect(Math.abs(s / N - m)).to.be.lessThan(0.01);
    });
    for (let i = 0; i < 10; i++) expect(Math.abs(data[i * 3] + data[i * 3 + 1] + data[i * 3 + 2] - 1)).to.be.lessThan(1e-12);
  });
});

// ---- supports, checks and models ------------------------------------------------------------

describe("distributions: supports, parameter checks and default transforms", () => {
  const OUTSIDE: [string, Record<string, unknown>, number][] = [
    ["Bernoulli", { p: 0.3 }, 2],
    ["Poisson", { mu: 2 }, -1],
    ["HalfCauchy", { beta: 1 }, -0.1],
    ["Exponential", { lam: 1 }, -0.1],
    ["Gamma", { alpha: 2, beta: 1 }, -0.1],
    ["Beta", { alpha: 2, beta: 2 }, 1.1],
    ["Uniform", { lower: 0, upper: 1 }, 1.5],
    ["HalfStudentT", { nu: 3, sigma: 1 }, -1],
    ["LogNormal", { mu: 0, sigma: 1 }, -1],
    ["Binomial", { n: 5, p: 0.5 }, 6],
    ["NegativeBinomial", { mu: 2, alpha: 1 }, -1],
    ["Categorical", { p: [0.5, 0.5] }, 2],
    ["Weibull", { alpha: 2, beta: 1 }, -1],
    ["Pareto", { alpha: 2, m: 1 }, 0.5],
    ["InverseGamma", { alpha: 2, beta: 1 }, -1],
    ["Geometric", { p: 0.5 }, 0],
    ["DiscreteUniform", { lower: 0, upper: 3 }, 4],
  ];
  it("values outside the support give -Infinity in a model's logp", () => {
    checkOutsideSupport(OUTSIDE);
    const d = Model.build(() => {
      tsmc.Dirichlet("w", [1, 1], { observed: [1.2, -0.2] });
    });
    expect(d.compileLogp()({})).to.equal(-Infinity);
  });

  const INVALID: [string, unknown[], string][] = [
    ["Gamma", [-1, 1], "alpha"],
    ["Gamma", [1, -1], "beta"],
    ["Beta", [2, 0], "beta"],
    ["Exponential", [-2], "lam"],
    ["HalfCauchy", [0], "beta"],
    ["Cauchy", [0, -1], "beta"],
    ["Poisson", [-1], "mu"],
    ["Bernoulli", [1.5], "p"],
    ["Binomial", [10, 2], "p"],
    ["StudentT", [-3, 0, 1], "nu"],
    ["HalfStudentT", [3, -1], "sigma"],
    ["LogNormal", [0, -1], "sigma"],
    ["Uniform", [2, 1], "lower"],
    ["NegativeBinomial", [2, -1], "alpha"],
    ["Dirichlet", [[1, -1]], "a"],
    ["Laplace", [0, -1], "b"],
    ["Logistic", [0, 0], "s"],
    ["Weibull", [0, 1], "alpha"],
    ["Pareto", [1, -1], "m"],
    ["InverseGamma", [-1, 1], "alpha"],
    ["ChiSquared", [-1], "nu"],
    ["Geometric", [1.5], "p"],
    ["DiscreteUniform", [5, 1], "lower"],
  ];
  it("invalid constant parameters are build errors naming the parameter", () => {
    for (const [family, args, param] of INVALID) {
      expect(() => model(() => dists[family]("x", ...args)), `${family}(${args})`).to.throw(new RegExp(`${family}\\('x'\\).*${param}`));
    }
  });

  it("a symbolic invalid parameter raises ParameterValueError from logp, -inf in a model", () => {
    const a = pt.scalar("a");
    const g = logp(tsmc.Gamma.dist(a, 1), 1);
    expect(() => g.eval({ a: -1 })).to.throw(tsmc.ParameterValueError, "alpha > 0, beta > 0");
  });

  const TRANSFORMS: [string, Record<string, unknown>, string, number[]][] = [
    ["HalfCauchy", { beta: 1 }, "x_log__", []],
    ["Cauchy", { alpha: 0, beta: 1 }, "x", []],
    ["Exponential", { lam: 1 }, "x_log__", []],
    ["Gamma", { alpha: 2, beta: 1 }, "x_log__", []],
    ["Beta", { alpha: 2, beta: 2 }, "x_logodds__", []],
    ["Uniform", { lower: -1, upper: 2 }, "x_interval__", []],
    ["StudentT", { nu: 3 }, "x", []],
    ["HalfStudentT", { nu: 3, sigma: 1 }, "x_log__", []],
    ["LogNormal", { mu: 0, sigma: 1 }, "x_log__", []],
    ["Dirichlet", { a: [1, 2, 3] }, "x_simplex__", [2]],
    ["Laplace", { mu: 0, b: 1 }, "x", []],
    ["Logistic", { mu: 0, s: 1 }, "x", []],
    ["Gumbel", { mu: 0, beta: 1 }, "x", []],
    ["Weibull", { alpha: 2, beta: 1 }, "x_log__", []],
    ["Pareto", { alpha: 2, m: 1 }, "x_interval__", []],
    ["InverseGamma", { alpha: 2, beta: 1 }, "x_log__", []],
    ["ChiSquared", { nu: 2 }, "x_log__", []],
  ];
  it("each family in a model: PyMC's value-variable names and Jacobians", () => {
    for (const [family, params, valueName, valueShape] of TRANSFORMS) {
      const m = model(() => {
        dists[family]("x", params);
      });
      expect(
        m.valueVars.map((v) => v.name),
        family,
      ).to.deep.equal([valueName]);
      expect(m.valueVars[0].shape).to.deep.equal(valueShape);
      const p0 = m.initialPoint();
      const lp = m.logp(p0);
      expect(Number.isFinite(lp), `${family} logp at the initial point: ${lp}`).to.equal(true);
      // logp in value space = logp of the constrained draw + log|J|
      const gm = Model.build(() => {
        dists[family]("x", params);
      });
      const noJac = gm.compileLogp({ jacobian: false })(p0) as number;
      const withJac = gm.compileLogp()(p0) as number;
      if (valueName === "x") expect(withJac).to.equal(noJac);
      else expect(Number.isFinite(withJac - noJac)).to.equal(true);
    }
  });

  it("interval and simplex Jacobians integrate the density to one", () => {
    // Uniform(-1, 2) in interval space: ∫ exp(logp(v)) dv = 1
    const m = model(() => {
      tsmc.Uniform("u", -1, 2);
    });
    let s = 0;
    for (let v = -40; v <= 40; v += 0.01) s += Math.exp(m.logp({ u_interval__: v })) * 0.01;
    expect(Math.abs(s - 1)).to.be.lessThan(1e-6);
    // Beta(2, 3) in logodds space
    const b = model(() => {
      tsmc.Beta("b", 2, 3);
    });
    s = 0;
    for (let v = -40; v <= 40; v += 0.01) s += Math.exp(b.logp({ b_logodds__: v })) * 0.01;
    expect(Math.abs(s - 1)).to.be.lessThan(1e-6);
    // Dirichlet(1.5, 2, 2.5) in simplex space (2-d grid)
    const d = model(() => {
      tsmc.Dirichlet("w", [1.5, 2, 2.5]);
    });
    s = 0;
    const h = 0.05;
    for (let a = -12; a <= 12; a += h) for (let c = -12; c <= 12; c += h) s += Math.exp(d.logp({ w_simplex__: [a, c] })) * h * h;
    expect(Math.abs(s - 1)).to.be.lessThan(1e-4);
  });

  it("dlogp of a model with every group-one family matches finite differences", () => {
    const m = Model.build(() => {
      const p = tsmc.Beta("p", 2, 2);
      const lam = tsmc.Gamma("lam", { mu: 3, sigma: 1 });
      const s = tsmc.HalfCauchy("s", 1);
      const nu = tsmc.Exponential("nu", { lam: 0.5 });
      const w = tsmc.Dirichlet("w", [1, 1, 1]);
      tsmc.Bernoulli("y", p, { observed: [0, 1, 1] });
      tsmc.Poisson("k", lam, { observed: [2, 5] });
      tsmc.StudentT("t", nu, 0, s, { observed: [0.3, -1.2] });
      tsmc.Categorical("c", w, { observed: [0, 2, 2] });
      tsmc.NegativeBinomial("nb", lam, 2, { observed: [4] });
      tsmc.Binomial("bn", 10, p, { observed: [7] });
    });
    const f = m.compileLogp();
    const df = m.compileDlogp();
    const names = m.valueVars.map((v) => v.name!);
    const x = Float64Array.of(0.2, 0.9, -0.3, 0.4, 0.3, -0.2);
    const point = (y: Float64Array) => ({ [names[0]]: y[0], [names[1]]: y[1], [names[2]]: y[2], [names[3]]: y[3], [names[4]]: [y[4], y[5]] });
    const g = df(point(x)).data as Float64Array;
    const fd = finiteDiffGrad((y) => f(point(y)) as number, x);
    g.forEach((v, i) => expect(Math.abs(v - fd[i])).to.be.lessThan(1e-6 * Math.max(1, Math.abs(fd[i]))));
  });
});
