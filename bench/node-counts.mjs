// Nodes in each bench model's logp and dlogp graphs: as built, after the rewrite pipeline, and
// after fusion (what the emitter turns into code). `npm run bench:nodes`.
import { Model } from "../dist/compiler/index.js";
import { boundedLogp } from "../dist/compiler/model/compile-graphs.js";
import { evaluateNode, optimize } from "../dist/compiler/pipeline.js";
import { fuseElemwise } from "../dist/compiler/rewrite/fuse.js";
import { toposort } from "../dist/compiler/graph/traversal.js";
import { builders, runtimeData } from "./models.mjs";
import { loadData } from "./gen-data.mjs";

const count = (outs) => toposort(outs).length;

console.log("model            graph    as built   rewritten   fused");
for (const id of ["seed", "eight_schools", "linreg", "logistic", "radon", "poisson"]) {
  const m = Model.build(id, builders[id](loadData(id), runtimeData));
  const [logp] = boundedLogp([m.logp()]);
  const [dlogp] = boundedLogp([m.dlogp()]);
  for (const [name, g] of [
    ["logp", logp],
    ["dlogp", dlogp],
  ]) {
    const rewritten = optimize([g], { evaluate: evaluateNode });
    const fused = fuseElemwise(rewritten);
    console.log(
      `${id.padEnd(17)}${name.padEnd(9)}${String(count([g])).padStart(8)}${String(count(rewritten)).padStart(12)}${String(count(fused)).padStart(8)}`,
    );
  }
}
