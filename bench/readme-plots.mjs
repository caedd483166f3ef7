// The pictures in the README's tsmc/plots section: eight schools (non-centred, with the schools as
// coords) sampled with 4 chains of 500 draws, its trace plot and its forest plot, written to
// docs/img/. Run from the sources (no build needed): `npx tsx bench/readme-plots.mjs`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Deterministic, HalfCauchy, Normal, data, model } from "../compiler/index.js";
import { plotForest, plotTrace } from "../plots/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const SCHOOLS = ["Choate", "Deerfield", "Phillips Andover", "Phillips Exeter", "Hotchkiss", "Lawrenceville", "St. Paul's", "Mt. Hermon"];

const eightSchools = model(
  "eight_schools",
  () => {
    const mu = Normal("mu", 0, 5);
    const tau = HalfCauchy("tau", 5);
    const thetaT = Normal("theta_t", 0, 1, { dims: "school" });
    const theta = Deterministic("theta", mu.add(tau.mul(thetaT)), { dims: "school" });
    Normal("obs", theta, data("sigma", [15, 10, 16, 11, 9, 11, 10, 18], { dims: "school" }), { observed: [28, 8, -3, 7, -1, 1, 18, 12], dims: "school" });
  },
  { coords: { school: SCHOOLS } },
);

const trace = eightSchools.sample({ draws: 500, tune: 1000, chains: 4, seed: 2026 });
const out = join(root, "docs", "img");
mkdirSync(out, { recursive: true });
const files = {
  "eight-schools-trace.svg": plotTrace(trace, { varNames: ["mu", "tau", "theta"], width: 900 }),
  "eight-schools-forest.svg": plotForest(trace, { varNames: ["mu", "tau", "theta"], width: 720 }),
};
for (const [name, svg] of Object.entries(files)) {
  writeFileSync(join(out, name), `${svg}\n`);
  console.log(`docs/img/${name}: ${svg.length} bytes`);
}
console.log(`${trace.nChains} chains × ${trace.nDraws} draws, ${trace.divergences} divergences`);
