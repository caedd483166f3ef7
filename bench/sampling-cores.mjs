// Where worker threads start to pay off for `sample()` (NUTS, 4 chains of 1000 tuning + 1000 kept
// draws, the defaults): per benchmark model, a warm logpGrad call, the leapfrog steps per iteration
// (warmup included), the time of a chain in this thread, and four chains with `cores: 1`, with
// `cores: 2` (worker threads) and with the default `cores` (which picks between them from an
// estimate; "workers" says which it took). Medians of --runs runs (default 3), each its own seed.
// Also the start-up cost of the workers: two workers sampling one draw each (spawn, runtime load,
// model rebuild). Run after `npm run build`: node bench/sampling-cores.mjs [--models a,b] [--runs n]
import { availableParallelism } from "node:os";
import { model } from "../dist/compiler/index.js";
import { builders, constants } from "./models.mjs";
import { loadData } from "./gen-data.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const ids = opt("--models", "seed,eight_schools,linreg,logistic,radon,poisson").split(",");
const runs = Number(opt("--runs", "3"));

// Count worker threads started (the default `cores` says nothing else about its choice).
const wt = process.getBuiltinModule("node:worker_threads");
let spawned = 0;
const Native = wt.Worker;
wt.Worker = class extends Native {
  constructor(...a) {
    super(...a);
    spawned++;
  }
};

const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
const ms = (f) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};

/** A warm logpGrad call: the best batch of about a second of calls. */
function gradMicros(m) {
  const x = m.toFlat(m.initialPoint()),
    g = new Float64Array(m.size);
  let best = Infinity;
  const t0 = performance.now();
  for (let n = 1; performance.now() - t0 < 1000; n *= 2) {
    const t = ms(() => {
      for (let i = 0; i < n; i++) m.flat.logpGrad(x, g);
    });
    best = Math.min(best, (1000 * t) / n);
  }
  return best;
}

console.log(`Node ${process.version}, ${availableParallelism()} cores; medians of ${runs} runs, times in ms`);
const startup = [];
for (let r = 0; r < runs; r++) {
  const m = model("seed", builders.seed({}, constants));
  startup.push(
    ms(() => m.sample({ draws: 1, tune: 0, chains: 2, cores: 2, seed: r })) - ms(() => m.sample({ draws: 1, tune: 0, chains: 2, cores: 1, seed: r })),
  );
}
console.log(`worker start-up (spawn, load, rebuild; two workers at once): ${median(startup).toFixed(0)} ms`);
console.log("model            grad µs  steps/it  chain (1 thread)  cores:1  cores:2  default  workers");
for (const id of ids) {
  const m = model(id, builders[id](id === "seed" ? {} : loadData(id), constants));
  const t = { one: [], two: [], dflt: [], steps: [] };
  let usedWorkers = 0;
  for (let r = 0; r < runs; r++) {
    const seed = 1000 + r;
    // Each in a state a user sees on a first call: the model just built, its code not yet optimised.
    const fresh = () => model(id, builders[id](id === "seed" ? {} : loadData(id), constants));
    let trace;
    t.one.push(ms(() => (trace = fresh().sample({ seed, cores: 1, keepWarmup: true }))));
    t.two.push(ms(() => fresh().sample({ seed, cores: 2 })));
    const before = spawned;
    t.dflt.push(ms(() => fresh().sample({ seed })));
    usedWorkers += spawned > before ? 1 : 0;
    const steps = [...trace.sampleStats.n_steps.data, ...trace.warmup.sampleStats.n_steps.data];
    t.steps.push(steps.reduce((a, b) => a + b, 0) / steps.length);
  }
  const row = [
    gradMicros(m).toFixed(2),
    median(t.steps).toFixed(1),
    (median(t.one) / 4).toFixed(0),
    median(t.one).toFixed(0),
    median(t.two).toFixed(0),
    median(t.dflt).toFixed(0),
  ];
  console.log(`${id.padEnd(15)}${row.map((c, i) => c.padStart([8, 10, 18, 9, 9, 9][i])).join("")}  ${usedWorkers}/${runs}`);
}
