// `tsmc build` and `tsmc print`: whole files in, output files (or printed graphs) out.
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import remapping from "@jridgewell/remapping";
import MagicString from "magic-string";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { ts } from "ts-morph";
import type { Variable } from "../graph/basic.js";
import { dprint } from "../graph/dprint.js";
import { compileGraph } from "../pipeline.js";
import { boundedLogp } from "../model/compile-graphs.js";
import type { Model } from "../model/model.js";
import { analyze, parseModule, prologueEnd, release } from "./analyze.js";
import { TsmcBuildError, type SourcePosition } from "./errors.js";
import { evaluateModels } from "./evaluate.js";
import { stripTypes } from "./evaluate.js";
import { compiledExpression, insertLine, placeholder, runtimeImport, transformModule } from "./transform.js";
import { rewriteSpecifiers, type SpecifierSite } from "./specifiers.js";

/** The source files `tsmc build` compiles. */
export const SOURCE_EXT = /\.(ts|tsx|mts|js|mjs)$/;

export interface OutputFile {
  readonly path: string;
  readonly contents: string;
}

export interface BuildResult {
  readonly outputs: OutputFile[];
  readonly errors: Error[];
  /** Relative imports that name no file (left as written). */
  readonly warnings: BuildWarning[];
  /** Milliseconds per input file. */
  readonly times: Map<string, number>;
}

/** The files named, and the source files under the directories named (not node_modules, not dot folders). */
export function collectInputs(paths: readonly string[], outDir: string): string[] {
  const out = resolve(outDir);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === "node_modules" || entry.name.startsWith(".") || p === out) continue;
        walk(p);
      } else if (SOURCE_EXT.test(entry.name) && !/\.d\.[mc]?ts$/.test(entry.name)) {
        files.push(p);
      }
    }
  };
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs)) throw new Error(`no such file or directory: ${p}`);
    if (statSync(abs).isDirectory()) walk(abs);
    else files.push(abs);
  }
  return [...new Set(files)];
}

function commonDir(files: readonly string[]): string {
  let root = dirname(files[0]);
  for (const f of files) {
    while (!(f.startsWith(root + sep) || dirname(f) === root)) root = dirname(root);
  }
  return root;
}

function outputName(rel: string): string {
  return rel.replace(/\.(ts|tsx)$/, ".js").replace(/\.mts$/, ".mjs");
}

function declarationPath(outJs: string): string {
  return outJs.replace(/\.js$/, ".d.ts").replace(/\.mjs$/, ".d.mts");
}

/** A path with its existing part resolved through symbolic links (writeFileSync follows them). */
function realPath(p: string): string {
  if (existsSync(p)) return realpathSync(p);
  const parent = dirname(p);
  return parent === p ? p : join(realPath(parent), basename(p));
}

const shown = (p: string) => relative(process.cwd(), p) || p;

/**
 * Refuse, before anything is compiled, a build that would write over one of its inputs, or write
 * two inputs' outputs to one path (`x.ts` and `x.js` both make `x.js`).
 */
function checkTargets(files: readonly string[], targets: readonly string[]): void {
  const inputs = new Map(files.map((f) => [realPath(f), f]));
  const writer = new Map<string, string>();
  files.forEach((file, i) => {
    for (const o of [targets[i], `${targets[i]}.map`, declarationPath(targets[i])]) {
      const key = realPath(o);
      const input = inputs.get(key);
      if (input !== undefined) throw new Error(`${shown(file)} compiles to ${shown(o)}, which is an input of the build; choose another --outDir`);
      const other = writer.get(key);
      if (other !== undefined) throw new Error(`${shown(other)} and ${shown(file)} would both be written to ${shown(o)}; rename one, or build them apart`);
      writer.set(key, file);
    }
  });
}

const TS_INPUT = /\.(ts|tsx|mts)$/;

/** Something a build can live with but the user should fix, at their source location. */
export interface BuildWarning extends SourcePosition {
  /** The one-line reason, without location. */
  readonly reason: string;
}

/** `file:line:column: warning: reason` with the path relative to `cwd` (what the CLI prints). */
export function formatWarning(w: BuildWarning, cwd = process.cwd()): string {
  return `${relative(cwd, w.file) || w.file}:${w.line}:${w.column}: warning: ${w.reason}`;
}

/** Compile one module: its models spliced, types stripped, with its source map and declaration file. */
export async function buildModule(
  file: string,
  outJs: string,
  opts: { sampler?: boolean } = {},
): Promise<{ outputs: OutputFile[]; jsonImports: string[]; warnings: BuildWarning[] }> {
  const code = readFileSync(file, "utf8");
  // The compiled expressions go in last: TypeScript never reads them (megabytes with large constants).
  const result = await transformModule(code, file, { declarations: true, sampler: opts.sampler, placeholders: true });
  const spliced = result?.code ?? code;
  const splicedMap = result?.map ?? new MagicString(code).generateMap({ hires: true, source: file, includeContent: true });
  let js = spliced;
  let stripped = splicedMap.toString();
  if (TS_INPUT.test(file)) {
    const out = stripTypes(spliced, file, { rewriteRelativeImportExtensions: true });
    js = out.code;
    stripped = remapping([out.map, stripped], () => null).toString();
  }
  // Node loads only full file names: `./models` becomes `./models.js` (source maps composed).
  const rewritten = rewriteSpecifiers(js, outJs, file);
  const warnings = rewritten.unresolved.map((site) => unresolvedWarning(site, js, stripped, file, code));
  if (result?.models.length) {
    const expressions = result.models.map((m) => compiledExpression(m.name, m.body));
    result.models.forEach((m, i) => {
      const at = js.indexOf(placeholder(m.index));
      rewritten.s.overwrite(at, at + placeholder(m.index).length, expressions[i]);
    });
    insertLine(rewritten.s, js, prologueEnd(js, parseModule(js, outJs)), runtimeImport(expressions));
  }
  const map = remapping([rewritten.s.generateMap({ hires: true, source: basename(outJs) }).toString(), stripped], () => null);
  map.file = basename(outJs);
  map.sources = [relative(dirname(outJs), file).split(sep).join("/")];
  map.sourcesContent = [code];
  const dtsPath = declarationPath(outJs);
  const dtsText = result?.dts ?? ts.transpileDeclaration(code, { fileName: file.replace(/\.(m?)js$/, ".$1ts"), compilerOptions: {} }).outputText;
  const dts = rewriteSpecifiers(dtsText, dtsPath, file).code;
  const jsonImports = ts
    .preProcessFile(code, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((f) => f.startsWith(".") && f.endsWith(".json"))
    .map((f) => resolve(dirname(file), f));
  return {
    outputs: [
      { path: outJs, contents: `${rewritten.s.toString().replace(/\n*$/, "\n")}//# sourceMappingURL=${basename(outJs)}.map\n` },
      { path: `${outJs}.map`, contents: JSON.stringify(map) },
      { path: dtsPath, contents: dts },
    ],
    jsonImports,
    warnings,
  };
}

/** The warning for a specifier that names no file, at the user's line and column. */
function unresolvedWarning(site: SpecifierSite, js: string, map: string, file: string, code: string): BuildWarning {
  const before = js.slice(0, site.start - 1).split("\n");
  const orig = originalPositionFor(new TraceMap(map), { line: before.length, column: before[before.length - 1].length });
  const pos = orig.line !== null ? { line: orig.line, column: orig.column + 1 } : textPosition(code, site.value);
  const reason = `cannot resolve '${site.value}' (no such file, nor a folder with an index file); it is left as written, and node will not load it`;
  return { file, ...pos, reason };
}

/** The 1-based position of a quoted string in the source (where a source map has no answer). */
function textPosition(code: string, value: string): { line: number; column: number } {
  const hits = ['"', "'", "`"].map((q) => code.indexOf(`${q}${value}${q}`)).filter((i) => i >= 0);
  const i = hits.length ? Math.min(...hits) : 0;
  const before = code.slice(0, i).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/**
 * Build every input into outDir (paths below the inputs' common folder kept). Nothing is written
 * here. Throws, before compiling, where an output would replace an input or two outputs share a path.
 */
export async function build(inputs: readonly string[], outDir: string, opts: { sampler?: boolean } = {}): Promise<BuildResult> {
  const files = collectInputs(inputs, outDir);
  if (!files.length) throw new Error(`no source files (${SOURCE_EXT.source}) in ${inputs.join(", ")}`);
  const root = commonDir(files);
  const out = resolve(outDir);
  const targets = files.map((file) => join(out, outputName(relative(root, file))));
  checkTargets(files, targets);
  const outputs: OutputFile[] = [];
  const errors: Error[] = [];
  const warnings: BuildWarning[] = [];
  const times = new Map<string, number>();
  const json = new Set<string>();
  for (const [i, file] of files.entries()) {
    const t0 = performance.now();
    try {
      const built = await buildModule(file, targets[i], opts);
      outputs.push(...built.outputs);
      warnings.push(...built.warnings);
      built.jsonImports.forEach((j) => json.add(j));
    } catch (e) {
      errors.push(e as Error);
    }
    times.set(file, performance.now() - t0);
  }
  for (const j of json) {
    const rel = relative(root, j);
    // Outside the inputs' folder, missing, or already in place (outDir is the inputs' folder).
    if (rel.startsWith("..") || !existsSync(j) || realPath(join(out, rel)) === realPath(j)) continue;
    outputs.push({ path: join(out, rel), contents: readFileSync(j, "utf8") });
  }
  return { outputs, errors, warnings, times };
}

export function writeOutputs(outputs: readonly OutputFile[]): void {
  for (const o of outputs) {
    mkdirSync(dirname(o.path), { recursive: true });
    writeFileSync(o.path, o.contents);
  }
}

export type GraphKind = "logp" | "dlogp" | "draw";

/** The graphs `tsmc print` shows for a model. */
export function modelGraphs(model: Model, kind: GraphKind, rewrite: boolean): Variable[] {
  const graphs = kind === "logp" ? boundedLogp([model.logp()]) : kind === "dlogp" ? boundedLogp([model.dlogp()]) : [...model.basicRVs, ...model.deterministics];
  return rewrite ? compileGraph(graphs) : graphs;
}

/** The printed graphs (pt.dprint) of the models a file declares, optimized unless `rewrite: false`. */
export async function printModels(file: string, opts: { model?: string; graph?: GraphKind; rewrite?: boolean } = {}): Promise<string> {
  const path = resolve(file);
  const code = readFileSync(path, "utf8");
  const a = analyze(code, path);
  if (!a) throw new Error(`${file}: no model() declaration (imported from "tsmc") found`);
  try {
    const { models } = await evaluateModels(a);
    const chosen = opts.model === undefined ? models : models.filter((m) => m.name === opts.model);
    if (!chosen.length) {
      throw new Error(`${file}: no model named '${opts.model}'; the models are ${models.map((m) => `'${m.name}'`).join(", ")}`);
    }
    const kind = opts.graph ?? "logp";
    const rewrite = opts.rewrite ?? true;
    return chosen
      .map((m) => {
        const text = dprint(modelGraphs(m.model, kind, rewrite));
        if (chosen.length === 1) return text;
        return `# model '${m.name}' (line ${m.call.pos.line}): ${kind}${rewrite ? "" : ", before rewriting"}\n${text}`;
      })
      .join("\n\n");
  } finally {
    release(a);
  }
}

export { TsmcBuildError };
