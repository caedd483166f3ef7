// The incomplete gamma and beta functions at large shapes against mpmath (test/reference/special-large.json,
// made by test/reference/gen_special_large.py): @stdlib's routines fail there (P(1025, 1025) off by
// 7e-2), which broke the Poisson, Gamma and ChiSquared logcdf at ordinary counts.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { logcdf, Poisson } from "../compiler/index.js";
import { betainc, gammainc, gammaincc, gammaincDs } from "../runtime/special.js";

const ref = JSON.parse(readFileSync(new URL("./reference/special-large.json", import.meta.url), "utf8"));

/** Relative error; a reference stored as null underflows and is not checked. */
const relErr = (got: number, want: number | null): number => (want === null ? 0 : Math.abs(got - want) / want);

describe("incomplete gamma and beta at large shapes, against mpmath", () => {
  it("P(a, x) and Q(a, x) for a in [1, 1e7], x/a in [0.5, 1.5] and the tails", () => {
    let worst = 0;
    for (const [a, x, p, q] of ref.gammainc) {
      const e = Math.max(relErr(gammainc(a, x), p), relErr(gammaincc(a, x), q));
      worst = Math.max(worst, e);
      expect(e, `gammainc(${a}, ${x}): ${gammainc(a, x)} vs ${p}, gammaincc ${gammaincc(a, x)} vs ${q}`).to.be.lessThan(1e-12);
    }
    expect(worst).to.be.greaterThan(0);
  });

  it("dP/da (numerical, as the gradient uses it)", () => {
    for (const [a, x, d] of ref.gammainc_da) {
      expect(Math.abs(gammaincDs(a, x) - d) / Math.abs(d), `gammaincDs(${a}, ${x})`).to.be.lessThan(1e-6);
    }
  });

  it("I_x(a, b) for a, b up to 3e12, from the mean to 10 standard deviations either side", () => {
    for (const [a, b, x, p] of ref.betainc) {
      // The continued fraction's rounding near the mean grows like √max(a, b): 1e-12 at 1e6, 1e-9 at 1e12.
      const tol = 2e-12 * Math.max(1, Math.sqrt(Math.max(a, b) / 1e6));
      expect(relErr(betainc(a, b, x), p), `betainc(${a}, ${b}, ${x}): ${betainc(a, b, x)} vs ${p}`).to.be.lessThan(tol);
    }
  });

  it("the Poisson logcdf at large means, against SciPy", () => {
    for (const [mu, k, want] of ref.poisson_logcdf) {
      expect(Math.abs(logcdf(Poisson.dist({ mu }), k).eval() - want), `Poisson(${mu}) at ${k}`).to.be.lessThan(1e-10 * Math.max(1, Math.abs(want)));
    }
  });
});

describe("incomplete gamma at x = Infinity", () => {
  it("P(s, ∞) = 1 and Q(s, ∞) = 0 for any shape (the routines' NaN there is not the limit)", () => {
    for (const s of [0.5, 2, 1000, 1e6]) {
      expect(gammainc(s, Infinity), `P(${s}, ∞)`).to.equal(1);
      expect(gammaincc(s, Infinity), `Q(${s}, ∞)`).to.equal(0);
    }
    expect(gammainc(-1, Infinity)).to.be.NaN;
  });
});
