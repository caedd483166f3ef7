// plotPosterior: ArviZ's plot_posterior. One panel per scalar element (three to a row): the KDE of
// all draws, the mean written at the top ("mean=1.2"), the HDI as a black bar at the bottom with
// "94% HDI" over it and its bounds written at its ends.
import * as Plot from "@observablehq/plot";
import { hdi } from "../runtime/sampler/diagnostics.js";
import { COMMON_OPTIONS, checkOptions, compose, concat, documentFor, elements, fmt, kde, mean, panel, type PlotOptions, type TraceLike } from "./common.js";

export function plotPosterior(trace: TraceLike, opts: PlotOptions & { pointEstimate?: "mean" | "median" } = {}): string {
  opts = checkOptions("plotPosterior", opts, [...COMMON_OPTIONS, "pointEstimate"]);
  if (opts.pointEstimate !== undefined && opts.pointEstimate !== "mean" && opts.pointEstimate !== "median") {
    throw new Error(`plotPosterior: pointEstimate must be 'mean' or 'median', got ${String(opts.pointEstimate)}`);
  }
  const doc = documentFor(opts);
  const els = elements("plotPosterior", trace, opts.varNames);
  const prob = opts.hdiProb ?? 0.94;
  const cols = Math.min(3, els.length);
  const nRows = Math.ceil(els.length / cols);
  const width = (opts.width ?? 300 * cols) / cols;
  const height = opts.height ? opts.height / nRows - 18 : 200;
  const cells = els.map((el) => {
    const all = concat(el.chains);
    const curve = kde(all);
    const top = Math.max(...curve.map((p) => p.y));
    const [lo, hi] = hdi(all, prob);
    const estimate = opts.pointEstimate ?? "mean";
    const point = estimate === "mean" ? mean(all) : median(all);
    const base = -0.06 * top;
    const svg = panel(doc, "posterior", el.label, {
      width,
      height,
      marginLeft: 10,
      marginRight: 10,
      marginTop: 22,
      y: { axis: null, domain: [2 * base, top * 1.05] },
      x: { label: null },
      marks: [
        Plot.line(curve, { x: "x", y: "y", stroke: "#1f77b4", strokeWidth: 2, className: "tsmc-kde" }),
        Plot.ruleY([{ x1: lo, x2: hi, y: base }], { x1: "x1", x2: "x2", y: "y", stroke: "black", strokeWidth: 4, className: "tsmc-hdi" }),
        Plot.text([`${Math.round(prob * 100)}% HDI`], { x: (lo + hi) / 2, y: base, dy: -10, text: (d: string) => d, className: "tsmc-hdi-label" }),
        Plot.text(
          [
            { x: lo, t: fmt(lo) },
            { x: hi, t: fmt(hi) },
          ],
          { x: "x", y: base, dy: -10, text: "t", className: "tsmc-hdi-bounds" },
        ),
        Plot.text([`${estimate}=${fmt(point)}`], { frameAnchor: "top", dy: -14, fontSize: 12, text: (d: string) => d, className: "tsmc-point" }),
      ],
    });
    return { svg, title: el.label };
  });
  return compose(cells, width, height, cols);
}

function median(a: Float64Array): number {
  const s = Float64Array.from(a).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
