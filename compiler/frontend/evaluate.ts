// Evaluate the builders of a module at build time. The reduced copy of the module (analyze.ts) is
// bundled with rollup together with the user's local modules it imports (TypeScript stripped,
// JSON read); packages stay imports, and "tsmc" is this very compiler instance. The bundle is
// written to a temporary file under the project's node_modules (so its package imports resolve as
// the user's would), imported, and deleted. Each builder then runs inside Model.build; an error
// is mapped through the bundle's source map back to the user's line and column.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { rollup, type Plugin, type RollupBuild, type RollupError, type RollupLog, type SourceMap as RollupSourceMap } from "rollup";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { Node, SyntaxKind, ts } from "ts-morph";
import { Model } from "../model/model.js";
import { modelOptions, type ModelOptions } from "../model/compile.js";
import { SELF_MODULES, isSelfModule, missingExport } from "./exports.js";
import { TsmcBuildError, reasonOf, type SourcePosition } from "./errors.js";
import { positionOf, reassignedExport, reducedModule, type Analysis, type ModelCall } from "./analyze.js";

/**
 * "tsmc" inside the evaluated code is this very compiler instance (one registry of distributions,
 * one model being built), whatever loaded it: the bundle reads the modules from a global slot that
 * this instance fills once (a slot of its own, so that two copies of tsmc in one process stay apart).
 */
const SELF_SLOT = `__tsmc_frontend_self_${Math.random().toString(36).slice(2)}__`;
const SELF = SELF_MODULES;
/** Rollup's id of tsmc's own modules (never shown: errors say the user's "tsmc"). */
const SELF_ID = "\0tsmc-self:";
(globalThis as Record<string, unknown>)[SELF_SLOT] = SELF;

function selfModule(spec: string): string {
  const names = Object.keys(SELF[spec]).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== "default");
  const lines = [`const m = globalThis[${JSON.stringify(SELF_SLOT)}][${JSON.stringify(spec)}];`];
  for (const n of names) lines.push(`export const ${n} = m.${n};`);
  if ("default" in SELF[spec]) lines.push(`export default m.default;`);
  return lines.join("\n");
}

export interface EvaluatedModel {
  readonly call: ModelCall;
  readonly name: string;
  readonly model: Model;
  readonly options: ModelOptions;
}

export interface Evaluation {
  readonly models: EvaluatedModel[];
  /** Every local file the evaluation read (the module itself, the modules and JSON it imports). */
  readonly dependencies: string[];
}

const TS_EXT = /\.(ts|tsx|mts|cts)$/;

/** TypeScript to JavaScript, one module at a time, with a source map. */
export function stripTypes(code: string, file: string, opts: { rewriteRelativeImportExtensions?: boolean } = {}): { code: string; map: string } {
  const out = ts.transpileModule(code, {
    fileName: file,
    compilerOptions: {
      rewriteRelativeImportExtensions: opts.rewriteRelativeImportExtensions ?? false,
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      sourceMap: true,
      inlineSources: false,
      jsx: ts.JsxEmit.ReactJSX,
      useDefineForClassFields: true,
      verbatimModuleSyntax: false,
      isolatedModules: true,
    },
  });
  const text = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  return { code: text, map: out.sourceMapText ?? "" };
}

/** The candidates for a relative import written the TypeScript way (`./x.js` for `./x.ts`, or no extension). */
function candidates(path: string): string[] {
  const ext = extname(path);
  const base = path.slice(0, path.length - ext.length);
  const list = [path];
  if (ext === ".js" || ext === ".jsx") list.push(`${base}.ts`, `${base}.tsx`);
  if (ext === ".mjs") list.push(`${base}.mts`);
  if (ext === ".cjs") list.push(`${base}.cts`);
  if (!ext || ![".js", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".json", ".jsx"].includes(ext)) {
    for (const e of [".ts", ".tsx", ".mts", ".js", ".mjs", ".json"]) list.push(path + e);
    for (const e of [".ts", ".tsx", ".js", ".mjs"]) list.push(join(path, `index${e}`));
  }
  return list;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

class UnresolvedImport extends Error {
  constructor(
    readonly source: string,
    readonly importer: string,
  ) {
    super(`cannot find '${source}' (imported from ${importer})`);
  }
}

function evaluationPlugin(entry: string, reduced: { code: string; map: string }, read: Set<string>): Plugin {
  return {
    name: "tsmc-evaluate",
    resolveId(source, importer) {
      if (!importer) return source === entry ? entry : null;
      if (isSelfModule(source)) return `${SELF_ID}${source}`;
      if (source.startsWith("\0")) return null;
      if (source.startsWith("file:")) source = new URL(source).pathname;
      if (source.startsWith(".") || isAbsolute(source)) {
        const path = resolve(dirname(importer), source.replace(/[?#].*$/, ""));
        const found = candidates(path).find(isFile);
        if (!found) throw new UnresolvedImport(source, importer);
        if (/[\\/]node_modules[\\/]/.test(found)) return { id: pathToFileURL(found).href, external: true };
        return found;
      }
      return { id: source, external: true }; // a package (or node: builtin): imported as the user's code would
    },
    load(id) {
      if (id === entry) return reduced;
      if (id.startsWith(SELF_ID)) return selfModule(id.slice(SELF_ID.length));
      if (id.endsWith(".json")) return { code: jsonModule(id), map: { mappings: "" } };
      return null;
    },
    // Each module's import.meta is its own file's, as when it runs unbundled (not the temporary bundle's).
    resolveImportMeta(property, { moduleId }) {
      if (!isAbsolute(moduleId)) return null;
      const meta: Record<string, string> = { url: pathToFileURL(moduleId).href, filename: moduleId, dirname: dirname(moduleId) };
      if (property !== null) return property in meta ? JSON.stringify(meta[property]) : null;
      const own = Object.entries(meta).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
      return `({ ...import.meta, ${own.join(", ")} })`;
    },
    transform(code, id) {
      if (isAbsolute(id)) read.add(id);
      if (!TS_EXT.test(id)) return null;
      const out = stripTypes(code, id);
      return { code: out.code, map: out.map };
    },
  };
}

/**
 * A JSON file as Node imports it: parsed by JSON.parse (so `"__proto__"` stays an own key, and a
 * file that is not JSON is an error naming it, as it is at run time).
 */
function jsonModule(file: string): string {
  const text = readFileSync(file, "utf8");
  try {
    JSON.parse(text);
  } catch (e) {
    const at = /at position (\d+)/.exec(reasonOf(e));
    const before = text.slice(0, at ? Number(at[1]) : 0).split("\n");
    const pos = { file, line: before.length, column: before[before.length - 1].length + 1 };
    throw new TsmcBuildError(pos, `invalid JSON: ${reasonOf(e)}`, text);
  }
  return `export default JSON.parse(${JSON.stringify(text)});`;
}

/** A directory for the temporary bundle: node_modules/.tsmc of the project, so package imports resolve. */
function tempDir(file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const nm = join(dir, "node_modules");
    if (existsSync(nm)) {
      const d = join(nm, ".tsmc");
      mkdirSync(d, { recursive: true });
      return d;
    }
    if (dirname(dir) === dir) return dirname(file);
  }
}

let counter = 0;

/** Run every builder of the analysed module at build time; errors are TsmcBuildErrors at the user's source. */
export async function evaluateModels(a: Analysis): Promise<Evaluation> {
  checkImportedBindings(a);
  const entry = a.file;
  const read = new Set<string>([entry]);
  const bundle = await bundleReduced(a, read);
  const tmp = join(tempDir(entry), `${basename(entry)}.${process.pid}.${++counter}.${Date.now().toString(36)}.mjs`);
  let output;
  try {
    ({ output } = await bundle.generate({
      format: "es",
      sourcemap: true,
      file: tmp,
      sourcemapPathTransform: (rel, mapPath) => resolve(dirname(mapPath), rel),
    }));
  } finally {
    await bundle.close();
  }
  const chunk = output[0];
  const trace = new TraceMap(chunk.map as RollupSourceMap as never);
  const mapError = (e: unknown, fallback: SourcePosition, what: string) => locate(e, tmp, trace, a, fallback, what);

  deepStacks(+1);
  try {
    let mod: { __tsmc_capture: { list?: unknown[][] } };
    writeFileSync(tmp, chunk.code);
    try {
      mod = await import(pathToFileURL(tmp).href);
    } catch (e) {
      throw importError(a, e, mapError);
    } finally {
      rmSync(tmp, { force: true });
    }
    return { models: buildModels(a, mod.__tsmc_capture.list ?? [], mapError), dependencies: [...read] };
  } finally {
    deepStacks(-1);
  }
}

/**
 * A binding the builders read from one of the user's modules must not be one that the module can
 * reassign (`export let scale` and a `configure()` that sets it): the build evaluates that module
 * alone, so the value at build time may not be the one at run time.
 */
function checkImportedBindings(a: Analysis): void {
  const seen = new Set<string>();
  for (const r of a.importReads) {
    if (!r.module.startsWith(".") && !isAbsolute(r.module) && !r.module.startsWith("file:")) continue;
    const key = `${r.module}\0${r.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const spec = r.module.startsWith("file:") ? new URL(r.module).pathname : r.module;
    const file = candidates(resolve(dirname(a.file), spec.replace(/[?#].*$/, ""))).find(isFile);
    if (!file || !/\.[cm]?[jt]sx?$/.test(file) || /[\\/]node_modules[\\/]/.test(file)) continue;
    const found = reassignedExport(readFileSync(file, "utf8"), file, r.name);
    if (!found) continue;
    const what = r.name === r.local ? `'${r.local}'` : `'${r.local}' ('${r.name}')`;
    throw new TsmcBuildError(
      positionOf(a.sourceFile, a.file, r.at),
      `${r.why} reads ${what}, a ${found.keyword} of ${r.module} that is reassigned there (at ${found.line}:${found.column}), so its value at build time may not be the one at run time; make it a const or pass it with data(...)`,
      a.code,
    );
  }
}

/**
 * The reduced module bundled with the user's local modules (`read` collects the files). In an
 * import cycle, a module the builders import reads an export back from this one, which the reduced
 * copy may have left out: keep it and bundle again (an error for an import by name, a warning for
 * a namespace's member).
 */
async function bundleReduced(a: Analysis, read: Set<string>): Promise<RollupBuild> {
  const entry = a.file;
  const logs: RollupLog[] = [];
  for (;;) {
    const reduced = reducedModule(a);
    logs.length = 0;
    let bundle: RollupBuild;
    try {
      bundle = await rollup({
        input: entry,
        plugins: [evaluationPlugin(entry, { code: reduced.code, map: reduced.map.toString() }, read)],
        treeshake: false,
        logLevel: "warn",
        onLog: (_level, log) => void logs.push(log),
      });
    } catch (e) {
      const name = exportReadBack(e as RollupLog, entry);
      if (name !== null && a.needExport(name)) continue;
      throw bundlingError(a, e);
    }
    const added = logs.map((log) => exportReadBack(log, entry)).filter((name) => name !== null && a.needExport(name));
    if (added.length) {
      await bundle.close();
      continue;
    }
    // `tsmc.HalfNormall` read off a namespace is only a warning to rollup: a typo of the user's to us.
    const missing = logs.find((log) => missingSelfExport(log));
    if (missing) {
      await bundle.close();
      throw missingExportError(a, missing);
    }
    return bundle;
  }
}

/** Each model() call's captured arguments, checked, and its builder run inside Model.build. */
function buildModels(a: Analysis, captured: unknown[][], mapError: (e: unknown, fallback: SourcePosition, what: string) => unknown): EvaluatedModel[] {
  const models: EvaluatedModel[] = [];
  for (const call of a.calls) {
    const args = captured[call.index];
    if (!args) throw new TsmcBuildError(call.pos, `${call.label}: its arguments were not evaluated`, a.code);
    const [name, builder, options] = typeof args[0] === "string" ? [args[0], args[1], args[2]] : ["model", args[0], args[1]];
    if (typeof builder !== "function") {
      throw new TsmcBuildError(call.pos, `model() expects a builder function${typeof args[0] === "string" ? " after the name" : ""}`, a.code);
    }
    let model: Model;
    let checked: ModelOptions;
    try {
      checked = modelOptions(options);
      model = Model.build(name as string, builder as () => unknown, { coords: checked.coords });
    } catch (e) {
      throw mapError(e, call.pos, `in the builder of ${call.label}`);
    }
    models.push({ call, name: name as string, model, options: checked });
  }
  return models;
}

/** Deep stack traces while any evaluation runs (the user's frame can lie deep under the compiler's). */
let evaluating = 0;
let savedLimit = Error.stackTraceLimit;
function deepStacks(delta: 1 | -1): void {
  if (delta > 0 && evaluating++ === 0) {
    savedLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = Math.max(savedLimit, 200);
  } else if (delta < 0 && --evaluating === 0) {
    Error.stackTraceLimit = savedLimit;
  }
}

/** The stack frames in user code, innermost first, mapped back to the user's files. */
function userFrames(e: unknown, tmp: string, trace: TraceMap): SourcePosition[] {
  const stack = e instanceof Error ? (e.stack ?? "") : "";
  const href = pathToFileURL(tmp).href;
  const frames: SourcePosition[] = [];
  for (const line of stack.split("\n")) {
    const i = line.indexOf(href);
    const j = i >= 0 ? i + href.length : line.indexOf(tmp) >= 0 ? line.indexOf(tmp) + tmp.length : -1;
    if (j < 0) continue;
    const m = /^:(\d+):(\d+)/.exec(line.slice(j));
    if (!m) continue;
    const orig = originalPositionFor(trace, { line: Number(m[1]), column: Number(m[2]) - 1 });
    if (orig.source === null || orig.line === null) continue;
    const file = orig.source.startsWith("file:") ? new URL(orig.source).pathname : orig.source;
    frames.push({ file, line: orig.line, column: orig.column + 1 });
  }
  return frames;
}

function locate(e: unknown, tmp: string, trace: TraceMap, a: Analysis, fallback: SourcePosition, what: string): TsmcBuildError {
  if (e instanceof TsmcBuildError) return e;
  const [pos, ...outer] = userFrames(e, tmp, trace);
  let reason = reasonOf(e);
  if (!pos) return new TsmcBuildError(fallback, `${what}: ${reason}`, a.code);
  if (pos.file !== a.file) {
    const site = outer.find((f) => f.file === a.file);
    if (site) reason += ` (called from ${relative(dirname(pos.file), a.file) || basename(a.file)}:${site.line}:${site.column})`;
  }
  if (pos.file === a.file && e instanceof TypeError && outerThisAt(a, pos)) {
    reason += "; the build pass evaluates the builder without its `this`: use a value passed in or a module-level const";
  }
  return new TsmcBuildError(pos, reason, pos.file === a.file ? a.code : undefined);
}

/** Whether a builder reads, on this line, a `this` of the code around it (which the build pass does not have). */
function outerThisAt(a: Analysis, pos: SourcePosition): boolean {
  return a.calls.some((c) =>
    c.node.getDescendantsOfKind(SyntaxKind.ThisKeyword).some((t) => {
      if (t.getStart() < c.argsStart || t.getEnd() > c.argsEnd) return false;
      if (a.sourceFile.getLineAndColumnAtPos(t.getStart()).line !== pos.line) return false;
      const owner = t.getFirstAncestor(
        (n) => Node.isFunctionDeclaration(n) || Node.isFunctionExpression(n) || Node.isMethodDeclaration(n) || Node.isClassLikeDeclarationBase(n),
      );
      return !owner || owner.getStart() < c.argsStart;
    }),
  );
}

/** Where an import with this specifier is written in the user's module. */
function importSite(a: Analysis, source: string): SourcePosition | null {
  for (const d of a.sourceFile.getImportDeclarations()) {
    if (d.getModuleSpecifierValue() === source) return positionOf(a.sourceFile, a.file, d.getModuleSpecifier().getStart());
  }
  return null;
}

function siteIn(file: string, source: string): SourcePosition | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  for (const quote of ['"', "'"]) {
    const i = text.indexOf(`${quote}${source}${quote}`);
    if (i >= 0) {
      const before = text.slice(0, i).split("\n");
      return { file, line: before.length, column: before[before.length - 1].length + 1 };
    }
  }
  return null;
}

function bundlingError(a: Analysis, e: unknown): TsmcBuildError {
  if (e instanceof TsmcBuildError) return e;
  const cause = (e as { cause?: unknown }).cause;
  const unresolved = e instanceof UnresolvedImport ? e : cause instanceof UnresolvedImport ? cause : null;
  const first = a.calls[0];
  if (unresolved) {
    const pos = unresolved.importer === a.file ? importSite(a, unresolved.source) : siteIn(unresolved.importer, unresolved.source);
    const reason = `cannot resolve '${unresolved.source}', which ${first.label} needs at build time`;
    return new TsmcBuildError(pos ?? first.pos, reason, pos?.file === a.file || !pos ? a.code : undefined);
  }
  const re = e as RollupError;
  if (missingSelfExport(re)) return missingExportError(a, re);
  if (re.loc?.file && re.loc.file !== a.file && isAbsolute(re.loc.file)) {
    return new TsmcBuildError({ file: re.loc.file, line: re.loc.line, column: re.loc.column + 1 }, rollupReason(re));
  }
  return new TsmcBuildError(first.pos, `${first.label}: cannot evaluate the module at build time: ${rollupReason(re)}`, a.code);
}

/**
 * Rollup's reason without its `file (line:column): ` prefix (a 0-based column, and the location is
 * ours to give) nor its hint about plugins (the build strips TypeScript itself).
 */
function rollupReason(e: RollupError): string {
  const reason = reasonOf(e)
    .replace(/^.*? \(\d+:\d+\): /, "")
    .replace(/ \(Note that you need plugins[^)]*\)$/, "");
  return e.code === "PARSE_ERROR" ? `syntax error: ${reason}` : reason;
}

/** The name a module imports from the evaluated one that the reduced copy does not export. */
function exportReadBack(log: RollupLog, entry: string): string | null {
  return log.code === "MISSING_EXPORT" && log.exporter === entry && log.binding ? log.binding : null;
}

/** A name read from tsmc that tsmc does not export (in a module the builder imports): the reason. */
function missingSelfExport(log: RollupLog): string | null {
  if (log.code !== "MISSING_EXPORT" || !log.binding || !log.exporter?.startsWith(SELF_ID)) return null;
  return missingExport(log.exporter.slice(SELF_ID.length), log.binding);
}

/** That mistake where rollup found it (rollup's columns are 0-based). */
function missingExportError(a: Analysis, log: RollupLog): TsmcBuildError {
  const pos = log.loc?.file && isAbsolute(log.loc.file) ? { file: log.loc.file, line: log.loc.line, column: log.loc.column + 1 } : a.calls[0].pos;
  return new TsmcBuildError(pos, missingSelfExport(log)!, pos.file === a.file ? a.code : undefined);
}

function importError(a: Analysis, e: unknown, mapError: (e: unknown, fallback: SourcePosition, what: string) => TsmcBuildError): TsmcBuildError {
  const first = a.calls[0];
  const code = (e as { code?: string }).code;
  if (code === "ERR_MODULE_NOT_FOUND" || code === "ERR_PACKAGE_PATH_NOT_EXPORTED") {
    const m = /(?:package|module) '([^']+)'/.exec(reasonOf(e));
    const spec = m ? m[1] : "";
    const pos = spec ? importSite(a, spec) : null;
    const why = code === "ERR_MODULE_NOT_FOUND" ? "it is not installed or does not exist" : "the package does not export it";
    return new TsmcBuildError(pos ?? first.pos, `cannot import '${spec || "a module"}' at build time: ${why}`, a.code);
  }
  return mapError(e, first.pos, "while evaluating the module's declarations");
}
