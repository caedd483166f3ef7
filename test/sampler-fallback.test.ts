// Sampling never hangs: where the sampling workers cannot start, `sample` and `sampleAsync` run the
// chains in this thread after a one-line warning, with the cores: 1 trace bit for bit; the default
// `cores` keeps a small model in this thread, and an explicit `cores` is obeyed. The user's case is
// a bundled program, whose worker script is not next to the bundle: an esbuild bundle of the source
// runs in a child process. Worker threads are counted (or replaced) by wrapping the Worker class the
// runtime takes from node:worker_threads.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { eightSchools } from "./sampler-models.js";
import { root, scratchDir } from "./helpers/aot.js";

const opts = { draws: 100, tune: 100, chains: 4, seed: "fallback" };
const WARNING = /^tsmc: sampling workers could not start \(.+\); running the 4 chains in this thread$/;

/** Base64 of each array of a trace's posterior and sample stats: equal strings, equal bits. */
type Fingerprint = Record<string, string>;
const FINGERPRINT = `(t) => Object.fromEntries(
  [...Object.entries(t.posterior), ...Object.entries(t.sampleStats).map(([k, v]) => ["stat:" + k, v])]
    .map(([k, v]) => [k, Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).toString("base64")]))`;
const fingerprint = new Function(`return ${FINGERPRINT};`)() as (t: unknown) => Fingerprint;

const expected = fingerprint(eightSchools.sample({ ...opts, cores: 1 }));

type WorkerClass = typeof import("node:worker_threads").Worker;
const threads = process.getBuiltinModule("node:worker_threads") as { Worker: WorkerClass };

/** Run `f`, collecting what it writes with console.warn. */
async function withWarnings<T>(f: () => T | Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
  try {
    return { value: await f(), warnings };
  } finally {
    console.warn = warn;
  }
}

/** `withWarnings`, with `Replacement` as node:worker_threads' Worker. */
async function withThreads<T>(Replacement: WorkerClass, f: () => T | Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const Native = threads.Worker;
  threads.Worker = Replacement;
  try {
    return await withWarnings(f);
  } finally {
    threads.Worker = Native;
  }
}

/** Worker threads that start as usual, counted. */
function counting() {
  const counter = { started: 0 };
  const Native = threads.Worker;
  const Counted = class extends Native {
    constructor(...args: ConstructorParameters<WorkerClass>) {
      super(...args);
      counter.started++;
    }
  };
  return { Counted, counter };
}

describe("sampling falls back to this thread when the workers cannot start", function () {
  let program: string;

  before(async function () {
    // A user's program, bundled: the runtime's import.meta.url is now the bundle's, and the worker
    // script it points at does not exist.
    const dir = scratchDir("fallback");
    const entry = join(dir, "entry.ts");
    writeFileSync(
      entry,
      [
        `import { eightSchools } from ${JSON.stringify(join(root, "test", "sampler-models.ts"))};`,
        `const [mode, opts] = [process.argv[2], JSON.parse(process.argv[3])];`,
        `const t0 = performance.now();`,
        `const trace = mode === "async" ? await eightSchools.sampleAsync(opts) : eightSchools.sample(opts);`,
        `const ms = performance.now() - t0;`,
        `process.stdout.write(JSON.stringify({ ms, trace: (${FINGERPRINT})(trace) }));`,
      ].join("\n"),
    );
    program = join(dir, "program.mjs");
    // ignoreAnnotations: keep every module with side effects (the sampler installs itself on import).
    await build({ entryPoints: [entry], outfile: program, bundle: true, platform: "node", format: "esm", ignoreAnnotations: true, logLevel: "silent" });
  });

  function runBundle(mode: "sync" | "async") {
    const r = spawnSync(process.execPath, [program, mode, JSON.stringify({ ...opts, cores: 2 })], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).to.equal(0);
    const warnings = r.stderr.split("\n").filter((line) => line.startsWith("tsmc:"));
    return { ...(JSON.parse(r.stdout) as { ms: number; trace: Fingerprint }), warnings };
  }

  it("sample in a bundle without the worker script: returns at once, warns once, the cores: 1 trace", function () {
    const { ms, trace, warnings } = runBundle("sync");
    expect(ms, "sampling time (was 60 s)").to.be.lessThan(5_000);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(WARNING).and.to.contain("worker.mjs");
    expect(trace).to.deep.equal(expected);
  });

  it("sampleAsync in a bundle without the worker script: the same", function () {
    const { ms, trace, warnings } = runBundle("async");
    expect(ms, "sampling time (was 60 s)").to.be.lessThan(5_000);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(WARNING).and.to.contain("worker.mjs");
    expect(trace).to.deep.equal(expected);
  });

  it("sample with worker threads that never say a word: gives up on them after a second", async function () {
    let stuck = 0;
    const Stuck = class extends threads.Worker {
      constructor() {
        super("setInterval(() => {}, 1000);", { eval: true });
        stuck++;
      }
    } as unknown as WorkerClass;
    const t0 = Date.now();
    const { value, warnings } = await withThreads(Stuck, () => eightSchools.sample({ ...opts, cores: 2 }));
    expect(Date.now() - t0, "sampling time").to.be.lessThan(10_000);
    expect(stuck).to.equal(2);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(WARNING).and.to.contain("no message within 1000 ms");
    expect(fingerprint(value)).to.deep.equal(expected);
  });

  /** Run `f` with `Fake` as the global Worker (what sampleAsync uses first). */
  async function withWebWorker<T>(Fake: unknown, f: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
    const g = globalThis as { Worker?: unknown };
    g.Worker = Fake;
    try {
      return await withWarnings(f);
    } finally {
      delete g.Worker;
    }
  }

  it("sampleAsync with Web Workers whose script does not load: falls back at their error event", async function () {
    class Missing {
      onerror: ((e: { message: string }) => void) | null = null;
      postMessage() {
        // As a browser reports a worker script that 404s: an error event, after the constructor.
        setTimeout(() => this.onerror?.({ message: "" }), 0);
      }
      terminate() {}
    }
    const { value, warnings } = await withWebWorker(Missing, () => eightSchools.sampleAsync({ ...opts, cores: 4 }));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(WARNING).and.to.contain("the worker script could not be loaded");
    expect(fingerprint(value)).to.deep.equal(expected);
  });

  it("sampleAsync with Web Workers that never say a word: gives up on them after a few seconds", async function () {
    let made = 0;
    class Silent {
      constructor() {
        made++;
      }
      postMessage() {}
      terminate() {}
    }
    const t0 = Date.now();
    const { value, warnings } = await withWebWorker(Silent, () => eightSchools.sampleAsync({ ...opts, cores: 4 }));
    expect(Date.now() - t0, "sampling time").to.be.lessThan(20_000);
    expect(made).to.equal(4);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(WARNING).and.to.contain("no message within 5000 ms");
    expect(fingerprint(value)).to.deep.equal(expected);
  });
});

describe("how many cores sample by default", function () {
  it("eight schools with the default cores runs in this thread (no worker started), as cores: 1 would", async function () {
    const { Counted, counter } = counting();
    const { value, warnings } = await withThreads(Counted, async () => [
      eightSchools.sample({ chains: 4, seed: 5 }),
      await eightSchools.sampleAsync({ chains: 4, seed: 5 }),
    ]);
    expect(counter.started).to.equal(0);
    expect(warnings).to.deep.equal([]);
    const one = fingerprint(eightSchools.sample({ chains: 4, seed: 5, cores: 1 }));
    for (const trace of value) expect(fingerprint(trace)).to.deep.equal(one);
  });

  it("an explicit cores is obeyed: cores: 2 starts two worker threads, whatever the model, and gives the cores: 1 trace", async function () {
    const { Counted, counter } = counting();
    const { value, warnings } = await withThreads(Counted, () => eightSchools.sample({ ...opts, cores: 2 }));
    expect(counter.started).to.equal(2);
    expect(warnings).to.deep.equal([]);
    expect(fingerprint(value)).to.deep.equal(expected);
  });
});
