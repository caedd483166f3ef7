// `tsmc build` output runs under plain `node`: relative imports written the TypeScript way
// (`./models`, `./lib` for lib/index.ts, `./show.ts`) are emitted as the file names Node loads,
// with the source maps still leading back to the user's text; one that names no file is a warning.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { build, writeOutputs } from "../compiler/frontend/index.js";
import { HalfNormal, Normal, model } from "../compiler/index.js";
import { root } from "./helpers/aot.js";

/** A project of its own (package.json, node_modules/tsmc linked to this repository) in a temp folder. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "tsmc-node-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "user-project", private: true, type: "module" }));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(root, join(dir, "node_modules", "tsmc"), "dir");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const POINT = { mu: 0.1, sigma_log__: 0.2, x: 0.3 };

const SOURCES = {
  "src/models.ts": [
    `import { model, Normal, HalfNormal } from "tsmc";`,
    ``,
    `export const seed = model("seed", () => {`,
    `  const mu = Normal("mu", 0, 2);`,
    `  const sigma = HalfNormal("sigma", 3);`,
    `  Normal("x", mu, sigma);`,
    `});`,
  ].join("\n"),
  "src/lib/index.ts": `export const POINT: Record<string, number> = ${JSON.stringify(POINT)};\n`,
  "src/lib/show.ts": `export const show = (v: unknown): string => JSON.stringify(v);\n`,
  "src/reexport.ts": `export { seed } from "./models";\nexport * from "./lib/show.ts";\n`,
  "src/main.ts": [
    `import { seed, show } from "./reexport";`,
    `import { POINT } from "./lib";`,
    `const later = await import("./lib/index");`,
    `console.log(show({ logp: seed.logp(POINT), same: later.POINT === POINT }));`,
  ].join("\n"),
};

describe("tsmc build: the output runs under node", function () {
  let dir: string;
  let result: Awaited<ReturnType<typeof build>>;

  before(async () => {
    dir = project(SOURCES);
    result = await build([join(dir, "src")], join(dir, "build"));
    expect(result.errors.map((e) => e.message)).to.deep.equal([]);
    writeOutputs(result.outputs);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("relative specifiers name the emitted files: extensionless, a folder's index, .ts, re-exports, import()", () => {
    const js = (f: string) => readFileSync(join(dir, "build", f), "utf8");
    expect(js("main.js")).to.include(`from "./reexport.js"`).and.include(`from "./lib/index.js"`).and.include(`import("./lib/index.js")`);
    expect(js("reexport.js")).to.include(`export { seed } from "./models.js";`).and.include(`export * from "./lib/show.js";`);
    expect(js("reexport.d.ts")).to.include(`from "./models.js"`);
    expect(result.warnings).to.deep.equal([]);
  });

  it("plain node runs it, with the in-process model's logp", () => {
    const r = spawnSync(process.execPath, [join(dir, "build", "main.js")], { cwd: dir, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    const seed = model("seed", () => {
      const mu = Normal("mu", 0, 2);
      const sigma = HalfNormal("sigma", 3);
      Normal("x", mu, sigma);
    });
    expect(JSON.parse(r.stdout)).to.deep.equal({ logp: seed.logp(POINT), same: true });
  });

  it("the source map still leads back to the user's text past a rewritten specifier", () => {
    const lines = readFileSync(join(dir, "build", "main.js"), "utf8").split("\n");
    const map = new TraceMap(readFileSync(join(dir, "build", "main.js.map"), "utf8"));
    const source = SOURCES["src/main.ts"].split("\n");
    for (const [line, token] of [
      [1, `"./`],
      [3, ");"],
      [4, "seed.logp"],
    ] as const) {
      const column = lines[line - 1].indexOf(token);
      const orig = originalPositionFor(map, { line, column });
      expect(orig.source).to.equal("../src/main.ts");
      expect(source[orig.line! - 1].slice(orig.column!).startsWith(token), `${token}: ${JSON.stringify(orig)}`).to.equal(true);
    }
  });
});

describe("tsmc build: a relative import that names no file", () => {
  const files = {
    "src/ok.ts": `export const one = 1;\n`,
    "src/bad.ts": `import { one } from "./ok";\nimport { nothing } from "./nope";\nexport const two = one + nothing;\n`,
  };

  it("is left as written, with a warning at the user's line and 1-based column; the build succeeds", async () => {
    const dir = project(files);
    try {
      const r = await build([join(dir, "src")], join(dir, "build"));
      expect(r.errors).to.deep.equal([]);
      expect(r.warnings).to.have.length(1);
      const w = r.warnings[0];
      expect([w.file, w.line, w.column]).to.deep.equal([join(dir, "src", "bad.ts"), 2, 25]);
      expect(w.reason).to.match(/^cannot resolve '\.\/nope'/);
      const bad = r.outputs.find((o) => o.path.endsWith("bad.js"))!.contents;
      expect(bad).to.include(`from "./ok.js"`).and.include(`from "./nope"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the command line prints the warning on stderr as file:line:column and writes the files", () => {
    const dir = project(files);
    try {
      // the command line from source (tsx loaded by path: the user's folder has no tsx)
      const tsx = pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href;
      const cli = join(root, "compiler", "cli.ts");
      const r = spawnSync(process.execPath, ["--import", tsx, cli, "build", "src", "--outDir", "build"], { cwd: dir, encoding: "utf8" });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stderr).to.include("src/bad.ts:2:25: warning: cannot resolve './nope'");
      expect(readFileSync(join(dir, "build", "ok.js"), "utf8")).to.include("export const one = 1;");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
