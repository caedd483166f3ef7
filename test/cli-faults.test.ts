// The command line never loses a file nor a run: `tsmc build` and `tsmc sample` refuse, before any
// work, outputs that would replace an input or each other; --model refuses an ambiguous name; the
// temporary files beside --out cannot be planted; a TypeScript module without model() calls loads
// outside tsx; and what the written trace cannot hold is found before sampling, not after.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import { chooseModel, registerSample, writeFileAtomically, writeZarrAtomically } from "../compiler/cli-sample.js";
import { build } from "../compiler/frontend/build.js";
import { type CompiledModel, NDArray, Trace } from "../runtime/index.js";
import { root, scratchDir } from "./helpers/aot.js";
import { captureIO } from "./helpers/cli-io.js";

const OK = `import { model, Normal, data } from "tsmc";
export const m = model("ok", () => { const mu = Normal("mu", 0, 1); Normal("y", mu, 1, { observed: data("yd", [1.0, 2.0]) }); });
`;

const FEW = ["--draws", "10", "--tune", "10", "--chains", "1", "--cores", "1", "--seed", "1", "--no-progress"];

/** Run `tsmc sample` in process; the error it throws, if any (the command prints it and exits 1). */
async function sample(args: string[], io = captureIO()): Promise<{ error?: Error; io: typeof io }> {
  const program = new Command("tsmc").exitOverride();
  registerSample(program, io);
  try {
    await program.parseAsync(["node", "tsmc", "sample", ...args, ...FEW]);
    return { io };
  } catch (e) {
    return { error: e as Error, io };
  }
}

describe("tsmc sample: outputs and checks before the run", () => {
  const dir = scratchDir("cli-faults");
  const at = (name: string) => join(dir, name);
  before(() => {
    writeFileSync(at("ok.ts"), OK);
    writeFileSync(at("noobs.ts"), `import { model, Normal } from "tsmc";\nexport const m = model("noobs", () => { Normal("mu", 0, 1); });\n`);
    writeFileSync(at("slash.ts"), `import { model, Normal } from "tsmc";\nexport const m = model("slash", () => { Normal("a/b", 0, 1); });\n`);
    writeFileSync(at("chain.ts"), `import { model, Normal } from "tsmc";\nexport const m = model("cn", () => { Normal("chain", 0, 1); });\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("--out naming the model's file, or --data's file, is refused; the file stays as it was", async () => {
    const { error, io } = await sample([at("ok.ts"), "--out", at("ok.ts")]);
    expect(error?.message).to.equal(`--out ${at("ok.ts")}: is the input ${at("ok.ts")}; not writing over it`);
    expect(readFileSync(at("ok.ts"), "utf8")).to.equal(OK);
    expect(io.err).not.to.contain("Sampling model");
    writeFileSync(at("d.json"), "{}");
    const data = await sample([at("ok.ts"), "--data", `@${at("d.json")}`, "--report", at("d.json")]);
    expect(data.error?.message).to.contain(`--report ${at("d.json")}: is the input`);
    expect(readFileSync(at("d.json"), "utf8")).to.equal("{}");
  });

  it("--out and --report naming one file are refused before sampling", async () => {
    const { error, io } = await sample([at("ok.ts"), "--out", at("same.json"), "--report", at("same.json")]);
    expect(error?.message).to.equal(`--out ${at("same.json")} and --report ${at("same.json")} are one file; give them different paths`);
    expect(io.err).not.to.contain("Sampling model");
    expect(existsSync(at("same.json"))).to.equal(false);
  });

  it("a missing folder is refused before sampling, for JSON and Zarr alike, and not created", async () => {
    for (const name of ["t.json", "t.zarr"]) {
      const { error, io } = await sample([at("ok.ts"), "--out", join(dir, "missing", name)]);
      expect(error?.message).to.equal(`--out ${join(dir, "missing", name)}: the folder ${join(dir, "missing")} does not exist`);
      expect(io.err).not.to.contain("Sampling model");
    }
    const report = await sample([at("ok.ts"), "--report", join(dir, "missing", "r.html")]);
    expect(report.error?.message).to.equal(`--report ${join(dir, "missing", "r.html")}: the folder ${join(dir, "missing")} does not exist`);
    expect(existsSync(at("missing"))).to.equal(false);
  });

  it("names a Zarr store cannot hold are refused before sampling", async () => {
    const slash = await sample([at("slash.ts"), "--out", at("s.zarr")]);
    expect(slash.error?.message).to.equal(`--out ${at("s.zarr")}: toZarr: the variable 'a/b' cannot be a Zarr array name (empty, '/', '\\' or a leading '.')`);
    expect(slash.io.err).not.to.contain("Sampling model");
    const chain = await sample([at("chain.ts"), "--out", at("c.zarr")]);
    expect(chain.error?.message).to.equal(`--out ${at("c.zarr")}: toZarr: 'chain' in posterior is both a variable and a dimension name`);
    expect(chain.io.err).not.to.contain("Sampling model");
    // JSON holds them.
    const json = await sample([at("slash.ts"), "--out", at("s.json")]);
    expect(json.error).to.equal(undefined);
    expect(Object.keys(JSON.parse(readFileSync(at("s.json"), "utf8")).posterior)).to.deep.equal(["a/b"]);
  });

  it("--log-likelihood on a model without observed RVs is refused before sampling", async () => {
    const { error, io } = await sample([at("noobs.ts"), "--log-likelihood"]);
    expect(error?.message).to.equal("--log-likelihood: model 'noobs' has no observed variables, so no log-likelihood");
    expect(io.err).not.to.contain("Sampling model");
  });
});

describe("tsmc sample --model: a model name or an export name, matching one model", () => {
  const entry = (exportName: string, name: string, model = { name } as CompiledModel) => ({ exportName, model });

  it("a name that matches several models is an error listing them", () => {
    const twoSame = [entry("a", "same"), entry("b", "same")];
    expect(() => chooseModel("two.ts", twoSame, "same")).to.throw(
      "two.ts: --model 'same' matches several models: 'same' (export a), 'same' (export b). --model matches a model name or an export name; give one that names a single model",
    );
    expect(chooseModel("two.ts", twoSame, "b")).to.equal(twoSame[1]);
    // Model "a" is exported as b, model "b" as a.
    const crossed = [entry("b", "a"), entry("a", "b")];
    expect(() => chooseModel("two2.ts", crossed, "a")).to.throw("--model 'a' matches several models: 'a' (export b), 'b' (export a)");
    expect(() => chooseModel("two2.ts", crossed, "b")).to.throw("--model 'b' matches several models");
  });

  it("one model exported under two names is one model", () => {
    const first = { name: "first" } as CompiledModel;
    const aliases = [entry("first", "first", first), entry("default", "first", first)];
    expect(chooseModel("aliases.js", aliases, "first")).to.equal(aliases[0]);
    expect(chooseModel("aliases.js", aliases)).to.equal(aliases[0]);
  });
});

describe("the temporary files beside --out", () => {
  const dir = scratchDir("cli-faults-tmp");
  after(() => rmSync(dir, { recursive: true, force: true }));
  const trace = () =>
    new Trace({
      posterior: { mu: new NDArray([1, 3], new Float64Array([0.1, 0.2, 0.3])) },
      sampleStats: { diverging: new NDArray([1, 3], new Float64Array(3)) },
    });

  it("have random names, created exclusively: a symbolic link planted at a predictable one is left alone", async () => {
    const precious = join(dir, "precious.txt");
    writeFileSync(precious, "precious");
    const planted = join(dir, `.trace.json.${process.pid}.tmp`);
    symlinkSync(precious, planted);
    const out = join(dir, "trace.json");
    await writeFileAtomically(out, (write) => write('{"posterior":{}}'));
    expect(readFileSync(precious, "utf8")).to.equal("precious");
    expect(lstatSync(out).isSymbolicLink()).to.equal(false);
    expect(readFileSync(out, "utf8")).to.equal('{"posterior":{}}');
    expect(readdirSync(dir).sort()).to.deep.equal([basename(planted), "precious.txt", "trace.json"]);
  });

  it("are removed when the writing fails, the previous file kept", async () => {
    const out = join(dir, "kept.json");
    writeFileSync(out, "before");
    const before = readdirSync(dir).sort();
    let error: Error | undefined;
    try {
      await writeFileAtomically(out, (write) => {
        write("partial");
        throw new Error("disk full");
      });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.equal("disk full");
    expect(readFileSync(out, "utf8")).to.equal("before");
    expect(readdirSync(dir).sort()).to.deep.equal(before);
  });

  it("a Zarr store is built in a fresh folder: a folder at the predictable name is left alone", () => {
    const planted = join(dir, `.t.zarr.${process.pid}.tmp`);
    mkdirSync(planted);
    writeFileSync(join(planted, "keep"), "x");
    const out = join(dir, "t.zarr");
    writeZarrAtomically(out, trace());
    writeZarrAtomically(out, trace()); // replaces the store
    expect(readFileSync(join(planted, "keep"), "utf8")).to.equal("x");
    expect(existsSync(join(out, "posterior", "mu", ".zarray"))).to.equal(true);
    expect(readdirSync(dir).filter((f) => f.includes("t.zarr"))).to.have.members([basename(planted), "t.zarr"]);
  });
});

describe("tsmc sample: a TypeScript module without model() calls, outside tsx", () => {
  const dir = scratchDir("cli-faults-ts");
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("samples a re-exported model; a module without models is 'no models in <file>'", () => {
    writeFileSync(join(dir, "ok.ts"), OK);
    writeFileSync(join(dir, "reexport.ts"), `export { m } from "./ok.ts";\n`);
    writeFileSync(join(dir, "none.ts"), "const x: number = 1;\nexport { x };\n");
    // A child process where tsx loads the command's sources and is then unregistered: the user's
    // modules meet Node's loader alone, as under the built `tsmc`.
    const script = `
      import { register } from "tsx/esm/api";
      const unregister = register();
      const cli = await import(${JSON.stringify(pathToFileURL(join(root, "compiler", "cli-sample.ts")).href)});
      await unregister();
      let out = "";
      const io = { stdout: { write: (s) => (out += s) }, stderr: { write: () => true } };
      const opts = { draws: 10, tune: 10, chains: 1, cores: 1, seed: "1", targetAccept: 0.8, progress: false };
      const code = await cli.runSample(${JSON.stringify(join(dir, "reexport.ts"))}, opts, io);
      let error = "";
      await cli.runSample(${JSON.stringify(join(dir, "none.ts"))}, opts, io).catch((e) => (error = e.message));
      console.log(JSON.stringify({ code, out, error }));
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    const { code, out, error } = JSON.parse(r.stdout);
    expect(code).to.equal(0);
    expect(out)
      .to.match(/^\s+mean/)
      .and.to.match(/\nmu\s/);
    expect(error).to.equal(`no models in ${join(dir, "none.ts")}: it exports no compiled model (declare one with model(...) and export it)`);
  });
});

describe("tsmc build: outputs checked before compiling", () => {
  const dir = scratchDir("cli-faults-build");
  after(() => rmSync(dir, { recursive: true, force: true }));
  const js = `import { model, Normal } from "tsmc";\nexport const m = model("js", () => { Normal("mu", 0, 1); });\n`;

  async function refusal(inputs: string[], outDir: string): Promise<string | undefined> {
    try {
      await build(inputs, outDir);
    } catch (e) {
      return (e as Error).message;
    }
    return undefined;
  }

  it("an output that is an input is refused; the input stays as it was", async () => {
    const src = join(dir, "src.js");
    writeFileSync(src, js);
    const message = await refusal([src], dir);
    expect(message).to.match(/src\.js compiles to .*src\.js, which is an input of the build; choose another --outDir$/);
    expect(readFileSync(src, "utf8")).to.equal(js);
    // A TypeScript input beside its output is fine.
    writeFileSync(join(dir, "plain.ts"), "export const x: number = 1;\n");
    const ok = await build([join(dir, "plain.ts")], dir);
    expect(ok.outputs.map((o) => o.path)).to.deep.equal(["plain.js", "plain.js.map", "plain.d.ts"].map((f) => join(dir, f)));
  });

  it("two inputs with one output are refused, naming both", async () => {
    const d3 = join(dir, "d3");
    mkdirSync(d3);
    writeFileSync(join(d3, "x.ts"), js.replace('"js"', '"from_ts"'));
    writeFileSync(join(d3, "x.js"), js.replace('"js"', '"from_js"'));
    const out = join(dir, "out");
    const message = await refusal([d3], out);
    expect(message).to.match(/d3\/x\.js and .*d3\/x\.ts would both be written to .*out\/x\.js; rename one, or build them apart$/);
    expect(existsSync(out)).to.equal(false);
  });
});
