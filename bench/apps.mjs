// Two small apps as a user writes them, for the bundle sizes (bench/size.mjs) and the bundler tests:
// one evaluates the seed model (logp and gradient on the flat hot path, a seeded draw), one samples
// eight schools with sample()'s defaults. Each prints its numbers exactly, so that a bundle's output
// can be compared with the same files run in process (node src/<app>.js).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const APPS = { evaluate: "src/evaluate.js", sample: "src/sample.js" };

const FILES = {
  "seed.js": `import { model, Normal, HalfNormal } from "tsmc";

export const seed = model("seed", () => {
  const mu = Normal("mu", 0, 2);
  const sigma = HalfNormal("sigma", 3);
  Normal("x", mu, sigma);
});
`,
  "schools.js": `import { model, Normal, HalfCauchy, Deterministic } from "tsmc";

const y = [28, 8, -3, 7, -1, 1, 18, 12];
const sigma = [15, 10, 16, 11, 9, 11, 10, 18];

export const schools = model("eight_schools", () => {
  const mu = Normal("mu", 0, 5);
  const tau = HalfCauchy("tau", 5);
  const thetaT = Normal("theta_t", 0, 1, { shape: [8] });
  const theta = Deterministic("theta", mu.add(tau.mul(thetaT)));
  Normal("obs", theta, sigma, { observed: y });
});
`,
  "bits.js": `// Numbers as their exact bits, so that two runs compare bit for bit.
export const bits = (values) => Array.from(new Uint32Array(Float64Array.from(values).buffer), (w) => w.toString(16)).join(".");
`,
  "evaluate.js": `import { seed } from "./seed.js";

// console.log prints each number exactly (the shortest text that reads back as the same double, -0 too).
const x = new Float64Array(seed.size).fill(0.1);
const g = new Float64Array(seed.size);
console.log(seed.flat.logpGrad(x, g), g, seed.draw({ seed: 42 }));
`,
  "sample.js": `import { schools } from "./schools.js";
import { bits } from "./bits.js";

const t0 = performance.now();
const trace = schools.sample({ seed: 1 });
const ms = performance.now() - t0;
const { mu, tau, theta } = trace.posterior;
console.log(JSON.stringify({ shape: theta.shape, mu: bits(mu.data), tau: bits(tau.data), theta: bits(theta.data), lp: bits(trace.sampleStats.lp.data), ms }));
`,
};

/** Write the apps' modules into dir (the project's src/). */
export function writeApps(dir) {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
}
