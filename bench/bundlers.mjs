// A user's project built with each bundler the way its documentation sets it up, with tsmc's plugin
// where the bundler takes one and no plugin for CommonJS or JSON: rollup with
// @rollup/plugin-node-resolve alone (output.file and output.dir), Vite (an app and a library), and
// esbuild --bundle over `tsmc build`'s output. Used by `npm run bench:size` and by the tests, which
// run what it builds. `project` is a folder whose node_modules holds tsmc and the bundlers.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

export const BUNDLERS = ["rollup, output.file", "rollup, output.dir", "vite, app", "vite, library", "esbuild"];

/** Import a package as the project resolves it (its own node_modules). */
async function fromProject(project, name) {
  const path = createRequire(join(project, "package.json")).resolve(name);
  return import(pathToFileURL(path).href);
}

/** Every file under dir, with its size raw and gzipped (the level servers use by default). */
function filesOf(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (!p.endsWith(".map") && !p.endsWith(".html")) {
        const bytes = readFileSync(p);
        out.push({ path: p, bytes: bytes.length, gzip: gzipSync(bytes).length });
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * Bundle `entry` (a module of the project, e.g. "src/app.js") with `bundler` into `outDir`.
 * Returns the file to run (the entry's chunk) and every file written (chunks and assets).
 */
export async function bundle(bundler, { project, entry, outDir, minify = true, platform = "browser" }) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const name = basename(entry).replace(/\.[jt]s$/, "");
  const input = join(project, entry);
  let main;
  if (bundler.startsWith("rollup")) {
    const { rollup } = await fromProject(project, "rollup");
    const { nodeResolve } = await fromProject(project, "@rollup/plugin-node-resolve");
    const terser = (await fromProject(project, "@rollup/plugin-terser")).default;
    const tsmc = (await fromProject(project, "tsmc/rollup")).default;
    const b = await rollup({ input, plugins: [tsmc(), nodeResolve()], onLog: () => {} });
    const plugins = minify ? [terser()] : [];
    const out = bundler.endsWith("file")
      ? { file: join(outDir, `${name}.js`), format: "es", plugins }
      : { dir: outDir, entryFileNames: "[name].js", format: "es", plugins };
    await b.write(out);
    await b.close();
    main = join(outDir, `${name}.js`);
  } else if (bundler.startsWith("vite")) {
    const { build } = await fromProject(project, "vite");
    const tsmc = (await fromProject(project, "tsmc/rollup")).default;
    const common = { configFile: false, logLevel: "silent", root: project, plugins: [tsmc()] };
    if (bundler.endsWith("app")) {
      const html = join(project, `${name}.html`);
      writeFileSync(html, `<!doctype html><script type="module" src="./${entry}"></script>\n`);
      // No module-preload polyfill: the tests run the page's chunk in Node.
      const result = await build({
        ...common,
        build: { outDir, emptyOutDir: true, minify, modulePreload: { polyfill: false }, rollupOptions: { input: html } },
      });
      const chunk = (Array.isArray(result) ? result[0] : result).output.find((o) => o.type === "chunk" && o.isEntry);
      main = join(outDir, chunk.fileName);
    } else {
      await build({ ...common, build: { outDir, emptyOutDir: true, minify, lib: { entry: input, formats: ["es"], fileName: name } } });
      main = join(outDir, `${name}.js`);
    }
  } else if (bundler === "esbuild") {
    // esbuild takes no rollup plugin: `tsmc build` compiles the project's models first.
    const built = join(dirname(outDir), `${basename(outDir)}-tsmc-build`);
    const cli = createRequire(join(project, "package.json"))
      .resolve("tsmc/package.json")
      .replace(/package\.json$/, "dist/compiler/cli.js");
    const r = spawnSync(process.execPath, [cli, "build", dirname(input), "--outDir", built], { cwd: project, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`tsmc build failed:\n${r.stderr}`);
    const { build } = await fromProject(project, "esbuild");
    main = join(outDir, `${name}.js`);
    await build({
      entryPoints: [join(built, relative(dirname(input), input))],
      bundle: true,
      minify,
      format: "esm",
      platform,
      outfile: main,
      absWorkingDir: project,
      logLevel: "silent",
    });
  } else {
    throw new Error(`unknown bundler '${bundler}'; expected one of ${BUNDLERS.join(", ")}`);
  }
  if (!existsSync(main)) throw new Error(`${bundler}: no output at ${main}`);
  return { main, files: filesOf(outDir) };
}
