// Shared by the ahead-of-time tests (frontend, plugin, CLI): the fixtures, where bundles go, and
// the bit-for-bit comparison of a compiled model with the in-process one.
import { expect } from "chai";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ts } from "ts-morph";
import type { Plugin } from "rollup";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const fixture = (name: string) => join(root, "fixtures", name);

/** The fixtures that compile, and the models each exports. */
export const MODEL_FIXTURES: Record<string, string[]> = {
  "seed.ts": ["seed"],
  "linreg.ts": ["linreg"],
  "radon.ts": ["radonModel"],
  "eight_schools.ts": ["eightSchools"],
  "logistic.ts": ["logistic"],
  "poisson.ts": ["poisson"],
  "helper.ts": ["schools"],
  "data-model.ts": ["regression"],
  "aliases.js": ["first", "default"],
  "inject.ts": ["weird"],
  "side-effects.ts": ["sideEffects"],
};

/** A place for built files inside the repository, so that `tsmc/runtime` resolves to this package. */
/** The sources' compiler and runtime as file URLs (what a scratch module imports for "tsmc"). */
export const compilerUrl = pathToFileURL(join(root, "compiler", "index.ts")).href;
export const runtimeUrl = pathToFileURL(join(root, "runtime", "index.ts")).href;

/** Write the files (path → lines) below `base`; the path of the first one. */
export function writeFiles(base: string, files: Record<string, string[]>): string {
  for (const [path, lines] of Object.entries(files)) {
    mkdirSync(dirname(join(base, path)), { recursive: true });
    writeFileSync(join(base, path), lines.join("\n"));
  }
  return join(base, Object.keys(files)[0]);
}

export function scratchDir(prefix: string): string {
  const base = join(root, ".tmp", "tests");
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${prefix}-`));
}

/** Strip TypeScript in a rollup build (what @rollup/plugin-typescript or esbuild does in a user's config). */
export function stripTypes(): Plugin {
  return {
    name: "strip-types",
    transform(code, id) {
      if (!/\.ts$/.test(id)) return null;
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: true },
      });
      return { code: out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, ""), map: out.sourceMapText };
    },
  };
}

export interface ModelLike {
  name: string;
  size: number;
  valueVars: readonly { name: string }[];
  flat: { logp(x: Float64Array): number; logpGrad(x: Float64Array, g: Float64Array): number };
  initialPoint(): Record<string, unknown>;
  logp(p: Record<string, unknown>): number;
  dlogp(p: Record<string, unknown>): Record<string, unknown>;
  fromFlat(x: Float64Array): Record<string, unknown>;
  draw(opts?: { draws?: number; seed?: number | string }): Record<string, unknown>;
  withData(values: Record<string, unknown>): ModelLike;
}

export const isModel = (v: unknown): v is ModelLike => typeof v === "object" && v !== null && "flat" in v && "size" in v;

/** Models with a data() input that has no default get one bound (the same for both paths). */
export function ready(m: ModelLike): ModelLike {
  return m.name === "regression" ? m.withData({ x: [0.5, -1, 2, 0.1, 1.5] }) : m;
}

function plain(v: unknown): unknown {
  if (v && typeof v === "object" && "data" in v && "shape" in v) {
    return { shape: (v as { shape: number[] }).shape, data: Array.from((v as { data: Float64Array }).data) };
  }
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** What is compared: logp and its gradient at every value 0.1, the point API, draws with a seed. */
export function fingerprint(model: ModelLike) {
  const m = ready(model);
  const x = new Float64Array(m.size).fill(0.1);
  const grad = new Float64Array(m.size);
  const lp = m.flat.logpGrad(x, grad);
  const point = m.fromFlat(x);
  return {
    name: m.name,
    valueVars: m.valueVars.map((v) => v.name),
    logpGrad: lp,
    grad: Array.from(grad),
    flatLogp: m.flat.logp(x),
    logp: m.logp(point),
    dlogp: plain(m.dlogp(point)),
    initialPoint: plain(m.initialPoint()),
    draw: plain(m.draw({ seed: 42 })),
  };
}

/** Bit for bit: chai's deep equality tells -0 from 0 and compares numbers exactly. */
export function expectSameModel(actual: ModelLike, expected: ModelLike, what: string): void {
  expect(fingerprint(actual), what).to.deep.equal(fingerprint(expected));
}

/** The 1-based line and column where `marker` starts in a fixture. */
export function positionOf(file: string, marker: string): { line: number; column: number } {
  const text = readFileSync(file, "utf8");
  const i = text.indexOf(marker);
  if (i < 0) throw new Error(`marker ${JSON.stringify(marker)} not in ${file}`);
  const before = text.slice(0, i).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** The error fixtures: where each mistake is and what the reason says. */
export const ERROR_CASES: { file: string; errorFile?: string; at: string; offset?: number; reason: RegExp }[] = [
  { file: "errors/support.ts", at: 'HalfNormal("s", -1)', reason: /^HalfNormal\('s'\): invalid parameter: sigma > 0 does not hold \(sigma = -1\)$/ },
  { file: "errors/shape.ts", at: "add(b)", reason: /^Add: shapes \(3,\) and \(4,\) cannot be broadcast together$/ },
  { file: "errors/unknown-param.ts", at: 'Normal("x", { mu', reason: /^Normal\('x'\): unknown parameter 'sd'; Normal takes mu, sigma, tau/ },
  { file: "errors/reassigned.ts", at: "[n]", offset: 1, reason: /^the builder of model 'bad' reads 'n', a let that is reassigned \(at 8:1\)/ },
  { file: "errors/env.ts", at: "process.env", reason: /^the builder of model 'bad' reads process\.env, which is only known at run time/ },
  { file: "errors/parameter.ts", at: "[n]", offset: 1, reason: /^the builder of model 'bad' reads 'n', a parameter of the enclosing function/ },
  { file: "errors/unresolved.ts", at: '"./no-such-module.js"', reason: /^cannot resolve '\.\/no-such-module\.js', which model 'bad' needs at build time$/ },
  { file: "errors/missing-package.ts", at: '"tsmc-no-such-package"', reason: /^cannot import 'tsmc-no-such-package' at build time/ },
  {
    file: "errors/in-helper.ts",
    errorFile: "errors/lib/bad-prior.ts",
    at: "HalfNormal(name, -2)",
    reason: /^HalfNormal\('s'\): invalid parameter: sigma > 0 does not hold \(sigma = -2\) \(called from \.\.\/in-helper\.ts:6:13\)$/,
  },
];

/** Where an error case's mistake is: file, line, column. */
export function expectedSite(c: (typeof ERROR_CASES)[number]): { file: string; line: number; column: number } {
  const file = fixture(c.errorFile ?? c.file);
  const pos = positionOf(file, c.at);
  return { file, line: pos.line, column: pos.column + (c.offset ?? 0) };
}

/**
 * Builders given as source text, compiled ahead of time as one module (`export const <name> =
 * model(<name>, <text>)`, after `importLine`) and imported with tsmc/runtime bound to the sources.
 */
export async function compileInline<T>(importLine: string, sources: Record<string, string>, file: string): Promise<Record<string, T>> {
  const { transformModule } = await import("../../compiler/frontend/index.js");
  const code = [importLine, ...Object.entries(sources).map(([name, text]) => `export const ${name} = model(${JSON.stringify(name)}, ${text});`)].join("\n");
  const r = await transformModule(code, fixture(`${file}.js`));
  const dir = scratchDir(file);
  try {
    const out = join(dir, `${file}.mjs`);
    writeFileSync(out, r!.code.replace(`from "tsmc/runtime"`, `from "${pathToFileURL(join(root, "runtime", "index.ts")).href}"`));
    return (await import(pathToFileURL(out).href)) as Record<string, T>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
