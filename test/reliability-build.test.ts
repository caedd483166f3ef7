// The build pass on inputs that once broke it: a model whose helper module imports a constant back
// from the model's module (an import cycle), and a model with a million-element constant array.
import { expect } from "chai";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { build, transformModule } from "../compiler/frontend/index.js";
import { stripTypes } from "../compiler/frontend/evaluate.js";
import { expectSameModel, scratchDir, type ModelLike, compilerUrl, runtimeUrl, writeFiles } from "./helpers/aot.js";

const dir = scratchDir("reliability-build");
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Build the first file ahead of time and import the result next to the in-process module: the same
 * sources, their "tsmc" being this compiler's source (so neither depends on the built package).
 */
async function builtAndInProcess(
  name: string,
  files: Record<string, string[]>,
): Promise<{ built: Record<string, unknown>; inProcess: Record<string, unknown>; code: string }> {
  const file = writeFiles(join(dir, name), files);
  const code = Object.values(files)[0].join("\n");
  const r = await transformModule(code, file);
  const out = join(dir, name, "built.mjs");
  writeFileSync(out, stripTypes(r!.code, file).code.replace(`from "tsmc/runtime"`, `from "${runtimeUrl}"`));
  const inProcessFiles = Object.fromEntries(
    Object.entries(files).map(([path, lines]) => [path, lines.map((l) => l.replace(`from "tsmc"`, `from "${compilerUrl}"`))]),
  );
  const source = writeFiles(join(dir, name, "in-process"), inProcessFiles);
  return { built: await import(pathToFileURL(out).href), inProcess: await import(pathToFileURL(source).href), code: r!.code };
}

describe("build: a helper module that imports a constant back from the model's module", () => {
  const model = (kDeclaration: string[]) => [
    `import { model, Normal } from "tsmc";`,
    `import { prior } from "./b";`,
    ``,
    ...kDeclaration,
    ``,
    `export const m = model("cycle", () => {`,
    `  const mu = prior("mu");`,
    `  Normal("y", mu, 1, { observed: [1, 2, 3] });`,
    `});`,
  ];
  const cases: Record<string, Record<string, string[]>> = {
    "by name": {
      "a.ts": model([`export const K = 2.5;`]),
      "b.ts": [`import { Normal } from "tsmc";`, `import { K } from "./a";`, `export const prior = (name: string) => Normal(name, 0, K);`],
    },
    "off a namespace, exported by an export list": {
      "a.ts": model([`const base = 1.25;`, `const scale = base * 2;`, `export { scale as K };`]),
      "b.ts": [`import { Normal } from "tsmc";`, `import * as A from "./a";`, `export const prior = (name: string) => Normal(name, 0, A.K);`],
    },
    "the default export": {
      "a.ts": model([`export default 2.5;`]),
      "b.ts": [`import { Normal } from "tsmc";`, `import K from "./a";`, `export const prior = (name: string) => Normal(name, 0, K);`],
    },
  };
  for (const [what, files] of Object.entries(cases)) {
    it(`${what}: builds, and is the in-process model bit for bit`, async () => {
      const { built, inProcess, code } = await builtAndInProcess(what.replace(/\W+/g, "-"), files);
      expect(code).to.not.match(/from "\.\/b"/);
      expectSameModel(built.m as ModelLike, inProcess.m as ModelLike, what);
    });
  }
});

describe("build: a million-element constant array", () => {
  const lines = [
    `import { model, Normal } from "tsmc";`,
    `const y = Array.from({ length: 1e6 }, (_, i) => Math.sin(i));`,
    `export const big = model("big", () => {`,
    `  const mu = Normal("mu", 0, 1);`,
    `  Normal("y", mu, 1, { observed: y });`,
    `});`,
  ];

  // No timing assertion: the suite's per-test timeout bounds it (this took a minute and gigabytes).
  it("tsmc build: the in-process model bit for bit, the source map leading back to model()", async () => {
    const file = writeFiles(join(dir, "big"), { "big.ts": lines });
    const result = await build([file], join(dir, "big", "out"));
    expect(result.errors.map((e) => e.message)).to.deep.equal([]);
    const js = result.outputs.find((o) => o.path.endsWith("big.js"))!.contents;
    const out = join(dir, "big", "built.mjs");
    writeFileSync(out, js.replace(`from "tsmc/runtime"`, `from "${runtimeUrl}"`));
    const source = writeFiles(join(dir, "big", "in-process"), { "big.ts": lines.map((l) => l.replace(`from "tsmc"`, `from "${compilerUrl}"`)) });
    const [built, inProcess] = [await import(pathToFileURL(out).href), await import(pathToFileURL(source).href)];
    expectSameModel(built.big as ModelLike, inProcess.big as ModelLike, "big");

    const map = new TraceMap(result.outputs.find((o) => o.path.endsWith("big.js.map"))!.contents);
    const before = js.slice(0, js.indexOf(`/* tsmc: model "big"`)).split("\n");
    const orig = originalPositionFor(map, { line: before.length, column: before[before.length - 1].length });
    expect([orig.line, orig.column]).to.deep.equal([3, lines[2].indexOf("model(")]);
  });
});
