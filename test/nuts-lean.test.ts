// The lean NUTS (runtime/sampler/nuts.ts: proposals handed on by reference, the metric fused into
// the kicks, the U-turn checks in one pass) against the straightforward transcription of Stan it
// replaced (test/reference/nuts-transcription.ts): for the same seed, every transition's position,
// log density, energy and statistics must agree bit for bit, with the diagonal and the dense metric,
// the step-size heuristic, divergences and the tree-depth cap.
import { expect } from "chai";
import { Nuts, type Target, type TransitionStats } from "../runtime/sampler/nuts.js";
import { Nuts as Transcription } from "./reference/nuts-transcription.js";
import { Stream } from "../runtime/random.js";
import { eightSchools } from "./sampler-models.js";

/** Neal's funnel: v ~ N(0, 3), x_i ~ N(0, exp(v / 2)); large steps diverge in its neck. */
function funnel(k: number): Target {
  return {
    size: k + 1,
    logpGrad(x, g) {
      const v = x[0];
      let lp = (-v * v) / 18;
      g[0] = -v / 9;
      const w = Math.exp(-v);
      for (let i = 1; i <= k; i++) {
        lp += -0.5 * x[i] * x[i] * w - 0.5 * v;
        g[0] += 0.5 * x[i] * x[i] * w - 0.5;
        g[i] = -x[i] * w;
      }
      return lp;
    },
  };
}

const newStats = (): TransitionStats => ({ lp: 0, acceptanceRate: 0, treeDepth: 0, nSteps: 0, diverging: false, energy: 0, stepSize: 0 });

interface Case {
  maxTreeDepth?: number;
  stepSizes?: number[];
  invMetric?: number[];
  dense?: number[];
}

/** Run both samplers side by side and return what they did (to check the case exercises its path). */
function compare(target: Target, seed: string, start: number[], c: Case, transitions = 300) {
  const lean = new Nuts(target, new Stream(seed), { maxTreeDepth: c.maxTreeDepth });
  const ref = new Transcription(target, new Stream(seed), { maxTreeDepth: c.maxTreeDepth });
  expect(lean.setPosition(start)).to.equal(ref.setPosition(start));
  for (const s of [lean, ref]) {
    if (c.invMetric) s.invMetric.set(c.invMetric);
    if (c.dense) s.setDenseMetric(Float64Array.from(c.dense));
  }
  lean.initStepSize();
  ref.initStepSize();
  expect(lean.stepSize).to.equal(ref.stepSize);
  const a = newStats();
  const b = newStats();
  let divergences = 0;
  let capped = 0;
  for (let t = 0; t < transitions; t++) {
    if (c.stepSizes) lean.stepSize = ref.stepSize = c.stepSizes[t % c.stepSizes.length];
    lean.transition(a);
    ref.transition(b);
    expect(a, `transition ${t}`).to.deep.equal(b);
    expect(Array.from(lean.position), `position after transition ${t}`).to.deep.equal(Array.from(ref.position));
    if (a.diverging) divergences++;
    if (a.treeDepth === (c.maxTreeDepth ?? 10)) capped++;
  }
  return { divergences, capped };
}

describe("lean NUTS against the transcription of Stan it replaced (bit for bit)", () => {
  const schools: Target = { size: eightSchools.size, logpGrad: eightSchools.flat.logpGrad };
  const start = Array.from({ length: schools.size }, (_, i) => 0.3 * Math.sin(i + 1));

  it("eight schools, diagonal metric, several seeds and step sizes", () => {
    for (const seed of ["1", "2", "77"]) compare(schools, seed, start, { stepSizes: [0.4, 0.9, 0.15], invMetric: [4, 2, 1, 1.5, 0.5, 1, 1, 2, 1, 0.7] });
  });

  it("eight schools with a dense metric", () => {
    const n = schools.size;
    const cov = new Array(n * n).fill(0).map((_, k) => (k % (n + 1) === 0 ? 1 + (k % 3) : 0.2 * Math.cos(k)));
    // Symmetrise and make it diagonally dominant (positive definite).
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) cov[j * n + i] = cov[i * n + j];
    for (let i = 0; i < n; i++) cov[i * n + i] += n * 0.2;
    compare(schools, "5", start, { dense: cov });
  });

  it("a funnel at a large step size: divergences end the trees the same way", () => {
    const { divergences } = compare(funnel(4), "3", [0, 1, -1, 0.5, -0.5], { stepSizes: [1.5, 0.8, 4] });
    expect(divergences).to.be.greaterThan(10);
  });

  it("tree depth capped at 3 with a small step", () => {
    const { capped } = compare(funnel(4), "9", [1, 1, -1, 0.5, -0.5], { maxTreeDepth: 3, stepSizes: [0.02] });
    expect(capped).to.be.greaterThan(100);
  });
});
