// tsmc/plots: ArviZ's plots as standalone SVG text (trace, rank, forest, posterior, pair, energy)
// and the self-contained HTML report, drawn in Node through linkedom. Marks are counted by the
// classes the plots give Plot's mark groups (tsmc-kde, tsmc-divergent, ...).
import { expect } from "chai";
import { Deterministic, HalfNormal, NUTS, Normal, data, model, type Trace } from "../compiler/index.js";
import { NDArray } from "../runtime/ndarray.js";
import { Trace as TraceClass } from "../runtime/sampler/trace.js";
import { bfmi, plotEnergy, plotForest, plotPair, plotPosterior, plotRank, plotTrace, report, warnings } from "../plots/index.js";
import { summary } from "../runtime/sampler/summary.js";

const SCHOOLS = ["Choate", "Deerfield", "Phillips Andover", "Phillips Exeter", "Hotchkiss", "Lawrenceville", "St. Paul's", "Mt. Hermon"];
const y = [28, 8, -3, 7, -1, 1, 18, 12];
const sigma = [15, 10, 16, 11, 9, 11, 10, 18];

/** Eight schools, centred (it diverges), with or without coords. */
function schools(withDims: boolean) {
  const build = () => {
    const mu = Normal("mu", 0, 5);
    const tau = HalfNormal("tau", 5);
    if (withDims) {
      const theta = Normal("theta", mu, tau, { dims: "school" });
      Normal("obs", theta, data("sigma", sigma, { dims: "school" }), { observed: y, dims: "school" });
    } else {
      const theta = Normal("theta", mu, tau, { shape: [8] });
      Deterministic("theta_mean", theta.mean());
      Normal("obs", theta, sigma, { observed: y });
    }
  };
  return withDims ? model("eight_schools_dims", build, { coords: { school: SCHOOLS } }) : model("eight_schools", build);
}

/** The child elements of every mark group with class `cls`. */
function marks(svg: string, cls: string): number[] {
  const out: number[] = [];
  const re = new RegExp(`<g[^>]*class="${cls}"[^>]*>(.*?)</g>`, "gs");
  for (const m of svg.matchAll(re)) out.push((m[1].match(/<(path|circle|rect|line|text)\b/g) ?? []).length);
  return out;
}

const count = (s: string, sub: string) => s.split(sub).length - 1;

function expectSvg(svg: string) {
  expect(svg.startsWith("<svg "), svg.slice(0, 80)).to.equal(true);
  expect(svg.trimEnd().endsWith("</svg>")).to.equal(true);
  expect(count(svg, "<svg")).to.equal(count(svg, "</svg>"));
}

/** A hand-made trace: 2 chains × 50 draws of a scalar `a` and a vector `b` (3), draws 3, 10 and 40 of chain 1 divergent. */
function synthetic(): TraceClass {
  const nC = 2;
  const nD = 50;
  const wave = (k: number) => Float64Array.from({ length: nC * nD }, (_, i) => Math.sin(i * (0.7 + k)) + k);
  const b = new Float64Array(nC * nD * 3);
  for (let i = 0; i < nC * nD; i++) for (let j = 0; j < 3; j++) b[i * 3 + j] = Math.cos(i * 1.3 + j) * (j + 1);
  const diverging = new Float64Array(nC * nD);
  for (const d of [3, 10, 40]) diverging[nD + d] = 1;
  const stat = (f: (i: number) => number) =>
    new NDArray(
      [nC, nD],
      Float64Array.from({ length: nC * nD }, (_, i) => f(i)),
    );
  return new TraceClass({
    posterior: { a: new NDArray([nC, nD], wave(0)), b: new NDArray([nC, nD, 3], b) },
    sampleStats: { diverging: new NDArray([nC, nD], diverging), energy: stat((i) => 10 + Math.sin(i * 2.1) * 3), tree_depth: stat((i) => (i === 7 ? 10 : 3)) },
  });
}

describe("tsmc/plots: the plots of a hand-made trace", () => {
  const t = synthetic();

  it("two NUTS blocks (stats stacked as [chains, draws, 2]): a draw diverges if either block did, energy per block by { step }", () => {
    const one = synthetic();
    const [nC, nD] = one.sampleStats.energy.shape;
    const stack = (a: NDArray, b: (i: number) => number) =>
      new NDArray(
        [nC, nD, 2],
        Float64Array.from({ length: nC * nD * 2 }, (_, j) => (j % 2 === 0 ? a.data[j >> 1] : b(j >> 1))),
      );
    // the second block diverges at draws 10 (as the first) and 20 of chain 1; its tree reaches depth 10 once
    const two = new TraceClass({
      posterior: one.posterior,
      sampleStats: {
        diverging: stack(one.sampleStats.diverging, (i) => (i === nD + 10 || i === nD + 20 ? 1 : 0)),
        energy: stack(one.sampleStats.energy, (i) => 3 + Math.cos(i * 0.9)),
        tree_depth: stack(new NDArray([nC, nD], new Float64Array(nC * nD).fill(2)), (i) => (i === nD + 5 ? 10 : 2)),
      },
    });
    expect(two.divergences, "draws 3, 10, 20 and 40 of chain 1").to.equal(4);
    const w = warnings(two);
    expect(w).to.include("There were 4 divergences after tuning. Increase `target_accept` or reparameterize.");
    expect(w).to.include("Chain 1 reached the maximum tree depth. Increase `max_treedepth`, increase `target_accept` or reparameterize.");
    expect(w.filter((x) => x.startsWith("Chain 0 reached"))).to.deep.equal([]);
    expect(marks(plotPair(two), "tsmc-divergent")).to.deep.equal(new Array(6).fill(4));
    expect(() => bfmi(two)).to.throw("bfmi: the trace's energy is recorded by 2 NUTS steps (shape [2, 50, 2]); choose one with { step: 0 } to 1");
    expect(() => plotEnergy(two)).to.throw("plotEnergy: the trace's energy is recorded by 2 NUTS steps");
    expect(() => bfmi(two, { step: 2 })).to.throw("bfmi: step must be an integer from 0 to 1 (the trace's NUTS steps), got 2");
    expect(bfmi(two, { step: 0 })).to.deep.equal(bfmi(one));
    const second = new TraceClass({
      posterior: one.posterior,
      sampleStats: {
        energy: new NDArray(
          [nC, nD],
          Float64Array.from({ length: nC * nD }, (_, i) => 3 + Math.cos(i * 0.9)),
        ),
      },
    });
    expect(bfmi(two, { step: 1 })).to.deep.equal(bfmi(second));
    const html = report(two);
    expect(count(html, "<h2>Energy (NUTS step 0)</h2>") + count(html, "<h2>Energy (NUTS step 1)</h2>")).to.equal(2);
  });

  it("plotTrace: per element a KDE per chain and the draws per chain; combined: one KDE per element", () => {
    const svg = plotTrace(t);
    expectSvg(svg);
    expect(marks(svg, "tsmc-kde")).to.have.length(4 * 2);
    expect(marks(svg, "tsmc-draws")).to.have.length(4 * 2);
    expect(count(svg, 'data-kind="trace-kde"')).to.equal(4);
    for (const label of ["a", "b[0]", "b[1]", "b[2]"]) expect(svg).to.include(`data-label="${label}"`);
    expect(marks(plotTrace(t, { combined: true }), "tsmc-kde")).to.have.length(4);
    expect(marks(plotTrace(t, { varNames: ["a"] }), "tsmc-kde")).to.have.length(2);
    expect(plotTrace(t, { width: 1000, height: 600 })).to.match(/^<svg [^>]*width="1000"/);
  });

  it("labels with &, < and quotes keep their text in the data-label attributes, escaped as XML needs", () => {
    const labels = ["R&amp;D", 'a<b "c"'];
    const x = new NDArray(
      [2, 50, 2],
      Float64Array.from({ length: 200 }, (_, i) => Math.sin(i * 0.37)),
    );
    const odd = new TraceClass({ posterior: { x }, sampleStats: {}, dims: { x: ["k"] }, coords: { k: labels } });
    const svg = plotTrace(odd);
    const values = [...svg.matchAll(/ data-label="([^"]*)"/g)].map((m) => m[1]);
    // No raw < or bare & in an attribute (the standalone SVG is XML); each decodes to its label.
    for (const v of values) expect(v).not.to.match(/<|&(?!amp;|lt;|gt;|quot;)/);
    const decode = (v: string) =>
      v
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, "&");
    expect(values.map(decode)).to.include.members(labels.map((l) => `x[${l}]`));
  });

  it("plotRank: per element one histogram per chain over the pooled ranks, and the uniform line", () => {
    const svg = plotRank(t);
    expectSvg(svg);
    expect(count(svg, 'data-kind="rank"')).to.equal(4);
    // 50 draws per chain: Sturges doubled, 2 × (ceil(log2 50) + 1) = 14 bins per chain
    expect(marks(svg, "tsmc-rank")).to.deep.equal([28, 28, 28, 28]);
    expect(marks(svg, "tsmc-uniform")).to.deep.equal([2, 2, 2, 2]);
  });

  it("plotForest: an HDI line, an IQR line, a point and an R-hat per element; several traces side by side", () => {
    const svg = plotForest(t);
    expectSvg(svg);
    for (const cls of ["tsmc-hdi", "tsmc-iqr", "tsmc-point", "tsmc-rhat"]) expect(marks(svg, cls), cls).to.deep.equal([4]);
    const rows = summary(t).rows;
    for (const r of rows) expect(svg).to.include(`>${r.name}</text>`);
    const two = plotForest([t, t], { modelNames: ["centred", "non-centred"] });
    expect(marks(two, "tsmc-hdi")).to.deep.equal([8]);
    expect(two).to.include("centred").and.include("non-centred");
    expect(marks(plotForest(t, { rHat: false }), "tsmc-rhat")).to.deep.equal([]);
  });

  it("plotPosterior: a KDE, the mean, and the 94% HDI with its bounds written, per element", () => {
    const svg = plotPosterior(t, { varNames: ["a"] });
    expectSvg(svg);
    expect(marks(svg, "tsmc-kde")).to.deep.equal([1]);
    expect(marks(svg, "tsmc-hdi")).to.deep.equal([1]);
    expect(svg).to.include(">94% HDI</text>");
    expect(svg).to.match(/>mean=-?[\d.]+<\/text>/);
    expect(marks(svg, "tsmc-hdi-bounds")).to.deep.equal([2]);
    expect(plotPosterior(t, { hdiProb: 0.5, varNames: ["a"] })).to.include(">50% HDI</text>");
    expect(plotPosterior(t, { pointEstimate: "median", varNames: ["a"] })).to.match(/>median=/);
    expect(count(plotPosterior(t), 'data-kind="posterior"')).to.equal(4);
  });

  it("plotPair: the lower triangle of scatters; each panel marks every divergent draw", () => {
    const svg = plotPair(t);
    expectSvg(svg);
    // 4 elements: a 3 × 3 grid, 6 scatter panels
    expect(count(svg, 'data-kind="pair"')).to.equal(6);
    expect(marks(svg, "tsmc-divergent")).to.deep.equal(new Array(6).fill(t.divergences));
    expect(marks(svg, "tsmc-draw")).to.deep.equal(new Array(6).fill(100 - t.divergences));
    expect(marks(plotPair(t, { divergences: false }), "tsmc-divergent")).to.deep.equal([]);
  });

  it("plotEnergy: marginal energy and transition densities, and BFMI written per chain", () => {
    const svg = plotEnergy(t);
    expectSvg(svg);
    expect(marks(svg, "tsmc-energy")).to.deep.equal([2]);
    const values = bfmi(t);
    expect(values).to.have.length(2);
    values.forEach((b, c) => expect(svg).to.include(`>chain ${c}: BFMI = ${Number(b.toPrecision(3))}</text>`));
    expect(marks(svg, "tsmc-bfmi")).to.deep.equal([1, 1]);
  });

  it("unknown options, unknown variables and bad values are errors naming them", () => {
    expect(() => plotTrace(t, { bogus: 1 } as never)).to.throw("plotTrace: unknown option 'bogus'");
    expect(() => plotRank(t, { combined: true } as never)).to.throw("plotRank: unknown option 'combined'");
    expect(() => plotForest(t, { bogus: 1 } as never)).to.throw("plotForest: unknown option 'bogus'");
    expect(() => plotPosterior(t, { bogus: 1 } as never)).to.throw("plotPosterior: unknown option 'bogus'");
    expect(() => plotPair(t, { bogus: 1 } as never)).to.throw("plotPair: unknown option 'bogus'");
    expect(() => plotEnergy(t, { varNames: ["a"] } as never)).to.throw("plotEnergy: unknown option 'varNames'");
    expect(() => report(t, { bogus: 1 } as never)).to.throw("report: unknown option 'bogus'");
    expect(() => plotTrace(t, { varNames: ["zeta"] })).to.throw("plotTrace: the trace has no variable 'zeta'");
    expect(() => report(t, { varNames: ["zeta"] })).to.throw("the trace has no variable 'zeta'");
    expect(() => plotPosterior(t, { hdiProb: 1.5 })).to.throw("plotPosterior: hdiProb must be a number between 0 and 1");
    expect(() => plotTrace(t, { width: -1 })).to.throw("plotTrace: width must be a positive number");
    expect(() => plotPair(t, { varNames: ["a"] })).to.throw("plotPair: needs two or more scalar elements");
    expect(() => plotForest([t, t], { modelNames: ["one"] })).to.throw("plotForest: modelNames has 1 names for 2 traces");
  });

  it("warnings: PyMC's, for divergences and a saturated tree depth", () => {
    const w = warnings(t);
    expect(w).to.include("There were 3 divergences after tuning. Increase `target_accept` or reparameterize.");
    expect(w).to.include("Chain 0 reached the maximum tree depth. Increase `max_treedepth`, increase `target_accept` or reparameterize.");
    expect(w.some((s) => s.startsWith("Chain 1 reached"))).to.equal(false);
    expect(warnings(t, { maxTreeDepth: 12 }).some((s) => s.includes("tree depth"))).to.equal(false);
  });
});

describe("tsmc/plots: sampled eight schools", function () {
  let withDims: Trace;
  let plain: Trace;
  before(() => {
    withDims = schools(true).sample({ draws: 200, tune: 200, chains: 2, seed: 3 });
    plain = schools(false).sample({ draws: 200, tune: 200, chains: 2, seed: 3 });
  });

  it("vector elements are labelled by coords with dims (theta[Choate]), else by index (theta[0])", () => {
    for (const f of [plotTrace, plotRank, plotForest, plotPosterior]) {
      const a = f(withDims, { varNames: ["theta"] });
      expect(a, f.name).to.include("theta[Choate]").and.include("theta[Mt. Hermon]").and.include("theta[St. Paul's]");
      expect(a).to.not.include("theta[0]");
      const b = f(plain, { varNames: ["theta"] });
      expect(b, f.name).to.include("theta[0]").and.include("theta[7]");
      expect(b).to.not.include("Choate");
    }
    expect(marks(plotTrace(withDims), "tsmc-kde")).to.have.length(10 * 2);
  });

  it("plotPair marks as many divergent draws as the trace has", () => {
    const svg = plotPair(withDims, { varNames: ["mu", "tau"] });
    expect(count(svg, 'data-kind="pair"')).to.equal(1);
    expect(withDims.divergences, "the centred model diverges at this seed").to.be.greaterThan(1);
    const divergent = marks(svg, "tsmc-divergent");
    expect(divergent.length).to.equal(1);
    expect(divergent[0]).to.equal(withDims.divergences);
    expect(marks(svg, "tsmc-draw")[0] + divergent[0]).to.equal(400);
  });

  it("report(): one self-contained page with the warnings, the summary rows and every plot", () => {
    const html = report(withDims);
    expect(html.startsWith("<!doctype html>")).to.equal(true);
    expect(html).to.not.match(/https?:\/\//);
    expect(html).to.not.match(/<(script|link|img|iframe)\b/i);
    expect(html).to.not.match(/\bsrc=|\bhref=/);
    const rows = summary(withDims).rows;
    expect(rows.length).to.equal(10);
    for (const row of rows)
      expect(html).to.include(`<tr><th>${row.name}</th><td>${row.mean.toFixed(2)}</td>`.replace("<tr>", row.r_hat > 1.01 ? '<tr class="bad">' : "<tr>"));
    const w = warnings(withDims);
    expect(w.length).to.be.greaterThan(0);
    for (const line of w) expect(html).to.include(`<li>${line}</li>`);
    expect(html).to.include(`<li>There were ${withDims.divergences} divergences after tuning. Increase \`target_accept\` or reparameterize.</li>`);
    for (const kind of ["trace", "rank", "forest", "posterior", "pair", "energy"]) expect(html).to.include(`<figure data-plot="${kind}">`);
    expect(count(html, "<figure")).to.equal(6);
  });

  it("a trace sampled with two NUTS blocks gets an energy plot per block in the report", () => {
    const m = model("two_nuts", () => {
      const mu = Normal("mu", 0, 1);
      const sigma = HalfNormal("sigma", 1);
      Normal("y", mu, sigma, { observed: [0.3, -0.2, 1.1] });
    });
    const trace = m.sample({ draws: 100, tune: 100, chains: 2, seed: 5, step: [NUTS({ vars: ["mu"] }), NUTS({ vars: ["sigma"] })] });
    expect(trace.sampleStats.energy.shape).to.deep.equal([2, 100, 2]);
    const html = report(trace);
    expect(count(html, "<h2>Energy (NUTS step ")).to.equal(2);
    expect(bfmi(trace, { step: 1 })).to.have.length(2);
  });
});
