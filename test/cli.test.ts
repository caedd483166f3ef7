// `tsmc build` and `tsmc print`, run as a user runs them (the built bin: `npm test` builds first).
// The written modules are JavaScript importing only tsmc/runtime, give the in-process model()
// bit for bit, come with source maps and with declarations that type-check user code.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { MODEL_FIXTURES, expectSameModel, fixture, isModel, root, scratchDir, type ModelLike } from "./helpers/aot.js";

const cli = join(root, "dist", "compiler", "cli.js");
function tsmc(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8" });
  if (r.error) throw r.error;
  return r;
}

describe("tsmc build", function () {
  let out: string;
  let verbose: string;
  const inputs = [...Object.keys(MODEL_FIXTURES).map((f) => `fixtures/${f}`), "fixtures/lib"];

  before(function () {
    out = scratchDir("cli");
    const r = tsmc("build", ...inputs, "--outDir", out, "--verbose");
    expect(r.status, r.stderr).to.equal(0);
    verbose = r.stdout;
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it("writes .js, .js.map and .d.ts per input, the paths below the inputs' folder kept, and the JSON they import", () => {
    const files = (dir: string, prefix = ""): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
    const written = files(out).sort();
    for (const f of [...Object.keys(MODEL_FIXTURES), "lib/constants.ts", "lib/priors.ts"]) {
      const js = f.replace(/\.ts$/, ".js");
      expect(written).to.include.members([js, `${js}.map`, js.replace(/\.js$/, ".d.ts")]);
    }
    expect(verbose.split("\n").filter(Boolean)).to.have.length(Object.keys(MODEL_FIXTURES).length + 2);
  });

  for (const [file, exports] of Object.entries(MODEL_FIXTURES)) {
    it(`${file}: JavaScript importing only tsmc/runtime, the in-process model bit for bit`, async () => {
      const path = join(out, file.replace(/\.ts$/, ".js"));
      const js = readFileSync(path, "utf8");
      const imports = [...js.matchAll(/^import .* from "([^"]+)"/gm)].map((m) => m[1]);
      expect(imports).to.deep.equal(["tsmc/runtime"]);
      expect(js).to.not.match(/new Function|\beval\(|: number\b|\binterface\b/);
      const log = console.log;
      console.log = () => {};
      let built, expected;
      try {
        built = await import(pathToFileURL(path).href);
        expected = await import(pathToFileURL(fixture(file)).href);
      } finally {
        console.log = log;
      }
      for (const key of exports) {
        expect(isModel(built[key]), key).to.equal(true);
        expectSameModel(built[key] as ModelLike, expected[key] as ModelLike, `${file}: ${key}`);
      }
    });
  }

  it("the source map leads back to the user's file, with its text", () => {
    const map = JSON.parse(readFileSync(join(out, "seed.js.map"), "utf8"));
    expect(map.file).to.equal("seed.js");
    expect(resolve(out, map.sources[0])).to.equal(fixture("seed.ts"));
    expect(map.sourcesContent[0]).to.equal(readFileSync(fixture("seed.ts"), "utf8"));
    expect(readFileSync(join(out, "seed.js"), "utf8")).to.match(/\/\/# sourceMappingURL=seed\.js\.map\n$/);
  });

  it("the declarations type the models by their points, and type-check user code", () => {
    const dts = readFileSync(join(out, "seed.d.ts"), "utf8");
    expect(dts).to.include("type __tsmc_Point0 = {\n    mu: number;\n    sigma_log__: number;\n    x: number;\n};");
    const user = join(out, "user.ts");
    writeFileSync(
      user,
      [
        `import type { CompiledModel } from "tsmc/runtime";`,
        `import { seed } from "./seed.js";`,
        `import { linreg } from "./linreg.js";`,
        `import { regression } from "./data-model.js";`,
        `const lp: number = seed.logp({ mu: 0.1, sigma_log__: 0.1, x: 0.1 });`,
        `const g: number = seed.dlogp(seed.initialPoint()).sigma_log__;`,
        `// @ts-expect-error: sigma_log__ is missing`,
        `seed.logp({ mu: 0.1, x: 0.1 });`,
        `// @ts-expect-error: sigma is the constrained name, not a value variable`,
        `seed.logp({ mu: 0.1, sigma: 0.1, x: 0.1 });`,
        `linreg.logp({ alpha: 0, beta: [1, 2, 3, 4, 5], sigma_log__: 0 });`,
        `linreg.logp({ alpha: 0, beta: new Float64Array(5), sigma_log__: 0 });`,
        `const bound = regression.withData({ x: [1, 2, 3, 4, 5] });`,
        `// @ts-expect-error: no data input named z`,
        `regression.withData({ z: [1] });`,
        `const any: CompiledModel = bound;`,
        `export { lp, g, any };`,
      ].join("\n"),
    );
    const program = ts.createProgram([user], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: [],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName.startsWith(out));
    expect(diagnostics.map((d) => `${relative(out, d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`)).to.deep.equal([]);
  });
});

describe("tsmc build: errors", () => {
  it("reports file:line:column, the reason and a code frame; exits non-zero; writes nothing", () => {
    const out = join(root, ".tmp", "tests", "cli-failed");
    rmSync(out, { recursive: true, force: true });
    const r = tsmc("build", "fixtures/seed.ts", "fixtures/errors/support.ts", "fixtures/errors/env.ts", "--outDir", out);
    expect(r.status).to.equal(1);
    expect(existsSync(out), "a failed build writes nothing").to.equal(false);
    expect(r.stderr).to.include(
      [
        "fixtures/errors/support.ts:6:13: HalfNormal('s'): invalid parameter: sigma > 0 does not hold (sigma = -1)",
        "",
        '  4 | export const bad = model("bad", () => {',
        '  5 |   const mu = Normal("mu", 0, 1);',
        '> 6 |   const s = HalfNormal("s", -1);',
        "    |             ^",
        '  7 |   Normal("x", mu, s);',
        "  8 | });",
      ].join("\n"),
    );
    expect(r.stderr).to.include("fixtures/errors/env.ts:5:25: the builder of model 'bad' reads process.env");
    expect(r.stderr).to.include("tsmc build: 2 errors; nothing written");
    expect(r.stderr).to.not.match(/\n\s+at /);
  });

  it("a missing input is an error too", () => {
    const r = tsmc("build", "fixtures/no-such-file.ts", "--outDir", join(root, ".tmp", "tests", "cli-none"));
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include("no such file or directory: fixtures/no-such-file.ts");
  });
});

describe("tsmc print", () => {
  // What the bin prints is compared with the same build of the library (dist/, like the bin).
  type Lib = typeof import("../compiler/index.js");
  type Frontend = typeof import("../compiler/frontend/index.js");
  let lib: Lib, frontend: Frontend, dprint: (v: unknown) => string;
  before(async () => {
    lib = await import(pathToFileURL(join(root, "dist", "compiler", "index.js")).href);
    frontend = await import(pathToFileURL(join(root, "dist", "compiler", "frontend", "index.js")).href);
    dprint = lib.pt.dprint as (v: unknown) => string;
  });
  const seed = () =>
    lib.Model.build("seed", () => {
      const mu = lib.Normal("mu", 0, 2);
      const sigma = lib.HalfNormal("sigma", 3);
      lib.Normal("x", mu, sigma);
    });
  const modelGraphs = (...args: Parameters<Frontend["modelGraphs"]>) => frontend.modelGraphs(...args);

  it("prints the rewritten logp graph by default, the graph as built with --no-rewrite", () => {
    const r = tsmc("print", "fixtures/seed.ts");
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(`${dprint(modelGraphs(seed(), "logp", true))}\n`);
    const raw = tsmc("print", "fixtures/seed.ts", "--no-rewrite");
    expect(raw.stdout).to.equal(`${dprint(modelGraphs(seed(), "logp", false))}\n`);
    expect(raw.stdout).to.not.equal(r.stdout);
  });

  it("--graph dlogp and draw; --model picks one model of a file; an unknown model is an error", () => {
    const d = tsmc("print", "fixtures/seed.ts", "--graph", "dlogp");
    expect(d.stdout).to.equal(`${dprint(modelGraphs(seed(), "dlogp", true))}\n`);
    const draw = tsmc("print", "fixtures/aliases.js", "--model", "first", "--graph", "draw");
    expect(draw.status, draw.stderr).to.equal(0);
    expect(draw.stdout)
      .to.match(/normal_rv/)
      .and.to.match(/halfnormal_rv/)
      .and.not.to.match(/^#/);
    const bad = tsmc("print", "fixtures/aliases.js", "--model", "nope");
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.include("no model named 'nope'; the models are 'first', 'model'");
  });

  it("--help lists build and print", () => {
    const help = tsmc("--help").stdout;
    expect(help)
      .to.match(/build \[options\] <inputs\.\.\.>/)
      .and.to.match(/print \[options\] <file>/);
  });
});
