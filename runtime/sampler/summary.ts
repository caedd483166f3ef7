// summary(trace): az.summary's table. One row per scalar element of every posterior variable
// (`theta[0]`, `x[1, 2]`), columns mean, sd, hdi_3%, hdi_97% (named by hdiProb, as ArviZ names
// them), mcse_mean, mcse_sd, ess_bulk, ess_tail, r_hat, printed as pandas prints the DataFrame
// az.summary returns.
import type { NDArray } from "../ndarray.js";
import { formatG } from "../format.js";
import { checkOptionNames, shown } from "../options.js";
import { own } from "../own.js";
import { type Chains, diagnosticsOfDraws, scratchArray, withScratch } from "./diagnostics.js";

export interface SummaryRow {
  name: string;
  mean: number;
  sd: number;
  /** The interval's ends, under ArviZ's labels for hdiProb (hdiLabels): `hdi_3%` and `hdi_97%` for 0.94. */
  [hdi: `hdi_${string}%`]: number;
  mcse_mean: number;
  mcse_sd: number;
  ess_bulk: number;
  ess_tail: number;
  r_hat: number;
}

export type SummaryColumn = Exclude<keyof SummaryRow, "name">;

/** The interval's column names as az.summary writes them: `hdi_3%` and `hdi_97%` for 0.94, `hdi_25%` and `hdi_75%` for 0.5. */
export function hdiLabels(hdiProb: number): [`hdi_${string}%`, `hdi_${string}%`] {
  const alpha = 1 - hdiProb;
  return [`hdi_${formatG((100 * alpha) / 2, 6)}%`, `hdi_${formatG(100 * (1 - alpha / 2), 6)}%`];
}

/** The table's columns for `hdiProb`, in az.summary's order. */
export function summaryColumns(hdiProb: number): SummaryColumn[] {
  return ["mean", "sd", ...hdiLabels(hdiProb), "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "r_hat"];
}

export class Summary {
  readonly rows: SummaryRow[];
  readonly roundTo: number;
  readonly hdiProb: number;
  /** The columns, the interval's named by hdiProb. */
  readonly columns: SummaryColumn[];
  constructor(rows: SummaryRow[], roundTo: number, hdiProb = 0.94) {
    this.rows = rows;
    this.roundTo = roundTo;
    this.hdiProb = hdiProb;
    this.columns = summaryColumns(hdiProb);
  }

  get(name: string): SummaryRow | undefined {
    return this.rows.find((r) => r.name === name);
  }

  /** The table as az.summary prints it. */
  toString(): string {
    const rows = this.rows;
    const cols = this.columns.map((c) => {
      // ESS are whole numbers of draws: shown rounded to integers (as az.summary shows them).
      const digits = c === "ess_bulk" || c === "ess_tail" ? 0 : this.roundTo;
      const values = rows.map((r) => round(r[c], digits));
      return [c as string, ...formatColumn(values)];
    });
    const index = ["", ...rows.map((r) => r.name)];
    const indexWidth = Math.max(...index.map((s) => s.length));
    const widths = cols.map((col) => Math.max(...col.map((s) => s.length)));
    const lines: string[] = [];
    for (let i = 0; i < index.length; i++) {
      let line = index[i].padEnd(indexWidth);
      cols.forEach((col, j) => (line += `  ${col[i].padStart(widths[j])}`));
      lines.push(line.trimEnd());
    }
    return lines.join("\n");
  }
}

function round(v: number, digits: number): number {
  const f = Math.pow(10, digits);
  const r = Math.round(v * f) / f;
  // Past what a double holds (v * f overflows), the value itself: it is printed to 6 decimals at most.
  return Number.isFinite(r) ? r : v;
}

/** pandas' float formatting: the fewest decimals (at least one) that show every value of the column. */
function formatColumn(values: number[]): string[] {
  let decimals = 1;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    for (let d = decimals; d <= 6; d++) {
      if (Number(v.toFixed(d)) === v) {
        decimals = Math.max(decimals, d);
        break;
      }
      if (d === 6) decimals = 6;
    }
  }
  return values.map((v) => (Number.isNaN(v) ? "NaN" : Number.isFinite(v) ? v.toFixed(decimals) : v > 0 ? "inf" : "-inf"));
}

/** Per-chain arrays of element `k` of a [chains, draws, ...shape] array. */
export function elementChains(arr: NDArray, k: number): Chains {
  const [nChains, nDraws] = arr.shape;
  const inner = arr.data.length / (nChains * nDraws);
  return Array.from({ length: nChains }, (_, c) => {
    const out = new Float64Array(nDraws);
    for (let d = 0; d < nDraws; d++) out[d] = arr.data[(c * nDraws + d) * inner + k];
    return out;
  });
}

/** Columns gathered in one pass over a variable's draws (a pass costs the whole array's memory traffic). */
const GATHER_BLOCK = 4;

/** How many blocks of rows summaryPart shares out for the posterior's variables. */
export function summaryBlocks(trace: SummaryInput): number {
  return Object.values(trace.posterior).reduce((n, a) => n + Math.ceil(a.shape.slice(2).reduce((k, d) => k * d, 1) / GATHER_BLOCK), 0);
}

/**
 * Elements `from` to `to` - 1 of a [chains, draws, ...shape] array, each chain after chain, in one
 * pass over the draws (a scalar's own data: the diagnostics only read it; scratch memory reused
 * by the next call).
 */
function elementsDraws(arr: NDArray, from: number, to: number): Float64Array[] {
  const n = arr.shape[0] * arr.shape[1];
  const inner = arr.data.length / n;
  if (inner === 1) return [arr.data];
  const columns = Array.from({ length: to - from }, (_, j) => scratchArray(`element draws ${j}`, n, Float64Array));
  gather(arr.data, inner, from, columns);
  return columns;
}

/** columns[j][i] = data[i·inner + from + j]: a draw's columns are read together, from one cache line. */
function gather(data: Float64Array, inner: number, from: number, columns: Float64Array[]): void {
  const n = columns[0].length;
  const [a, b = a, c = a, d = a] = columns;
  const width = columns.length;
  for (let i = 0, at = from; i < n; i++, at += inner) {
    a[i] = data[at];
    if (width > 1) b[i] = data[at + 1];
    if (width > 2) c[i] = data[at + 2];
    if (width > 3) d[i] = data[at + 3];
  }
}

/**
 * A row's label as ArviZ writes it: `theta[0]`, `x[1, 2]`, or by the labels of the variable's named
 * dims where the trace has them (`theta[Choate]`).
 */
function elementName(name: string, shape: number[], k: number, labels?: ((string | number)[] | undefined)[]): string {
  if (shape.length === 0) return name;
  const idx: (string | number)[] = [];
  let rest = k;
  for (let a = shape.length - 1; a >= 0; a--) {
    const i = rest % shape[a];
    idx.unshift(labels?.[a]?.[i] ?? i);
    rest = Math.floor(rest / shape[a]);
  }
  return `${name}[${idx.join(", ")}]`;
}

/** What summary() reads of a trace. */
export type SummaryInput = { posterior: Record<string, NDArray>; dims?: Record<string, string[]>; coords?: Record<string, (string | number)[]> };

export interface SummaryOptions {
  /** The variables, in order (default: every posterior variable). */
  varNames?: string[];
  /** The probability mass of the highest-density interval, in [1e-6, 1) (default 0.94). */
  hdiProb?: number;
  /** Decimals printed, an integer >= 0 (default 2). */
  roundTo?: number;
}

/** The options to read (own properties only; see checkOptionNames), checked. */
function checkOptions(given: SummaryOptions): SummaryOptions {
  const opts = checkOptionNames("summary", given, ["varNames", "hdiProb", "roundTo"]);
  const { varNames, hdiProb, roundTo } = opts;
  if (varNames !== undefined && !(Array.isArray(varNames) && varNames.every((v) => typeof v === "string"))) {
    throw new Error(`summary: varNames must be an array of variable names, got ${shown(varNames)}`);
  }
  if (hdiProb !== undefined && !(typeof hdiProb === "number" && hdiProb > 0 && hdiProb < 1)) {
    throw new Error(`summary: hdiProb must be a number in (0, 1), got ${shown(hdiProb)}`);
  }
  // Below 1e-6 both ends get ArviZ's label hdi_50%, and a row cannot hold two columns of one name.
  if (hdiProb !== undefined && new Set(hdiLabels(hdiProb)).size < 2) throw new Error(`summary: hdiProb must be at least 1e-6, got ${hdiProb}`);
  if (roundTo !== undefined && !(typeof roundTo === "number" && Number.isInteger(roundTo) && roundTo >= 0)) {
    throw new Error(`summary: roundTo must be an integer >= 0, got ${shown(roundTo)}`);
  }
  return opts;
}

/**
 * az.summary of a trace's posterior (or of any group of [chains, draws, ...shape] arrays):
 * `varNames` picks variables, `hdiProb` (0.94) the interval, `roundTo` (2) the printed decimals.
 */
export function summary(trace: SummaryInput, opts: SummaryOptions = {}): Summary {
  opts = checkOptions(opts);
  const hdiProb = opts.hdiProb ?? 0.94;
  return new Summary(summaryRows(trace, opts.varNames ?? Object.keys(trace.posterior), hdiProb), opts.roundTo ?? 2, hdiProb);
}

/** The summary's rows of `names`, in order. */
export function summaryRows(trace: SummaryInput, names: string[], hdiProb: number): SummaryRow[] {
  return summaryPart(trace, names, hdiProb, { index: 0, of: 1 }).map(([, row]) => row);
}

/**
 * Some of the summary's rows of `names`, with their places in the table, so that `of` threads can
 * share one table's work: the rows come in blocks (up to GATHER_BLOCK elements of one variable,
 * gathered together), and this part makes blocks index, index + of, index + 2·of, ...
 */
export function summaryPart(trace: SummaryInput, names: string[], hdiProb: number, part: { index: number; of: number }): [number, SummaryRow][] {
  return withScratch(() => rowsOf(trace, names, hdiProb, part));
}

function rowsOf(trace: SummaryInput, names: string[], hdiProb: number, part: { index: number; of: number }): [number, SummaryRow][] {
  const rows: [number, SummaryRow][] = [];
  const [lo, hi] = hdiLabels(hdiProb);
  let row = 0;
  let block = 0;
  for (const name of names) {
    const arr = own(trace.posterior, name);
    if (!arr) throw new Error(`summary: the trace has no variable '${name}' (known: ${Object.keys(trace.posterior).join(", ")})`);
    const shape = arr.shape.slice(2);
    const size = shape.reduce((a, b) => a * b, 1);
    const dims = trace.dims ? own(trace.dims, name) : undefined;
    const labels = dims?.map((d, a) => {
      const l = trace.coords ? own(trace.coords, d) : undefined;
      return l && l.length === shape[a] ? l : undefined;
    });
    for (let from = 0; from < size; from += GATHER_BLOCK, block++) {
      const to = Math.min(size, from + GATHER_BLOCK);
      const first = row;
      row += to - from;
      if (block % part.of !== part.index) continue;
      elementsDraws(arr, from, to).forEach((draws, j) => {
        const d = diagnosticsOfDraws(draws, arr.shape[0], hdiProb);
        const interval = { [lo]: d.hdi[0], [hi]: d.hdi[1] } as Record<`hdi_${string}%`, number>;
        rows.push([
          first + j,
          {
            name: elementName(name, shape, from + j, labels),
            mean: d.mean,
            sd: d.sd,
            ...interval,
            mcse_mean: d.mcseMean,
            mcse_sd: d.mcseSd,
            ess_bulk: d.essBulk,
            ess_tail: d.essTail,
            r_hat: d.rhat,
          },
        ]);
      });
    }
  }
  return rows;
}
