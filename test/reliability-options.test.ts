// Options are read as own properties only: a key set on Object.prototype (a polluted prototype, or
// an options object made with a prototype) is never taken for an option the caller did not give.
import { expect } from "chai";
import { compare, data, findMAP, loo, model, Normal, waic } from "../compiler/index.js";
import { checkOptions } from "../plots/common.js";
import { Metropolis } from "../runtime/index.js";
import { polluted } from "./helpers/thrown.js";

const m = model("pol", () => {
  const mu = Normal("mu", 0, 1);
  Normal("y", mu, 1, { observed: data("yd", [1, 2]) });
});
const trace = m.sample({ draws: 400, tune: 200, chains: 2, seed: 1, logLikelihood: true, cores: 1 });

describe("reliability: options are own properties", () => {
  const cases: [string, string, unknown, () => unknown][] = [
    ["loo", "scale", "deviance", () => loo(trace, {}).elpd_loo],
    ["waic", "scale", "deviance", () => waic(trace, {}).elpd_waic],
    ["compare", "ic", "waic", () => Object.keys(compare({ a: trace, b: trace }, {})[0]).join(",")],
    ["fit", "learningRate", 10, () => m.fit({ n: 50, seed: 1 }).mean[0]],
    ["findMAP", "maxeval", 1, () => findMAP(m, {}).mu],
    ["findMAP", "start", { mu: 5 }, () => findMAP(m, { maxeval: 1 }).mu],
    ["sample", "tune", 3, () => m.sample({ draws: 20, chains: 1, seed: 2, cores: 1 }).posterior.mu.data[19]],
    ["Metropolis", "scaling", 100, () => Metropolis({}).scaling],
  ];
  for (const [fn, key, value, run] of cases) {
    it(`${fn} does not read an inherited '${key}'`, () => {
      const clean = run();
      expect(polluted(key, value, run)).to.deep.equal(clean);
    });
  }

  it("the plots' option check hands back the own options only", () => {
    // (A whole plot is not compared: the plotting library's own for-in loops see an enumerable key set on Object.prototype.)
    const opts = polluted("hdiProb", 0.5, () => checkOptions("plotPosterior", {} as { hdiProb?: number }, ["hdiProb"]));
    expect(opts.hdiProb).to.equal(undefined);
  });

  it("an options object with a prototype gives only its own keys", () => {
    const opts = Object.create({ scale: "deviance" }) as { scale?: "log" };
    expect(loo(trace, opts).elpd_loo).to.equal(loo(trace).elpd_loo);
  });
});
