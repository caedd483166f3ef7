// Stabilisation: forms that lose everything to overflow, underflow or cancellation replaced by
// the special functions that do not (PyTensor's local_log1p, local_expm1, local_log1pexp,
// local_log_sigmoid, local_1msigmoid, local_log1mexp, local_log_erfc, local_log_sum_exp, ...).
import type { Variable } from "../graph/basic.js";
import { abs, add, erf, erfcx, expm1, exp, gt, isinf, log, log1p, maximum, mul, neg, sigmoid, softplus, sqr, sub, switchOp } from "../ops/elemwise.js";
import { log1mexp } from "../ops/special.js";
import { DimShuffle, expandDims } from "../ops/dimshuffle.js";
import { type Reduce, reduce } from "../ops/reduce.js";
import { opName, type Pattern, type Rule } from "./pattern.js";
import { nonNegative, scalarLike } from "./facts.js";

const one: Pattern = { constant: 1 };

const UNDERFLOWING = new Set(["Exp", "Sigmoid", "Softplus"]);

/**
 * The terms of a sum (through Add, Sub and Neg), each with its sign; false past `max` terms or
 * levels (each level of a sum holds a term: a chain of 20 000 additions is not walked to its end).
 */
function signedTerms(v: Variable, sign: 1 | -1, out: [1 | -1, Variable][], max: number, depth = 0): boolean {
  if (out.length >= max || depth >= max) return false;
  const name = v.owner ? opName(v.owner) : "";
  if (name === "Add" || name === "Sub") {
    const [a, b] = v.owner!.inputs;
    return signedTerms(a, sign, out, max, depth + 1) && signedTerms(b, name === "Sub" ? (-sign as 1 | -1) : sign, out, max, depth + 1);
  }
  if (name === "Neg") return signedTerms(v.owner!.inputs[0], -sign as 1 | -1, out, max, depth + 1);
  out.push([sign, v]);
  return true;
}

/** The factors of a product (through Mul); null past `max` factors or levels. */
function factors(v: Variable, out: Variable[], max: number, depth = 0): Variable[] | null {
  if (out.length >= max || depth >= max) return null;
  if (v.owner && opName(v.owner) === "Mul") {
    for (const i of v.owner.inputs) if (!factors(i, out, max, depth + 1)) return null;
  } else out.push(v);
  return out;
}

/**
 * (Σ ±t_i) · Π f_j with each t_i = k / f_j (f_j an exp, sigmoid or softplus among the factors)
 * taken as k · Π_{others} f, and the other terms times the whole product; null where no term
 * cancels (or the sum has more than eight terms: distributing copies the product into each).
 */
function cancelReciprocals(sum: Variable, product: Variable): Variable | null {
  const name = sum.owner ? opName(sum.owner) : "";
  if (name !== "Add" && name !== "Sub") return null;
  const terms: [1 | -1, Variable][] = [];
  if (!signedTerms(sum, 1, terms, 8)) return null;
  const fs = factors(product, [], 8);
  if (!fs) return null;
  let cancelled = false;
  const parts = terms.map(([sign, t]) => {
    const node = t.owner;
    const d = node && opName(node) === "True_div" ? node.inputs[1] : null;
    const at = d?.owner && UNDERFLOWING.has(opName(d.owner)) ? fs.indexOf(d) : -1;
    let part: Variable;
    if (at < 0) part = mul(t, product);
    else {
      cancelled = true;
      part = fs.reduce((acc, f, j) => (j === at ? acc : mul(acc, f)), node!.inputs[0]);
    }
    return [sign, part] as const;
  });
  if (!cancelled) return null;
  return parts.slice(1).reduce((acc, [sign, part]) => (sign > 0 ? add(acc, part) : sub(acc, part)), parts[0][0] > 0 ? parts[0][1] : neg(parts[0][1]));
}

/** The variable under ExpandDims/DropDims views. */
function underViews(v: Variable): Variable {
  let cur = v;
  while (cur.owner && cur.owner.op instanceof DimShuffle && cur.owner.op.isView) cur = cur.owner.inputs[0];
  return cur;
}

/** `x - m` where m is a max of x (possibly behind switch(isinf(m), 0, m)): already shifted. */
function isMaxShifted(x: Variable): boolean {
  if (!x.owner || opName(x.owner) !== "Sub") return false;
  let m = underViews(x.owner.inputs[1]);
  if (m.owner && opName(m.owner) === "Switch") m = underViews(m.owner.inputs[2]);
  return m.owner !== null && opName(m.owner) === "Max";
}

/** log(sum(exp(x))) = m + log(sum(exp(x - m))) with m = max(x) (0 where m is infinite). */
function logSumExp(v: Variable, s: Variable, x: Variable): Variable | null {
  if (isMaxShifted(x)) return null;
  const op = s.owner!.op as Reduce;
  const axes = op.reducedAxes(x.ndim);
  if (!axes.length || axes.some((k) => x.type.shape[k] === 0)) return null;
  const m = reduce("max", x, op.axes);
  const zero = scalarLike(0, m);
  if (!zero) return null;
  const shift = switchOp(isinf(m), zero, m);
  const shifted = sub(x, expandDims(shift, axes));
  return add(shift, log(reduce("sum", exp(shifted), op.axes)));
}

export const stabilize: Rule[] = [
  // log(1 + exp(x)) = softplus(x), exact for large x (softplus(750) is 750)
  {
    name: "log(1 + exp(x)) → softplus(x)",
    pattern: { op: "Log", args: [{ op: "Add", args: [one, { op: "Exp", args: ["x"] }], commute: true }] },
    replace: ({ x }) => softplus(x),
  },
  // log1p(exp(x)) = softplus(x)
  { name: "log1p(exp(x)) → softplus(x)", pattern: { op: "Log1p", args: [{ op: "Exp", args: ["x"] }] }, replace: ({ x }) => softplus(x) },
  // 1 - sigmoid(x) = sigmoid(-x)
  { name: "1 - sigmoid(x) → sigmoid(-x)", pattern: { op: "Sub", args: [one, { op: "Sigmoid", args: ["x"] }] }, replace: ({ x }) => sigmoid(neg(x)) },
  // log(sigmoid(x)) = -softplus(-x), exact for large negative x (log(sigmoid(-750)) is -750)
  { name: "log(sigmoid(x)) → -softplus(-x)", pattern: { op: "Log", args: [{ op: "Sigmoid", args: ["x"] }] }, replace: ({ x }) => neg(softplus(neg(x))) },
  // log1p(-sigmoid(x)) = log(sigmoid(-x)) = -softplus(x)
  {
    name: "log1p(-sigmoid(x)) → -softplus(x)",
    pattern: { op: "Log1p", args: [{ op: "Neg", args: [{ op: "Sigmoid", args: ["x"] }] }] },
    replace: ({ x }) => neg(softplus(x)),
  },
  // 1 / (1 + exp(-x)) = sigmoid(x)
  {
    name: "1 / (1 + exp(-x)) → sigmoid(x)",
    pattern: { op: "True_div", args: [one, { op: "Add", args: [one, { op: "Exp", args: ["e"] }], commute: true }] },
    replace: ({ e }) => {
      const node = e.owner;
      return sigmoid(node && opName(node) === "Neg" ? node.inputs[0] : neg(e));
    },
  },
  // log1p(-exp(x)) = log1mexp(x)
  {
    name: "log1p(-exp(x)) → log1mexp(x)",
    pattern: { op: "Log1p", args: [{ op: "Neg", args: [{ op: "Exp", args: ["x"] }] }] },
    replace: ({ x }) => log1mexp(x),
  },
  // log(-expm1(x)) = log1mexp(x), exact near 0: log(1 - exp(-1e-30)) becomes this and is log(1e-30)
  {
    name: "log(-expm1(x)) → log1mexp(x)",
    pattern: { op: "Log", args: [{ op: "Neg", args: [{ op: "Expm1", args: ["x"] }] }] },
    replace: ({ x }) => log1mexp(x),
  },
  // log(1 + x) = log1p(x)
  { name: "log(1 + x) → log1p(x)", pattern: { op: "Log", args: [{ op: "Add", args: [one, "x"], commute: true }] }, replace: ({ x }) => log1p(x) },
  // log(1 - x) = log1p(-x)
  { name: "log(1 - x) → log1p(-x)", pattern: { op: "Log", args: [{ op: "Sub", args: [one, "x"] }] }, replace: ({ x }) => log1p(neg(x)) },
  // exp(x) - 1 = expm1(x)
  { name: "exp(x) - 1 → expm1(x)", pattern: { op: "Sub", args: [{ op: "Exp", args: ["x"] }, one] }, replace: ({ x }) => expm1(x) },
  // exp(x) + -1 = expm1(x)
  {
    name: "exp(x) + -1 → expm1(x)",
    pattern: { op: "Add", args: [{ op: "Exp", args: ["x"] }, { constant: -1 }], commute: true },
    replace: ({ x }) => expm1(x),
  },
  // 1 - exp(x) = -expm1(x)
  { name: "1 - exp(x) → -expm1(x)", pattern: { op: "Sub", args: [one, { op: "Exp", args: ["x"] }] }, replace: ({ x }) => neg(expm1(x)) },
  // log(erfc(x)) = log(erfcx(x)) - x² for x > 0, finite far into the tail (erfc underflows past
  // 26.5), and log1p(-erf(x)) for x <= 0 (where erfc is in [1, 2])
  {
    name: "log(erfc(x)) → log(erfcx(x)) - x²",
    pattern: { op: "Log", args: [{ op: "Erfc", args: ["x"] }] },
    replace: ({ x }) => {
      const zero = scalarLike(0, x);
      return zero ? switchOp(gt(x, zero), sub(log(erfcx(x)), sqr(x)), log1p(neg(erf(x)))) : null;
    },
  },
  // log(sum(exp(x))) = m + log(sum(exp(x - m))), m = max(x)
  {
    name: "log(sum(exp(x))) → logsumexp with the max shifted out",
    pattern: { op: "Log", args: [{ op: "Sum", args: [{ op: "Exp", args: ["x"] }], as: "s" }], as: "v" },
    replace: ({ v, s, x }) => logSumExp(v, s, x),
  },
  // (k / f + b) · f · g = k · g + b · f · g for f = exp(y), sigmoid(y) or softplus(y): the chain
  // rule through a transformed value (d log x / dx times dx/dy) is inf · 0 = NaN once f underflows
  // (exp below y = -745, the logodds transform's sigmoid(-y) above y = 745)
  {
    name: "(k / f + b) · f → k + b · f for f = exp, sigmoid, softplus",
    pattern: { op: "Mul", args: ["s", "p"] },
    replace: ({ s, p }) => cancelReciprocals(s, p) ?? cancelReciprocals(p, s),
  },
  // log(1 - x^a) = log1mexp(a log x) for x >= 0: x^a rounds to 1 (log 0) where x is within an ulp
  // of 1 (Kumaraswamy's value sigmoid(y) from y = 37 on, whose log is -softplus(-y), finite)
  {
    name: "log1p(-x^a) → log1mexp(a·log(x)) for x >= 0",
    pattern: { op: "Log1p", args: [{ op: "Neg", args: [{ op: "Pow", args: [{ var: "x", where: (x) => nonNegative(x) }, "a"] }] }] },
    replace: ({ x, a }) => log1mexp(mul(a, log(x))),
  },
  // log(exp(a) / b) = a - log(b): a softmax's log (Categorical's logit_p) stays finite where a
  // category's exp underflows, and log(sum(exp)) then becomes a logsumexp
  {
    name: "log(exp(a) / b) → a - log(b)",
    pattern: { op: "Log", args: [{ op: "True_div", args: [{ op: "Exp", args: ["a"] }, "b"] }] },
    replace: ({ a, b }) => sub(a, log(b)),
  },
  // log(exp(a) + exp(b)) = max(a, b) + softplus(-|a - b|)
  {
    name: "log(exp(a) + exp(b)) → logaddexp(a, b)",
    pattern: {
      op: "Log",
      args: [
        {
          op: "Add",
          args: [
            { op: "Exp", args: ["a"] },
            { op: "Exp", args: ["b"] },
          ],
        },
      ],
    },
    replace: ({ a, b }) => add(maximum(a, b), softplus(neg(abs(sub(a, b))))),
  },
];
