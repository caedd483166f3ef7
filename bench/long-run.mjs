// A long run, timed by stage: the README's eight-schools model (with theta as a Deterministic: 18
// scalars) sampled 4 x 300 000 draws (1000 tuning) with the default cores, then what `tsmc sample
// --out` does after sampling, each part alone: summary(trace) on one thread and on worker threads
// (as the command does it), the Zarr store written, trace.writeJSON to a file, on this thread and
// on worker threads (as the command does it); then the command
// itself, end to end, with --out trace.json and with --out trace.zarr (it summarizes on worker
// threads while it writes the file), with its peak resident memory.
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
const { summaryOffThread, PostPool } = await import(new URL("../dist/compiler/cli-post.js", import.meta.url).href);
const { writeZarrAtomically } = await import(new URL("../dist/compiler/cli-sample.js", import.meta.url).href);

const seconds = (t0) => (performance.now() - t0) / 1000;
/** CPU seconds of this process (every thread) since `c0`. */
const cpuSeconds = (c0) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};
const t0 = performance.now();
const trace = await eightSchools.sampleAsync({ draws, tune: 1000, chains: 4, seed: 1 });
const sampling = seconds(t0);
const stage = async (work) => {
  const c0 = process.cpuUsage();
  const t = performance.now();
  await work();
  return { wall: seconds(t), cpu: cpuSeconds(c0) };
};
let table;
const summarizing = await stage(() => (table = summary(trace)));
const summarizingOffThread = await stage(() => summaryOffThread(trace)());
const writingZarr = await stage(() => writeZarrAtomically(join(dir, "alone.zarr"), trace));
rmSync(join(dir, "alone.zarr"), { recursive: true, force: true });
const file = join(dir, "trace.json");
const writing = await stage(() => {
  const fd = openSync(file, "w");
  trace.writeJSON((chunk) => writeSync(fd, chunk));
  closeSync(fd);
});
const bytes = statSync(file).size;
rmSync(file);
const writingOnPool = await stage(async () => {
  const pool = PostPool.start(trace, { json: true });
  const fd = openSync(file, "w");
  try {
    await pool.writeJSON((chunk) => writeSync(fd, chunk));
  } finally {
    closeSync(fd);
    pool.close();
  }
});
rmSync(file);

// The command, writing JSON and then a Zarr store: wall time, its own sampling time from its
// report, and, measured inside the process by a preloaded module, the wall and CPU time (all
// threads) from that report to exit, and the peak resident memory.
const cli = fileURLToPath(new URL("../dist/compiler/cli.js", import.meta.url));
const probe = `let mark;
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = (chunk, ...rest) => {
  if (!mark && String(chunk).includes(" took ")) mark = { cpu: process.cpuUsage(), t: performance.now() };
  return write(chunk, ...rest);
};
process.on("exit", () => {
  const cpu = process.cpuUsage(mark.cpu);
  write("probe " + JSON.stringify({ rssMB: process.resourceUsage().maxRSS / 1024, afterWall: (performance.now() - mark.t) / 1000, afterCpu: (cpu.user + cpu.system) / 1e6 }) + "\\n");
});`;
const command = (out, n = draws) => {
  const t = performance.now();
  const args = [
    "--import",
    `data:text/javascript,${encodeURIComponent(probe)}`,
    cli,
    "sample",
    modelFile,
    "--draws",
    String(n),
    "--seed",
    "1",
    "--no-progress",
    "--out",
    out,
  ];
  const run = spawnSync(process.execPath, args, { encoding: "utf8" });
  const wall = seconds(t);
  if (run.status !== 0) throw new Error(run.stderr);
  return { wall, sampling: Number(/took ([\d.]+) seconds/.exec(run.stderr)[1]), ...JSON.parse(/probe (.*)/.exec(run.stderr)[1]) };
};
// Start-up, compiling and a tiny run: what the command costs besides sampling and writing.
const tiny = command(join(dir, "tiny.zarr"), 10);
const startup = tiny.wall - tiny.sampling;
const json = command(file);
const zarr = command(join(dir, "trace.zarr"));
rmSync(dir, { recursive: true, force: true });

console.log(`eight schools, 4 chains x ${draws} draws (+1000 tuning), ${table.rows.length} scalars, Node ${process.versions.node}`);
console.log(`sampling (sampleAsync, default cores):     ${sampling.toFixed(1)} s`);
const times = (s) => `${s.wall.toFixed(2)} s (CPU ${s.cpu.toFixed(2)} s)`;
console.log(`after sampling, each part alone, wall (CPU time of all threads):`);
console.log(`  summary(trace), one thread:              ${times(summarizing)}`);
console.log(`  summary on worker threads (as tsmc):     ${times(summarizingOffThread)}`);
console.log(`  Zarr store written:                      ${times(writingZarr)}`);
console.log(`  writeJSON (${(bytes / 1e6).toFixed(0)} MB):                   ${times(writing)}`);
console.log(`  the same JSON on worker threads (as tsmc): ${times(writingOnPool)}`);
console.log(`tsmc sample, start-up and compile:         ${startup.toFixed(1)} s (a run of 10 draws, less its sampling)`);
for (const [what, r] of [
  ["--out trace.json", json],
  ["--out trace.zarr", zarr],
]) {
  console.log(`tsmc sample ${what}: wall ${r.wall.toFixed(1)} s, sampling ${r.sampling.toFixed(1)} s, peak RSS ${r.rssMB.toFixed(0)} MB`);
  console.log(`  after sampling: ${r.afterWall.toFixed(1)} s = ${(r.afterWall / r.sampling).toFixed(2)} of sampling (CPU ${r.afterCpu.toFixed(1)} s)`);
}
