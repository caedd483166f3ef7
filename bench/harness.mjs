// Times log-density implementations of the benchmark models side by side, in one process.
//
//   node bench/harness.mjs [--impl A.mjs --impl B.mjs …] [--models seed,linreg,…]
//                          [--N 100,1000,…] [--ms 300] [--json out.json]
//
// The reference is bench/handwritten.mjs (always first). An implementation module exports, per
// model id of MODELS.md, a factory `id(data) → { size, logp(x), logpGrad(x, grad), tolerance? }`;
// a model it does not export is skipped for it. Data come from bench/data/ (generated when
// missing); linreg_N's from linregData(N). The loop models' scaling rows, ar1_N and hmm_N, take
// the same --N list (ar1Data(N), hmmData(N)): `--models ar1_N,hmm_N --N 1000,8000`.
//
// Before timing, every implementation must agree with the reference at the fixed point (every
// value variable 0.1): logp to 1e-9 relative, the gradient to 1e-7 (or its own `tolerance` for
// both); otherwise its row says INVALID and no time is reported.
//
// Timing: calls run in batches of about 10 ms; the implementations take turns batch by batch
// (round-robin), so that a slow patch of a shared machine hits all of them alike; about --ms of
// rounds per model and function. Reported: the median ns per call, and the median over rounds of
// (implementation's batch time / reference's batch time in the same round): below 1 is faster
// than hand-written.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ar1Data, hmmData, linregData, loadData } from "./gen-data.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const implUrls = [new URL("handwritten.mjs", import.meta.url).href];
args.forEach((a, i) => {
  if (a === "--impl") implUrls.push(pathToFileURL(resolve(args[i + 1])).href);
});
const ALL = ["seed", "eight_schools", "linreg", "logistic", "radon", "poisson", "grw", "ar1", "hmm", "linreg_N"];
const scaling = { linreg_N: linregData, ar1_N: ar1Data, hmm_N: hmmData };
const models = option("--models", ALL.join(",")).split(",");
const Ns = option("--N", "100,1000,10000,100000,1000000").split(",").map(Number);
const budgetMs = Number(option("--ms", "300"));
const jsonOut = option("--json", null);

const cases = [];
for (const id of models) {
  if (scaling[id]) for (const N of Ns) cases.push({ id, label: `${id}=${N}`, data: () => scaling[id](N) });
  else cases.push({ id, label: id, data: () => loadData(id) });
}

const impls = [];
for (const url of implUrls) impls.push({ name: url.split("/").pop(), mod: await import(url) });

let sink = 0; // every result is added here, so that no call can be optimised away
const median = (a) => {
  const s = [...a].sort((p, q) => p - q),
    n = s.length;
  return n ? (n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : NaN;
};
const rel = (a, b) => Math.abs(a - b) / Math.max(1, Math.abs(b));

/** ns per call of fn(x, g) over `reps` calls in a row. */
function timeBatch(fn, x, g, reps) {
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) sink += fn(x, g);
  return Number(process.hrtime.bigint() - t0) / reps;
}

/** Why b disagrees with the reference at x, or null if it agrees. */
function disagreement(b, ref, x, lpRef, gRef) {
  if (b.size !== ref.size) return `size ${b.size} != ${ref.size}`;
  const g = new Float64Array(ref.size),
    lp = b.logpGrad(x, g),
    lp2 = b.logp(x);
  const lpTol = b.tolerance ?? 1e-9,
    gTol = b.tolerance ?? 1e-7;
  if (rel(lp, lpRef) > lpTol || rel(lp2, lpRef) > lpTol) return `logp ${lp} / ${lp2}, reference ${lpRef}`;
  for (let i = 0; i < ref.size; i++) if (rel(g[i], gRef[i]) > gTol) return `grad[${i}] ${g[i]}, reference ${gRef[i]}`;
  return null;
}

const rows = [];
for (const c of cases) {
  const data = c.data();
  const built = [];
  for (const { name, mod } of impls) {
    if (typeof mod[c.id] !== "function") {
      if (built.length) console.log(`  ${c.label}: ${name} has no '${c.id}', skipped`);
      continue;
    }
    built.push({ name, m: mod[c.id](data) });
  }
  if (!built.length || built[0].name !== "handwritten.mjs") continue;
  const ref = built[0].m,
    x = new Float64Array(ref.size).fill(0.1),
    gRef = new Float64Array(ref.size);
  const lpRef = ref.logpGrad(x, gRef);
  for (const b of built) b.why = disagreement(b.m, ref, x, lpRef, gRef);
  const live = built.filter((b) => !b.why);

  for (const fname of ["logpGrad", "logp"]) {
    const g = new Float64Array(ref.size);
    for (const b of live) {
      b.fn = b.m[fname].bind(b.m);
      timeBatch(b.fn, x, g, 50); // warm-up
      let reps = 1,
        t = 0; // double until a batch takes 2 ms,
      while ((t = timeBatch(b.fn, x, g, reps) * reps) < 2e6 && reps < 1e8) reps *= 2;
      b.reps = Math.max(1, Math.round(reps * (1e7 / Math.max(t, 1)))); // then scale to 10 ms
      b.times = [];
    }
    const rounds = Math.max(3, Math.round(budgetMs / 10));
    for (let r = 0; r < rounds; r++) for (const b of live) b.times.push(timeBatch(b.fn, x, g, b.reps));
    for (const b of live) {
      const ratios = b.times.map((t, r) => t / live[0].times[r]);
      rows.push({ model: c.label, impl: b.name, fn: fname, ns: median(b.times), ratio: median(ratios), logp: lpRef });
    }
    for (const b of built.filter((q) => q.why)) rows.push({ model: c.label, impl: b.name, fn: fname, invalid: b.why });
  }
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad("model", 18)}${pad("implementation", 22)}${pad("function", 10)}${pad("ns/call", 14)}ratio vs hand-written`);
for (const r of rows) {
  const head = `${pad(r.model, 18)}${pad(r.impl, 22)}${pad(r.fn, 10)}`;
  console.log(r.invalid ? `${head}INVALID: ${r.invalid}` : `${head}${pad(r.ns.toFixed(1), 14)}${r.ratio.toFixed(3)}`);
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ node: process.version, date: new Date().toISOString(), rows }, null, 1));
if (sink === 42) console.log(""); // reads sink, so the timed results stay live
