// plotTrace: ArviZ's plot_trace. One row per scalar element: on the left the KDE of each chain's
// draws (or of all chains, `combined`), on the right the draws against the draw index, by chain.
import * as Plot from "@observablehq/plot";
import { COLORS, COMMON_OPTIONS, checkOptions, compose, concat, documentFor, elements, kde, panel, type PlotOptions, type TraceLike } from "./common.js";

export function plotTrace(trace: TraceLike, opts: PlotOptions = {}): string {
  opts = checkOptions("plotTrace", opts, COMMON_OPTIONS);
  const doc = documentFor(opts);
  const els = elements("plotTrace", trace, opts.varNames);
  const width = (opts.width ?? 800) / 2;
  const height = opts.height ? opts.height / els.length - 18 : 150;
  const color = (c: number) => COLORS[c % COLORS.length];
  const cells = els.flatMap((el) => {
    const curves = opts.combined ? [concat(el.chains)] : el.chains;
    const density = panel(doc, "trace-kde", el.label, {
      width,
      height,
      marginLeft: 45,
      y: { label: null, grid: true },
      x: { label: null },
      marks: curves.map((c, i) => Plot.line(kde(c), { x: "x", y: "y", stroke: color(i), className: "tsmc-kde" })),
    });
    const draws = panel(doc, "trace-draws", el.label, {
      width,
      height,
      marginLeft: 45,
      y: { label: null, grid: true },
      x: { label: null },
      marks: el.chains.map((c, i) => Plot.lineY(c, { stroke: color(i), strokeWidth: 0.8, className: "tsmc-draws" })),
    });
    return [
      { svg: density, title: el.label },
      { svg: draws, title: el.label },
    ];
  });
  return compose(cells, width, height, 2);
}
