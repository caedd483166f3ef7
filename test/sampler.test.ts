// NUTS: conjugate and reference posteriors within Monte Carlo error, the non-centred eight schools,
// mass-matrix adaptation on a badly scaled correlated Gaussian, reproducibility across seeds and
// worker threads, the trace's ArviZ layout, and predictive draws.
import { expect } from "chai";
import { model, Model, emitModel, Normal, HalfNormal, Beta, Binomial, Gamma, Poisson, Potential, pt, summary, type Trace } from "../compiler/index.js";
import type { CompiledModel } from "../compiler/index.js";
import { eightSchools, normalMeanScale, normalData } from "./sampler-models.js";

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

/**
 * The mean within k MCSE, the sd within 2k: az.summary's mcse_sd (sd·√(e(1 - 1/ess)^(ess-1) - 1))
 * understates the sd's error for a skewed posterior: over seeds 1-100 of the HalfNormal scale below,
 * (sd - exact) / mcse_sd had a standard deviation of 1.92, so "3 MCSE" failed 9 runs in 100.
 */
function withinMcse(trace: Trace, name: string, exactMean: number, exactSd: number, k = 3) {
  const row = summary(trace, { varNames: [name] }).rows[0];
  expect(Math.abs(row.mean - exactMean), `${name} mean ${row.mean} vs ${exactMean} (mcse ${row.mcse_mean})`).to.be.lessThan(k * row.mcse_mean);
  expect(Math.abs(row.sd - exactSd), `${name} sd ${row.sd} vs ${exactSd} (mcse ${row.mcse_sd})`).to.be.lessThan(2 * k * row.mcse_sd);
  return row;
}

describe("NUTS: posteriors with known answers", () => {
  it("normal–normal with known sigma: the conjugate posterior within 3 MCSE", () => {
    const y = [1.2, 0.4, 2.1, 1.7, 0.9, -0.3, 1.1];
    const m = model("normal_normal", () => {
      const mu = Normal("mu", 0.5, 2);
      Normal("y", mu, 1.5, { observed: y });
    });
    const trace = m.sample({ draws: 500, tune: 300, chains: 4, seed: 11, cores: 1 });
    const prec = 1 / 4 + y.length / 2.25;
    const postMean = (0.5 / 4 + y.reduce((a, b) => a + b, 0) / 2.25) / prec;
    withinMcse(trace, "mu", postMean, Math.sqrt(1 / prec));
    expect(trace.divergences).to.equal(0);
  });

  it("beta–binomial: Beta(2 + k, 3 + n - k) within 3 MCSE", () => {
    const n = [20, 15, 30];
    const k = [7, 9, 12];
    const m = model("beta_binomial", () => {
      const p = Beta("p", 2, 3);
      Binomial("k", n, p, { observed: k });
    });
    const trace = m.sample({ draws: 500, tune: 300, chains: 4, seed: 21, cores: 1 });
    const a = 2 + 28;
    const b = 3 + 65 - 28;
    withinMcse(trace, "p", a / (a + b), Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1))));
  });

  it("gamma–Poisson: Gamma(2 + sum y, 1 + n) within 3 MCSE", () => {
    const y = [3, 5, 2, 4, 6, 3];
    const m = model("gamma_poisson", () => {
      const lam = Gamma("lam", 2, 1);
      Poisson("y", lam, { observed: y });
    });
    const trace = m.sample({ draws: 500, tune: 300, chains: 4, seed: 22, cores: 1 });
    const shape = 2 + 23;
    const rate = 1 + y.length;
    withinMcse(trace, "lam", shape / rate, Math.sqrt(shape) / rate);
  });

  it("unknown mean and HalfNormal scale: posterior means and sds against quadrature", () => {
    // Reference by quadrature on a fine grid over (mu, sigma).
    const normLogpdf = (x: number, m: number, s: number) => -0.5 * ((x - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
    let z = 0,
      m1 = 0,
      m2 = 0,
      s1 = 0,
      s2 = 0;
    const logs: number[] = [];
    const grid: [number, number][] = [];
    for (let i = 0; i < 500; i++) {
      const mu = -1 + (6 * (i + 0.5)) / 500;
      for (let j = 0; j < 500; j++) {
        const sigma = (6 * (j + 0.5)) / 500;
        let lp = normLogpdf(mu, 0, 10) + normLogpdf(sigma, 0, 5);
        for (const y of normalData) lp += normLogpdf(y, mu, sigma);
        logs.push(lp);
        grid.push([mu, sigma]);
      }
    }
    const top = logs.reduce((a, b) => Math.max(a, b), -Infinity);
    logs.forEach((lp, k) => {
      const w = Math.exp(lp - top);
      const [mu, sigma] = grid[k];
      z += w;
      m1 += w * mu;
      m2 += w * mu * mu;
      s1 += w * sigma;
      s2 += w * sigma * sigma;
    });
    const muMean = m1 / z,
      sigmaMean = s1 / z;
    const trace = normalMeanScale.sample({ draws: 500, tune: 500, chains: 4, seed: 3, cores: 1 });
    withinMcse(trace, "mu", muMean, Math.sqrt(m2 / z - muMean ** 2));
    withinMcse(trace, "sigma", sigmaMean, Math.sqrt(s2 / z - sigmaMean ** 2));
    expect(trace.posterior.sigma.shape).to.deep.equal([4, 500]);
    expect(Math.min(...trace.posterior.sigma.data)).to.be.greaterThan(0);
  });

  it("eight schools, non-centred: no divergences and R-hat < 1.01 over 4 chains", () => {
    // targetAccept 0.95, as PyMC's eight-schools examples use: at 0.8 a seed shows 0–5 divergences
    // in 4000 draws (the funnel's neck), whatever the last bits of the gradient.
    const trace = eightSchools.sample({ draws: 1000, tune: 1000, chains: 4, seed: 2024, cores: 1, targetAccept: 0.95 });
    expect(trace.divergences).to.equal(0);
    const s = summary(trace);
    for (const row of s.rows) expect(row.r_hat, row.name).to.be.lessThan(1.01);
    expect(trace.posterior.theta.shape).to.deep.equal([4, 1000, 8]);
    expect(trace.posterior.theta_t.shape).to.deep.equal([4, 1000, 8]);
    // theta = mu + tau * theta_t, draw by draw.
    const { mu, tau, theta_t, theta } = trace.posterior;
    for (const k of [0, 1234, 3999]) {
      for (let j = 0; j < 8; j++) expect(theta.data[k * 8 + j]).to.be.closeTo(mu.data[k] + tau.data[k] * theta_t.data[k * 8 + j], 1e-12);
    }
  });
});

describe("NUTS: adaptation", () => {
  // A 100-dimensional Gaussian with scales from 0.1 to 10 and neighbour correlations.
  const scales = Array.from({ length: 100 }, (_, i) => Math.pow(10, -1 + (2 * i) / 99));
  const correlated = model("correlated_100", () => {
    const x = Normal("x", 0, scales, { shape: [100] });
    const u = x.div(pt.constant(scales));
    const d = u.slice(1).sub(u.slice(0, 99));
    Potential("coupling", pt.sum(d.mul(d)).mul(-0.5));
  });

  it("the diagonal mass matrix learns the scales and shortens the trajectories", () => {
    const adapted = correlated.sample({ draws: 100, tune: 300, chains: 1, seed: 5, cores: 1 });
    // Without metric adaptation only the step size adapts, which needs a shorter warmup.
    const fixed = correlated.sample({ draws: 100, tune: 150, chains: 1, seed: 5, cores: 1, adaptMetric: false });
    const stepsAdapted = mean(adapted.sampleStats.n_steps.data);
    const stepsFixed = mean(fixed.sampleStats.n_steps.data);
    console.log(`      leapfrog steps per draw: ${stepsAdapted.toFixed(1)} with metric adaptation, ${stepsFixed.toFixed(1)} without`);
    expect(stepsAdapted * 4, `leapfrog steps per draw: ${stepsAdapted} adapted vs ${stepsFixed} fixed`).to.be.lessThan(stepsFixed);
    expect(mean(adapted.sampleStats.tree_depth.data)).to.be.lessThan(mean(fixed.sampleStats.tree_depth.data));
    // The learned inverse metric follows the posterior variances (which grow with the scales).
    const inv = adapted.tuning[0].invMetric;
    expect(inv[99] / inv[0]).to.be.greaterThan(100);
    // ESS per gradient evaluation of the widest coordinate is better with adaptation.
    const essPerStep = (t: Trace) => summary({ posterior: { x: t.posterior.x } }).rows[99].ess_bulk / (100 * mean(t.sampleStats.n_steps.data));
    expect(essPerStep(adapted)).to.be.greaterThan(essPerStep(fixed));
  });

  it("step size adapts to the target acceptance; warmup draws are kept on request", () => {
    const lo = normalMeanScale.sample({ draws: 300, tune: 300, chains: 1, seed: 9, targetAccept: 0.65 });
    const hi = normalMeanScale.sample({ draws: 300, tune: 300, chains: 1, seed: 9, targetAccept: 0.95, keepWarmup: true });
    expect(hi.tuning[0].stepSize).to.be.lessThan(lo.tuning[0].stepSize);
    expect(mean(hi.sampleStats.acceptance_rate.data)).to.be.greaterThan(0.85);
    expect(hi.warmup!.posterior.mu.shape).to.deep.equal([1, 300]);
    expect(hi.warmup!.sampleStats.step_size.shape).to.deep.equal([1, 300]);
    // During sampling the step size is fixed.
    expect(new Set(hi.sampleStats.step_size.data).size).to.equal(1);
  });

  it("maxTreeDepth caps the tree", () => {
    const t = eightSchools.sample({ draws: 100, tune: 100, chains: 1, seed: 1, maxTreeDepth: 2 });
    expect(Math.max(...t.sampleStats.tree_depth.data)).to.be.at.most(2);
    expect(Math.max(...t.sampleStats.n_steps.data)).to.be.at.most(3);
  });
});

describe("NUTS: reproducibility and worker threads", () => {
  const opts = { draws: 150, tune: 150, chains: 3, seed: "repro" };

  it("the same seed gives the same trace; another seed another", () => {
    const a = eightSchools.sample({ ...opts, cores: 1 });
    const b = eightSchools.sample({ ...opts, cores: 1 });
    const c = eightSchools.sample({ ...opts, seed: "other", cores: 1 });
    expect(Array.from(a.posterior.theta.data)).to.deep.equal(Array.from(b.posterior.theta.data));
    expect(Array.from(a.sampleStats.energy.data)).to.deep.equal(Array.from(b.sampleStats.energy.data));
    expect(Array.from(a.posterior.mu.data)).to.not.deep.equal(Array.from(c.posterior.mu.data));
    // Chains are independent streams: chain 0 does not depend on how many chains run.
    const one = eightSchools.sample({ ...opts, chains: 1, cores: 1 });
    expect(Array.from(one.posterior.mu.data)).to.deep.equal(Array.from(a.posterior.mu.data.slice(0, 150)));
  });

  it("traces are identical whatever `cores` is (model shipped as a module export)", function () {
    this.timeout(120_000);
    const m: CompiledModel = eightSchools.withData({});
    m.source = { module: new URL("./sampler-models.ts", import.meta.url).href, exportName: "eightSchools" };
    const seq = m.sample({ ...opts, cores: 1 });
    const progress: number[] = [];
    const par = m.sample({ ...opts, cores: 2, onProgress: (chain, done, total) => done === total && progress.push(chain) });
    expect(progress.sort()).to.deep.equal([0, 1, 2]);
    for (const name of Object.keys(seq.posterior)) {
      expect(Array.from(par.posterior[name].data), name).to.deep.equal(Array.from(seq.posterior[name].data));
    }
    for (const name of Object.keys(seq.sampleStats)) {
      expect(Array.from(par.sampleStats[name].data), name).to.deep.equal(Array.from(seq.sampleStats[name].data));
    }
  });

  it("traces are identical whatever `cores` is (model shipped as its generated body)", function () {
    this.timeout(120_000);
    const built = Model.build("shipped", () => {
      const mu = Normal("mu", 0, 10);
      const sigma = HalfNormal("sigma", 5);
      Normal("y", mu, sigma, { observed: normalData });
    });
    const { body } = emitModel(built, "shipped");
    const m = model("shipped", () => {
      const mu = Normal("mu", 0, 10);
      const sigma = HalfNormal("sigma", 5);
      Normal("y", mu, sigma, { observed: normalData });
    });
    m.source = { body };
    const seq = m.sample({ ...opts, cores: 1 });
    const par = m.sample({ ...opts, cores: 3 });
    expect(Array.from(par.posterior.sigma.data)).to.deep.equal(Array.from(seq.posterior.sigma.data));
  });

  it("a model without a source samples in this thread whatever `cores` asks", () => {
    const m = normalMeanScale.withData({});
    m.source = undefined;
    const a = m.sample({ ...opts, cores: 4 });
    const b = normalMeanScale.sample({ ...opts, cores: 1 });
    expect(Array.from(a.posterior.mu.data)).to.deep.equal(Array.from(b.posterior.mu.data));
  });
});

describe("NUTS: the trace", () => {
  const trace = eightSchools.sample({ draws: 20, tune: 30, chains: 2, seed: 4, cores: 1 });

  it("has every free RV and Deterministic, and PyMC's sampler statistics", () => {
    expect(Object.keys(trace.posterior)).to.deep.equal(["mu", "tau", "theta_t", "theta"]);
    expect(Object.keys(trace.sampleStats).sort()).to.deep.equal(["acceptance_rate", "diverging", "energy", "lp", "n_steps", "step_size", "tree_depth"]);
    for (const s of Object.values(trace.sampleStats)) expect(s.shape).to.deep.equal([2, 20]);
    expect(trace.nChains).to.equal(2);
    expect(trace.nDraws).to.equal(20);
  });

  it("lp is the model's log density at the draw (Jacobian included)", () => {
    const k = 7;
    const point = {
      mu: trace.posterior.mu.data[k],
      tau_log__: Math.log(trace.posterior.tau.data[k]),
      theta_t: Array.from(trace.posterior.theta_t.data.slice(k * 8, k * 8 + 8)),
    };
    expect(trace.sampleStats.lp.data[k]).to.be.closeTo(eightSchools.logp(point), 1e-9);
  });

  it("toJSON writes ArviZ's from_dict layout", () => {
    const json = JSON.parse(JSON.stringify(trace));
    expect(Object.keys(json)).to.include.members(["posterior", "sample_stats", "observed_data", "coords", "dims", "attrs"]);
    expect(json.posterior.theta).to.have.length(2);
    expect(json.posterior.theta[0]).to.have.length(20);
    expect(json.posterior.theta[0][0]).to.have.length(8);
    expect(json.posterior.mu[1]).to.have.length(20);
    expect(typeof json.sample_stats.diverging[0][0]).to.equal("boolean");
    expect(json.dims.theta).to.deep.equal(["theta_dim_0"]);
    expect(json.coords.theta_dim_0).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(json.dims.mu).to.equal(undefined);
    expect(json.attrs.inference_library).to.equal("tsmc");
  });
});

describe("predictive sampling", () => {
  it("samplePriorPredictive: prior and prior_predictive groups, [1, draws, ...shape]", () => {
    const p = eightSchools.samplePriorPredictive({ draws: 50, seed: 1 });
    expect(Object.keys(p.prior).sort()).to.deep.equal(["mu", "tau", "theta", "theta_t"]);
    expect(Object.keys(p.priorPredictive)).to.deep.equal(["y"]);
    expect(p.priorPredictive.y.shape).to.deep.equal([1, 50, 8]);
    expect(p.prior.mu.shape).to.deep.equal([1, 50]);
    const again = eightSchools.samplePriorPredictive({ draws: 50, seed: 1 });
    expect(Array.from(again.priorPredictive.y.data)).to.deep.equal(Array.from(p.priorPredictive.y.data));
    expect(Object.keys(p.toJSON())).to.include.members(["prior", "prior_predictive"]);
  });

  it("samplePosteriorPredictive: one draw of y per posterior draw, centred on the posterior", () => {
    const trace = normalMeanScale.sample({ draws: 300, tune: 300, chains: 2, seed: 8, cores: 1 });
    const pp = normalMeanScale.samplePosteriorPredictive(trace, { seed: 2, extend: true });
    expect(pp.y.shape).to.deep.equal([2, 300, 10]);
    expect(trace.posteriorPredictive).to.equal(pp);
    expect(mean(pp.y.data)).to.be.closeTo(mean(trace.posterior.mu.data), 0.2);
    const again = normalMeanScale.samplePosteriorPredictive(trace, { seed: 2 });
    expect(Array.from(again.y.data)).to.deep.equal(Array.from(pp.y.data));
    expect(Object.keys(trace.toJSON())).to.include("posterior_predictive");
  });
});
