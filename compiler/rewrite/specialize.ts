// Specialisation: the cheapest op for what is left (PyTensor's local_pow_specialize,
// local_mul_to_sqr, local_log_sqrt): small integer and half-integer powers become sqr, sqrt,
// products and reciprocals; x * x becomes sqr(x); a division by a fixed array becomes a product
// with its reciprocal, computed once.
import type { Variable } from "../graph/basic.js";
import { graphInputs } from "../graph/traversal.js";
import { abs, add, div, exp, ge, log, log1p, maximum, mul, neg, neq, sigmoid, softplus, sqr, sqrt, sub, switchOp } from "../ops/elemwise.js";
import { constantValue, opName, type Rule } from "./pattern.js";
import { isNormalNumber, scalarConstant, scalarLike } from "./facts.js";
import { scatterSums } from "./scatters.js";

/** x ** p for the exponents that have a cheaper form, else null. */
function power(x: Variable, p: number, like: Variable): Variable | null {
  const one = () => scalarLike(1, like);
  const recip = (y: Variable | null) => {
    const k = one();
    return y && k ? div(k, y) : null;
  };
  switch (p) {
    case 2:
      return sqr(x);
    case 3:
      return mul(sqr(x), x);
    case 4:
      return sqr(sqr(x));
    case 0.5:
      return sqrt(x);
    case -0.5:
      return recip(sqrt(x));
    case -1:
      return recip(x);
    case -2:
      return recip(sqr(x));
    default:
      return null;
  }
}

/**
 * Whether x / c may be computed as x * (1 / c): both c and 1 / c normal numbers, so that the
 * product is within an ulp of the quotient. A subnormal c has no finite reciprocal (1 / 5e-324 is
 * Infinity, and 0 * Infinity is NaN where 0 / 5e-324 is 0), and a c above 2^1022 a subnormal one.
 */
export function hasExactReciprocal(c: number): boolean {
  return isNormalNumber(c) && isNormalNumber(1 / c);
}

/** An array (not a broadcast scalar) that does not change between calls: every root of its graph is a constant or in `fixedRoots`. */
export function fixedArray(fixedRoots: ReadonlySet<Variable> = new Set()): (v: Variable) => boolean {
  return (v) => v.type.shape.some((d) => d !== 1) && v.dtype !== "bool" && graphInputs([v]).every((r) => constantValue(r) !== null || fixedRoots.has(r));
}

/**
 * x / c = x * (1 / c) for an array c that does not change between calls (constants, data): the
 * reciprocals are folded or computed once per data binding, and the loop multiplies.
 */
export function reciprocalOfFixed(isFixed: (v: Variable) => boolean): Rule {
  // A constant's entries are known: each must have an exact reciprocal (data's are not known here).
  const exact = (c: Variable) => constantValue(c)?.data.every(hasExactReciprocal) ?? true;
  return {
    name: "x / c → x * (1 / c) for a fixed array c",
    // (x must vary: 1 / c itself is the reciprocal, and a fixed x / c is folded or prepared whole)
    pattern: {
      op: "True_div",
      args: [
        { var: "x", where: (x) => constantValue(x) === null && !isFixed(x) },
        { var: "c", where: (c) => isFixed(c) && exact(c) },
      ],
    },
    replace: ({ x, c }) => mul(x, div(scalarLike(1, c)!, c)),
  };
}

export const specialize: Rule[] = [
  // x ** 2 = sqr(x), x ** 3 = sqr(x) * x, x ** 4 = sqr(sqr(x)), x ** 0.5 = sqrt(x), x ** -1 = 1 / x, x ** -2 = 1 / sqr(x), x ** -0.5 = 1 / sqrt(x)
  {
    name: "x ** small constant → sqr, sqrt, 1/x",
    pattern: { op: "Pow", args: ["x", { constant: (p) => [2, 3, 4, 0.5, -0.5, -1, -2].includes(p), as: "p" }], as: "v" },
    replace: ({ x, p, v }) => power(x, scalarConstant(p)!, v),
  },
  // x * x = sqr(x)
  { name: "x * x → sqr(x)", pattern: { op: "Mul", args: ["x", "x"] }, replace: ({ x }) => sqr(x) },
  // log(sqrt(x)) = 0.5 * log(x)
  {
    name: "log(sqrt(x)) → 0.5 * log(x)",
    pattern: { op: "Log", args: [{ op: "Sqrt", args: ["x"] }] },
    replace: ({ x }) => mul(0.5, log(x)),
  },
];

/** exp(-|x|), the same node for x and -x. */
function expNegAbs(x: Variable): Variable {
  const inner = x.owner && opName(x.owner) === "Neg" ? x.owner.inputs[0] : x;
  return exp(neg(abs(inner)));
}

/**
 * The forms a model's logp and gradient are computed in (applied to those graphs only, after the
 * rewrites that recognise softplus and sigmoid, so printed graphs keep PyTensor's forms):
 * softplus and sigmoid written through e = exp(-|x|), so that a loop computing both of one argument
 * (a logistic likelihood and its gradient: softplus(±eta), sigmoid(±eta)) takes one exponential per
 * element, as hand-written code does (both forms exact in both tails); and divisions by a constant
 * as multiplications by 1/c (within an ulp).
 */
export const hotForms: Rule[][] = [
  // First, while softplus and sigmoid are whole: a Bernoulli-logit likelihood picks between
  // log sigmoid(±x) per element; as arithmetic with the 0/1 mask of the observations (fixed data,
  // so computed once) the loop has no unpredictable branch, as in hand-written code (y·x - softplus(x)).
  [
    {
      name: "switch(c, -softplus(-x), -softplus(x)) → (c != 0)·x - softplus(x)",
      pattern: {
        op: "Switch",
        args: ["c", { op: "Neg", args: [{ op: "Softplus", args: [{ op: "Neg", args: ["x"] }] }] }, { op: "Neg", args: [{ op: "Softplus", args: ["x"] }] }],
      },
      replace: ({ c, x }) => sub(mul(neq(c, scalarLike(0, c)!), x), softplus(x)),
    },
    {
      name: "switch(c, sigmoid(-x), -sigmoid(x)) → (c != 0) - sigmoid(x)",
      pattern: { op: "Switch", args: ["c", { op: "Sigmoid", args: [{ op: "Neg", args: ["x"] }] }, { op: "Neg", args: [{ op: "Sigmoid", args: ["x"] }] }] },
      replace: ({ c, x }) => sub(neq(c, scalarLike(0, c)!), sigmoid(x)),
    },
  ],
  [
    {
      name: "softplus(x) → max(x, 0) + log1p(exp(-|x|))",
      pattern: { op: "Softplus", args: ["x"] },
      replace: ({ x }) => add(maximum(x, scalarLike(0, x)!), log1p(expNegAbs(x))),
    },
    {
      name: "sigmoid(x) → (x >= 0 ? 1 : e) / (1 + e), e = exp(-|x|)",
      pattern: { op: "Sigmoid", args: ["x"] },
      replace: ({ x }) => {
        const e = expNegAbs(x);
        return div(switchOp(ge(x, scalarLike(0, x)!), scalarLike(1, x)!, e), add(scalarLike(1, x)!, e));
      },
    },
    {
      name: "x / c → x * (1 / c) for a constant c",
      pattern: {
        op: "True_div",
        args: [
          { var: "x", where: (x) => constantValue(x) === null },
          { constant: hasExactReciprocal, as: "c" },
        ],
      },
      replace: ({ x, c }) => {
        const k = scalarConstant(c);
        return k === null ? null : mul(x, scalarLike(1 / k, x)!);
      },
    },
  ],
  // Last, sums of scatters into zeros (a gradient of gathers) as one chain of scatters (scatters.ts).
  scatterSums,
];
