// The sampler's own cost per leapfrog step, and effective samples per second against the
// gradient-only bound, for the benchmark models of MODELS.md (data as build-time constants).
//
// Per model: one chain of 1000 tuning + 1000 kept draws (NUTS with its defaults, this thread), the
// chain alone timed (runChain: warmup with its adaptation, the draws, the per-draw statistics; not
// the trace assembly that `sample` adds after it), against the model's logpGrad replayed at the
// very points, in the same order, at which the chain called it (every leapfrog step plus the
// start's and the step-size heuristic's calls), so that whatever its cost depends on (the point,
// the argument array it is handed) is the same in both. Chain and replay are timed in
// alternation after a warm-up, and each figure is the minimum over the runs of the process's CPU
// time (the run least disturbed by other processes). Sampler µs/step = (chain − replay) / calls.
// ESS is the smallest bulk ESS over the unconstrained coordinates of the kept draws; both ESS/s
// figures divide it by the time of the whole chain, tuning included: the chain's, and the
// gradient-only bound's (the replay's).
// Run after `npm run build`: node bench/sampler-overhead.mjs [runs] [model ...] (default: 7 runs,
// every model below).
import { model, essBulk } from "../dist/compiler/index.js";
import { runChain } from "../dist/runtime/sampler/chain.js";
import { chainOptions, planChains, targetOf } from "../dist/runtime/sampler/sample.js";
import { builders, constants } from "./models.mjs";
import { loadData } from "./gen-data.mjs";
import { alternate, recording } from "./replay.mjs";

const ALL = ["seed", "eight_schools", "linreg", "logistic", "poisson", "radon"];
const runs = Number(process.argv[2] ?? 7);
const MODELS = process.argv.length > 3 ? process.argv.slice(3) : ALL;
for (const id of MODELS) if (!ALL.includes(id)) throw new Error(`sampler-overhead: unknown model '${id}' (one of ${ALL.join(", ")})`);
if (!(Number.isInteger(runs) && runs >= 2)) throw new Error(`sampler-overhead: runs must be an integer of at least 2, not '${process.argv[2]}'`);
const BUDGET_MS = 30000;

function measure(id) {
  const m = model(id, builders[id](loadData(id), constants));
  const opts = chainOptions(planChains(m, { chains: 1, draws: 1000, tune: 1000, seed: 2 }), 0);
  // One recorded run: every point the chain evaluates logpGrad at, in order.
  const n = m.size;
  const record = recording({ size: n, logp: m.flat.logp, logpGrad: m.flat.logpGrad });
  const result = runChain(record.target, { ...opts, keepWarmup: true });
  const nSteps = [...result.warmupStats.n_steps, ...result.stats.n_steps].reduce((a, b) => a + b, 0);
  const calls = record.calls();
  // Alternate chain and replay `runs` times, fewer (but at least twice) for the slow models.
  const { chain, grad, runs: done } = alternate(() => runChain(targetOf(m), opts), m.flat.logpGrad, n, record, { runs, budgetMs: BUDGET_MS });
  const coords = Array.from({ length: n }, (_, j) => Float64Array.from({ length: opts.draws }, (_, d) => result.draws[d * n + j]));
  const ess = Math.min(...coords.map((c) => essBulk([c])));
  return { id, n, nSteps, calls, chain, grad, ess, runs: done };
}

const date = new Date().toISOString().slice(0, 10);
console.log(`one chain of 1000 tuning + 1000 draws in this thread, minimum over alternating runs (at most ${runs}), Node ${process.versions.node}, ${date}`);
console.log("| model | size | leapfrog steps | chain ms | sampler µs/step | logpGrad µs/call | ESS | ESS/s | bound ESS/s | bound / ESS/s | runs |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const id of MODELS) {
  const r = measure(id);
  const samplerUs = ((r.chain - r.grad) * 1e3) / r.calls;
  const gradUs = (r.grad * 1e3) / r.calls;
  const essPerS = r.ess / (r.chain / 1e3);
  const boundPerS = r.ess / (r.grad / 1e3);
  const cells = [
    r.id,
    r.n,
    r.nSteps,
    r.chain.toFixed(1),
    // Where the gradient is most of the work the difference drowns in the noise between runs.
    samplerUs > 0 ? samplerUs.toFixed(2) : "—",
    gradUs.toFixed(2),
    r.ess.toFixed(0),
    essPerS.toFixed(0),
    boundPerS.toFixed(0),
    `${(boundPerS / essPerS).toFixed(2)}×`,
    r.runs,
  ];
  console.log(`| ${cells.join(" | ")} |`);
}
