// Canonicalisation: algebraic identities that make a graph smaller without changing its values.
import type { Variable } from "../graph/basic.js";
import { div, mul } from "../ops/elemwise.js";
import { floatConst } from "../ops/constant.js";
import { constantValue, opName, type Rule } from "./pattern.js";

/**
 * Most factors looked at for one node (the walk stops after twice as many nodes). The rule runs
 * at every Mul and True_div, so an unbounded walk would make a long chain of products quadratic;
 * factors further down are simply not cancelled.
 */
const MAX_FACTORS = 64;

/** Split a product/quotient tree into numerator and denominator factors, left to right. */
function factors(root: Variable, num: Variable[], den: Variable[]): boolean {
  // An explicit stack: a long chain of products must not overflow the call stack.
  const stack: [Variable, boolean][] = [[root, false]];
  for (let visited = 0; stack.length; visited++) {
    if (visited > 2 * MAX_FACTORS) return false;
    const [v, inverted] = stack.pop()!;
    const node = v.owner;
    const name = node ? opName(node) : "";
    if (node && (name === "Mul" || name === "True_div")) {
      stack.push([node.inputs[1], name === "True_div" ? !inverted : inverted], [node.inputs[0], inverted]);
    } else {
      (inverted ? den : num).push(v);
    }
  }
  return true;
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
  if (!factors(v, num, den)) return null;
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
