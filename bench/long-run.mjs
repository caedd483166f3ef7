// A long run, timed by stage: the README's eight-schools model (with theta as a Deterministic: 18
// scalars) sampled 4 x 300 000 draws (1000 tuning) with the default cores, then what `tsmc sample
// --out` does after sampling: summary(trace) and trace.writeJSON to a file, each alone; then the
// command itself, end to end, with --out trace.json and with --out trace.zarr (it summarizes on
// worker threads while it writes the file).
// Run after `npm run build`: node bench/long-run.mjs [draws per chain]
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const draws = Number(process.argv[2] ?? 300_000);
const dir = mkdtempSync(join(tmpdir(), "tsmc-long-run-"));
const compiler = new URL("../dist/compiler/index.js", import.meta.url).href;
const modelFile = join(dir, "eight-schools.mjs");
writeFileSync(
  modelFile,
  `import { model, Normal, HalfCauchy, Deterministic } from ${JSON.stringify(compiler)};
const y = [28, 8, -3, 7, -1, 1, 18, 12];
const sigma = [15, 10, 16, 11, 9, 11, 10, 18];
export const eightSchools = model("eight_schools", () => {
  const mu = Normal("mu", 0, 5);
  const tau = HalfCauchy("tau", 5);
  const thetaT = Normal("theta_t", 0, 1, { shape: [8] });
  const theta = Deterministic("theta", mu.add(tau.mul(thetaT)));
  Normal("obs", theta, sigma, { observed: y });
});
`,
);
const { eightSchools } = await import(modelFile);
const { summary } = await import(compiler);

const seconds = (t0) => (performance.now() - t0) / 1000;
let t0 = performance.now();
const trace = await eightSchools.sampleAsync({ draws, tune: 1000, chains: 4, seed: 1 });
const sampling = seconds(t0);
t0 = performance.now();
const table = summary(trace);
const summarizing = seconds(t0);
const file = join(dir, "trace.json");
t0 = performance.now();
const fd = openSync(file, "w");
trace.writeJSON((chunk) => writeSync(fd, chunk));
closeSync(fd);
const writing = seconds(t0);
const bytes = statSync(file).size;
rmSync(file);

// The command, writing JSON and then a Zarr store: wall time, and its own sampling time from its report.
const cli = fileURLToPath(new URL("../dist/compiler/cli.js", import.meta.url));
const command = (out, n = draws) => {
  const t = performance.now();
  const run = spawnSync(process.execPath, [cli, "sample", modelFile, "--draws", String(n), "--seed", "1", "--no-progress", "--out", out], {
    encoding: "utf8",
  });
  const wall = seconds(t);
  if (run.status !== 0) throw new Error(run.stderr);
  return { wall, sampling: Number(/took ([\d.]+) seconds/.exec(run.stderr)[1]) };
};
// Start-up, compiling and a tiny run: what the command costs besides sampling and writing.
const tiny = command(join(dir, "tiny.zarr"), 10);
const startup = tiny.wall - tiny.sampling;
const json = command(file);
const zarr = command(join(dir, "trace.zarr"));
rmSync(dir, { recursive: true, force: true });

console.log(`eight schools, 4 chains x ${draws} draws (+1000 tuning), ${table.rows.length} scalars, Node ${process.versions.node}`);
console.log(`sampling (sampleAsync, default cores):     ${sampling.toFixed(1)} s`);
console.log(`summary(trace), one thread:                ${summarizing.toFixed(2)} s`);
console.log(`writeJSON (${(bytes / 1e6).toFixed(0)} MB):                     ${writing.toFixed(2)} s`);
console.log(`tsmc sample, start-up and compile:         ${startup.toFixed(1)} s (a run of 10 draws, less its sampling)`);
for (const [what, r] of [
  ["--out trace.json", json],
  ["--out trace.zarr", zarr],
]) {
  const after = r.wall - r.sampling - startup;
  console.log(`tsmc sample ${what}, wall:          ${r.wall.toFixed(1)} s, of which sampling ${r.sampling.toFixed(1)} s`);
  console.log(`  after sampling:                          ${after.toFixed(1)} s = ${(after / r.sampling).toFixed(2)} of sampling`);
}
