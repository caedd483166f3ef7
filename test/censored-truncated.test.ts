// Censored and Truncated (compiler/distributions/censored.ts): logp and logcdf against SciPy
// (test/reference/censored.json, made by test/reference/gen_censored.py), gradients against finite
// differences, Truncated(Normal) as TruncatedNormal, a censored regression in process and ahead of
// time, draws against SciPy's moments, and the errors.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as tsmc from "../compiler/index.js";
import { pt, logp, logcdf, draw, model, Model, Censored, Truncated, Normal, Exponential, Gamma, Poisson, TruncatedNormal } from "../compiler/index.js";
import { distributionOf } from "../compiler/distributions/distribution.js";
import type { Variable } from "../compiler/graph/basic.js";
import { finiteDiffGrad } from "./helpers/fd.js";
import { compileInline, expectSameModel, type ModelLike } from "./helpers/aot.js";
import { dists } from "./helpers/distributions.js";

const ref = JSON.parse(readFileSync(new URL("./reference/censored.json", import.meta.url), "utf8"));
const num = (v: any): any => (v === "-inf" ? -Infinity : v === "inf" ? Infinity : v === "nan" ? NaN : v);
const wrappers = { Censored, Truncated } as const;

function relErr(got: number, want: number): number {
  if (!Number.isFinite(want)) return got === want ? 0 : Infinity;
  return Math.abs(got - want) / Math.max(1e-300, Math.abs(want));
}

const wrapped = (r: any, opts: Record<string, unknown> = {}): Variable =>
  wrappers[r.wrapper as "Censored" | "Truncated"].dist(dists[r.family].dist(r.params), r.lower, r.upper, opts);

describe("Censored and Truncated: logp and logcdf against SciPy", () => {
  const groups = [...new Set<string>(ref.cases.map((c: any) => `${c.wrapper}(${c.family})`))];
  for (const group of groups) {
    it(group, () => {
      for (const r of ref.cases.filter((c: any) => `${c.wrapper}(${c.family})` === group)) {
        const rv = wrapped(r);
        const what = `${group} ${JSON.stringify(r.params)} on [${r.lower}, ${r.upper}] at ${r.x}`;
        const lp = logp(rv, r.x).eval();
        expect(relErr(lp, num(r.logp)), `${what}: logp ${lp} vs ${r.logp}`).to.be.lessThan(1e-8);
        if (r.logcdf !== undefined) {
          const lc = logcdf(rv, r.x).eval();
          expect(relErr(lc, num(r.logcdf)), `${what}: logcdf ${lc} vs ${r.logcdf}`).to.be.lessThan(1e-8);
        }
      }
    });
  }

  it("Censored's logcdf: -inf below lower, the family's between, 0 from upper on", () => {
    const rv = Censored.dist(Normal.dist(0, 1), -1, 1);
    expect(logcdf(rv, -1.5).eval()).to.equal(-Infinity);
    expect(logcdf(rv, 0.3).eval()).to.be.closeTo(logcdf(Normal.dist(0, 1), 0.3).eval(), 1e-15);
    expect(logcdf(rv, 1).eval()).to.equal(0);
  });
});

/** Gradient of sum(logp) in the scalar parameters (and the value when given symbolically) against central differences. */
function checkGradient(what: string, make: (p: Variable[]) => Variable, params: number[], value: number | number[], withValue: boolean, tol = 1e-6) {
  const syms = params.map((_, i) => pt.scalar(`p${i}`));
  const values = Array.isArray(value) ? value : [value];
  const val = withValue ? pt.tensor("value", { shape: [values.length] }) : pt.constant(values);
  const lp = pt.sum(logp(make(syms), val));
  const inputs = withValue ? [...syms, val] : syms;
  const f = pt.fn(inputs, [lp, ...pt.grad(lp, inputs, { disconnectedInputs: "zero" })]);
  const call = (x: Float64Array) => f(...params.map((_, i) => x[i]), ...(withValue ? [{ shape: [values.length], data: x.slice(params.length) }] : [])) as any[];
  const x = Float64Array.from([...params, ...(withValue ? values : [])]);
  const out = call(x);
  expect(Number.isFinite(out[0]), `${what}: logp ${out[0]}`).to.equal(true);
  const analytic = out.slice(1).flatMap((g: any) => (typeof g === "number" ? [g] : Array.from(g.data as Float64Array)));
  const fd = finiteDiffGrad((y) => call(y)[0], x, 1e-5);
  analytic.forEach((g: number, i: number) => {
    expect(Math.abs(g - fd[i]), `${what} d/dx[${i}]: ${g} vs ${fd[i]}`).to.be.lessThan(tol * Math.max(1, Math.abs(fd[i])));
  });
}

describe("Censored and Truncated: gradients against finite differences", () => {
  it("Censored(Normal): in the parameters, with values at both bounds and between", () => {
    checkGradient("Censored(Normal)", ([mu, sigma]) => Censored.dist(Normal.dist(mu, sigma), -1, 3), [0.5, 2], [-1, 0.2, 3, 3, 1.7], false);
    checkGradient("Censored(Normal) one bound", ([mu, sigma]) => Censored.dist(Normal.dist(mu, sigma), null, 3), [0.5, 2], [-4, 0.2, 3], false);
  });

  it("Censored(Gamma), Censored(Exponential), Censored(Poisson) at the bounds, in the parameters", () => {
    checkGradient("Censored(Gamma)", ([a, b]) => Censored.dist(Gamma.dist(a, b), 0.5, 3), [2, 1.5], [0.5, 1, 3], false);
    checkGradient("Censored(Exponential)", ([lam]) => Censored.dist(Exponential.dist(lam), 0.25, 2), [2], [0.25, 1, 2], false);
    checkGradient("Censored(Poisson)", ([mu]) => Censored.dist(Poisson.dist(mu), 1, 6), [3], [1, 3, 6], false);
  });

  it("Censored(Normal) in the value inside the bounds", () => {
    checkGradient("Censored(Normal) value", ([mu, sigma]) => Censored.dist(Normal.dist(mu, sigma), -1, 3), [0.5, 2], [0.2, 2.5], true);
  });

  it("Truncated in the parameters and the value inside the support", () => {
    checkGradient("Truncated(Normal)", ([mu, sigma]) => Truncated.dist(Normal.dist(mu, sigma), -1, 3), [0.5, 2], [0.2, 2.5], true);
    checkGradient("Truncated(Gamma)", ([a, b]) => Truncated.dist(Gamma.dist(a, b), 0.5, 3), [2, 1.5], [0.7, 2.5], true);
    checkGradient("Truncated(Gamma) lower", ([a, b]) => Truncated.dist(Gamma.dist(a, b), 2, null), [2, 1.5], [2.5, 4], true);
    checkGradient("Truncated(Exponential)", ([lam]) => Truncated.dist(Exponential.dist(lam), 1, 3), [2], [1.5, 2.9], true);
    checkGradient("Truncated(Exponential) upper", ([lam]) => Truncated.dist(Exponential.dist(lam), null, 3), [2], [0.5, 2.9], true);
    checkGradient("Truncated(Poisson)", ([mu]) => Truncated.dist(Poisson.dist(mu), 2, 5), [3], [2, 3, 5], false);
  });

  it("a model of a free Truncated variable: gradient in value-variable space", () => {
    const m = Model.build(() => {
      const lam = Gamma("lam", 2, 1);
      Truncated("x", Exponential.dist(lam), 0.5, 4, { shape: 2 });
    });
    expect(m.valueVars.map((v) => v.name)).to.deep.equal(["lam_log__", "x_interval__"]);
    const f = m.compileLogp();
    const g = m.compileDlogp();
    const x = Float64Array.of(0.3, -0.4, 1.2);
    const point = (y: Float64Array) => ({ lam_log__: y[0], x_interval__: { shape: [2], data: y.slice(1) } });
    const analytic = g(point(x)) as any;
    const fd = finiteDiffGrad((y) => f(point(y)) as number, x, 1e-5);
    Array.from(analytic.data as Float64Array).forEach((v, i) => expect(v).to.be.closeTo(fd[i], 1e-6 * Math.max(1, Math.abs(fd[i]))));
  });
});

describe("Truncated(Normal) is TruncatedNormal", () => {
  it("the same logp and logcdf, two bounds or one", () => {
    for (const [lower, upper] of [
      [-1, 2],
      [0.5, null],
      [null, -0.5],
    ] as const) {
      const t = Truncated.dist(Normal.dist(0.3, 1.5), lower, upper);
      expect(distributionOf(t).name).to.equal("TruncatedNormal");
      const tn = TruncatedNormal.dist(0.3, 1.5, { lower: lower ?? -Infinity, upper: upper ?? Infinity });
      for (const x of [-3, -1, 0, 0.5, 2, 5]) {
        expect(logp(t, x).eval(), `logp at ${x}`).to.equal(logp(tn, x).eval());
        expect(logcdf(t, x).eval(), `logcdf at ${x}`).to.equal(logcdf(tn, x).eval());
      }
    }
  });

  it("the same value variable x_interval__ and model logp", () => {
    const a = model(() => void Truncated("x", Normal.dist(0, 2), 0, 3));
    const b = model(() => void TruncatedNormal("x", 0, 2, { lower: 0, upper: 3 }));
    expect(a.valueVars.map((v) => v.name)).to.deep.equal(["x_interval__"]);
    expect(a.logp({ x_interval__: 0.4 })).to.equal(b.logp({ x_interval__: 0.4 }));
  });

  it("keeps the family's shape and the options", () => {
    const m = Model.build(() => void Truncated("x", Normal.dist(0, 1, { shape: 3 }), -1, 1));
    expect(m.freeRVs[0].type.shape).to.deep.equal([3]);
    const o = Model.build(() => void Truncated("y", Normal.dist(0, 1), 0, null, { observed: [0.5, 1, 2] }));
    expect(o.observedRVs[0].type.shape).to.deep.equal([3]);
  });
});

describe("Censored and Truncated in models", () => {
  it("value variables and transforms as PyMC's", () => {
    const m = Model.build(() => {
      Truncated("a", Gamma.dist(2, 1), 0.5, 3);
      Truncated("b", Exponential.dist(1), 1, null);
      Truncated("c", Gamma.dist(2, 1), null, 3);
      Censored("d", Normal.dist(0, 1), -1, 1);
      Truncated("e", Poisson.dist(3), 1, 5);
    });
    expect(m.valueVars.map((v) => v.name)).to.deep.equal(["a_interval__", "b_interval__", "c_interval__", "d", "e"]);
    const ip = m.initialPoint();
    expect(ip.d).to.equal(0);
    expect(ip.e).to.equal(3);
    expect(Number.isFinite(m.compileLogp()(ip) as number)).to.equal(true);
  });

  const REGRESSION = `() => {
    const x = [0.1, 0.4, 0.9, 1.3, 1.8, 2.2, 2.7, 3.1];
    const y = [-0.5, 0.3, 1.1, 1.9, 2.0, 2.0, 2.0, 2.0];
    const alpha = Normal("alpha", 0, 2);
    const beta = Normal("beta", 0, 2);
    const sigma = HalfNormal("sigma", 1);
    const mu = pt.add(alpha, pt.mul(beta, pt.constant(x)));
    Censored("y", Normal.dist(mu, sigma), -0.5, 2.0, { observed: y });
  }`;

  it("the classic censored regression: in process and ahead of time give the same numbers", async () => {
    const built = await compileInline<ModelLike>(
      `import { model, pt, Normal, HalfNormal, Censored } from "tsmc";`,
      { censored: REGRESSION },
      "censored-regression",
    );
    const builder = new Function("pt", "Normal", "HalfNormal", "Censored", `return ${REGRESSION};`)(pt, Normal, tsmc.HalfNormal, Censored);
    const inProcess = model("censored", builder);
    expectSameModel(built.censored, inProcess as unknown as ModelLike, "censored regression");
    // against the logp written out term by term
    const point = { alpha: 0.2, beta: 0.8, sigma_log__: Math.log(0.6) };
    const x = [0.1, 0.4, 0.9, 1.3, 1.8, 2.2, 2.7, 3.1];
    const y = [-0.5, 0.3, 1.1, 1.9, 2.0, 2.0, 2.0, 2.0];
    let want = logp(Normal.dist(0, 2), 0.2).eval() + logp(Normal.dist(0, 2), 0.8).eval();
    want += logp(tsmc.HalfNormal.dist(1), 0.6).eval() + Math.log(0.6);
    x.forEach((xi, i) => {
      const n = Normal.dist(0.2 + 0.8 * xi, 0.6);
      want += y[i] === -0.5 ? logcdf(n, -0.5).eval() : y[i] === 2 ? Math.log(-Math.expm1(logcdf(n, 2).eval())) : logp(n, y[i]).eval();
    });
    expect(inProcess.logp(point)).to.be.closeTo(want, 1e-10);
  });
});

describe("Censored and Truncated: draws", () => {
  const N = 20_000;
  for (const r of ref.moments) {
    it(`${r.wrapper}(${r.family}) on [${r.lower}, ${r.upper}]: bounds and SciPy's moments`, () => {
      const out = draw(wrapped(r, { shape: N }), { seed: 7 });
      const xs = Array.from(out.data as Float64Array);
      const lo = r.lower ?? -Infinity;
      const hi = r.upper ?? Infinity;
      expect(xs.every((x) => x >= lo && x <= hi)).to.equal(true);
      if (r.family === "Poisson") expect(xs.every(Number.isInteger)).to.equal(true);
      const mean = xs.reduce((a, b) => a + b, 0) / N;
      const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1);
      const m4 = xs.reduce((a, b) => a + (b - mean) ** 4, 0) / N;
      expect(Math.abs(mean - r.mean), `mean ${mean} vs ${r.mean}`).to.be.lessThan(5 * Math.sqrt(r.var / N));
      expect(Math.abs(v - r.var), `variance ${v} vs ${r.var}`).to.be.lessThan(5 * Math.sqrt((m4 - v * v) / N));
      // the same seed, the same draws
      expect(Array.from(draw(wrapped(r, { shape: 5 }), { seed: 3 }).data)).to.deep.equal(Array.from(draw(wrapped(r, { shape: 5 }), { seed: 3 }).data));
    });
  }

  it("a censored draw sits on a bound with the mass beyond it", () => {
    const xs = Array.from((draw(Censored.dist(Normal.dist(0, 1), -1, 1, { shape: N }), { seed: 1 }) as any).data as Float64Array);
    const atLower = xs.filter((x) => x === -1).length / N;
    expect(atLower).to.be.closeTo(Math.exp(logcdf(Normal.dist(0, 1), -1).eval()), 5 * Math.sqrt(0.16 / N));
  });

  it("rejection sampling gives up after max_n_steps with an error naming the variable", () => {
    const m = Model.build(() => void Truncated("x", Exponential.dist(1), 40, null, { max_n_steps: 50 }));
    expect(() => draw(m.get("x"), { seed: 1 })).to.throw(/Truncated\('x'\): truncation did not converge in 50 steps \(max_n_steps\)/);
    // a draw that needs few tries passes
    expect(draw(Truncated.dist(Exponential.dist(1), 0.5, null, { max_n_steps: 1000 }), { seed: 2 })).to.be.at.least(0.5);
  });
});

describe("Censored and Truncated: errors", () => {
  it("a family without a logcdf", () => {
    expect(() => Censored.dist(tsmc.SkewNormal.dist(1, 0, 1), -1, 1)).to.throw("Censored.dist: dist SkewNormal has no logcdf, which Censored needs");
    expect(() => model(() => void Truncated("x", tsmc.SkewNormal.dist(1, 0, 1), -1, 1))).to.throw(
      "Truncated('x'): dist SkewNormal has no logcdf, which Truncated needs",
    );
  });

  it("a Mixture, which cannot be censored or truncated", () => {
    const mixture = () => tsmc.Mixture.dist([0.5, 0.5], [Normal.dist(0, 1), Normal.dist(1, 2)]);
    expect(() => Censored.dist(mixture(), -1, 1)).to.throw(
      /^Censored\.dist: dist is a Mixture, which cannot be censored; wrap the \.dist\(\) of a single family$/,
    );
    expect(() => Truncated.dist(mixture(), -1, null)).to.throw(
      /^Truncated\.dist: dist is a Mixture, which cannot be truncated; wrap the \.dist\(\) of a single family$/,
    );
    expect(() => model(() => void Censored("y", tsmc.NormalMixture.dist([0.3, 0.7], [0, 1], [1, 2]), null, 3))).to.throw(
      "Censored('y'): dist is a Mixture, which cannot be censored",
    );
  });

  it("an argument that is not a .dist() variable", () => {
    expect(() => Censored.dist(3 as never, 0, 1)).to.throw(
      /^Censored\.dist: dist must be a distribution created with \.dist\(\) \(e\.g\. Normal\.dist\(0, 1\)\), got number$/,
    );
    expect(() => Truncated.dist(pt.scalar("a"), 0, 1)).to.throw(/Truncated\.dist: dist must be a distribution created with \.dist\(\)/);
    expect(() =>
      model(() => {
        const z = Normal("z", 0, 1);
        Censored("y", z, -1, 1);
      }),
    ).to.throw("Censored('y'): dist must be created with Normal.dist(...), not registered in a model ('z' is)");
    expect(() =>
      Censored.dist(
        tsmc.MvNormal.dist(
          [0, 0],
          [
            [1, 0],
            [0, 1],
          ],
        ),
        -1,
        1,
      ),
    ).to.throw(/dist must be univariate/);
    expect(() => Censored.dist(Censored.dist(Normal.dist(0, 1), -1, 1), -1, 1)).to.throw(/already a censored variable/);
  });

  it("lower > upper: a build error for constants, a Check for variables", () => {
    expect(() => model(() => void Censored("y", Normal.dist(0, 1), 2, 1, { observed: 1.5 }))).to.throw(
      "Censored('y'): invalid parameter: lower_bound <= upper_bound does not hold (lower = 2, upper = 1)",
    );
    expect(() => Truncated.dist(Gamma.dist(2, 1), 3, 1)).to.throw(/Truncated\.dist: invalid parameter: lower_bound <= upper_bound/);
    const a = pt.scalar("a");
    expect(() => logp(Censored.dist(Normal.dist(0, 1), a, 1), 0.5).eval({ a: 2 })).to.throw(tsmc.ParameterValueError, "lower_bound <= upper_bound");
    expect(() => logp(Truncated.dist(Gamma.dist(2, 1), a, 1), 0.5).eval({ a: 2 })).to.throw(tsmc.ParameterValueError, "lower_bound <= upper_bound");
    expect(logp(Truncated.dist(Gamma.dist(2, 1), a, 1), 0.5).eval({ a: 0.1 })).to.be.a("number");
  });

  it("the family's own checks stay", () => {
    const s = pt.scalar("s");
    expect(() => logp(Censored.dist(Normal.dist(0, s), -1, 1), 1).eval({ s: -1 })).to.throw(tsmc.ParameterValueError, "sigma > 0");
  });

  it("an unknown option and a misplaced observed", () => {
    expect(() => Censored.dist(Normal.dist(0, 1), -1, 1, { mu: 1 } as never)).to.throw(/Censored\.dist: unknown option 'mu'/);
    expect(() => Truncated.dist(Gamma.dist(2, 1), 0, 1, { observed: 0.5 })).to.throw("Truncated.dist: observed is only for variables in a model");
  });
});
