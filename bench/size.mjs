// Size of what a production bundle of the seed model carries: the model compiled ahead of time
// (as the build pass splices it, importing the runtime by name) plus the parts of tsmc/runtime it
// uses, bundled and minified with esbuild, then gzipped.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Model, emitModel } from "../dist/compiler/index.js";
import { compiledExpression } from "../dist/compiler/frontend/index.js";
import { builders } from "./models.mjs";

const runtime = fileURLToPath(new URL("../dist/runtime/index.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tsmc-size-"));
try {
  const { body } = emitModel(Model.build("seed", builders.seed()));
  for (const sampler of [true, false]) {
    const expr = compiledExpression("seed", body, { sampler });
    const names = [...new Set([...expr.matchAll(/__tsmc_rt_(\w+)/g)].map((m) => m[1]))];
    const entry = join(dir, "seed.mjs");
    const imports = names.map((n) => `${n} as __tsmc_rt_${n}`).join(", ");
    writeFileSync(entry, `import { ${imports} } from ${JSON.stringify(runtime)};\nexport const seed = ${expr};\n`);
    const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: "esm", write: false, platform: "browser", metafile: true });
    const code = out.outputFiles[0].contents;
    const label = sampler ? "with the sampler (default)" : "sampler: false";
    console.log(`seed model bundle, ${label}: ${(code.length / 1024).toFixed(1)} KB minified, ${(gzipSync(code).length / 1024).toFixed(1)} KB gzipped`);
    const inputs = Object.values(out.metafile.outputs)[0].inputs;
    const parts = Object.entries(inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput).slice(0, 6);
    for (const [file, info] of parts) console.log(`  ${String(info.bytesInOutput).padStart(7)} B  ${file.replace(/^.*?(dist|node_modules)\//, "$1/")}`);
    // The runtime alone: just the exports this model imports.
    writeFileSync(entry, `export { ${names.join(", ")} } from ${JSON.stringify(runtime)};\n`);
    const rt = await build({ entryPoints: [entry], bundle: true, minify: true, format: "esm", write: false, platform: "browser" });
    const rc = rt.outputFiles[0].contents;
    console.log(`  tsmc/runtime as this bundle imports it: ${(rc.length / 1024).toFixed(1)} KB minified, ${(gzipSync(rc).length / 1024).toFixed(1)} KB gzipped (${gzipSync(rc).length} bytes)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
