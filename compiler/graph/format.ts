// NumPy's text for numbers and arrays (`str(np.array(...))`), so printed constants match PyTensor.
import type { DType } from "./type.js";

/** Python's `repr(float)`: shortest round-trip digits, exponent below 1e-4 and from 1e16. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const fixed = String(x);
  return fixed.includes(".") ? fixed : `${fixed}.0`;
}

export function formatScalar(x: number, dtype: DType): string {
  if (dtype === "bool") return x ? "True" : "False";
  if (dtype === "int64") return String(x);
  return pyFloat(x);
}

const PRECISION = 8;
const LINE_WIDTH = 75;
const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

/** Digits of `x` with at most PRECISION fractional digits, trailing zeros trimmed (dragon4, unique). */
function positional(x: number): { intPart: string; frac: string } {
  const [i, f = ""] = Math.abs(x).toFixed(PRECISION).split(".");
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  return { intPart: sign + i, frac: f.replace(/0+$/, "") };
}

/** Mantissa digits and exponent of `x` with at most PRECISION fractional digits (dragon4_scientific). */
function scientific(x: number): { intPart: string; frac: string; exp: number } {
  const [m, e] = x.toExponential(PRECISION).split("e");
  const [i, f = ""] = m.split(".");
  return { intPart: i, frac: f.replace(/0+$/, ""), exp: Number(e) };
}

/** NumPy's FloatingFormat (floatmode="maxprec", precision 8), fitted to the values shown. */
function floatFormatter(values: readonly number[]): (x: number) => string {
  const finite = values.filter((v) => Number.isFinite(v));
  const absNonZero = finite.map(Math.abs).filter((v) => v !== 0);
  const maxVal = absNonZero.length ? Math.max(...absNonZero) : 0;
  const minVal = absNonZero.length ? Math.min(...absNonZero) : 0;
  const expFormat = absNonZero.length > 0 && (maxVal >= 1e8 || minVal < 1e-4 || maxVal / minVal > 1e3);

  let padLeft = 0;
  let padRight = 0;
  let body: (x: number) => string;
  if (expFormat) {
    const parts = finite.map(scientific);
    const expSize = Math.max(2, ...parts.map((p) => String(Math.abs(p.exp)).length));
    // Mantissas share one number of fractional digits, padded with zeros.
    const digits = Math.max(0, ...parts.map((p) => p.frac.length));
    padLeft = Math.max(...parts.map((p) => p.intPart.length));
    padRight = expSize + 2 + digits;
    body = (x) => {
      const p = scientific(x);
      const exp = `e${p.exp < 0 ? "-" : "+"}${String(Math.abs(p.exp)).padStart(expSize, "0")}`;
      return `${p.intPart.padStart(padLeft)}.${p.frac.padEnd(digits, "0")}${exp}`;
    };
  } else {
    const parts = finite.map(positional);
    padLeft = finite.length ? Math.max(...parts.map((p) => p.intPart.length)) : 0;
    padRight = finite.length ? Math.max(...parts.map((p) => p.frac.length)) : 0;
    // Fractional digits are padded with spaces, so that the decimal points line up.
    body = (x) => {
      const p = positional(x);
      return `${p.intPart.padStart(padLeft)}.${p.frac.padEnd(padRight)}`;
    };
  }
  // Room for nan / inf / -inf in the integer part.
  if (finite.length !== values.length) {
    const negInf = values.some((v) => v === -Infinity);
    padLeft = Math.max(padLeft, 3 - (padRight + 1), 3 + (negInf ? 1 : 0) - (padRight + 1));
  }
  return (x) => {
    if (Number.isFinite(x)) return body(x);
    const text = Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
    return text.padStart(padLeft + padRight + 1);
  };
}

/** NumPy's BoolFormat: `True` is padded to the width of `False`, except in 0-d arrays. */
const boolFormatter = () => (x: number) => (x ? " True" : "False");

/** NumPy's IntegerFormat: right-aligned to the widest of min and max. */
function intFormatter(values: readonly number[]): (x: number) => string {
  const width = values.length ? Math.max(...values.map((v) => String(v).length)) : 0;
  return (x) => String(x).padStart(width);
}

/**
 * NumPy's `str(array)` for a row-major array of the given shape: the element format is fitted to
 * the values shown, arrays over 1000 elements are summarised with `...`, and rows wrap at 75
 * characters with a hanging indent (NumPy's _formatArray).
 */
export function formatArray(data: ArrayLike<number>, shape: readonly number[], dtype: DType): string {
  const values = Float64Array.from(data);
  if (shape.length === 0) return formatScalar(values[0], dtype);
  if (values.length === 0) return "[]";
  const summarize = values.length > SUMMARY_THRESHOLD;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  /** Indices shown along an axis of length n, with -1 where the `...` goes. */
  const shown = (n: number): number[] =>
    summarize && n > 2 * EDGE_ITEMS
      ? [...Array(EDGE_ITEMS).keys(), -1, ...Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i)]
      : [...Array(n).keys()];

  const visible: number[] = [];
  const collect = (axis: number, offset: number) => {
    for (const i of shown(shape[axis])) {
      if (i < 0) continue;
      if (axis === shape.length - 1) visible.push(values[offset + i]);
      else collect(axis + 1, offset + i * strides[axis]);
    }
  };
  collect(0, 0);
  const format = dtype === "float64" ? floatFormatter(visible) : dtype === "bool" ? boolFormatter() : intFormatter(visible);

  const render = (axis: number, offset: number, hanging: string, width: number): string => {
    const picks = shown(shape[axis]);
    let s = "";
    if (axis === shape.length - 1) {
      // Words are separated by one space; a line breaks before a word that would pass the width.
      const elemWidth = width - 1;
      let line = hanging;
      picks.forEach((i, j) => {
        const word = i < 0 ? "..." : format(values[offset + i]);
        if (line.length + word.length > elemWidth && line.length > hanging.length) {
          s += `${line.trimEnd()}\n`;
          line = hanging;
        }
        line += word;
        if (j < picks.length - 1) line += " ";
      });
      s += line;
    } else {
      const sep = "\n".repeat(shape.length - 1 - axis);
      s = picks.map((i) => hanging + (i < 0 ? "..." : render(axis + 1, offset + i * strides[axis], `${hanging} `, width - 1))).join(sep);
    }
    return `[${s.slice(hanging.length)}]`;
  };
  return render(0, 0, " ", LINE_WIDTH);
}
