// tsmc/rollup: the rollup plugin (also a Vite plugin). Each module that declares model()s imported
// from "tsmc" has them compiled at build time; the bundle imports `tsmc/runtime` in their place.
// Modules that sample get `import "tsmc/sampler"`, so only bundles that sample carry the sampler.
// When such a bundle starts the sampler's Web Worker, the plugin emits the worker as one
// self-contained asset (Vite and webpack do that themselves for `new Worker(new URL(...,
// import.meta.url))`; rollup does not). An asset, not a chunk: it is emitted only when the bundle
// really holds the sampler, and it works with `output.file` as well as `output.dir`.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join, posix, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createFilter, type FilterPattern } from "@rollup/pluginutils";
import MagicString from "magic-string";
import { TsmcBuildError } from "../compiler/frontend/errors.js";
import { loadBuildPass, mayDeclareModels, mayReadSampler, MissingPeerError } from "../compiler/frontend/load.js";
import { checkOptionNames, shown } from "../runtime/options.js";

export interface TsmcPluginOptions {
  /** Modules to look at (picomatch patterns or regexps); default: JavaScript and TypeScript files. */
  include?: FilterPattern;
  /** Modules to skip; default: node_modules. */
  exclude?: FilterPattern;
  /**
   * Where to link the sampler (`import "tsmc/sampler"`): by default into each module that calls
   * `sample()` or its kin; `true` also into every module that declares a model (for code that
   * samples out of the plugin's sight, e.g. in node_modules); `false` never (sample() then throws).
   */
  sampler?: boolean;
}

/** What the plugin needs of rollup's (or Vite's, or rolldown's) plugin context. */
export interface TsmcPluginContext {
  error(error: { message: string; id?: string; loc?: { file?: string; line: number; column: number }; frame?: string }): never;
  addWatchFile(id: string): void;
}

/** What the plugin needs of rollup's context when it renders a chunk. */
export interface TsmcRenderContext {
  emitFile(file: { type: "asset"; name: string; source: string }): string;
  getFileName(ref: string): string;
}

export interface TsmcSourceMap {
  version: number;
  file?: string;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
  toString(): string;
  toUrl(): string;
}

export interface TsmcPlugin {
  name: "tsmc";
  /** For Vite: run before its own TypeScript transform. Applies to both serve and build (no `apply`). */
  enforce: "pre";
  /** Vite calls this (rollup does not): Vite bundles the sampler's worker itself. */
  configResolved(): void;
  transform(this: TsmcPluginContext, code: string, id: string): Promise<{ code: string; map: TsmcSourceMap | null } | null>;
  buildStart(): void;
  renderStart(): void;
  renderChunk(this: TsmcRenderContext, code: string, chunk: { fileName: string }): Promise<{ code: string; map: TsmcSourceMap } | null>;
}

const DEFAULT_INCLUDE = /\.(?:[cm]?[jt]sx?)$/;
const DEFAULT_EXCLUDE = /[\\/]node_modules[\\/]/;

/** The runtime module that starts the sampler's Web Workers, and the worker's URL in it. */
const SAMPLER_WORKERS = /[\\/]runtime[\\/]sampler[\\/]parallel\.js$/;
const WORKER_URL = /new URL\((["'])\.\/web-worker\.js\1, import\.meta\.url\)/;
/** Stands for the worker's URL until the chunk that starts it is rendered (strings survive minifiers). */
const WORKER_MARK = "__tsmc_web_worker__";

/** The Web Worker as one file, made with the package (runtime/vendor/prebundle.mjs), beside parallel.js. */
const workerFile = (parallelJs: string) => join(dirname(parallelJs), "web-worker.bundle.js");

/**
 * tsmc's own modules, in the sources or in dist/ (this file is plugin-rollup/index.ts or
 * dist/plugin-rollup/index.js): never transformed, even when a link puts them outside node_modules.
 */
const base = fileURLToPath(new URL("../", import.meta.url));
const OWN = ["runtime", "compiler", "dist/runtime", "dist/compiler"].map((d) => join(base, d) + sep);
const isOwn = (file: string) => OWN.some((d) => file.startsWith(d));

const hash = (text: string) => createHash("sha256").update(text).digest("hex");

function hashFile(file: string): string | null {
  try {
    return hash(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

interface CacheEntry {
  /** Hash of the module's code. */
  key: string;
  /** Every other file the builders read, with its hash when the result was made. */
  deps: [file: string, hash: string | null][];
  result: { code: string; map: TsmcSourceMap };
}

const isPattern = (p: unknown) => typeof p === "string" || p instanceof RegExp;

/** The options to read (own properties only; see checkOptionNames), checked: a misspelt or mistyped one would build silently with its default. */
function checkOptions(given: TsmcPluginOptions): TsmcPluginOptions {
  const options = checkOptionNames("tsmc plugin", given, ["include", "exclude", "sampler"]);
  for (const name of ["include", "exclude"] as const) {
    const p: unknown = options[name];
    if (p != null && !isPattern(p) && !(Array.isArray(p) && p.every(isPattern))) {
      throw new Error(`tsmc plugin: ${name} must be a picomatch pattern, a RegExp or an array of them, got ${shown(p)}`);
    }
  }
  if (options.sampler !== undefined && typeof options.sampler !== "boolean")
    throw new Error(`tsmc plugin: sampler must be true or false, got ${shown(options.sampler)}`);
  return options;
}

/** The tsmc plugin for rollup (`plugins: [tsmc()]`) and Vite (same). */
export default function tsmc(options: TsmcPluginOptions = {}): TsmcPlugin {
  options = checkOptions(options);
  const filter = createFilter(options.include ?? DEFAULT_INCLUDE, options.exclude ?? DEFAULT_EXCLUDE);
  // An unchanged module whose dependencies are unchanged is not rebuilt (watch mode, dev server).
  const cache = new Map<string, CacheEntry>();
  let vite = false;
  /** parallel.js as this build resolved it, and the worker's asset in the current output. */
  let workerFrom: string | null = null;
  let workerRef: string | null = null;
  return {
    name: "tsmc",
    enforce: "pre",
    configResolved() {
      vite = true;
    },
    async transform(code, id) {
      if (id.startsWith("\0")) return null;
      const file = id.replace(/[?#].*$/, "");
      if (!vite && SAMPLER_WORKERS.test(file) && WORKER_URL.test(code)) {
        workerFrom = file;
        return { code: code.replace(WORKER_URL, `new URL("${WORKER_MARK}", import.meta.url)`), map: null };
      }
      if (!filter(file) || isOwn(file) || !(mayDeclareModels(code) || mayReadSampler(code))) return null;
      const key = hash(code);
      const hit = cache.get(file);
      if (hit && hit.key === key && hit.deps.every(([dep, h]) => hashFile(dep) === h)) {
        for (const [dep] of hit.deps) this.addWatchFile(dep);
        return hit.result;
      }
      let result;
      try {
        const { transformModule } = await loadBuildPass("the tsmc rollup/Vite plugin");
        result = await transformModule(code, file, { sampler: options.sampler });
      } catch (e) {
        cache.delete(file);
        if (e instanceof MissingPeerError) return this.error({ message: e.message, id: file });
        if (e instanceof TsmcBuildError) {
          try {
            return this.error({
              message: e.reason,
              id: e.file,
              loc: { file: e.file, line: e.line, column: e.column }, // 1-based, as every tsmc message
              frame: e.frame,
            });
          } catch (thrown) {
            throw inHelper(thrown, file, e.file);
          }
        }
        throw e;
      }
      if (!result) return null;
      const deps = result.dependencies.filter((d) => d !== file);
      for (const dep of deps) this.addWatchFile(dep);
      const out = { code: result.code, map: result.map };
      cache.set(file, { key, deps: deps.map((d) => [d, hashFile(d)]), result: out });
      return out;
    },
    buildStart() {
      workerFrom = null;
    },
    renderStart() {
      workerRef = null;
    },
    async renderChunk(code, chunk) {
      if (!workerFrom || !code.includes(WORKER_MARK)) return null;
      workerRef ??= this.emitFile({ type: "asset", name: "tsmc-worker.js", source: readFileSync(workerFile(workerFrom), "utf8") });
      let url = relative(dirname(chunk.fileName), this.getFileName(workerRef)).split("\\").join(posix.sep);
      if (!url.startsWith(".")) url = `./${url}`;
      const s = new MagicString(code);
      for (let i = code.indexOf(WORKER_MARK); i >= 0; i = code.indexOf(WORKER_MARK, i + 1)) s.overwrite(i, i + WORKER_MARK.length, url);
      return { code: s.toString(), map: s.generateMap({ hires: true }) };
    },
  };
}

/**
 * Rollup names the module being transformed in the message, next to the error's line and column:
 * for an error in a module that it imports (a helper the builder calls), name that module instead.
 */
function inHelper(thrown: unknown, file: string, errorFile: string): unknown {
  if (errorFile === file || !(thrown instanceof Error)) return thrown;
  const shownPath = (f: string) => relative(process.cwd(), f) || f;
  const prefix = `${shownPath(file)} (`;
  if (thrown.message.includes(prefix)) thrown.message = thrown.message.replace(prefix, `${shownPath(errorFile)} (`);
  (thrown as { id?: string }).id = errorFile;
  return thrown;
}

export { tsmc, TsmcBuildError };
