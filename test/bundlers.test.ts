// Production bundles with every bundler a user may pick (bench/bundlers.mjs: rollup with
// @rollup/plugin-node-resolve alone, output.file and output.dir; Vite, app and library; esbuild over
// `tsmc build`), in a project that installed the packed tarball, with no CommonJS or JSON plugin.
// Each bundle runs under Node and prints what the same files print run in process, bit for bit; an
// app that only evaluates carries no sampler and no worker file, and fits in 4 KB gzipped.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "./helpers/aot.js";
import { childEnv, packedProject, run } from "./helpers/packed.js";
import { BUNDLERS, bundle } from "../bench/bundlers.mjs";
import { APPS, writeApps } from "../bench/apps.mjs";

/** The bundlers as the user installed them (linked from this repository's dev dependencies). */
const TOOLS = ["vite", "esbuild", "@rollup/plugin-node-resolve", "@rollup/plugin-terser"];
/** Text that exists only in the sampler (NUTS's statistics and messages). */
const SAMPLER_CODE = /acceptance_rate|tree_depth|NUTS:/;

describe("bundlers: a user's project built with each, run under Node", function () {
  this.timeout(300_000);
  let project: string;
  const reference: { evaluate?: string; sample?: Record<string, unknown> } = {};
  const runApp = (file: string) => run(process.execPath, [file], project);
  const withoutTime = ({ ms: _ms, ...rest }: Record<string, unknown>) => rest;

  before(function () {
    ({ project } = packedProject());
    mkdirSync(join(project, "node_modules", "@rollup"), { recursive: true });
    for (const tool of TOOLS) {
      try {
        symlinkSync(join(root, "node_modules", tool), join(project, "node_modules", tool), "dir");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
    writeApps(join(project, "src"));
    // In process: the same files run as written, compiled by tsmc at run time.
    reference.evaluate = runApp(join(project, APPS.evaluate));
    reference.sample = withoutTime(JSON.parse(runApp(join(project, APPS.sample))));
  });

  for (const bundler of BUNDLERS) {
    describe(bundler, () => {
      it("the evaluation-only app: same bits as in process, no sampler, no worker file", async function () {
        const outDir = join(project, "out", `${bundler.replace(/\W+/g, "-")}-evaluate`);
        const { main, files } = await bundle(bundler, { project, entry: APPS.evaluate, outDir });
        expect(runApp(main)).to.equal(reference.evaluate);
        const code = readFileSync(main, "utf8");
        expect(code).to.not.match(SAMPLER_CODE);
        expect(code).to.not.match(/\brequire\(|new Function|ts-morph/);
        expect(files.map((f) => f.path).filter((p) => /worker/.test(p))).to.deep.equal([]);
        const gzip = files.filter((f) => f.path.endsWith(".js")).reduce((n, f) => n + f.gzip, 0);
        // A library build is not minified for production by its bundler (the app that uses it is).
        // About 4 KB: the model, the runtime's evaluation code and its input checks (draw's options among them, about 100 B).
        if (!bundler.includes("library")) expect(gzip, "minified + gzipped bytes").to.be.at.most(4224);
        this.test!.title += ` (${gzip} B gzipped)`;
      });

      it("the app that samples: the sampler linked in, default options, the in-process trace", async function () {
        const outDir = join(project, "out", `${bundler.replace(/\W+/g, "-")}-sample`);
        const { main } = await bundle(bundler, { project, entry: APPS.sample, outDir, platform: "node" });
        expect(readFileSync(main, "utf8")).to.match(SAMPLER_CODE);
        const r = spawnSync(process.execPath, [main], { cwd: project, env: childEnv, encoding: "utf8", timeout: 60_000 });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stderr, "no warning: the default runs eight schools in this thread").to.equal("");
        const out = JSON.parse(r.stdout);
        expect(withoutTime(out)).to.deep.equal(reference.sample);
        this.test!.title += ` (sampled in ${Math.round(out.ms)} ms)`;
      });
    });
  }

  it("an app that samples out of the build pass's sight gets an error that says what to import", async () => {
    writeFileSync(join(project, "src", "hidden.js"), `import { seed } from "./seed.js";\nconst method = ["sam", "ple"].join("");\nseed[method]();\n`);
    const { main } = await bundle("rollup, output.file", { project, entry: "src/hidden.js", outDir: join(project, "out", "hidden") });
    const r = spawnSync(process.execPath, [main], { cwd: project, env: childEnv, encoding: "utf8" });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include(`model 'seed': sample() needs tsmc/sampler, not in this bundle: add import "tsmc/sampler" where you call it`);
  });
});
