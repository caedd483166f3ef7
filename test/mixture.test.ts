// Mixture and NormalMixture (PyMC's marginal mixtures): logp and logcdf against SciPy
// (test/reference/mixture.json, made by test/reference/gen_mixture.py), gradients against finite
// differences (also where a component underflows), seeded draws against the mixture's moments,
// default transforms, the printed form, in process against ahead of time, a small posterior, errors.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import {
  pt,
  logp,
  logcdf,
  draw,
  model,
  Model,
  Mixture,
  NormalMixture,
  Normal,
  StudentT,
  Poisson,
  Exponential,
  Gamma,
  HalfNormal,
  Uniform,
  VonMises,
  type Variable,
} from "../compiler/index.js";
import { finiteDiffGrad } from "./helpers/fd.js";
import { compileInline, expectSameModel, type ModelLike } from "./helpers/aot.js";

const ref = JSON.parse(readFileSync(new URL("./reference/mixture.json", import.meta.url), "utf8"));
const num = (v: any): number => (v === "-inf" ? -Number.POSITIVE_INFINITY : v === "inf" ? Number.POSITIVE_INFINITY : v);

/** The reference cases' mixtures, as a user writes them. */
const CASES: Record<string, (opts?: object) => Variable> = {
  normal_studentt: (o = {}) => Mixture.dist([0.3, 0.7], [Normal.dist(0, 1), StudentT.dist(3, 2, 1)], o),
  poisson: (o = {}) => Mixture.dist([0.4, 0.6], [Poisson.dist(2), Poisson.dist(9)], o),
  normal_mixture: (o = {}) => NormalMixture.dist([0.2, 0.5, 0.3], [-2, 0, 5], [0.5, 1, 2], o),
  separated: (o = {}) => Mixture.dist([0.5, 0.5], Normal.dist([0, 100], 1), o),
  positive: (o = {}) => Mixture.dist([0.6, 0.4], [Exponential.dist(2), Gamma.dist(3, 1)], o),
};

/** Relative error 1e-7, or absolute 1e-12 near zero (a logcdf near 0 is rounded by its log). */
function expectClose(got: number, want: number, what: string): void {
  if (!Number.isFinite(want)) {
    expect(got, what).to.equal(want);
    return;
  }
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).to.be.at.most(1e-12 + 1e-7 * Math.abs(want));
}

describe("Mixture: logp and logcdf against SciPy", () => {
  for (const c of ref.cases) {
    it(`${c.name}: scalar values`, () => {
      const rv = CASES[c.name]();
      for (const r of c.rows) {
        expectClose(logp(rv, num(r.x)).eval(), num(r.logp), `${c.name} logp at ${r.x}`);
        expectClose(logcdf(rv, num(r.x)).eval(), num(r.logcdf), `${c.name} logcdf at ${r.x}`);
      }
    });
    it(`${c.name}: a vector of values at once (shape given)`, () => {
      const xs = c.rows.map((r: any) => num(r.x));
      const rv = CASES[c.name]({ shape: [xs.length] });
      const value = pt.constant(xs, null, rv.dtype);
      const lp = logp(rv, value).eval().data as Float64Array;
      const lc = logcdf(rv, value).eval().data as Float64Array;
      c.rows.forEach((r: any, i: number) => {
        expectClose(lp[i], num(r.logp), `${c.name} logp[${i}]`);
        expectClose(lc[i], num(r.logcdf), `${c.name} logcdf[${i}]`);
      });
    });
  }

  it("NormalMixture with tau is NormalMixture with sigma = tau^-1/2", () => {
    const a = NormalMixture.dist([0.2, 0.5, 0.3], [-2, 0, 5], { tau: [4, 1, 0.25] });
    const b = CASES.normal_mixture();
    for (const x of [-3, 0, 4.5]) expectClose(logp(a, x).eval(), logp(b, x).eval(), `tau at ${x}`);
  });

  it("logcdf names the component that has none", () => {
    const rv = Mixture.dist([0.5, 0.5], [Normal.dist(0, 1), VonMises.dist(0, 1)]);
    expect(() => logcdf(rv, 0.3)).to.throw(/component 1 of the Mixture \(VonMises\) has no logcdf/);
  });

  it("weights that are not a probability vector are a Check (-inf in a model)", () => {
    const w = pt.vector("w");
    const rv = Mixture.dist(w, [Normal.dist(0, 1), Normal.dist(3, 1)]);
    const at = (...ws: number[]) => logp(rv, 0.2).eval({ w: { shape: [2], data: Float64Array.from(ws) } });
    expectClose(at(0.5, 0.5), logp(Mixture.dist([0.5, 0.5], [Normal.dist(0, 1), Normal.dist(3, 1)]), 0.2).eval(), "symbolic w");
    expect(() => at(0.6, 0.6)).to.throw(/0 <= weights <= 1, sum\(weights\) == 1/);
    expect(() => at(1.5, -0.5)).to.throw(/0 <= weights <= 1, sum\(weights\) == 1/);
    const m = Model.build(() => {
      const a = Uniform("a", 0, 2, { transform: null });
      Mixture("y", pt.stack([a, pt.sub(1, a)]), [Normal.dist(0, 1), Normal.dist(3, 1)], { observed: 0.2 });
    });
    const f = m.compileLogp();
    expect(Number.isFinite(f({ a: 0.3 }))).to.equal(true);
    expect(f({ a: 1.5 })).to.equal(Number.NEGATIVE_INFINITY);
  });

  it("a batch of weights (one row per element) against the rows' own mixtures", () => {
    const rv = Mixture.dist(
      [
        [0.5, 0.5],
        [0.1, 0.9],
      ],
      [Normal.dist(0, 1), Normal.dist(5, 1)],
    );
    expect(rv.type.shape).to.deep.equal([2]);
    const got = logp(rv, pt.constant([1, 4])).eval().data as Float64Array;
    const row = (w: number, x: number) => logp(Mixture.dist([w, 1 - w], [Normal.dist(0, 1), Normal.dist(5, 1)]), x).eval();
    expectClose(got[0], row(0.5, 1), "row 0");
    expectClose(got[1], row(0.1, 4), "row 1");
    const xs = draw(
      Mixture.dist(
        [
          [1, 0],
          [0, 1],
        ],
        [Normal.dist(0, 0.01), Normal.dist(5, 0.01)],
        { shape: [3, 2] },
      ),
      { seed: 4 },
    ).data as Float64Array;
    expect(Array.from(xs).map((x) => Math.round(x) + 0)).to.deep.equal([0, 5, 0, 5, 0, 5]);
  });
});

describe("Mixture: gradients", () => {
  /** logp and its gradient in mu, sigma and the values, against central differences. */
  function check(values: number[]) {
    const mu = pt.vector("mu");
    const sigma = pt.vector("sigma");
    const x = pt.vector("x");
    const rv = NormalMixture.dist([0.3, 0.7], mu, sigma, { shape: [values.length] });
    const lp = pt.sum(logp(rv, x));
    const grads = pt.grad(lp, [mu, sigma, x]);
    const f = pt.fn([mu, sigma, x], [lp, ...grads]);
    const start = Float64Array.from([0, 100, 1, 1.5, ...values]);
    const split = (v: Float64Array) => [
      { shape: [2], data: v.slice(0, 2) },
      { shape: [2], data: v.slice(2, 4) },
      { shape: [values.length], data: v.slice(4) },
    ];
    const out = f(...split(start)) as any[];
    expect(Number.isFinite(out[0]), `logp ${out[0]}`).to.equal(true);
    const analytic = out.slice(1).flatMap((g: any) => Array.from(g.data as Float64Array));
    const fd = finiteDiffGrad((v) => (f(...split(v)) as any[])[0], start, 1e-5);
    analytic.forEach((g, i) => {
      expect(Number.isFinite(g), `d/d#${i} ${g}`).to.equal(true);
      expect(Math.abs(g - fd[i]), `d/d#${i}: ${g} vs ${fd[i]}`).to.be.lessThan(2e-6 * Math.max(1, Math.abs(fd[i])));
    });
  }

  it("in the body of both components", () => check([-0.5, 2, 50, 99]));

  it("a compiled model (rewritten and fused) far in a component's tail: gradient against finite differences", () => {
    const m = model("tails", () => {
      const mu = Normal("mu", 0, 100, { shape: [2] });
      const sigma = HalfNormal("sigma", 5);
      NormalMixture("y", [0.3, 0.7], mu, sigma, { observed: [160, -90, 250, 0.5] });
    });
    const x = Float64Array.of(0, 100, Math.log(1.2));
    const g = new Float64Array(3);
    const lp = m.flat.logpGrad(x, g);
    expect(Number.isFinite(lp)).to.equal(true);
    const fd = finiteDiffGrad((v) => m.flat.logp(v), x, 1e-5);
    g.forEach((gi, i) => expect(Math.abs(gi - fd[i]), `d/dx[${i}]: ${gi} vs ${fd[i]}`).to.be.lessThan(1e-5 * Math.max(1, Math.abs(fd[i]))));
  });

  it("far in one component's tail (its density underflows): finite logp and gradient", () => {
    // at 160 the first component's logp is -12800 and the second's -1600: exp underflows for both
    check([160, -90, 250]);
  });
});

describe("Mixture: draws", () => {
  function moments(xs: Float64Array) {
    const n = xs.length;
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    return { mean, variance };
  }
  const N = 20000;
  const cases: [string, () => Variable, number, number][] = [
    [
      "Normal and Normal (a list)",
      () => Mixture.dist([0.3, 0.7], [Normal.dist(-1, 0.5), Normal.dist(2, 1.5)], { shape: [N] }),
      1.1,
      0.3 * 1.25 + 0.7 * 6.25 - 1.21,
    ],
    ["NormalMixture (components on the last axis)", () => NormalMixture.dist([0.2, 0.5, 0.3], [-2, 0, 5], [0.5, 1, 2], { shape: [N] }), 1.1, 10.05 - 1.21],
    ["Poisson and Poisson", () => Mixture.dist([0.4, 0.6], [Poisson.dist(2), Poisson.dist(9)], { shape: [N] }), 6.2, 56.4 - 6.2 ** 2],
  ];
  for (const [what, make, mean, variance] of cases) {
    it(`${what}: mean within 5 standard errors, variance within 5%, reproducible by seed`, () => {
      const rv = make();
      const xs = draw(rv, { seed: 17 }).data as Float64Array;
      expect(xs.length).to.equal(N);
      const m = moments(xs);
      expect(Math.abs(m.mean - mean), `mean ${m.mean} vs ${mean}`).to.be.lessThan(5 * Math.sqrt(variance / N));
      expect(Math.abs(m.variance / variance - 1), `variance ${m.variance} vs ${variance}`).to.be.lessThan(0.05);
      expect(Array.from(draw(rv, { seed: 17 }).data as Float64Array)).to.deep.equal(Array.from(xs));
      expect(Array.from(draw(rv, { seed: 18 }).data as Float64Array)).to.not.deep.equal(Array.from(xs));
      if (rv.dtype === "int64") expect(xs.every(Number.isInteger)).to.equal(true);
    });
  }

  it("a scalar mixture draws scalars, stacked by draws", () => {
    const rv = Mixture.dist([0.5, 0.5], [Normal.dist(0, 1), Normal.dist(10, 1)]);
    const one = draw(rv, { seed: 1 });
    expect(typeof one).to.equal("number");
    const many = draw(rv, { draws: 400, seed: 1 }).data as Float64Array;
    const high = many.filter((x) => x > 5).length;
    expect(high).to.be.within(150, 250);
  });
});

describe("Mixture: in a model", () => {
  it("default transforms: the components' common one, else none; none for discrete mixtures", () => {
    const m = Model.build(() => {
      Mixture("pos", [0.5, 0.5], [Exponential.dist(1), HalfNormal.dist(2)]);
      Mixture("unit", [0.5, 0.5], [Uniform.dist(0, 1), Uniform.dist(0, 1)]);
      Mixture("wide", [0.5, 0.5], [Uniform.dist(0, 1), Uniform.dist(0, 2)]);
      Mixture("real", [0.5, 0.5], [Normal.dist(0, 1), StudentT.dist(3, 2, 1)]);
      Mixture("mixed", [0.5, 0.5], [Exponential.dist(1), Normal.dist(0, 1)]);
      Mixture("counts", [0.5, 0.5], [Poisson.dist(1), Poisson.dist(5)]);
    });
    expect(m.valueVars.map((v) => v.name)).to.deep.equal(["pos_log__", "unit_interval__", "wide", "real", "mixed", "counts"]);
  });

  it("prints as PyMC's str_for_dist", () => {
    const m = Model.build(() => {
      const mu = Normal("mu", 0, 10, { shape: [2] });
      NormalMixture("y", [0.5, 0.5], mu, 1, { observed: [-1, 0, 5, 6] });
      Mixture("z", [0.3, 0.7], [Normal.dist(0, 1), StudentT.dist(3, 2, 1)]);
    });
    expect(String(m)).to.equal(
      ["mu ~ Normal(0, 10)", " z ~ Mixture(<constant>, Normal(0, 1), StudentT(3, 2, 1))", " y ~ Mixture(<constant>, Normal(mu, 1))"].join("\n"),
    );
  });

  it("in process and ahead of time give the same numbers, draws included", async () => {
    const source = `() => {
      const mu = Normal("mu", 0, 10, { shape: [2] });
      const s = HalfNormal("s", 2);
      NormalMixture("y", [0.4, 0.6], mu, s, { observed: [-2.1, -1.7, 3.2, 2.9, 3.5] });
      Mixture("z", [0.3, 0.7], [Normal.dist(mu.index(0), 1), StudentT.dist(3, 2, 1)], { shape: [3] });
      Mixture("k", [0.5, 0.5], [Poisson.dist(2), Poisson.dist(7)], { observed: [0, 3, 9] });
    }`;
    const built = await compileInline<ModelLike>(
      `import { model, Normal, HalfNormal, NormalMixture, Mixture, StudentT, Poisson } from "tsmc";`,
      { mix: source },
      "mixture-aot",
    );
    const inProcess = model("mix", () => {
      const mu = Normal("mu", 0, 10, { shape: [2] });
      const s = HalfNormal("s", 2);
      NormalMixture("y", [0.4, 0.6], mu, s, { observed: [-2.1, -1.7, 3.2, 2.9, 3.5] });
      Mixture("z", [0.3, 0.7], [Normal.dist(pt.index(mu, 0), 1), StudentT.dist(3, 2, 1)], { shape: [3] });
      Mixture("k", [0.5, 0.5], [Poisson.dist(2), Poisson.dist(7)], { observed: [0, 3, 9] });
    });
    expectSameModel(built.mix, inProcess as unknown as ModelLike, "mixture model");
    const x = new Float64Array(inProcess.size).fill(0.3);
    const g = new Float64Array(inProcess.size);
    expect(Number.isFinite(inProcess.flat.logpGrad(x, g))).to.equal(true);
    expect(Array.from(g).every(Number.isFinite)).to.equal(true);
  });

  it("NUTS recovers two well separated means (one chain, a few hundred draws)", () => {
    const ys: number[] = [];
    for (let i = 0; i < 40; i++) ys.push(-5 + Math.sin(i * 1.7) * 0.9, 5 + Math.cos(i * 2.3) * 0.9);
    const m = model("two_means", () => {
      const mu = Normal("mu", 0, 10, { shape: [2], initval: [-1, 1] });
      NormalMixture("y", [0.5, 0.5], mu, 1, { observed: ys });
    });
    const trace = m.sample({ draws: 300, tune: 300, chains: 1, seed: 5, cores: 1 });
    const post = trace.posterior.mu;
    const n = post.shape[1];
    const means = [0, 1].map((k) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += post.data[i * 2 + k];
      return s / n;
    });
    means.sort((a, b) => a - b);
    expect(means[0]).to.be.closeTo(-5, 0.5);
    expect(means[1]).to.be.closeTo(5, 0.5);
    const pp = m.samplePosteriorPredictive(trace, { seed: 3 });
    expect(pp.y.shape).to.deep.equal([1, n, ys.length]);
    const prior = m.samplePriorPredictive({ draws: 5, seed: 1 });
    expect(prior.priorPredictive.y.shape).to.deep.equal([1, 5, ys.length]);
  });
});

describe("Mixture: errors name the variable", () => {
  it("weights of the wrong length", () => {
    expect(() => Mixture.dist([0.2, 0.3, 0.5], [Normal.dist(0, 1), Normal.dist(1, 1)])).to.throw(
      /^Mixture\.dist: w has 3 weights on its last axis but there are 2 components$/,
    );
    expect(() => Model.build(() => NormalMixture("y", [0.5, 0.5], [0, 1, 2], 1))).to.throw(
      /^NormalMixture\('y'\): w has 2 weights on its last axis but there are 3 components$/,
    );
  });

  it("weights that do not sum to 1", () => {
    expect(() => Model.build(() => Mixture("y", [0.5, 0.6], [Normal.dist(0, 1), Normal.dist(1, 1)]))).to.throw(
      /^Mixture\('y'\): invalid parameter: 0 <= weights <= 1, sum\(weights\) == 1 does not hold/,
    );
  });

  it("a component that is not a .dist() RandomVariable", () => {
    expect(() => Model.build(() => Mixture("y", [0.5, 0.5], [Normal.dist(0, 1), 3]))).to.throw(
      /^Mixture\('y'\): component 1 must be a distribution created with \.dist\(\.\.\.\)/,
    );
    expect(() => Model.build(() => Mixture("y", [0.5, 0.5], [Normal.dist(0, 1), pt.scalar("a")]))).to.throw(
      /^Mixture\('y'\): component 1 must be a distribution/,
    );
    expect(() =>
      Model.build(() => {
        const a = Normal("a", 0, 1);
        Mixture("y", [0.5, 0.5], [Normal.dist(0, 1), a]);
      }),
    ).to.throw(/^Mixture\('y'\): component 1 is the model variable 'a'/);
  });

  it("discrete and continuous components together", () => {
    expect(() => Model.build(() => Mixture("y", [0.5, 0.5], [Normal.dist(0, 1), Poisson.dist(3)]))).to.throw(
      /^Mixture\('y'\): all distributions in comp_dists must be either discrete or continuous, got Normal \(continuous\), Poisson \(discrete\)$/,
    );
  });

  it("missing or unknown arguments", () => {
    expect(() => Model.build(() => Mixture("y", [0.5, 0.5]))).to.throw(/^Mixture\('y'\): missing parameter comp_dists$/);
    expect(() => Mixture.dist([1], [Normal.dist(0, 1)], { sd: 1 })).to.throw(/^Mixture\.dist: unknown parameter 'sd'/);
    expect(() => Mixture("y", [1], [Normal.dist(0, 1)])).to.throw(/must be created inside Model\.build/);
  });
});
