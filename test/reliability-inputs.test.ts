// Reliability of what users hand in: points, data and names are read as own properties only,
// names such as __proto__ are ordinary keys (in process and ahead of time), value-variable names
// do not collide, bound data is the model's own, subnormal constants, NaN inputs, and messages that
// name the variable and what was expected.
import { expect } from "chai";
import { Bernoulli, data, HalfNormal, Model, model, MvNormal, Normal, pt } from "../compiler/index.js";
import { NDArray } from "../runtime/index.js";
import { observedData } from "../runtime/sampler/model-parts.js";
import { assemble, Trace } from "../runtime/sampler/trace.js";
import { STAT_NAMES } from "../runtime/sampler/chain.js";
import { compileInline, expectSameModel, type ModelLike } from "./helpers/aot.js";
import { thrown } from "./helpers/thrown.js";

const sum = (terms: Record<string, number>) => Object.values(terms).reduce((a, b) => a + b, 0);

describe("reliability: inherited properties are not inputs", () => {
  const m = model("m", () => {
    const mu = Normal("mu", 0, 1);
    Normal("x", mu, 1, { observed: [1, 2] });
  });

  it("a point whose value comes from its prototype is missing that value", () => {
    const point = Object.create({ mu: 5 });
    for (const f of [() => m.logp(point), () => m.dlogp(point), () => m.logpTerms(point), () => m.toFlat(point)]) {
      expect(thrown(f).message).to.equal("model 'm': the point has no value for 'mu' (expected shape ())");
    }
    expect(thrown(() => Model.build(() => Normal("mu", 0, 1)).compileLogp()(point)).message).to.include("the point has no value for 'mu'");
  });

  it("a polluted Object.prototype does not complete a point", () => {
    const s = model("s", () => void HalfNormal("s", 1));
    const proto = Object.prototype as Record<string, unknown>;
    proto.s_log__ = 0;
    try {
      expect(thrown(() => s.logp({})).message).to.include("the point has no value for 's_log__'");
    } finally {
      delete proto.s_log__;
    }
  });

  it("data inputs named toString or constructor are unbound until bound", () => {
    const d = model("d", () => {
      const x = data("toString", undefined, { shape: [] });
      Normal("y", x, 1, { observed: [1] });
    });
    expect(thrown(() => d.logp({})).message).to.equal("model 'd': data 'toString' has no value; bind one with withData({ toString: ... })");
    expect(d.withData({ toString: 1 }).logp({})).to.be.closeTo(-0.9189385332046727, 1e-15);
    const c = model("c", () => {
      const x = data("constructor", undefined, { shape: [1] });
      Normal("y", x, 1, { observed: [1] });
    });
    expect(thrown(() => c.logp({})).message).to.include("data 'constructor' has no value");
    expect(c.withData({ constructor: [1] }).logp({})).to.be.closeTo(-0.9189385332046727, 1e-15);
  });

  it("pt.fn called by name does not take an inherited input", () => {
    const x = pt.scalar("toString");
    const f = pt.fn([x, pt.scalar("y")], x.add(1));
    expect(thrown(() => f({ y: 1 })).message).to.include("input 'toString': missing value");
    expect(f({ toString: 1, y: 2 })).to.equal(2);
  });
});

describe("reliability: two value variables of one name are refused", () => {
  it("HalfNormal('a') then Normal('a_log__'), naming both", () => {
    const msg = thrown(() =>
      model(() => {
        HalfNormal("a", 1);
        Normal("a_log__", 0, 1);
      }),
    ).message;
    expect(msg).to.equal("Normal('a_log__'): variable name 'a_log__' already exists: it is the value variable of HalfNormal('a')");
  });

  it("Normal('a_log__') then HalfNormal('a'), naming both", () => {
    const msg = thrown(() =>
      model(() => {
        Normal("a_log__", 0, 1);
        HalfNormal("a", 1);
      }),
    ).message;
    expect(msg).to.equal("HalfNormal('a'): variable name 'a_log__' (its value variable) already exists: Normal('a_log__') has it");
  });
});

describe("reliability: __proto__, constructor and toString are ordinary names", () => {
  // Builders as source text: the same text is compiled ahead of time below.
  const sources = {
    freeProto: `() => {
      const mu = Normal("__proto__", 0, 1);
      Normal("constructor", mu, 1, { observed: data("toString", [0.5, 1.5]) });
    }`,
    observedProto: `() => {
      const mu = Normal("mu", 0, 1);
      Normal("__proto__", mu, 1, { observed: [1, 2, 3] });
    }`,
    dataProto: `() => {
      const mu = Normal("mu", 0, 1);
      Normal("y", mu, 1, { observed: data("__proto__", [1.5, 2.5]) });
    }`,
  };
  const builders = Object.fromEntries(
    Object.entries(sources).map(([name, text]) => [name, new Function("Normal", "data", `return ${text};`)(Normal, data) as () => void]),
  );
  const { freeProto, observedProto, dataProto } = builders;

  it("prior and posterior predictive draws keep an observed RV named __proto__", () => {
    const m = model("observed", observedProto);
    const prior = m.samplePriorPredictive({ draws: 5, seed: 1 });
    expect(Object.keys(prior.priorPredictive)).to.deep.equal(["__proto__"]);
    const trace = m.sample({ draws: 20, tune: 20, chains: 1, cores: 1, seed: 1 });
    const predictive = m.samplePosteriorPredictive(trace, { seed: 2 });
    expect(Object.keys(predictive)).to.deep.equal(["__proto__"]);
    expect(predictive["__proto__"].shape).to.deep.equal([1, 20, 3]);
  });

  it("a free RV named __proto__: point, logp, gradient, initial point", () => {
    const m = model("free", freeProto);
    const init = m.initialPoint();
    expect(Object.keys(init)).to.deep.equal(["__proto__"]);
    expect(Object.getPrototypeOf(init)).to.equal(Object.prototype);
    const point = m.fromFlat(Float64Array.of(0.25));
    expect(Object.hasOwn(point, "__proto__")).to.equal(true);
    expect(m.logp(point)).to.equal(sum(m.logpTerms(point)));
    expect(m.dlogp(point)["__proto__"]).to.be.closeTo(-0.25 + (0.5 - 0.25) + (1.5 - 0.25), 1e-14);
  });

  it("an observed RV named __proto__ keeps its term and its observed data", () => {
    const m = model("obs", observedProto);
    const terms = m.logpTerms({ mu: 0.1 });
    expect(Object.keys(terms)).to.deep.equal(["mu", "__proto__"]);
    expect(sum(terms)).to.be.closeTo(m.logp({ mu: 0.1 }), 1e-12);
    const obs = observedData(m)!;
    expect(Object.keys(obs)).to.deep.equal(["__proto__"]);
    expect(Array.from((obs["__proto__"] as NDArray).data)).to.deep.equal([1, 2, 3]);
  });

  it("a data input named __proto__ is a default and can be rebound", () => {
    const m = model("dat", dataProto);
    expect(Object.keys(m.boundData())).to.deep.equal(["__proto__"]);
    const rebound = m.withData(Object.fromEntries([["__proto__", [0, 0]]]));
    expect(rebound.logp({ mu: 0 })).to.be.closeTo(3 * -0.9189385332046727, 1e-14);
  });

  it("the trace and its JSON keep variables named __proto__ and constructor", () => {
    const stats = Object.fromEntries(STAT_NAMES.map((k) => [k, new Float64Array(2)]));
    const chains = [{ draws: Float64Array.of(1, 2, 3, 4), stats }];
    const { posterior, sampleStats } = assemble(chains, 2, 2, ["__proto__", "constructor"], (x) => [x[0], x[1]]);
    expect(Object.keys(posterior)).to.deep.equal(["__proto__", "constructor"]);
    expect(Array.from(posterior["constructor"].data)).to.deep.equal([2, 4]);
    const trace = new Trace({ posterior, sampleStats, observedData: Object.fromEntries([["__proto__", new NDArray([2], Float64Array.of(5, 6))]]) });
    const json = JSON.parse(JSON.stringify(trace)) as Record<string, Record<string, unknown>>;
    expect(Object.keys(json.posterior)).to.deep.equal(["__proto__", "constructor"]);
    expect(json.observed_data).to.deep.equal(Object.fromEntries([["__proto__", [5, 6]]]));
    expect(Object.keys(json.dims)).to.deep.equal(["__proto__"]);
  });

  it("ahead of time: the spliced models are the in-process ones, names and all", async () => {
    type Compiled = ModelLike & { logpTerms(p: object): Record<string, number> };
    const compiled = await compileInline<Compiled>(`import { model, Normal, data } from "tsmc";`, sources, "inline-proto-names");
    for (const [name, b] of Object.entries(builders)) {
      const inProcess = model(name, b);
      expectSameModel(compiled[name], inProcess as unknown as ModelLike, name);
      const point = compiled[name].initialPoint();
      expect(compiled[name].logpTerms(point), name).to.deep.equal(inProcess.logpTerms(point));
      expect(observedData(compiled[name] as never), name).to.deep.equal(observedData(inProcess));
    }
    expect(Object.keys(compiled.observedProto.logpTerms({ mu: 0 }))).to.deep.equal(["mu", "__proto__"]);
  });
});

describe("reliability: bound data is the model's own", () => {
  const build = () =>
    model("bound", () => {
      const x = data("x", [1.5, 2, 3]);
      const mu = Normal("mu", 0, 1);
      Normal("y", mu, x, { observed: [1, 2, 3] });
    });

  it("changing the caller's array after withData changes neither logp nor logpTerms", () => {
    const m = build();
    const values = Float64Array.of(1.5, 2, 3);
    const rebound = m.withData({ x: new NDArray([3], values) });
    const before = rebound.logp({ mu: 0.3 });
    values[0] = 100;
    expect(rebound.logp({ mu: 0.3 })).to.equal(before);
    expect(sum(rebound.logpTerms({ mu: 0.3 }))).to.be.closeTo(before, 1e-12);
  });

  it("the trace's observed data is the data bound when it was sampled, not the default", () => {
    const m = model("wdobs", () => {
      const mu = Normal("mu", 0, 10);
      Normal("y", mu, 1, { observed: data("yd", [1, 2]) });
      Normal("z", mu, 1, { observed: [5, 6] });
    });
    const rebound = m.withData({ yd: [100, 101, 102] });
    expect((observedData(m)!.y as NDArray).toArray()).to.deep.equal([1, 2]);
    const trace = rebound.sample({ draws: 20, tune: 20, chains: 1, seed: 1, cores: 1 });
    expect((trace.observedData!.y as NDArray).toArray()).to.deep.equal([100, 101, 102]);
    expect((trace.observedData!.z as NDArray).toArray()).to.deep.equal([5, 6]);
    expect((JSON.parse(JSON.stringify(trace)) as { observed_data: Record<string, unknown> }).observed_data.y).to.deep.equal([100, 101, 102]);
    // Data without a default: observed once bound.
    const late = model("late", () => Normal("y", Normal("mu", 0, 1), 1, { observed: data("yd", undefined, { shape: [2] }) }));
    expect((observedData(late.withData({ yd: [3, 4] }))!.y as NDArray).toArray()).to.deep.equal([3, 4]);
  });

  it("changing what boundData returned changes nothing either", () => {
    const m = build();
    const before = m.logp({ mu: 0.3 });
    (m.boundData().x as NDArray).data[0] = 100;
    expect(m.logp({ mu: 0.3 })).to.equal(before);
    expect(sum(m.logpTerms({ mu: 0.3 }))).to.be.closeTo(before, 1e-12);
  });
});

describe("reliability: subnormal constants", () => {
  it("Normal('b', 1, 5e-324): logp is the sum of its terms, not NaN", () => {
    const m = model(() => void Normal("b", 1, 5e-324));
    const lp = m.logp({ b: 1 });
    expect(lp).to.equal(sum(m.logpTerms({ b: 1 })));
    expect(lp).to.be.closeTo(743.5211333881765, 1e-10);
    expect(m.dlogp({ b: 1 }).b).to.equal(-0);
  });

  it("Normal('b', 1, 1e-300) and 1e-160: the gradient is finite where the math is", () => {
    expect(model(() => void Normal("b", 1, 1e-300)).dlogp({ b: 1 }).b).to.equal(-0);
    const g = model(() => void Normal("b", 1, 1e-160)).dlogp({ b: 1 + 2 ** -52 }).b as number;
    expect(g / (-(2 ** -52) / 1e-160 / 1e-160)).to.be.closeTo(1, 1e-14);
    expect(Model.build(() => Normal("b", 1, 1e-300)).compileDlogp()({ b: 1 }).data[0]).to.equal(-0);
  });

  it("a constant array with a subnormal entry", () => {
    const m = model(() => void Normal("b", 1, [1, 5e-324], { shape: [2] }));
    const point = { b: [0.5, 1] };
    expect(m.logp(point)).to.equal(sum(m.logpTerms(point)));
  });
});

describe("reliability: NaN inputs are refused", () => {
  it("a NaN constant parameter, naming the RV and the parameter", () => {
    expect(thrown(() => model(() => void Normal("b", NaN, 1))).message).to.equal("Normal('b'): parameter mu is NaN; expected a number");
    expect(thrown(() => model(() => void Normal("b", [0, NaN], 1))).message).to.equal("Normal('b'): parameter mu[1] is NaN; expected a number");
  });

  it("NaN in observed is imputed (a free b_unobserved), never a NaN logp; a multivariate one is refused", () => {
    const m = model(() => void Normal("b", 0, 1, { observed: [1, NaN] }));
    expect(m.valueVars.map((v) => v.name)).to.deep.equal(["b_unobserved"]);
    expect(m.logp({ b_unobserved: [0.5] })).to.be.closeTo(-0.5 - 0.125 - Math.log(2 * Math.PI), 1e-12);
    expect(
      thrown(() =>
        model(
          () =>
            void MvNormal(
              "v",
              [0, 0],
              [
                [1, 0],
                [0, 1],
              ],
              { observed: [[1, NaN]] },
            ),
        ),
      ).message,
    ).to.match(/^MvNormal\('v'\): missing values \(NaN\) in the observed value of a multivariate MvNormal are not supported/);
  });

  it("NaN in float data, at build time and when bound", () => {
    expect(thrown(() => model(() => void data("x", [1.5, NaN]))).message).to.equal("data('x'): value[1] is NaN; missing values are not supported yet");
    const m = model("w", () => {
      const x = data("x", [1.5, 2, 3]);
      Normal("y", x, 1, { observed: [1, 2, 3] });
    });
    expect(thrown(() => m.withData({ x: [1, NaN, 2] })).message).to.equal("model 'w': data 'x'[1] is NaN; missing values are not supported yet");
  });
});

describe("reliability: messages name the variable and what was expected", () => {
  it("a BigInt inside an array", () => {
    expect(thrown(() => model(() => void Normal("b", 0, 1, { observed: [1, 2, 3n] }))).message).to.equal(
      "Normal('b'): observed[2] is a BigInt; expected a number",
    );
    expect(thrown(() => model(() => void Normal("b", [0, 1n], 1))).message).to.equal("Normal('b'): mu[1] is a BigInt; expected a number");
    expect(thrown(() => model(() => void data("x", [[1], [2n]]))).message).to.equal("data('x'): value[1][0] is a BigInt; expected a number");
    const v = pt.vector("v");
    const f = pt.fn([v], v.add(1));
    expect(thrown(() => f([1, 2n])).message).to.include("got a non-number entry 2n (a BigInt) at [1]");
  });

  it("options passed after an object of parameters", () => {
    const msg = thrown(() => model(() => void Bernoulli("y", { logit_p: 0.3 }, { observed: [1, 0] }))).message;
    expect(msg).to.equal("Bernoulli('y'): options go in the same object as the parameters when parameters are given by name ({ logit_p, observed })");
    expect(thrown(() => model(() => void Normal("x", { mu: 0 }, 1))).message).to.equal(
      "Normal('x'): parameter mu is an object; give the parameters by position or all in one object",
    );
  });
});
