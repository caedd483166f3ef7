// `tsmc build` and `tsmc print`: whole files in, output files (or printed graphs) out.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import remapping from "@jridgewell/remapping";
import MagicString from "magic-string";
import { ts } from "ts-morph";
import type { Variable } from "../graph/basic.js";
import { dprint } from "../graph/dprint.js";
import { rewriteForCompile } from "../function.js";
import { boundedLogp } from "../model/compile-graphs.js";
import type { Model } from "../model/model.js";
import { analyze, release } from "./analyze.js";
import { TsmcBuildError } from "./errors.js";
import { evaluateModels } from "./evaluate.js";
import { stripTypes } from "./evaluate.js";
import { transformModule } from "./transform.js";

/** The source files `tsmc build` compiles. */
export const SOURCE_EXT = /\.(ts|tsx|mts|js|mjs)$/;

export interface OutputFile {
  readonly path: string;
  readonly contents: string;
}

export interface BuildResult {
  readonly outputs: OutputFile[];
  readonly errors: Error[];
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

const TS_INPUT = /\.(ts|tsx|mts)$/;

/** Compile one module: its models spliced, types stripped, with its source map and declaration file. */
export async function buildModule(file: string, outJs: string, opts: { sampler?: boolean } = {}): Promise<{ outputs: OutputFile[]; jsonImports: string[] }> {
  const code = readFileSync(file, "utf8");
  const result = await transformModule(code, file, { declarations: true, sampler: opts.sampler });
  const spliced = result?.code ?? code;
  const splicedMap = result?.map ?? new MagicString(code).generateMap({ hires: true, source: file, includeContent: true });
  const isTs = TS_INPUT.test(file);
  let js = spliced;
  let map;
  if (isTs) {
    const out = stripTypes(spliced, file, { rewriteRelativeImportExtensions: true });
    js = out.code;
    map = remapping([out.map, splicedMap.toString()], () => null);
  } else {
    map = remapping([splicedMap.toString()], () => null);
  }
  map.file = basename(outJs);
  map.sources = [relative(dirname(outJs), file).split(sep).join("/")];
  map.sourcesContent = [code];
  const dts = result?.dts ?? ts.transpileDeclaration(code, { fileName: file.replace(/\.(m?)js$/, ".$1ts"), compilerOptions: {} }).outputText;
  const dtsPath = outJs.replace(/\.js$/, ".d.ts").replace(/\.mjs$/, ".d.mts");
  const jsonImports = ts
    .preProcessFile(code, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((f) => f.startsWith(".") && f.endsWith(".json"))
    .map((f) => resolve(dirname(file), f));
  return {
    outputs: [
      { path: outJs, contents: `${js.replace(/\n*$/, "\n")}//# sourceMappingURL=${basename(outJs)}.map\n` },
      { path: `${outJs}.map`, contents: JSON.stringify(map) },
      { path: dtsPath, contents: dts },
    ],
    jsonImports,
  };
}

/** Build every input into outDir (paths below the inputs' common folder kept). Nothing is written here. */
export async function build(inputs: readonly string[], outDir: string, opts: { sampler?: boolean } = {}): Promise<BuildResult> {
  const files = collectInputs(inputs, outDir);
  if (!files.length) throw new Error(`no source files (${SOURCE_EXT.source}) in ${inputs.join(", ")}`);
  const root = commonDir(files);
  const out = resolve(outDir);
  const outputs: OutputFile[] = [];
  const errors: Error[] = [];
  const times = new Map<string, number>();
  const json = new Set<string>();
  for (const file of files) {
    const t0 = performance.now();
    try {
      const built = await buildModule(file, join(out, outputName(relative(root, file))), opts);
      outputs.push(...built.outputs);
      built.jsonImports.forEach((j) => json.add(j));
    } catch (e) {
      errors.push(e as Error);
    }
    times.set(file, performance.now() - t0);
  }
  for (const j of json) {
    const rel = relative(root, j);
    if (rel.startsWith("..") || !existsSync(j)) continue;
    outputs.push({ path: join(out, rel), contents: readFileSync(j, "utf8") });
  }
  return { outputs, errors, times };
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
  const graphs =
    kind === "logp" ? boundedLogp([model.logp()])
    : kind === "dlogp" ? boundedLogp([model.dlogp()])
    : [...model.basicRVs, ...model.deterministics];
  return rewrite ? rewriteForCompile(graphs) : graphs;
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
