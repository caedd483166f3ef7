// What a production bundle of a compiled model carries: the runtime imported by name, and without
// the sampler when the build says so (the budget: tsmc/runtime ≤ 4 KB minified + gzipped).
import { expect } from "chai";
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { Model, Normal, HalfNormal, emitModel } from "../compiler/index.js";
import { compiledExpression, runtimeNames } from "../compiler/frontend/transform.js";

const runtimeEntry = fileURLToPath(new URL("../runtime/index.ts", import.meta.url));

async function gzippedRuntime(names: string[]): Promise<number> {
  const out = await build({
    stdin: { contents: `export { ${names.join(", ")} } from ${JSON.stringify(runtimeEntry)};`, resolveDir: ".", loader: "ts" },
    bundle: true, minify: true, format: "esm", write: false, platform: "browser",
  });
  return gzipSync(out.outputFiles[0].contents).length;
}

describe("the runtime a compiled model imports", () => {
  const { body } = emitModel(
    Model.build("seed", () => {
      const mu = Normal("mu", 0, 2);
      const sigma = HalfNormal("sigma", 3);
      Normal("x", mu, sigma);
    }),
  );

  it("is imported by name: only the exports the body uses", () => {
    const names = runtimeNames(body);
    expect(names).to.include("createModel");
    expect(names).to.not.include("sample");
    const expr = compiledExpression("seed", body);
    for (const n of names) expect(expr).to.contain(`${n}: __tsmc_rt_${n}`);
  });

  it("without the sampler, the model calls createModelCore and the runtime fits in 4 KB gzipped", async () => {
    const expr = compiledExpression("seed", body, { sampler: false });
    expect(expr).to.contain("rt.createModelCore(");
    expect(expr).to.not.contain("rt.createModel(");
    const names = runtimeNames(body.replace("return rt.createModel(", "return rt.createModelCore("));
    const lean = await gzippedRuntime(names);
    const full = await gzippedRuntime(runtimeNames(body));
    expect(lean).to.be.lessThan(4096);
    expect(full).to.be.greaterThan(lean);
  });
});
