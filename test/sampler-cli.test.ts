// `tsmc sample`: the command registered on a commander program, run in process with captured output.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { registerSample, loadModels, chooseModel, type SampleIO, writeJSONAtomically } from "../compiler/cli-sample.js";
import { PoolError, PostPool, summaryOffThread } from "../compiler/cli-post.js";
import { NDArray, summary, Trace } from "../runtime/index.js";
import { captureIO } from "./helpers/cli-io.js";

const modelsFile = new URL("./sampler-models.ts", import.meta.url).pathname;
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;

async function run(args: string[], io: SampleIO): Promise<void> {
  const program = new Command("tsmc").exitOverride();
  registerSample(program, io);
  await program.parseAsync(["node", "tsmc", "sample", ...args]);
}

describe("tsmc sample", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsmc-sample-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the exported compiled models and picks one by model or export name", async () => {
    const models = await loadModels(modelsFile);
    expect(models.map((m) => m.exportName)).to.deep.equal(["eightSchools", "normalMeanScale"]);
    expect(chooseModel("f", models, "eight_schools").exportName).to.equal("eightSchools");
    expect(chooseModel("f", models, "normalMeanScale").model.name).to.equal("normal_mean_scale");
    expect(() => chooseModel("f", models)).to.throw(
      "several models ('eight_schools' (export eightSchools), 'normal_mean_scale' (export normalMeanScale)); choose one with --model <name>",
    );
    expect(() => chooseModel("f", models, "nope")).to.throw("no model named 'nope'");
  });

  it("prints plain progress lines, the summary table and writes ArviZ JSON", async () => {
    const io = captureIO(false);
    const out = join(dir, "trace.json");
    await run([modelsFile, "--model", "eight_schools", "--draws", "200", "--tune", "200", "--chains", "2", "--cores", "1", "--seed", "7", "--out", out], io);
    const lines = io.out.trimEnd().split("\n");
    expect(lines[0]).to.match(/^\s+mean\s+sd\s+hdi_3%\s+hdi_97%\s+mcse_mean\s+mcse_sd\s+ess_bulk\s+ess_tail\s+r_hat$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).to.deep.equal([
      "mu",
      "tau",
      ...Array.from({ length: 8 }, (_, i) => `theta_t[${i}]`),
      ...Array.from({ length: 8 }, (_, i) => `theta[${i}]`),
    ]);
    expect(io.err).to.contain("Sampling model 'eight_schools': NUTS, 2 chains in 1 job");
    expect(io.err).to.contain("chain 0: 100/400  25%");
    expect(io.err).to.contain("chain 1: 400/400 100%");
    expect(io.err).to.match(/Sampling 2 chains for 200 tune and 200 draw iterations \(400 \+ 400 draws total\) took [0-9.]+ seconds\./);
    expect(io.err).not.to.contain("\x1b[");
    const json = JSON.parse(readFileSync(out, "utf8"));
    expect(json.posterior.theta).to.have.length(2);
    expect(json.posterior.theta[0]).to.have.length(200);
    expect(json.attrs.seed).to.equal("7");
  });

  it("draws a bar per chain on a terminal and warns about divergences and R-hat", async () => {
    const io = captureIO(true);
    // A tiny warmup with a high step size target provokes divergences and unconverged chains.
    await run(
      [modelsFile, "--model", "eight_schools", "--draws", "30", "--tune", "0", "--chains", "2", "--cores", "1", "--seed", "1", "--target-accept", "0.5"],
      io,
    );
    expect(io.err).to.contain("Chain 0  ━");
    expect(io.err).to.contain("\x1b[2A");
    expect(io.err).to.match(/There (were \d+ divergences|was 1 divergence) after tuning\. Increase `target_accept` or reparameterize\./);
    expect(io.err).to.contain("The rhat statistic is larger than 1.01 for some parameters.");
  });

  it("a source file with model() declarations goes through the build pass; workers get the generated body", async () => {
    const seq = captureIO(false);
    const par = captureIO(false);
    const args = [fixture("eight_schools.ts"), "--draws", "100", "--tune", "100", "--chains", "2", "--seed", "5", "--no-progress"];
    await run([...args, "--cores", "1"], seq);
    const out = join(dir, "schools.json");
    await run([...args, "--cores", "2", "--out", out], par);
    const json = JSON.parse(readFileSync(out, "utf8"));
    expect(json.observed_data.obs).to.deep.equal([28, 8, -3, 7, -1, 1, 18, 12]);
    expect(json.dims.obs).to.deep.equal(["obs_dim_0"]);
    expect(seq.out).to.contain("theta_t[7]");
    expect(par.out).to.equal(seq.out);
    expect(par.err).to.contain("2 chains in 2 jobs");
  });

  it("--data binds data() inputs (inline JSON or @file)", async () => {
    const io = captureIO(false);
    const file = join(dir, "x.json");
    writeFileSync(file, JSON.stringify({ x: [0.1, -0.4, 0.3, 1.2, 0.5] }));
    await run([fixture("data-model.ts"), "--data", `@${file}`, "--draws", "100", "--tune", "100", "--chains", "1", "--seed", "1", "--no-progress"], io);
    expect(io.out.split("\n").map((l) => l.split(/\s+/)[0])).to.include.members(["slope", "intercept", "noise"]);
    const missing = captureIO(false);
    let error: unknown;
    try {
      await run([fixture("data-model.ts"), "--draws", "10", "--tune", "0", "--chains", "1", "--no-progress"], missing);
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.contain("data 'x' has no value");
  });

  it("the same seed prints the same table", async () => {
    const a = captureIO(false);
    const b = captureIO(false);
    const args = [
      modelsFile,
      "--model",
      "normal_mean_scale",
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
      "--no-progress",
    ];
    await run(args, a);
    await run(args, b);
    expect(a.out).to.equal(b.out);
    expect(a.err).not.to.contain("chain 0:");
    // With --out the table is computed on a worker thread while the trace is written: the same table.
    const c = captureIO(false);
    const out = join(dir, "same-table.json");
    await run([...args, "--out", out], c);
    expect(c.out).to.equal(a.out);
    expect(c.err).to.contain(`Trace written to ${out}`);
    expect(Object.keys(JSON.parse(readFileSync(out, "utf8")).posterior)).to.deep.equal(["mu", "sigma"]);
  });

  it("--log-likelihood writes ArviZ's log_likelihood group", async () => {
    const out = join(dir, "loglik.json");
    await run(
      [modelsFile, "--model", "eight_schools", "--draws", "20", "--tune", "20", "--chains", "1", "--seed", "2", "--log-likelihood", "--out", out],
      captureIO(false),
    );
    const json = JSON.parse(readFileSync(out, "utf8"));
    expect(json.log_likelihood.y).to.have.length(1);
    expect(json.log_likelihood.y[0]).to.have.length(20);
    expect(json.log_likelihood.y[0][0]).to.have.length(8);
  });

  it("--report writes one self-contained HTML page with the table and the plots; a folder is refused before sampling", async () => {
    const page = join(dir, "report.html");
    const io = captureIO(false);
    await run(
      [modelsFile, "--model", "eight_schools", "--draws", "100", "--tune", "100", "--chains", "2", "--cores", "1", "--seed", "3", "--report", page],
      io,
    );
    expect(io.err).to.contain(`Report written to ${page}`);
    const html = readFileSync(page, "utf8");
    expect(html).to.match(/^<!DOCTYPE html>/i);
    expect(html).to.contain("<table");
    expect((html.match(/<svg/g) ?? []).length).to.be.at.least(5);
    expect(html).not.to.match(/(src|href)="https?:/);
    const folder = captureIO(false);
    let error: Error | undefined;
    try {
      await run([modelsFile, "--model", "eight_schools", "--draws", "10", "--report", dir], folder);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.equal(`--report ${dir}: is a folder`);
    expect(folder.err).not.to.contain("Sampling model");
  });

  it("summaryOffThread gives summary()'s rows, shared among threads, and falls back to this thread when no worker can do it", async () => {
    const trace = {
      posterior: {
        x: new NDArray(
          [2, 50],
          Float64Array.from({ length: 100 }, (_, i) => Math.sin(i * 1.7)),
        ),
        v: new NDArray(
          [2, 50, 3],
          Float64Array.from({ length: 300 }, (_, i) => Math.cos(i * 0.3) + (i % 7)),
        ),
        // nine elements: gathered in blocks of four, four and one, shared among parts
        w: new NDArray(
          [2, 50, 9],
          Float64Array.from({ length: 900 }, (_, i) => Math.sin(i * 0.11) * (1 + (i % 9))),
        ),
      },
      dims: { v: ["abc"] },
      coords: { abc: ["a", "b", "c"] },
    };
    const here = summary(trace);
    expect(here.rows.map((r) => r.name)).to.deep.equal(["x", "v[a]", "v[b]", "v[c]", ...Array.from({ length: 9 }, (_, k) => `w[${k}]`)]);
    // each element's row is that of the element alone (no gather: a [2, 50] array of its own)
    for (let k = 0; k < 9; k++) {
      const alone = new NDArray(
        [2, 50],
        Float64Array.from({ length: 100 }, (_, i) => trace.posterior.w.data[i * 9 + k]),
      );
      expect({ ...summary({ posterior: { w: alone } }).rows[0], name: `w[${k}]` }).to.deep.equal(here.rows[4 + k]);
    }
    for (const threads of [1, 2, 3]) expect((await summaryOffThread(trace, threads)()).rows, `${threads} threads`).to.deep.equal(here.rows);
    // a posterior no worker can be given (a Proxy does not clone): the same rows, made here
    const odd = { x: new NDArray(new Proxy([2, 50], {}), trace.posterior.x.data) };
    expect((await summaryOffThread({ ...trace, posterior: { ...odd, v: trace.posterior.v, w: trace.posterior.w } })()).rows).to.deep.equal(here.rows);
  });

  it("the worker pool writes writeJSON's text to the byte, in blocks of draws, and gives summary()'s rows", async () => {
    const wave = (n: number, f: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * f) * 10 ** (i % 5));
    const m = wave(3 * 7 * 2 * 2, 0.7);
    m[5] = NaN;
    m[9] = -Infinity;
    const trace = new Trace({
      posterior: { mu: new NDArray([3, 7], wave(21, 1.3)), m: new NDArray([3, 7, 2, 2], m), empty: new NDArray([3, 7, 0], new Float64Array(0)) },
      sampleStats: {
        diverging: new NDArray(
          [3, 7],
          Float64Array.from({ length: 21 }, (_, i) => (i % 3 === 0 ? 1 : 0)),
        ),
        lp: new NDArray([3, 7], wave(21, 0.2)),
      },
      observedData: { y: new NDArray([2], Float64Array.of(1.5, 2)), z: 3 },
      dims: { m: ["a", "b"] },
      coords: { a: ["x", "y"] },
    });
    let expected = "";
    trace.writeJSON((s) => (expected += s));
    expect(JSON.parse(expected).sample_stats.diverging[0][0]).to.equal(true);
    for (const block of [1, 3, 5, 1000]) {
      const pool = PostPool.start(trace, { threads: 2, json: true, block });
      try {
        let text = "";
        await pool.writeJSON((s) => (text += typeof s === "string" ? s : Buffer.from(s).toString("latin1")));
        expect(text, `blocks of ${block}`).to.equal(expected);
        expect((await pool.summary()).rows).to.deep.equal(summary(trace).rows);
      } finally {
        pool.close();
      }
    }
  });

  it("a pool whose workers exit mid-way fails its pending work with a PoolError (the command then writes on its own thread)", async () => {
    const trace = new Trace({ posterior: { mu: new NDArray([2, 4], Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8)) }, sampleStats: {} });
    const pool = PostPool.start(trace, { threads: 1, json: true, block: 1 });
    const writing = pool.writeJSON(() => {});
    pool.close();
    let error: unknown;
    try {
      await writing;
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PoolError);
    // what --out does then: the same file, written by this thread
    const dir = mkdtempSync(join(tmpdir(), "tsmc-pool-"));
    try {
      const broken = PostPool.start(trace, { threads: 1, json: true, block: 1 });
      broken.close();
      await writeJSONAtomically(join(dir, "t.json"), trace, broken);
      let expected = "";
      trace.writeJSON((s) => (expected += s));
      expect(readFileSync(join(dir, "t.json"), "utf8")).to.equal(expected);
      const working = PostPool.start(trace, { threads: 2, json: true, block: 3 });
      await writeJSONAtomically(join(dir, "u.json"), trace, working).finally(() => working.close());
      expect(readFileSync(join(dir, "u.json"), "utf8")).to.equal(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
