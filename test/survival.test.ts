// The upper tails of Censored and Truncated against mpmath (test/reference/survival.json, made by
// test/reference/gen_survival.py): each family's own log survival function stays finite where its
// cdf rounds to 1 (there log1mexp of the logcdf is log 0: Censored gave -Infinity, Truncated +Infinity).
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { pt, logp, Censored, Truncated, StudentT, OrderedLogistic, BetaBinomial } from "../compiler/index.js";
import { dists } from "./helpers/distributions.js";
import { finiteDiffGrad } from "./helpers/fd.js";

const ref = JSON.parse(readFileSync(new URL("./reference/survival.json", import.meta.url), "utf8"));

const relErr = (got: number, want: number): number => Math.abs(got - want) / Math.max(1, Math.abs(want));

describe("Censored and Truncated far in the upper tail, against mpmath", () => {
  const families = [...new Set<string>(ref.cases.map((c: any) => c.family))];
  for (const family of families) {
    it(family, () => {
      for (const r of ref.cases.filter((c: any) => c.family === family)) {
        const base = () => dists[family].dist(r.params);
        const censored = logp(Censored.dist(base(), null, r.x), r.x).eval();
        expect(relErr(censored, r.upper), `Censored ${family} at ${r.x}: ${censored} vs ${r.upper}`).to.be.lessThan(1e-12);
        if (r.trunc === null) continue;
        const truncated = logp(Truncated.dist(base(), r.x, null), r.x).eval();
        expect(relErr(truncated, r.trunc), `Truncated ${family} at ${r.x}: ${truncated} vs ${r.trunc}`).to.be.lessThan(1e-10);
      }
    });
  }

  it("the gradient of the log survival functions in the parameters, against finite differences", () => {
    const cases: [string, Record<string, number>, number][] = [
      ["HalfNormal", { sigma: 2 }, 3],
      ["LogNormal", { mu: 0.2, sigma: 1.3 }, 4],
      ["Logistic", { mu: 0.5, s: 2 }, 3],
      ["Weibull", { alpha: 2, beta: 1.5 }, 2],
      ["Pareto", { alpha: 2, m: 1 }, 3],
      ["Kumaraswamy", { a: 2, b: 3 }, 0.7],
      ["Laplace", { mu: 0.5, b: 2 }, 3],
      ["Gumbel", { mu: 0.5, beta: 2 }, 3],
      ["Cauchy", { alpha: 0.5, beta: 2 }, 3],
      ["HalfCauchy", { beta: 2 }, 3],
      ["ChiSquared", { nu: 3 }, 5],
      ["InverseGamma", { alpha: 3, beta: 2 }, 2],
      ["StudentT", { nu: 4, mu: 0.5, sigma: 2 }, 3],
      ["Geometric", { p: 0.3 }, 4],
      ["DiscreteWeibull", { q: 0.6, beta: 1.3 }, 4],
      ["NegativeBinomial", { n: 3, p: 0.4 }, 6],
      ["HalfStudentT", { nu: 4, sigma: 2 }, 3],
      ["Beta", { alpha: 2, beta: 3 }, 0.7],
      ["Uniform", { lower: -1, upper: 2 }, 1.5],
      ["Moyal", { mu: 0.5, sigma: 2 }, 3],
      ["ExGaussian", { mu: 0.5, sigma: 2, nu: 1.5 }, 3],
      // below the mean, above it, and past the switch to erfcx's asymptotic series
      ["Wald", { mu: 2, lam: 3, alpha: 0.5 }, 1.5],
      ["Wald", { mu: 2, lam: 3, alpha: 0.5 }, 40],
      ["Wald", { mu: 2, lam: 3, alpha: 0.5 }, 1000],
      ["Triangular", { lower: -1, upper: 2, c: 0.5 }, 0],
      ["Triangular", { lower: -1, upper: 2, c: 0.5 }, 1.5],
    ];
    for (const [family, params, upper] of cases) {
      const names = Object.keys(params);
      const syms = names.map((k) => pt.scalar(k));
      const lp = logp(Censored.dist(dists[family].dist(Object.fromEntries(names.map((k, i) => [k, syms[i]]))), null, upper), upper);
      const f = pt.fn(syms, [lp, ...pt.grad(lp, syms)]);
      const x = Float64Array.from(Object.values(params));
      const [, ...grad] = f(...x) as number[];
      const fd = finiteDiffGrad((y) => (f(...y) as number[])[0], x, 1e-6);
      grad.forEach((g, i) => expect(Math.abs(g - fd[i]), `${family} d/d${names[i]}: ${g} vs ${fd[i]}`).to.be.lessThan(1e-6 * Math.max(1, Math.abs(fd[i]))));
    }
  });

  it("BetaBinomial with n of several values: each element's upper tail stops at its own n", () => {
    // P(X >= n) is the mass at n; the other element is the fixture's case at 150
    const want = ref.cases.find((c: any) => c.family === "BetaBinomial" && c.x === 150).upper;
    const got = logp(Censored.dist(BetaBinomial.dist({ alpha: 1, beta: 50, n: [5, 200] }), null, [5, 150]), [5, 150]).eval().data;
    const atN = logp(BetaBinomial.dist({ alpha: 1, beta: 50, n: 5 }), 5).eval();
    expect(relErr(got[0], atN)).to.be.lessThan(1e-14);
    expect(relErr(got[1], want)).to.be.lessThan(1e-12);
  });

  it("OrderedLogistic: the outer categories stay finite however far out the cutpoints are", () => {
    for (const { eta, cutpoints, logp: want } of ref.ordered) {
      want.forEach((w: number, k: number) => {
        const got = logp(OrderedLogistic.dist(eta, cutpoints), k).eval();
        // a probability near 1 keeps the absolute rounding of log(p) - log(sum p), as in PyMC
        expect(Math.abs(got - w), `OrderedLogistic(${eta}, ${cutpoints}) at ${k}: ${got} vs ${w}`).to.be.lessThan(1e-12 * Math.max(1, Math.abs(w)) + 1e-15);
      });
    }
  });

  it("a truncation interval whose probability underflows gives -Infinity, never +Infinity", () => {
    const v = logp(Truncated.dist(StudentT.dist({ nu: 3, mu: 0, sigma: 1 }), 1e120, null), 1e121).eval();
    expect(v).to.equal(-Infinity);
  });
});
