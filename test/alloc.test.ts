// A warm model's logp and logpGrad allocate nothing: every array a node produces lives in a slot
// kept between calls, value variables are views of x, and the result list is reused.
import { expect } from "chai";
import { Model, Normal, HalfNormal, Poisson, data, emitModel, model, pt } from "../compiler/index.js";

function bodyOf(text: string, name: string): string {
  const start = text.indexOf(`function ${name}(`);
  const end = text.indexOf("\n}\n", start);
  return text.slice(start, end);
}

/** Allocating constructs in generated code: arrays, objects, copies, array-building kernels. */
const ALLOCATING = /rt\.nd\(|rt\.empty\(|\bnew\b|rt\.subtensor\(|=\s*\[|\[\s*\]|\.slice\(|rt\.view\(|rt\.join\(/;

describe("allocation-free logp and logpGrad", () => {
  const build = () => {
    const y = data("y", [0.5, -1.2, 2.0, 0.3]);
    const X = data("X", [
      [1, 0.5],
      [1, -0.3],
      [1, 1.2],
      [1, 0.0],
    ]);
    const mu = Normal("mu", 0, 1);
    const tau = HalfNormal("tau", 1);
    const theta = Normal("theta", mu, tau, { shape: [4] });
    const beta = Normal("beta", 0, 1, { shape: [2] });
    Normal("obs", pt.add(theta, pt.dot(X, beta)), 1, { observed: y });
  };
  const text = emitModel(Model.build(build)).body;

  for (const fn of ["logp", "logpGrad"]) {
    it(`${fn} has no allocating construct in its body`, () => {
      const body = bodyOf(text, fn);
      expect(body.length).to.be.greaterThan(100);
      // The error path (a throw) may build its message; the hot path may not allocate.
      const bad = body.split("\n").filter((l) => ALLOCATING.test(l) && !/\bthrow\b/.test(l));
      expect(bad, bad.join("\n")).to.deep.equal([]);
    });
  }

  it("reusing buffers does not change results: repeated calls at different points agree with fresh ones", () => {
    const m = model(build);
    const a = Float64Array.from({ length: m.size }, (_, i) => 0.1 * (i + 1));
    const b = Float64Array.from({ length: m.size }, (_, i) => -0.05 * i);
    const ga = new Float64Array(m.size);
    const gb = new Float64Array(m.size);
    const la = m.flat.logpGrad(a, ga);
    const lb = m.flat.logpGrad(b, gb);
    const ga2 = new Float64Array(m.size);
    expect(m.flat.logpGrad(a, ga2)).to.equal(la);
    expect(Array.from(ga2)).to.deep.equal(Array.from(ga));
    expect(lb).to.not.equal(la);
    expect(Array.from(gb)).to.not.deep.equal(Array.from(ga));
    const fresh = m.withData({});
    expect(fresh.flat.logp(b)).to.equal(lb);
  });
});

describe("discrete free variables", () => {
  it("compile, with a zero gradient entry for the discrete value", () => {
    const m = model(() => {
      const k = Poisson("k", 3);
      Normal("y", k, 1, { observed: 2.5 });
    });
    const g = new Float64Array(1);
    const lp = m.flat.logpGrad(Float64Array.of(2), g);
    // Poisson(2 | 3) + Normal(2.5 | 2, 1)
    const expected = 2 * Math.log(3) - 3 - Math.log(2) - 0.5 * Math.log(2 * Math.PI) - 0.125;
    expect(Math.abs(lp - expected)).to.be.lessThan(1e-12);
    expect(g[0]).to.equal(0);
  });
});

describe("work that depends on data only", () => {
  it("is computed once per data binding, outside logp and logpGrad (Poisson's log(y!))", () => {
    const build = () => {
      const y = data("y_obs", [0, 3, 1, 7]);
      const mu = Normal("mu", 0, 1);
      Poisson("y", pt.exp(mu), { observed: y });
    };
    const text = emitModel(Model.build(build)).body;
    expect(bodyOf(text, "prepare")).to.contain("rt.gammaln");
    expect(bodyOf(text, "logp")).to.not.contain("rt.gammaln");
    expect(bodyOf(text, "logpGrad")).to.not.contain("rt.gammaln");
    const m = model(build);
    // Poisson(y | e^0.5) summed, plus Normal(0.5 | 0, 1)
    const lam = Math.exp(0.5);
    const ys = [0, 3, 1, 7];
    const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
    const ref = ys.reduce((a, y) => a + y * Math.log(lam) - lam - Math.log(fact(y)), 0) - 0.5 * Math.log(2 * Math.PI) - 0.125;
    expect(Math.abs(m.logp({ mu: 0.5 }) - ref)).to.be.lessThan(1e-12);
    // Rebinding the data recomputes the prepared part.
    const other = m.withData({ y_obs: [2, 2] });
    const ref2 = [2, 2].reduce((a, y) => a + y * Math.log(lam) - lam - Math.log(2), 0) - 0.5 * Math.log(2 * Math.PI) - 0.125;
    expect(Math.abs(other.logp({ mu: 0.5 }) - ref2)).to.be.lessThan(1e-12);
    expect(Math.abs(m.logp({ mu: 0.5 }) - ref)).to.be.lessThan(1e-12);
  });
});
