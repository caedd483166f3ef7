// plotPair: ArviZ's plot_pair (kind "scatter", divergences shown). For scalar elements a, b, c, ...
// the lower triangle of scatter plots (b against a; c against a and b; ...); the divergent draws
// drawn over them as red crosses, one per divergent draw in each panel.
import * as Plot from "@observablehq/plot";
import { statPerDraw } from "../runtime/sampler/trace.js";
import { COMMON_OPTIONS, checkOptions, compose, documentFor, elements, panel, type PlotOptions, type TraceLike } from "./common.js";

export function plotPair(trace: TraceLike, opts: Omit<PlotOptions, "combined" | "hdiProb"> & { divergences?: boolean } = {}): string {
  opts = checkOptions("plotPair", opts, [...COMMON_OPTIONS.filter((k) => k !== "combined" && k !== "hdiProb"), "divergences"]);
  if (opts.divergences !== undefined && typeof opts.divergences !== "boolean") throw new Error("plotPair: divergences must be true or false");
  const doc = documentFor(opts);
  const els = elements("plotPair", trace, opts.varNames);
  if (els.length < 2)
    throw new Error(`plotPair: needs two or more scalar elements, got ${els.length} (varNames: ${els.map((e) => e.label).join(", ") || "none"})`);
  const divergingStat = trace.sampleStats.diverging;
  const diverging = divergingStat && statPerDraw(divergingStat, "any");
  const showDivergent = opts.divergences ?? true;
  const n = els.length - 1;
  const size = Math.min(opts.width ?? 220 * n, opts.height ?? 220 * n) / n;
  const cells = [];
  for (let row = 1; row <= n; row++) {
    for (let col = 0; col < n; col++) {
      if (col >= row) {
        cells.push({ svg: `<svg width="${size}" height="${size}" data-kind="pair-empty"></svg>` });
        continue;
      }
      const xs = els[col];
      const ys = els[row];
      const points: { x: number; y: number; divergent: boolean }[] = [];
      xs.chains.forEach((xc, c) => {
        const nDraws = xc.length;
        for (let d = 0; d < nDraws; d++) points.push({ x: xc[d], y: ys.chains[c][d], divergent: !!diverging && diverging[c * nDraws + d] !== 0 });
      });
      const marks = [
        Plot.dot(
          points.filter((p) => !p.divergent),
          { x: "x", y: "y", r: 1.5, fill: "#1f77b4", fillOpacity: 0.5, className: "tsmc-draw" },
        ),
      ];
      if (showDivergent) {
        marks.push(
          Plot.dot(
            points.filter((p) => p.divergent),
            { x: "x", y: "y", r: 3.5, symbol: "times", stroke: "#d62728", strokeWidth: 1.5, className: "tsmc-divergent" },
          ),
        );
      } else
        marks.push(
          Plot.dot(
            points.filter((p) => p.divergent),
            { x: "x", y: "y", r: 1.5, fill: "#1f77b4", fillOpacity: 0.5, className: "tsmc-draw" },
          ),
        );
      const svg = panel(doc, "pair", `${ys.label} vs ${xs.label}`, {
        width: size,
        height: size,
        marginLeft: 45,
        x: { label: col === row - 1 || row === n ? xs.label : null },
        y: { label: ys.label },
        marks,
      });
      cells.push({ svg });
    }
  }
  return compose(cells, size, size, n);
}
