// The errors a newcomer meets first, ahead of time and in process: a misspelled or forgotten
// tsmc name, messages free of the build's internal module ids, RVs sized by data() vectors, and
// 1-based columns everywhere.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { transformModule, TsmcBuildError } from "../compiler/frontend/index.js";
import { stripTypes } from "../compiler/frontend/evaluate.js";
import * as tsmc from "../compiler/index.js";
import { Model, Normal, data, model } from "../compiler/index.js";
import { expectSameModel, root, scratchDir, type ModelLike } from "./helpers/aot.js";
import { thrown } from "./helpers/thrown.js";

const runtimeUrl = pathToFileURL(join(root, "runtime", "index.ts")).href;
const dir = scratchDir("first-contact");
after(() => rmSync(dir, { recursive: true, force: true }));

/** Write the files (path → lines) below the scratch folder; the path of the first one. */
function write(files: Record<string, string[]>): string {
  for (const [path, lines] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), lines.join("\n"));
  }
  return join(dir, Object.keys(files)[0]);
}

/** The TsmcBuildError of building `file` ahead of time. */
async function buildError(file: string, code: string): Promise<TsmcBuildError> {
  try {
    await transformModule(code, file);
  } catch (e) {
    expect(e).to.be.instanceOf(TsmcBuildError);
    return e as TsmcBuildError;
  }
  return expect.fail(`${relative(dir, file)}: no build error`);
}

async function buildFile(files: Record<string, string[]>): Promise<TsmcBuildError> {
  const file = write(files);
  return buildError(file, files[Object.keys(files)[0]].join("\n"));
}

/** The 1-based line and column of `marker` in `lines` (its `nth` occurrence). */
function at(lines: string[], marker: string, nth = 0): { line: number; column: number } {
  const text = lines.join("\n");
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(marker, i + 1);
  const before = text.slice(0, i).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** The code frame marks the column under the line (1-based, as the message says). */
function expectFrameAt(e: TsmcBuildError, pos: { line: number; column: number }): void {
  const lines = e.frame.split("\n");
  const marked = lines.findIndex((l) => l.startsWith(`> ${pos.line} |`));
  expect(marked, e.frame).to.be.greaterThan(-1);
  expect(lines[marked + 1].indexOf("^") - lines[marked].indexOf("|") - 2).to.equal(pos.column - 1);
}

const MISSPELLED = [
  `import { model, Normal, HalfNormall } from "tsmc";`,
  ``,
  `export const m = model("m", () => {`,
  `  const s = HalfNormall("s", 1);`,
  `  Normal("x", 0, s);`,
  `});`,
];
const NAMESPACE = [
  `import * as tsmc from "tsmc";`,
  ``,
  `export const m = tsmc.model("m", () => {`,
  `  const s = tsmc.HalfNormall("s", 1);`,
  `  tsmc.Normal("x", 0, s);`,
  `});`,
];
const FORGOT = [
  `import { model, Normal } from "tsmc";`,
  ``,
  `export const m = model("m", () => {`,
  `  const s = HalfNormal("s", 1);`,
  `  Normal("x", 0, s);`,
  `});`,
];
const HELPER_USER = (helper: string) => [
  `import { model, Normal } from "tsmc";`,
  `import { scale } from "./${helper}";`,
  ``,
  `export const m = model("m", () => {`,
  `  Normal("x", 0, scale("s"));`,
  `});`,
];
const HELPER_NAMED = [`import { HalfNormall } from "tsmc";`, ``, `export function scale(name: string) {`, `  return HalfNormall(name, 1);`, `}`];
const HELPER_NAMESPACE = [`import * as tsmc from "tsmc";`, ``, `export function scale(name: string) {`, `  return tsmc.HalfNormall(name, 1);`, `}`];

const DID_YOU_MEAN = "tsmc has no export 'HalfNormall'; did you mean 'HalfNormal'?";

describe("first contact: a misspelled distribution", () => {
  it("imported by name: tsmc has no export of that name, the nearest suggested, where it is written", async () => {
    const e = await buildFile({ "misspelled.ts": MISSPELLED });
    expect(e.reason).to.equal(DID_YOU_MEAN);
    const pos = at(MISSPELLED, "HalfNormall");
    expect([e.line, e.column]).to.deep.equal([pos.line, pos.column]);
    expect(e.message.split("\n")[0]).to.equal(`${relative(process.cwd(), join(dir, "misspelled.ts"))}:${pos.line}:${pos.column}: ${DID_YOU_MEAN}`);
    expectFrameAt(e, pos);
  });

  it("read off a namespace import (tsmc.HalfNormall)", async () => {
    const e = await buildFile({ "namespace.ts": NAMESPACE });
    expect(e.reason).to.equal(DID_YOU_MEAN);
    const pos = at(NAMESPACE, "HalfNormall");
    expect([e.line, e.column]).to.deep.equal([pos.line, pos.column]);
    expectFrameAt(e, pos);
  });

  it("in a helper module the builder imports, by name or off a namespace: reported in the helper", async () => {
    for (const [helper, lines] of [
      ["helper-named", HELPER_NAMED],
      ["helper-namespace", HELPER_NAMESPACE],
    ] as const) {
      const e = await buildFile({ [`${helper}-user.ts`]: HELPER_USER(helper), [`${helper}.ts`]: lines });
      expect(e.reason).to.equal(DID_YOU_MEAN);
      const pos = at(lines, "HalfNormall");
      expect([e.file, e.line, e.column]).to.deep.equal([join(dir, `${helper}.ts`), pos.line, pos.column]);
    }
  });

  it("tsmc/runtime names too; no suggestion when nothing is close; type-only names are left to TypeScript", async () => {
    const runtimeTypo = [
      `import { model, Normal } from "tsmc";`,
      `import { NDArrray } from "tsmc/runtime";`,
      `export const m = model(() => { Normal("x", 0, 1, { shape: [2], initval: new NDArrray([2], [1, 2]) }); });`,
    ];
    expect((await buildFile({ "runtime-typo.ts": runtimeTypo })).reason).to.equal("tsmc/runtime has no export 'NDArrray'; did you mean 'NDArray'?");
    const far = [`import { model, Zyxwvut } from "tsmc";`, `export const m = model(() => { Zyxwvut("x"); });`];
    expect((await buildFile({ "far.ts": far })).reason).to.equal("tsmc has no export 'Zyxwvut'");
    const typeOnly = [
      `import { model, Normal, ModelOptions } from "tsmc";`,
      `const o: ModelOptions = {};`,
      `export const m = model(() => { Normal("x", 0, 1); }, o);`,
    ];
    const file = write({ "type-only.ts": typeOnly });
    expect((await transformModule(typeOnly.join("\n"), file))!.models).to.have.length(1);
  });

  it("in process, calling the misspelled name says the same", () => {
    const ns = tsmc as unknown as Record<string, (...args: unknown[]) => unknown>;
    const e = thrown(() => model("m", () => ns.HalfNormall("s", 1)));
    expect(e).to.be.instanceOf(TypeError);
    expect(e.message).to.equal(`ns.HalfNormall is not a function: ${DID_YOU_MEAN}`);
    // a function of the user's that is nothing like a tsmc name keeps JavaScript's message
    const mine: Record<string, unknown> = {};
    expect(thrown(() => model("m", () => (mine.frobnicate as () => void)())).message).to.equal("mine.frobnicate is not a function");
  });
});

describe("first contact: a distribution used without importing it", () => {
  const NOT_IMPORTED = `'HalfNormal' is not imported; add it to the import from "tsmc"`;

  it("ahead of time: says so where it is used", async () => {
    const e = await buildFile({ "forgot.ts": FORGOT });
    expect(e.reason).to.equal(NOT_IMPORTED);
    const pos = at(FORGOT, "HalfNormal");
    expect([e.line, e.column]).to.deep.equal([pos.line, pos.column]);
    expectFrameAt(e, pos);
  });

  it("other unknown globals keep their message", async () => {
    const lines = [`import { model, Normal } from "tsmc";`, `export const m = model(() => { Normal("x", 0, window.scale); });`];
    expect((await buildFile({ "global.ts": lines })).reason).to.match(/^the builder of the model reads 'window', which is only known at run time/);
  });

  it("in process: the ReferenceError says the same", () => {
    const g = globalThis as Record<string, unknown>;
    // what a builder that forgot the import runs: a global lookup of the name
    const e = thrown(() => model("m", () => (0, eval)("HalfNormal")("s", 1)));
    expect(g.HalfNormal).to.equal(undefined);
    expect(e).to.be.instanceOf(ReferenceError);
    expect(e.message).to.equal(NOT_IMPORTED);
    expect(e.stack!.split("\n")[0]).to.equal(`ReferenceError: ${NOT_IMPORTED}`);
    expect(thrown(() => model("m", () => (0, eval)("notATsmcName"))).message).to.equal("notATsmcName is not defined");
  });
});

describe("first contact: messages are in the user's words", () => {
  const cases: Record<string, Record<string, string[]>> = {
    "named import": { "w-named.ts": MISSPELLED },
    namespace: { "w-namespace.ts": NAMESPACE },
    "helper, named": { "w-helper-user.ts": HELPER_USER("w-helper"), "w-helper.ts": HELPER_NAMED },
    "helper, namespace": { "w-helper-ns-user.ts": HELPER_USER("w-helper-ns"), "w-helper-ns.ts": HELPER_NAMESPACE },
    "default import": {
      "w-default.ts": [`import { model, Normal } from "tsmc";`, `import t from "tsmc";`, `export const m = model(() => { Normal("x", 0, t.scale); });`],
    },
    "helper's default import": {
      "w-helper-default-user.ts": HELPER_USER("w-helper-default"),
      "w-helper-default.ts": [`import t from "tsmc";`, `export function scale(name: string) { return t.HalfNormal(name, 1); }`],
    },
    "tensor typo": {
      "w-tensor.ts": [
        `import { model, Normal } from "tsmc";`,
        `import { lgo } from "tsmc/tensor";`,
        `export const m = model(() => { Normal("x", lgo(2), 1); });`,
      ],
    },
  };

  for (const [what, files] of Object.entries(cases)) {
    it(`${what}: no NUL byte, no internal module id`, async () => {
      const e = await buildFile(files);
      for (const text of [e.message, e.reason, e.format()]) {
        expect(text).to.not.include("\0");
        expect(text).to.not.include("tsmc-self");
      }
    });
  }

  it("the default import names tsmc as the user wrote it", async () => {
    const e = await buildFile(cases["helper's default import"]);
    expect(e.reason).to.equal(`tsmc has no default export; import * as tsmc from "tsmc" imports all its names`);
  });
});

describe("first contact: an RV sized by a data() vector", () => {
  const point = { y: [0.5, 1, 2] };
  const constants = () => model("k", () => void Normal("y", [1, 2, 3], 1));

  it("in process: Normal('y', x, 1) is a 3-vector, with the logp of the model written with constants", () => {
    const built = Model.build(() => {
      const x = data("x", [1, 2, 3]);
      expect(String(Normal("y", x, 1).type)).to.equal("Vector(float64, shape=(3,))");
    });
    expect(built.valueVars.map((v) => v.type.shape)).to.deep.equal([[3]]);
    const m = model("d", () => void Normal("y", data("x", [1, 2, 3]), 1));
    expect(m.logp(point)).to.equal(constants().logp(point));
    // rebound to the same length: the new values are read
    expect(m.withData({ x: [2, 2, 2] }).logp(point)).to.equal(model(() => void Normal("y", [2, 2, 2], 1)).logp(point));
  });

  it("in process, observed: the same logp as with constants", () => {
    const m = model(() => {
      const x = data("x", [1, 2, 3]);
      const mu = Normal("mu", 0, 1);
      Normal("y", x.mul(mu), 1, { observed: [1.5, 2, 2.5] });
    });
    const k = model(() => {
      const mu = Normal("mu", 0, 1);
      Normal("y", mu.mul([1, 2, 3]), 1, { observed: [1.5, 2, 2.5] });
    });
    expect(m.logp({ mu: 0.3 })).to.equal(k.logp({ mu: 0.3 }));
  });

  it("a data() input without a value: the error names the RV and the data, and says to give shape", () => {
    const e = thrown(() => model(() => void Normal("y", data("x", undefined, { shape: [null] }), 1)));
    expect(e.message).to.equal(
      "Normal('y'): the shape of a free variable must be known when the model is built; it follows data('x'), which has no value; give shape: [...]",
    );
  });

  it("a remaining shape error names the RV", () => {
    const e = thrown(() => model(() => void Normal("y", data("x", [1, 2, 3]), 1, { initval: [1, 2] })));
    expect(e.message).to.equal("Normal('y'): initial value of shape (2) does not broadcast to (3)");
  });

  it("ahead of time: the same model as in process, and the logp of the model written with constants", async () => {
    const lines = [
      `import { model, Normal, data } from "tsmc";`,
      `export const free = model("free", () => {`,
      `  const x = data("x", [1, 2, 3]);`,
      `  Normal("y", x, 1);`,
      `});`,
      `export const observed = model("observed", () => {`,
      `  const x = data("x", [1, 2, 3]);`,
      `  const mu = Normal("mu", 0, 1);`,
      `  Normal("y", x.mul(mu), 1, { observed: [1.5, 2, 2.5] });`,
      `});`,
    ];
    const file = write({ "data-vector.ts": lines });
    const r = await transformModule(lines.join("\n"), file);
    const out = join(dir, "data-vector.mjs");
    writeFileSync(out, stripTypes(r!.code, file).code.replace(`from "tsmc/runtime"`, `from "${runtimeUrl}"`));
    const built = await import(pathToFileURL(out).href);
    const inProcess = {
      free: model("free", () => void Normal("y", data("x", [1, 2, 3]), 1)),
      observed: model("observed", () => {
        const x = data("x", [1, 2, 3]);
        const mu = Normal("mu", 0, 1);
        Normal("y", x.mul(mu), 1, { observed: [1.5, 2, 2.5] });
      }),
    };
    for (const name of ["free", "observed"] as const) expectSameModel(built[name] as ModelLike, inProcess[name] as unknown as ModelLike, name);
    expect(built.free.logp(point)).to.equal(constants().logp(point));
  });
});

describe("first contact: columns are 1-based", () => {
  const tsx = pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href;
  const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", tsx, join(root, "compiler", "cli.ts"), ...args], { cwd: root, encoding: "utf8" });

  it("the command line prints file:line:column with the 1-based column, and the marker under it", () => {
    const file = write({ "cli-typo.ts": MISSPELLED });
    const r = cli("build", file, "--outDir", join(dir, "cli-out"));
    expect(r.status).to.equal(1);
    const pos = at(MISSPELLED, "HalfNormall");
    expect(r.stderr).to.include(`${relative(root, file)}:${pos.line}:${pos.column}: ${DID_YOU_MEAN}`);
    expect(r.stderr).to.include(`> 1 | ${MISSPELLED[0]}\n    | ${" ".repeat(pos.column - 1)}^`);
  });

  it("a syntax error in an imported module: its 1-based column, and no 0-based one in the reason", async () => {
    const broken = [`export const a = 1;`, `export const b = a +* 2;`];
    const e = await buildFile({
      "syntax-user.ts": HELPER_USER("syntax-helper").map((l) => l.replace("scale", "b").replace(`b("s")`, "b")),
      "syntax-helper.ts": broken,
    });
    const pos = at(broken, "*");
    expect([e.file, e.line, e.column]).to.deep.equal([join(dir, "syntax-helper.ts"), pos.line, pos.column]);
    expect(e.reason).to.equal("syntax error: Expression expected");
  });

  it("a reassigned let is located at its 1-based line and column in the reason", async () => {
    const lines = [`import { model, Normal } from "tsmc";`, `let n = 1;`, `n = 2;`, `export const m = model(() => { Normal("x", 0, n); });`];
    const e = await buildFile({ "reassigned.ts": lines });
    expect(e.reason).to.include("is reassigned (at 3:1)");
    expect([e.line, e.column]).to.deep.equal([at(lines, "n)").line, at(lines, "n)").column]);
  });
});

describe("first contact: what tsmc cannot do yet is refused, not done wrongly", () => {
  it("dims without the model's coords is an error naming the RV and the dimension", () => {
    expect(() => Model.build(() => Normal("b", 0, 1, { dims: ["coef"] }))).to.throw(
      "Normal('b'): dimension 'coef' has no coords in the model (the model has no coords); give coords: { coef: [...] }",
    );
  });

  it("sample() moves a discrete free variable by Metropolis, never as a continuous one", () => {
    const m = model("counts", () => {
      const k = tsmc.Poisson("k", 3);
      Normal("y", k, 1, { observed: [2.5] });
    });
    const trace = m.sample({ draws: 10, tune: 10, chains: 1, seed: 1 });
    expect(trace.attrs.step_methods).to.deep.equal(["Metropolis: [k]"]);
    expect(Array.from(trace.posterior.k.data).every(Number.isInteger)).to.equal(true);
  });
});
