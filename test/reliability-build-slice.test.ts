// The build pass evaluates a slice of each module (what the builders need) and must give the model
// that the module gives in process, or a build error: statements that change the builders' data,
// bindings that another module reassigns, JSON read as JSON, import.meta of helper modules, `this`.
import { expect } from "chai";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { rollup, type RollupError } from "rollup";
import { transformModule, TsmcBuildError } from "../compiler/frontend/index.js";
import { stripTypes } from "../compiler/frontend/evaluate.js";
import tsmc from "../plugin-rollup/index.js";
import { expectSameModel, scratchDir, stripTypes as stripTypesPlugin, type ModelLike, compilerUrl, runtimeUrl, writeFiles } from "./helpers/aot.js";
import { rejection } from "./helpers/thrown.js";

const dir = scratchDir("reliability-build-slice");
after(() => rmSync(dir, { recursive: true, force: true }));

/** Build the first file (its "tsmc" this compiler's source); the error, or the result. */
async function transformFirst(name: string, files: Record<string, string[]>) {
  const file = writeFiles(join(dir, name), files);
  return { file, result: transformModule(Object.values(files)[0].join("\n"), file) };
}

/** The built first file and the same sources in process: their model `m`. */
async function builtAndInProcess(name: string, files: Record<string, string[]>): Promise<{ built: ModelLike; inProcess: ModelLike }> {
  const { file, result } = await transformFirst(name, files);
  const r = await result;
  const out = join(dir, name, "built.mjs");
  writeFileSync(out, stripTypes(r!.code, file).code.replace(`from "tsmc/runtime"`, `from "${runtimeUrl}"`));
  const inProcessFiles = Object.fromEntries(
    Object.entries(files).map(([path, lines]) => [path, lines.map((l) => l.replace(`from "tsmc"`, `from "${compilerUrl}"`))]),
  );
  const source = writeFiles(join(dir, name, "in-process"), inProcessFiles);
  const built = (await import(pathToFileURL(out).href)).m as ModelLike;
  const inProcess = (await import(pathToFileURL(source).href)).m as ModelLike;
  return { built, inProcess };
}

/** The build error of the first file. */
async function buildError(name: string, files: Record<string, string[]>): Promise<TsmcBuildError> {
  const e = await rejection((await transformFirst(name, files)).result);
  expect(e).to.be.instanceOf(TsmcBuildError);
  return e as TsmcBuildError;
}

describe("build slice: top-level statements that change what a builder reads", () => {
  it("a loop that fills an array, a property set, Object.assign: kept, the in-process model bit for bit", async () => {
    const { built, inProcess } = await builtAndInProcess("filled", {
      "main.ts": [
        `import { model, Normal } from "tsmc";`,
        `const ys: number[] = [];`,
        `for (let i = 0; i < 5; i++) ys.push(i * 0.5);`,
        `const cfg = { scale: 1 };`,
        `cfg.scale = 10;`,
        `Object.assign(cfg, { loc: 3 });`,
        `export const m = model("filled", () => {`,
        `  const mu = Normal("mu", (cfg as any).loc ?? 0, cfg.scale);`,
        `  Normal("y", mu, 1, { observed: ys.length ? ys : [0] });`,
        `});`,
      ],
    });
    expect(built.logp({ mu: 0.1 })).to.equal(inProcess.logp({ mu: 0.1 }));
    expectSameModel(built, inProcess, "filled");
  });

  it("a declaration the builder does not use that draws from the generator its data uses: kept", async () => {
    const { built, inProcess } = await builtAndInProcess("shared-generator", {
      "main.ts": [
        `import { model, Normal } from "tsmc";`,
        `function lcg(seed: number) {`,
        `  let s = seed;`,
        `  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);`,
        `}`,
        `const rand = lcg(42);`,
        `const xs = [rand(), rand(), rand()];`,
        `const ys = [rand(), rand(), rand()];`,
        `export const m = model("sim", () => {`,
        `  const mu = Normal("mu", 0, 1);`,
        `  Normal("y", mu, 1, { observed: ys });`,
        `});`,
        `export const drawn = xs.length;`,
      ],
    });
    expectSameModel(built, inProcess, "sim");
  });

  it("a declaration only the builder uses stays in the output when it draws from a generator that later code draws from", async () => {
    const files = {
      "main.ts": [
        `import { model, Normal } from "tsmc";`,
        `function lcg(seed: number) {`,
        `  let s = seed;`,
        `  return () => (s = (s * 69069 + 1) % 4294967296) / 4294967296;`,
        `}`,
        `const rand = lcg(7);`,
        `const ys = [rand(), rand()];`,
        `export const m = model("later", () => { Normal("y", 0, 1, { observed: ys }); });`,
        `export const after = rand();`,
      ],
    };
    const { built, inProcess } = await builtAndInProcess("later-draws", files);
    expectSameModel(built, inProcess, "later");
    const out = join(dir, "later-draws");
    const drawnAfter = async (f: string) => (await import(pathToFileURL(join(out, f)).href)).after as number;
    expect(await drawnAfter("built.mjs")).to.equal(await drawnAfter("in-process/main.ts"));
  });

  it("such a statement between two model() calls: a build error at it, naming the binding", async () => {
    const e = await buildError("between", {
      "main.ts": [
        `import { model, Normal } from "tsmc";`,
        `const ys = [1, 2];`,
        `export const a = model("a", () => { Normal("y", 0, 1, { observed: ys }); });`,
        `ys.push(3);`,
        `export const m = model("m", () => { Normal("y", 0, 1, { observed: ys }); });`,
      ],
    });
    expect([e.line, e.column]).to.deep.equal([4, 1]);
    expect(e.reason).to.match(/^this statement uses 'ys', which a builder reads, between two model\(\) declarations/);
    expect(e.frame).to.include("> 4 | ys.push(3);");
  });
});

describe("build slice: bindings that can change after their module ran", () => {
  it("a function declaration reassigned in a .mjs module: a build error", async () => {
    const e = await buildError("function-reassigned", {
      "models.mjs": [
        `import { model, Normal } from "tsmc";`,
        `function priorScale() { return 1; }`,
        `priorScale = () => 10;`,
        `export const m = model("f", () => { Normal("mu", 0, priorScale()); });`,
      ],
    });
    expect(e.line).to.equal(4);
    expect(e.reason).to.match(/reads 'priorScale', a function declaration that is reassigned \(at 3:1\)/);
  });

  it("a `let` of another module that a function there reassigns: a build error naming it and its module", async () => {
    const e = await buildError("imported-let", {
      "models.ts": [
        `import { model, Normal } from "tsmc";`,
        `import { priorScale } from "./config";`,
        `export const m = model("s", () => { Normal("mu", 0, priorScale); });`,
      ],
      "config.ts": [`export let priorScale = 1;`, `export function configure(s: number) { priorScale = s; }`],
    });
    expect([e.line, e.column]).to.deep.equal([3, 53]);
    expect(e.reason).to.match(/reads 'priorScale', a let of \.\/config that is reassigned there \(at 2:40\)/);
  });

  it("a `let` of another module that is never reassigned: builds, the in-process model bit for bit", async () => {
    const { built, inProcess } = await builtAndInProcess("imported-let-constant", {
      "models.ts": [
        `import { model, Normal } from "tsmc";`,
        `import * as C from "./config";`,
        `export const m = model("s", () => { Normal("mu", 0, C.priorScale); });`,
      ],
      "config.ts": [`export let priorScale = 3;`],
    });
    expectSameModel(built, inProcess, "constant let");
  });
});

describe("build slice: JSON read as JSON", () => {
  it(`a "__proto__" key stays an own key, as in process`, async () => {
    const { built, inProcess } = await builtAndInProcess("json-proto", {
      "main.ts": [
        `import { model, Normal } from "tsmc";`,
        `import priors from "./priors.json" with { type: "json" };`,
        `const p = priors as Record<string, any>;`,
        `export const m = model("p", () => { Normal("mu", p.loc, Object.hasOwn(p, "__proto__") ? p["__proto__"].scale : 1); });`,
      ],
      "priors.json": [`{ "__proto__": { "scale": 10 }, "loc": 1 }`],
    });
    expect(built.logp({ mu: 0.1 })).to.equal(inProcess.logp({ mu: 0.1 }));
    expectSameModel(built, inProcess, "json proto");
  });

  it("a file that is not JSON (a trailing comma): a build error at it", async () => {
    const e = await buildError("json-invalid", {
      "main.ts": [`import { model, Normal } from "tsmc";`, `import cfg from "./bad.json";`, `export const m = model("b", () => { Normal("x", 0, cfg.s); });`],
      "bad.json": [`{ "s": 1, }`],
    });
    expect(e.file).to.equal(join(dir, "json-invalid", "bad.json"));
    expect(e.reason).to.match(/^invalid JSON: /);
  });
});

describe("build slice: evaluation context", () => {
  it("import.meta (url, dirname, the object) in a helper module is the helper's own file's", async () => {
    const { built, inProcess } = await builtAndInProcess("import-meta", {
      "main.ts": [
        `import { model, Normal } from "tsmc";`,
        `import { scale, vals } from "./data/load";`,
        `export const m = model("csv", () => { const mu = Normal("mu", 0, scale); Normal("v", mu, 1, { observed: vals }); });`,
      ],
      "data/load.ts": [
        `import { existsSync, readFileSync } from "node:fs";`,
        `import { fileURLToPath } from "node:url";`,
        `const csv = fileURLToPath(new URL("./vals.csv", import.meta.url));`,
        `export const vals = existsSync(csv) ? readFileSync(csv, "utf8").trim().split(",").map(Number) : [0];`,
        `const meta = import.meta;`,
        `export const scale = meta.url.endsWith("/data/load.ts") && import.meta.dirname.endsWith("/data") ? 2 : 1;`,
      ],
      "data/vals.csv": [`0.25,0.75,1.25`],
    });
    expect(built.size).to.equal(1);
    expect(Object.keys(built.draw({ seed: 1 }))).to.include("v");
    expectSameModel(built, inProcess, "import.meta.url");
  });

  it("`this` in a builder: the error says the build pass has no `this`, at the read", async () => {
    const e = await buildError("this", {
      "main.ts": [
        `import { model, Normal } from "tsmc";`,
        `class Study {`,
        `  scale = 7;`,
        `  m = model("cls", () => { Normal("x", 0, this.scale); });`,
        `}`,
        `new Study();`,
      ],
    });
    expect(e.line).to.equal(4);
    expect(e.reason).to.match(/^Cannot read properties of undefined \(reading 'scale'\); the build pass evaluates the builder without its `this`/);
    expect(e.frame).to.include("> 4 |");
  });

  it("rollup plugin: an error in a helper module names the helper in the message", async () => {
    const file = writeFiles(join(dir, "plugin-helper"), {
      "main.ts": [`import { model } from "tsmc";`, `import { scale } from "./lib";`, `export const m = model("bad", () => {`, `  scale("s");`, `});`],
      "lib.ts": [`import { HalfNormal } from "tsmc";`, `export function scale(name: string) {`, `  return HalfNormal(name, -3);`, `}`],
    });
    let error: RollupError | undefined;
    try {
      await rollup({ input: file, external: [/^tsmc/], plugins: [tsmc(), stripTypesPlugin()], onLog: () => {} });
    } catch (e) {
      error = e as RollupError;
    }
    expect(error?.loc?.file).to.equal(join(dir, "plugin-helper", "lib.ts"));
    expect(error!.message).to.match(/lib\.ts \(3:10\): HalfNormal/);
    expect(error!.message).to.not.match(/main\.ts \(3:10\)/);
  });
});
