// tsmc/plots in Chromium (skipped where Debian's chromium is not installed): the report's page
// renders its inline SVGs with no request and no console error; and the plots bundled for the
// browser by rollup (the page's own document, no linkedom) draw a trace given as JSON. Plot has
// one CommonJS dependency (interval-tree-1d): a rollup build needs @rollup/plugin-commonjs.
import { expect } from "chai";
import { hasChromium, launchChromium, SKIP_NOTE } from "./helpers/chromium.js";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { dirname, extname, join } from "node:path";
import { rollup, type Plugin } from "rollup";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import commonjsPlugin from "@rollup/plugin-commonjs";
import type { BrowserContext, Page } from "playwright-core";
import { root, scratchDir, stripTypes } from "./helpers/aot.js";
import { report } from "../plots/index.js";
import { HalfNormal, Normal, data, model, type Trace } from "../compiler/index.js";

// @rollup/plugin-commonjs ships CommonJS-style types; at run time the default import is the plugin factory.
const commonjs = ((commonjsPlugin as { default?: unknown }).default ?? commonjsPlugin) as unknown as () => Plugin;

const SCHOOLS = ["Choate", "Deerfield", "Phillips Andover", "Phillips Exeter", "Hotchkiss", "Lawrenceville", "St. Paul's", "Mt. Hermon"];

/** Eight schools, centred (it diverges), with coords. */
const schools = model(
  "eight_schools",
  () => {
    const mu = Normal("mu", 0, 5);
    const tau = HalfNormal("tau", 5);
    const theta = Normal("theta", mu, tau, { dims: "school" });
    Normal("obs", theta, data("sigma", [15, 10, 16, 11, 9, 11, 10, 18], { dims: "school" }), { observed: [28, 8, -3, 7, -1, 1, 18, 12], dims: "school" });
  },
  { coords: { school: SCHOOLS } },
);

// Evaluated in the page as text (tsx would wrap a function's inner functions in a helper the page lacks).
const REPORT_CHECKS = `(() => {
  const count = (sel) => document.querySelectorAll(sel).length;
  const first = (sel) => document.querySelector(sel)?.children.length ?? -1;
  return {
    figures: count("figure > svg"),
    kde: count("figure[data-plot=trace] g.tsmc-kde"),
    rankBars: first("figure[data-plot=rank] g.tsmc-rank"),
    forestLines: first("figure[data-plot=forest] g.tsmc-hdi"),
    divergent: [...document.querySelectorAll("figure[data-plot=pair] g.tsmc-divergent")].map((g) => g.children.length),
    rows: count("table.summary tbody tr"),
    visible: document.querySelector("figure[data-plot=trace] svg").getBoundingClientRect().height,
  };
})()`;

/** `./x.js` imports of this repository's TypeScript sources resolve to `./x.ts` (as tsx and tsc do). */
const tsSources: Plugin = {
  name: "ts-sources",
  resolveId(source, importer) {
    if (!importer || !source.startsWith(".") || !source.endsWith(".js")) return null;
    const ts = join(dirname(importer), source.replace(/\.js$/, ".ts"));
    return existsSync(ts) ? ts : null;
  },
};

/** The trace as the page gets it: each array's shape and data as JSON. */
const traceJson = (t: Trace) => {
  const group = (g: Record<string, { shape: number[]; data: Float64Array }>) =>
    Object.fromEntries(Object.entries(g).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data) }]));
  return JSON.stringify({ posterior: group(t.posterior), sampleStats: group(t.sampleStats), dims: t.dims, coords: t.coords, attrs: t.attrs });
};

const PAGE_SCRIPT = `
import { plotTrace, plotPair, report } from "./plots.js";
const json = await (await fetch("./trace.json")).json();
const arrays = (g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, { shape: v.shape, data: Float64Array.from(v.data) }]));
const trace = { ...json, posterior: arrays(json.posterior), sampleStats: arrays(json.sampleStats) };
try {
  document.body.insertAdjacentHTML("beforeend", plotTrace(trace, { varNames: ["theta"] }));
  document.body.insertAdjacentHTML("beforeend", plotPair(trace, { varNames: ["mu", "tau"] }));
  const html = report(trace);
  const count = (sel) => document.querySelectorAll(sel).length;
  const divergent = document.querySelector("g.tsmc-divergent");
  window.result = {
    kde: count("g.tsmc-kde"),
    divergent: divergent ? divergent.children.length : 0,
    labels: [...document.querySelectorAll("svg[data-kind=trace-kde]")].map((s) => s.getAttribute("data-label")),
    report: html.length,
    width: document.querySelector("svg").getBoundingClientRect().width,
  };
} catch (e) {
  window.result = { error: String((e && e.stack) || e) };
}
`;

describe("tsmc/plots in Chromium", function () {
  this.timeout(180_000);
  let trace: Trace;
  let context: BrowserContext;
  let close: (() => Promise<void>) | undefined;
  let dir: string;
  let server: Server;
  let base: string;

  before(async function () {
    if (!hasChromium()) {
      console.log(`      ${SKIP_NOTE}`);
      this.skip();
    }
    trace = schools.sample({ draws: 100, tune: 100, chains: 2, seed: 5 });
    ({ context, close } = await launchChromium());
  });
  after(async () => {
    await close?.();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A new page that records console errors, page errors and every request it makes. */
  async function newPage(): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => requests.push(r.url()));
    await page.route("**/favicon.ico", (route) => route.fulfill({ status: 204, body: "" }));
    return { page, errors, requests };
  }

  it("report(): the page shows every plot's SVG with its marks, requests nothing, logs no error", async () => {
    const { page, errors, requests } = await newPage();
    await page.setContent(report(trace), { timeout: 30_000 });
    const r = (await page.evaluate(REPORT_CHECKS)) as {
      figures: number;
      kde: number;
      rankBars: number;
      forestLines: number;
      divergent: number[];
      rows: number;
      visible: number;
    };
    expect(r.figures).to.equal(6);
    expect(r.kde).to.equal(10 * 2);
    expect(r.rankBars).to.be.greaterThan(0);
    expect(r.forestLines).to.equal(10);
    expect(r.divergent.every((n) => n === trace.divergences)).to.equal(true);
    expect(r.rows).to.equal(10);
    expect(r.visible).to.be.greaterThan(100);
    expect(errors).to.deep.equal([]);
    expect(requests.filter((u) => !u.startsWith("about:") && !u.startsWith("data:"))).to.deep.equal([]);
    await page.close();
  });

  it("bundled by rollup for the browser, the plots draw a trace from JSON into the page's document", async function () {
    dir = scratchDir("plots-web");
    const t0 = performance.now();
    const bundle = await rollup({
      input: { plots: join(root, "plots", "index.ts") },
      plugins: [tsSources, stripTypes(), nodeResolve({ browser: true }), commonjs()],
      onLog: () => {},
    });
    const { output } = await bundle.write({ dir, format: "es", entryFileNames: "[name].js" });
    await bundle.close();
    const ms = performance.now() - t0;
    writeFileSync(join(dir, "trace.json"), traceJson(trace));
    writeFileSync(join(dir, "page.js"), PAGE_SCRIPT);
    writeFileSync(join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><body><script type="module" src="./page.js"></script></body>\n`);
    const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".json": "application/json" };
    server = createServer((req, res) => {
      const file = join(dir, new URL(req.url!, "http://x").pathname);
      if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const { page, errors, requests } = await newPage();
    await page.goto(`${base}/index.html`);
    await page.waitForFunction("window.result !== undefined", null, { timeout: 60_000 });
    const r = (await page.evaluate("window.result")) as Record<string, unknown>;
    expect(r.error).to.equal(undefined);
    expect(r.kde).to.equal(8 * 2);
    expect(r.divergent).to.equal(trace.divergences);
    expect(r.labels).to.include("theta[Choate]");
    expect(r.report as number).to.be.greaterThan(10_000);
    expect(r.width as number).to.be.greaterThan(100);
    expect(errors).to.deep.equal([]);
    // linkedom is a chunk of its own that the page never fetches
    const fetched = requests.map((u) => u.slice(base.length + 1)).filter((u) => u !== "favicon.ico");
    expect(fetched.sort()).to.deep.equal(["index.html", "page.js", "plots.js", "trace.json"]);
    expect(output.filter((o) => o.type === "chunk").length).to.be.greaterThan(1);
    await page.close();
    this.test!.title += ` (rollup: ${ms.toFixed(0)} ms)`;
  });
});
