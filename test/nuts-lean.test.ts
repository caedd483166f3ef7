// The lean NUTS (runtime/sampler/nuts.ts: proposals handed on by reference, the metric fused into
// the kicks, the U-turn checks in one pass, multinomial weights in linear scale) against the
// straightforward transcription of Stan it replaced (test/reference/nuts-transcription.ts), which
// keeps log-sum-weights. The two compute the same multinomial probabilities up to rounding, so a
// decision can differ only when a uniform falls within a few ulps of its threshold (about 1e-16 per
// decision): for the seeds below every transition's position, log density, energy and statistics
// agree bit for bit, with the diagonal and the dense metric, the step-size heuristic (no weights
// there: always the same), divergences, the tree-depth cap, deep trees and the rescaling of the
// weights. That the draws have the right distribution is checked besides, on a correlated
// Gaussian's moments; and the random stream, whose Alea step runtime/random.ts writes out, against
// seedrandom's.
import { expect } from "chai";
import { Nuts, type Target, type TransitionStats } from "../runtime/sampler/nuts.js";
import { runChain, type ChainTarget } from "../runtime/sampler/chain.js";
import { essMean } from "../runtime/sampler/diagnostics.js";
import { Nuts as Transcription } from "./reference/nuts-transcription.js";
import { Stream, childSeed, restoreStream, streamState } from "../runtime/random.js";
import { alea } from "../runtime/vendor/alea.js";
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
  let deepest = 0;
  for (let t = 0; t < transitions; t++) {
    if (c.stepSizes) lean.stepSize = ref.stepSize = c.stepSizes[t % c.stepSizes.length];
    lean.transition(a);
    ref.transition(b);
    expect(a, `transition ${t}`).to.deep.equal(b);
    expect(Array.from(lean.position), `position after transition ${t}`).to.deep.equal(Array.from(ref.position));
    if (a.diverging) divergences++;
    if (a.treeDepth === (c.maxTreeDepth ?? 10)) capped++;
    deepest = Math.max(deepest, a.treeDepth);
  }
  return { divergences, capped, deepest };
}

/**
 * A density with a cliff: flat (zero gradient) except that logp jumps by `drop` where x0 >= 1, so a
 * trajectory crossing it falls by `drop` in energy: 800 overflows exp, and the lean sampler must
 * lower its weights' reference energy (the transcription, in log scale, needs nothing).
 */
function cliff(drop: number): Target {
  return {
    size: 2,
    logpGrad(x, g) {
      g[0] = 0;
      g[1] = -x[1];
      return (x[0] >= 1 ? drop : 0) - 0.5 * x[1] * x[1];
    },
  };
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

  it("deep trees (the sampler's arena grows several times over)", () => {
    const { deepest } = compare(funnel(4), "12", [1, 1, -1, 0.5, -0.5], { stepSizes: [0.004] }, 12);
    expect(deepest).to.be.at.least(9);
  });

  it("a fall in energy past exp's range: the weights are rescaled and the draws stay Stan's", () => {
    // From x0 = 0 the trajectory reaches the cliff at x0 = 1 in some transitions (it drifts at
    // constant momentum): those draws land beyond it, where the density is exp(800) times higher.
    const target = cliff(800);
    const lean = new Nuts(target, new Stream("4"), { maxTreeDepth: 4 });
    lean.setPosition([0, 0]);
    lean.stepSize = 0.3;
    let crossed = 0;
    const s = newStats();
    for (let t = 0; t < 40; t++) {
      lean.setPosition([0, 0.5]);
      lean.transition(s);
      if (lean.position[0] >= 1) crossed++;
    }
    expect(crossed).to.be.greaterThan(5);
    compare(target, "4", [0, 0.5], { maxTreeDepth: 4, stepSizes: [0.3] }, 40);
  });
});

describe("lean NUTS: the posterior of a correlated Gaussian", () => {
  // x ~ N(0, Σ), Σ = D R D with standard deviations D and correlations R; the density is written
  // with the precision Σ⁻¹ (inverted below by Gauss-Jordan), so the sampler sees only logp and its
  // gradient -Σ⁻¹x. The chains' means and variances must match Σ within 4 Monte Carlo standard
  // errors, each from its own effective sample size.
  const sd = [1, 3, 0.5];
  const corr = [
    [1, 0.8, -0.3],
    [0.8, 1, 0.2],
    [-0.3, 0.2, 1],
  ];
  const k = sd.length;
  const cov = corr.map((row, i) => row.map((r, j) => r * sd[i] * sd[j]));
  const prec = invert(cov);
  const target: ChainTarget = {
    size: k,
    logp(x) {
      return this.logpGrad(x, new Float64Array(k));
    },
    logpGrad(x, g) {
      let lp = 0;
      for (let i = 0; i < k; i++) {
        let t = 0;
        for (let j = 0; j < k; j++) t += prec[i][j] * x[j];
        g[i] = -t;
        lp -= 0.5 * x[i] * t;
      }
      return lp;
    },
  };

  it("means and variances within Monte Carlo error of the covariance's", () => {
    const chains = 4;
    const draws = 2000;
    const results = Array.from({ length: chains }, (_, c) =>
      runChain(target, {
        draws,
        tune: 1000,
        seed: childSeed(11, c),
        targetAccept: 0.8,
        maxTreeDepth: 10,
        init: new Float64Array(k),
        jitter: true,
        keepWarmup: false,
        adaptMetric: true,
        metric: "diag",
      }),
    );
    for (let i = 0; i < k; i++) {
      const xs = results.map((r) => Float64Array.from({ length: draws }, (_, d) => r.draws[d * k + i]));
      const squares = xs.map((x) => x.map((v) => v * v));
      const mean = xs.reduce((a, x) => a + x.reduce((b, v) => b + v, 0), 0) / (chains * draws);
      const meanSquare = squares.reduce((a, x) => a + x.reduce((b, v) => b + v, 0), 0) / (chains * draws);
      const variance = cov[i][i];
      // sd(x) = σ; sd(x²) = √2 σ² for a centred normal.
      expect(Math.abs(mean), `mean of x${i}`).to.be.lessThan((4 * sd[i]) / Math.sqrt(essMean(xs)));
      expect(Math.abs(meanSquare - variance), `variance of x${i}`).to.be.lessThan((4 * Math.SQRT2 * variance) / Math.sqrt(essMean(squares)));
    }
  });
});

describe("Stream: seedrandom's Alea written out", () => {
  it("draws seedrandom's uniforms and the polar method's normals, bit for bit, and saves and restores", () => {
    for (const seed of ["1", "2/0", "tsmc:timing", 77]) {
      const stream = new Stream(seed);
      const reference = alea(String(seed), { state: true });
      let spare: number | null = null;
      const referenceNormal = (): number => {
        if (spare !== null) {
          const z = spare;
          spare = null;
          return z;
        }
        for (;;) {
          const u = 2 * reference.double() - 1;
          const v = 2 * reference.double() - 1;
          const s = u * u + v * v;
          if (s >= 1 || s === 0) continue;
          const f = Math.sqrt((-2 * Math.log(s)) / s);
          spare = v * f;
          return u * f;
        }
      };
      for (let i = 0; i < 20000; i++) {
        // Uniforms between normals, so that a normal's spare is pending across them.
        if (i % 3 === 0) expect(stream.uniform(), `${seed}: uniform ${i}`).to.equal(reference.double());
        else expect(stream.normal(), `${seed}: normal ${i}`).to.equal(referenceNormal());
      }
      stream.normal();
      referenceNormal();
      const saved = JSON.parse(JSON.stringify(streamState(stream)));
      expect(saved.spare).to.equal(spare);
      const restored = restoreStream(saved);
      for (let i = 0; i < 100; i++) expect(restored.normal()).to.equal(referenceNormal());
    }
  });
});

function invert(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const pivot = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(n));
}
