// Canonicalisation: algebraic identities that make a graph smaller without changing its values.
import type { Variable } from "../graph/basic.js";
import { div, mul } from "../ops/elemwise.js";
import { floatConst } from "../ops/constant.js";
import { constantValue, opName, type Rule } from "./pattern.js";

/** Split a product/quotient tree into numerator and denominator factors. */
function factors(v: Variable, num: Variable[], den: Variable[], inverted: boolean): void {
  const node = v.owner;
  const name = node ? opName(node) : "";
  if (node && name === "Mul") {
    factors(node.inputs[0], num, den, inverted);
    factors(node.inputs[1], num, den, inverted);
  } else if (node && name === "True_div") {
    factors(node.inputs[0], num, den, inverted);
    factors(node.inputs[1], num, den, !inverted);
  } else {
    (inverted ? den : num).push(v);
  }
}

/**
 * A factor may be cancelled unless it is a constant with a zero or non-finite entry: b / b = 1 is
 * assumed for a symbolic b (as PyTensor does), but 0 * (x / 0) is NaN, not x.
 */
function cancellable(v: Variable): boolean {
  const c = constantValue(v);
  return c === null || c.data.every((x) => x !== 0 && Number.isFinite(x));
}

const product = (vs: Variable[]): Variable | null => (vs.length ? vs.reduce((a, b) => mul(a, b)) : null);

/** (a * b) / (b * c) → a / c: cancel factors that appear above and below a division. */
function cancelFactors(v: Variable): Variable | null {
  const num: Variable[] = [];
  const den: Variable[] = [];
  factors(v, num, den, false);
  let cancelled = 0;
  for (let i = den.length - 1; i >= 0; i--) {
    const j = num.indexOf(den[i]);
    if (j === -1 || !cancellable(den[i])) continue;
    num.splice(j, 1);
    den.splice(i, 1);
    cancelled++;
  }
  if (!cancelled) return null;
  const top = product(num) ?? floatConst(1);
  const bottom = product(den);
  return bottom ? div(top, bottom) : top;
}

export const canonicalize: Rule[] = [
  // log(exp(x)) = x
  { name: "log(exp(x)) → x", pattern: { op: "Log", args: [{ op: "Exp", args: ["x"] }] }, replace: ({ x }) => x },
  // -(-x) = x
  { name: "neg(neg(x)) → x", pattern: { op: "Neg", args: [{ op: "Neg", args: ["x"] }] }, replace: ({ x }) => x },
  // x * 1 = x
  { name: "x * 1 → x", pattern: { op: "Mul", args: ["x", { constant: 1 }] }, replace: ({ x }) => x },
  // 1 * x = x
  { name: "1 * x → x", pattern: { op: "Mul", args: [{ constant: 1 }, "x"] }, replace: ({ x }) => x },
  // x / 1 = x
  { name: "x / 1 → x", pattern: { op: "True_div", args: ["x", { constant: 1 }] }, replace: ({ x }) => x },
  // x + 0 = x
  { name: "x + 0 → x", pattern: { op: "Add", args: ["x", { constant: 0 }] }, replace: ({ x }) => x },
  // 0 + x = x
  { name: "0 + x → x", pattern: { op: "Add", args: [{ constant: 0 }, "x"] }, replace: ({ x }) => x },
  // x - 0 = x
  { name: "x - 0 → x", pattern: { op: "Sub", args: ["x", { constant: 0 }] }, replace: ({ x }) => x },
  // (a * b) / (b * c) = a / c, and b * (a / b) = a
  { name: "cancel common factors", pattern: { op: ["Mul", "True_div"], as: "v" }, replace: ({ v }) => cancelFactors(v) },
];
