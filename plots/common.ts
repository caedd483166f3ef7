// What every plot shares: the document Plot draws into (the page's, or linkedom's in Node), option
// checks (nothing silently ignored), the trace's scalar elements labelled as ArviZ labels them, a
// Gaussian KDE, and the composition of Plot's panels into one standalone SVG.
import { checkOptionNames } from "../runtime/options.js";
import * as Plot from "@observablehq/plot";
import { density1d } from "fast-kde";
import type { NDArray } from "../runtime/ndarray.js";
import { own } from "../runtime/own.js";
import { elementChains } from "../runtime/sampler/summary.js";

/** The parts of a Trace the plots read (a Trace, or an object of the same shape). */
export interface TraceLike {
  posterior: Record<string, NDArray>;
  sampleStats: Record<string, NDArray>;
  dims?: Record<string, string[]>;
  coords?: Record<string, (string | number)[]>;
  attrs?: Record<string, unknown>;
}

/** Options every plot takes. */
export interface PlotOptions {
  /** Variables to plot (default: every posterior variable). */
  varNames?: string[];
  /** Probability of the highest-density interval (default 0.94). */
  hdiProb?: number;
  /** Merge the chains (default false). */
  combined?: boolean;
  /** Width and height of the whole figure, in pixels. */
  width?: number;
  height?: number;
  /** The document to draw with (default: the page's; in Node, linkedom's). */
  document?: Document;
}

export const COMMON_OPTIONS = ["varNames", "hdiProb", "combined", "width", "height", "document"] as const;

// In a browser (or where a DOM is installed) Plot draws into the global document; elsewhere into
// linkedom's, loaded only there (a separate chunk that a browser bundle never fetches).
const globalDocument = (globalThis as { document?: Document }).document;
const nodeDocument: Document | undefined = globalDocument
  ? undefined
  : ((await import("linkedom")).parseHTML("<!doctype html><html><body></body></html>").document as unknown as Document);

export function documentFor(opts: { document?: Document }): Document {
  const doc = opts.document ?? globalDocument ?? nodeDocument;
  if (!doc) throw new Error("tsmc/plots: no document to draw with; pass { document }");
  return doc;
}

/**
 * Throws on an option `fn` does not know, and on a malformed common option; returns the options
 * to read (own properties only: see checkOptionNames).
 */
export function checkOptions<T extends object>(fn: string, given: T, known: readonly string[]): T {
  const opts = checkOptionNames(fn, given, known);
  const o = opts as PlotOptions;
  if (o.hdiProb !== undefined && !(typeof o.hdiProb === "number" && o.hdiProb > 0 && o.hdiProb < 1)) {
    throw new Error(`${fn}: hdiProb must be a number between 0 and 1, got ${String(o.hdiProb)}`);
  }
  for (const k of ["width", "height"] as const) {
    const v = o[k];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v > 0)) throw new Error(`${fn}: ${k} must be a positive number, got ${String(v)}`);
  }
  if (o.combined !== undefined && typeof o.combined !== "boolean") throw new Error(`${fn}: combined must be true or false`);
  if (o.varNames !== undefined && !(Array.isArray(o.varNames) && o.varNames.every((v) => typeof v === "string"))) {
    throw new Error(`${fn}: varNames must be an array of variable names`);
  }
  return opts;
}

/** One scalar element of a posterior variable: its label (`theta[Choate]`, `theta[0]`) and per-chain draws. */
export interface Element {
  variable: string;
  label: string;
  chains: Float64Array[];
}

/** The scalar elements of the chosen variables, in order. */
export function elements(fn: string, trace: TraceLike, varNames?: string[]): Element[] {
  const names = varNames ?? Object.keys(trace.posterior);
  const out: Element[] = [];
  for (const name of names) {
    const arr = own(trace.posterior, name);
    if (!arr) throw new Error(`${fn}: the trace has no variable '${name}' (known: ${Object.keys(trace.posterior).join(", ")})`);
    const shape = arr.shape.slice(2);
    const size = shape.reduce((a, b) => a * b, 1);
    const dims = trace.dims ? own(trace.dims, name) : undefined;
    const labels = shape.map((n, a) => {
      const l = dims && dims.length === shape.length && trace.coords ? own(trace.coords, dims[a]) : undefined;
      return l && l.length === n ? l : undefined;
    });
    for (let k = 0; k < size; k++) out.push({ variable: name, label: elementLabel(name, shape, k, labels), chains: elementChains(arr, k) as Float64Array[] });
  }
  return out;
}

function elementLabel(name: string, shape: number[], k: number, labels: ((string | number)[] | undefined)[]): string {
  if (shape.length === 0) return name;
  const idx: (string | number)[] = [];
  let rest = k;
  for (let a = shape.length - 1; a >= 0; a--) {
    const i = rest % shape[a];
    idx.unshift(labels[a]?.[i] ?? i);
    rest = Math.floor(rest / shape[a]);
  }
  return `${name}[${idx.join(", ")}]`;
}

/** All chains' draws in one array. */
export function concat(chains: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(chains.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chains) out.set(c as Float64Array, at), (at += c.length);
  return out;
}

/** A Gaussian KDE (fast-kde; bandwidth by Scott's normal reference rule) as {x, y} points. */
export function kde(values: ArrayLike<number>, bins = 256): { x: number; y: number }[] {
  const finite = Array.from(values).filter(Number.isFinite);
  if (finite.length < 2) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of finite) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (lo === hi) return [{ x: lo, y: 0 }];
  return Array.from(density1d(finite, { bins, pad: 0, extent: [lo, hi] }), ({ x, y }) => ({ x, y }));
}

export const mean = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
};

/** A quantile by linear interpolation (numpy's default) of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const i = (sorted.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

/** Numbers in plot texts to 3 significant digits (ArviZ's round_to). */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number(v.toPrecision(3)).toString();
}

/** The chain colours (matplotlib's tab10, ArviZ's default cycle). */
export const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** One Plot panel, as SVG text with a class naming the plot kind and a data-label naming what it shows. */
export function panel(doc: Document, kind: string, label: string, options: Plot.PlotOptions): string {
  const el = Plot.plot({ ...options, document: doc }) as unknown as { outerHTML: string };
  // Written into the text escaped, not set on the element: linkedom leaves & and < as they are in
  // attribute values, which a label like "R&amp;D" or "a<b" turns into other text or broken XML.
  const svg = el.outerHTML.replace(/^<([a-z]+)/, `<$1 data-kind="${escapeXml(kind)}" data-label="${escapeXml(label)}"`);
  return compact(svg);
}

/** Coordinates in path data and transforms to 0.1 px (Plot writes full doubles: a trace of 4000 draws would take megabytes). */
function compact(svg: string): string {
  return svg.replace(
    / (d|transform)="([^"]*)"/g,
    (_, attr: string, value: string) => ` ${attr}="${value.replace(/-?\d+\.\d+(e-?\d+)?/g, (n) => String(Math.round(Number(n) * 10) / 10))}"`,
  );
}

export const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A panel's SVG and the title ArviZ writes above it. */
export interface Cell {
  svg: string;
  title?: string;
}

/** Panels of `width` × `height` laid out in rows (`cols` to a row), each under its title, in one standalone SVG. */
export function compose(cells: Cell[], width: number, height: number, cols: number): string {
  const titled = cells.some((c) => c.title);
  const cellH = height + (titled ? 18 : 0);
  const parts: string[] = [];
  cells.forEach((cell, i) => {
    const x = (i % cols) * width;
    const y = Math.floor(i / cols) * cellH;
    if (cell.title) {
      parts.push(
        `<text x="${x + width / 2}" y="${y + 13}" text-anchor="middle" font-size="12" font-family="system-ui, sans-serif">${escapeXml(cell.title)}</text>`,
      );
    }
    parts.push(cell.svg.replace(/^<svg /, `<svg x="${x}" y="${y + (titled ? 18 : 0)}" `));
  });
  const W = cols * width;
  const H = Math.ceil(cells.length / cols) * cellH;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" style="background: white">${parts.join("")}</svg>`;
}
