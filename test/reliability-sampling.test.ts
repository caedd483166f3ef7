// Sampling fails loudly and on time: a worker that dies mid-run is an error naming the model (never
// a hang), a worker whose model source is broken is an error in sample and sampleAsync alike,
// options are checked by name and type, an AbortSignal stops a run, `tsmc sample --out` is written
// whole or not at all, and the diagnostics and trace JSON scale to long runs. Runs that could hang a
// blocked thread go to a child process with a timeout.
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { model, Normal, type CompiledModel } from "../compiler/index.js";
import { autocov } from "../runtime/sampler/diagnostics.js";
import { eightSchools, normalMeanScale } from "./sampler-models.js";
import { dying } from "./reliability-models.js";
import { root, scratchDir } from "./helpers/aot.js";
import { rejection, thrown } from "./helpers/thrown.js";

const small = { draws: 200, tune: 200, chains: 2, cores: 2, seed: 1 };

/** Run `code` (an ES module, TypeScript through tsx) in a child process, killed after `ms`. */
function inChild(code: string, ms = 90_000) {
  const file = join(scratchDir("reliability"), "run.mts");
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: root, encoding: "utf8", timeout: ms });
  return { ...r, timedOut: r.error !== undefined || r.signal === "SIGTERM" };
}

describe("a sampling worker that dies", function () {
  for (const [name, expected] of [
    ["dying", /model 'dying': a sampling worker exited with code 9 before its chains were done/],
    ["vanishing", /model 'vanishing': a sampling worker exited \(killed, or out of memory\) before its chains were done/],
  ] as const) {
    it(`sample: ${name} (exits in its gradient) is an error naming the model, not a hang`, function () {
      const models = new URL("./reliability-models.ts", import.meta.url).href;
      const r = inChild(
        [
          `import { ${name} } from ${JSON.stringify(models)};`,
          `try { ${name}.sample(${JSON.stringify(small)}); console.log("no error"); }`,
          `catch (e) { console.log(e.message); }`,
        ].join("\n"),
      );
      expect(r.timedOut, "sample hung").to.equal(false);
      expect(r.stdout, r.stderr).to.match(expected);
    });
  }

  it("sampleAsync: dying rejects naming the model and the exit code", async function () {
    const e = await rejection(dying.sampleAsync(small));
    expect(e.message).to.match(/model 'dying': a sampling worker exited with code 9/);
  });
});

describe("a worker that started but cannot rebuild the model", function () {
  function broken(): CompiledModel {
    const m = model("broken_source", () => {
      Normal("x", 0, 1);
    });
    m.source = { body: "throw new Error('this source is broken');" };
    return m;
  }
  const opts = { draws: 20, tune: 20, chains: 2, cores: 2, seed: 1 };

  it("sample throws naming the model and the worker's error", function () {
    expect(thrown(() => broken().sample(opts)).message).to.match(/model 'broken_source': a sampling worker failed: this source is broken/);
  });

  it("sampleAsync rejects the same way (it used to fall back and resolve)", async function () {
    const e = await rejection(broken().sampleAsync(opts));
    expect(e.message).to.match(/model 'broken_source': a sampling worker failed: this source is broken/);
  });
});

describe("sample options", function () {
  it("unknown names are an error naming them, with the nearest known name", function () {
    const e = thrown(() => eightSchools.sample({ tunes: 10, chain: 1 } as never));
    expect(e.message).to.contain("unknown options 'tunes' (did you mean 'tune'?), 'chain' (did you mean 'chains'?)");
  });

  it("types and ranges are checked", async function () {
    expect(thrown(() => eightSchools.sample({ seed: NaN })).message).to.contain("seed must be a finite number or a string");
    expect(thrown(() => eightSchools.sample({ targetAccept: "0.9" as never })).message).to.contain("targetAccept must be in (0, 1)");
    expect(thrown(() => eightSchools.sample({ jitter: 1 as never })).message).to.contain("jitter must be true or false");
    expect(thrown(() => eightSchools.sample({ signal: {} as never })).message).to.contain("signal must be an AbortSignal");
    expect((await rejection(eightSchools.sampleAsync({ seed: Infinity }))).message).to.contain("seed must be a finite number or a string");
    expect(thrown(() => eightSchools.samplePriorPredictive({ drawz: 3 } as never)).message).to.contain("'drawz' (did you mean 'draws'?)");
  });
});

describe("aborting a run", function () {
  const long = { draws: 1_000_000, tune: 1000, chains: 2, seed: 1 };

  it("sample with an already aborted signal throws an AbortError naming the model", function () {
    const e = thrown(() => eightSchools.sample({ ...long, signal: AbortSignal.abort() }));
    expect(e.name).to.equal("AbortError");
    expect(e.message).to.equal("model 'eight_schools': sampling aborted");
  });

  for (const cores of [1, 2]) {
    it(`sample, cores: ${cores}, aborted from onProgress: stops at once`, function () {
      const controller = new AbortController();
      const t0 = Date.now();
      const e = thrown(() =>
        normalMeanScale.sample({ ...long, cores, signal: controller.signal, onProgress: (_c, done) => done > 2000 && controller.abort() }),
      );
      expect(e.name).to.equal("AbortError");
      expect(Date.now() - t0, "time to stop").to.be.lessThan(20_000);
    });

    it(`sampleAsync, cores: ${cores}, with AbortSignal.timeout: rejects within a fraction of a second of the abort`, async function () {
      // Well before the run ends: 2 x 1e6 draws take about 1.7 s on one thread.
      const signal = AbortSignal.timeout(700);
      let abortedAt = 0;
      signal.addEventListener("abort", () => (abortedAt = Date.now()));
      const e = await rejection(normalMeanScale.sampleAsync({ ...long, cores, signal }));
      expect(e.name).to.equal("AbortError");
      expect(e.message).to.contain("model 'normal_mean_scale'");
      expect(Date.now() - abortedAt, "time from abort to rejection").to.be.lessThan(500);
    });
  }
});

describe("tsmc sample --out is written whole or not at all", function () {
  const cli = join(root, "compiler", "cli.ts");
  const models = join(root, "test", "sampler-models.ts");
  const dir = scratchDir("atomic-out");
  const out = join(dir, "trace.json");
  const OLD = JSON.stringify({ attrs: { seed: "old" } });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const args = [
    "--import",
    "tsx",
    cli,
    "sample",
    models,
    "--model",
    "eight_schools",
    "--draws",
    "30000",
    "--tune",
    "200",
    "--chains",
    "4",
    "--cores",
    "1",
    "--seed",
    "1",
    "--no-progress",
    "--out",
    out,
  ];

  /**
   * Run the command, send `signal` `ms` after it starts (or after its stderr first shows `mark`);
   * resolves with the exit code or signal.
   */
  function runKilled(ms: number, signal: NodeJS.Signals, mark?: string, argv = args) {
    return new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, argv, { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      let timer: NodeJS.Timeout | undefined;
      const arm = () => (timer ??= setTimeout(() => child.kill(signal), ms));
      child.stderr.on("data", (d) => {
        stderr += d;
        if (mark && stderr.includes(mark)) arm();
      });
      if (!mark) arm();
      child.on("exit", (code, sig) => {
        clearTimeout(timer);
        resolve({ code, signal: sig, stderr });
      });
    });
  }

  function expectOldOrNew(what: string) {
    const text = readFileSync(out, "utf8");
    let json: { attrs: { seed: string }; posterior?: { mu: number[][] } };
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${what}: the file is not JSON (${text.length} characters)`);
    }
    if (json.attrs.seed === "old") return expect(text, what).to.equal(OLD);
    expect(json.attrs.seed, what).to.equal("1");
    expect(
      json.posterior!.mu.map((c) => c.length),
      what,
    ).to.deep.equal([30000, 30000, 30000, 30000]);
  }

  it("killed with SIGKILL at many moments, the file is the old one or the complete new one", async function () {
    // A whole run, timed: the kills are spread over its second half, where sampling ends and the
    // trace is written.
    const t0 = Date.now();
    const full = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 120_000 });
    const total = Date.now() - t0;
    expect(full.status, full.stderr).to.equal(0);
    expectOldOrNew("a whole run");
    for (let k = 0; k < 6; k++) {
      writeFileSync(out, OLD);
      const when = Math.round(total * (0.5 + k / 10));
      const r = await runKilled(when, "SIGKILL");
      expectOldOrNew(`killed after ${when} ms of ${total} (${r.signal ?? `exit ${r.code}`})`);
    }
  });

  it("--out x.zarr killed with SIGKILL at many moments: the store is the old one or the complete new one", async function () {
    const store = join(dir, "trace.zarr");
    const zarrArgs = [...args.slice(0, -1), store];
    const oldStore = () => {
      rmSync(store, { recursive: true, force: true });
      mkdirSync(store);
      writeFileSync(join(store, ".zgroup"), '{"zarr_format":2}');
      writeFileSync(join(store, ".zattrs"), '{"seed":"old"}');
    };
    const expectOldOrNewStore = (what: string) => {
      // Between its two renames (an instant) the old store waits under a hidden name beside it.
      const at = existsSync(store) ? store : readdirSync(dir).find((f) => f.startsWith(".trace.zarr.") && f.endsWith(".old"));
      expect(at, `${what}: no store`).to.be.a("string");
      const path = at === store ? store : join(dir, at!);
      const attrs = JSON.parse(readFileSync(join(path, ".zattrs"), "utf8"));
      if (attrs.seed === "old") return;
      expect(attrs.seed, what).to.equal("1");
      expect(statSync(join(path, "posterior", "mu", "0.0")).size, what).to.equal(4 * 30000 * 8);
      expect(existsSync(join(path, ".zmetadata")), what).to.equal(true);
    };
    const t0 = Date.now();
    const full = spawnSync(process.execPath, zarrArgs, { cwd: root, encoding: "utf8", timeout: 120_000 });
    const total = Date.now() - t0;
    expect(full.status, full.stderr).to.equal(0);
    expectOldOrNewStore("a whole run");
    for (let k = 0; k < 5; k++) {
      oldStore();
      const when = Math.round(total * (0.6 + k / 12));
      const r = await runKilled(when, "SIGKILL", undefined, zarrArgs);
      expectOldOrNewStore(`killed after ${when} ms of ${total} (${r.signal ?? `exit ${r.code}`})`);
    }
  });

  it("Ctrl-C while sampling: stops, exit code 130, the old file untouched", async function () {
    writeFileSync(out, OLD);
    // 0.3 s into sampling (the whole run samples for about 1.5 s here)
    const r = await runKilled(300, "SIGINT", "Sampling model");
    expect(r.code, r.stderr).to.equal(130);
    expect(r.stderr).to.contain("Sampling interrupted");
    expect(readFileSync(out, "utf8")).to.equal(OLD);
  });
});

describe("post-processing of long runs", function () {
  it("Trace.writeJSON writes exactly JSON.stringify(trace), in pieces", function () {
    const trace = normalMeanScale.sample({ draws: 50, tune: 50, chains: 2, seed: 3, cores: 1, keepWarmup: true });
    normalMeanScale.samplePosteriorPredictive(trace, { seed: 1, extend: true });
    trace.sampleStats.lp.data[3] = NaN;
    const chunks: string[] = [];
    trace.writeJSON((c) => chunks.push(c));
    expect(chunks.join("")).to.equal(JSON.stringify(trace));
  });

  it("autocovariance by paired FFT equals the direct sums of lagged products", function () {
    for (const n of [1, 2, 37, 100]) {
      const x = Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) + (i % 5) * 0.3);
      const mu = x.reduce((a, b) => a + b, 0) / n;
      const got = autocov(x);
      for (let t = 0; t < n; t++) {
        let s = 0;
        for (let i = 0; i + t < n; i++) s += (x[i] - mu) * (x[i + t] - mu);
        expect(Math.abs(got[t] - s / n), `n ${n} lag ${t}`).to.be.lessThan(1e-12);
      }
    }
  });
});
