// Build time per benchmark model: graph construction, logprob, gradient, rewrites, fusion and
// emission (what the build pass does per model() declaration), median of several runs.
import { Model, emitModel } from "../dist/compiler/index.js";
import { builders, constants, runtimeData } from "./models.mjs";
import { loadData } from "./gen-data.mjs";

const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];

console.log("model            data       build ms (median of 7)   emitted KB");
for (const id of ["seed", "eight_schools", "linreg", "logistic", "radon", "poisson"]) {
  const d = loadData(id);
  for (const [label, bind] of [
    ["constants", constants],
    ["data()", runtimeData],
  ]) {
    const times = [];
    let size = 0;
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      const { body } = emitModel(Model.build(id, builders[id](d, bind)));
      times.push(performance.now() - t0);
      size = body.length;
    }
    console.log(`${id.padEnd(17)}${label.padEnd(11)}${median(times).toFixed(1).padStart(10)}${(size / 1024).toFixed(1).padStart(24)}`);
  }
}
