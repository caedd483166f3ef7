// What a production bundle of a compiled model carries: the runtime imported by name, no sampler
// unless the module samples (the budget: the seed's runtime part well under 4 KB minified + gzipped).
import { expect } from "chai";
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { Model, Normal, HalfNormal, emitModel } from "../compiler/index.js";
import { compiledExpression, runtimeNames } from "../compiler/frontend/transform.js";

const runtimeEntry = fileURLToPath(new URL("../runtime/index.ts", import.meta.url));
const samplerEntry = fileURLToPath(new URL("../runtime/sampler/install.ts", import.meta.url));

async function gzippedRuntime(names: string[], withSampler = false): Promise<number> {
  const sampler = withSampler ? `import ${JSON.stringify(samplerEntry)};\n` : "";
  const out = await build({
    stdin: { contents: `${sampler}export { ${names.join(", ")} } from ${JSON.stringify(runtimeEntry)};`, resolveDir: ".", loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    write: false,
    platform: "browser",
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

  it("is imported by name: only the exports the body uses, none of the sampler's", () => {
    const names = runtimeNames(body);
    expect(names).to.include("createModel");
    expect(names.filter((n) => /sampl|install|Trace|summary/i.test(n))).to.deep.equal([]);
    const expr = compiledExpression("seed", body);
    expect(expr).to.contain("__tsmc_rt_aheadOfTime(");
    for (const n of names) expect(expr).to.contain(`${n}: __tsmc_rt_${n}`);
  });

  it("fits in 4 KB gzipped for the seed model; importing tsmc/sampler adds the sampler", async () => {
    const names = runtimeNames(body);
    const lean = await gzippedRuntime(names);
    const sampling = await gzippedRuntime(names, true);
    expect(lean).to.be.lessThan(4096);
    expect(sampling - lean).to.be.greaterThan(4096);
  });
});
