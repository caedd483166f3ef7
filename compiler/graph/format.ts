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

/** Format float elements the way NumPy's FloatingFormat does with floatmode="maxprec". */
function floatFormatter(values: Float64Array): (x: number) => string {
  const finite = Array.from(values).filter((v) => Number.isFinite(v));
  const absNonZero = finite.map(Math.abs).filter((v) => v !== 0);
  const maxVal = absNonZero.length ? Math.max(...absNonZero) : 0;
  const minVal = absNonZero.length ? Math.min(...absNonZero) : 0;
  const scientific = maxVal >= 1e8 || minVal < 1e-4 || (minVal > 0 && maxVal / minVal > 1e3);
  const special = (x: number) => (Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf");

  if (scientific) {
    const parts = finite.map((v) => {
      const [m, e] = v.toExponential().split("e");
      const [intPart, frac = ""] = Number(Number(m).toFixed(PRECISION)).toString().split(".");
      return { intPart, frac, exp: Number(e) };
    });
    const fracLen = Math.max(0, ...parts.map((p) => p.frac.length));
    const expLen = Math.max(2, ...parts.map((p) => String(Math.abs(p.exp)).length));
    const intLen = Math.max(1, ...parts.map((p) => p.intPart.length));
    return (x) => {
      if (!Number.isFinite(x)) return special(x).padStart(intLen + 1 + fracLen + 2 + expLen);
      const [m, e] = x.toExponential().split("e");
      const [intPart, frac = ""] = Number(Number(m).toFixed(PRECISION)).toString().split(".");
      const exp = Number(e);
      const expText = `e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(expLen, "0")}`;
      return `${intPart.padStart(intLen)}.${frac.padEnd(fracLen)}${expText}`;
    };
  }

  const split = (v: number) => {
    const text = Number(v.toFixed(PRECISION)).toString();
    const [intPart, frac = ""] = text.split(".");
    return { intPart: intPart === "0" && v < 0 ? "-0" : intPart, frac };
  };
  const parts = finite.map(split);
  const intLen = Math.max(1, ...parts.map((p) => p.intPart.length));
  const fracLen = Math.max(0, ...parts.map((p) => p.frac.length));
  return (x) => {
    if (!Number.isFinite(x)) return special(x).padStart(intLen + 1 + fracLen);
    const p = split(x);
    return `${p.intPart.padStart(intLen)}.${p.frac.padEnd(fracLen)}`;
  };
}

const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

/** NumPy's `str(array)` for a row-major array of the given shape. */
export function formatArray(data: ArrayLike<number>, shape: readonly number[], dtype: DType): string {
  const values = Float64Array.from(data);
  if (shape.length === 0) return formatScalar(values[0], dtype);
  const summarize = values.length > SUMMARY_THRESHOLD;
  let format: (x: number) => string;
  if (dtype === "float64") {
    format = floatFormatter(values);
  } else {
    const texts = Array.from(values, (v) => formatScalar(v, dtype));
    const width = Math.max(...texts.map((t) => t.length));
    format = (x) => formatScalar(x, dtype).padStart(width);
  }
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const render = (axis: number, offset: number): string => {
    const n = shape[axis];
    const pick = summarize && n > 2 * EDGE_ITEMS
      ? [...Array(EDGE_ITEMS).keys(), -1, ...Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i)]
      : [...Array(n).keys()];
    if (axis === shape.length - 1) {
      return `[${pick.map((i) => (i < 0 ? "..." : format(values[offset + i]))).join(" ")}]`;
    }
    const gap = "\n".repeat(shape.length - 1 - axis) + " ".repeat(axis + 1);
    return `[${pick.map((i) => (i < 0 ? "..." : render(axis + 1, offset + i * strides[axis]))).join(gap)}]`;
  };
  return render(0, 0);
}
