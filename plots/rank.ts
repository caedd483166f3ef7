// plotRank: ArviZ's plot_rank (kind "bars"). The draws of all chains are ranked together; each
// chain's ranks are binned into a histogram drawn on its own baseline (chain 0 at the bottom), with
// a dashed line where a uniform histogram (well-mixed chains) would reach.
import * as Plot from "@observablehq/plot";
import { rankdata } from "../runtime/sampler/diagnostics.js";
import { COLORS, COMMON_OPTIONS, checkOptions, compose, concat, documentFor, elements, panel, type PlotOptions, type TraceLike } from "./common.js";

export function plotRank(trace: TraceLike, opts: Omit<PlotOptions, "combined" | "hdiProb"> = {}): string {
  opts = checkOptions(
    "plotRank",
    opts,
    COMMON_OPTIONS.filter((k) => k !== "combined" && k !== "hdiProb"),
  );
  const doc = documentFor(opts);
  const els = elements("plotRank", trace, opts.varNames);
  const cols = Math.min(3, els.length);
  const nRows = Math.ceil(els.length / cols);
  const width = (opts.width ?? 300 * cols) / cols;
  const height = opts.height ? opts.height / nRows - 18 : 220;
  const cells = els.map((el) => {
    const nChains = el.chains.length;
    const nDraws = el.chains[0]?.length ?? 0;
    const ranks = rankdata(concat(el.chains));
    // Sturges' rule on the draws per chain, doubled (ArviZ's _sturges_formula(mult=2)).
    const bins = Math.max(1, 2 * (Math.ceil(Math.log2(Math.max(1, nDraws))) + 1));
    const total = nChains * nDraws;
    const expected = nDraws / bins;
    const bars: { x1: number; x2: number; y1: number; y2: number; chain: number }[] = [];
    for (let c = 0; c < nChains; c++) {
      const counts = new Array<number>(bins).fill(0);
      for (let d = 0; d < nDraws; d++) counts[Math.min(bins - 1, Math.floor(((ranks[c * nDraws + d] - 1) / total) * bins))]++;
      counts.forEach((n, b) => bars.push({ x1: (b * total) / bins, x2: ((b + 1) * total) / bins, y1: c, y2: c + (0.4 * n) / expected, chain: c }));
    }
    const svg = panel(doc, "rank", el.label, {
      width,
      height,
      marginLeft: 30,
      x: { label: "Rank (all chains)" },
      y: { label: "Chain", ticks: el.chains.map((_, c) => c), tickFormat: (c: number) => String(c) },
      marks: [
        Plot.rect(bars, {
          x1: "x1",
          x2: "x2",
          y1: "y1",
          y2: "y2",
          fill: (d: { chain: number }) => COLORS[d.chain % COLORS.length],
          inset: 0.5,
          className: "tsmc-rank",
        }),
        Plot.ruleY(
          el.chains.map((_, c) => c + 0.4),
          { strokeDasharray: "4 3", stroke: "black", className: "tsmc-uniform" },
        ),
      ],
    });
    return { svg, title: el.label };
  });
  return compose(cells, width, height, cols);
}
