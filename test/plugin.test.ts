// tsmc/rollup: the fixtures bundled with rollup's JS API and with Vite's build(); each bundle gives
// the in-process model() bit for bit, imports nothing but tsmc/runtime and holds no compiler code;
// errors come through rollup with loc and code frame; watch mode reuses unchanged results.
// The bundles import the built runtime (dist/, as a user's project would): `npm test` builds first.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { rollup, type OutputChunk, type Plugin, type RollupError } from "rollup";
import jsonPlugin from "@rollup/plugin-json";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import commonjsPlugin from "@rollup/plugin-commonjs";
import terserPlugin from "@rollup/plugin-terser";
import tsmc, { type TsmcPluginContext } from "../plugin-rollup/index.js";
import {
  ERROR_CASES,
  MODEL_FIXTURES,
  expectSameModel,
  expectedSite,
  fingerprint,
  fixture,
  isModel,
  root,
  scratchDir,
  stripTypes,
  type ModelLike,
} from "./helpers/aot.js";

// These three ship CommonJS-style types; at run time the default import is the plugin factory.
const factory = <T>(m: T) => ((m as { default?: T }).default ?? m) as unknown as () => Plugin;
const json = factory(jsonPlugin);
const commonjs = factory(commonjsPlugin);
const terser = factory(terserPlugin);

const runtimeEntry = join(root, "dist", "runtime", "index.js");
/** `tsmc/runtime` → the built runtime (what node_modules/tsmc would hold). */
const selfRuntime: Plugin = { name: "self-runtime", resolveId: (s) => (s === "tsmc/runtime" ? runtimeEntry : null) };
const COMPILER_CODE = /new Function|\beval\(|WebAssembly|ts-morph|typescript/;

async function inProcess(name: string): Promise<Record<string, unknown>> {
  const log = console.log;
  console.log = () => {}; // fixtures/side-effects.ts prints when it runs
  try {
    return await import(pathToFileURL(fixture(name)).href);
  } finally {
    console.log = log;
  }
}

describe("rollup plugin: every fixture in one rollup build", function () {
  let dir: string;
  let chunks: OutputChunk[];
  const entries = Object.keys(MODEL_FIXTURES).map((f) => [f.replace(/\.(ts|js)$/, ""), fixture(f)] as const);

  before(async function () {
    dir = scratchDir("rollup");
    const bundle = await rollup({
      input: Object.fromEntries(entries),
      plugins: [tsmc(), stripTypes(), json()],
      external: ["tsmc/runtime"],
      onLog: () => {},
    });
    const { output } = await bundle.write({ dir, format: "es", sourcemap: true, entryFileNames: "[name].js" });
    await bundle.close();
    chunks = output.filter((o): o is OutputChunk => o.type === "chunk");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [file, exports] of Object.entries(MODEL_FIXTURES)) {
    it(`${file}: the bundle gives the in-process model bit for bit`, async () => {
      const log = console.log;
      console.log = () => {};
      let bundled;
      try {
        bundled = await import(pathToFileURL(join(dir, file.replace(/\.(ts|js)$/, ".js"))).href);
      } finally {
        console.log = log;
      }
      const expected = await inProcess(file);
      for (const key of exports) {
        expect(isModel(bundled[key]), key).to.equal(true);
        expectSameModel(bundled[key] as ModelLike, expected[key] as ModelLike, `${file}: ${key}`);
      }
    });
  }

  it("the chunks import only tsmc/runtime and hold no compiler code (no new Function, no eval)", () => {
    expect(chunks.map((c) => c.fileName).sort()).to.deep.equal(entries.map(([n]) => `${n}.js`).sort());
    for (const c of chunks) {
      expect(c.imports, c.fileName).to.deep.equal(["tsmc/runtime"]);
      const modules = Object.keys(c.modules).map((m) => relative(root, m));
      expect(
        modules.filter((m) => !m.startsWith("fixtures/")),
        c.fileName,
      ).to.deep.equal([]);
      expect(c.code, c.fileName).to.not.match(COMPILER_CODE);
    }
  });

  it("the source maps lead back to the user's files", () => {
    const seed = chunks.find((c) => c.fileName === "seed.js")!;
    expect(seed.map!.sources.map((s) => relative(root, join(dir, s)))).to.deep.equal(["fixtures/seed.ts"]);
    const lines = seed.code.split("\n");
    const line = lines.findIndex((l) => l.includes("export { seed }")) >= 0;
    expect(line).to.equal(true);
  });
});

describe("rollup plugin: the seed model as one self-contained bundle", function () {
  let dir: string;
  const sizes: Record<string, number> = {};

  before(async function () {
    dir = scratchDir("seed-bundle");
    // tsmc() after the TypeScript step, as with @rollup/plugin-typescript (the plugin reads JS too)
    const bundle = await rollup({
      input: fixture("seed.ts"),
      plugins: [stripTypes(), tsmc(), selfRuntime, nodeResolve(), commonjs(), json()],
      onLog: () => {},
    });
    // output.dir: the sampler's Web Worker is a chunk of its own
    for (const [file, plugins] of [
      ["seed.js", []],
      ["seed.min.js", [terser()]],
    ] as const) {
      const { output } = await bundle.write({ dir: join(dir, file), entryFileNames: file, format: "es", plugins: [...plugins] });
      // what the page loads (the worker chunk only when it samples in parallel)
      const page = output.filter((o): o is OutputChunk => o.type === "chunk" && o.name !== "tsmc-worker");
      sizes[file] = page.reduce((n, c) => n + gzipSync(c.code).length, 0);
      expect(Object.keys(output[0].modules).filter((m) => /[\\/](compiler|ts-morph|typescript)[\\/]/.test(m))).to.deep.equal([]);
    }
    await bundle.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("runs where code generation from strings is forbidden (CSP) and matches the in-process model", async function () {
    const script = [
      `import { seed } from ${JSON.stringify(pathToFileURL(join(dir, "seed.min.js", "seed.min.js")).href)};`,
      `const x = new Float64Array(seed.size).fill(0.1), g = new Float64Array(seed.size);`,
      `const lp = seed.flat.logpGrad(x, g);`,
      `const bits = (a) => Buffer.from(Float64Array.from(a).buffer).toString("base64");`,
      `console.log(JSON.stringify({ lp: bits([lp]), g: bits(g), draw: seed.draw({ seed: 42 }) }));`,
    ].join("\n");
    const r = spawnSync(process.execPath, ["--disallow-code-generation-from-strings", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    const got = JSON.parse(r.stdout);
    const expected = fingerprint((await inProcess("seed.ts")).seed as ModelLike);
    const bits = (a: number[]) => Buffer.from(Float64Array.from(a).buffer).toString("base64");
    expect(got.lp, "logp, bit for bit").to.equal(bits([expected.logpGrad]));
    expect(got.g, "gradient, bit for bit").to.equal(bits(expected.grad));
    expect(got.draw).to.deep.equal(JSON.parse(JSON.stringify(expected.draw)));
    expect(sizes["seed.min.js"]).to.be.greaterThan(0);
    this.test!.title += ` (seed bundle: ${(sizes["seed.js"] / 1024).toFixed(1)} kB gzipped, ${(sizes["seed.min.js"] / 1024).toFixed(1)} kB minified + gzipped)`;
  });
});

describe("rollup plugin: errors through this.error, with loc and code frame", () => {
  for (const c of ERROR_CASES) {
    it(c.file, async () => {
      const site = expectedSite(c);
      let error: RollupError | undefined;
      try {
        await rollup({ input: fixture(c.file), plugins: [tsmc(), stripTypes()], onLog: () => {} });
      } catch (e) {
        error = e as RollupError;
      }
      expect(error, "the build fails").to.not.equal(undefined);
      expect(error!.plugin).to.equal("tsmc");
      expect(error!.loc).to.deep.equal({ file: site.file, line: site.line, column: site.column });
      expect(error!.message).to.match(new RegExp(c.reason.source.replace(/^\^/, "")));
      expect(error!.frame).to.include(`> ${site.line} |`);
    });
  }
});

describe("rollup plugin: watch mode", () => {
  let dir: string;
  before(() => {
    dir = scratchDir("watch");
    writeFileSync(join(dir, "scale.ts"), "export const SCALE = 2;\n");
    writeFileSync(
      join(dir, "model.ts"),
      `import { model, Normal } from "tsmc";\nimport { SCALE } from "./scale.js";\nexport const m = model("m", () => {\n  Normal("x", 0, SCALE);\n});\n`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("watches the files the builder read, reuses an unchanged result, rebuilds when a dependency changes", async () => {
    const plugin = tsmc();
    const watched: string[] = [];
    const ctx: TsmcPluginContext = {
      addWatchFile: (f) => void watched.push(f),
      error: (e) => {
        throw Object.assign(new Error(e.message), e);
      },
    };
    const file = join(dir, "model.ts");
    const code = readFileSync(file, "utf8");
    const first = await plugin.transform.call(ctx, code, file);
    expect(first!.code).to.include('tsmc: model "m"');
    expect(watched).to.deep.equal([join(dir, "scale.ts")]);
    const again = await plugin.transform.call(ctx, code, file);
    expect(again, "unchanged: the cached result").to.equal(first);
    expect(watched).to.deep.equal([join(dir, "scale.ts"), join(dir, "scale.ts")]);

    writeFileSync(join(dir, "scale.ts"), "export const SCALE = 3;\n");
    const changed = await plugin.transform.call(ctx, code, file);
    expect(changed).to.not.equal(first);
    expect(changed!.code).to.not.equal(first!.code);

    writeFileSync(join(dir, "scale.ts"), "export const SCALE = -1;\n");
    let error: (Error & { loc?: { line: number } }) | undefined;
    try {
      await plugin.transform.call(ctx, code, file);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.match(/Normal\('x'\): invalid parameter: sigma > 0 does not hold/);
    expect(error?.loc?.line).to.equal(4);
    expect(await plugin.transform.call(ctx, "export const unrelated = 1;\n", join(dir, "other.ts"))).to.equal(null);
  });
});

describe("Vite plugin: build() with tsmc()", function () {
  it("builds the seed model (enforce: pre), same numbers as in process, no compiler in the bundle", async () => {
    const { build } = await import("vite");
    const plugin = tsmc();
    expect(plugin.enforce).to.equal("pre");
    const result = await build({
      configFile: false,
      logLevel: "silent",
      root,
      plugins: [plugin],
      resolve: { alias: { "tsmc/runtime": runtimeEntry } },
      build: {
        write: false,
        minify: false,
        lib: { entry: fixture("seed.ts"), formats: ["es"], fileName: "seed" },
      },
    });
    const outputs = (Array.isArray(result) ? result : [result]) as { output: { type: string; code?: string; fileName: string }[] }[];
    const chunk = outputs[0].output.find((o) => o.type === "chunk")!;
    expect(chunk.code!).to.include("createModel(meta");
    expect(chunk.code!).to.not.match(/ts-morph|from "tsmc"|compileModel/);
    const dir = scratchDir("vite");
    try {
      writeFileSync(join(dir, "seed.mjs"), chunk.code!);
      const { seed } = await import(pathToFileURL(join(dir, "seed.mjs")).href);
      expectSameModel(seed as ModelLike, (await inProcess("seed.ts")).seed as ModelLike, "vite seed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Vite plugin: the dev server (serve) compiles too", function () {
  it("ssrLoadModule of the seed fixture gives the in-process model bit for bit", async () => {
    const { createServer } = await import("vite");
    const server = await createServer({
      configFile: false,
      logLevel: "silent",
      root,
      plugins: [tsmc()],
      server: { middlewareMode: true, hmr: false, watch: null },
      appType: "custom",
    });
    try {
      const transformed = await server.transformRequest(fixture("seed.ts"), { ssr: true });
      expect(transformed!.code)
        .to.include("createModel(meta")
        .and.not.to.match(/ts-morph|compileModel|from "tsmc"/);
      const { seed } = await server.ssrLoadModule(fixture("seed.ts"));
      expectSameModel(seed as ModelLike, (await inProcess("seed.ts")).seed as ModelLike, "vite dev server seed");
    } finally {
      await server.close();
    }
  });
});
