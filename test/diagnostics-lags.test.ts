// summary()'s row against the plain functions where its shortcuts change path: Geyer's sequence
// running past the lags summed directly (to the FFT, for the dense series and the tail ESS's
// marks), and chains long enough for the sort's two 16-bit passes, with an odd number of draws.
import { expect } from "chai";
import { essBulk, essTail, hdi, mcseMean, mcseSd, NDArray, rhat, summary } from "../compiler/index.js";
import { xorshift32 } from "./helpers/random.js";

/** nChains AR(1) chains of nDraws (coefficient phi) from xorshift32 uniforms: fixed draws. */
function ar1(nChains: number, nDraws: number, phi: number, seed: number, transform = (v: number) => v): number[][] {
  const u = xorshift32(seed);
  return Array.from({ length: nChains }, () => {
    let v = 0;
    return Array.from({ length: nDraws }, () => transform((v = phi * v + u() - 0.5)));
  });
}

describe("diagnostics: summary() rows past the direct lags and on long chains", () => {
  const cases: [string, number[][]][] = [
    ["Geyer's sequence past the direct lags, 4 x 6000 at phi = 0.998", ar1(4, 6000, 0.998, 17)],
    ["long odd chains (two 16-bit sort passes), 4 x 20 001", ar1(4, 20_001, 0.7, 19, (v) => Math.exp(3 * v))],
  ];
  for (const [what, x] of cases) {
    it(what, () => {
      const data = Float64Array.from(x.flat());
      const row = summary({ posterior: { a: new NDArray([x.length, x[0].length], data) } }).get("a")!;
      const close = (actual: number, expected: number, name: string) =>
        expect(Math.abs(actual - expected), `${name}: ${actual} vs ${expected}`).to.be.lessThan(1e-10 * Math.abs(expected));
      close(row.ess_bulk, essBulk(x), "ess_bulk");
      close(row.ess_tail, essTail(x), "ess_tail");
      close(row.mcse_mean, mcseMean(x), "mcse_mean");
      close(row.mcse_sd, mcseSd(x), "mcse_sd");
      close(row.r_hat, rhat(x, { foldAround: "all" }), "r_hat");
      expect([row["hdi_3%"], row["hdi_97%"]]).to.deep.equal(hdi(x.flat()));
      // summary() reads a scalar's draws where they are, and leaves them as they were.
      expect(Array.from(data)).to.deep.equal(x.flat());
    });
  }
});
