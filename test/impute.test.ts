// Missing observations imputed as PyMC does: NaN (or null) entries of `observed` make a free RV
// `y_unobserved`, an observed RV `y_observed` of the rest and a Deterministic `y` of the whole.
// Log densities against SciPy (test/reference/gen_impute.py), gradients against finite
// differences, in process and ahead of time alike.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HalfNormal, Model, MvNormal, Normal, Poisson, model, type CompiledModel } from "../compiler/index.js";
import { compileInline, expectSameModel, root, type ModelLike } from "./helpers/aot.js";

interface Case {
  point: Record<string, number | number[]>;
  logp: number;
  terms: Record<string, number>;
}
const reference: { observed: (number | null)[]; cases: Case[] } = JSON.parse(readFileSync(join(root, "test", "reference", "impute.json"), "utf8"));
const observed = reference.observed.map((v) => (v === null ? Number.NaN : v));

const builder = (obs: unknown) => () => {
  const mu = Normal("mu", 0, 10);
  const s = HalfNormal("s", 2);
  Normal("y", mu, s, { observed: obs });
};

describe("missing observations: the model", () => {
  it("splits y into y_unobserved (free), y_observed (observed) and y (Deterministic), as PyMC names them", () => {
    const m = Model.build("imputed", builder(observed));
    expect(m.valueVars.map((v) => v.name)).to.deep.equal(["mu", "s_log__", "y_unobserved"]);
    expect(m.valueVars[2].type.shape).to.deep.equal([2]);
    expect(m.observedRVs.map((v) => v.name)).to.deep.equal(["y_observed"]);
    expect(m.deterministics.map((v) => v.name)).to.deep.equal(["y"]);
    expect(m.get("y").type.shape).to.deep.equal([5]);
  });

  it("null entries in a nested array are missing too", () => {
    const m = Model.build("imputed", builder(reference.observed));
    expect(m.valueVars.map((v) => v.name)).to.deep.equal(["mu", "s_log__", "y_unobserved"]);
  });

  it("a multivariate distribution with missing entries is refused, naming it", () => {
    expect(() =>
      Model.build(() =>
        MvNormal(
          "x",
          [0, 0],
          [
            [1, 0],
            [0, 1],
          ],
          { observed: [[1, Number.NaN]] },
        ),
      ),
    ).to.throw("MvNormal('x'): missing values (NaN) in the observed value of a multivariate MvNormal are not supported");
  });
});

describe("missing observations: the compiled model", () => {
  let m: CompiledModel;
  before(() => {
    m = model("imputed", builder(observed));
  });

  it("logp and logpTerms match SciPy at several points", () => {
    for (const c of reference.cases) {
      expect(m.logp(c.point)).to.be.closeTo(c.logp, 1e-10);
      const terms = m.logpTerms(c.point);
      expect(terms.y_unobserved).to.be.closeTo(c.terms.y_unobserved, 1e-10);
      expect(terms.y_observed).to.be.closeTo(c.terms.y_observed, 1e-10);
      expect(terms.mu).to.be.closeTo(c.terms.mu, 1e-10);
    }
  });

  it("the gradient agrees with central finite differences", () => {
    const x = m.toFlat(reference.cases[0].point);
    const g = new Float64Array(m.size);
    m.flat.logpGrad(x, g);
    for (let i = 0; i < m.size; i++) {
      const h = 1e-6;
      const up = Float64Array.from(x);
      const down = Float64Array.from(x);
      up[i] += h;
      down[i] -= h;
      expect(g[i]).to.be.closeTo((m.flat.logp(up) - m.flat.logp(down)) / (2 * h), 1e-6);
    }
  });

  it("the posterior holds the imputed values, and y is the whole: observed entries fixed, missing ones imputed", () => {
    const trace = m.sample({ draws: 100, tune: 100, chains: 1, seed: 5 });
    expect(Object.keys(trace.posterior)).to.include.members(["mu", "s", "y_unobserved", "y"]);
    expect(trace.posterior.y.shape).to.deep.equal([1, 100, 5]);
    expect(Object.keys(trace.observedData!)).to.deep.equal(["y_observed"]);
    const y = trace.posterior.y.data;
    const u = trace.posterior.y_unobserved.data;
    for (let d = 0; d < 100; d++) {
      expect([y[d * 5], y[d * 5 + 2], y[d * 5 + 4]]).to.deep.equal([1.2, 0.5, 2.0]);
      expect([y[d * 5 + 1], y[d * 5 + 3]]).to.deep.equal([u[d * 2], u[d * 2 + 1]]);
    }
  });

  it("parameters that vary by entry follow their entries (a 2-D observed value, a mean per column, a discrete family)", () => {
    const two = model("two", () => {
      const mu = Normal("mu", 0, 10, { shape: [3] });
      Normal("z", mu, 1, {
        observed: [
          [1, Number.NaN, 3],
          [Number.NaN, 5, 6],
        ],
      });
      Poisson("k", [2, 3, 4], { observed: [1, Number.NaN, 3] });
    });
    expect(two.valueVars.map((v) => v.name)).to.deep.equal(["mu", "z_unobserved", "k_unobserved"]);
    const point = { mu: [0.5, -1, 2], z_unobserved: [0.7, 4.2], k_unobserved: [2] };
    // log N(entries; mu by column, 1) with the missing (0,1) and (1,0) filled in
    const logN = (v: number, mu: number) => -0.5 * (v - mu) ** 2 - 0.5 * Math.log(2 * Math.PI);
    const zTerms = logN(0.7, -1) + logN(4.2, 0.5) + logN(1, 0.5) + logN(3, 2) + logN(5, -1) + logN(6, 2);
    const terms = two.logpTerms(point);
    expect(terms.z_unobserved + terms.z_observed).to.be.closeTo(zTerms, 1e-12);
    // Poisson(3) at k = 2 for the missing entry
    expect(terms.k_unobserved).to.be.closeTo(2 * Math.log(3) - 3 - Math.log(2), 1e-12);
  });

  it("ahead of time: the same model", async () => {
    const built = await compileInline<ModelLike>(
      `import { model, Normal, HalfNormal } from "tsmc";`,
      { imputed: `() => { const mu = Normal("mu", 0, 10); const s = HalfNormal("s", 2); Normal("y", mu, s, { observed: [1.2, NaN, 0.5, null, 2.0] }); }` },
      "impute",
    );
    expectSameModel(built.imputed, m as unknown as ModelLike, "imputed");
  });
});
