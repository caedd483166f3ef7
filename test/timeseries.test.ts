// GaussianRandomWalk, RandomWalk and AR (PyMC's time series): logp against SciPy
// (test/reference/timeseries.json, made by test/reference/gen_timeseries.py with plain loops over
// time), gradients against finite differences, logps that do not grow with the number of steps
// (vectorized, fused), seeded draws, in process against ahead of time, errors naming the variable.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import {
  pt,
  logp,
  draw,
  model,
  Model,
  emitModel,
  compileModel,
  Normal,
  HalfNormal,
  StudentT,
  MvNormal,
  GaussianRandomWalk,
  MvGaussianRandomWalk,
  RandomWalk,
  AR,
  GARCH11,
  type Variable,
} from "../compiler/index.js";
import { finiteDiffGrad } from "./helpers/fd.js";
import { compileInline, expectSameModel, type ModelLike } from "./helpers/aot.js";

const ref = JSON.parse(readFileSync(new URL("./reference/timeseries.json", import.meta.url), "utf8"));
const ev = (v: Variable): any => v.eval();
const close = (a: number, b: number, tol: number, what: string) =>
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).to.be.lessThan(tol * Math.max(1, Math.abs(b)));

/** sum(logp) and its gradient in every input, against central differences. */
function checkGradient(inputs: { v: Variable; x: number[]; shape: number[] }[], lp: Variable, what: string): void {
  const grads = pt.grad(
    lp,
    inputs.map((i) => i.v),
    { disconnectedInputs: "zero" },
  );
  const f = pt.fn(
    inputs.map((i) => i.v),
    [lp, ...grads],
  );
  const unflat = (x: Float64Array) => {
    let o = 0;
    return inputs.map((i) => {
      const part = x.slice(o, (o += i.x.length));
      return i.shape.length ? { shape: i.shape, data: part } : part[0];
    });
  };
  const x0 = Float64Array.from(inputs.flatMap((i) => i.x));
  const out = f(...unflat(x0)) as any[];
  expect(Number.isFinite(out[0]), `${what} logp`).to.equal(true);
  const analytic = out.slice(1).flatMap((g: any) => (typeof g === "number" ? [g] : Array.from(g.data as Float64Array)));
  const fd = finiteDiffGrad((x) => (f(...unflat(x)) as any[])[0], x0, 1e-5);
  analytic.forEach((g: number, i: number) => close(g, fd[i], 2e-6, `${what} d[${i}]`));
}

const sym = (name: string, x: number | number[]) => {
  const xs = Array.isArray(x) ? x : [x];
  const shape = Array.isArray(x) ? [x.length] : [];
  return { v: shape.length ? pt.tensor(name, { shape }) : pt.scalar(name), x: xs, shape };
};

describe("GaussianRandomWalk, RandomWalk and MvGaussianRandomWalk", () => {
  for (const c of ref.walks as any[]) {
    it(`${c.family} of shape (${c.shape}) has SciPy's logp`, () => {
      const mv = c.family === "MvGaussianRandomWalk";
      const init = c.init ? (mv ? MvNormal.dist(c.init[0], c.init[1]) : Normal.dist(c.init[0], c.init[1])) : undefined;
      const rv = mv
        ? MvGaussianRandomWalk.dist({ mu: c.mu, cov: c.cov, init_dist: init, shape: c.shape })
        : c.family === "GaussianRandomWalk"
          ? GaussianRandomWalk.dist({ mu: c.mu, sigma: c.sigma, init_dist: init, shape: c.shape })
          : RandomWalk.dist({ init_dist: init, innovation_dist: StudentT.dist(c.innovation), shape: c.shape });
      expect(rv.type.shape).to.deep.equal(c.shape);
      close(ev(pt.sum(logp(rv, pt.constant(c.value, null, "float64")))), c.logp, 1e-12, c.family);
    });
  }

  it("steps gives steps + 1 values; the default init_dist is PyMC 5's Normal.dist(0, 100)", () => {
    const rv = GaussianRandomWalk.dist({ steps: 4 });
    expect(rv.type.shape).to.deep.equal([5]);
    const x = [150, 151, 149, 150, 152];
    const diffs = [1, -2, 1, 2];
    const expected = -0.5 * 1.5 ** 2 - Math.log(100) - 0.5 * Math.log(2 * Math.PI) + diffs.reduce((a, d) => a - 0.5 * d * d - 0.5 * Math.log(2 * Math.PI), 0);
    close(ev(logp(rv, x)), expected, 1e-13, "default init");
  });

  it("the gradient in mu, sigma and the value matches finite differences", () => {
    const mu = sym("mu", 0.2);
    const sigma = sym("sigma", 1.3);
    const value = sym("value", [0.1, 0.7, 0.2, 1.4, 1.1, 2.0]);
    const rv = GaussianRandomWalk.dist({ mu: mu.v, sigma: sigma.v, init_dist: Normal.dist(0.5, 2), steps: 5 });
    checkGradient([mu, sigma, value], pt.sum(logp(rv, value.v)), "GaussianRandomWalk");
    const nu = sym("nu", 3.5);
    const walk = RandomWalk.dist({ init_dist: Normal.dist(0, 3), innovation_dist: StudentT.dist(nu.v, 0.1, sigma.v), steps: 5 });
    checkGradient([nu, sigma, value], pt.sum(logp(walk, value.v)), "RandomWalk");
  });

  it("MvGaussianRandomWalk: the gradient in mu and the value, draws with the innovations' mean and covariance", () => {
    const mu = sym("mu", [0.3, -0.1]);
    const value = sym("value", [0.1, 0.7, 0.2, 1.4, 1.1, 2.0, 0.3, -0.5]);
    const cov = [
      [1.0, 0.4],
      [0.4, 0.8],
    ];
    const rv = MvGaussianRandomWalk.dist({ mu: mu.v, cov, steps: 3 });
    expect(rv.type.shape).to.deep.equal([4, 2]);
    checkGradient([mu, value], pt.sum(logp(rv, pt.reshape(value.v, [4, 2]))), "MvGaussianRandomWalk");
    const n = 3000;
    const d = draw(MvGaussianRandomWalk.dist({ mu: [0.3, -0.1], cov, steps: 3 }), { draws: n, seed: 5 }) as { data: Float64Array };
    const sums = [0, 0];
    const prods = [0, 0, 0];
    for (let r = 0; r < n; r++)
      for (let t = 1; t < 4; t++) {
        const a = d.data[r * 8 + t * 2] - d.data[r * 8 + t * 2 - 2];
        const b = d.data[r * 8 + t * 2 + 1] - d.data[r * 8 + t * 2 - 1];
        sums[0] += a;
        sums[1] += b;
        prods[0] += a * a;
        prods[1] += a * b;
        prods[2] += b * b;
      }
    const k = n * 3;
    const [ma, mb] = [sums[0] / k, sums[1] / k];
    expect(Math.abs(ma - 0.3)).to.be.lessThan(5 / Math.sqrt(k));
    expect(Math.abs(mb + 0.1)).to.be.lessThan(5 / Math.sqrt(k));
    expect(Math.abs(prods[0] / k - ma * ma - 1)).to.be.lessThan(0.08);
    expect(Math.abs(prods[1] / k - ma * mb - 0.4)).to.be.lessThan(0.08);
    expect(Math.abs(prods[2] / k - mb * mb - 0.8)).to.be.lessThan(0.08);
  });

  it("its logp is vectorized: the compiled logpGrad has as many lines for 10 000 steps as for a dozen", () => {
    const body = (steps: number) => {
      const { body } = emitModel(
        Model.build("walk", () => {
          const s = HalfNormal("s", 1);
          GaussianRandomWalk("w", { mu: 0.1, sigma: s, steps });
        }),
      );
      const i = body.indexOf("function logpGrad");
      return body.slice(i, body.indexOf("\nfunction", i + 1)).split("\n").length;
    };
    // (a short gradient is copied out by an inline loop, a long one by a call: one line apart)
    expect(Math.abs(body(10_000) - body(12))).to.be.at.most(1);
    expect(body(10_000)).to.be.lessThan(120);
  });

  it("the differences read x[i + 1] and x[i] in place: no index tables, no digits of 10 000 indices or zeros in the module", () => {
    const { body } = emitModel(
      Model.build("walk", () => {
        const s = HalfNormal("s", 1);
        GaussianRandomWalk("w", { mu: 0.1, sigma: s, steps: 10_000 });
      }),
    );
    const code = body.slice(0, body.indexOf("const meta ="));
    expect(code).not.to.contain("indexRows");
    expect(code).to.match(/\[p\d+ \+ 1\]/);
    expect(code.length).to.be.lessThan(12_000);
  });

  it("draws are cumulative sums: init_dist first, then differences with the innovations' moments", () => {
    const n = 2000;
    const rv = GaussianRandomWalk.dist({ mu: 0.5, sigma: 2, init_dist: Normal.dist(10, 0.1), shape: [3, 11] });
    const d = draw(rv, { draws: n, seed: 3 }) as { shape: number[]; data: Float64Array };
    expect(d.shape).to.deep.equal([n, 3, 11]);
    let firsts = 0;
    let s = 0;
    let s2 = 0;
    let count = 0;
    for (let r = 0; r < n * 3; r++) {
      firsts += d.data[r * 11];
      for (let t = 1; t < 11; t++) {
        const diff = d.data[r * 11 + t] - d.data[r * 11 + t - 1];
        s += diff;
        s2 += diff * diff;
        count++;
      }
    }
    close(firsts / (n * 3), 10, 0.01, "mean of x[0]");
    const mean = s / count;
    expect(Math.abs(mean - 0.5)).to.be.lessThan((5 * 2) / Math.sqrt(count));
    expect(Math.abs(s2 / count - mean * mean - 4) / 4).to.be.lessThan(0.05);
    const again = draw(rv, { draws: n, seed: 3 }) as { data: Float64Array };
    expect(Array.from(again.data)).to.deep.equal(Array.from(d.data));
  });

  it("refuses clearly: no steps and no shape, steps against the shape, a registered or missing distribution", () => {
    expect(() => Model.build("e", () => GaussianRandomWalk("w", { sigma: 1 }))).to.throw(/^GaussianRandomWalk\('w'\): Must specify steps or shape parameter/);
    expect(() => Model.build("e", () => GaussianRandomWalk("w", { steps: 3, shape: [5] }))).to.throw(
      /^GaussianRandomWalk\('w'\): steps = 3 does not match the shape \(5\)/,
    );
    expect(() =>
      Model.build("e", () => {
        const x0 = Normal("x0", 0, 1);
        GaussianRandomWalk("w", { init_dist: x0, steps: 3 });
      }),
    ).to.throw(/^GaussianRandomWalk\('w'\): The dist x0 was already registered/);
    expect(() => Model.build("e", () => RandomWalk("w", { steps: 3 }))).to.throw(/^RandomWalk\('w'\): missing parameter innovation_dist/);
    expect(() => GaussianRandomWalk.dist({ sigma: -1, steps: 3 })).to.throw(/^GaussianRandomWalk\.dist: invalid parameter: sigma > 0 does not hold/);
    expect(() =>
      Model.build("e", () =>
        MvGaussianRandomWalk("w", {
          mu: [0, 0],
          cov: [
            [1, 0],
            [0, 1],
          ],
        }),
      ),
    ).to.throw(/^MvGaussianRandomWalk\('w'\): Must specify steps or shape parameter/);
    expect(() =>
      Model.build("e", () =>
        MvGaussianRandomWalk("w", {
          mu: [0, 0],
          cov: [
            [1, 0],
            [0, 1],
          ],
          shape: [5, 3],
        }),
      ),
    ).to.throw(/^MvGaussianRandomWalk\('w'\): the shape \(5, 3\) must end with the time axis and the 2 values of each step$/);
  });
});

describe("AR", () => {
  for (const c of ref.ar as any[]) {
    it(`AR(${c.ar_order})${c.constant ? " with a constant" : ""} of shape (${c.shape}) has SciPy's logp`, () => {
      const init = c.init ? Normal.dist(c.init[0], c.init[1]) : undefined;
      const rv = AR.dist({ rho: c.rho, sigma: c.sigma, constant: c.constant, init_dist: init, shape: c.shape });
      expect(rv.type.shape).to.deep.equal(c.shape);
      close(ev(pt.sum(logp(rv, pt.constant(c.value, null, "float64")))), c.logp, 1e-12, "AR");
    });
  }

  it("steps and ar_order give steps + ar_order values; ar_order may be given", () => {
    expect(AR.dist({ rho: [0.5, 0.2], steps: 10 }).type.shape).to.deep.equal([12]);
    expect(AR.dist({ rho: [1, 0.5, 0.2], constant: true, ar_order: 2, steps: 10 }).type.shape).to.deep.equal([12]);
    expect(AR.dist({ rho: 0.9, sigma: [1, 2], steps: 4 }).type.shape).to.deep.equal([2, 5]);
  });

  it("the gradient in rho, sigma and the value matches finite differences", () => {
    const rho = sym("rho", [0.3, 0.4, -0.2]);
    const sigma = sym("sigma", 0.9);
    const value = sym("value", [0.1, -0.4, 0.6, 0.2, 1.1, -0.3, 0.5]);
    const rv = AR.dist({ rho: rho.v, sigma: sigma.v, constant: true, init_dist: Normal.dist(0, 2), steps: 5 });
    checkGradient([rho, sigma, value], pt.sum(logp(rv, value.v)), "AR(2) with a constant");
  });

  it("its logp is vectorized: the compiled logpGrad has as many lines for 10 000 steps as for a dozen", () => {
    const body = (steps: number) => {
      const { body } = emitModel(
        Model.build("ar", () => {
          const rho = Normal("rho", 0, 0.5, { shape: [3] });
          AR("x", { rho, sigma: 1, steps });
        }),
      );
      const i = body.indexOf("function logpGrad");
      return body.slice(i, body.indexOf("\nfunction", i + 1)).split("\n").length;
    };
    // (a short gradient is copied out by an inline loop, a long one by a call: one line apart)
    expect(Math.abs(body(10_000) - body(20))).to.be.at.most(1);
    expect(body(10_000)).to.be.lessThan(160);
  });

  it("draws follow the recursion: residuals x[t] - rho_0 - Σ rho_k x[t-k] have mean 0 and variance sigma²", () => {
    const n = 1000;
    const rv = AR.dist({ rho: [0.5, 0.6, -0.3], sigma: 0.7, constant: true, init_dist: Normal.dist(1, 0.5), steps: 30 });
    const d = draw(rv, { draws: n, seed: 11 }) as { shape: number[]; data: Float64Array };
    expect(d.shape).to.deep.equal([n, 32]);
    let s = 0;
    let s2 = 0;
    let count = 0;
    for (let r = 0; r < n; r++) {
      const x = d.data.subarray(r * 32, (r + 1) * 32);
      for (let t = 2; t < 32; t++) {
        const e = x[t] - 0.5 - 0.6 * x[t - 1] + 0.3 * x[t - 2];
        s += e;
        s2 += e * e;
        count++;
      }
    }
    const mean = s / count;
    expect(Math.abs(mean)).to.be.lessThan((5 * 0.7) / Math.sqrt(count));
    expect(Math.abs(s2 / count - mean * mean - 0.49) / 0.49).to.be.lessThan(0.05);
  });

  it("refuses clearly: no steps and no shape, a wrong-length rho for ar_order, no ar_order left", () => {
    expect(() => Model.build("e", () => AR("x", { rho: [0.5] }))).to.throw(/^AR\('x'\): Must specify steps or shape parameter/);
    expect(() => Model.build("e", () => AR("x", { rho: [0.5, 0.2, 0.1], ar_order: 2, steps: 5 }))).to.throw(
      /^AR\('x'\): rho has 3 coefficients along its last axis, but ar_order = 2 needs 2$/,
    );
    expect(() => Model.build("e", () => AR("x", { rho: [0.5, 0.2], constant: true, ar_order: 2, steps: 5 }))).to.throw(
      /^AR\('x'\): rho has 2 coefficients along its last axis, but ar_order = 2 with constant: true needs 3$/,
    );
    expect(() => Model.build("e", () => AR("x", { rho: [1], constant: true, steps: 5 }))).to.throw(/^AR\('x'\): Inferred ar_order is smaller than 1/);
    expect(() => Model.build("e", () => AR("x", { rho: [0.5], sigma: 0, steps: 5 }))).to.throw(/^AR\('x'\): invalid parameter: sigma > 0 does not hold/);
  });
});

describe("GARCH11", () => {
  for (const c of ref.garch11 as any[]) {
    it(`GARCH11(omega = ${c.omega}, alpha_1 = ${c.alpha_1}, beta_1 = ${c.beta_1}) of ${c.value.length} values has SciPy's logp`, () => {
      const rv = GARCH11.dist({ omega: c.omega, alpha_1: c.alpha_1, beta_1: c.beta_1, initial_vol: c.initial_vol, shape: [c.value.length] });
      close(ev(logp(rv, c.value)), c.logp, 1e-12, "GARCH11");
    });
  }

  it("the gradient in every parameter and the value matches finite differences (one loop forward, one back)", () => {
    const [omega, alpha, beta, vol0] = [sym("omega", 0.1), sym("alpha_1", 0.3), sym("beta_1", 0.5), sym("initial_vol", 0.4)];
    const value = sym("value", [0.1, -0.5, 0.3, 0.9, -0.2, 0.4]);
    const rv = GARCH11.dist({ omega: omega.v, alpha_1: alpha.v, beta_1: beta.v, initial_vol: vol0.v, steps: 5 });
    checkGradient([omega, alpha, beta, vol0, value], pt.sum(logp(rv, value.v)), "GARCH11");
  });

  it("draws: mean 0 and, from the start of a stationary series, the volatility recursion's variance", () => {
    const n = 4000;
    const [omega, alpha, beta] = [0.2, 0.2, 0.6];
    const vol0 = Math.sqrt(omega / (1 - alpha - beta)); // the stationary variance, so every y_t has it
    const d = draw(GARCH11.dist({ omega, alpha_1: alpha, beta_1: beta, initial_vol: vol0, steps: 9 }), { draws: n, seed: 13 }) as { data: Float64Array };
    let s = 0;
    let s2 = 0;
    for (const y of d.data) {
      s += y;
      s2 += y * y;
    }
    const k = d.data.length;
    expect(Math.abs(s / k)).to.be.lessThan((5 * vol0) / Math.sqrt(k));
    expect(Math.abs(s2 / k / (vol0 * vol0) - 1)).to.be.lessThan(0.08);
  });

  it("refuses clearly: no steps and no shape, a batch of series, omega <= 0", () => {
    const p = { omega: 0.1, alpha_1: 0.2, beta_1: 0.5, initial_vol: 1 };
    expect(() => Model.build("e", () => GARCH11("y", p))).to.throw(/^GARCH11\('y'\): Must specify steps or shape parameter/);
    expect(() => Model.build("e", () => GARCH11("y", { ...p, shape: [2, 5] }))).to.throw(/^GARCH11\('y'\): the shape \(2, 5\) must be one series/);
    expect(() => Model.build("e", () => GARCH11("y", { ...p, omega: 0, steps: 4 }))).to.throw(/^GARCH11\('y'\): invalid parameter: omega > 0 does not hold/);
  });
});

describe("time series models in process and ahead of time", () => {
  it("a GaussianRandomWalk model and an AR (and GARCH11) model give the same numbers, draws included", async () => {
    const walk = `() => {
      const sigma = HalfNormal("sigma", 1);
      const w = GaussianRandomWalk("w", { mu: 0.1, sigma, init_dist: Normal.dist(0, 5), steps: 20 });
      Normal("y", w, 0.5, { observed: Array.from({ length: 21 }, (_, i) => Math.sin(i / 3)) });
    }`;
    const ar = `() => {
      const rho = Normal("rho", 0, 0.5, { shape: [3] });
      const sigma = HalfNormal("sigma", 1);
      AR("x", { rho, sigma, constant: true, observed: Array.from({ length: 30 }, (_, i) => Math.cos(i / 4)) });
      AR("z", { rho: [0.4, -0.2], sigma: 0.3, init_dist: Normal.dist(0, 1), shape: [2, 8] });
      GARCH11("g", { omega: sigma, alpha_1: 0.2, beta_1: 0.5, initial_vol: 0.5, observed: [0.1, -0.4, 0.3, 0.8, -0.2, 0.05] });
    }`;
    const built = await compileInline<ModelLike>(
      `import { model, Normal, HalfNormal, GaussianRandomWalk, AR, GARCH11 } from "tsmc";`,
      { walk, ar },
      "timeseries-aot",
    );
    const inWalk = model("walk", () => {
      const sigma = HalfNormal("sigma", 1);
      const w = GaussianRandomWalk("w", { mu: 0.1, sigma, init_dist: Normal.dist(0, 5), steps: 20 });
      Normal("y", w, 0.5, { observed: Array.from({ length: 21 }, (_, i) => Math.sin(i / 3)) });
    });
    const inAr = model("ar", () => {
      const rho = Normal("rho", 0, 0.5, { shape: [3] });
      const sigma = HalfNormal("sigma", 1);
      AR("x", { rho, sigma, constant: true, observed: Array.from({ length: 30 }, (_, i) => Math.cos(i / 4)) });
      AR("z", { rho: [0.4, -0.2], sigma: 0.3, init_dist: Normal.dist(0, 1), shape: [2, 8] });
      GARCH11("g", { omega: sigma, alpha_1: 0.2, beta_1: 0.5, initial_vol: 0.5, observed: [0.1, -0.4, 0.3, 0.8, -0.2, 0.05] });
    });
    expectSameModel(built.walk, inWalk as unknown as ModelLike, "GaussianRandomWalk model");
    expectSameModel(built.ar, inAr as unknown as ModelLike, "AR model");
    for (const m of [inWalk, inAr]) {
      const x = Float64Array.from({ length: m.size }, (_, i) => Math.cos(i) * 0.3);
      const g = new Float64Array(m.size);
      m.flat.logpGrad(x, g);
      const fd = finiteDiffGrad((y) => m.flat.logp(y), x, 1e-5);
      g.forEach((gi, i) => close(gi, fd[i], 1e-6, `${m.name} d/dx[${i}]`));
    }
  });

  it("a compiled model's logp is the sum of its terms (compileModel)", () => {
    const m = compileModel(
      Model.build("walk2", () => {
        GaussianRandomWalk("w", { sigma: 2, steps: 3 });
      }),
    );
    const x = Float64Array.of(1, 2, 0, 4);
    const expected = ev(logp(GaussianRandomWalk.dist({ sigma: 2, steps: 3 }), [1, 2, 0, 4]));
    close(m.flat.logp(x), expected, 1e-13, "logp");
  });
});
