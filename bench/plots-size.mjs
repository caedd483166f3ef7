// What tsmc/plots adds to a browser bundle: rollup (+ node-resolve for the browser, commonjs for
// Plot's one CommonJS dependency, terser), built from this repository's sources (TypeScript
// stripped on the way, no `npm run build` needed). Each app's page JavaScript, minified and
// gzipped, against a baseline app that only prints az.summary's table; linkedom (Node's DOM) is a
// separate chunk that a browser never fetches, listed apart. Run: `node bench/plots-size.mjs`.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import ts from "typescript";
import { rollup } from "rollup";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import commonjs from "@rollup/plugin-commonjs";
import terser from "@rollup/plugin-terser";

const root = fileURLToPath(new URL("..", import.meta.url));

/** `./x.js` imports of the repository's TypeScript resolve to `./x.ts`, which is transpiled. */
const typescript = {
  name: "typescript-sources",
  resolveId(source, importer) {
    if (!importer || !source.startsWith(".") || !source.endsWith(".js")) return null;
    const file = join(dirname(importer), source.replace(/\.js$/, ".ts"));
    return existsSync(file) ? file : null;
  },
  transform(code, id) {
    if (!id.endsWith(".ts")) return null;
    const out = ts.transpileModule(code, { fileName: id, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    return { code: out.outputText, map: null };
  },
};

const APPS = {
  baseline: `import { summary } from "../../runtime/sampler/summary.js";\nexport const show = (t) => summary(t).toString();\n`,
  plotTrace: `import { summary } from "../../runtime/sampler/summary.js";\nimport { plotTrace } from "../../plots/index.js";\nexport const show = (t) => summary(t).toString() + plotTrace(t);\n`,
  all: `import { summary } from "../../runtime/sampler/summary.js";\nimport * as plots from "../../plots/index.js";\nexport const show = (t) => summary(t).toString() + Object.values(plots).map((f) => f(t)).join("");\n`,
};

async function build(dir, name) {
  const entry = join(dir, `${name}.js`);
  writeFileSync(entry, APPS[name]);
  const out = join(dir, `out-${name}`);
  const bundle = await rollup({ input: entry, plugins: [typescript, nodeResolve({ browser: true }), commonjs(), terser()], onLog: () => {} });
  const { output } = await bundle.write({ dir: out, format: "es", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js" });
  await bundle.close();
  const size = (file) => {
    const bytes = readFileSync(join(out, file));
    return { bytes: bytes.length, gzip: gzipSync(bytes).length };
  };
  const chunks = output.filter((o) => o.type === "chunk");
  // the page's JavaScript: the entry and what it imports statically (not the dynamic linkedom chunk)
  const entryChunk = chunks.find((c) => c.isEntry);
  const statics = new Set([entryChunk.fileName, ...entryChunk.imports]);
  const pageFiles = chunks.filter((c) => statics.has(c.fileName)).map((c) => c.fileName);
  const lazyFiles = readdirSync(out).filter((f) => f.endsWith(".js") && !statics.has(f));
  const sum = (files) => files.map(size).reduce((a, s) => ({ bytes: a.bytes + s.bytes, gzip: a.gzip + s.gzip }), { bytes: 0, gzip: 0 });
  return { page: sum(pageFiles), lazy: sum(lazyFiles) };
}

const base = join(root, ".tmp");
mkdirSync(base, { recursive: true });
const dir = mkdtempSync(join(base, "plots-size-"));
try {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const results = {};
  for (const name of Object.keys(APPS)) results[name] = await build(dir, name);
  const b = results.baseline.page;
  console.log("| app | page JS, minified | gzipped | added to the baseline, gzipped | Node-only chunk (linkedom), gzipped |");
  console.log("|---|---|---|---|---|");
  for (const [name, r] of Object.entries(results)) {
    const added = name === "baseline" ? "—" : `+${kb(r.page.gzip - b.gzip)} (+${r.page.gzip - b.gzip} B)`;
    const lazy = r.lazy.gzip ? `${kb(r.lazy.gzip)} (never fetched in a browser)` : "none";
    console.log(`| ${name} | ${kb(r.page.bytes)} | ${kb(r.page.gzip)} (${r.page.gzip} B) | ${added} | ${lazy} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
