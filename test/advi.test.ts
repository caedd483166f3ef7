// Variational inference as PyMC's pm.fit (runtime/sampler/advi.ts): mean-field ADVI against a
// conjugate posterior, full-rank ADVI against a correlated Gaussian (and mean-field's too-narrow
// marginals there), the loss history, reproducibility, approx.sample's trace, and the errors.
import { expect } from "chai";
import { model, Normal, HalfNormal, MvNormal, Deterministic } from "../compiler/index.js";
import { Stream } from "../runtime/random.js";
import { installFit, type Fitting } from "../runtime/model.js";
import { fit } from "../runtime/sampler/advi.js";

// Fixed data: y_i ~ Normal(mu, 1), mu ~ Normal(0, 10).
const data = (() => {
  const s = new Stream("advi-data");
  return Array.from({ length: 50 }, () => 1.5 + s.normal());
})();
const conjugate = model("advi_conjugate", () => {
  const mu = Normal("mu", 0, 10);
  Normal("y", mu, 1, { observed: data });
});
const postPrec = 1 / 100 + data.length;
const postMean = data.reduce((a, b) => a + b, 0) / postPrec;
const postSd = Math.sqrt(1 / postPrec);

// Correlation 0.9 with sds 1 and 2, as the prior with no data: the posterior is this Gaussian.
const RHO = 0.9;
const correlated = model(
  "advi_correlated",
  () =>
    void MvNormal(
      "x",
      [1, -2],
      [
        [1, 2 * RHO],
        [2 * RHO, 4],
      ],
    ),
);

const scale = model("advi_scale", () => {
  const mu = Normal("mu", 0, 5);
  const sigma = HalfNormal("sigma", 2);
  Deterministic("twice", mu.mul(2));
  Normal("y", mu, sigma, { observed: [0.3, -1.2, 0.8, 2.1, 0.5, -0.4] });
});

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe("variational inference (m.fit, as PyMC's pm.fit)", () => {
  it("mean-field ADVI recovers a conjugate normal posterior", () => {
    const approx = conjugate.fit({ n: 20_000, seed: 1 });
    expect(approx.method).to.equal("advi");
    expect(Math.abs(approx.mean[0] - postMean) / postSd, `mean ${approx.mean[0]} vs ${postMean}`).to.be.lessThan(0.1);
    // PyMC's adagrad_window divides each step by a window that holds its own squared gradient, which
    // damps the large steps that shrink sd: measured over 8 seeds, sd comes out 7-11 % wide.
    expect(approx.std[0] / postSd, `sd ${approx.std[0]} vs ${postSd}`).to.be.within(0.95, 1.12);
    const adam = conjugate.fit({ n: 20_000, seed: 1, optimizer: "adam", learningRate: 0.001 });
    expect(Math.abs(adam.mean[0] - postMean) / postSd).to.be.lessThan(0.15);
    expect(adam.std[0] / postSd).to.be.within(0.95, 1.05);
    // The draws have q's moments.
    const draws = approx.sample({ draws: 4000, seed: 2 }).posterior.mu.data;
    expect(mean(draws)).to.be.closeTo(approx.mean[0], 0.05 * postSd * 3);
  });

  it("full-rank ADVI recovers a correlated Gaussian; mean-field's marginal sds are too narrow there", () => {
    const full = correlated.fit({ method: "fullrank_advi", n: 40_000, seed: 1 });
    const C = full.cov.data;
    expect(full.cov.shape).to.deep.equal([2, 2]);
    expect(full.mean[0]).to.be.closeTo(1, 0.1);
    expect(full.mean[1]).to.be.closeTo(-2, 0.2);
    expect(Math.sqrt(C[0])).to.be.closeTo(1, 0.1);
    expect(Math.sqrt(C[3])).to.be.closeTo(2, 0.2);
    expect(C[1] / Math.sqrt(C[0] * C[3])).to.be.closeTo(RHO, 0.03);
    expect(C[1]).to.equal(C[2]);
    const mf = correlated.fit({ n: 20_000, seed: 1 });
    // Mean-field's optimum has sd_i = 1 / sqrt(precision_ii) = sd_i·sqrt(1 - rho²): 0.44 and 0.87.
    const narrow = Math.sqrt(1 - RHO * RHO);
    expect(mf.std[0]).to.be.within(narrow * 0.9, narrow * 1.15);
    expect(mf.std[1]).to.be.within(2 * narrow * 0.9, 2 * narrow * 1.15);
    expect(mf.cov.data[1]).to.equal(0);
  });

  it("hist holds the negative ELBO of every step and falls", () => {
    for (const method of ["advi", "fullrank_advi"] as const) {
      const n = 5000;
      const { hist } = scale.fit({ method, n, seed: 3 });
      expect(hist).to.be.instanceOf(Float64Array);
      expect(hist.length).to.equal(n);
      expect(hist.every(Number.isFinite)).to.equal(true);
      expect(mean(hist.subarray(n - n / 10)), method).to.be.lessThan(mean(hist.subarray(0, n / 10)));
    }
  });

  it("is reproducible by seed", () => {
    for (const method of ["advi", "fullrank_advi"] as const) {
      const a = scale.fit({ method, n: 500, seed: 7 });
      const b = scale.fit({ method, n: 500, seed: 7 });
      const c = scale.fit({ method, n: 500, seed: 8 });
      expect(Array.from(a.hist)).to.deep.equal(Array.from(b.hist));
      expect(Array.from(a.hist)).to.not.deep.equal(Array.from(c.hist));
      const da = a.sample({ draws: 50, seed: 1 }).posterior;
      const db = b.sample({ draws: 50, seed: 1 }).posterior;
      expect(Array.from(da.sigma.data)).to.deep.equal(Array.from(db.sigma.data));
      expect(Array.from(da.mu.data)).to.not.deep.equal(Array.from(a.sample({ draws: 50, seed: 2 }).posterior.mu.data));
    }
  });

  it("approx.sample returns a trace on the constrained scale with the Deterministics", () => {
    const trace = scale.fit({ n: 3000, seed: 4 }).sample({ draws: 200, seed: 5 });
    expect(trace.posterior.mu.shape).to.deep.equal([1, 200]);
    expect(trace.posterior.sigma.shape).to.deep.equal([1, 200]);
    expect(trace.nChains).to.equal(1);
    expect(trace.nDraws).to.equal(200);
    expect(trace.posterior.sigma.data.every((v) => v > 0)).to.equal(true);
    const { mu, twice } = trace.posterior;
    expect(Array.from(twice.data)).to.deep.equal(Array.from(mu.data, (v) => 2 * v));
    expect(Object.keys(trace.posterior)).to.not.include("sigma_log__");
    expect(trace.observedData?.y).to.not.equal(undefined);
    const vector = correlated.fit({ method: "fullrank_advi", n: 200, seed: 1 }).sample({ draws: 30, seed: 1 });
    expect(vector.posterior.x.shape).to.deep.equal([1, 30, 2]);
    expect(scale.fit({ n: 10, seed: 1 }).sample().nDraws).to.equal(500);
  });

  it("refuses unknown options and bad values, naming what was expected", () => {
    expect(() => scale.fit({ n: 10, lr: 0.1 } as never)).to.throw(/unknown option 'lr'.*learningRate/);
    expect(() => scale.fit({ method: "svgd" } as never)).to.throw(/method must be "advi" or "fullrank_advi", got "svgd"/);
    expect(() => scale.fit({ n: 0 })).to.throw(/n \(the number of steps\) must be an integer >= 1, got 0/);
    expect(() => scale.fit({ n: 2.5 })).to.throw(/n .*integer >= 1/);
    expect(() => scale.fit({ learningRate: -1 })).to.throw(/learningRate must be a finite number > 0, got -1/);
    expect(() => scale.fit({ optimizer: "sgd" } as never)).to.throw(/optimizer must be "adagrad_window" or "adam"/);
    expect(() => scale.fit({ seed: Number.NaN })).to.throw(/seed must be a finite number or a string/);
    expect(() => scale.fit({ start: { nope: 1 } })).to.throw(/unknown value variable 'nope'/);
    const approx = scale.fit({ n: 10, seed: 1 });
    expect(() => approx.sample({ draws: 0 })).to.throw(/draws must be an integer >= 1/);
    expect(() => approx.sample({ chains: 2 } as never)).to.throw(/unknown option 'chains'/);
  });

  it("stops with the step when the ELBO turns NaN or infinite", () => {
    expect(() => scale.fit({ n: 2000, seed: 1, learningRate: 1e6 })).to.throw(/diverged.*at step \d+ of 2000.*smaller learningRate/);
  });

  it("starts from `start` when given", () => {
    const approx = conjugate.fit({ n: 1, seed: 1, start: { mu: 3 } });
    expect(approx.mean[0]).to.be.closeTo(3, 0.01);
  });
});

describe("fit() is linked apart from the samplers (tsmc/vi)", () => {
  it("without tsmc/vi installed, fit() says what to import; with it, it fits", () => {
    installFit(null as unknown as Fitting);
    try {
      expect(() => conjugate.fit({ n: 10 })).to.throw(
        `model 'advi_conjugate': fit() needs tsmc/vi, not in this bundle: add import "tsmc/vi" where you call it`,
      );
    } finally {
      installFit(fit);
    }
    expect(conjugate.fit({ n: 10, seed: 1 }).hist).to.have.length(10);
  });
});
