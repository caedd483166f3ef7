// summary()'s fast paths against the plain functions they replace: the sort by the high 32 bits of
// each draw (and its fall-back to all 64), and the tail ESS summed over the marks of the rarer side
// of the quantile (and its fall-back to the FFT when Geyer's sequence runs long).
import { expect } from "chai";
import { essTail, hdi, mcseSd, NDArray, rhat, summary } from "../compiler/index.js";
import { essBasic, normalPpf, rankdata, sortWithOrder, splitChains } from "../runtime/sampler/diagnostics.js";
import { xorshift32 } from "./helpers/random.js";

/** nChains AR(1) chains of nDraws (coefficient phi), through `transform`. */
function ar1(nChains: number, nDraws: number, phi: number, seed: number, transform = (v: number) => v): number[][] {
  const u = xorshift32(seed);
  return Array.from({ length: nChains }, () => {
    let v = 0;
    return Array.from({ length: nDraws }, () => transform((v = phi * v + u() - 0.5)));
  });
}

describe("diagnostics: the sort by high bits", () => {
  it("sorts 200 000 draws with repeats, both signs and near-ties as a comparison sort does", () => {
    const u = xorshift32(3);
    const values = new Float64Array(200_000);
    for (let i = 0; i < values.length; i++) {
      // A repeated draw (as NUTS repeats a point), a near-tie in the low bits, or a fresh one.
      const r = u();
      values[i] = i > 0 && r < 0.1 ? values[i - 1] : i > 0 && r < 0.15 ? values[i - 1] * (1 + 2 ** -40) : (u() - 0.5) * 10 ** Math.floor(u() * 6 - 3);
    }
    const { sorted, order } = sortWithOrder(values);
    const expected = Float64Array.from(values).sort();
    let wrong = 0;
    for (let i = 0; i < values.length; i++) {
      if (!Object.is(sorted[i], expected[i]) || values[order[i]] !== sorted[i]) wrong++;
      // Equal draws keep their order.
      if (i > 0 && sorted[i] === sorted[i - 1] && order[i] < order[i - 1]) wrong++;
    }
    expect(wrong).to.equal(0);
  });

  it("falls back to all 64 bits where many draws share their high bits, and still ranks them exactly", () => {
    const u = xorshift32(5);
    const values = Array.from({ length: 20_000 }, () => 1000 + u() * 1e-9); // one high word
    const { sorted } = sortWithOrder(values);
    expect(Array.from(sorted)).to.deep.equal([...values].sort((a, b) => a - b));
    // Average ranks counted by comparisons: 1 + (number below) + (number equal - 1) / 2.
    const ascending = [...values].sort((a, b) => a - b);
    const below = (v: number) => ascending.findIndex((w) => w >= v);
    const equal = (v: number) => ascending.lastIndexOf(v) - ascending.indexOf(v) + 1;
    const ranks = rankdata(values);
    for (let i = 0; i < values.length; i += 97) expect(ranks[i]).to.equal(1 + below(values[i]) + (equal(values[i]) - 1) / 2);
  });
});

describe("diagnostics: summary() rows equal the separate functions on long chains", () => {
  const cases: [string, number[][]][] = [
    ["weakly correlated, 4 x 4001", ar1(4, 4001, 0.3, 7)],
    ["strongly correlated (the tail ESS needs the FFT), 4 x 4000", ar1(4, 4000, 0.995, 9)],
    ["log-normal, 3 x 3000", ar1(3, 3000, 0.6, 11, Math.exp)],
    ["rounded (ties at the quantiles), 2 x 5000", ar1(2, 5000, 0.5, 13, (v) => Math.round(v * 8) / 8)],
  ];
  for (const [what, x] of cases) {
    it(what, () => {
      const row = summary({ posterior: { a: new NDArray([x.length, x[0].length], Float64Array.from(x.flat())) } }).get("a")!;
      const close = (actual: number, expected: number, name: string) =>
        expect(Math.abs(actual - expected), `${name}: ${actual} vs ${expected}`).to.be.lessThan(1e-10 * Math.abs(expected));
      close(row.ess_tail, essTail(x), "ess_tail");
      close(row.r_hat, rhat(x, { foldAround: "all" }), "r_hat");
      close(row.mcse_sd, mcseSd(x), "mcse_sd");
      // The bulk ESS over normal scores of ranks from a comparison sort (average ranks for ties).
      const split = splitChains(x);
      const flat = split.flatMap((c) => Array.from(c));
      const idx = flat.map((_, i) => i).sort((i, j) => flat[i] - flat[j]);
      const z = new Float64Array(flat.length);
      for (let i = 0; i < idx.length; ) {
        let j = i;
        while (j + 1 < idx.length && flat[idx[j + 1]] === flat[idx[i]]) j++;
        for (let k = i; k <= j; k++) z[idx[k]] = normalPpf(((i + j) / 2 + 1 - 0.375) / (flat.length + 0.25));
        i = j + 1;
      }
      const n = split[0].length;
      close(row.ess_bulk, essBasic(split.map((_, c) => z.subarray(c * n, (c + 1) * n))), "ess_bulk");
      expect([row["hdi_3%"], row["hdi_97%"]]).to.deep.equal(hdi(x.flat()));
    });
  }
});
