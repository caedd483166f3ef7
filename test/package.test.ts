// The package as a user gets it (helpers/packed.ts: the tarball installed into a fresh project):
// user code there against the documented entry points and the bin.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seedGraphsText } from "../compiler/seed-example.js";
import { root } from "./helpers/aot.js";
import { childEnv, packedProject, run, runtimeOnlyProject } from "./helpers/packed.js";

const version: string = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

// What a user writes: the seed's first example against the installed package.
const userScript = `
import { pt } from "tsmc";
import tensor, { pt as ptNamed, log, scalar, vector, dprint, fn } from "tsmc/tensor";
import { NDArray } from "tsmc/runtime";

const x = pt.scalar("x");
const y = pt.vector("y");
const z = x.add(y);
z.name = "x + y";
const w = pt.log(z);
w.name = "log(x + y)";
const f = pt.fn([x, y], w);
const positional = f(0, [1, Math.E]);
const named = f({ x: 0, y: [1, Math.E] });

const a = scalar("a");
const b = scalar("b");
const g = fn([a, b], b.mul(a.div(b)));

console.log(JSON.stringify({
  sameTensorApi: tensor === pt && ptNamed === pt && log === pt.log && vector === pt.vector,
  isNDArray: positional instanceof NDArray,
  shape: positional.shape,
  positional: positional.toArray(),
  named: Array.from(named.data),
  dprint: dprint(w),
  compiled: pt.dprint(g),
  g: g(3, 7),
}));
`;

// The same, type-checked against the shipped declarations.
const userTs = `
import { pt, NDArray } from "tsmc";
import tensor, { vector } from "tsmc/tensor";
import { NDArray as RuntimeNDArray } from "tsmc/runtime";

const x = pt.scalar("x");
const y = vector("y");
const w = tensor.log(x.add(y));
w.name = "log(x + y)";
const f = pt.fn([x, y], w);
const out: RuntimeNDArray = f(0, [1, Math.E]);
const same: NDArray = out;
const text: string = pt.dprint(w);
const shape: number[] = same.shape;
export { text, shape };
`;

describe("package: npm pack, install into a fresh project, use it", function () {
  this.timeout(180_000);
  let packed: { filename: string; size: number; files: { path: string }[] };
  let project: string;

  before(function () {
    ({ project, packed } = packedProject());
  });

  it("ships only the built compiler, runtime, plugin and README", function () {
    const paths = packed.files.map((f) => f.path);
    const required = [
      "package.json",
      "README.md",
      "dist/compiler/index.js",
      "dist/compiler/index.d.ts",
      "dist/compiler/tensor.js",
      "dist/compiler/tensor.d.ts",
      "dist/compiler/cli.js",
      "dist/runtime/index.js",
      "dist/runtime/index.d.ts",
    ];
    expect(
      required.filter((p) => !paths.includes(p)),
      "missing from the tarball",
    ).to.deep.equal([]);
    const outside = paths.filter((p) => !/^dist\/(compiler|runtime|plugin-rollup|plots)\//.test(p) && !["package.json", "README.md", "LICENSE"].includes(p));
    expect(outside, "files outside dist/{compiler,runtime,plugin-rollup,plots}").to.deep.equal([]);
    expect(
      paths.filter((p) => /(^|\/)(test|fixtures)\//.test(p)),
      "tests or fixtures",
    ).to.deep.equal([]);
    expect(
      paths.filter((p) => /\.ts$/.test(p) && !/\.d\.ts$/.test(p)),
      "TypeScript sources",
    ).to.deep.equal([]);
  });

  it("ships source maps that carry their sources, and the notices of the third-party code in the runtime", function () {
    const installed = join(project, "node_modules", "tsmc");
    const maps = packed.files.map((f) => f.path).filter((p) => p.endsWith(".js.map"));
    expect(maps.length).to.be.greaterThan(50);
    const withoutSources = maps.filter((m) => {
      const map = JSON.parse(readFileSync(join(installed, m), "utf8"));
      return !(map.sourcesContent?.length === map.sources.length && map.sourcesContent.every((t: unknown) => typeof t === "string"));
    });
    expect(withoutSources, "maps without sourcesContent").to.deep.equal([]);
    const notices = readFileSync(join(installed, "dist", "runtime", "vendor", "NOTICES.md"), "utf8");
    expect(notices).to.include("- @stdlib/math-base-special-gammaln@").and.include("- seedrandom@3.0.5 (MIT)").and.include("Apache License");
  });

  it("runs the seed's first example from user code: tsmc, tsmc/tensor, tsmc/runtime", function () {
    writeFileSync(join(project, "user.mjs"), userScript);
    const result = JSON.parse(run(process.execPath, ["user.mjs"], project));
    expect(result.sameTensorApi, "tsmc/tensor exports the same object and functions as pt").to.equal(true);
    expect(result.isNDArray, "results are tsmc/runtime's NDArray").to.equal(true);
    expect(result.shape).to.deep.equal([2]);
    expect(result.positional[0]).to.be.closeTo(0, 1e-12);
    expect(result.positional[1]).to.be.closeTo(1, 1e-12);
    expect(result.named[0]).to.be.closeTo(0, 1e-12);
    expect(result.named[1]).to.be.closeTo(1, 1e-12);
    expect(result.dprint).to.equal(
      ["Log [id A] 'log(x + y)'", " └─ Add [id B] 'x + y'", "    ├─ ExpandDims{axis=0} [id C]", "    │  └─ x [id D]", "    └─ y [id E]"].join("\n"),
    );
    expect(result.compiled).to.equal(["DeepCopyOp [id A] 0", " └─ a [id B]"].join("\n"));
    expect(result.g).to.equal(3);
  });

  it("samples from user code with chains in worker threads, the same trace as in one thread", function () {
    writeFileSync(
      join(project, "sample.mjs"),
      [
        `import { model, Normal, HalfNormal } from "tsmc";`,
        `const m = model("m", () => {`,
        `  const mu = Normal("mu", 0, 10);`,
        `  Normal("y", mu, HalfNormal("sigma", 2), { observed: [1.2, 0.4, 2.2, 1.7] });`,
        `});`,
        `const opts = { draws: 60, tune: 60, chains: 2, seed: 7 };`,
        `const workers = m.sample({ ...opts, cores: 2 }), one = m.sample({ ...opts, cores: 1 });`,
        `console.log(JSON.stringify({ shape: workers.posterior.mu.shape, same: workers.posterior.mu.data.every((v, i) => v === one.posterior.mu.data[i]) }));`,
      ].join("\n"),
    );
    expect(JSON.parse(run(process.execPath, ["sample.mjs"], project))).to.deep.equal({ shape: [2, 60], same: true });
  });

  it("type-checks user TypeScript against the shipped declarations", function () {
    writeFileSync(join(project, "user.ts"), userTs);
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ["user.ts"],
      }),
    );
    run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "."], project);
  });

  it("compiles a user's model ahead of time with tsmc/rollup and tsmc build; a bad model fails at its line", function () {
    mkdirSync(join(project, "src"), { recursive: true });
    const seed = `import { model, Normal, HalfNormal } from "tsmc";\nexport const seed = model("seed", () => {\n  const mu = Normal("mu", 0, 2);\n  Normal("x", mu, HalfNormal("sigma", 3));\n});\n`;
    writeFileSync(join(project, "src", "seed.ts"), seed);
    writeFileSync(join(project, "src", "bad.ts"), `import { model, HalfNormal } from "tsmc";\nexport const bad = model(() => {\n  HalfNormal("s", -1);\n});\n`);
    writeFileSync(
      join(project, "bundle.mjs"),
      [
        `import { rollup } from "rollup";`,
        `import tsmc from "tsmc/rollup";`,
        `const b = await rollup({ input: process.argv[2], external: ["tsmc/runtime"], plugins: [tsmc()] });`,
        `const { output } = await b.write({ file: "out/bundle.mjs", format: "es" });`,
        `const { seed } = await import("./out/bundle.mjs");`,
        `const x = new Float64Array(3).fill(0.1), g = new Float64Array(3);`,
        `console.log(JSON.stringify({ lp: seed.flat.logpGrad(x, g), g: Array.from(g), imports: output[0].imports }));`,
      ].join("\n"),
    );
    // the seed's .ts is plain JavaScript but for its extension: rollup reads it as it is
    const bundled = JSON.parse(run(process.execPath, ["bundle.mjs", "src/seed.ts"], project));
    expect(bundled.imports).to.deep.equal(["tsmc/runtime"]);
    const bin = join(project, "node_modules", ".bin", "tsmc");
    run(bin, ["build", "src/seed.ts", "--outDir", "built"], project);
    writeFileSync(
      join(project, "built-run.mjs"),
      `import { seed } from "./built/seed.js";\nconst x = new Float64Array(3).fill(0.1), g = new Float64Array(3);\nconsole.log(JSON.stringify({ lp: seed.flat.logpGrad(x, g), g: Array.from(g) }));\n`,
    );
    const built = JSON.parse(run(process.execPath, ["built-run.mjs"], project));
    expect(built).to.deep.equal({ lp: bundled.lp, g: bundled.g });
    expect(readFileSync(join(project, "built", "seed.d.ts"), "utf8")).to.include("mu: number;\n    sigma_log__: number;\n    x: number;");
    // the built module never samples (no sampler linked into it): tsmc sample brings its own
    const sampled = spawnSync(bin, ["sample", "built/seed.js", "--draws", "30", "--tune", "30", "--chains", "1", "--no-progress"], {
      cwd: project,
      env: childEnv,
      encoding: "utf8",
    });
    expect(sampled.status, sampled.stderr).to.equal(0);
    expect(sampled.stdout).to.match(/^mu\s/m);

    const failed = spawnSync(bin, ["build", "src/bad.ts", "--outDir", "built-bad"], { cwd: project, env: childEnv, encoding: "utf8" });
    expect(failed.status).to.equal(1);
    expect(failed.stderr).to.match(/^src\/bad\.ts:3:3: HalfNormal\('s'\): invalid parameter: sigma > 0 does not hold \(sigma = -1\)\n/);
    expect(failed.stderr).to.include(`> 3 |   HalfNormal("s", -1);\n    |   ^`);
    const viaRollup = spawnSync(process.execPath, ["bundle.mjs", "src/bad.ts"], { cwd: project, env: childEnv, encoding: "utf8" });
    expect(viaRollup.status).to.not.equal(0);
    expect(viaRollup.stderr).to.include("HalfNormal('s'): invalid parameter");
  });

  it("installs the tsmc bin: --version, --help, example", function () {
    const bin = join(project, "node_modules", ".bin", "tsmc");
    expect(run(bin, ["--version"], project).trim()).to.equal(version);
    expect(run(bin, ["--help"], project))
      .to.match(/Usage: tsmc/)
      .and.to.match(/example/);
    const example = run(bin, ["example"], project);
    expect(example).to.include("DeepCopyOp [id A] 0");
    expect(example).to.include("Add [id A] 'x + y' 1");
  });
});

describe("package without the build pass: `npm install tsmc` alone (ts-morph and rollup are optional peers)", function () {
  this.timeout(180_000);
  let project: string;
  const seed = `import { model, Normal, HalfNormal } from "tsmc";\nexport const seed = model("seed", () => {\n  const mu = Normal("mu", 0, 2);\n  Normal("x", mu, HalfNormal("sigma", 3), { observed: 0.5 });\n});\n`;
  const NEEDS_PEERS =
    /needs ts-morph and rollup installed beside tsmc \(optional peer dependencies; '(ts-morph|rollup)' was not found\)\. Install them with: npm install --save-dev ts-morph rollup/;

  before(function () {
    ({ project } = runtimeOnlyProject());
    mkdirSync(join(project, "src"), { recursive: true });
    writeFileSync(join(project, "src", "seed.mjs"), seed);
  });

  it("installs neither peer", function () {
    expect(existsSync(join(project, "node_modules", "tsmc"))).to.equal(true);
    expect(existsSync(join(project, "node_modules", "ts-morph")), "ts-morph").to.equal(false);
    expect(existsSync(join(project, "node_modules", "rollup")), "rollup").to.equal(false);
  });

  it("compiles in process, samples, and summarizes with the runtime alone", function () {
    writeFileSync(
      join(project, "in-process.mjs"),
      [
        `import { seed } from "./src/seed.mjs";`,
        `import { summary } from "tsmc/runtime";`,
        `const trace = seed.sample({ draws: 50, tune: 50, chains: 1, seed: 3 });`,
        `console.log(JSON.stringify({ lp: seed.logp({ mu: 0.1, sigma_log__: 0.2 }), rows: summary(trace).rows.length }));`,
      ].join("\n"),
    );
    const out = JSON.parse(run(process.execPath, ["in-process.mjs"], project));
    expect(out.rows).to.equal(2);
    expect(out.lp).to.be.a("number").and.to.be.lessThan(0);
  });

  it("tsmc sample imports the module and compiles it in process; tsmc example runs", function () {
    const bin = join(project, "node_modules", ".bin", "tsmc");
    const r = spawnSync(bin, ["sample", "src/seed.mjs", "--draws", "40", "--tune", "40", "--chains", "1", "--no-progress"], {
      cwd: project,
      env: childEnv,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout)
      .to.match(/\bmu\b/)
      .and.to.match(/\bsigma\b/);
    expect(run(bin, ["example"], project)).to.include("DeepCopyOp [id A] 0");
  });

  it("tsmc build and tsmc print say what to install, and write nothing", function () {
    const bin = join(project, "node_modules", ".bin", "tsmc");
    for (const args of [
      ["build", "src/seed.mjs", "--outDir", "built"],
      ["print", "src/seed.mjs"],
    ]) {
      const r = spawnSync(bin, args, { cwd: project, env: childEnv, encoding: "utf8" });
      expect(r.status, args[0]).to.equal(1);
      expect(r.stderr, args[0]).to.match(NEEDS_PEERS).and.to.include(`tsmc ${args[0]} needs`);
      expect(r.stderr, args[0]).to.not.match(/\n\s+at /); // a message, not a stack trace
    }
    expect(existsSync(join(project, "built"))).to.equal(false);
  });

  it("the rollup/Vite plugin loads, and fails a model module with the same message", async function () {
    writeFileSync(
      join(project, "plugin.mjs"),
      [
        `import { readFileSync } from "node:fs";`,
        `import { resolve } from "node:path";`,
        `import tsmc from "tsmc/rollup";`,
        `const plugin = tsmc();`,
        `const ctx = { addWatchFile() {}, error(e) { throw Object.assign(new Error(e.message), { id: e.id }); } };`,
        `const id = resolve("src/seed.mjs");`,
        `const untouched = await plugin.transform.call(ctx, "export const x = 1;", resolve("src/plain.mjs"));`,
        `try { await plugin.transform.call(ctx, readFileSync(id, "utf8"), id); console.log(JSON.stringify({ untouched, threw: false })); }`,
        `catch (e) { console.log(JSON.stringify({ untouched, threw: true, message: e.message, id: e.id === id })); }`,
      ].join("\n"),
    );
    const out = JSON.parse(run(process.execPath, ["plugin.mjs"], project));
    expect(out.untouched).to.equal(null);
    expect(out.threw).to.equal(true);
    expect(out.id).to.equal(true);
    expect(out.message).to.match(NEEDS_PEERS).and.to.include("the tsmc rollup/Vite plugin needs");
  });
});

describe("the bundled example (npm run example, tsmc example)", () => {
  it("prints the seed's graph half: dprints, values, the walk, cloneReplace", () => {
    const text = seedGraphsText();
    for (const block of [
      "x type: Scalar(float64, shape=())\nx name = x\n---\ny type: Vector(float64, shape=(?,))\ny name = y",
      "Log [id A] 'log(x + y)'\n └─ Add [id B] 'x + y'\n    ├─ ExpandDims{axis=0} [id C]\n    │  └─ x [id D]\n    └─ y [id E]",
      "ts> f(0, [1, Math.E])\n[0, 1]",
      "ts> f({ x: 0, y: [1, Math.E] })\n[0, 1]",
      "Mul [id A] 'b * c'\n ├─ b [id B]\n └─ True_div [id C] 'a / b'\n    ├─ a [id D]\n    └─ b [id B]",
      "DeepCopyOp [id A] 0\n └─ a [id B]",
      "z owner = Add(ExpandDims{axis=0}.0, y)",
      "Checking variable ExpandDims{axis=0}.0 of type Vector(float64, shape=(1,))\n > Op is ExpandDims{axis=0}\n > Input 0 is x",
      "ts> pt.graphInputs([w])\n[x, y]",
      "Log [id A] 'log(exp(x + y))'\n └─ Exp [id B] 'exp(x + y)'\n    └─ Add [id C] 'x + y'",
      "[1, 2.718281828459045]",
      "Add [id A] 'x + y' 1\n ├─ ExpandDims{axis=0} [id B] 0\n │  └─ x [id C]\n └─ y [id D]",
    ]) {
      expect(text).to.include(block);
    }
  });
});
