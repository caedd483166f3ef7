// Parallel chains from a rollup bundle: tsmc/rollup emits the sampler's Web Worker as one
// self-contained asset, and that file really samples, first in Node (through the npm package web-worker, the browser's
// Worker API over worker_threads), then in Chromium, from a page served over http (skipped where
// Chromium is not installed). The bundles link the built runtime (dist/): `npm test` builds first.
import { expect } from "chai";
import { hasChromium, launchChromium, SKIP_NOTE } from "./helpers/chromium.js";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { rollup, type OutputAsset, type OutputChunk, type Plugin } from "rollup";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import WebWorker from "web-worker";
import tsmc from "../plugin-rollup/index.js";
import { fixture, root, scratchDir, stripTypes } from "./helpers/aot.js";
import { eightSchools as inProcess } from "../fixtures/eight_schools.js";

const selfRuntime: Plugin = { name: "self-runtime", resolveId: (s) => (s === "tsmc/runtime" ? join(root, "dist", "runtime", "index.js") : null) };

const opts = { draws: 200, tune: 200, chains: 4, seed: "web" };

/** Base64 of each array of a trace's posterior and sample stats: equal strings, equal bits. */
type Fingerprint = Record<string, string>;
const fingerprint = (t: { posterior: Record<string, { data: Float64Array }>; sampleStats: Record<string, { data: Float64Array }> }): Fingerprint =>
  Object.fromEntries(
    [...Object.entries(t.posterior), ...Object.entries(t.sampleStats).map(([k, v]) => [`stat:${k}`, v] as const)].map(([k, v]) => [
      k,
      Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).toString("base64"),
    ]),
  );

// The page: sample with cores 1, then 4, and count the chain results that Web Workers posted.
const PAGE_SCRIPT = `
import { eightSchools } from "./eight_schools.js";
const opts = ${JSON.stringify(opts)};
let fromWorkers = 0;
const Native = Worker;
globalThis.Worker = class extends Native {
  constructor(url, o) {
    super(url, o);
    this.addEventListener("message", (e) => e.data.type === "result" && fromWorkers++);
  }
};
const b64 = (a) => {
  let s = "";
  for (const byte of new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) s += String.fromCharCode(byte);
  return btoa(s);
};
const print = (t) => Object.fromEntries([...Object.entries(t.posterior), ...Object.entries(t.sampleStats).map(([k, v]) => ["stat:" + k, v])].map(([k, v]) => [k, b64(v.data)]));
try {
  let t0 = performance.now();
  const one = await eightSchools.sampleAsync({ ...opts, cores: 1 });
  const ms1 = performance.now() - t0;
  t0 = performance.now();
  let progress = 0;
  const four = await eightSchools.sampleAsync({ ...opts, cores: 4, onProgress: () => progress++ });
  const ms4 = performance.now() - t0;
  window.result = { one: print(one), four: print(four), fromWorkers, progress, ms1, ms4 };
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
`;

describe("tsmc/rollup: the sampler's Web Worker as an asset", function () {
  let dir: string;
  let chunks: OutputChunk[];
  let assets: OutputAsset[];
  let expected: Fingerprint;

  before(async function () {
    dir = scratchDir("web");
    const bundle = await rollup({
      input: { eight_schools: fixture("eight_schools.ts") },
      // sampler: true: the page that samples is not part of the bundle (no CommonJS or JSON plugin needed)
      plugins: [stripTypes(), tsmc({ sampler: true }), selfRuntime, nodeResolve({ browser: true })],
      onLog: () => {},
    });
    const { output } = await bundle.write({ dir, format: "es", entryFileNames: "[name].js" });
    await bundle.close();
    chunks = output.filter((o): o is OutputChunk => o.type === "chunk");
    assets = output.filter((o): o is OutputAsset => o.type === "asset");
    writeFileSync(join(dir, "page.js"), PAGE_SCRIPT);
    writeFileSync(join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><script type="module" src="./page.js"></script>\n`);
    expected = fingerprint(inProcess.sample({ ...opts, cores: 1 }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("is emitted as an asset, and the runtime starts it by its relative URL", () => {
    expect(chunks.map((c) => c.fileName)).to.deep.equal(["eight_schools.js"]);
    const worker = assets.find((a) => a.names.includes("tsmc-worker.js"));
    expect(worker, "the worker asset").to.not.equal(undefined);
    expect(chunks[0].code).to.include(`new URL("./${worker!.fileName}", import.meta.url)`);
    expect(String(worker!.source)).to.not.match(/\brequire\(|^import .* from "(?!\.)/m);
  });

  it("samples: four chains in workers give the single-thread trace bit for bit", async () => {
    const { eightSchools } = await import(pathToFileURL(join(dir, "eight_schools.js")).href);
    const g = globalThis as { Worker?: unknown };
    let fromWorkers = 0;
    g.Worker = class extends WebWorker {
      constructor(url: string | URL, o?: WorkerOptions) {
        super(url, o);
        this.addEventListener("message", (e: MessageEvent) => e.data.type === "result" && fromWorkers++);
      }
    };
    try {
      const trace = await eightSchools.sampleAsync({ ...opts, cores: 4 });
      expect(fingerprint(trace)).to.deep.equal(expected);
      expect(fromWorkers).to.equal(4);
    } finally {
      delete g.Worker;
    }
  });

  describe("in Chromium, from a page served over http", function () {
    let server: Server;
    let base: string;
    let csp = false;

    before(async function () {
      if (!hasChromium()) {
        console.log(`      ${SKIP_NOTE}`);
        this.skip();
      }
      const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript" };
      server = createServer((req, res) => {
        const file = join(dir, new URL(req.url!, "http://x").pathname);
        if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
        const headers: Record<string, string> = { "content-type": types[extname(file)] ?? "application/octet-stream" };
        // No 'unsafe-eval': the page's code does not need it, the worker's does.
        if (csp) headers["content-security-policy"] = "script-src 'self'; worker-src 'self'";
        res.writeHead(200, headers).end(readFileSync(file));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    after(() => server?.close());

    async function runPage(): Promise<{
      one: Fingerprint;
      four: Fingerprint;
      fromWorkers: number;
      progress: number;
      ms1: number;
      ms4: number;
      error?: string;
    }> {
      const { context: browser, close } = await launchChromium();
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        await page.goto(`${base}/index.html`);
        await page.waitForFunction(() => (window as { result?: unknown }).result !== undefined, null, { timeout: 90_000 });
        const result = await page.evaluate(() => (window as unknown as { result: never }).result);
        expect(errors).to.deep.equal([]);
        return result;
      } finally {
        await close();
      }
    }

    it("four chains run in Web Workers and give the single-thread trace bit for bit", async function () {
      csp = false;
      const r = await runPage();
      expect(r.error).to.equal(undefined);
      expect(r.fromWorkers, "chain results posted by Web Workers").to.equal(4);
      expect(r.four).to.deep.equal(r.one);
      expect(r.progress).to.be.greaterThan(4);
      this.test!.title += ` (${opts.chains} × ${opts.tune}+${opts.draws} iterations: ${r.ms1.toFixed(0)} ms with cores 1, ${r.ms4.toFixed(0)} ms with cores 4)`;
    });

    it("where CSP forbids eval, the chains fall back to the page's thread: same trace", async () => {
      csp = true;
      const r = await runPage();
      expect(r.error).to.equal(undefined);
      expect(r.fromWorkers).to.equal(0);
      expect(r.four).to.deep.equal(r.one);
    });
  });
});
