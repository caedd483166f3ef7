// The build pass links the sampler only into modules that sample (compiler/frontend/sampler-link.ts):
// what `import "tsmc/sampler"` is added to, and what is left alone.
import { expect } from "chai";
import { join } from "node:path";
import { readsSampler, transformModule } from "../compiler/frontend/index.js";
import { root } from "./helpers/aot.js";

const SEED = `import { model, Normal, HalfNormal } from "tsmc";
export const seed = model("seed", () => {
  const mu = Normal("mu", 0, 2);
  Normal("x", mu, HalfNormal("sigma", 3));
});
`;
const file = (name: string) => join(root, "fixtures", name);
const IMPORT = `import "tsmc/sampler";`;

describe("linking the sampler where it is used", () => {
  it("sees m.sample(), m?.sampleAsync, m['samplePriorPredictive'], m.fit() and a method read without a call", () => {
    expect(readsSampler(`m.sample({ seed: 1 });`, "a.ts")).to.equal(true);
    expect(readsSampler(`await m?.sampleAsync();`, "a.ts")).to.equal(true);
    expect(readsSampler(`m["samplePriorPredictive"]();`, "a.js")).to.equal(true);
    expect(readsSampler(`const f = m.samplePosteriorPredictive.bind(m);`, "a.tsx")).to.equal(true);
    expect(readsSampler(`const approx = m.fit({ method: "advi", n: 1000 });`, "a.ts")).to.equal(true);
    expect(readsSampler(`m["fit"]();`, "a.js")).to.equal(true);
  });

  it("does not see the words in comments, strings, other names or declarations", () => {
    expect(readsSampler(`// m.sample() later\nconst s = "m.sample()";\nconst sample = 1;\nfunction sampleAsync() {}\nm.sampled();`, "a.ts")).to.equal(false);
    expect(readsSampler(`m.flat.logpGrad(x, g);`, "a.ts")).to.equal(false);
  });

  it("adds the import to a module that samples and declares no model, after a #! line and directives", async () => {
    const code = `#!/usr/bin/env node\n"use strict";\nimport { seed } from "./seed.js";\nseed.sample();\n`;
    const out = await transformModule(code, file("app.ts"));
    expect(out!.code).to.equal(`#!/usr/bin/env node\n"use strict";\n${IMPORT}\nimport { seed } from "./seed.js";\nseed.sample();\n`);
    expect(out!.models).to.deep.equal([]);
    // fit() links variational inference alone; the approximation's .sample() reads like a sampler's.
    const fitting = await transformModule(`import { seed } from "./seed.js";\nconst approx = seed.fit({ n: 100 });\n`, file("app.ts"));
    expect(fitting!.code).to.equal(`import "tsmc/vi";\nimport { seed } from "./seed.js";\nconst approx = seed.fit({ n: 100 });\n`);
    const both = await transformModule(`import { seed } from "./seed.js";\nseed.fit({ n: 100 }).sample();\n`, file("app.ts"));
    expect(both!.code).to.equal(`${IMPORT}\nimport "tsmc/vi";\nimport { seed } from "./seed.js";\nseed.fit({ n: 100 }).sample();\n`);
  });

  it("leaves a module that does not sample alone, and one that declares a model without the sampler", async () => {
    expect(await transformModule(`import { seed } from "./seed.js";\nseed.flat.logp(x);\n`, file("app.ts"))).to.equal(null);
    const compiled = await transformModule(SEED, file("seed-link.ts"));
    expect(compiled!.code).to.include("__tsmc_rt_aheadOfTime(").and.not.include("tsmc/sampler");
  });

  it("links it into a model's module that samples, or into every model's module with sampler: true", async () => {
    const sampling = await transformModule(`${SEED}seed.sample();\n`, file("seed-link.ts"));
    expect(sampling!.code.match(/import "tsmc\/sampler";/g)).to.have.length(1);
    const always = await transformModule(SEED, file("seed-link.ts"), { sampler: true });
    expect(always!.code).to.include(IMPORT);
  });

  it("never links it with sampler: false", async () => {
    expect(await transformModule(`import { seed } from "./seed.js";\nseed.sample();\n`, file("app.ts"), { sampler: false })).to.equal(null);
    const compiled = await transformModule(`${SEED}seed.sample();\n`, file("seed-link.ts"), { sampler: false });
    expect(compiled!.code).to.not.include("tsmc/sampler");
  });
});
