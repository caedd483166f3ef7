// Compound steps for discrete free RVs, as PyMC assigns them: posteriors of discrete latents
// against exact enumeration (Poisson with Metropolis, Bernoulli with BinaryGibbsMetropolis beside
// NUTS, Categorical with CategoricalGibbsMetropolis, both proposals), the same trace for any
// `cores`, integer draws in the trace and its writers, steps chosen by hand, `tsmc sample`, and the
// errors.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import {
  model,
  Model,
  emitModel,
  Normal,
  Poisson,
  Categorical,
  Binomial,
  pt,
  mcseMean,
  toZarr,
  NUTS,
  Metropolis,
  BinaryGibbsMetropolis,
  CategoricalGibbsMetropolis,
  type Trace,
} from "../compiler/index.js";
import { tuneFactor } from "../runtime/sampler/metropolis.js";
import { registerSample, type SampleIO } from "../compiler/cli-sample.js";
import { bernoulliIndicator, mixY } from "./compound-models.js";

const normLogpdf = (x: number, m: number, s: number) => -0.5 * ((x - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
const logFactorial = (k: number) => Array.from({ length: k }, (_, i) => Math.log(i + 1)).reduce((a, b) => a + b, 0);

/** Normalised probabilities from log weights. */
function normalise(logw: number[]): number[] {
  const max = Math.max(...logw);
  const w = logw.map((l) => Math.exp(l - max));
  const z = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / z);
}

/** The draws of a scalar variable as one array per chain. */
function chainsOf(trace: Trace, name: string): Float64Array[] {
  const arr = trace.posterior[name];
  const [nChains, nDraws] = arr.shape;
  return Array.from({ length: nChains }, (_, c) => arr.data.slice(c * nDraws, (c + 1) * nDraws));
}

/** P(name = value) from the draws is within 4 Monte Carlo standard errors of the exact `p`. */
function frequencyMatches(trace: Trace, name: string, value: number, p: number): void {
  const indicator = chainsOf(trace, name).map((c) => c.map((v) => (v === value ? 1 : 0)));
  const all = indicator.flatMap((c) => Array.from(c));
  const freq = all.reduce((a, b) => a + b, 0) / all.length;
  const mcse = mcseMean(indicator);
  expect(Math.abs(freq - p), `P(${name} = ${value}): sampled ${freq.toFixed(4)}, exact ${p.toFixed(4)}, mcse ${mcse.toFixed(4)}`).to.be.lessThan(4 * mcse);
}

function meanMatches(trace: Trace, name: string, exact: number): void {
  const chains = chainsOf(trace, name);
  const all = chains.flatMap((c) => Array.from(c));
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const mcse = mcseMean(chains);
  expect(Math.abs(mean - exact), `E[${name}]: sampled ${mean.toFixed(4)}, exact ${exact.toFixed(4)}, mcse ${mcse.toFixed(4)}`).to.be.lessThan(4 * mcse);
}

// k ~ Poisson(3) latent, observed through y_i ~ Normal(k, 1).
const poissonY = [2.1, 3.4, 1.2, 2.8];
const poissonLatent = model("poisson_latent", () => {
  const k = Poisson("k", 3);
  Normal("y", k, 1, { observed: poissonY });
});
const poissonExact = normalise(
  Array.from({ length: 40 }, (_, k) => k * Math.log(3) - 3 - logFactorial(k) + poissonY.reduce((s, y) => s + normLogpdf(y, k, 1), 0)),
);

const mixture = bernoulliIndicator;
/**
 * Exact: given z, y ~ MVN(m_z 1, I + 11ᵀ) (the selected mean's prior Normal(m_z, 1) integrated out);
 * the selected mean's posterior is Normal((m_z + Σy) / (1 + n), 1 / (1 + n)), the other keeps its prior.
 */
function mixtureExact(): { pz1: number; mu0: number; mu1: number } {
  const n = mixY.length;
  const logMarginal = (m: number) => {
    const r = mixY.map((y) => y - m);
    const s = r.reduce((a, b) => a + b, 0);
    const quad = r.reduce((a, b) => a + b * b, 0) - (s * s) / (1 + n);
    return -0.5 * quad - 0.5 * Math.log(1 + n) - (n / 2) * Math.log(2 * Math.PI);
  };
  const [p0, p1] = normalise([Math.log(0.7) + logMarginal(-1), Math.log(0.3) + logMarginal(2)]);
  const sum = mixY.reduce((a, b) => a + b, 0);
  const post = (m: number) => (m + sum) / (1 + n);
  return { pz1: p1, mu0: p0 * post(-1) + p1 * -1, mu1: p1 * post(2) + p0 * 2 };
}

// c ~ Categorical([0.2, 0.5, 0.3]) latent, observed through y ~ Normal(centre[c], 1).
const catP = [0.2, 0.5, 0.3];
const centres = [-1, 0, 1.5];
const catY = [0.2];
const categorical = model("categorical_latent", () => {
  const c = Categorical("c", catP);
  const centre = pt.switch(pt.eq(c, 0), centres[0], pt.switch(pt.eq(c, 1), centres[1], centres[2]));
  Normal("y", centre, 1, { observed: catY });
});
const catExact = normalise(catP.map((p, c) => Math.log(p) + catY.reduce((s, y) => s + normLogpdf(y, centres[c], 1), 0)));

const opts = { draws: 2000, tune: 500, chains: 4, cores: 1 };

describe("compound steps: discrete posteriors against exact enumeration", () => {
  it("a Poisson latent gets Metropolis: P(k) within 4 MCSE of the enumerated posterior", () => {
    const trace = poissonLatent.sample({ ...opts, seed: 1 });
    expect(trace.attrs.step_methods).to.deep.equal(["Metropolis: [k]"]);
    for (let k = 1; k <= 4; k++) frequencyMatches(trace, "k", k, poissonExact[k]);
    // PyMC's Metropolis statistics; its scale tuned during warmup, kept after.
    expect(Object.keys(trace.sampleStats).sort()).to.deep.equal(["accept", "accepted", "lp", "scaling"]);
    const scaling = trace.sampleStats.scaling.data;
    for (let c = 0; c < 4; c++) expect(new Set(scaling.subarray(c * 2000, (c + 1) * 2000)).size, `chain ${c}: one scale after warmup`).to.equal(1);
    const accepted = Array.from(trace.sampleStats.accepted.data);
    expect(accepted.every((a) => a === 0 || a === 1)).to.equal(true);
    // lp is the joint log density at each kept draw.
    const k0 = trace.posterior.k.data[0];
    expect(trace.sampleStats.lp.data[0]).to.be.closeTo(poissonLatent.logp({ k: k0 }), 1e-9);
  });

  it("a Bernoulli indicator gets BinaryGibbsMetropolis beside NUTS: P(z = 1) and both means exact", () => {
    const trace = mixture.sample({ ...opts, seed: 2 });
    expect(trace.attrs.step_methods).to.deep.equal(["NUTS: [mu0, mu1]", "BinaryGibbsMetropolis: [z]"]);
    const exact = mixtureExact();
    frequencyMatches(trace, "z", 1, exact.pz1);
    meanMatches(trace, "mu0", exact.mu0);
    meanMatches(trace, "mu1", exact.mu1);
    // NUTS's statistics as in a plain NUTS trace; BinaryGibbsMetropolis records none (PyMC's only one is `tune`).
    expect(Object.keys(trace.sampleStats).sort()).to.deep.equal(["acceptance_rate", "diverging", "energy", "lp", "n_steps", "step_size", "tree_depth"]);
    expect(trace.divergences).to.equal(0);
    expect(trace.tuning[0].invMetric.length).to.equal(2);
    // lp is the joint log density at the draw, whichever step moved last.
    for (const d of [0, 777, 7999]) {
      const [mu0, mu1, z] = ["mu0", "mu1", "z"].map((n) => trace.posterior[n].data[d]);
      expect(trace.sampleStats.lp.data[d]).to.be.closeTo(mixture.logp({ mu0, mu1, z }), 1e-9);
    }
  });

  it("a Categorical gets CategoricalGibbsMetropolis (uniform proposals): P(c) exact for each category", () => {
    // The step kind and K are in the model's metadata, the same in process and ahead of time (emitModel).
    expect(categorical.valueVars[0]).to.include({ discrete: true, step: "categorical", categories: 3 });
    expect(emitModel(Model.build("ahead", () => Categorical("c", catP))).meta.valueVars[0]).to.include({ step: "categorical", categories: 3 });
    const trace = categorical.sample({ ...opts, seed: 3 });
    expect(trace.attrs.step_methods).to.deep.equal(["CategoricalGibbsMetropolis: [c]"]);
    // Two categories are binary, as PyMC's competences decide.
    const two = model("two_categories", () => Categorical("b", [0.4, 0.6], { shape: [2] }));
    expect(two.sample({ draws: 5, tune: 0, chains: 1, seed: 1 }).attrs.step_methods).to.deep.equal(["BinaryGibbsMetropolis: [b]"]);
    for (let c = 0; c < 3; c++) frequencyMatches(trace, "c", c, catExact[c]);
  });

  it("CategoricalGibbsMetropolis with proportional proposals (Liu's Metropolized Gibbs): P(c) exact", () => {
    const trace = categorical.sample({ ...opts, seed: 4, step: CategoricalGibbsMetropolis({ vars: ["c"], proposal: "proportional" }) });
    for (let c = 0; c < 3; c++) frequencyMatches(trace, "c", c, catExact[c]);
  });

  it("a bounded support (Binomial latent) is kept by rejecting proposals outside it", () => {
    const n = 6;
    const y = [4.6, 5.3];
    const m = model("binomial_latent", () => {
      const k = Binomial("k", n, 0.4);
      Normal("y", k, 1, { observed: y });
    });
    const choose = (k: number) => logFactorial(n) - logFactorial(k) - logFactorial(n - k);
    const exact = normalise(
      Array.from({ length: n + 1 }, (_, k) => choose(k) + k * Math.log(0.4) + (n - k) * Math.log(0.6) + y.reduce((s, v) => s + normLogpdf(v, k, 1), 0)),
    );
    const trace = m.sample({ ...opts, seed: 5 });
    const draws = Array.from(trace.posterior.k.data);
    expect(Math.min(...draws)).to.be.at.least(0);
    expect(Math.max(...draws)).to.be.at.most(n);
    for (const k of [4, 5, 6]) frequencyMatches(trace, "k", k, exact[k]);
  });
});

describe("compound steps: traces", () => {
  it("are identical for cores 1 and 2, and from sampleAsync", async function () {
    this.timeout(120_000);
    const o = { draws: 200, tune: 200, chains: 3, seed: 7 };
    const seq = mixture.sample({ ...o, cores: 1 });
    const par = mixture.sample({ ...o, cores: 2 });
    const async = await mixture.sampleAsync({ ...o, cores: 2 });
    for (const other of [par, async]) {
      for (const name of Object.keys(seq.posterior)) expect(Array.from(other.posterior[name].data), name).to.deep.equal(Array.from(seq.posterior[name].data));
      expect(Object.keys(other.sampleStats)).to.deep.equal(Object.keys(seq.sampleStats));
      for (const name of Object.keys(seq.sampleStats))
        expect(Array.from(other.sampleStats[name].data), name).to.deep.equal(Array.from(seq.sampleStats[name].data));
    }
  });

  it("hold integer draws of discrete RVs: in the posterior, the warmup, toJSON and toZarr (int64)", () => {
    const trace = categorical.sample({ draws: 100, tune: 50, chains: 2, cores: 1, seed: 8, keepWarmup: true });
    for (const g of [trace.posterior, trace.warmup!.posterior]) expect(Array.from(g.c.data).every(Number.isInteger)).to.equal(true);
    const json = JSON.parse(JSON.stringify(trace));
    expect(json.posterior.c.flat().every(Number.isInteger)).to.equal(true);
    let text = "";
    trace.writeJSON((chunk) => (text += chunk));
    expect(JSON.parse(text).posterior.c).to.deep.equal(json.posterior.c);
    const store = toZarr(trace);
    const meta = JSON.parse(new TextDecoder().decode(store.get("posterior/c/.zarray")));
    expect(meta.dtype).to.equal("<i8");
    const bytes = store.get("posterior/c/0.0")!;
    const ints = Array.from(new BigInt64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), Number);
    expect(ints).to.deep.equal(Array.from(trace.posterior.c.data));
    expect(JSON.parse(new TextDecoder().decode(store.get("warmup_posterior/c/.zarray"))).dtype).to.equal("<i8");
    expect(trace.integers).to.deep.equal(["c"]);
  });

  it("start a discrete RV at its initval, and refuse a non-integer one", () => {
    const trace = poissonLatent.sample({ draws: 1, tune: 0, chains: 1, cores: 1, seed: 9, initvals: { k: 17 }, keepWarmup: true });
    // One Metropolis step from 17: the draw is 17 plus a rounded N(0, 1) proposal or 17 itself.
    expect(Math.abs(trace.posterior.k.data[0] - 17)).to.be.at.most(4);
    expect(() => poissonLatent.sample({ draws: 10, tune: 0, chains: 1, initvals: { k: 2.5 } })).to.throw(
      /discrete free RV 'k' starts at 2.5; give it an integer initval/,
    );
  });
});

describe("compound steps: chosen by hand", () => {
  it("Metropolis on a continuous and a discrete RV together, NUTS given nothing: the posterior is still exact", () => {
    const m = model("poisson_mean", () => {
      const mu = Normal("mu", 0, 1);
      const k = Poisson("k", 3);
      Normal("y", pt.add(k, mu), 1, { observed: poissonY });
    });
    const trace = m.sample({ ...opts, seed: 10, step: [Metropolis({ vars: ["mu", "k"] })] });
    expect(trace.attrs.step_methods).to.deep.equal(["Metropolis: [mu, k]"]);
    // mu is not rounded: continuous draws; k stays integral.
    expect(Array.from(trace.posterior.mu.data).some((v) => !Number.isInteger(v))).to.equal(true);
    expect(Array.from(trace.posterior.k.data).every(Number.isInteger)).to.equal(true);
    // Exact: given k, y ~ MVN(k 1, I + 11ᵀ) with mu ~ Normal(0, 1) integrated out.
    const n = poissonY.length;
    const logMarginal = (k: number) => {
      const r = poissonY.map((y) => y - k);
      const s = r.reduce((a, b) => a + b, 0);
      return -0.5 * (r.reduce((a, b) => a + b * b, 0) - (s * s) / (1 + n)) - 0.5 * Math.log(1 + n);
    };
    const exact = normalise(Array.from({ length: 40 }, (_, k) => k * Math.log(3) - logFactorial(k) + logMarginal(k)));
    for (const k of [1, 2, 3]) frequencyMatches(trace, "k", k, exact[k]);
  });

  it("a statistic of two steps is stacked as [chains, draws, 2] (PyMC's layout); NUTS by hand with Gibbs for the rest", () => {
    const m = model("two_metropolis", () => {
      const k = Poisson("k", 3);
      const j = Poisson("j", 2);
      Normal("y", pt.add(k, j), 1, { observed: [4.2] });
    });
    const trace = m.sample({
      draws: 50,
      tune: 20,
      chains: 2,
      cores: 1,
      seed: 11,
      step: [Metropolis({ vars: ["k"] }), Metropolis({ vars: ["j"], scaling: 2 })],
    });
    expect(trace.attrs.step_methods).to.deep.equal(["Metropolis: [k]", "Metropolis: [j]"]);
    expect(trace.sampleStats.accept.shape).to.deep.equal([2, 50, 2]);
    expect(trace.sampleStats.lp.shape).to.deep.equal([2, 50]);
    expect(JSON.parse(JSON.stringify(trace)).dims.accept).to.deep.equal(["accept_dim_0"]);
    const hand = mixture.sample({
      draws: 50,
      tune: 20,
      chains: 1,
      cores: 1,
      seed: 12,
      step: [NUTS({ vars: ["mu1", "mu0"] }), BinaryGibbsMetropolis({ vars: ["z"], transitP: 0.5 })],
    });
    expect(hand.attrs.step_methods).to.deep.equal(["NUTS: [mu0, mu1]", "BinaryGibbsMetropolis: [z]"]);
    // A Bernoulli goes to CategoricalGibbsMetropolis too (K = 2), as in PyMC.
    const cat = mixture.sample({ draws: 50, tune: 20, chains: 1, cores: 1, seed: 13, step: CategoricalGibbsMetropolis({ vars: ["z"] }) });
    expect(cat.attrs.step_methods).to.deep.equal(["CategoricalGibbsMetropolis: [z]", "NUTS: [mu0, mu1]"]);
  });

  it("PyMC's tuning of the Metropolis scale: its table, every tuneInterval warmup iterations, then fixed", () => {
    expect([0.0005, 0.01, 0.1, 0.3, 0.6, 0.8, 0.99].map(tuneFactor)).to.deep.equal([0.1, 0.5, 0.9, 1, 1.1, 2, 10]);
    const o = { draws: 100, tune: 300, chains: 1, cores: 1, seed: 14, keepWarmup: true };
    // A scale of 50 is almost never accepted: each interval's rate is below 0.05, so the scale shrinks.
    const tuned = poissonLatent.sample({ ...o, step: Metropolis({ vars: ["k"], scaling: 50, tuneInterval: 50 }) });
    const warm = Array.from(tuned.warmup!.sampleStats.scaling.data);
    expect(warm.slice(0, 50).every((v) => v === 50)).to.equal(true);
    expect(warm[50]).to.be.lessThan(50);
    expect(new Set(tuned.sampleStats.scaling.data).size).to.equal(1);
    expect(tuned.sampleStats.scaling.data[0]).to.be.lessThan(warm[50]);
    const fixed = poissonLatent.sample({ ...o, step: Metropolis({ vars: ["k"], scaling: 50, tune: false }) });
    expect(new Set([...fixed.warmup!.sampleStats.scaling.data, ...fixed.sampleStats.scaling.data])).to.deep.equal(new Set([50]));
  });
});

describe("compound steps: errors name the RV", () => {
  const run = (step: unknown) => () => mixture.sample({ draws: 10, tune: 0, chains: 1, step: step as never });
  it("an unknown name, a continuous RV to a Gibbs step, a discrete one to NUTS, one RV in two steps", () => {
    expect(run([Metropolis({ vars: ["nu"] })])).to.throw(/Metropolis step: 'nu' is not a free RV of the model \(free RVs: 'mu0', 'mu1', 'z'\)/);
    expect(run([BinaryGibbsMetropolis({ vars: ["mu0"] })])).to.throw(/BinaryGibbsMetropolis samples Bernoulli RVs .*'mu0' is continuous/);
    expect(run([CategoricalGibbsMetropolis({ vars: ["mu1"] })])).to.throw(
      /CategoricalGibbsMetropolis samples Categorical and Bernoulli RVs; 'mu1' is continuous/,
    );
    expect(run([NUTS({ vars: ["mu0", "z"] })])).to.throw(/NUTS cannot sample the discrete free RV 'z'/);
    expect(run([Metropolis({ vars: ["z"] }), BinaryGibbsMetropolis({ vars: ["z"] })])).to.throw(
      /'z' is given to two steps \(Metropolis and BinaryGibbsMetropolis\)/,
    );
    expect(() => poissonLatent.sample({ step: BinaryGibbsMetropolis({ vars: ["k"] }) })).to.throw(/'k' is discrete but not binary/);
  });

  it("something that is no step method, and bad step options", () => {
    expect(run([NUTS])).to.throw(/step\[0\] must be a step method made by NUTS\(\), Metropolis\(\).*got the function NUTS/);
    expect(run("NUTS")).to.throw(/sample: step must be a step method/);
    expect(() => Metropolis({ tuneinterval: 50 } as never)).to.throw(/Metropolis: unknown option 'tuneinterval' \(did you mean 'tuneInterval'\?\)/);
    expect(() => Metropolis({ tuneInterval: 0 })).to.throw(/tuneInterval must be a positive integer/);
    expect(() => BinaryGibbsMetropolis({ vars: [] })).to.throw(/vars must be a non-empty array/);
    expect(() => BinaryGibbsMetropolis({ vars: ["z"], transitP: 1.5 })).to.throw(/transitP must be in \(0, 1\]/);
    expect(() => CategoricalGibbsMetropolis({ vars: ["c"], proposal: "gibbs" as never })).to.throw(/proposal must be "uniform" or "proportional"/);
  });

  it("ADVI and findMAP still refuse discrete free RVs", () => {
    expect(() => poissonLatent.fit({ n: 10 })).to.throw(/'k'/);
  });
});

describe("compound steps: tsmc sample", () => {
  it("samples a model with a discrete latent, names its steps and writes integer draws", async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), "tsmc-compound-"));
    try {
      const io = { out: "", err: "" };
      const sampleIO: SampleIO = {
        stdout: { write: (s: string) => ((io.out += s), true) },
        stderr: { write: (s: string) => ((io.err += s), true), isTTY: false },
      };
      const program = new Command("tsmc").exitOverride();
      registerSample(program, sampleIO);
      const out = join(dir, "trace.json");
      const file = new URL("./compound-models.ts", import.meta.url).pathname;
      await program.parseAsync([
        "node",
        "tsmc",
        "sample",
        file,
        "--draws",
        "100",
        "--tune",
        "100",
        "--chains",
        "2",
        "--cores",
        "1",
        "--seed",
        "3",
        "--out",
        out,
      ]);
      expect(io.err).to.contain("Sampling model 'bernoulli_indicator': CompoundStep (NUTS: [mu0, mu1]; BinaryGibbsMetropolis: [z]), 2 chains in 1 job");
      expect(io.out.split("\n").map((l) => l.split(/\s+/)[0])).to.include.members(["mu0", "mu1", "z"]);
      const json = JSON.parse(readFileSync(out, "utf8"));
      expect(json.posterior.z.flat().every((v: number) => v === 0 || v === 1)).to.equal(true);
      expect(json.attrs.step_methods).to.deep.equal(["NUTS: [mu0, mu1]", "BinaryGibbsMetropolis: [z]"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
