// plotForest: ArviZ's plot_forest. One row per scalar element: the HDI (94%) as a thin line, the
// interquartile range as a thick one, a point at the median (or mean), and R-hat beside in its own
// column. Several traces: one line per model in each row, offset and coloured, named by `modelNames`.
import * as Plot from "@observablehq/plot";
import { hdi, rhat } from "../runtime/sampler/diagnostics.js";
import {
  COLORS,
  COMMON_OPTIONS,
  checkOptions,
  concat,
  documentFor,
  elements,
  escapeXml,
  mean,
  panel,
  quantileSorted,
  type PlotOptions,
  type TraceLike,
} from "./common.js";

export interface ForestOptions extends PlotOptions {
  /** The point drawn on each line (default "median", as plot_forest). */
  pointEstimate?: "mean" | "median";
  /** Names of the models, one per trace (default "model 0", "model 1", ...). */
  modelNames?: string[];
  /** The R-hat column (default true). */
  rHat?: boolean;
}

interface Line {
  y: number;
  model: number;
  label: string;
  lo: number;
  hi: number;
  q1: number;
  q3: number;
  point: number;
  rhat: number;
}

export function plotForest(traces: TraceLike | TraceLike[], opts: ForestOptions = {}): string {
  opts = checkOptions("plotForest", opts, [...COMMON_OPTIONS, "pointEstimate", "modelNames", "rHat"]);
  const list = Array.isArray(traces) ? traces : [traces];
  if (list.length === 0) throw new Error("plotForest: no traces");
  if (opts.modelNames && opts.modelNames.length !== list.length)
    throw new Error(`plotForest: modelNames has ${opts.modelNames.length} names for ${list.length} traces`);
  if (opts.pointEstimate !== undefined && opts.pointEstimate !== "mean" && opts.pointEstimate !== "median") {
    throw new Error(`plotForest: pointEstimate must be 'mean' or 'median', got ${String(opts.pointEstimate)}`);
  }
  const doc = documentFor(opts);
  const lines = forestLines(list, opts);
  const labels = [...new Set(lines.map((l) => l.label))];
  const nModels = list.length;
  const rowH = 14 + 10 * nModels;
  const height = opts.height ?? Math.max(120, 40 + labels.length * rowH);
  const width = opts.width ?? 640;
  const marginLeft = Math.min(220, 12 + 6.5 * Math.max(...labels.map((l) => l.length)));
  const showRhat = opts.rHat ?? true;
  const mainW = showRhat ? Math.round(width * 0.78) : width;
  const color = (d: Line) => COLORS[d.model % COLORS.length];
  const y = { domain: [labels.length - 0.5, -0.5], ticks: labels.map((_, i) => i), tickFormat: (i: number) => labels[i] ?? "", label: null, tickSize: 0 };
  const main = panel(doc, "forest", labels.join(","), {
    width: mainW,
    height,
    marginLeft,
    marginTop: 10,
    marginBottom: 36,
    y,
    x: { grid: true, label: `${Math.round((opts.hdiProb ?? 0.94) * 100)}% HDI` },
    marks: [
      Plot.link(lines, { x1: "lo", x2: "hi", y1: "y", y2: "y", stroke: color, strokeWidth: 1.5, className: "tsmc-hdi" }),
      Plot.link(lines, { x1: "q1", x2: "q3", y1: "y", y2: "y", stroke: color, strokeWidth: 4, className: "tsmc-iqr" }),
      Plot.dot(lines, { x: "point", y: "y", r: 3.5, fill: "white", stroke: color, strokeWidth: 1.5, className: "tsmc-point" }),
    ],
  });
  const parts = [main.replace(/^<svg /, `<svg x="0" y="${nModels > 1 ? 18 : 0}" `)];
  if (showRhat) {
    const rh = panel(doc, "forest-rhat", "r_hat", {
      width: width - mainW,
      height,
      marginLeft: 10,
      marginRight: 36,
      marginTop: 10,
      marginBottom: 36,
      y: { ...y, axis: null },
      x: {
        label: "r_hat",
        ticks: 3,
        domain: [Math.min(0.99, ...lines.map((l) => l.rhat)), Math.max(1.02, ...lines.map((l) => l.rhat).filter(Number.isFinite))],
      },
      marks: [
        Plot.ruleX([1], { stroke: "#bbb" }),
        Plot.dot(lines, { x: "rhat", y: "y", r: 3, fill: color, className: "tsmc-rhat" }),
        Plot.text(lines, { x: "rhat", y: "y", text: (d: Line) => d.rhat.toFixed(2), dx: 6, textAnchor: "start", className: "tsmc-rhat-value" }),
      ],
    });
    parts.push(rh.replace(/^<svg /, `<svg x="${mainW}" y="${nModels > 1 ? 18 : 0}" `));
  }
  if (nModels > 1) {
    const names = opts.modelNames ?? list.map((_, i) => `model ${i}`);
    names.forEach((name, i) =>
      parts.push(
        `<text x="${marginLeft + 110 * i}" y="13" fill="${COLORS[i % COLORS.length]}" font-size="12" font-family="system-ui, sans-serif">■ ${escapeXml(name)}</text>`,
      ),
    );
  }
  const H = height + (nModels > 1 ? 18 : 0);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" style="background: white">${parts.join("")}</svg>`;
}

/** The lines to draw: each model's summary of each element, at its row's offset. */
function forestLines(list: TraceLike[], opts: ForestOptions): Line[] {
  const prob = opts.hdiProb ?? 0.94;
  const perModel = list.map((t) => elements("plotForest", t, opts.varNames));
  const labels = [...new Set(perModel.flat().map((e) => e.label))];
  const nModels = list.length;
  const lines: Line[] = [];
  perModel.forEach((els, m) => {
    for (const el of els) {
      const row = labels.indexOf(el.label);
      const offset = nModels > 1 ? (m - (nModels - 1) / 2) * (0.6 / nModels) : 0;
      const all = concat(el.chains);
      const sorted = Float64Array.from(all).sort();
      const [lo, hi] = hdi(all, prob);
      const point = (opts.pointEstimate ?? "median") === "median" ? quantileSorted(sorted, 0.5) : mean(all);
      lines.push({
        y: row + offset,
        model: m,
        label: el.label,
        lo,
        hi,
        q1: quantileSorted(sorted, 0.25),
        q3: quantileSorted(sorted, 0.75),
        point,
        rhat: rhat(el.chains),
      });
    }
  });
  return lines;
}
