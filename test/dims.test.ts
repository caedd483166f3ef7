// coords and dims (PyMC's): a model's coords name the labels along each dimension; an RV, data()
// or Deterministic takes `dims`, which give its shape when none is given and are checked against
// it otherwise. Traces, summary() rows and the ArviZ JSON carry them; ahead of time the same.
import { expect } from "chai";
import { Deterministic, HalfNormal, Model, MvNormal, Normal, data, model, summary, type CompiledModel } from "../compiler/index.js";
import { compileInline, expectSameModel, type ModelLike } from "./helpers/aot.js";
import { thrown } from "./helpers/thrown.js";

const SCHOOLS = ["Choate", "Deerfield", "Phillips Andover", "Phillips Exeter", "Hotchkiss", "Lawrenceville", "St. Paul's", "Mt. Hermon"];
const y = [28, 8, -3, 7, -1, 1, 18, 12];
const sigma = [15, 10, 16, 11, 9, 11, 10, 18];

const eightSchools = () =>
  model(
    "eight_schools",
    () => {
      const mu = Normal("mu", 0, 5);
      const tau = HalfNormal("tau", 5);
      const thetaT = Normal("theta_t", 0, 1, { dims: "school" });
      const theta = Deterministic("theta", mu.add(tau.mul(thetaT)), { dims: ["school"] });
      Normal("obs", theta, data("sigma", sigma, { dims: "school" }), { observed: y, dims: "school" });
    },
    { coords: { school: SCHOOLS } },
  );

describe("coords and dims: the model", () => {
  it("dims give the shape and are recorded by variable; a given shape that agrees is fine", () => {
    const m = Model.build(
      "m",
      () => {
        Normal("a", 0, 1, { dims: "school" });
        Normal("b", 0, 1, { dims: ["school", "year"] });
        Normal("c", 0, 1, { shape: [8], dims: "school" });
        MvNormal(
          "d",
          [0, 0],
          [
            [1, 0],
            [0, 1],
          ],
          { dims: ["year"] },
        );
      },
      { coords: { school: SCHOOLS, year: [2001, 2002] } },
    );
    expect(m.get("a").type.shape).to.deep.equal([8]);
    expect(m.get("b").type.shape).to.deep.equal([8, 2]);
    expect(m.get("d").type.shape).to.deep.equal([2]);
    expect(Object.fromEntries(m.dims)).to.deep.equal({ a: ["school"], b: ["school", "year"], c: ["school"], d: ["year"] });
    expect(m.coords.get("year")).to.deep.equal([2001, 2002]);
  });

  it("a shape, an observed value or an expression that disagrees with its dims is an error naming it", () => {
    const coords = { coords: { school: SCHOOLS } };
    expect(() => Model.build(() => Normal("a", 0, 1, { shape: [7], dims: "school" }), coords)).to.throw(
      "Normal('a'): dims (school) give shape (8), but the variable's shape is (7)",
    );
    expect(() => Model.build(() => Normal("y", 0, 1, { observed: [1, 2, 3], dims: "school" }), coords)).to.throw(
      "Normal('y'): dims (school) give shape (8), but the variable's shape is (3)",
    );
    expect(() => Model.build(() => Deterministic("d", Normal("a", 0, 1, { shape: [3] }), { dims: "school" }), coords)).to.throw(
      "Deterministic('d'): dims (school) give shape (8), but the variable's shape is (3)",
    );
    expect(() => Model.build(() => data("x", [1, 2], { dims: "school" }), coords)).to.throw(
      "data('x'): dims (school) give shape (8), but the variable's shape is (2)",
    );
  });

  it("an unknown dimension, dims outside a model, and malformed coords are errors that say so", () => {
    expect(() => Model.build(() => Normal("a", 0, 1, { dims: "schol" }), { coords: { school: SCHOOLS } })).to.throw(
      "Normal('a'): dimension 'schol' has no coords in the model (known: school); give coords: { schol: [...] }",
    );
    expect(() => Model.build(() => Normal("a", 0, 1, { dims: "school" }))).to.throw("the model has no coords");
    expect(() => Normal.dist(0, 1, { dims: "school" })).to.throw("Normal.dist: dims name a model's coords");
    expect(() => Model.build(() => {}, { coords: { school: ["A", "A"] } })).to.throw("coords: the labels of 'school' are not unique");
    expect(() => Model.build(() => {}, { coords: { school: "ABC" as never } })).to.throw("coords: 'school' must be an array");
    expect(() => Model.build(() => {}, { coordz: {} } as never)).to.throw("Model.build: unknown option 'coordz' (known: coords)");
    expect(() => model("m", () => {}, { coordz: {} } as never)).to.throw("model(): unknown option 'coordz' (known: simd, coords, findMAP)");
  });
});

describe("coords and dims: traces, summary and ArviZ's JSON", () => {
  let m: CompiledModel;
  before(() => {
    m = eightSchools();
  });

  it("the compiled model's metadata carries them; a model without them carries nothing new", () => {
    expect(m.meta.coords).to.deep.equal({ school: SCHOOLS });
    expect(m.meta.dims).to.deep.equal({ theta_t: ["school"], theta: ["school"], sigma: ["school"], obs: ["school"] });
    const plain = model("plain", () => void Normal("x", 0, 1, { shape: [2] }));
    expect("coords" in plain.meta || "dims" in plain.meta).to.equal(false);
  });

  it("the trace keeps them; summary() labels rows by coords; toJSON writes them where ArviZ reads them", () => {
    const trace = m.sample({ draws: 50, tune: 50, chains: 1, seed: 1 });
    expect(trace.posterior.theta.shape).to.deep.equal([1, 50, 8]);
    expect(trace.dims.theta).to.deep.equal(["school"]);
    expect(trace.coords.school).to.deep.equal(SCHOOLS);
    const rows = summary(trace).rows.map((r) => r.name);
    expect(rows).to.include.members(["theta[Choate]", "theta[Mt. Hermon]", "theta_t[St. Paul's]", "mu", "tau"]);
    const json = JSON.parse(JSON.stringify(trace));
    expect(json.dims.theta).to.deep.equal(["school"]);
    expect(json.dims.obs).to.deep.equal(["school"]);
    expect(json.coords.school).to.deep.equal(SCHOOLS);
    expect(json.posterior.theta[0][0]).to.have.length(8);
    expect(json.observed_data.obs).to.deep.equal(y);
    // az.from_dict(posterior=..., coords=..., dims=...): no default dim names where dims were given
    expect(Object.keys(json.coords).filter((c) => c.startsWith("theta"))).to.deep.equal([]);
  });

  it("without dims, ArviZ's default names stay (theta_dim_0, labelled 0..n-1)", () => {
    const plain = model("plain", () => void Normal("x", 0, 1, { shape: [3] }));
    const json = JSON.parse(JSON.stringify(plain.sample({ draws: 10, tune: 10, chains: 1, seed: 1 })));
    expect(json.dims.x).to.deep.equal(["x_dim_0"]);
    expect(json.coords.x_dim_0).to.deep.equal([0, 1, 2]);
  });

  it("ahead of time: the same model, metadata and draws as in process", async () => {
    const built = await compileInline<ModelLike & CompiledModel>(
      `import { model, Normal, HalfNormal, Deterministic, data } from "tsmc";`,
      {
        eight_schools: `() => {
          const mu = Normal("mu", 0, 5);
          const tau = HalfNormal("tau", 5);
          const thetaT = Normal("theta_t", 0, 1, { dims: "school" });
          const theta = Deterministic("theta", mu.add(tau.mul(thetaT)), { dims: ["school"] });
          Normal("obs", theta, data("sigma", ${JSON.stringify(sigma)}, { dims: "school" }), { observed: ${JSON.stringify(y)}, dims: "school" });
        }, { coords: { school: ${JSON.stringify(SCHOOLS)} } }`,
      },
      "dims",
    );
    expectSameModel(built.eight_schools, m as unknown as ModelLike, "eight schools with dims");
    expect(built.eight_schools.meta.dims).to.deep.equal(m.meta.dims);
    expect(built.eight_schools.meta.coords).to.deep.equal(m.meta.coords);
  });
});

describe("options nobody reads are refused", () => {
  it("an rng object on a distribution, nested Model.build", () => {
    expect(() => Normal.dist(0, 1, { rng: {} } as never)).to.throw("Normal.dist: an rng object is not supported");
    const e = thrown(() => Model.build(() => Model.build(() => Normal("x", 0, 1))));
    expect(e.message).to.equal("Model.build inside a model's builder is not supported (PyMC's nested models); declare the variables in one builder");
  });

  it("data() and Deterministic() options", () => {
    expect(() => Model.build(() => data("x", [1], { shap: [1] } as never))).to.throw("data('x'): unknown option 'shap' (known: shape, dtype, dims)");
    expect(() => Model.build(() => Deterministic("d", Normal("a", 0, 1), { dim: "x" } as never))).to.throw(
      "Deterministic('d'): unknown option 'dim' (known: dims)",
    );
  });
});
