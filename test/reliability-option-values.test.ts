// Option values are checked before any work: draw's and summary's options (names, types, ranges),
// the rollup plugin's, sizes whose trace could not be allocated, and logLikelihood on a model that
// has no observed RVs; and what a message shows of a value ("10" quoted, not taken for 10).
import { expect } from "chai";
import { Deterministic, Normal, model } from "../compiler/index.js";
import { report } from "../plots/index.js";
import tsmc from "../plugin-rollup/index.js";
import { NDArray } from "../runtime/ndarray.js";
import { hdiLabels, summary } from "../runtime/sampler/summary.js";
import { polluted, rejection } from "./helpers/thrown.js";

const m = model("optv", () => {
  const mu = Normal("mu", 0, 1);
  Normal("y", mu, 1, { observed: [1, 2] });
});
const noObserved = model("optv_prior", () => {
  Normal("mu", 0, 1, { shape: [3] });
});
const wide = model("optv_wide", () => {
  const mu = Normal("mu", 0, 1);
  Deterministic("big", mu.mul(Array.from({ length: 1000 }, (_, i) => i)));
});

/** A [chains, draws] posterior of uniform-looking values (a fixed sequence). */
function posterior(chains: number, draws: number): { posterior: { x: NDArray } } {
  const n = chains * draws;
  return {
    posterior: {
      x: new NDArray(
        [chains, draws],
        Float64Array.from({ length: n }, (_, i) => (i * 0.618034) % 1),
      ),
    },
  };
}
const small = posterior(2, 200);

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

describe("reliability: option values", () => {
  describe("draw and summary read own options only", () => {
    it("draw does not read an inherited draws", () => {
      expect(polluted("draws", 3, () => m.draw({ seed: 1 }).mu)).to.equal(m.draw({ seed: 1 }).mu);
    });

    it("draw does not read an inherited seed", () => {
      const [a, b] = polluted("seed", 99, () => [m.draw({}).mu, m.draw({}).mu]);
      expect(a).to.not.equal(b);
    });

    it("summary does not read an inherited hdiProb or varNames", () => {
      const clean = summary(small, {});
      expect(polluted("hdiProb", 0.5, () => summary(small, {}))).to.deep.equal(clean);
      expect(polluted("varNames", ["nope"], () => summary(small, {}))).to.deep.equal(clean);
    });
  });

  describe("summary", () => {
    it("names the interval's columns by hdiProb, as ArviZ does", () => {
      const s = summary(small, { hdiProb: 0.5 });
      expect(s.columns).to.deep.equal(["mean", "sd", "hdi_25%", "hdi_75%", "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "r_hat"]);
      expect(s.toString().split("\n")[0]).to.match(/^\s+mean\s+sd\s+hdi_25%\s+hdi_75%\s+mcse_mean/);
      const row = s.rows[0];
      expect(Object.keys(row)).to.deep.equal(["name", ...s.columns]);
      expect(row["hdi_75%"] - row["hdi_25%"]).to.be.closeTo(0.5, 0.02);
      expect(summary(small).columns.slice(2, 4)).to.deep.equal(["hdi_3%", "hdi_97%"]);
    });

    it("writes the labels with Python's format 'g' (f\"hdi_{100 * alpha / 2:g}%\")", () => {
      expect(hdiLabels(0.94)).to.deep.equal(["hdi_3%", "hdi_97%"]);
      expect(hdiLabels(0.9)).to.deep.equal(["hdi_5%", "hdi_95%"]);
      expect(hdiLabels(0.89)).to.deep.equal(["hdi_5.5%", "hdi_94.5%"]);
      expect(hdiLabels(0.9995)).to.deep.equal(["hdi_0.025%", "hdi_99.975%"]);
      expect(hdiLabels(0.999999)).to.deep.equal(["hdi_5e-05%", "hdi_99.9999%"]);
      expect(hdiLabels(1 / 3)).to.deep.equal(["hdi_33.3333%", "hdi_66.6667%"]);
    });

    it("report() heads its table with summary()'s columns", () => {
      const trace = { ...posterior(1, 4000), sampleStats: {} };
      const html = report(trace, { hdiProb: 0.9995 });
      expect(html).to.contain("<th>hdi_0.025%</th><th>hdi_99.975%</th>");
    });

    it("refuses an hdiProb outside (0, 1), naming it", () => {
      for (const hdiProb of [-0.1, 0, 1, Number.NaN, "0.5"]) {
        expect(() => summary(small, { hdiProb: hdiProb as number }), String(hdiProb)).to.throw(/^summary: hdiProb must be a number in \(0, 1\)/);
      }
      expect(thrown(() => summary(small, { hdiProb: "0.5" as never })).message).to.contain('got "0.5"');
      // Both ends would be labelled hdi_50%.
      expect(() => summary(small, { hdiProb: 1e-7 })).to.throw("summary: hdiProb must be at least 1e-6, got 1e-7");
    });

    it("refuses a roundTo that is not an integer >= 0", () => {
      for (const roundTo of [-1, 1.5, Number.NaN, "2"]) {
        expect(() => summary(small, { roundTo: roundTo as number }), String(roundTo)).to.throw(/^summary: roundTo must be an integer >= 0/);
      }
    });

    it("prints values, not NaN, for any roundTo", () => {
      for (const roundTo of [0, 400]) expect(summary(small, { roundTo }).toString()).to.not.match(/NaN|inf/);
    });

    it("refuses an unknown option, suggesting the near one", () => {
      expect(() => summary(small, { hdi_prob: 0.5 } as never)).to.throw("summary: unknown option 'hdi_prob' (did you mean 'hdiProb'?)");
    });

    it("refuses varNames that are not an array of existing names", () => {
      expect(() => summary(small, { varNames: "x" as never })).to.throw('summary: varNames must be an array of variable names, got "x"');
      expect(() => summary(small, { varNames: ["nope"] })).to.throw("summary: the trace has no variable 'nope' (known: x)");
    });
  });

  describe("sizes whose trace could not be allocated", () => {
    it("refuses a billion chains before sampling (sample and sampleAsync)", async () => {
      expect(() => m.sample({ chains: 1e9, draws: 1, tune: 0, seed: 1 })).to.throw("sample: chains must be at most 100000, got 1000000000");
      expect((await rejection(m.sampleAsync({ chains: 1e9, draws: 1, tune: 0, seed: 1 }))).message).to.equal(
        "sample: chains must be at most 100000, got 1000000000",
      );
    });

    it("refuses draws whose trace array would be longer than a Float64Array can be, naming the options and the limit", () => {
      expect(() => m.sample({ draws: 2 ** 40, chains: 1, tune: 0, seed: 1 })).to.throw(
        "sample: chains × draws × 1 value per draw is 1099511627776, more than the 4294967296 values a trace array can hold; lower chains or draws",
      );
    });

    it("counts a Deterministic's values per draw, and kept warmup draws", () => {
      expect(() => wide.sample({ draws: 5e6, chains: 1, tune: 0, seed: 1 })).to.throw(/chains × draws × 1000 values per draw is 5000000000/);
      expect(() => m.sample({ draws: 1, tune: 2 ** 33, chains: 1, keepWarmup: true, seed: 1 })).to.throw(
        /chains × tune × 1 value per draw .*lower chains or tune/,
      );
    });
  });

  describe("draw", () => {
    const message = "draw: the options are { draws?: an integer from 1 to 1e7, seed?: a finite number or a string }, got ";
    it("refuses unknown options and options that are not an object, showing them", () => {
      expect(() => m.draw({ sead: 1 } as never)).to.throw(`${message}{"sead":1}`);
      expect(() => m.draw(5 as never)).to.throw(`${message}5`);
    });

    it("refuses seeds that are not a finite number or a string", () => {
      for (const seed of [{}, [1], true, Number.NaN, () => 1]) {
        expect(() => m.draw({ seed: seed as never }), String(seed)).to.throw(message);
      }
    });

    it("refuses draws that are not an integer from 1 to 1e7 (2 ** 40 was a bare RangeError, 1e8 can abort V8)", () => {
      for (const draws of [0, -1, 1.5, "3", 1e7 + 1, 2 ** 40, Number.POSITIVE_INFINITY])
        expect(() => m.draw({ draws: draws as number }), String(draws)).to.throw(message);
      expect(thrown(() => m.draw({ draws: "3" as never })).message).to.contain('got {"draws":"3"}');
    });

    it("still draws with good options", () => {
      const d = m.draw({ draws: 3, seed: 1 });
      expect((d.mu as NDArray).shape).to.deep.equal([3]);
      expect(m.draw({ draws: 3, seed: 1 })).to.deep.equal(d);
    });
  });

  describe("the rollup plugin", () => {
    it("refuses a misspelt option, suggesting the near one", () => {
      expect(() => tsmc({ sampeler: true } as never)).to.throw("tsmc plugin: unknown option 'sampeler' (did you mean 'sampler'?)");
    });

    it("refuses mistyped options, naming them", () => {
      expect(() => tsmc({ sampler: "yes" as never })).to.throw('tsmc plugin: sampler must be true or false, got "yes"');
      expect(() => tsmc({ include: 5 as never })).to.throw("tsmc plugin: include must be a picomatch pattern, a RegExp or an array of them, got 5");
      expect(() => tsmc({ exclude: [/x/, 1] as never })).to.throw(/^tsmc plugin: exclude must be/);
    });

    it("takes good options", () => {
      expect(tsmc({ include: ["**/*.ts", /\.js$/], exclude: null, sampler: false }).name).to.equal("tsmc");
    });
  });

  describe("logLikelihood without observed RVs", () => {
    const message = "sample: model 'optv_prior' has no observed variables, so no log-likelihood";

    it("is refused before sampling (sample)", () => {
      let progress = 0;
      const e = thrown(() => noObserved.sample({ draws: 10, tune: 10, chains: 1, seed: 1, cores: 1, logLikelihood: true, onProgress: () => progress++ }));
      expect(e.message).to.equal(message);
      expect(progress).to.equal(0);
    });

    it("is refused before sampling (sampleAsync)", async () => {
      let progress = 0;
      const e = await rejection(
        noObserved.sampleAsync({ draws: 10, tune: 10, chains: 1, seed: 1, cores: 1, logLikelihood: true, onProgress: () => progress++ }),
      );
      expect(e.message).to.equal(message);
      expect(progress).to.equal(0);
    });
  });

  it("a count given as a string is shown quoted", () => {
    expect(() => m.sample({ draws: "10" as never, chains: 1 })).to.throw('sample: draws must be an integer >= 1, got "10"');
  });
});
