// Run by `npm run build` after tsc: the runtime's vendored modules (dist/runtime/vendor/*.js) import
// CommonJS packages (@stdlib's special functions read a JSON table; seedrandom is UMD). Each is
// replaced by plain ES modules holding the code itself: one module per function, behind a facade
// that re-exports them, so a bundler keeps only the functions a model calls (@stdlib's modules run
// feature checks at load, which no bundler can drop from a module it keeps). The published runtime
// then imports nothing but its own files: rollup, Vite and esbuild need no CommonJS or JSON plugin.
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";
import { rollup } from "rollup";
import commonjs from "@rollup/plugin-commonjs";
import json from "@rollup/plugin-json";
import { nodeResolve } from "@rollup/plugin-node-resolve";

/**
 * @stdlib supports engines older than the runtime's (ES2022): at load it probes for typed arrays,
 * Symbol and Object.defineProperty and carries a polyfill for each. These packages are replaced by
 * the built-ins they stand for, which drops the probes and the polyfills from every bundle.
 */
const BUILTINS = {
  "@stdlib/array-float64": "export default Float64Array;",
  "@stdlib/array-uint32": "export default Uint32Array;",
  "@stdlib/array-uint16": "export default Uint16Array;",
  "@stdlib/array-uint8": "export default Uint8Array;",
  "@stdlib/symbol-ctor": "export default Symbol;",
  "@stdlib/assert-has-symbol-support": "export default () => true;",
  "@stdlib/assert-has-tostringtag-support": "export default () => true;",
  "@stdlib/assert-is-little-endian": "export default new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;",
  "@stdlib/utils-define-property": "export default Object.defineProperty;",
  "@stdlib/utils-native-class": "export default (x) => Object.prototype.toString.call(x);",
  "@stdlib/utils-define-nonenumerable-read-only-property":
    "export default (obj, prop, value) => Object.defineProperty(obj, prop, { configurable: false, enumerable: false, writable: false, value });",
};

const builtins = {
  name: "builtins",
  resolveId: (id) => (id in BUILTINS ? `\0builtin:${id}` : null),
  load: (id) => (id.startsWith("\0builtin:") ? BUILTINS[id.slice("\0builtin:".length)] : null),
};

/**
 * seedrandom's Alea is a UMD module (an IIFE given `this`, `module` and `define`). Read as an ES
 * module with a `module` object in scope, it is plain code: no CommonJS wrapper in every bundle.
 */
const umdAsModule = {
  name: "umd-as-module",
  transform(code, id) {
    if (!/[\\/]seedrandom[\\/]lib[\\/]alea\.js$/.test(id)) return null;
    const call = "})(\n  this,";
    if (!code.includes(call)) throw new Error(`prebundle: ${id} is not the UMD module this step expects`);
    return `const module = { exports: {} };\n${code.replace(call, "})(\n  undefined,")}\nexport default module.exports;\n`;
  },
};

const vendor = fileURLToPath(new URL("../../dist/runtime/vendor/", import.meta.url));

/** One ES module with `export { default as name }` of a CommonJS package. */
async function bundleDefault(pkg, name) {
  const input = "\0entry";
  const bundle = await rollup({
    input,
    plugins: [
      {
        name: "entry",
        resolveId: (id) => (id === input ? id : null),
        load: (id) => (id === input ? `export { default as ${name} } from ${JSON.stringify(pkg)};` : null),
      },
      builtins,
      umdAsModule,
      nodeResolve(),
      commonjs({ strictRequires: false, requireReturnsDefault: "auto" }),
      json({ preferConst: true }),
    ],
    treeshake: { moduleSideEffects: false },
    onwarn(w) {
      throw new Error(`prebundle ${pkg}: ${w.message}`);
    },
  });
  const { output } = await bundle.generate({ format: "es" });
  await bundle.close();
  for (const id of Object.keys(output[0].modules)) bundledPackages.add(packageRoot(id));
  // Readable, without @stdlib's doc comments (most of its bytes); its license notice kept once.
  const { code } = await transform(output[0].code, { format: "esm", legalComments: "eof" });
  return `// ${pkg}, bundled as an ES module by runtime/vendor/prebundle.mjs.\n${code}`;
}

/** The packages whose code the vendored modules hold (their folders), for the notices file. */
const bundledPackages = new Set();

/** The folder of the installed package a module belongs to (the CommonJS plugin prefixes its own ids with a NUL). */
function packageRoot(id) {
  return /^\0?(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(id)?.[1] ?? null;
}

/**
 * dist/runtime/vendor/NOTICES.md: every package whose code the runtime carries, with its license,
 * each distinct license text once (bundlers that drop license comments leave them here).
 */
async function writeNotices() {
  const byText = new Map();
  for (const dir of [...bundledPackages].filter(Boolean).sort()) {
    const meta = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    const file = ["LICENSE", "LICENSE.md", "LICENSE.txt"].map((f) => join(dir, f)).find(existsSync);
    const author = typeof meta.author === "string" ? meta.author : meta.author?.name;
    const text = file ? await readFile(file, "utf8") : `${meta.license} license${author ? `, copyright ${author}` : ""} (the package ships no license file).`;
    if (!byText.has(text)) byText.set(text, []);
    byText.get(text).push(`${meta.name}@${meta.version} (${meta.license})`);
  }
  const parts = [
    "# Third-party code in tsmc's runtime",
    "",
    "The runtime's `vendor/` modules (and the sampler's worker file) hold code of these packages.",
    "",
  ];
  for (const [text, packages] of byText)
    parts.push(`## ${packages.length} package${packages.length > 1 ? "s" : ""}`, "", ...packages.map((p) => `- ${p}`), "", "```text", text.trim(), "```", "");
  await writeFile(vendor + "NOTICES.md", parts.join("\n"));
}

for (const facade of ["stdlib.js", "alea.js"]) {
  const file = vendor + facade;
  const compiled = await readFile(file, "utf8");
  const exports = [...compiled.matchAll(/export \{ default as (\w+) \} from "([^"]+)";/g)];
  if (!exports.length) throw new Error(`prebundle: no re-exports found in ${file}`);
  const dir = facade.replace(/\.js$/, "");
  await mkdir(vendor + dir, { recursive: true });
  const lines = [`// The functions of runtime/vendor/${dir}.ts, each an ES module of its own (runtime/vendor/prebundle.mjs).`];
  for (const [, name, pkg] of exports) {
    await writeFile(`${vendor}${dir}/${name}.js`, await bundleDefault(pkg, name));
    lines.push(`export { ${name} } from "./${dir}/${name}.js";`);
  }
  await writeFile(file, `${lines.join("\n")}\n`);
  await rm(`${file}.map`, { force: true });
}
await writeNotices();

// The sampler's Web Worker as one minified file (the whole runtime: a worker rebuilds any model from
// its source text), which tsmc/rollup emits as an asset when a bundle samples. Vite bundles the
// worker itself from `new URL("./web-worker.js", import.meta.url)`.
const sampler = fileURLToPath(new URL("../../dist/runtime/sampler/", import.meta.url));
const worker = await rollup({
  input: `${sampler}web-worker.js`,
  onwarn(w) {
    throw new Error(`prebundle web-worker.js: ${w.message}`);
  },
});
const { output } = await worker.generate({ format: "es" });
await worker.close();
const { code } = await transform(output[0].code, { format: "esm", minify: true, legalComments: "eof" });
await writeFile(`${sampler}web-worker.bundle.js`, code);
