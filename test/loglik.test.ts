// The pointwise log-likelihood group (PyMC's compute_log_likelihood, ArviZ's log_likelihood):
// sample({ logLikelihood: true }) or computeLogLikelihood(m, trace) give the elementwise log density
// of every observed RV at every posterior draw, [chains, draws, ...observed shape], computed by a
// `loglik` function the compiler emits only for models with observations; loo/waic/compare read it.
import { expect } from "chai";
import {
  Bernoulli,
  HalfNormal,
  MvNormal,
  Normal,
  StudentT,
  compare,
  computeLogLikelihood,
  loo,
  model,
  toZarr,
  waic,
  type CompiledModel,
} from "../compiler/index.js";
import { compileInline, type ModelLike } from "./helpers/aot.js";
import { thrown } from "./helpers/thrown.js";

const y = [0.3, -1.2, 2.5, 0.8, 1.1, -0.4, 0.9, 3.9, 0.2, 1.4, -0.7, 0.5];
const normalLogpdf = (x: number, mu: number, sigma: number) => -0.5 * ((x - mu) / sigma) ** 2 - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);

const normalModel = () =>
  model("normal_y", () => {
    const mu = Normal("mu", 0, 10);
    const sigma = HalfNormal("sigma", 5);
    Normal("y", mu, sigma, { observed: y });
  });

describe("the log-likelihood group", function () {
  const m = normalModel();
  const trace = m.sample({ draws: 150, tune: 150, chains: 2, seed: 4, cores: 1, logLikelihood: true });

  it("sample({ logLikelihood: true }) adds [chains, draws, ...observed shape], the log density of each observation at each draw", () => {
    const ll = trace.logLikelihood!.y;
    expect(ll.shape).to.deep.equal([2, 150, y.length]);
    const mu = trace.posterior.mu.data;
    const sigma = trace.posterior.sigma.data;
    for (const k of [0, 7, 299]) {
      for (let i = 0; i < y.length; i++) {
        const want = normalLogpdf(y[i], mu[k], sigma[k]);
        expect(Math.abs(ll.data[k * y.length + i] - want), `draw ${k}, y[${i}]`).to.be.lessThan(1e-12 * Math.max(1, Math.abs(want)));
      }
    }
  });

  it("computeLogLikelihood gives the same arrays for a trace sampled without them; extend: false leaves the trace alone", () => {
    const plain = m.sample({ draws: 150, tune: 150, chains: 2, seed: 4, cores: 1 });
    expect(plain.logLikelihood).to.equal(undefined);
    const group = computeLogLikelihood(m, plain, { extend: false });
    expect(plain.logLikelihood).to.equal(undefined);
    expect(Array.from(group.y.data)).to.deep.equal(Array.from(trace.logLikelihood!.y.data));
    computeLogLikelihood(m, plain);
    expect(plain.logLikelihood!.y.shape).to.deep.equal([2, 150, y.length]);
  });

  it("is written as ArviZ's log_likelihood group, in JSON and in a Zarr store", () => {
    const json = JSON.parse(JSON.stringify(trace));
    expect(json.log_likelihood.y).to.have.length(2);
    expect(json.log_likelihood.y[0]).to.have.length(150);
    expect(json.log_likelihood.y[0][0]).to.have.length(y.length);
    expect(json.dims.y).to.deep.equal(["y_dim_0"]);
    const store = toZarr(trace);
    expect(JSON.parse(new TextDecoder().decode(store.get("log_likelihood/y/.zattrs")))._ARRAY_DIMENSIONS).to.deep.equal(["chain", "draw", "y_dim_0"]);
  });

  it("loo, waic and compare work on sampled traces: the heavy-tailed model wins on data with an outlier", () => {
    const r = loo(trace);
    const w = waic(trace);
    expect(r.n_data_points).to.equal(y.length);
    expect(r.n_samples).to.equal(300);
    expect(Math.abs(r.elpd_loo - w.elpd_waic)).to.be.lessThan(1);
    const t = model("student_y", () => {
      const mu = Normal("mu", 0, 10);
      const sigma = HalfNormal("sigma", 5);
      StudentT("y", 2, mu, sigma, { observed: y });
    });
    const rows = compare({ normal: trace, student: t.sample({ draws: 150, tune: 150, chains: 2, seed: 4, cores: 1, logLikelihood: true }) });
    expect(rows.map((row) => row.name)).to.have.members(["normal", "student"]);
    expect(rows[0].elpd_diff).to.equal(0);
    expect(rows[0].weight + rows[1].weight).to.be.closeTo(1, 1e-9);
  });

  it("multivariate and discrete observations: one value per vector, integers' log probabilities", () => {
    const mv = model("mv", () => {
      const mu = Normal("mu", 0, 1, { shape: [2] });
      MvNormal(
        "obs",
        mu,
        [
          [1, 0.5],
          [0.5, 2],
        ],
        {
          observed: [
            [0.1, 0.2],
            [1, -1],
            [0.5, 0.5],
          ],
        },
      );
      Bernoulli("b", 0.3, { observed: [1, 0, 0, 1] });
    });
    const tr = mv.sample({ draws: 20, tune: 50, chains: 1, seed: 1, logLikelihood: true });
    expect(tr.logLikelihood!.obs.shape).to.deep.equal([1, 20, 3]);
    const b = [Math.log(0.3), Math.log(0.7), Math.log(0.7), Math.log(0.3)];
    tr.logLikelihood!.b.data.slice(0, 4).forEach((v, i) => expect(v).to.be.closeTo(b[i], 1e-15));
    expect(thrown(() => loo(tr)).message).to.contain("obs");
  });

  it("a model without observations, an unknown option, a trace missing a variable: errors that say so", () => {
    const prior = model("prior_only", () => void Normal("mu", 0, 1));
    const tr = prior.sample({ draws: 10, tune: 10, chains: 1, seed: 1 });
    expect(thrown(() => computeLogLikelihood(prior, tr)).message).to.equal(
      "computeLogLikelihood: model 'prior_only' has no observed variables, so no log-likelihood",
    );
    expect(thrown(() => prior.sample({ draws: 10, tune: 10, chains: 1, logLikelihood: true })).message).to.contain("has no observed variables");
    expect(thrown(() => computeLogLikelihood(m, trace, { extnd: false } as never)).message).to.contain("extnd");
    expect(thrown(() => computeLogLikelihood(m, tr)).message).to.equal("computeLogLikelihood: the trace has no draws of 'sigma'");
    expect(thrown(() => m.sample({ draws: 10, logLikelihood: "yes" as never })).message).to.contain("logLikelihood must be true or false");
  });

  it("ahead of time: the emitted loglik gives the in-process numbers bit for bit", async () => {
    const built = await compileInline<ModelLike & CompiledModel>(
      `import { model, Normal, HalfNormal } from "tsmc";`,
      {
        normal_y: `() => {
          const mu = Normal("mu", 0, 10);
          const sigma = HalfNormal("sigma", 5);
          Normal("y", mu, sigma, { observed: ${JSON.stringify(y)} });
        }`,
      },
      "loglik",
    );
    const aot = computeLogLikelihood(built.normal_y, trace, { extend: false });
    expect(Array.from(aot.y.data)).to.deep.equal(Array.from(trace.logLikelihood!.y.data));
    expect(built.normal_y.impl.loglik).to.be.a("function");
  });
});
