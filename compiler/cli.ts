#!/usr/bin/env node
// The `tsmc` command line. Commands: `build` (compile the model() declarations of source files
// ahead of time), `print` (a model's graphs, as dprint shows them), `example` (the seed's graph
// examples, printed).
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, Option } from "commander";
import { seedGraphsText } from "./seed-example.js";
import { registerSample } from "./cli-sample.js";
import type { GraphKind } from "./frontend/build.js";
import { TsmcBuildError } from "./frontend/errors.js";
import { loadBuildPass } from "./frontend/load.js";

/** tsmc's own package.json: found by walking up from this file (dist/compiler/ or compiler/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      if (pkg.name === "tsmc") return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}

function makeProgram(): Command {
  const program = new Command("tsmc")
    .description("Ahead-of-time compiler for PyMC-style probabilistic models written in TypeScript")
    .version(packageVersion(), "-v, --version", "print the tsmc version")
    .showHelpAfterError();

  program
    .command("build")
    .description("compile the model() declarations of the files (and of the source files under the folders) ahead of time")
    .argument("<inputs...>", "source files (.ts .tsx .mts .js .mjs) or folders")
    .requiredOption("--outDir <dir>", "where to write the .js, .js.map and .d.ts files")
    .option("--verbose", "print each file with its build time")
    .option("--sampler", "link the sampler into every module that declares a model, not only into those that call sample()")
    .option("--no-sampler", "never link the sampler (sample() throws)")
    .action(async (inputs: string[], opts: { outDir: string; verbose?: boolean; sampler?: boolean }) => {
      const { build, writeOutputs, formatWarning } = await loadBuildPass("tsmc build");
      const result = await build(inputs, opts.outDir, { sampler: opts.sampler });
      for (const w of result.warnings) process.stderr.write(`${formatWarning(w)}\n`);
      if (result.errors.length) {
        for (const e of result.errors) process.stderr.write(`${describe(e)}\n\n`);
        process.stderr.write(`tsmc build: ${result.errors.length} error${result.errors.length > 1 ? "s" : ""}; nothing written\n`);
        process.exitCode = 1;
        return;
      }
      writeOutputs(result.outputs);
      if (opts.verbose) {
        for (const [file, ms] of result.times) process.stdout.write(`${relative(process.cwd(), file)}  ${ms.toFixed(0)} ms\n`);
      }
    });

  program
    .command("print")
    .description("print the graphs of the models a file declares (optimized, as pt.dprint shows them)")
    .argument("<file>", "a source file with model() declarations")
    .option("--model <name>", "only the model with this name")
    .addOption(new Option("--graph <graph>", "which graph").choices(["logp", "dlogp", "draw"]).default("logp"))
    .option("--no-rewrite", "the graph as built, before the rewrites")
    .action(async (file: string, opts: { model?: string; graph: GraphKind; rewrite: boolean }) => {
      const { printModels } = await loadBuildPass("tsmc print");
      process.stdout.write(`${await printModels(file, opts)}\n`);
    });

  program
    .command("example")
    .description("run the seed notebook's PyTensor graph examples and print them")
    .action(() => {
      process.stdout.write(seedGraphsText());
    });

  registerSample(program);
  return program;
}

function describe(e: unknown): string {
  if (e instanceof TsmcBuildError) return e.format();
  return `error: ${e instanceof Error ? e.message : String(e)}`;
}

try {
  await makeProgram().parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`${describe(e)}\n`);
  process.exitCode = 1;
}
