// The second half of the catalogue (TruncatedNormal … LKJ): gradients against finite differences,
// seeded samplers against analytic moments and a Kolmogorov–Smirnov statistic, supports, parameter
// checks and default transforms in a model. logp/logcdf against SciPy run in distributions.test.ts
// over the shared fixture (test/reference/distributions.json).
import { expect } from "chai";
import * as tsmc from "../compiler/index.js";
import { pt, logp, draw, model, Model } from "../compiler/index.js";
import { finiteDiffGrad } from "./helpers/fd.js";
import { checkDraws, checkGradient, checkOutsideSupport, dists } from "./helpers/distributions.js";

const GRAD_CASES: [string, Record<string, any>, number | number[], boolean, string[]?][] = [
  ["TruncatedNormal", { mu: 0.3, sigma: 1.2, lower: -1, upper: 2.5 }, 0.8, true],
  ["TruncatedNormal", { mu: 0.3, sigma: 1.2, lower: -1 }, 0.8, true],
  ["TruncatedNormal", { mu: 0.3, tau: 1.2, upper: 2.5 }, 0.8, true],
  ["SkewNormal", { alpha: -2.5, mu: 0.3, sigma: 1.2 }, 0.1, true],
  ["SkewNormal", { alpha: 2.5, mu: 0.3, tau: 1.2 }, 0.1, true],
  ["AsymmetricLaplace", { kappa: 0.7, mu: 0.3, b: 1.2 }, 1.1, true],
  ["AsymmetricLaplace", { q: 0.3, mu: 0.3, b: 1.2 }, -1.1, true],
  ["LogitNormal", { mu: 0.3, sigma: 1.2 }, 0.4, true],
  ["ExGaussian", { mu: 0.3, sigma: 1.2, nu: 0.8 }, 1.1, true],
  ["ExGaussian", { mu: 0.3, sigma: 1.2, nu: 0.02 }, -5, true],
  ["Moyal", { mu: 0.3, sigma: 1.2 }, 1.1, true],
  ["Kumaraswamy", { a: 1.7, b: 2.2 }, 0.4, true],
  ["Triangular", { lower: -1, upper: 2, c: 0.5 }, 1.1, true],
  ["Wald", { mu: 1.3, lam: 2.2, alpha: 0.1 }, 1.1, true],
  ["Wald", { mu: 1.3, phi: 2.2 }, 1.1, true],
  ["VonMises", { mu: 0.3, kappa: 2.2 }, 1.1, true],
  ["Rice", { nu: 1.3, sigma: 0.8 }, 1.1, true],
  ["Rice", { b: 1.3, sigma: 0.8 }, 1.1, true],
  ["BetaBinomial", { alpha: 1.3, beta: 2.8, n: 10 }, 4, false, ["n"]],
  ["DiscreteWeibull", { q: 0.6, beta: 1.4 }, 3, false],
  ["ZeroInflatedPoisson", { psi: 0.6, mu: 2.4 }, 0, false],
  ["ZeroInflatedPoisson", { psi: 0.6, mu: 2.4 }, 3, false],
  ["ZeroInflatedBinomial", { psi: 0.6, n: 12, p: 0.3 }, 0, false, ["n"]],
  ["ZeroInflatedNegativeBinomial", { psi: 0.6, mu: 4.2, alpha: 1.5 }, 0, false],
  ["ZeroInflatedNegativeBinomial", { psi: 0.6, n: 4.2, p: 0.3 }, 5, false],
  ["OrderedLogistic", { eta: 0.4, cutpoints: [-1, 0.3, 1.5] }, 2, false],
];

describe("distributions (second group): gradients of logp against finite differences", () => {
  for (const [family, params, value, continuous, fixed] of GRAD_CASES) {
    it(`${family}(${Object.keys(params).join(", ")})`, () => checkGradient(family, params, value, continuous, fixed));
  }
});

// ---- samplers -------------------------------------------------------------------------------

const N = 20_000;
const lg = (x: number) => pt.gammaln(x).eval() as number;
type Moment = [string, Record<string, any>, number, number, boolean];
const snMean = (a: number, s: number) => s * Math.sqrt(2 / Math.PI) * (a / Math.sqrt(1 + a * a));
const kumMoment = (a: number, b: number, k: number) => b * Math.exp(lg(1 + k / a) + lg(b) - lg(1 + k / a + b));
const MOMENTS: Moment[] = [
  ["TruncatedNormal", { mu: 0, sigma: 1, lower: -1, upper: 2 }, 0.22963717909132902, 0.5197625392115339, true],
  ["TruncatedNormal", { mu: 0, sigma: 1, lower: 3 }, 3.28309865493044, 0.07055918678525586, true],
  ["TruncatedNormal", { mu: 1, sigma: 2, upper: -8 }, NaN, NaN, true],
  ["SkewNormal", { alpha: 3, mu: 1, sigma: 2 }, 1 + snMean(3, 2), 4 * (1 - (2 * 9) / (10 * Math.PI)), true],
  ["AsymmetricLaplace", { kappa: 2, mu: 1, b: 0.5 }, 1 - (2 - 0.5) / 0.5, (1 + 16) / (0.25 * 4), true],
  ["LogitNormal", { mu: 0.3, sigma: 0.8 }, NaN, NaN, true],
  ["ExGaussian", { mu: 1, sigma: 0.5, nu: 2 }, 3, 4.25, true],
  ["Moyal", { mu: 1, sigma: 2 }, 1 + 2 * (0.5772156649015329 + Math.LN2), (Math.PI ** 2 / 2) * 4, true],
  ["Kumaraswamy", { a: 2, b: 3 }, kumMoment(2, 3, 1), kumMoment(2, 3, 2) - kumMoment(2, 3, 1) ** 2, true],
  ["Triangular", { lower: -1, upper: 3, c: 0 }, 2 / 3, (1 + 9 + 0 + 3 - 0 - 0) / 18, true],
  ["Wald", { mu: 2, lam: 3, alpha: 0.5 }, 2.5, 8 / 3, true],
  ["VonMises", { mu: 0, kappa: 2 }, 0, NaN, true],
  ["Rice", { nu: 2, sigma: 1 }, NaN, NaN, true],
  ["BetaBinomial", { alpha: 2, beta: 3, n: 10 }, 4, (10 * 6 * 15) / (25 * 6), false],
  ["HyperGeometric", { N: 20, k: 7, n: 12 }, (12 * 7) / 20, (12 * (7 / 20) * (13 / 20) * 8) / 19, false],
  ["DiscreteWeibull", { q: 0.5, beta: 1 }, 1, 2, false],
  ["ZeroInflatedPoisson", { psi: 0.7, mu: 3 }, 2.1, 0.7 * 3 * (1 + 0.3 * 3), false],
  ["ZeroInflatedBinomial", { psi: 0.6, n: 10, p: 0.3 }, 1.8, 0.6 * 2.1 + 0.6 * 0.4 * 9, false],
  ["ZeroInflatedNegativeBinomial", { psi: 0.5, mu: 4, alpha: 2 }, 2, 0.5 * (4 + 8) + 0.25 * 16, false],
];

describe("distributions (second group): seeded samplers", () => {
  for (const [family, params, mean, variance, continuous] of MOMENTS) {
    it(`${family}(${JSON.stringify(params)}): ${Number.isNaN(mean) ? "" : "moments and "}KS`, () => {
      checkDraws(family, params, mean, variance, continuous, 11, N);
    });
  }

  it("Flat and HalfFlat cannot be sampled", () => {
    expect(() => draw(tsmc.Flat.dist({ shape: [2] }))).to.throw(/Flat/);
    expect(() => draw(tsmc.HalfFlat.dist())).to.throw(/Flat/);
  });
});

// ---- supports, checks and models ------------------------------------------------------------

describe("distributions (second group): supports, parameter checks and default transforms", () => {
  const OUTSIDE: [string, Record<string, unknown>, number][] = [
    ["TruncatedNormal", { mu: 0, sigma: 1, lower: -1, upper: 1 }, 1.5],
    ["TruncatedNormal", { mu: 0, sigma: 1, lower: -1 }, -1.5],
    ["LogitNormal", { mu: 0, sigma: 1 }, 1],
    ["Kumaraswamy", { a: 2, b: 2 }, 1.2],
    ["Triangular", { lower: 0, upper: 1, c: 0.5 }, -0.1],
    ["Wald", { mu: 1, lam: 1, alpha: 0.5 }, 0.4],
    ["VonMises", { mu: 0, kappa: 1 }, 4],
    ["Rice", { nu: 1, sigma: 1 }, -1],
    ["HalfFlat", {}, -1],
    ["BetaBinomial", { alpha: 1, beta: 1, n: 5 }, 6],
    ["HyperGeometric", { N: 10, k: 3, n: 5 }, 4],
    ["DiscreteWeibull", { q: 0.5, beta: 1 }, -1],
    ["ZeroInflatedPoisson", { psi: 0.5, mu: 1 }, -1],
    ["ZeroInflatedBinomial", { psi: 0.5, n: 3, p: 0.5 }, 4],
    ["ZeroInflatedNegativeBinomial", { psi: 0.5, mu: 1, alpha: 1 }, -2],
    ["OrderedLogistic", { eta: 0, cutpoints: [-1, 1] }, 3],
  ];
  it("values outside the support give -Infinity in a model's logp", () => checkOutsideSupport(OUTSIDE));

  const INVALID: [string, unknown[] | Record<string, unknown>, string][] = [
    ["TruncatedNormal", { mu: 0, sigma: -1 }, "sigma"],
    ["TruncatedNormal", { mu: 0, sigma: 1, lower: 2, upper: 1 }, "lower"],
    ["SkewNormal", { alpha: 1, mu: 0, sigma: -1 }, "sigma"],
    ["AsymmetricLaplace", [1, 0, -1], "b"],
    ["AsymmetricLaplace", [-1, 0, 1], "kappa"],
    ["LogitNormal", [0, -2], "sigma"],
    ["ExGaussian", [0, 1, -1], "nu"],
    ["ExGaussian", [0, -1, 1], "sigma"],
    ["Moyal", [0, 0], "sigma"],
    ["Kumaraswamy", [-1, 1], "a"],
    ["Kumaraswamy", [1, 0], "b"],
    ["Triangular", [0, 1, 2], "c"],
    ["Wald", [-1, 1], "mu"],
    ["Wald", [1, -1], "lam"],
    ["Wald", { mu: 1, lam: 1, alpha: -1 }, "alpha"],
    ["VonMises", [0, -1], "kappa"],
    ["Rice", [1, -1], "sigma"],
    ["BetaBinomial", [-1, 1, 5], "alpha"],
    ["BetaBinomial", [1, 1, -5], "n"],
    ["HyperGeometric", [10, 3, 20], "n"],
    ["DiscreteWeibull", [1.5, 1], "q"],
    ["DiscreteWeibull", [0.5, -1], "beta"],
    ["ZeroInflatedPoisson", [1.5, 1], "psi"],
    ["ZeroInflatedPoisson", [0.5, -1], "mu"],
    ["ZeroInflatedBinomial", [0.5, 5, 2], "p"],
    ["ZeroInflatedNegativeBinomial", [0.5, 2, -1], "alpha"],
  ];
  it("invalid constant parameters are build errors naming the parameter", () => {
    for (const [family, args, param] of INVALID) {
      const call = Array.isArray(args) ? () => dists[family]("x", ...args) : () => dists[family]("x", args);
      expect(() => model(call), `${family}(${JSON.stringify(args)})`).to.throw(new RegExp(`${family}\\('x'\\).*${param}`));
    }
  });

  const TRANSFORMS: [string, Record<string, unknown>, string, number[]][] = [
    ["TruncatedNormal", { mu: 0, sigma: 1, lower: -1, upper: 2 }, "x_interval__", []],
    ["TruncatedNormal", { mu: 0, sigma: 1, lower: -1 }, "x_interval__", []],
    ["TruncatedNormal", { mu: 0, sigma: 1 }, "x_interval__", []],
    ["SkewNormal", { alpha: 2 }, "x", []],
    ["AsymmetricLaplace", { kappa: 2, mu: 0, b: 1 }, "x", []],
    ["LogitNormal", { mu: 0, sigma: 1 }, "x_logodds__", []],
    ["ExGaussian", { mu: 0, sigma: 1, nu: 1 }, "x", []],
    ["Moyal", {}, "x", []],
    ["Kumaraswamy", { a: 2, b: 3 }, "x_logodds__", []],
    ["Triangular", { lower: -1, upper: 2, c: 0 }, "x_interval__", []],
    ["Wald", { mu: 1, lam: 2 }, "x_log__", []],
    ["VonMises", { mu: 0.5, kappa: 2 }, "x_circular__", []],
    ["Rice", { nu: 1, sigma: 2 }, "x_log__", []],
    ["Flat", {}, "x", []],
    ["HalfFlat", {}, "x_log__", []],
    ["BetaBinomial", { alpha: 1, beta: 1, n: 5 }, "x", []],
    ["ZeroInflatedPoisson", { psi: 0.5, mu: 3 }, "x", []],
  ];
  it("each family in a model: PyMC's value-variable names, finite logp and gradient at the initial point", () => {
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
      const g = m.dlogp(p0);
      for (const v of Object.values(g)) expect(Number.isFinite(v as number), `${family} dlogp`).to.equal(true);
    }
  });

  it("the interval transform of TruncatedNormal integrates the density to one", () => {
    const m = model(() => {
      tsmc.TruncatedNormal("t", { mu: 0.5, sigma: 2, lower: -1, upper: 1.5 });
    });
    let s = 0;
    for (let v = -40; v <= 40; v += 0.01) s += Math.exp(m.logp({ t_interval__: v })) * 0.01;
    expect(Math.abs(s - 1)).to.be.lessThan(1e-6);
  });

  it("VonMises through the circular transform: logp at v and v + 2π agree", () => {
    const m = model(() => {
      tsmc.VonMises("a", 0.5, 2);
    });
    expect(m.logp({ a_circular__: 0.3 + 2 * Math.PI })).to.be.closeTo(m.logp({ a_circular__: 0.3 }), 1e-12);
  });

  it("discrete support points are in the support (PyMC's)", () => {
    const sp = (family: string, params: Record<string, unknown>) => {
      const rv = dists[family].dist(params);
      return pt.eval(dists[family].spec.supportPoint(rv.owner!.inputs.slice(3)));
    };
    expect(sp("BetaBinomial", { alpha: 2, beta: 3, n: 10 })).to.equal(4);
    expect(sp("HyperGeometric", { N: 20, k: 7, n: 12 })).to.equal(4);
    expect(sp("ZeroInflatedPoisson", { psi: 0.5, mu: 3.5 })).to.equal(2);
  });

  it("the ordered transform: increasing cutpoints of an OrderedLogistic, Jacobian and gradient", () => {
    const m = Model.build(() => {
      const cut = tsmc.Normal("cut", 0, 3, { shape: [3], transform: tsmc.transforms.ordered, initval: [-1, 0.5, 2] });
      const eta = tsmc.Normal("eta", 0, 1);
      tsmc.OrderedLogistic("y", eta, cut, { observed: [0, 1, 3, 2, 2] });
    });
    expect(m.valueVars.map((v) => v.name)).to.deep.equal(["cut_ordered__", "eta"]);
    const p0 = m.initialPoint() as any;
    expect(Array.from(p0.cut_ordered__.data)).to.deep.equal([-1, Math.log(1.5), Math.log(1.5)]);
    expect(String(m)).to.match(/y ~ Categorical/);
    const f = m.compileLogp();
    const noJac = m.compileLogp({ jacobian: false });
    const v = { cut_ordered__: [-1, Math.log(1.5), Math.log(1.5)], eta: 0.2 };
    expect((f(v) as number) - (noJac(v) as number)).to.be.closeTo(2 * Math.log(1.5), 1e-12);
    const df = m.compileDlogp();
    const x = Float64Array.of(-1, 0.4, 0.4, 0.2);
    const point = (y: Float64Array) => ({ cut_ordered__: [y[0], y[1], y[2]], eta: y[3] });
    const g = df(point(x)).data as Float64Array;
    const fd = finiteDiffGrad((y) => f(point(y)) as number, x);
    g.forEach((gi, i) => expect(Math.abs(gi - fd[i])).to.be.lessThan(1e-6 * Math.max(1, Math.abs(fd[i]))));
    // constrained draws are increasing
    const d = model(() => {
      tsmc.Normal("c", 0, 1, { shape: [4], transform: tsmc.transforms.ordered, initval: [0, 1, 2, 3] });
    });
    expect(d.valueVars[0].name).to.equal("c_ordered__");
  });

  it("chained transforms: positiveOrdered is Chain([log, ordered]) (x_chain__), its log-Jacobian summed on the way back", () => {
    const m = Model.build(() => {
      tsmc.HalfNormal("x", 2, { shape: [3], transform: tsmc.transforms.positiveOrdered, initval: [0.5, 1, 2] });
    });
    expect(m.valueVars.map((v) => v.name)).to.deep.equal(["x_chain__"]);
    const v = [0.1, -0.3, 0.4];
    // By hand: y = cumsum(v0, exp v1, exp v2), x = exp(y); log|J| = Σ y + v1 + v2.
    const y = [v[0], v[0] + Math.exp(v[1]), v[0] + Math.exp(v[1]) + Math.exp(v[2])];
    const halfNormal = (t: number) => 0.5 * Math.log(2 / Math.PI) - Math.log(2) - (t * t) / 8;
    const want = y.reduce((a, t) => a + halfNormal(Math.exp(t)) + t, 0) + v[1] + v[2];
    const f = m.compileLogp();
    expect(f({ x_chain__: v }) as number).to.be.closeTo(want, 1e-12);
    const p0 = m.initialPoint() as any;
    const logs = [Math.log(0.5), 0, Math.log(2)];
    expect(Array.from(p0.x_chain__.data)).to.deep.equal([logs[0], Math.log(logs[1] - logs[0]), Math.log(logs[2] - logs[1])]);
    const df = m.compileDlogp();
    const x = Float64Array.from(v);
    const g = df({ x_chain__: v }).data as Float64Array;
    const fd = finiteDiffGrad((z) => f({ x_chain__: Array.from(z) }) as number, x);
    g.forEach((gi, i) => expect(Math.abs(gi - fd[i])).to.be.lessThan(1e-6 * Math.max(1, Math.abs(fd[i]))));
    // sampled: positive and increasing
    const trace = model(() => {
      tsmc.HalfNormal("x", 2, { shape: [3], transform: tsmc.transforms.positiveOrdered, initval: [0.5, 1, 2] });
    }).sample({ draws: 100, tune: 100, chains: 1, seed: 3 });
    const d = trace.posterior.x.data;
    for (let i = 0; i < d.length; i += 3) expect(0 < d[i] && d[i] < d[i + 1] && d[i + 1] < d[i + 2], `draw ${i / 3}`).to.equal(true);
    // A chain of interval then nothing else is the interval itself; an empty chain is an error.
    const one = Model.build(() => void tsmc.Beta("b", 2, 3, { transform: tsmc.transforms.chain([tsmc.transforms.logodds]) }));
    const plain = Model.build(() => void tsmc.Beta("b", 2, 3));
    expect(one.compileLogp()({ b_chain__: 0.3 }) as number).to.be.closeTo(plain.compileLogp()({ b_logodds__: 0.3 }) as number, 1e-14);
    expect(() => tsmc.transforms.chain([])).to.throw("transforms.chain: expected a non-empty array of transforms");
  });

  it("alternative parameterisations and their errors", () => {
    expect(() => tsmc.Wald.dist({ lam: 1 })).to.throw(/mu only, mu and lam, mu and phi, or lam and phi/);
    expect(() => tsmc.Rice.dist({ sigma: 1 })).to.throw(/either nu or b/);
    expect(() => tsmc.AsymmetricLaplace.dist({ kappa: 1, q: 0.5, mu: 0, b: 1 })).to.throw(/kappa or q/);
    // support points
    expect(pt.eval(tsmc.TruncatedNormal.spec.supportPoint([pt.constant(0), pt.constant(1), pt.constant(-Infinity), pt.constant(2)]))).to.equal(1);
  });
});

// ---- multivariate ---------------------------------------------------------------------------

describe("distributions (multivariate): MvNormal, MvStudentT, Multinomial, DirichletMultinomial", () => {
  const COV = [
    [2, 0.5, 0.1],
    [0.5, 1, 0.3],
    [0.1, 0.3, 1.5],
  ];
  const CHOL = [
    [1.2, 0, 0],
    [0.3, 0.8, 0],
    [-0.2, 0.4, 1.1],
  ];

  it("gradients in mu, a symmetric covariance, chol and the value against finite differences", () => {
    for (const family of ["MvNormal", "MvStudentT"]) {
      const A = pt.tensor("A", { shape: [3, 3] });
      const mu = pt.tensor("mu", { shape: [3] });
      const x = pt.tensor("x", { shape: [3] });
      const L = pt.tensor("L", { shape: [3, 3] });
      const cov = pt.div(pt.add(A, pt.transpose(A)), 2);
      const extra = family === "MvStudentT" ? { nu: 3.5 } : {};
      const scaleKey = family === "MvStudentT" ? "scale" : "cov";
      const lp = pt.add(logp(dists[family].dist({ ...extra, mu, [scaleKey]: cov }), x), logp(dists[family].dist({ ...extra, mu, chol: L }), x));
      const inputs = [A, mu, x, L];
      const f = pt.fn(inputs, [lp, ...pt.grad(lp, inputs)]);
      const vals = [COV.flat(), [0.1, -0.2, 0.3], [0.5, 0.2, -1], CHOL.flat()];
      const shapes = [[3, 3], [3], [3], [3, 3]];
      const flat = Float64Array.from(vals.flat());
      const unflat = (v: Float64Array) => {
        let o = 0;
        return shapes.map((s) => {
          const n = s.reduce((a, b) => a * b, 1);
          const part = v.slice(o, o + n);
          o += n;
          return { shape: s, data: part };
        });
      };
      const out = f(...unflat(flat)) as any[];
      const analytic = out.slice(1).flatMap((g: any) => Array.from(g.data as Float64Array));
      const fd = finiteDiffGrad((v) => (f(...unflat(v)) as any[])[0], flat, 1e-6);
      analytic.forEach((g, i) => {
        // entries above the diagonal of chol are ignored by PyMC's chol parameterisation only through the product; compare all
        expect(Math.abs(g - fd[i]), `${family} [${i}]: ${g} vs ${fd[i]}`).to.be.lessThan(1e-6 * Math.max(1, Math.abs(fd[i])));
      });
    }
  });

  it("gradients of Multinomial and DirichletMultinomial in their parameters", () => {
    checkGradient("Multinomial", { n: 10, p: [0.2, 0.3, 0.5] }, [2, 3, 5], false, ["n"]);
    checkGradient("DirichletMultinomial", { n: 10, a: [1.2, 0.5, 3] }, [2, 3, 5], false, ["n"]);
  });

  it("seeded draws: means, covariances and sums", () => {
    const M = 20_000;
    const x = draw(tsmc.MvNormal.dist([1, -1, 0.5], COV, { shape: [M, 3] }), { seed: 5 }).data as Float64Array;
    for (let i = 0; i < 3; i++) {
      let m = 0;
      for (let r = 0; r < M; r++) m += x[r * 3 + i];
      m /= M;
      expect(Math.abs(m - [1, -1, 0.5][i])).to.be.lessThan(5 * Math.sqrt(COV[i][i] / M));
      for (let j = 0; j <= i; j++) {
        let c = 0;
        for (let r = 0; r < M; r++) c += (x[r * 3 + i] - [1, -1, 0.5][i]) * (x[r * 3 + j] - [1, -1, 0.5][j]);
        expect(Math.abs(c / M - COV[i][j]), `cov[${i}][${j}]`).to.be.lessThan(0.06);
      }
    }
    const t = draw(tsmc.MvStudentT.dist(5, { mu: [1, 2, 3], scale: COV, shape: [M, 3] }), { seed: 5 }).data as Float64Array;
    let v0 = 0;
    for (let r = 0; r < M; r++) v0 += (t[r * 3] - 1) ** 2;
    expect(Math.abs(v0 / M / ((5 / 3) * COV[0][0]) - 1)).to.be.lessThan(0.1);
    const mn = draw(tsmc.Multinomial.dist(10, [0.2, 0.3, 0.5], { shape: [M, 3] }), { seed: 5 }).data as Float64Array;
    const dm = draw(tsmc.DirichletMultinomial.dist(10, [1, 2, 3], { shape: [M, 3] }), { seed: 5 }).data as Float64Array;
    for (const [d, means] of [
      [mn, [2, 3, 5]],
      [dm, [10 / 6, 20 / 6, 30 / 6]],
    ] as [Float64Array, number[]][]) {
      for (let r = 0; r < 50; r++) expect(d[r * 3] + d[r * 3 + 1] + d[r * 3 + 2]).to.equal(10);
      means.forEach((m, i) => {
        let s = 0;
        for (let r = 0; r < M; r++) s += d[r * 3 + i];
        expect(Math.abs(s / M - m)).to.be.lessThan(0.06);
      });
    }
  });

  it("in a model: value names, shapes, support points, -inf outside the support, build errors", () => {
    const m = model(() => {
      tsmc.MvNormal("z", [0, 1, 2], COV);
      tsmc.MvStudentT("t", 4, { mu: [0, 0, 0], chol: CHOL, shape: [2, 3] });
    });
    expect(m.valueVars.map((v) => [v.name, v.shape])).to.deep.equal([
      ["z", [3]],
      ["t", [2, 3]],
    ]);
    expect(Array.from((m.initialPoint().z as any).data)).to.deep.equal([0, 1, 2]);
    expect(Number.isFinite(m.logp(m.initialPoint()))).to.equal(true);
    const outside = Model.build(() => {
      tsmc.Multinomial("k", 5, [0.5, 0.5], { observed: [2, 2] });
    });
    expect(outside.compileLogp()({})).to.equal(-Infinity);
    const dmo = Model.build(() => {
      tsmc.DirichletMultinomial("k", 5, [1, 1], { observed: [-1, 6] });
    });
    expect(dmo.compileLogp()({})).to.equal(-Infinity);
    expect(pt.eval(tsmc.Multinomial.spec.supportPoint([pt.constant(10), pt.constant([0.26, 0.37, 0.37])])).toArray()).to.deep.equal([3, 3, 4]);
    expect(() =>
      model(() =>
        tsmc.MvNormal(
          "x",
          [0, 0],
          [
            [1, 2],
            [2, 1],
          ],
        ),
      ),
    ).to.throw(/MvNormal\('x'\).*posdef/);
    expect(() => model(() => tsmc.Multinomial("x", 3, [-0.5, 1.5]))).to.throw(/Multinomial\('x'\).*p/);
    expect(() => model(() => tsmc.DirichletMultinomial("x", 3, [0, 1]))).to.throw(/DirichletMultinomial\('x'\).*a > 0/);
    expect(() => model(() => tsmc.MvStudentT("x", -1, { scale: COV }))).to.throw(/MvStudentT\('x'\).*nu/);
    expect(() =>
      tsmc.MvNormal.dist([0, 0], {
        cov: [
          [1, 0],
          [0, 1],
        ],
        tau: [
          [1, 0],
          [0, 1],
        ],
      }),
    ).to.throw(/exactly one of tau, cov, or chol/);
  });
});
