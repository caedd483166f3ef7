// tsmc/rollup: the rollup plugin (also a Vite plugin). Each module that declares model()s imported
// from "tsmc" has them compiled at build time; the bundle imports `tsmc/runtime` in their place.
// When rollup bundles the runtime's sampler, the plugin also emits its Web Worker as a chunk (Vite
// and webpack do that themselves for `new Worker(new URL(..., import.meta.url))`; rollup does not).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { createFilter, type FilterPattern } from "@rollup/pluginutils";
import { mayDeclareModels, transformModule, TsmcBuildError } from "../compiler/frontend/index.js";

export interface TsmcPluginOptions {
  /** Modules to look at (picomatch patterns or regexps); default: JavaScript and TypeScript files. */
  include?: FilterPattern;
  /** Modules to skip; default: node_modules. */
  exclude?: FilterPattern;
  /**
   * Bundle the NUTS sampler with the models (default true), and its Web Worker as a chunk of its own
   * (parallel chains in a browser); false keeps bundles minimal.
   */
  sampler?: boolean;
}

/** What the plugin needs of rollup's (or Vite's, or rolldown's) plugin context. */
export interface TsmcPluginContext {
  error(error: { message: string; id?: string; loc?: { file?: string; line: number; column: number }; frame?: string }): never;
  addWatchFile(id: string): void;
  /** Rollup's; the plugin emits the sampler's Web Worker with it. */
  emitFile?(file: { type: "chunk"; id: string; name?: string }): string;
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
}

const DEFAULT_INCLUDE = /\.(?:[cm]?[jt]sx?)$/;
const DEFAULT_EXCLUDE = /[\\/]node_modules[\\/]/;

/** The runtime module that starts the sampler's Web Workers, and the worker's URL in it. */
const SAMPLER_WORKERS = /[\\/]runtime[\\/]sampler[\\/]parallel\.[cm]?[jt]s$/;
const WORKER_URL = /new URL\((["'])\.\/web-worker\.js\1, import\.meta\.url\)/;

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

/** The tsmc plugin for rollup (`plugins: [tsmc()]`) and Vite (same). */
export default function tsmc(options: TsmcPluginOptions = {}): TsmcPlugin {
  const filter = createFilter(options.include ?? DEFAULT_INCLUDE, options.exclude ?? DEFAULT_EXCLUDE);
  // An unchanged module whose dependencies are unchanged is not rebuilt (watch mode, dev server).
  const cache = new Map<string, CacheEntry>();
  let vite = false;
  return {
    name: "tsmc",
    enforce: "pre",
    configResolved() {
      vite = true;
    },
    async transform(code, id) {
      if (id.startsWith("\0")) return null;
      const file = id.replace(/[?#].*$/, "");
      if (options.sampler !== false && !vite && this.emitFile && SAMPLER_WORKERS.test(file) && WORKER_URL.test(code)) {
        // The worker entry sits next to this module (web-worker.js in dist/, .ts in the sources).
        const ref = this.emitFile({ type: "chunk", id: join(dirname(file), `web-worker${extname(file)}`), name: "tsmc-worker" });
        return { code: code.replace(WORKER_URL, `new URL(import.meta.ROLLUP_FILE_URL_${ref})`), map: null };
      }
      if (!filter(file) || !mayDeclareModels(code)) return null;
      const key = hash(code);
      const hit = cache.get(file);
      if (hit && hit.key === key && hit.deps.every(([dep, h]) => hashFile(dep) === h)) {
        for (const [dep] of hit.deps) this.addWatchFile(dep);
        return hit.result;
      }
      let result;
      try {
        result = await transformModule(code, file, { sampler: options.sampler });
      } catch (e) {
        cache.delete(file);
        if (e instanceof TsmcBuildError) {
          return this.error({
            message: e.reason,
            id: e.file,
            loc: { file: e.file, line: e.line, column: e.column - 1 },
            frame: e.frame,
          });
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
  };
}

export { tsmc, TsmcBuildError };
