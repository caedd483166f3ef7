// What a production bundle carries, with each bundler (bench/bundlers.mjs), minified, sizes gzipped:
// the seed model's app that only evaluates it (logp, gradient, draws), eight schools' app that
// samples (the sampler linked in by the build pass, plus the Web Worker file where the bundler
// emits one), and the largest model fixture (fixtures/logistic.ts: logistic regression with its
// 200 × 10 data as build-time constants). Run after `npm run build`: the project links this repository as `tsmc`.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLERS, bundle } from "./bundlers.mjs";
import { APPS, writeApps } from "./apps.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const project = mkdtempSync(join(tmpdir(), "tsmc-size-"));
try {
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "size", private: true, type: "module" }));
  mkdirSync(join(project, "node_modules", "@rollup"), { recursive: true });
  symlinkSync(root, join(project, "node_modules", "tsmc"), "dir");
  for (const dep of ["rollup", "vite", "esbuild", "@rollup/plugin-node-resolve", "@rollup/plugin-terser"]) {
    symlinkSync(join(root, "node_modules", dep), join(project, "node_modules", dep), "dir");
  }
  writeApps(join(project, "src"));
  mkdirSync(join(project, "fixtures", "data"), { recursive: true });
  cpSync(join(root, "fixtures", "logistic.ts"), join(project, "fixtures", "logistic.js"));
  cpSync(join(root, "fixtures", "data", "logistic.json"), join(project, "fixtures", "data", "logistic.json"));
  writeFileSync(join(project, "fixtures", "largest.js"), `import { logistic } from "./logistic.js";\nconsole.log(logistic.size);\n`);

  const entries = [
    [APPS.evaluate, "seed, evaluation only"],
    [APPS.sample, "eight schools, sample()"],
    ["fixtures/largest.js", "logistic fixture (200 × 10 data as constants)"],
  ];
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log("| bundler | app | page JS, gzipped | worker file, gzipped |");
  console.log("|---|---|---|---|");
  for (const bundler of BUNDLERS) {
    for (const [entry, label] of entries) {
      const { main, files } = await bundle(bundler, { project, entry, outDir: join(project, "out", bundler.replace(/\W+/g, "-")) });
      const worker = files.filter((f) => /worker/.test(f.path));
      const page = files.filter((f) => !worker.includes(f) && f.path.endsWith(".js"));
      const pageGzip = page.reduce((n, f) => n + f.gzip, 0);
      const workerGzip = worker.reduce((n, f) => n + f.gzip, 0);
      console.log(`| ${bundler} | ${label} | ${kb(pageGzip)} (${pageGzip} B) | ${worker.length ? kb(workerGzip) : "none"} |`);
      if (!page.some((f) => f.path === main)) throw new Error(`${bundler}: the entry chunk is missing`);
    }
  }
} finally {
  rmSync(project, { recursive: true, force: true });
}
