// report(trace): one self-contained HTML page (inline CSS and SVG, nothing fetched): the warnings
// PyMC prints after sampling, az.summary's table, and the plots.
import { summary } from "../runtime/sampler/summary.js";
import { statPerDraw, statSteps } from "../runtime/sampler/trace.js";
import { COMMON_OPTIONS, checkOptions, elements, escapeXml, type PlotOptions, type TraceLike } from "./common.js";
import { plotEnergy } from "./energy.js";
import { plotForest } from "./forest.js";
import { plotPair } from "./pair.js";
import { plotPosterior } from "./posterior.js";
import { plotRank } from "./rank.js";
import { plotTrace } from "./trace.js";

export interface ReportOptions extends Omit<PlotOptions, "width" | "height" | "combined"> {
  /** The page's title (default: the model's name from the trace's attrs). */
  title?: string;
  /** The sampler's maximum tree depth (default: the trace's attrs.max_treedepth, else 10, the sampler's default). */
  maxTreeDepth?: number;
  /** Variables for the pair plot (default: the first four scalar elements; none when fewer than two). */
  pairVarNames?: string[];
}

const KNOWN = [...COMMON_OPTIONS.filter((k) => k !== "width" && k !== "height" && k !== "combined"), "title", "maxTreeDepth", "pairVarNames"];

/** The warnings PyMC prints after sampling this trace, in its words. */
export function warnings(trace: TraceLike, opts: { maxTreeDepth?: number } = {}): string[] {
  const out: string[] = [];
  // A draw is divergent if any NUTS step of it diverged (two NUTS blocks stack their flags).
  const div = trace.sampleStats.diverging;
  let n = 0;
  if (div) for (const v of statPerDraw(div, "any")) if (v) n++;
  if (n === 1) out.push("There was 1 divergence after tuning. Increase `target_accept` or reparameterize.");
  else if (n > 1) out.push(`There were ${n} divergences after tuning. Increase \`target_accept\` or reparameterize.`);
  const depth = trace.sampleStats.tree_depth;
  const attrMax = trace.attrs?.max_treedepth;
  const max = opts.maxTreeDepth ?? (typeof attrMax === "number" ? attrMax : 10);
  if (depth) {
    const [nChains, nDraws] = depth.shape;
    const deepest = statPerDraw(depth, "max");
    for (let c = 0; c < nChains; c++) {
      const chain = deepest.subarray(c * nDraws, (c + 1) * nDraws);
      if (chain.some((d) => d >= max))
        out.push(`Chain ${c} reached the maximum tree depth. Increase \`max_treedepth\`, increase \`target_accept\` or reparameterize.`);
    }
  }
  const rows = summary(trace).rows;
  const nChains = Object.values(trace.posterior)[0]?.shape[0] ?? 0;
  if (rows.some((r) => r.r_hat > 1.01)) {
    out.push("The rhat statistic is larger than 1.01 for some parameters. This indicates problems during sampling. See arXiv:1903.08008 for details");
  }
  if (rows.some((r) => r.ess_bulk < 100 * nChains || r.ess_tail < 100 * nChains)) {
    out.push(
      "The effective sample size per chain is smaller than 100 for some parameters.  A higher number is needed for reliable rhat and ess computation. See arXiv:1903.08008 for details",
    );
  }
  return out;
}

/** The summary table as HTML, with az.summary's rounding (2 decimals, ESS as integers). */
function summaryTable(trace: TraceLike, varNames: string[] | undefined, hdiProb: number): string {
  const s = summary(trace, { varNames, hdiProb });
  const cell = (c: string, v: number) => (Number.isFinite(v) ? (c.startsWith("ess") ? Math.round(v).toString() : v.toFixed(s.roundTo)) : String(v));
  const body = s.rows
    .map((r) => {
      const flag = r.r_hat > 1.01 ? ' class="bad"' : "";
      return `<tr${flag}><th>${escapeXml(r.name)}</th>${s.columns.map((c) => `<td>${cell(c, r[c])}</td>`).join("")}</tr>`;
    })
    .join("\n");
  return `<table class="summary"><thead><tr><th></th>${s.columns.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const CSS = `body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
.warnings li{color:#8a4b00;margin:.3em 0}.ok{color:#2a7a2a}
table.summary{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:.9em}
table.summary td,table.summary th{padding:.2em .6em;text-align:right;border-bottom:1px solid #eee}
table.summary tbody th{text-align:left}tr.bad td{background:#fde2e2}
figure{margin:1em 0;overflow-x:auto}svg{max-width:100%;height:auto}`;

/** One self-contained HTML page: warnings, summary table, trace, rank, forest, posterior, pair and energy plots. */
export function report(trace: TraceLike, opts: ReportOptions = {}): string {
  opts = checkOptions("report", opts, KNOWN);
  const hdiProb = opts.hdiProb ?? 0.94;
  const common = { varNames: opts.varNames, hdiProb, ...(opts.document ? { document: opts.document } : {}) };
  const els = elements("report", trace, opts.varNames);
  const model = typeof trace.attrs?.model === "string" ? trace.attrs.model : "model";
  const title = opts.title ?? `tsmc report: ${model}`;
  const warn = warnings(trace, { maxTreeDepth: opts.maxTreeDepth });
  const inline = (svg: string) => svg.replace(' xmlns="http://www.w3.org/2000/svg"', "");
  const figures: [string, string][] = [
    ["Trace", plotTrace(trace, common)],
    ["Rank", plotRank(trace, { varNames: opts.varNames, document: opts.document })],
    ["Forest", plotForest(trace, common)],
    ["Posterior", plotPosterior(trace, common)],
  ];
  const pairNames = opts.pairVarNames;
  const pairEls = pairNames ? elements("report", trace, pairNames) : els.slice(0, 4);
  if (pairEls.length >= 2)
    figures.push(["Pair", plotPair(trace, { varNames: pairNames ?? [...new Set(pairEls.map((e) => e.variable))], document: opts.document })]);
  // One energy plot per NUTS step (two NUTS blocks record two energies, stacked on a last axis).
  const energy = trace.sampleStats.energy;
  const nutsSteps = energy ? statSteps(energy) : 0;
  if (nutsSteps === 1) figures.push(["Energy", plotEnergy(trace, { document: opts.document })]);
  for (let k = 0; nutsSteps > 1 && k < nutsSteps; k++) figures.push([`Energy (NUTS step ${k})`, plotEnergy(trace, { document: opts.document, step: k })]);
  const n = (k: string) => Object.values(trace.posterior)[0]?.shape[k === "chains" ? 0 : 1] ?? 0;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeXml(title)}</h1>
<p>${n("chains")} chains × ${n("draws")} draws.</p>
<h2>Warnings</h2>
${warn.length ? `<ul class="warnings">\n${warn.map((w) => `<li>${escapeXml(w)}</li>`).join("\n")}\n</ul>` : '<p class="ok">No warnings: no divergences, every R-hat ≤ 1.01, every ESS ≥ 100 per chain.</p>'}
<h2>Summary</h2>
${summaryTable(trace, opts.varNames, hdiProb)}
${figures.map(([name, svg]) => `<h2>${name}</h2>\n<figure data-plot="${name.toLowerCase()}">${inline(svg)}</figure>`).join("\n")}
</body></html>
`;
}
