#!/usr/bin/env node
// The `tsmc` command line. Commands: `example` (the seed's graph examples, printed).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { seedGraphsText } from "./seed-example.js";
import { registerSample } from "./cli-sample.js";

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
    .command("example")
    .description("run the seed notebook's PyTensor graph examples and print them")
    .action(() => {
      process.stdout.write(seedGraphsText());
    });

  registerSample(program);
  return program;
}

await makeProgram().parseAsync(process.argv);
