// Reliability of transforms whose bounds are other free RVs (`Uniform("b", 0, 1 - a)`, stick
// breaking): logp, its Jacobians, the initial point, the constrained values and the draws read the
// value variables, never a random draw of the bound, in process and ahead of time alike.
import { expect } from "chai";
import {
  Beta,
  Categorical,
  Deterministic,
  Dirichlet,
  Exponential,
  Gamma,
  HalfCauchy,
  Kumaraswamy,
  LogitNormal,
  Model,
  model,
  NDArray,
  Normal,
  Pareto,
  Potential,
  pt,
  transforms,
  Uniform,
} from "../compiler/index.js";
import { ancestors } from "../compiler/graph/traversal.js";
import { isRandomVariable } from "../compiler/ops/random.js";
import type { CompiledModel } from "../runtime/index.js";
import { finiteDiffGrad } from "./helpers/fd.js";
import { compileInline, expectSameModel, type ModelLike } from "./helpers/aot.js";

/** Free RVs on their constrained scale, then Deterministics, by name, at a flat point. */
const constrain = (m: CompiledModel, x: Float64Array) => {
  const values = m.impl.constrain(x, m.data);
  return Object.fromEntries(m.meta.constrainedNames.map((n, i) => [n, values[i]]));
};

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const logSigmoid = (v: number) => -Math.log1p(Math.exp(-v));
/** log|dx/dv| of PyMC's interval transform x = lower + (upper - lower) sigmoid(v). */
const intervalLogJac = (lower: number, upper: number, v: number) => Math.log(upper - lower) + logSigmoid(v) + logSigmoid(-v);
/** Beta(2, 2) at a: 6 a (1 - a). */
const beta22 = (a: number) => Math.log(6) + Math.log(a) + Math.log(1 - a);

// The builders as functions (in process) and as source text (ahead of time): one definition.
const sources = {
  garch: `() => {
    const a = Beta("a", 2, 2);
    const b = Uniform("b", 0, pt.sub(1, a));
    Deterministic("rest", pt.sub(pt.sub(1, a), b));
  }`,
  stick: `() => {
    const a = Beta("a", 2, 2);
    const b = Uniform("b", 0, pt.sub(1, a));
    Exponential("lo", 1, { transform: transforms.lowerBound(b) });
    Normal("hi", 0, 1, { transform: transforms.upperBound(pt.sub(pt.sub(1, a), b)) });
  }`,
};
const scope = { Beta, Deterministic, Exponential, Normal, Uniform, pt, transforms };
const builders = Object.fromEntries(
  Object.entries(sources).map(([name, text]) => [name, new Function(...Object.keys(scope), `return ${text};`)(...Object.values(scope)) as () => void]),
) as Record<keyof typeof sources, () => void>;

/** The garch model's logp by hand: Beta(2, 2) and its logodds Jacobian, Uniform(0, 1 - a), interval(0, 1 - a). */
function garchLogp(va: number, vb: number): number {
  const a = sigmoid(va);
  return beta22(a) + logSigmoid(va) + logSigmoid(-va) - Math.log(1 - a) + intervalLogJac(0, 1 - a, vb);
}

/** The stick model's logp by hand: lo = b + exp(v) (Exponential(1)), hi = (1 - a - b) - exp(w) (Normal(0, 1)). */
function stickLogp(va: number, vb: number, vlo: number, vhi: number): number {
  const a = sigmoid(va);
  const b = (1 - a) * sigmoid(vb);
  const lo = b + Math.exp(vlo);
  const hi = 1 - a - b - Math.exp(vhi);
  return garchLogp(va, vb) + (-lo + vlo) + (-0.5 * hi * hi - 0.5 * Math.log(2 * Math.PI) + vhi);
}

const flatOf = (m: CompiledModel, point: Record<string, number>) => m.toFlat(point);

describe("reliability: transform bounds that are free RVs (Uniform('b', 0, 1 - a))", () => {
  const m = model("garch", builders.garch);
  const point = { a_logodds__: 0.3, b_interval__: -0.4 };

  it("logp is the hand computation, Jacobians of a and b included", () => {
    expect(m.valueVars.map((v) => v.name)).to.deep.equal(["a_logodds__", "b_interval__"]);
    expect(m.logp(point)).to.be.closeTo(garchLogp(0.3, -0.4), 1e-12);
    expect(m.logp({ a_logodds__: -2, b_interval__: 3 })).to.be.closeTo(garchLogp(-2, 3), 1e-12);
    const a = sigmoid(0.3);
    const terms = m.logpTerms(point);
    expect(terms.a).to.be.closeTo(beta22(a) + logSigmoid(0.3) + logSigmoid(-0.3), 1e-12);
    expect(terms.b).to.be.closeTo(-Math.log(1 - a) + intervalLogJac(0, 1 - a, -0.4), 1e-12);
  });

  it("the logp graph reads a's value variable, not a draw of a", () => {
    const built = Model.build(builders.garch);
    expect([...ancestors([built.logp()])].filter(isRandomVariable)).to.deep.equal([]);
    expect([...ancestors([built.dlogp()])].filter(isRandomVariable)).to.deep.equal([]);
  });

  it("repeated builds give the same logp, and compileLogp gives model()'s", () => {
    const values = Array.from({ length: 4 }, () => Model.build(builders.garch).compileLogp()(point));
    expect(new Set(values).size).to.equal(1);
    expect(values[0]).to.be.closeTo(garchLogp(0.3, -0.4), 1e-12);
    expect(model("garch", builders.garch).logp(point)).to.equal(m.logp(point));
  });

  it("dlogp agrees with central finite differences", () => {
    for (const p of [point, { a_logodds__: -1.5, b_interval__: 2 }]) {
      const x = flatOf(m, p);
      const g = new Float64Array(m.size);
      m.flat.logpGrad(x, g);
      const fd = finiteDiffGrad((y) => garchLogp(y[0], y[1]), x);
      g.forEach((gi, i) => expect(gi).to.be.closeTo(fd[i], 1e-6));
    }
  });

  it("the initial point puts b in the middle of (0, 1 - a) at a's initial value", () => {
    expect(m.initialPoint()).to.deep.equal({ a_logodds__: 0, b_interval__: 0 });
  });

  it("constrain gives a, b and the Deterministic from the values", () => {
    const a = sigmoid(0.3);
    const b = (1 - a) * sigmoid(-0.4);
    const c = constrain(m, flatOf(m, point)) as Record<string, number>;
    expect(c.a).to.be.closeTo(a, 1e-15);
    expect(c.b).to.be.closeTo(b, 1e-15);
    expect(c.rest).to.be.closeTo(1 - a - b, 1e-15);
  });

  it("draws keep b within (0, 1 - a)", () => {
    const d = m.draw({ draws: 500, seed: 3 }) as Record<string, { data: Float64Array }>;
    d.a.data.forEach((a, i) => {
      expect(d.b.data[i]).to.be.within(0, 1 - a);
      expect(d.rest.data[i]).to.equal(1 - a - d.b.data[i]);
    });
  });

  it("sample() keeps b within (0, 1 - a) and a's mean near its prior's 0.5", () => {
    const trace = m.sample({ draws: 400, tune: 200, chains: 1, cores: 1, seed: 1 });
    const a = trace.posterior.a.data;
    const b = trace.posterior.b.data;
    expect(a.length).to.equal(400);
    a.forEach((ai, i) => {
      expect(b[i]).to.be.greaterThan(0);
      expect(b[i]).to.be.lessThan(1 - ai);
    });
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    expect(Math.abs(mean - 0.5)).to.be.lessThan(0.1);
  });
});

describe("reliability: stick breaking with lowerBound / upperBound on free RVs", () => {
  const m = model("stick", builders.stick);
  const point = { a_logodds__: 0.3, b_interval__: -0.4, lo_lowerbound__: 0.2, hi_upperbound__: -0.7 };

  it("logp is the hand computation, through the chain a → b → lo, hi", () => {
    expect(m.valueVars.map((v) => v.name)).to.deep.equal(Object.keys(point));
    expect(m.logp(point)).to.be.closeTo(stickLogp(0.3, -0.4, 0.2, -0.7), 1e-12);
    expect(Model.build(builders.stick).compileLogp()(point)).to.be.closeTo(stickLogp(0.3, -0.4, 0.2, -0.7), 1e-12);
  });

  it("dlogp agrees with central finite differences", () => {
    const x = flatOf(m, point);
    const g = new Float64Array(m.size);
    m.flat.logpGrad(x, g);
    const fd = finiteDiffGrad((y) => stickLogp(y[0], y[1], y[2], y[3]), x);
    g.forEach((gi, i) => expect(gi).to.be.closeTo(fd[i], 1e-6));
  });

  it("the initial point and constrain read the bounds at the values", () => {
    // a = 0.5, b = 0.25 (middle of (0, 0.5)), lo from 1 (Exponential's support point), hi from 0
    expect(m.initialPoint()).to.deep.equal({ a_logodds__: 0, b_interval__: 0, lo_lowerbound__: Math.log(1 - 0.25), hi_upperbound__: Math.log(0.25) });
    const c = constrain(m, flatOf(m, point)) as Record<string, number>;
    const a = sigmoid(0.3);
    const b = (1 - a) * sigmoid(-0.4);
    expect(c.lo).to.be.closeTo(b + Math.exp(0.2), 1e-15);
    expect(c.hi).to.be.closeTo(1 - a - b - Math.exp(-0.7), 1e-15);
  });

  it("sample() keeps lo above b and hi below 1 - a - b", () => {
    const trace = m.sample({ draws: 200, tune: 200, chains: 1, cores: 1, seed: 1 });
    const { a, b, lo, hi } = trace.posterior;
    a.data.forEach((ai, i) => {
      expect(b.data[i]).to.be.within(0, 1 - ai);
      expect(lo.data[i]).to.be.greaterThan(b.data[i]);
      expect(hi.data[i]).to.be.lessThan(1 - ai - b.data[i]);
    });
  });
});

describe("reliability: default transforms whose bound is a free RV", () => {
  it("Pareto('p', 3, a): lower bound a, logp by hand", () => {
    const m = model("pareto", () => {
      const a = Beta("a", 2, 2);
      Pareto("p", 3, a);
    });
    const [va, vp] = [0.3, -0.5];
    const a = sigmoid(va);
    const p = a + Math.exp(vp);
    const expected = beta22(a) + logSigmoid(va) + logSigmoid(-va) + (Math.log(3) + 3 * Math.log(a) - 4 * Math.log(p)) + vp;
    expect(m.logp({ a_logodds__: va, p_interval__: vp })).to.be.closeTo(expected, 1e-12);
    // p starts at its median a 2^(1/3), a at 0.5
    expect(m.initialPoint().p_interval__).to.be.closeTo(Math.log(0.5 * 2 ** (1 / 3) - 0.5), 1e-15);
  });
});

describe("reliability: dependent bounds ahead of time", () => {
  it("the spliced models equal the in-process ones bit for bit, constrained values too", async () => {
    const importLine = `import { model, Beta, Deterministic, Exponential, Normal, Uniform, pt, transforms } from "tsmc";`;
    const compiled = await compileInline<CompiledModel>(importLine, sources, "inline-bounds");
    for (const [name, builder] of Object.entries(builders)) {
      const inProcess = model(name, builder);
      expectSameModel(compiled[name] as unknown as ModelLike, inProcess as unknown as ModelLike, name);
      const x = new Float64Array(inProcess.size).fill(-0.3);
      expect(constrain(compiled[name], x), name).to.deep.equal(constrain(inProcess, x));
    }
  });
});

describe("reliability: far out on the transformed scale, where the constrained value under- or overflows", () => {
  // Free Gamma(2, 3) at x = exp(y): logp(y) = 2 log 3 - gammaln(2) + 2y - 3e^y, d/dy = 2 - 3e^y.
  // Below y = -745 e^y is 0: the zero branch of (α - 1)·log(x) and the chain rule's (1/x)·x (inf · 0)
  // made it -Infinity with gradient 1, then NaN.
  it("Gamma at x_log__ = -800: a finite logp and the right gradient", () => {
    const m = model("gamma_far", () => {
      Gamma("x", 2, 3);
    });
    for (const y of [-800, -50, 0.5]) {
      expect(m.logp({ x_log__: y })).to.be.closeTo(2 * Math.log(3) + 2 * y - 3 * Math.exp(y), 1e-9 * Math.max(1, Math.abs(y)));
      expect((m.dlogp({ x_log__: y }) as Record<string, number>).x_log__).to.be.closeTo(2 - 3 * Math.exp(y), 1e-12);
    }
  });

  // Free Beta(2, 3) at p = sigmoid(y): d/dy = 2(1 - p) - 3p; past |y| = 745 sigmoid(-|y|) is 0 and
  // the chain rule's (1/p)·p(1-p) was NaN.
  it("Beta at p_logodds__ = ±800: the gradient is 2 - 5p", () => {
    const softplus = (y: number) => Math.max(y, 0) + Math.log1p(Math.exp(-Math.abs(y)));
    const m = model("beta_far", () => {
      Beta("p", 2, 3);
    });
    for (const [y, p] of [
      [800, 1],
      [-800, 0],
      [3, 1 / (1 + Math.exp(-3))],
    ]) {
      expect((m.dlogp({ p_logodds__: y }) as Record<string, number>).p_logodds__).to.be.closeTo(2 - 5 * p, 1e-12);
      expect(m.logp({ p_logodds__: y })).to.be.closeTo(Math.log(12) - 2 * softplus(-y) - 3 * softplus(y), 1e-9 * Math.max(1, Math.abs(y)));
    }
  });
});

describe("reliability: gradients far out on the transformed scale follow the stabilised logp", () => {
  // The gradient is taken of the canonicalised and stabilised logp: through the raw form, the
  // chain rule met 1 - x^a = 0 (Kumaraswamy), x² = inf (HalfCauchy, Pareto) or the support check
  // value >= 1 (LogitNormal) where the value rounds, and gave -inf, NaN or a wrong slope.
  const softplus = (y: number) => Math.max(y, 0) + Math.log1p(Math.exp(-Math.abs(y)));
  const cases: [string, () => void, string, number, number, number][] = [
    // name, builder, value variable, y, logp(y), dlogp/dy
    ["HalfCauchy(1)", () => HalfCauchy("x", 1), "x_log__", 800, Math.log(2 / Math.PI) - 800, -1],
    ["Pareto(3, 1)", () => Pareto("x", 3, 1), "x_interval__", 800, Math.log(3) - 3 * 800, -3],
    ["LogitNormal(0, 1)", () => LogitNormal("x", 0, 1), "x_logodds__", 50, -1250 - 0.5 * Math.log(2 * Math.PI), -50],
    // log 6 + log σ(y) + 2 log(1 - σ(y)²) + log σ(y) + log σ(-y), and its slope (finite differences below)
    [
      "Kumaraswamy(2, 3)",
      () => Kumaraswamy("x", 2, 3),
      "x_logodds__",
      50,
      Math.log(6) - 2 * softplus(-50) + 2 * Math.log(-Math.expm1(-2 * softplus(-50))) - softplus(50),
      Number.NaN,
    ],
  ];
  for (const [name, build, key, y, logp, slope] of cases) {
    it(`${name} at ${key} = ${y}`, () => {
      const m = model(`far_${name.replace(/\W/g, "_")}`, build);
      expect(m.logp({ [key]: y })).to.be.closeTo(logp, 1e-9 * Math.abs(logp));
      const g = (m.dlogp({ [key]: y }) as Record<string, number>)[key];
      const want = Number.isNaN(slope) ? finiteDiffGrad((x) => m.logp({ [key]: x[0] }), Float64Array.of(y), 1e-5)[0] : slope;
      expect(g).to.be.closeTo(want, 1e-6 * Math.max(1, Math.abs(want)));
    });
  }
});

describe("reliability: Dirichlet far out on the simplex transform", () => {
  // Dirichlet(1, 2, 3) at w_simplex__ = [800, 0]: w = softmax([800, 0, -800]), whose last two
  // entries underflow; log w is [0, -800, -1600] and the log-Jacobian log 3 + 3·800 - 3·1600. The
  // zero branch of (a - 1)·log w (w == 0, true once rounded) made it -Infinity.
  it("a finite logp and the finite-difference gradient", () => {
    const m = model("dirichlet_far", () => {
      Dirichlet("w", [1, 2, 3]);
    });
    const at = (v: number[]) => m.logp({ w_simplex__: v });
    expect(at([800, 0])).to.be.closeTo(Math.log(60) - 800 - 3200 + Math.log(3) - 2400, 1e-9);
    const g = (m.dlogp({ w_simplex__: [800, 0] }) as Record<string, NDArray>).w_simplex__;
    const fd = finiteDiffGrad((x) => at(Array.from(x)), Float64Array.of(800, 0), 1e-7);
    Array.from(g.data).forEach((v, i) => expect(v).to.be.closeTo(fd[i], 1e-4));
  });
});

describe("reliability: Categorical with far-apart logit_p", () => {
  // log softmax(l)[k] = l_k - logsumexp(l): -2000 and -1000 here, where exp(l_k - max) underflows
  // and the log of the softmax was -Infinity (PyMC too: it takes the softmax, then its log).
  const expected = -2000 - 1000 + 0;
  it("constant logits: each category's log probability, not -Infinity", () => {
    const m = model("categorical_far_const", () => {
      Categorical("y", { logit_p: [1000, -1000, 0], observed: [1, 2, 0] });
    });
    expect(m.logp({})).to.be.closeTo(expected, 1e-9);
  });
  it("logits from a free RV: the same, and the gradient matches finite differences", () => {
    const m = model("categorical_far_free", () => {
      const l = Normal("l", 0, 1, { shape: [3] });
      Categorical("y", { logit_p: l.mul(1000), observed: [1, 2, 0] });
    });
    const normal = -0.5 * 2 - 3 * 0.5 * Math.log(2 * Math.PI);
    expect(m.logp({ l: [1, -1, 0] })).to.be.closeTo(expected + normal, 1e-9);
    // Away from the ties of max: d/dl_k = 1000 (n_k - 3 softmax_k) - l_k with counts n = [1, 1, 1].
    const grad = (m.dlogp({ l: [1, -1, 0] }) as Record<string, NDArray>).l;
    expect(Array.from(grad.data)).to.deep.equal([1000 - 3000 - 1, 1000 + 1, 1000]);
  });
});

describe("reliability: the gradient of the stabilised logp keeps pt.zeroGrad", () => {
  // The rewrites drop ZeroGrad once the gradient is taken; taken of the rewritten logp, it must
  // still be there: d/dx [Normal(x | 0, 1) + zeroGrad(x)·x] = -x + x = 0, not -x + 2x.
  it("a Potential with pt.zeroGrad: its stopped part has no gradient", () => {
    const m = model("zero_grad_potential", () => {
      const x = Normal("x", 0, 1);
      Potential("p", pt.mul(pt.zeroGrad(x), x));
    });
    expect((m.dlogp({ x: 1.5 }) as Record<string, number>).x).to.equal(0);
    expect(m.logp({ x: 1.5 })).to.be.closeTo(-0.5 * 2.25 - 0.5 * Math.log(2 * Math.PI) + 2.25, 1e-12);
  });
});
