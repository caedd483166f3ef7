// Observed values are data: an observed value that depends on an RV or on a free input is refused
// (PyMC's "Variables that depend on other nodes cannot be used for observed data"), a discrete
// family's observations are integers (as constants, data() defaults and data bound later), and a
// builder must be synchronous.
import { expect } from "chai";
import { Bernoulli, Categorical, data, model, Normal, Poisson, pt } from "../compiler/index.js";
import { thrown } from "./helpers/thrown.js";

describe("reliability: observed values are data", () => {
  it("an observed value that depends on a free RV is refused, naming it", () => {
    const e = thrown(() =>
      model("obsrv", () => {
        const mu = Normal("mu", 0, 1);
        Normal("y", 0, 1, { observed: pt.mul(mu, 2) });
      }),
    );
    expect(e.message).to.equal("Normal('y'): observed must be data (numbers, arrays, data() inputs or expressions of them), but it depends on Normal('mu')");
  });

  it("a free pt.vector or a .dist() as observed is refused, naming the RV", () => {
    const vector = thrown(() => model("v", () => void Normal("y", Normal("mu", 0, 1), 1, { observed: pt.vector("v") })));
    expect(vector.message).to.include("Normal('y'): observed must be data").and.include("the free input 'v'");
    const dist = thrown(() => model("d", () => void Normal("y", Normal("mu", 0, 1), 1, { observed: Normal.dist(0, 1) })));
    expect(dist.message).to.include("Normal('y'): observed must be data").and.include("a random variable not in the model");
  });

  it("an expression of data is still data", () => {
    const m = model("expr", () => void Normal("y", Normal("mu", 0, 1), 1, { observed: pt.mul(data("d", [1, 2]), 2) }));
    expect(m.logpTerms({ mu: 0 }).y).to.be.closeTo(2 * -0.5 * Math.log(2 * Math.PI) - 0.5 * (4 + 16), 1e-12);
  });
});

describe("reliability: a discrete family's observations are integers", () => {
  it("a non-integer constant is refused, naming the RV and the entry", () => {
    expect(thrown(() => model("p", () => void Poisson("y", 2, { observed: [1, 0.5] }))).message).to.equal(
      "Poisson('y'): observed value[1] is 0.5, but Poisson observations are integers",
    );
    expect(thrown(() => model("b", () => void Bernoulli("y", 0.5, { observed: 0.5 }))).message).to.equal(
      "Bernoulli('y'): observed value is 0.5, but Bernoulli observations are integers",
    );
  });

  it("a data() default and data bound later are checked too", () => {
    const e = thrown(() => model("c", () => void Categorical("y", [0.3, 0.3, 0.4], { observed: data("k", [0.5, 1.5]) })));
    expect(e.message).to.equal("Categorical('y'): observed data('k')[0] is 0.5, but Categorical observations are integers");
    const m = model("c2", () => {
      Normal("z", 0, 1);
      Categorical("y", [0.3, 0.3, 0.4], { observed: data("k", [0, 2]) });
    });
    expect(thrown(() => m.withData({ k: [2.5, 1] })).message).to.include("input 'k': entry 0 is 2.5, not an integer");
    expect(m.withData({ k: [1, 1] }).logpTerms({ z: 0 }).y).to.be.closeTo(2 * Math.log(0.3), 1e-12);
  });

  it("integer-valued floats and missing entries (imputed) are accepted", () => {
    const m = model("ok", () => void Poisson("y", Normal("lam", 3, 1, { transform: null }), { observed: [1, 2, Number.NaN] }));
    expect(m.valueVars.map((v) => v.name)).to.deep.equal(["lam", "y_unobserved"]);
  });
});

describe("reliability: a model's builder is synchronous", () => {
  it("an async builder is refused at once, and its rejection does not escape", async () => {
    const e = thrown(() =>
      model("async", async () => {
        await Promise.resolve();
        Normal("mu", 0, 1);
      }),
    );
    expect(e.message).to.equal("model 'async': the builder returned a Promise; a model's builder must be synchronous (no async or await)");
    // Give the builder's continuation its turn: a rejection it leaves unhandled would fail the run.
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
});

describe("reliability: dimension names and lengths stay consistent in traces", () => {
  it("chain and draw are not dimensions a model may name", () => {
    const e = thrown(() => model("d", () => void Normal("x", 0, 1, { dims: "chain" }), { coords: { chain: ["a", "b"] } }));
    expect(e.message).to.equal("coords: 'chain' is the name of the trace's own dimension (chain, draw); name this dimension otherwise");
    expect(thrown(() => model("d", () => void Normal("x", 0, 1), { coords: { draw: [1] } })).message).to.include(
      "'draw' is the name of the trace's own dimension",
    );
  });

  it("a variable named as another's dimension is refused (given dims or ArviZ's default)", () => {
    const byDefault = thrown(() =>
      model("c", () => {
        Normal("theta", 0, 1, { shape: [2] });
        Normal("theta_dim_0", 0, 1);
      }),
    );
    expect(byDefault.message).to.equal(
      "Normal('theta_dim_0'): the name 'theta_dim_0' is also ArviZ's name for a dimension of Normal('theta') (it has no dims); rename one of them",
    );
    const byDims = thrown(() =>
      model(
        "c",
        () => {
          Normal("x", 0, 1, { dims: "school" });
          Normal("school", 0, 1);
        },
        { coords: { school: ["a", "b"] } },
      ),
    );
    expect(byDims.message).to.equal("Normal('school'): the name 'school' is also a dimension of Normal('x'); rename one of them");
  });

  it("a dimension named twice in one variable's dims is refused", () => {
    const e = thrown(() => model("s", () => void Normal("x", 0, 1, { dims: ["s", "s"] }), { coords: { s: ["a", "b"] } }));
    expect(e.message).to.equal("Normal('x'): dims name 's' twice; each axis needs a dimension of its own");
  });

  it("withData refuses a new length for data with dims (the coords would no longer label it)", () => {
    // The input's expected shape takes each dimension's length from the coords.
    const m = model(
      "dd",
      () => {
        const mu = Normal("mu", 0, 1);
        const x = data("x", [0.5, 1.5], { dims: "obs" });
        Normal("y", mu.mul(x), 1, { observed: data("yd", [1, 2], { dims: "obs" }), dims: "obs" });
      },
      { coords: { obs: ["a", "b"] } },
    );
    expect(thrown(() => m.withData({ x: [0.5, 1.5, 2.5], yd: [1, 2, 3] })).message).to.equal(
      "input 'x': got shape (3,); expected a float64 array of shape (2,)",
    );
    expect(m.withData({ x: [1, 2], yd: [3, 4] }).logpTerms({ mu: 0 }).y).to.be.closeTo(-Math.log(2 * Math.PI) - 0.5 * 25, 1e-12);
  });
});
