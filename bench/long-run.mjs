// A long run, timed by stage: the README's eight-schools model (with theta as a Deterministic: 18
// scalars) sampled 4 x 300 000 draws (1000 tuning) with the default cores, then what `tsmc sample
// --out` does after sampling: summary(trace) and trace.writeJSON to a file. Post-processing should
// be a small fraction of sampling.
// Run after `npm run build`: node bench/long-run.mjs [draws per chain]
import { closeSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { model, Normal, HalfCauchy, Deterministic, summary } from "../dist/compiler/index.js";

const draws = Number(process.argv[2] ?? 300_000);
const y = [28, 8, -3, 7, -1, 1, 18, 12];
const sigma = [15, 10, 16, 11, 9, 11, 10, 18];
const eightSchools = model("eight_schools", () => {
  const mu = Normal("mu", 0, 5);
  const tau = HalfCauchy("tau", 5);
  const thetaT = Normal("theta_t", 0, 1, { shape: [8] });
  const theta = Deterministic("theta", mu.add(tau.mul(thetaT)));
  Normal("obs", theta, sigma, { observed: y });
});

const seconds = (t0) => (performance.now() - t0) / 1000;
let t0 = performance.now();
const trace = await eightSchools.sampleAsync({ draws, tune: 1000, chains: 4, seed: 1 });
const sampling = seconds(t0);
t0 = performance.now();
const table = summary(trace);
const summarizing = seconds(t0);
const file = join(tmpdir(), `tsmc-long-run-${process.pid}.json`);
t0 = performance.now();
const fd = openSync(file, "w");
trace.writeJSON((chunk) => writeSync(fd, chunk));
closeSync(fd);
const writing = seconds(t0);
const bytes = statSync(file).size;
rmSync(file);
const post = summarizing + writing;
console.log(`eight schools, 4 chains x ${draws} draws (+1000 tuning), ${table.rows.length} scalars, Node ${process.versions.node}`);
console.log(`sampling (sampleAsync, default cores):   ${sampling.toFixed(1)} s`);
console.log(`summary(trace):                          ${summarizing.toFixed(2)} s`);
console.log(`writeJSON (${(bytes / 1e6).toFixed(0)} MB):                   ${writing.toFixed(2)} s`);
console.log(`post-processing / sampling:              ${(post / sampling).toFixed(2)}`);
console.log(`peak resident memory:                    ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
