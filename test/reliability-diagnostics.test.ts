// Model comparison and start-point failures that used to mislead: stacking weights of identical
// models, log-likelihoods with NaN or infinities, loo with too few draws for a Pareto fit, and
// failed starts (NUTS, compound steps, workers, ADVI) that now name the model and the failing term.
import { expect } from "chai";
import { NDArray, Trace, compare, loo, waic, model, Normal, Uniform, Poisson, pt } from "../compiler/index.js";
import { stackingWeights } from "../runtime/sampler/loo.js";
import { runChain } from "../runtime/sampler/chain.js";
import { chainOptions, planChains, targetOf } from "../runtime/sampler/sample.js";
import { Stream } from "../runtime/random.js";
import { quietly } from "./helpers/thrown.js";

/** A trace with posterior draws of mu and the log-likelihood of y ~ Normal(mu, 1), [chains, draws, ...obsShape]. */
function traceOf(chains: number, draws: number, y: number[], seed: string, obsShape = [y.length]): Trace {
  const rng = new Stream(seed);
  const S = chains * draws;
  const mu = Float64Array.from({ length: S }, () => 0.3 + 0.4 * rng.normal());
  const ll = new Float64Array(S * y.length);
  for (let s = 0; s < S; s++) for (let i = 0; i < y.length; i++) ll[s * y.length + i] = -0.5 * (y[i] - mu[s]) ** 2 - 0.5 * Math.log(2 * Math.PI);
  return new Trace({
    posterior: { mu: new NDArray([chains, draws], mu) },
    sampleStats: {},
    logLikelihood: { y: new NDArray([chains, draws, ...obsShape], ll) },
  });
}

const y = [0.1, 0.5, -0.3, 1.2];

describe("compare: stacking weights of identical models", () => {
  it("two identical traces get 1/2 each, as ArviZ's SLSQP returns its starting weights", () => {
    const t = traceOf(2, 100, y, "same");
    for (const method of ["stacking", "pseudo-BMA"] as const) {
      const rows = compare({ a: t, b: t }, { method });
      expect(rows.map((r) => r.weight)).to.deep.equal([0.5, 0.5]);
    }
  });

  it("copies of a model share the weight one copy gets; linearly dependent models still give finite weights", () => {
    // Two models that each fit half the observations: the optimum mixes them.
    const a = Float64Array.from({ length: 20 }, (_, i) => (i < 10 ? -1 : -3) + 0.01 * Math.sin(i));
    const c = Float64Array.from({ length: 20 }, (_, i) => (i < 10 ? -3 : -1) + 0.01 * Math.cos(i));
    const [wa, wc] = stackingWeights([a, c]);
    expect(wa).to.be.within(0.3, 0.7);
    const w = stackingWeights([a, c, a]);
    expect(w[0]).to.equal(w[2]);
    expect(w[0] + w[2]).to.be.closeTo(wa, 1e-12);
    expect(w[1]).to.be.closeTo(wc, 1e-12);
    expect(Array.from(stackingWeights([a, a, a]))).to.deep.equal([1 / 3, 1 / 3, 1 / 3]);
    // The 50/50 mixture of a and c: the objective is flat along a line of weights.
    const mix = a.map((v, i) => Math.log((Math.exp(v) + Math.exp(c[i])) / 2));
    const wm = stackingWeights([a, c, mix]);
    expect(wm.every((v) => Number.isFinite(v) && v >= 0)).to.equal(true);
    expect(wm[0] + wm[1] + wm[2]).to.be.closeTo(1, 1e-12);
    expect(wm[0] + wm[2] / 2).to.be.closeTo(wa, 1e-6);
  });
});

describe("loo, waic and compare refuse a log-likelihood that is not finite", () => {
  it("names the variable and the first bad chain, draw and observation", () => {
    const t = traceOf(2, 50, y, "nan");
    t.logLikelihood!.y.data[(50 + 7) * 4 + 2] = NaN;
    t.logLikelihood!.y.data[(50 + 9) * 4 + 1] = NaN;
    const where = /the log-likelihood of 'y' is NaN at chain 1, draw 7, observation 2 \(2 of its 400 values are not finite\)/;
    expect(() => loo(t)).to.throw(where);
    expect(() => waic(t)).to.throw(where);
  });

  it("+Infinity and -Infinity too, with the observation's index in a multi-dimensional observed shape", () => {
    const t = traceOf(1, 30, y, "inf", [2, 2]);
    t.logLikelihood!.y.data[3 * 4 + 2] = Infinity;
    expect(() => loo(t)).to.throw(/'y' is Infinity at chain 0, draw 3, observation \[1, 0\] \(1 of its 120 values is not finite\)/);
    t.logLikelihood!.y.data[3 * 4 + 2] = -Infinity;
    expect(() => waic(t)).to.throw(/'y' is -Infinity at chain 0, draw 3, observation \[1, 0\]/);
  });

  it("compare says which model is broken instead of ranking it last with weight 0", () => {
    const good = traceOf(2, 50, y, "good");
    const bad = traceOf(2, 50, y, "bad");
    bad.logLikelihood!.y.data[5] = NaN;
    for (const ic of ["loo", "waic"] as const) {
      expect(() => compare({ good, bad }, { ic })).to.throw(
        new RegExp(`could not compute ${ic} of model 'bad': ${ic}: the log-likelihood of 'y' is NaN at chain 0, draw 1, observation 1`),
      );
    }
  });
});

describe("loo with too few draws for a Pareto fit", () => {
  it("a single draw is an error (ArviZ fails on it)", () => {
    expect(() => loo(traceOf(1, 1, y, "one"))).to.throw("loo: leave-one-out needs at least 2 posterior draws; the trace has 1");
  });

  it("2 to 20 draws: k is Infinity everywhere, the estimate is ArviZ's unsmoothed one, and the warning says why", () => {
    for (const draws of [2, 5, 20]) {
      const t = traceOf(1, draws, y, `few${draws}`);
      const [r, warned] = quietly(() => loo(t, { pointwise: true }));
      expect(Array.from(r.pareto_k)).to.deep.equal(new Array(y.length).fill(Infinity));
      expect(r.warning).to.equal(true);
      expect(warned).to.have.length(1);
      expect(warned[0]).to.match(new RegExp(`^loo: ${draws} posterior draws give a Pareto tail of at most ${Math.ceil(draws / 5)} draws?, too few to fit`));
      expect(warned[0]).to.contain("Draw more samples (21 or more here)");
      expect(warned[0]).not.to.contain("greater than");
      // Plain importance sampling: loo_i = log S - logsumexp_s(-ll_si), the harmonic mean of the likelihoods.
      const ll = t.logLikelihood!.y.data;
      for (let i = 0; i < y.length; i++) {
        let inv = 0;
        for (let s = 0; s < draws; s++) inv += Math.exp(-ll[s * y.length + i]);
        expect(r.loo_i![i]).to.be.closeTo(Math.log(draws / inv), 1e-12);
      }
    }
  });

  it("from 21 draws the tail is fitted and no warning is about the draw count", () => {
    const [r, warned] = quietly(() => loo(traceOf(1, 21, y, "enough")));
    expect(r.pareto_k.every(Number.isFinite)).to.equal(true);
    expect(warned.some((w) => w.includes("too few to fit"))).to.equal(false);
  });
});

describe("a start where the log density is not finite names the model and the terms", () => {
  const bounded = model("bounded", () => {
    const mu = Normal("mu", 0, 1);
    Normal("a", mu, 1, { observed: [0.5] });
    Uniform("y", 0, 1, { observed: [0.2, 1.7] });
  });
  const named =
    /NUTS: the log density at the starting point is -Infinity after 11 jittered tries; in model 'bounded', at the initial point \{ mu: 0 \} the log density of 'y' is -Infinity; check the model or pass initvals/;
  const opts = { draws: 5, tune: 5, seed: 1 };

  it("NUTS, given the model", () => {
    const plan = planChains(bounded, { ...opts, chains: 1 });
    expect(() => runChain(targetOf(bounded), chainOptions(plan, 0))).to.throw(named);
  });

  it("in the calling thread (cores: 1)", () => {
    expect(() => bounded.sample({ ...opts, chains: 1, cores: 1 })).to.throw(named);
  });

  it("through sampling workers, synchronous and async, the whole message arrives", async () => {
    expect(() => bounded.sample({ ...opts, chains: 2, cores: 2 })).to.throw(named);
    let error: Error | undefined;
    await bounded.sampleAsync({ ...opts, chains: 2, cores: 2 }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(named);
  });

  it("compound steps (a discrete free variable)", () => {
    const mixed = model("mixed", () => {
      const k = Poisson("k", 3);
      Uniform("y", 0, pt.add(k, 1), { observed: [100] });
    });
    expect(() => mixed.sample({ ...opts, chains: 2, cores: 2 })).to.throw(
      /sample: the log density at the starting point is -Infinity after 11 jittered tries; in model 'mixed', at the initial point \{ k: \d+ \} the log density of 'y' is -Infinity/,
    );
  });

  it("when only the jitter leaves the support, it says so", () => {
    const narrow = model("narrow", () => {
      const mu = Normal("mu", 0, 1);
      Uniform("y", pt.sub(mu, 1e-6), pt.add(mu, 1e-6), { observed: [0] });
    });
    const plan = planChains(narrow, { ...opts, chains: 1 });
    expect(() => runChain({ ...targetOf(narrow), model: narrow }, chainOptions(plan, 0))).to.throw(
      /in model 'narrow', every term is finite at the initial point \{ mu: 0 \}, but at the last jittered point \{ mu: -?[\d.e-]+ \} the log density of 'y' is -Infinity; start without jitter \(jitter: false\) or pass initvals/,
    );
  });

  it("fit says the start's log density is not finite, not that the step size is too large", () => {
    expect(() => bounded.fit({ n: 10, seed: 1 })).to.throw(
      "model 'bounded': fit: the log density at the start is -Infinity: at the start { mu: 0 } the log density of 'y' is -Infinity; check the model or pass a start",
    );
  });
});
