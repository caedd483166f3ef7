// CustomDist / DensityDist (PyMC's): a log density given as a function of tensors, compiled like
// any other term, in process and ahead of time; draws from `random` (copied into the compiled
// code) or from a `dist` graph; without either, a draw is an error that says so.
import { expect } from "chai";
import { CustomDist, DensityDist, HalfNormal, Model, Normal, logcdf, model, pt, type Variable } from "../compiler/index.js";
import { compileInline, expectSameModel, type ModelLike } from "./helpers/aot.js";

// A normal density written by hand: what a user would give CustomDist.
const normalLogp = (v: Variable, mu: Variable, s: Variable) =>
  pt.sub(pt.mul(-0.5, pt.sqr(pt.div(pt.sub(v, mu), s))), pt.log(pt.mul(s, Math.sqrt(2 * Math.PI))));
const normalRandom = (mu: number, s: number, rng: { normal(): number }, size: number[]) =>
  Array.from({ length: size.reduce((a, b) => a * b, 1) }, () => mu + s * rng.normal());
const Y = [1.2, 0.4, 2.2, 1.7];

const moments = (xs: ArrayLike<number>) => {
  const a = Array.from(xs);
  const mean = a.reduce((p, q) => p + q, 0) / a.length;
  return { mean, variance: a.reduce((p, q) => p + (q - mean) ** 2, 0) / (a.length - 1) };
};

describe("CustomDist: the log density", () => {
  const custom = model("custom", () => {
    const mu = Normal("mu", 0, 10);
    const s = HalfNormal("s", 2);
    CustomDist("y", mu, s, { logp: normalLogp, random: normalRandom, observed: Y });
  });
  const reference = model("reference", () => {
    const mu = Normal("mu", 0, 10);
    const s = HalfNormal("s", 2);
    Normal("y", mu, s, { observed: Y });
  });

  it("is compiled like any other term: logp and its gradient equal Normal's", () => {
    for (const point of [
      { mu: 0.3, s_log__: 0.2 },
      { mu: -4, s_log__: -1.5 },
      { mu: 2, s_log__: 1 },
    ]) {
      expect(custom.logp(point)).to.be.closeTo(reference.logp(point), 1e-12);
      const [g, r] = [custom.dlogp(point), reference.dlogp(point)] as Record<string, number>[];
      expect(g.mu).to.be.closeTo(r.mu, 1e-12);
      expect(g.s_log__).to.be.closeTo(r.s_log__, 1e-12);
    }
  });

  it("logcdf where one is given; without one, logcdf says so", () => {
    const m = Model.build(() => {
      CustomDist("a", 0, 1, { logp: normalLogp, logcdf: (v: Variable) => pt.log(pt.mul(0.5, pt.erfc(pt.neg(pt.div(v, Math.SQRT2))))) });
      CustomDist("b", 0, 1, { logp: normalLogp });
    });
    expect(logcdf(m.get("a"), 0.5).eval() as number).to.be.closeTo(Math.log(0.6914624612740131), 1e-12);
    expect(() => logcdf(m.get("b"), 0.5)).to.throw("has no CDF");
  });

  it("a free CustomDist samples with NUTS", () => {
    const m = model("free", () => void CustomDist("x", 1, 0.5, { logp: normalLogp }));
    const trace = m.sample({ draws: 400, tune: 300, chains: 1, seed: 3 });
    const { mean } = moments(trace.posterior.x.data);
    expect(mean).to.be.closeTo(1, 0.15);
  });

  it("DensityDist is the same object", () => {
    expect(DensityDist).to.equal(CustomDist);
  });
});

describe("CustomDist: draws", () => {
  it("from random: seeded, of the variable's shape, with the right moments", () => {
    const m = model("r", () => void CustomDist("x", 3, 2, { logp: normalLogp, random: normalRandom, shape: [20_000] }));
    const a = m.draw({ seed: 4 }).x as { shape: number[]; data: Float64Array };
    expect(a.shape).to.deep.equal([20_000]);
    expect(Array.from(a.data)).to.deep.equal(Array.from((m.draw({ seed: 4 }).x as { data: Float64Array }).data));
    const { mean, variance } = moments(a.data);
    expect(mean).to.be.closeTo(3, 0.05);
    expect(variance).to.be.closeTo(4, 0.15);
  });

  it("from a dist graph of .dist() variables", () => {
    const m = model("d", () => {
      CustomDist("x", 3, 2, { logp: normalLogp, dist: (mu: Variable, s: Variable, size: number[]) => Normal.dist(mu, s, { shape: size }), shape: [20_000] });
    });
    const { mean, variance } = moments((m.draw({ seed: 5 }).x as { data: Float64Array }).data);
    expect(mean).to.be.closeTo(3, 0.05);
    expect(variance).to.be.closeTo(4, 0.15);
  });

  it("posterior predictive draws of an observed CustomDist", () => {
    const m = model("pp", () => {
      const mu = Normal("mu", 0, 10);
      CustomDist("y", mu, 1, { logp: normalLogp, random: normalRandom, observed: Y });
    });
    const trace = m.sample({ draws: 50, tune: 50, chains: 1, seed: 6 });
    expect(m.samplePosteriorPredictive(trace, { seed: 1 }).y.shape).to.deep.equal([1, 50, 4]);
  });

  it("without random or dist, drawing is an error that says so (the log density still works)", () => {
    const m = model("none", () => void CustomDist("x", 0, 1, { logp: normalLogp }));
    expect(m.logp({ x: 0 })).to.be.closeTo(-0.5 * Math.log(2 * Math.PI), 1e-12);
    expect(() => m.draw({ seed: 1 })).to.throw("CustomDist('x'): cannot be drawn: give CustomDist a random function or a dist graph");
  });

  it("random is copied into the compiled code: a name it reads from around it is an error at the call", () => {
    const offset = 5;
    expect(() => model("c", () => void CustomDist("x", 0, 1, { logp: normalLogp, random: (mu: number) => mu + offset }))).to.throw(
      "CustomDist('x'): random reads something that is not there when it runs (offset is not defined)",
    );
  });

  it("options are checked", () => {
    expect(() => Model.build(() => CustomDist("x", 0, 1, {} as never))).to.throw("CustomDist('x'): logp must be a function");
    expect(() => Model.build(() => CustomDist("x", 0, 1, { logp: normalLogp, random: 3 } as never))).to.throw("CustomDist('x'): random must be a function");
    expect(() => Model.build(() => CustomDist("x", 0, 1, { logp: normalLogp, dtype: "int8" } as never))).to.throw('dtype must be "float64" or "int64"');
    expect(() => Model.build(() => CustomDist("x", 0, 1))).to.throw("the last argument must be the options");
  });
});

describe("CustomDist: ahead of time", () => {
  it("the build pass compiles the user's functions: the same model as in process, draws included", async () => {
    const text = `() => {
      const mu = Normal("mu", 0, 10);
      const s = HalfNormal("s", 2);
      CustomDist("y", mu, s, {
        logp: (v, mu, s) => pt.sub(pt.mul(-0.5, pt.sqr(pt.div(pt.sub(v, mu), s))), pt.log(pt.mul(s, Math.sqrt(2 * Math.PI)))),
        random: (mu, s, rng, size) => Array.from({ length: size.reduce((a, b) => a * b, 1) }, () => mu + s * rng.normal()),
        observed: ${JSON.stringify(Y)},
      });
    }`;
    const built = await compileInline<ModelLike>(`import { model, Normal, HalfNormal, CustomDist, pt } from "tsmc";`, { custom: text }, "customdist");
    const inProcess = model("custom", () => {
      const mu = Normal("mu", 0, 10);
      const s = HalfNormal("s", 2);
      CustomDist("y", mu, s, {
        logp: (v: Variable, mu: Variable, s: Variable) => pt.sub(pt.mul(-0.5, pt.sqr(pt.div(pt.sub(v, mu), s))), pt.log(pt.mul(s, Math.sqrt(2 * Math.PI)))),
        random: (mu: number, s: number, rng: { normal(): number }, size: number[]) =>
          Array.from({ length: size.reduce((a, b) => a * b, 1) }, () => mu + s * rng.normal()),
        observed: Y,
      });
    });
    expectSameModel(built.custom, inProcess as unknown as ModelLike, "CustomDist");
  });
});
