// PSIS-LOO, WAIC and compare against a NumPy re-implementation of ArviZ's formulas on fixed draws
// (test/reference/gen_loo.py wrote test/reference/loo.json), against the exact leave-one-out
// predictive densities of a conjugate normal model, and their error paths.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { NDArray, Trace, loo, waic, compare } from "../compiler/index.js";
import { psislw } from "../runtime/index.js";
import { stackingWeights } from "../runtime/sampler/loo.js";
import { Stream } from "../runtime/random.js";
import { gammaln } from "../runtime/special.js";
import { quietly } from "./helpers/thrown.js";

const ref = JSON.parse(readFileSync(new URL("./reference/loo.json", import.meta.url), "utf8"));

const close = (actual: number, expected: number | null, what: string, tol = 1e-10) => {
  if (expected === null) return expect(actual, what).to.equal(Infinity);
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).to.be.at.most(tol * Math.max(1, Math.abs(expected)));
};
const allClose = (actual: ArrayLike<number>, expected: (number | null)[], what: string, tol = 1e-10) => {
  expect(actual.length, what).to.equal(expected.length);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], `${what}[${i}]`, tol);
};

/** A trace of draws `mu`, `sigma` ([chains*draws]) and the pointwise log-likelihood of `y` under them. */
function traceOf(chains: number, draws: number, mu: number[], sigma: number[], y: number[], density: (y: number, mu: number, sigma: number) => number): Trace {
  const S = chains * draws;
  const ll = new Float64Array(S * y.length);
  for (let s = 0; s < S; s++) for (let i = 0; i < y.length; i++) ll[s * y.length + i] = density(y[i], mu[s], sigma[s]);
  return new Trace({
    posterior: { mu: new NDArray([chains, draws], Float64Array.from(mu)), sigma: new NDArray([chains, draws], Float64Array.from(sigma)) },
    sampleStats: {},
    logLikelihood: { y: new NDArray([chains, draws, y.length], ll) },
  });
}

const LOG_2PI = Math.log(2 * Math.PI);
// The same operations as gen_loo.py's normal_ll and student_ll.
const normal = (y: number, mu: number, sigma: number) => {
  const z = (y - mu) / sigma;
  return -0.5 * LOG_2PI - Math.log(sigma) - 0.5 * z * z;
};
const student = (nu: number) => {
  const c = gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * Math.log(nu * Math.PI);
  return (y: number, mu: number, sigma: number) => {
    const z = (y - mu) / sigma;
    return c - Math.log(sigma) - ((nu + 1) / 2) * Math.log1p((z * z) / nu);
  };
};

const refTraces: Record<string, Trace> = Object.fromEntries(
  Object.entries(ref.models as Record<string, any>).map(([name, m]) => [
    name,
    traceOf(ref.chains, ref.draws, m.mu, m.sigma, ref.y, m.kind === "normal" ? normal : student(m.nu)),
  ]),
);

describe("loo and waic against the reference (ArviZ's formulas in NumPy)", () => {
  for (const name of Object.keys(ref.models)) {
    it(`${name}: elpd_loo, se, p_loo, loo_i, pareto_k, warning; on the deviance scale; with reff given`, () => {
      const r = ref.results[name];
      const [res, warned] = quietly(() => loo(refTraces[name], { pointwise: true }));
      close(res.elpd_loo, r.elpd_loo, "elpd_loo");
      close(res.se, r.se, "se");
      close(res.p_loo, r.p_loo, "p_loo");
      allClose(res.loo_i!, r.loo_i, "loo_i");
      allClose(res.pareto_k, r.pareto_k, "pareto_k");
      close(res.good_k, r.good_k, "good_k", 1e-15);
      expect(res.warning).to.equal(r.warning);
      expect(res.n_samples).to.equal(ref.chains * ref.draws);
      expect(res.n_data_points).to.equal(ref.y.length);
      expect(warned.length).to.equal(r.warning ? 1 : 0);
      if (r.warning) expect(warned[0]).to.match(/^Estimated shape parameter of Pareto distribution is greater than 0\.67 for one or more samples/);
      const [dev] = quietly(() => loo(refTraces[name], { scale: "deviance", pointwise: true }));
      close(dev.elpd_loo, r.deviance.elpd_loo, "deviance elpd_loo");
      close(dev.p_loo, r.deviance.p_loo, "deviance p_loo");
      close(dev.se, r.deviance.se, "deviance se");
      expect(dev.scale).to.equal("deviance");
      const [given] = quietly(() => loo(refTraces[name], { reff: r.reff }));
      close(given.elpd_loo, r.elpd_loo, "elpd_loo with reff given");
      expect(given.loo_i).to.equal(undefined);
    });

    it(`${name}: elpd_waic, se, p_waic, waic_i, warning`, () => {
      const r = ref.results[name];
      const [res, warned] = quietly(() => waic(refTraces[name], { pointwise: true }));
      close(res.elpd_waic, r.waic.elpd_waic, "elpd_waic");
      close(res.se, r.waic.se, "se");
      close(res.p_waic, r.waic.p_waic, "p_waic");
      allClose(res.waic_i!, r.waic.waic_i, "waic_i");
      expect(res.warning).to.equal(r.waic.warning);
      expect(warned.length).to.equal(r.waic.warning ? 1 : 0);
      const [dev] = quietly(() => waic(refTraces[name], { scale: "deviance" }));
      close(dev.elpd_waic, r.waic_deviance.elpd_waic, "deviance elpd_waic");
      close(dev.se, r.waic_deviance.se, "deviance se");
    });
  }

  it("psislw: smoothed log weights and k of one observation", () => {
    const ll = refTraces.normal.logLikelihood!.y;
    const n = ref.y.length;
    for (const p of ref.psislw) {
      const raw = Float64Array.from({ length: ll.data.length / n }, (_, s) => -ll.data[s * n + p.obs]);
      const { lw, k } = psislw(raw, p.reff);
      close(k, p.k, `k of obs ${p.obs}, reff ${p.reff}`);
      allClose(lw, p.lw, `lw of obs ${p.obs}, reff ${p.reff}`);
    }
  });

  it("psislw: a tail of 4 or fewer points is not fitted (k = Infinity), only normalised", () => {
    const { lw, k } = psislw(ref.psislw_short.input);
    expect(k).to.equal(Infinity);
    allClose(lw, ref.psislw_short.lw, "lw");
  });
});

describe("compare against the reference", () => {
  it("ranks, elpd_diff, dse, se, warnings and stacking weights", () => {
    const [rows] = quietly(() => compare(refTraces));
    expect(rows.map((r) => r.name)).to.deep.equal(ref.compare.rows.map((r: any) => r.name));
    rows.forEach((row, i) => {
      const r = ref.compare.rows[i];
      expect(row.rank).to.equal(i);
      close(row.elpd_loo!, r.elpd_loo, `${row.name} elpd_loo`);
      close(row.p_loo!, r.p_loo, `${row.name} p_loo`);
      close(row.elpd_diff, r.elpd_diff, `${row.name} elpd_diff`);
      close(row.se, r.se, `${row.name} se`);
      close(row.dse, r.dse, `${row.name} dse`);
      // SciPy's SLSQP stops at its own tolerance: the weights agree to its precision.
      close(row.weight, r.weight, `${row.name} weight`, 1e-7);
      expect(row.warning).to.equal(r.warning);
      expect(row.scale).to.equal("log");
    });
    const [bma] = quietly(() => compare(refTraces, { method: "pseudo-BMA" }));
    bma.forEach((row, i) => close(row.weight, ref.compare.rows[i].pseudo_bma_weight, `${row.name} pseudo-BMA weight`));
  });

  it("stacking reaches the optimum the reference found", () => {
    const [rows] = quietly(() => compare(refTraces, { ic: "loo" }));
    const pointwise = rows.map((r) => quietly(() => loo(refTraces[r.name], { pointwise: true }))[0].loo_i!);
    const w = stackingWeights(pointwise);
    let score = 0;
    for (let i = 0; i < ref.y.length; i++) {
      const max = Math.max(...pointwise.map((p) => p[i]));
      score += Math.log(pointwise.reduce((s, p, k) => s + w[k] * Math.exp(p[i] - max), 0));
    }
    expect(score).to.be.at.least(ref.compare.stacking_score - 1e-12);
  });
});

/**
 * y_i ~ Normal(mu, 1), mu ~ Normal(0, 2): exact posterior draws, and the exact leave-one-out
 * predictive densities p(y_i | y_-i) = Normal(y_i; m_-i, sqrt(1 + 1/prec_-i)).
 */
function conjugate(shift = 0) {
  const n = 30;
  const chains = 4;
  const draws = 2000;
  const data = new Stream("loo-conjugate-data");
  const y = Array.from({ length: n }, () => 1 + data.normal());
  const sum = y.reduce((a, b) => a + b, 0);
  const prec = 1 / 4 + n;
  const draw = new Stream(`loo-conjugate-draws-${shift}`);
  const mu = Array.from({ length: chains * draws }, () => sum / prec + shift + draw.normal() / Math.sqrt(prec));
  const trace = traceOf(chains, draws, mu, new Array(chains * draws).fill(1), y, normal);
  let exact = 0;
  for (const yi of y) {
    const p = 1 / 4 + (n - 1);
    exact += normal(yi, (sum - yi) / p, Math.sqrt(1 + 1 / p));
  }
  return { trace, exact, n };
}

describe("loo and waic of a conjugate normal model against the exact leave-one-out densities", () => {
  it("elpd_loo and elpd_waic match the analytic elpd", () => {
    const { trace, exact } = conjugate();
    const [res, warned] = quietly(() => loo(trace, { pointwise: true }));
    const [w] = quietly(() => waic(trace));
    // Over 40 seeds of these 8000 draws, elpd_loo - exact had mean -0.002 and sd 0.013 (WAIC
    // alike): 0.05 is about 4 Monte Carlo sds. (This seed: loo -40.573, waic -40.572, exact -40.590.)
    expect(Math.abs(res.elpd_loo - exact), `loo ${res.elpd_loo} vs exact ${exact}`).to.be.lessThan(0.05);
    expect(Math.abs(w.elpd_waic - exact), `waic ${w.elpd_waic} vs exact ${exact}`).to.be.lessThan(0.05);
    expect(Math.abs(w.elpd_waic - res.elpd_loo)).to.be.lessThan(0.01);
    expect(res.p_loo).to.be.closeTo(1, 0.2);
    expect(res.warning).to.equal(false);
    expect(warned).to.deep.equal([]);
    expect(Math.max(...res.pareto_k)).to.be.lessThan(0.5);
  });
});

describe("compare", () => {
  const right = conjugate().trace;
  const wrong = conjugate(1.5).trace;

  it("ranks the right model first, weights sum to 1, elpd_diff and dse of the best are 0", () => {
    for (const ic of ["loo", "waic"] as const) {
      for (const method of ["stacking", "pseudo-BMA", "BB-pseudo-BMA"] as const) {
        for (const scale of ["log", "deviance", "negative_log"] as const) {
          const rows = compare({ wrong, right }, { ic, method, scale });
          const what = `${ic}, ${method}, ${scale}`;
          expect(
            rows.map((r) => r.name),
            what,
          ).to.deep.equal(["right", "wrong"]);
          expect(rows.map((r) => r.rank)).to.deep.equal([0, 1]);
          expect(rows[0].weight + rows[1].weight, what).to.be.closeTo(1, 1e-12);
          expect(rows[0].weight, what).to.be.greaterThan(0.9);
          expect(rows[0].elpd_diff).to.equal(0);
          expect(rows[0].dse).to.equal(0);
          expect(rows[1].elpd_diff, what).to.be.greaterThan(0);
          expect(rows[1].dse, what).to.be.greaterThan(0);
          expect(rows.every((r) => r.warning === false && r.scale === scale)).to.equal(true);
          expect(rows[0][ic === "loo" ? "elpd_loo" : "elpd_waic"]).to.be.a("number");
        }
      }
    }
  });

  it("BB-pseudo-BMA is reproducible from its seed", () => {
    const a = compare({ right, wrong }, { method: "BB-pseudo-BMA", seed: 7, bSamples: 200 });
    const b = compare({ right, wrong }, { method: "BB-pseudo-BMA", seed: 7, bSamples: 200 });
    expect(a).to.deep.equal(b);
  });

  it("flags the models whose estimate may be unreliable", () => {
    const [rows, warned] = quietly(() => compare({ normal: refTraces.normal, student: refTraces.student }));
    expect(rows.map((r) => [r.name, r.warning])).to.deep.equal([
      ["student", false],
      ["normal", true],
    ]);
    expect(warned).to.have.length(1);
  });
});

describe("loo, waic and compare refuse what they cannot do", () => {
  const { trace } = conjugate();
  const bare = new Trace({ posterior: {}, sampleStats: {} });
  const ll = trace.logLikelihood!.y;
  const two = new Trace({ posterior: trace.posterior, sampleStats: {}, logLikelihood: { y: ll, z: ll } });

  it("unknown options, scales, ics and methods", () => {
    expect(() => loo(trace, { pointwize: true } as never)).to.throw(/loo: unknown option 'pointwize'/);
    expect(() => waic(trace, { reff: 1 } as never)).to.throw(/waic: unknown option 'reff'/);
    expect(() => compare({ trace }, { weights: "x" } as never)).to.throw(/compare: unknown option 'weights'/);
    expect(() => loo(trace, { scale: "bits" as never })).to.throw(/scale 'bits'/);
    expect(() => compare({ trace }, { ic: "aic" as never })).to.throw(/ic 'aic'/);
    expect(() => compare({ trace }, { method: "BMA" as never })).to.throw(/method 'BMA'/);
    expect(() => loo(trace, { reff: 0 })).to.throw(/reff must be positive/);
  });

  it("a trace without a log-likelihood", () => {
    expect(() => loo(bare)).to.throw(/sample with \{ logLikelihood: true \}/);
    expect(() => waic(bare)).to.throw(/sample with \{ logLikelihood: true \}/);
    expect(() => compare({ bare })).to.throw(/model 'bare'.*logLikelihood: true/);
  });

  it("several observed variables need varName", () => {
    expect(() => loo(two)).to.throw(/several observed variables \(y, z\); choose one with varName/);
    expect(() => loo(two, { varName: "w" })).to.throw(/no log-likelihood named 'w'/);
    const [a] = quietly(() => loo(two, { varName: "z" }));
    const [b] = quietly(() => loo(trace));
    expect(a.elpd_loo).to.equal(b.elpd_loo);
  });

  it("models with different numbers of observations", () => {
    const short = new Trace({ posterior: trace.posterior, sampleStats: {}, logLikelihood: { y: new NDArray([4, 2000, 29], new Float64Array(4 * 2000 * 29)) } });
    expect(() => quietly(() => compare({ trace, short }))).to.throw(/number of observations should be the same/);
  });

  it("writes the log-likelihood as ArviZ's log_likelihood group", () => {
    const json = trace.toJSON() as Record<string, any>;
    expect(json.log_likelihood.y).to.have.length(4);
    expect(json.log_likelihood.y[0]).to.have.length(2000);
    expect(json.dims.y).to.deep.equal(["y_dim_0"]);
  });
});
