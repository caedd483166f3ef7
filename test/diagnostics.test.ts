// Diagnostics against a NumPy re-implementation of ArviZ's formulas on small fixed arrays
// (test/reference/diagnostics.py wrote test/reference/diagnostics.json), and the summary table.
import { expect } from "chai";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { NDArray, summary, rhat, essBulk, essTail, mcseMean, mcseSd, hdi } from "../compiler/index.js";
import { essMean, essSd, normalPpf, rankdata, autocov, splitChains } from "../runtime/sampler/diagnostics.js";

const ref = JSON.parse(readFileSync(new URL("./reference/diagnostics.json", import.meta.url), "utf8")) as Record<string, Record<string, any>>;

const close = (actual: number, expected: number, what: string, tol = 1e-10) =>
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).to.be.lessThan(tol * Math.max(1, Math.abs(expected)));

describe("diagnostics against the reference (ArviZ's formulas in NumPy)", () => {
  for (const [name, r] of Object.entries(ref)) {
    it(`${name}: R-hat, ESS bulk/tail/mean/sd, MCSE mean/sd, HDI`, () => {
      const x: number[][] = r.draws;
      close(rhat(x), r.r_hat, "r_hat");
      close(rhat(x, { foldAround: "all" }), r.r_hat_summary, "r_hat (summary)");
      close(essBulk(x), r.ess_bulk, "ess_bulk");
      close(essTail(x), r.ess_tail, "ess_tail");
      close(essMean(x), r.ess_mean, "ess_mean");
      close(essSd(x), r.ess_sd, "ess_sd");
      close(mcseMean(x), r.mcse_mean, "mcse_mean");
      close(mcseSd(x), r.mcse_sd, "mcse_sd");
      const [lo, hi] = hdi(x.flat());
      expect(lo).to.equal(r["hdi_3%"]);
      expect(hi).to.equal(r["hdi_97%"]);
    });
  }

  it("summary() rows carry the same numbers", () => {
    const r = ref.ar1_4x50;
    const x: number[][] = r.draws;
    const arr = new NDArray([4, 50], Float64Array.from(x.flat()));
    const row = summary({ posterior: { a: arr } }).get("a")!;
    close(row.mean, r.mean, "mean");
    close(row.sd, r.sd, "sd");
    close(row.ess_bulk, r.ess_bulk, "ess_bulk");
    close(row.r_hat, r.r_hat_summary, "r_hat");
    close(row["hdi_3%"], r["hdi_3%"], "hdi_3%");
  });
});

describe("diagnostics: the radix argsort", () => {
  /** scipy.stats.rankdata's average ranks, by a comparison sort. */
  const naiveRanks = (a: number[]) => {
    const idx = a.map((_, i) => i).sort((i, j) => a[i] - a[j] || i - j);
    const out = new Array<number>(a.length);
    for (let i = 0; i < a.length; ) {
      let j = i;
      while (j + 1 < a.length && a[idx[j + 1]] === a[idx[i]]) j++;
      for (let k = i; k <= j; k++) out[idx[k]] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return out;
  };

  it("ranks as a comparison sort does: doubles, ties, -0 and 0, draws that differ in their low bits only (property)", () => {
    const close = fc.double({ min: 1, max: 1 + 1e-9, noNaN: true }); // one high word, many low words
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom(0, -0, 1e-300, -1e-300),
      close,
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), (a) => {
        expect(rankdata(a)).to.deep.equal(naiveRanks(a));
      }),
      { numRuns: 300 },
    );
    // 5000 draws that differ only in their low 32 bits.
    const long = Array.from({ length: 5000 }, (_, i) => 1 + ((i * 7919) % 5000) * 1e-13);
    expect(rankdata(long)).to.deep.equal(naiveRanks(long));
  });
});

describe("diagnostics: hand-computed values", () => {
  it("ranks average ties; the normal quantile matches known values", () => {
    expect(rankdata([3, 1, 3, 2])).to.deep.equal([3.5, 1, 3.5, 2]);
    close(normalPpf(0.975), 1.959963984540054, "ppf(0.975)", 1e-15);
    close(normalPpf(0.5), 0, "ppf(0.5)");
    close(normalPpf(1e-10), -6.361340902404056, "ppf(1e-10)", 1e-14);
  });

  it("autocovariance of [1, 2, 3, 4]: sums of lagged products / n", () => {
    // centred: [-1.5, -0.5, 0.5, 1.5]
    const a = Array.from(autocov([1, 2, 3, 4]));
    close(a[0], 5 / 4, "lag 0");
    close(a[1], (0.75 - 0.25 + 0.75) / 4, "lag 1");
    close(a[2], (-0.75 - 0.75) / 4, "lag 2");
    close(a[3], -2.25 / 4, "lag 3");
  });

  it("R-hat of two identical chains is below 1; of separated chains well above", () => {
    const c = [0.1, -0.4, 0.3, 0.8, -0.2, 0.5, -0.9, 0.0];
    expect(rhat([c, c])).to.be.lessThan(1);
    expect(rhat([c, c.map((v) => v + 10)])).to.be.greaterThan(1.5);
    expect(Number.isNaN(rhat([c]))).to.equal(true); // R-hat needs two chains
  });

  it("summary() (one shared sort) equals the separate functions: odd chains, ties, one chain", () => {
    let seed = 7;
    const uniform = () => ((seed = (seed * 69069 + 1) >>> 0) + 0.5) / 2 ** 32;
    for (const [nChains, nDraws, step] of [
      [4, 301, 0],
      [3, 300, 0.25],
      [1, 101, 0],
    ]) {
      const x = Array.from({ length: nChains }, () => {
        let v = 0;
        return Array.from({ length: nDraws }, () => {
          v = 0.7 * v + uniform() - 0.5;
          return step ? Math.round(v / step) * step : v;
        });
      });
      const row = summary({ posterior: { a: new NDArray([nChains, nDraws], Float64Array.from(x.flat())) } }).get("a")!;
      const what = `${nChains}x${nDraws}`;
      close(row.ess_bulk, essBulk(x), `${what} ess_bulk`, 1e-12);
      close(row.ess_tail, essTail(x), `${what} ess_tail`, 1e-12);
      close(row.mcse_mean, mcseMean(x), `${what} mcse_mean`, 1e-12);
      close(row.mcse_sd, mcseSd(x), `${what} mcse_sd`, 1e-12);
      expect([row["hdi_3%"], row["hdi_97%"]]).to.deep.equal(hdi(x.flat()));
      if (nChains > 1) close(row.r_hat, rhat(x, { foldAround: "all" }), `${what} r_hat`, 1e-12);
      else expect(Number.isNaN(row.r_hat)).to.equal(true);
    }
  });

  it("ESS with lags summed directly or by FFT matches Geyer's sequence over autocov()", () => {
    // ArviZ's _ess written out again, over the FFT autocovariances of autocov().
    const reference = (x: Float64Array[]) => {
      const m = x.length;
      const n = x[0].length;
      const acov = x.map((c) => autocov(c));
      const means = x.map((c) => c.reduce((a, b) => a + b, 0) / n);
      const grand = means.reduce((a, b) => a + b, 0) / m;
      const meanAcov = (t: number) => acov.reduce((a, c) => a + c[t], 0) / m;
      const meanVar = (meanAcov(0) * n) / (n - 1);
      const varPlus = (meanVar * (n - 1)) / n + means.reduce((a, b) => a + (b - grand) ** 2, 0) / (m - 1);
      const rhoAt = (t: number) => 1 - (meanVar - meanAcov(t)) / varPlus;
      const rho = new Float64Array(n);
      rho[0] = 1;
      rho[1] = rhoAt(1);
      let [even, odd] = [1, rho[1]];
      let t = 1;
      for (; t < n - 3 && even + odd > 0; t += 2) {
        [even, odd] = [rhoAt(t + 1), rhoAt(t + 2)];
        if (even + odd >= 0) [rho[t + 1], rho[t + 2]] = [even, odd];
      }
      const maxT = t - 2;
      if (even > 0) rho[maxT + 1] = even;
      for (t = 1; t <= maxT - 2; t += 2) {
        if (rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]) rho[t + 1] = rho[t + 2] = (rho[t - 1] + rho[t]) / 2;
      }
      const tau = -1 + 2 * rho.subarray(0, maxT + 1).reduce((a, b) => a + b, 0) + rho[maxT + 1];
      return (m * n) / Math.max(tau, 1 / Math.log10(m * n));
    };
    let seed = 11;
    const uniform = () => ((seed = (seed * 69069 + 1) >>> 0) + 0.5) / 2 ** 32;
    for (const phi of [0.5, 0.995]) {
      const x = Array.from({ length: 4 }, () => {
        let v = 0;
        return Float64Array.from({ length: 4000 }, () => (v = phi * v + uniform() - 0.5));
      });
      close(essMean(x), reference(splitChains(x)), `ess_mean, phi = ${phi}`, 1e-9);
    }
  });

  it("a constant quantity has ESS = number of draws", () => {
    expect(
      essBulk([
        [1, 1, 1, 1],
        [1, 1, 1, 1],
      ]),
    ).to.equal(8);
  });
});

describe("summary table", () => {
  it("prints like az.summary: index, columns, pandas number formatting", () => {
    const x: number[][] = ref.ar1_4x50.draws;
    const y: number[][] = ref.heavy_tail_3x60.draws.map((c: number[]) => c.slice(0, 50)).concat([x[0]]);
    const theta = new NDArray([4, 50, 2], new Float64Array(400));
    for (let c = 0; c < 4; c++)
      for (let d = 0; d < 50; d++) {
        theta.data[(c * 50 + d) * 2] = x[c][d];
        theta.data[(c * 50 + d) * 2 + 1] = y[c][d];
      }
    const text = summary({ posterior: { theta } }).toString();
    const lines = text.split("\n");
    expect(lines[0]).to.match(/^\s+mean\s+sd\s+hdi_3%\s+hdi_97%\s+mcse_mean\s+mcse_sd\s+ess_bulk\s+ess_tail\s+r_hat$/);
    expect(lines[1].startsWith("theta[0]")).to.equal(true);
    expect(lines[2].startsWith("theta[1]")).to.equal(true);
    const row = lines[1].trim().split(/\s+/);
    expect(row[1]).to.equal("-0.03");
    expect(row[7]).to.equal(`${Math.round(ref.ar1_4x50.ess_bulk)}.0`);
    // Columns are right-aligned: every line has the same length.
    expect(new Set(lines.map((l) => l.length)).size).to.equal(1);
  });
});
