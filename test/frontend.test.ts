// The build pass itself (compiler/frontend): which calls it finds, what it evaluates and what it
// never runs, the spliced module (bit for bit the in-process model, no compiler left), escaping of
// user strings, the declaration types, and errors at the user's line and column.
import { expect } from "chai";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { transformModule, TsmcBuildError, compiledExpression } from "../compiler/frontend/index.js";
import { emitModel, Model, Normal, HalfNormal } from "../compiler/index.js";
import { ERROR_CASES, MODEL_FIXTURES, root, expectSameModel, expectedSite, fixture, isModel, scratchDir, type ModelLike } from "./helpers/aot.js";

// The spliced modules import the runtime from source here (the plugin and CLI tests use the package).
const runtimeUrl = pathToFileURL(join(root, "runtime", "index.ts")).href;
const build = (file: string, opts = {}) => transformModule(readFileSync(file, "utf8"), file, opts);

describe("frontend: finding model() declarations", () => {
  const at = (name: string) => fixture(name);

  it("finds model imported from tsmc under any alias, and through the namespace import", async () => {
    const r = await build(at("aliases.js"));
    expect(r!.models.map((m) => m.name)).to.deep.equal(["first", "model"]);
    expect(r!.code).to.not.match(/from "tsmc"/);
  });

  it("leaves alone a shadowed `model`, a `model` from elsewhere, and files without tsmc", async () => {
    const shadowed = `import { model } from "tsmc";\nexport function f(model) { return model(() => 1); }\n`;
    expect(await transformModule(shadowed, at("inline-shadowed.js"))).to.equal(null);
    const other = `import { model } from "./my-models.js";\nexport const m = model(() => 1);\n`;
    expect(await transformModule(other, at("inline-other.js"))).to.equal(null);
    expect(await transformModule(`export const model = 1;\n`, at("inline-none.js"))).to.equal(null);
  });

  it("compiles a declaration inside a function when the builder reads only build-time values", async () => {
    const code = [
      `import { model, Normal } from "tsmc";`,
      `const SCALE = 2;`,
      `export function make() {`,
      `  return model("inner", () => { Normal("x", 0, SCALE); });`,
      `}`,
    ].join("\n");
    const r = await transformModule(code, fixture("inline-inner.ts"));
    expect(r!.models[0].meta.valueVars.map((v) => v.name)).to.deep.equal(["x"]);
    expect(r!.code).to.include('export function make() {\n  return /* tsmc: model "inner"');
    expect(r!.code).to.not.include("SCALE"); // only the builder read it
  });

  it("keeps the tsmc imports that code outside the builders still uses", async () => {
    const code = [
      `import { model, Normal, pt } from "tsmc";`,
      `export const m = model(() => { Normal("x", 0, 1); });`,
      `export const y = pt.scalar("y");`,
    ].join("\n");
    const r = await transformModule(code, fixture("inline-keep.ts"));
    expect(r!.code).to.match(/^import \{ (\w+ as __tsmc_rt_\w+, )*\w+ as __tsmc_rt_\w+ \} from "tsmc\/runtime";\nimport \{ pt \} from "tsmc";/);
  });

  it("keeps an exported helper (and what it imports) but drops the helpers only the builders used", async () => {
    const r = await build(fixture("helper.ts"));
    expect(r!.code).to.not.match(/lib\/priors|lib\/constants|measurementError|function location|from "tsmc"/);
    expect(r!.code).to.include("runs += 1;");
    const code = [
      `import { model, Normal } from "tsmc";`,
      `export function prior(name: string) { return Normal(name, 0, 1); }`,
      `export const m = model(() => { prior("a"); });`,
    ].join("\n");
    const kept = await transformModule(code, fixture("inline-exported.ts"));
    expect(kept!.code).to.include(`import { Normal } from "tsmc";`);
    expect(kept!.code).to.include("export function prior");
  });
});

describe("frontend: what runs at build time", () => {
  it("never runs unrelated top-level code of the module (a console.log beside the model)", async () => {
    const logged: unknown[][] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void logged.push(args);
    try {
      delete (globalThis as { tsmcSideEffectRan?: boolean }).tsmcSideEffectRan;
      const r = await build(fixture("side-effects.ts"));
      expect(r!.models[0].name).to.equal("side_effects");
      expect((globalThis as { tsmcSideEffectRan?: boolean }).tsmcSideEffectRan).to.equal(undefined);
    } finally {
      console.log = original;
    }
    expect(logged).to.deep.equal([]);
  });

  it("evaluates the declarations the builder reads: module constants, helper results, imports, JSON", async () => {
    const r = await build(fixture("side-effects.ts"));
    // SCALE = halve(5) = 2.5 was computed at build time and is a constant of the compiled logp
    expect(r!.models[0].body).to.include("2.5");
    const lin = await build(fixture("linreg.ts"));
    expect(lin!.models[0].meta.valueVars.map((v) => [v.name, v.shape])).to.deep.equal([
      ["alpha", []],
      ["beta", [5]],
      ["sigma_log__", []],
    ]);
    expect(lin!.dependencies.map((d) => relative(fixture(""), d)).sort()).to.deep.equal(["data/linreg.json", "linreg.ts"]);
  });

  it("lists the local files a builder read (for watch mode)", async () => {
    const r = await build(fixture("helper.ts"));
    expect(r!.dependencies.map((d) => relative(fixture(""), d)).sort()).to.deep.equal(["helper.ts", "lib/constants.ts", "lib/priors.ts"]);
  });
});

describe("frontend: the spliced module is the in-process model, bit for bit", function () {
  const dir = scratchDir("frontend");
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, exports] of Object.entries(MODEL_FIXTURES)) {
    it(`${name}: ${exports.join(", ")}`, async () => {
      const file = fixture(name);
      const r = await build(file);
      expect(r!.code).to.not.match(/new Function|\beval\(|WebAssembly|ts-morph/);
      // The spliced text runs as is (after stripping types) next to the fixture's own imports.
      const { stripTypes } = await import("../compiler/frontend/evaluate.js");
      const js = /\.ts$/.test(file) ? stripTypes(r!.code, file).code : r!.code;
      const out = join(dir, name.replace(/\.ts$/, ".mjs"));
      writeFileSync(out, js.replaceAll(`from "./`, `from "${pathToFileURL(fixture("")).href}`).replace(`from "tsmc/runtime"`, `from "${runtimeUrl}"`));
      // Importing runs the modules' top-level code (side-effects.ts prints: at run time, not at build time).
      const printed: unknown[][] = [];
      const log = console.log;
      console.log = (...args: unknown[]) => void printed.push(args);
      let compiled, inProcess;
      try {
        compiled = await import(pathToFileURL(out).href);
        inProcess = await import(pathToFileURL(file).href);
      } finally {
        console.log = log;
      }
      // the compiled module runs its top-level code (the in-process one too, unless imported before)
      if (name === "side-effects.ts") expect(printed[0]).to.deep.equal(["tsmc fixture: top-level code of fixtures/side-effects.ts ran"]);
      for (const key of exports) {
        expect(isModel(compiled[key]), `${name} exports ${key}`).to.equal(true);
        expectSameModel(compiled[key] as ModelLike, inProcess[key] as ModelLike, `${name}: ${key}`);
      }
    });
  }

  it("splices exactly emitModel's body, applied to the runtime", async () => {
    const r = await build(fixture("seed.ts"));
    const m = Model.build("seed", () => {
      const mu = Normal("mu", 0, 2);
      const sigma = HalfNormal("sigma", 3);
      Normal("x", mu, sigma);
    });
    const { body } = emitModel(m, "seed");
    expect(r!.models[0].body).to.equal(body);
    expect(r!.code).to.include(compiledExpression("seed", body));
  });
});

describe("frontend: user strings stay strings", () => {
  it('a variable named `"); alert(1); ("` neither breaks the module nor injects code', async () => {
    const r = await build(fixture("inject.ts"), { declarations: true });
    const calls: unknown[] = [];
    const g = globalThis as { alert?: (x: unknown) => void };
    g.alert = (x) => void calls.push(x);
    try {
      const dir = scratchDir("inject");
      const { stripTypes } = await import("../compiler/frontend/evaluate.js");
      const out = join(dir, "inject.mjs");
      writeFileSync(out, stripTypes(r!.code, fixture("inject.ts")).code.replace(`from "tsmc/runtime"`, `from "${runtimeUrl}"`));
      const { weird } = await import(pathToFileURL(out).href);
      expect(weird.name).to.equal('"); alert(1); ("');
      expect(weird.valueVars.map((v: { name: string }) => v.name)).to.deep.equal(['"); alert(1); ("', "*/ alert(2); /*_log__", "x\u2028y`${alert(3)}`"]);
      const x = new Float64Array(weird.size).fill(0.1);
      expect(Number.isFinite(weird.flat.logp(x))).to.equal(true);
      expect(Object.keys(weird.draw({ seed: 1 }))).to.deep.equal(['"); alert(1); ("', "*/ alert(2); /*", "x\u2028y`${alert(3)}`"]);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      delete g.alert;
    }
    expect(calls).to.deep.equal([]);
    expect(r!.dts).to.include(`"\\"); alert(1); (\\"": number;`);
  });
});

describe("frontend: declaration types", () => {
  it("types each model with its point: value-variable names, numbers and arrays", async () => {
    const seed = await build(fixture("seed.ts"), { declarations: true });
    expect(seed!.dts).to.include("type __tsmc_Point0 = {\n    mu: number;\n    sigma_log__: number;\n    x: number;\n};");
    expect(seed!.dts).to.include("export declare const seed: __tsmc_Model0;");
    expect(seed!.dts).to.include("interface __tsmc_Model0 extends __tsmc_CompiledModel {");
    const radon = await build(fixture("radon.ts"), { declarations: true });
    expect(radon!.dts).to.include("a_offset: Float64Array | number[] | __tsmc_NDArray;");
    expect(radon!.dts).to.match(/withData\(values: Partial<\{\n\s+group: Float64Array \| number\[\] \| __tsmc_NDArray;/);
  });
});

describe("frontend: errors at the user's line and column", () => {
  for (const c of ERROR_CASES) {
    it(`${c.file}: ${c.reason.source.slice(1, 60)}…`, async () => {
      const site = expectedSite(c);
      let error: unknown;
      try {
        await build(fixture(c.file));
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(TsmcBuildError);
      const e = error as TsmcBuildError;
      expect({ file: e.file, line: e.line, column: e.column }).to.deep.equal(site);
      expect(e.reason).to.match(c.reason);
      // the code frame shows the user's line with a marker under the column
      const lines = e.frame.split("\n");
      const marked = lines.findIndex((l) => l.startsWith(`> ${site.line} |`));
      expect(marked, e.frame).to.be.greaterThan(-1);
      expect(lines[marked + 1].indexOf("^") - lines[marked].indexOf("|") - 2).to.equal(site.column - 1);
      expect(e.message.split("\n")[0]).to.match(new RegExp(`${c.errorFile ?? c.file}:${site.line}:${site.column}: `));
      expect(e.message).to.not.match(/\n\s+at /); // no stack trace from inside the compiler
    });
  }

  it("Math.random and import.meta in a builder are build errors too", async () => {
    const random = `import { model, Normal } from "tsmc";\nexport const m = model(() => {\n  Normal("x", Math.random(), 1);\n});\n`;
    const meta = `import { model, Normal } from "tsmc";\nexport const m = model(() => {\n  Normal("x", 0, import.meta.env.SCALE);\n});\n`;
    for (const [code, col, reason] of [
      [random, 15, /Math\.random\(\)/],
      [meta, 18, /import\.meta/],
    ] as const) {
      try {
        await transformModule(code, fixture("inline-error.ts"));
        expect.fail("no error");
      } catch (e) {
        expect(e).to.be.instanceOf(TsmcBuildError);
        expect([(e as TsmcBuildError).line, (e as TsmcBuildError).column]).to.deep.equal([3, col]);
        expect((e as TsmcBuildError).reason).to.match(reason);
      }
    }
  });
});
