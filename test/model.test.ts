// Models beyond the seed: gradients and Hessians against finite differences, the compiled model's
// flat path, Jacobians, bounds, Deterministic / Potential / data, and the error paths.
import { expect } from "chai";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { pt, Normal, HalfNormal, Model, model, data, Deterministic, Potential, logp, logcdf, ParameterValueError, transforms } from "../compiler/index.js";
import { expectClose } from "./helpers/golden.js";
import { observedData } from "../runtime/sampler/model-parts.js";
import { finiteDiffGrad } from "./helpers/fd.js";

const scipy = JSON.parse(readFileSync(new URL("./fixtures/scipy-values.json", import.meta.url), "utf8"));
const num = (v: number | string) => (v === "-inf" ? -Infinity : v === "inf" ? Infinity : (v as number));

const seedBuilder = () => {
  const mu = Normal("mu", 0, 2);
  const sigma = HalfNormal("sigma", 3);
  Normal("x", mu, sigma);
};

describe("distributions against SciPy", () => {
  it("Normal logp and logcdf, far into both tails", () => {
    for (const r of scipy.normal) {
      const rv = Normal.dist(r.mu, r.sigma);
      expectClose(logp(rv, r.x).eval(), num(r.logpdf), 1e-12);
      expectClose(logcdf(rv, r.x).eval(), num(r.logcdf), 1e-10);
    }
  });

  it("HalfNormal logp and logcdf; -inf below zero", () => {
    for (const r of scipy.halfnormal) {
      const rv = HalfNormal.dist(r.sigma);
      expectClose(logp(rv, r.x).eval(), num(r.logpdf), 1e-12);
      expectClose(logcdf(rv, r.x).eval(), num(r.logcdf), 1e-10);
    }
    expect(logp(HalfNormal.dist(1), -0.5).eval()).to.equal(-Infinity);
    expect(logcdf(HalfNormal.dist(1), -0.5).eval()).to.equal(-Infinity);
  });

  it("tau is the precision: Normal(mu, tau) = Normal(mu, 1/sqrt(tau))", () => {
    const a = logp(Normal.dist({ mu: 1, tau: 4 }), 0.3).eval();
    const b = logp(Normal.dist(1, 0.5), 0.3).eval();
    expectClose(a, b, 1e-14);
  });

  it("a failing parameter check throws ParameterValueError naming the condition", () => {
    const s = pt.scalar("s");
    const g = logp(Normal.dist(0, s), 1);
    expect(() => g.eval({ s: -1 })).to.throw(ParameterValueError, "sigma > 0");
    expectClose(g.eval({ s: 1 }), -1.4189385332046727, 1e-14);
  });

  it("HalfNormal draws are positive with mean sigma*sqrt(2/pi)", () => {
    const m = model(() => {
      HalfNormal("h", 2, { shape: [10_000] });
    });
    const h = m.draw({ seed: 5 }).h as any;
    expect(Math.min(...h.data)).to.be.greaterThan(0);
    const mean = h.data.reduce((a: number, b: number) => a + b, 0) / h.data.length;
    expect(Math.abs(mean - 2 * Math.sqrt(2 / Math.PI))).to.be.lessThan(0.05);
  });
});

describe("Model: logp, dlogp, d2logp", () => {
  const m = Model.build(seedBuilder);
  const f = m.compileLogp();
  const df = m.compileDlogp();
  const d2f = m.compileD2logp();
  const toPoint = (x: Float64Array) => ({ mu: x[0], sigma_log__: x[1], x: x[2] });
  const finite = fc.double({ min: -2, max: 2, noNaN: true });

  it("dlogp matches central finite differences of logp", () => {
    fc.assert(
      fc.property(finite, finite, finite, (a, b, c) => {
        const x = Float64Array.of(a, b, c);
        const g = df(toPoint(x)).data;
        expectClose(
          g,
          finiteDiffGrad((y) => f(toPoint(y)), x),
          1e-5,
        );
      }),
      { numRuns: 25 },
    );
  });

  it("d2logp is the negative Hessian: finite differences of dlogp", () => {
    const x = Float64Array.of(0.3, -0.4, 0.8);
    const h = d2f(toPoint(x)).data;
    for (let i = 0; i < 3; i++) {
      const row = finiteDiffGrad((y) => df(toPoint(y)).data[i], x);
      expectClose(
        Array.from(h.slice(i * 3, i * 3 + 3)),
        Array.from(row, (v) => -v),
        1e-5,
      );
    }
    const pos = m.compileD2logp({ negate: false })(toPoint(x)).data;
    expectClose(
      pos,
      Array.from(h, (v: number) => -v),
      1e-14,
    );
  });

  it("jacobian: false drops the log-Jacobian of sigma_log__", () => {
    const withJ = m.compileLogp({ sum: false })({ mu: 0, sigma_log__: -10, x: 0 });
    const without = m.compileLogp({ sum: false, jacobian: false })({ mu: 0, sigma_log__: -10, x: 0 });
    expectClose(withJ[1] - without[1], -10, 1e-12);
    expectClose([withJ[0], withJ[2]], [without[0], without[2]], 1e-15);
  });

  it("a point outside a support gives -inf (check_bounds), not an exception", () => {
    const mm = Model.build(() => {
      const s = Normal("s", 0, 1);
      Normal("y", 0, s, { observed: 1 });
    });
    expect(mm.compileLogp()({ s: -1 })).to.equal(-Infinity);
    expect(mm.compileLogp()({ s: 2 })).to.be.greaterThan(-Infinity);
  });
});

describe("CompiledModel (model())", () => {
  const cm = model("seed", seedBuilder);
  const m = Model.build(seedBuilder);
  const p = { mu: 0.1, sigma_log__: 0.1, x: 0.1 };

  it("logp, logpTerms and dlogp agree with the graph-level Model", () => {
    expectClose(cm.logp(p), m.compileLogp()(p), 1e-14);
    const terms = cm.logpTerms(p);
    expect(Object.keys(terms)).to.deep.equal(["mu", "sigma", "x"]);
    expectClose(Object.values(terms), m.compileLogp({ sum: false })(p), 1e-14);
    const g = cm.dlogp(p);
    expectClose([g.mu as number, g.sigma_log__ as number, g.x as number], m.compileDlogp()(p).data, 1e-14);
  });

  it("flat.logpGrad fills grad with compileDlogp's values and returns logp", () => {
    const x = cm.toFlat(p);
    const grad = new Float64Array(cm.size);
    const lp = cm.flat.logpGrad(x, grad);
    expectClose(lp, cm.flat.logp(x), 1e-15);
    expectClose(grad, m.compileDlogp()(p).data, 1e-14);
  });

  it("metadata: size, value variables with offsets and transforms, initial point, toFlat/fromFlat", () => {
    expect(cm.name).to.equal("seed");
    expect(cm.size).to.equal(3);
    expect(cm.valueVars.map((v) => [v.name, v.rv, v.offset, v.transform])).to.deep.equal([
      ["mu", "mu", 0, null],
      ["sigma_log__", "sigma", 1, "log"],
      ["x", "x", 2, null],
    ]);
    expectClose(cm.toFlat(cm.initialPoint()), [0, Math.log(3), 0], 1e-15);
    expect(cm.fromFlat(Float64Array.of(1, 2, 3))).to.deep.equal({ mu: 1, sigma_log__: 2, x: 3 });
  });

  it("vector value variables are laid out flat, in order", () => {
    const vm = model(() => {
      const mu = Normal("mu", 0, 1);
      const tau = HalfNormal("tau", 1);
      Normal("theta", mu, tau, { shape: [4] });
    });
    expect(vm.size).to.equal(6);
    const x = Float64Array.of(0.2, -0.3, 0.1, 0.5, -0.7, 1.1);
    const grad = new Float64Array(6);
    vm.flat.logpGrad(x, grad);
    expectClose(
      grad,
      finiteDiffGrad((y) => vm.flat.logp(y), x),
      1e-6,
    );
    const point = vm.fromFlat(x);
    expect((point.theta as any).toArray()).to.deep.equal([0.1, 0.5, -0.7, 1.1]);
  });

  it("draw gives every RV and Deterministic; a seed reproduces it", () => {
    const dm = model(() => {
      const mu = Normal("mu", 0, 1);
      Deterministic("twice", pt.mul(mu, 2));
    });
    const a = dm.draw({ seed: 11 });
    expect(Object.keys(a)).to.deep.equal(["mu", "twice"]);
    expectClose(a.twice as number, 2 * (a.mu as number), 1e-15);
    expect(dm.draw({ seed: 11 })).to.deep.equal(a);
    const many = dm.draw({ draws: 100, seed: 1 });
    expect((many.mu as any).shape).to.deep.equal([100]);
  });

  it("data() inputs are read at run time and rebound with withData", () => {
    const dm = model(() => {
      const y = data("y", [1, 2, 3]);
      const mu = Normal("mu", 0, 10);
      Normal("obs", mu, 1, { observed: y });
    });
    const ref = (ys: number[], mu: number) =>
      -0.5 * Math.log(2 * Math.PI) - Math.log(10) - 0.5 * (mu / 10) ** 2 + ys.reduce((a, y) => a - 0.5 * Math.log(2 * Math.PI) - 0.5 * (y - mu) ** 2, 0);
    expectClose(dm.logp({ mu: 0.5 }), ref([1, 2, 3], 0.5), 1e-13);
    const other = dm.withData({ y: [4, 5] });
    expectClose(other.logp({ mu: 0.5 }), ref([4, 5], 0.5), 1e-13);
    expectClose(dm.logp({ mu: 0.5 }), ref([1, 2, 3], 0.5), 1e-13);
    expect(() => dm.withData({ z: [1] })).to.throw("no data input named 'z'");
    expect(() => dm.withData({ y: [[1]] })).to.throw("'y'");
  });

  it("each data binding has its own hot functions: gathers, scatters and prepared reciprocals follow the data", () => {
    const build = (bind: (name: string, v: number[]) => unknown) => () => {
      const a = Normal("a", 0, 1, { shape: [3] });
      const s = data("s", [1, 2, 4]);
      const mean = pt.index(a, bind("g", [0, 1, 2, 1]) as number[]);
      Normal("obs", pt.div(mean, pt.index(s, bind("g2", [0, 1, 2, 1]) as number[])), 1, { observed: bind("y", [0.5, -1, 2, 0.25]) as number[] });
    };
    const withData = model(build((name, v) => data(name, v)));
    const rebound = withData.withData({ g: [2, 2, 0, 1, 0], g2: [0, 0, 1, 2, 2], y: [1, 2, 3, 4, 5], s: [3, 5, 7] });
    const point = new Float64Array([0.3, -0.7, 1.1]);
    for (const [m, g, g2, y, sv] of [
      [withData, [0, 1, 2, 1], [0, 1, 2, 1], [0.5, -1, 2, 0.25], [1, 2, 4]],
      [rebound, [2, 2, 0, 1, 0], [0, 0, 1, 2, 2], [1, 2, 3, 4, 5], [3, 5, 7]],
      [withData, [0, 1, 2, 1], [0, 1, 2, 1], [0.5, -1, 2, 0.25], [1, 2, 4]],
    ] as const) {
      // the same model with these values as constants
      const fixed = model(() => {
        const a = Normal("a", 0, 1, { shape: [3] });
        Normal("obs", pt.div(pt.index(a, [...g]), pt.index(pt.constant([...sv]), [...g2])), 1, { observed: [...y] });
      });
      const gWant = new Float64Array(3);
      const gGot = new Float64Array(3);
      expectClose(m.flat.logpGrad(point, gGot), fixed.flat.logpGrad(point, gWant), 1e-13);
      gGot.forEach((v, i) => expectClose(v, gWant[i], 1e-13));
      expectClose(m.flat.logp(point), fixed.flat.logp(point), 1e-13);
    }
  });

  it("Potential adds a term; Deterministic does not", () => {
    const pm = model(() => {
      const a = Normal("a", 0, 1);
      Deterministic("d", pt.exp(a));
      Potential("pen", pt.mul(-2, pt.square(a)));
    });
    const terms = pm.logpTerms({ a: 0.5 });
    expect(Object.keys(terms)).to.deep.equal(["a", "pen"]);
    expectClose(terms.pen, -0.5, 1e-15);
    expectClose(pm.logp({ a: 0.5 }), terms.a + terms.pen, 1e-15);
  });

  it("String(model) lists free RVs, Deterministics, observed RVs and Potentials, aligned", () => {
    const mm = Model.build(() => {
      const mu = Normal("mu", 0, 2);
      const sigma = HalfNormal("sigma", 3);
      Deterministic("mu2", pt.mul(mu, 2));
      Normal("y", mu, sigma, { observed: [1, 2] });
      Potential("p", pt.neg(pt.square(mu)));
    });
    expect(String(mm)).to.equal(
      ["   mu ~ Normal(0, 2)", "sigma ~ HalfNormal(0, 3)", "  mu2 ~ Deterministic(f(mu))", "    y ~ Normal(mu, sigma)", "    p ~ Potential(f(mu))"].join("\n"),
    );
  });

  it("String(model): a Deterministic parameter prints as its name; f(...) lists RVs in PyTensor's walk order", () => {
    const mm = Model.build(() => {
      const mu = Normal("mu", 0, 5);
      const tau = HalfNormal("tau", 5);
      const thetaT = Normal("theta_t", 0, 1, { shape: [3] });
      const theta = Deterministic("theta", pt.add(mu, pt.mul(tau, thetaT)));
      Normal("obs", theta, 2, { observed: [1, 2, 3] });
      Normal("obs2", pt.mul(theta, 2), 2, { observed: [1, 2, 3] });
    });
    // breadth first from the inputs, each node's inputs queued in reverse: (mu, tau·theta_t) gives mu,
    // theta_t, tau; theta·2 walks through theta (its inputs reversed) and gives theta_t, mu, tau
    expect(String(mm).split("\n")).to.deep.equal([
      "     mu ~ Normal(0, 5)",
      "    tau ~ HalfNormal(0, 5)",
      "theta_t ~ Normal(0, 1)",
      "  theta ~ Deterministic(f(mu, theta_t, tau))",
      "    obs ~ Normal(theta, 2)",
      "   obs2 ~ Normal(f(theta_t, mu, tau), 2)",
    ]);
  });
});

describe("bad input", () => {
  const cm = model(seedBuilder);

  it("a point with a missing, unknown, wrongly shaped or non-finite entry names the variable", () => {
    expect(() => cm.logp({ mu: 0, x: 0 })).to.throw("'sigma_log__'");
    expect(() => cm.logp({ mu: 0, sigma_log__: 0, x: 0, sigma: 1 })).to.throw("unknown value variable 'sigma'");
    expect(() => cm.logp({ mu: [0, 1], sigma_log__: 0, x: 0 })).to.throw("'mu'");
    expect(() => cm.logp({ mu: NaN, sigma_log__: 0, x: 0 })).to.throw(/'mu' is NaN; expected a finite number/);
    expect(() => cm.fromFlat(new Float64Array(2))).to.throw("length 3");
    const m = Model.build(seedBuilder);
    expect(() => m.compileLogp()({ mu: 0, x: 0 })).to.throw("'sigma_log__'");
    expect(() => m.compileLogp()({ mu: 0, sigma_log__: Infinity, x: 0 })).to.throw("'sigma_log__'");
  });

  it("builder mistakes name the variable and the parameter", () => {
    expect(() => Model.build(() => HalfNormal("s", -1))).to.throw(/HalfNormal\('s'\): invalid parameter: sigma > 0 does not hold \(sigma = -1(\.0)?\)/);
    expect(() => Model.build(() => Normal("x", { mu: 0, sd: 1 }))).to.throw("Normal('x'): unknown parameter 'sd'");
    expect(() => Model.build(() => Normal("x", { mu: [0, 0], sigma: [1, 1, 1] }))).to.throw(/Normal\('x'\).*\(2\).*\(3\)|Normal\('x'\).*broadcast/);
    expect(() => Model.build(() => Normal("x", 0, 1, { shape: [3], observed: [1, 2] }))).to.throw("Normal('x')");
    expect(() =>
      Model.build(() => {
        Normal("x", 0, 1);
        Normal("x", 0, 1);
      }),
    ).to.throw("already has a variable named 'x'");
    expect(() => Normal("x", 0, 1)).to.throw("inside Model.build");
    expect(() => Normal.dist({ mu: 0, sigma: 1, tau: 1 })).to.throw("sigma or tau");
  });
});

describe("registration options", () => {
  it("transform: null keeps the constrained value; a user transform renames the value variable", () => {
    const m = Model.build(() => {
      HalfNormal("a", 1, { transform: null });
      HalfNormal("b", 1, { transform: transforms.logodds });
    });
    expect(m.valueVars.map(String)).to.deep.equal(["a", "b_logodds__"]);
    const f = m.compileLogp({ sum: false });
    const [la] = f({ a: 0.5, b_logodds__: 0 });
    expectClose(la, Math.log(Math.sqrt(2 / Math.PI)) - 0.125, 1e-14);
    expect(f({ a: -0.5, b_logodds__: 0 })[0]).to.equal(-Infinity);
  });

  it("initval sets the initial point (forward-transformed)", () => {
    const m = Model.build(() => {
      HalfNormal("s", 1, { initval: 2 });
      Normal("x", 0, 1, { shape: [2], initval: [0.5, -0.5] });
    });
    const p = m.initialPoint();
    expectClose(p.s_log__ as number, Math.log(2), 1e-15);
    expect((p.x as any).toArray()).to.deep.equal([0.5, -0.5]);
  });

  it("namedVars, get, deterministics, potentials, observedRVs, freeRVs", () => {
    let mu!: any;
    const m = Model.build("named", () => {
      mu = Normal("mu", 0, 1);
      data("d", [1, 2]);
      Deterministic("m2", pt.mul(mu, 2));
      Potential("pot", pt.neg(mu));
      Normal("y", mu, 1, { observed: [0.1, 0.2] });
    });
    expect(m.name).to.equal("named");
    expect([...m.namedVars.keys()]).to.deep.equal(["mu", "d", "m2", "pot", "y"]);
    expect(m.get("mu")).to.equal(mu);
    expect(m.freeRVs.map(String)).to.deep.equal(["mu"]);
    expect(m.observedRVs.map(String)).to.deep.equal(["y"]);
    expect(m.deterministics.map(String)).to.deep.equal(["m2"]);
    expect(m.potentials.map(String)).to.deep.equal(["pot"]);
    expect(() => m.get("nope")).to.throw("no variable named 'nope'");
  });
});

describe("observed values in the compiled model", () => {
  it("records constant and data() observed values for traces (observed_data)", () => {
    const m = model(() => {
      const mu = Normal("mu", 0, 1);
      Normal("y", mu, 1, { observed: [1, 2, 3] });
      Normal("z", mu, 1, { observed: data("zd", [0.5, 0.7]) });
    });
    const obs = observedData(m as never) as any;
    expect(obs.y.toArray()).to.deep.equal([1, 2, 3]);
    expect(obs.z.toArray()).to.deep.equal([0.5, 0.7]);
  });
});
