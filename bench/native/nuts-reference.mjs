// The JavaScript half of nuts-overhead.sh (run that: `bash bench/native/nuts-overhead.sh`), which
// compares runtime/sampler/nuts.ts with its C++ transcription nuts.cpp on eight schools and seed.
//
// `node nuts-reference.mjs prepare DIR` writes DIR/<model>.txt for nuts.cpp: the step size and
// inverse metric an adapted chain ends with (1000 + 1000 iterations, sampler-overhead.mjs's
// options) and its last draw as the start, an Alea state, logp at the start, and the draws of K
// transitions that the JavaScript Nuts makes from there with that step size and metric fixed and the
// hand-written densities below, which nuts.cpp repeats operation for operation.
//
// `node nuts-reference.mjs time DIR` then times the JavaScript sampler as nuts.cpp times itself (the
// same K transitions restarted R times, against the compiled model's logpGrad replayed at the points
// the chain called it at; see nuts.cpp) and prints both languages' figures in one table, read from
// DIR/native-results.txt. Run after `npm run build`.
import { readFileSync, writeFileSync } from "node:fs";
import { model } from "../../dist/compiler/index.js";
import { Stream } from "../../dist/runtime/random.js";
import { runChain } from "../../dist/runtime/sampler/chain.js";
import { Nuts } from "../../dist/runtime/sampler/nuts.js";
import { chainOptions, planChains, targetOf } from "../../dist/runtime/sampler/sample.js";
import { loadData } from "../gen-data.mjs";
import { alternate, recording } from "../replay.mjs";
import { seed } from "../handwritten.mjs";
import { builders, constants } from "../models.mjs";

const MODELS = ["eight_schools", "seed"];
/** Transitions per chain, alternating timed runs, and leapfrog steps a timed chain should reach (R restarts). */
const K = 2000;
const RUNS = 7;
const STEPS_PER_RUN = 6e6;
const LOG_2PI_HALF = 0.5 * Math.log(2 * Math.PI);

/**
 * bench/handwritten.mjs's eight schools with log(1 + u²) for log1p(u²): nuts.cpp carries V8's exp
 * and log only, and glibc's log1p differs from V8's in the last bit now and then.
 */
function eightSchoolsTwin({ J, y, sigma }) {
  const Y = Float64Array.from(y);
  const invS = Float64Array.from(sigma, (s) => 1 / s);
  const logS = Float64Array.from(sigma, Math.log);
  const LOG_HALF_CAUCHY = Math.log(2 / Math.PI) - Math.log(5);
  const normal = (v, m, invSd, logSd) => {
    const z = (v - m) * invSd;
    return -0.5 * z * z - logSd - LOG_2PI_HALF;
  };
  return {
    size: 2 + J,
    logpGrad(x, g) {
      const mu = x[0];
      const t = x[1];
      const tau = Math.exp(t);
      const u = tau / 5;
      let lp = normal(mu, 0, 0.2, Math.log(5)) + LOG_HALF_CAUCHY - Math.log(1 + u * u) + t;
      let gMu = -mu / 25;
      let gT = 1 - (2 * u * u) / (1 + u * u);
      for (let j = 0; j < J; j++) {
        const th = x[2 + j];
        const z = (Y[j] - mu - tau * th) * invS[j];
        lp += -0.5 * th * th - LOG_2PI_HALF - 0.5 * z * z - logS[j] - LOG_2PI_HALF;
        const d = z * invS[j];
        gMu += d;
        gT += d * tau * th;
        g[2 + j] = -th + d * tau;
      }
      g[0] = gMu;
      g[1] = gT;
      return lp;
    },
  };
}

/** The model, the fixed step size, metric and start of an adapted chain, and the stream's seeded state. */
function setup(id) {
  const data = loadData(id);
  const m = model(id, builders[id](data, constants));
  const result = runChain(targetOf(m), chainOptions(planChains(m, { chains: 1, draws: 1000, tune: 1000, seed: 2 }), 0));
  const start = result.draws.slice(-m.size);
  const { c, s0, s1, s2 } = new Stream("nuts-native");
  const twin = id === "seed" ? seed() : eightSchoolsTwin(data);
  return { m, twin, stepSize: result.stepSize, invMetric: result.invMetric, start, state: { c, s0, s1, s2 } };
}

/** K transitions from the start with everything fixed; onDraw sees each draw. Returns the leapfrog steps. */
function chain(target, { stepSize, invMetric, start, state }, onDraw) {
  const nuts = new Nuts(target, new Stream(state));
  nuts.stepSize = stepSize;
  nuts.invMetric.set(invMetric);
  nuts.setPosition(start);
  const s = { lp: 0, acceptanceRate: 0, treeDepth: 0, nSteps: 0, diverging: false, energy: 0, stepSize: 0 };
  let steps = 0;
  for (let k = 0; k < K; k++) {
    nuts.transition(s);
    steps += s.nSteps;
    onDraw?.(nuts.position, k);
  }
  return steps;
}

function prepare(dir) {
  for (const id of MODELS) {
    const S = setup(id);
    const n = S.m.size;
    const draws = new Float64Array(K * n);
    const steps = chain(S.twin, S, (q, k) => draws.set(q, k * n));
    const g = new Float64Array(n);
    const line = (key, values) => `${key} ${Array.from(values, String).join(" ")}\n`;
    const text = [
      line("stepSize", [S.stepSize]),
      line("invMetric", S.invMetric),
      line("start", S.start),
      line("stream", [S.state.c, S.state.s0, S.state.s1, S.state.s2]),
      line("logpModel", [S.m.flat.logpGrad(Float64Array.from(S.start), g)]),
      line("logpTwin", [S.twin.logpGrad(Float64Array.from(S.start), g)]),
      line("K", [K]),
      line("repeats", [Math.ceil(STEPS_PER_RUN / steps)]),
      line("runs", [RUNS]),
      line("refSteps", [steps]),
      line("refDraws", draws),
    ];
    writeFileSync(`${dir}/${id}.txt`, text.join(""));
  }
}

/** The JavaScript sampler timed as nuts.cpp times itself, with the compiled model's logpGrad. */
function time(id, repeats) {
  const S = setup(id);
  const n = S.m.size;
  const record = recording({ size: n, logpGrad: S.m.flat.logpGrad });
  const steps = chain(record.target, S);
  const target = targetOf(S.m);
  const runChains = () => {
    for (let r = 0; r < repeats; r++) chain(target, S);
  };
  const { chain: chainMs, grad } = alternate(runChains, S.m.flat.logpGrad, n, record, { runs: RUNS, repeats });
  const calls = record.calls();
  const total = calls * repeats;
  return { steps, samplerUs: ((chainMs - grad) * 1e3) / total, gradUs: (grad * 1e3) / total };
}

function report(dir) {
  const native = new Map(
    readFileSync(`${dir}/native-results.txt`, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" "))
      .map(([id, n, steps, calls, _chainMs, gradMs, samplerUs]) => [
        id,
        { n, steps, calls: Number(calls), gradMs: Number(gradMs), samplerUs: Number(samplerUs) },
      ]),
  );
  const date = new Date().toISOString().slice(0, 10);
  console.log(
    `\n${K} NUTS transitions at a fixed step size and metric, restarted R times a run; minimum over ${RUNS} alternating runs, Node ${process.versions.node}, ${date}`,
  );
  console.log(
    "| model | n | R | C++ leapfrog steps | JS leapfrog steps | C++ sampler µs/step | JS sampler µs/step | JS / C++ | C++ logpGrad µs/call | JS logpGrad µs/call |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const id of MODELS) {
    const c = native.get(id);
    const repeats = Number(readFileSync(`${dir}/${id}.txt`, "utf8").match(/^repeats (\d+)/m)[1]);
    const js = time(id, repeats);
    const cppGrad = (c.gradMs * 1e3) / (c.calls * repeats);
    const cells = [
      id,
      c.n,
      repeats,
      c.steps,
      js.steps,
      c.samplerUs.toFixed(4),
      js.samplerUs.toFixed(4),
      `${(js.samplerUs / c.samplerUs).toFixed(1)}×`,
      cppGrad.toFixed(4),
      js.gradUs.toFixed(4),
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
}

const [mode, dir] = process.argv.slice(2);
if (mode === "prepare") prepare(dir);
else if (mode === "time") report(dir);
else throw new Error("usage: node nuts-reference.mjs prepare|time DIR");
