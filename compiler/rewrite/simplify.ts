// Simplification: structure the model graphs carry that computes nothing — switches on constant
// conditions, fills, sums of stacked terms, indexing into a stack, reshuffles of reshuffles,
// reductions of broadcast scalars — and zero branches sunk through products (PyTensor's
// local_useless_switch, local_fill_sink, local_sum_make_vector, local_subtensor_make_vector,
// local_dimshuffle_lift, local_reduce_broadcastable, local_mul_switch_sink, ...).
import type { Variable } from "../graph/basic.js";
import { add, and, div, elemwise, mul, neg, second, switchOp, Elemwise } from "../ops/elemwise.js";
import { DimShuffle, dropDims, expandDims, type ShuffleEntry } from "../ops/dimshuffle.js";
import { MakeVector } from "../ops/join.js";
import type { Reduce } from "../ops/reduce.js";
import { AdvancedSubtensor1, Subtensor } from "../ops/subtensor.js";
import { type ShapeI, shapeI } from "../ops/shape.js";
import { opName, uniformValue, type OpName, type Pattern, type Rule } from "./pattern.js";
import { scalarUnderViews, fillLike, nonNegative, positive, scalarConstant, scalarLike } from "./facts.js";
import { constant } from "../ops/constant.js";

const DIMSHUFFLES: OpName[] = ["ExpandDims", "DropDims", "Transpose", "DimShuffle"];
const REDUCTIONS: OpName[] = ["Sum", "Prod", "Max", "Min", "All", "Any"];

/** The axes a Reduce node reduces. */
const reducedAxes = (v: Variable): number[] => (v.owner!.op as Reduce).reducedAxes(v.owner!.inputs[0].ndim);

/** A constant whose every element is zero, or a fill of zero. */
const zero: Pattern = { constant: 0 };

/** The index of a Subtensor that picks one entry of a vector, normalised, or null. */
function singleIndex(v: Variable): number | null {
  const op = v.owner!.op as Subtensor;
  const x = v.owner!.inputs[0];
  if (!(op instanceof Subtensor) || op.entries.length !== 1 || typeof op.entries[0] !== "number") return null;
  const n = x.type.shape[0];
  const i = op.entries[0];
  if (i >= 0) return i;
  return n === null ? null : i + n;
}

/** A product or quotient with a branch of a zero switch sunk into the switch. */
function sinkSwitch(v: Variable): Variable | null {
  const node = v.owner!;
  const name = opName(node);
  for (const side of name === "True_div" ? [0] : [0, 1]) {
    const s = node.inputs[side];
    const other = node.inputs[1 - side];
    if (!s.owner || opName(s.owner) !== "Switch") continue;
    const [c, a, b] = s.owner.inputs;
    const op = (x: Variable) => (name === "True_div" ? div(x, other) : side === 0 ? mul(x, other) : mul(other, x));
    const z = (x: Variable) => fillLike(x, 0) ?? scalarLike(0, v);
    if (uniformValue(b) === 0) {
      const k = z(b);
      if (k) return switchOp(c, op(a), k);
    }
    if (uniformValue(a) === 0) {
      const k = z(a);
      if (k) return switchOp(c, k, op(b));
    }
  }
  return null;
}

export const simplify: Rule[] = [
  // switch(True, a, b) = a, switch(False, a, b) = b
  {
    name: "switch(constant, a, b) → a or b",
    pattern: { op: "Switch", args: [{ constant: () => true, as: "c" }, "a", "b"] },
    replace: ({ c, a, b }) => (uniformValue(c) !== 0 ? a : b),
  },
  // switch(c, a, a) = a
  { name: "switch(c, a, a) → a", pattern: { op: "Switch", args: ["c", "a", "a"] }, replace: ({ a }) => a },
  // switch(c, a, 0) * b = switch(c, a * b, 0) (PyTensor's local_mul_switch_sink: 0 * inf is 0 there)
  { name: "switch(c, a, 0) * b → switch(c, a * b, 0)", pattern: { op: ["Mul", "True_div"], as: "v" }, replace: ({ v }) => sinkSwitch(v) },
  // switch(c, a, b) op switch(c, d, e) = switch(c, a op d, b op e) (PyTensor's local_merge_switch_same_cond)
  {
    name: "switch(c, a, b) op switch(c, d, e) → switch(c, a op d, b op e)",
    pattern: {
      op: ["Add", "Sub", "Mul", "True_div"],
      args: [
        { op: "Switch", args: ["c", "a", "b"] },
        { op: "Switch", args: ["c", "d", "e"] },
      ],
      as: "v",
    },
    replace: ({ c, a, b, d, e, v }) => {
      const op = (v.owner!.op as Elemwise).scalar;
      return switchOp(c, elemwise(op, a, d), elemwise(op, b, e));
    },
  },
  // -switch(c, a, 0) = switch(c, -a, 0)
  {
    name: "neg(switch(c, a, 0)) → switch(c, neg(a), 0)",
    pattern: { op: "Neg", args: [{ op: "Switch", args: ["c", "a", { ...zero, as: "z" }] }] },
    replace: ({ c, a, z }) => switchOp(c, neg(a), z),
  },
  // -second(x, c) = second(x, -c)
  {
    name: "neg(second(x, c)) → second(x, -c)",
    pattern: { op: "Neg", args: [{ op: "Second", args: ["x", { constant: () => true, as: "c" }] }] },
    replace: ({ x, c }) => {
      const k = scalarConstant(c);
      const m = k === null ? null : scalarLike(-k, c);
      return m ? second(x, m) : null;
    },
  },
  // second(x, y) = y when y already has the shape of the result
  { name: "second(x, y) → y", pattern: { op: "Second", args: ["x", "y"] }, replace: ({ y }) => y },
  // x >= 0 is true for x known non-negative (exp, x², |x|, ...)
  {
    name: "ge(x, 0) → True for x >= 0",
    pattern: { op: "Ge", args: [{ var: "x", where: (x) => nonNegative(x) }, zero] },
    replace: ({ x }, v) => fillLike(v, 1, x),
  },
  // x > 0 is true for x known positive (exp(x), the scale of a log-transformed variable)
  {
    name: "gt(x, 0) → True for x > 0",
    pattern: { op: "Gt", args: [{ var: "x", where: (x) => positive(x) }, zero] },
    replace: ({ x }, v) => fillLike(v, 1, x),
  },
  // x <= 0 is false for x known positive
  {
    name: "le(x, 0) → False for x > 0",
    pattern: { op: "Le", args: [{ var: "x", where: (x) => positive(x) }, zero] },
    replace: ({ x }, v) => fillLike(v, 0, x),
  },
  // x == 0 is false for x known positive: xlogy's zero branch, switch(eq(exp(y), 0), ...), is for
  // an exact 0, not for exp(y) underflowing below y = -745 (where log(exp(y)) = y stays finite)
  {
    name: "eq(x, 0) → False for x > 0",
    pattern: { op: "Eq", args: [{ var: "x", where: (x) => positive(x) }, zero] },
    replace: ({ x }, v) => fillLike(v, 0, x),
  },
  {
    name: "neq(x, 0) → True for x > 0",
    pattern: { op: "Neq", args: [{ var: "x", where: (x) => positive(x) }, zero] },
    replace: ({ x }, v) => fillLike(v, 1, x),
  },
  // x < 0 is false for x known non-negative
  {
    name: "lt(x, 0) → False for x >= 0",
    pattern: { op: "Lt", args: [{ var: "x", where: (x) => nonNegative(x) }, zero] },
    replace: ({ x }, v) => fillLike(v, 0, x),
  },
  // all(fill(x, c)) = c != 0: every element is c
  {
    name: "all(fill(x, c)) → c != 0",
    pattern: { op: "All", args: [{ op: "Second", args: ["x", { constant: () => true, as: "c" }] }], as: "v" },
    replace: ({ c }, v) => (v.ndim === 0 ? constant(uniformValue(c) !== 0, null, "bool") : null),
  },
  // sigmoid(x) <= 1 always (the check Bernoulli(logit_p) makes of its probability)
  {
    name: "le(sigmoid(x), 1) → True",
    pattern: { op: "Le", args: [{ op: "Sigmoid", args: ["x"], as: "s" }, { constant: 1 }] },
    replace: ({ s }, v) => fillLike(v, 1, s),
  },
  // sigmoid(x) < 1 too, though it rounds to 1 from x = 37 on: the support check of a variable on
  // (0, 1) sampled on the logodds scale (LogitNormal's value >= 1) is no reason for -inf there
  {
    name: "ge(sigmoid(x), 1) → False",
    pattern: { op: "Ge", args: [{ op: "Sigmoid", args: ["x"], as: "s" }, { constant: 1 }] },
    replace: ({ s }, v) => fillLike(v, 0, s),
  },
  // a and True = a
  { name: "and(a, True) → a", pattern: { op: "AND", args: ["a", { constant: 1 }], commute: true }, replace: ({ a }) => a },
  // a and False = False
  { name: "and(a, False) → False", pattern: { op: "AND", args: ["a", { constant: 0 }], commute: true }, replace: ({ a }, v) => fillLike(v, 0, a) },
  // DimShuffle(DimShuffle(x)) = one DimShuffle, or x when they undo each other
  {
    name: "dimshuffle(dimshuffle(x)) → dimshuffle(x)",
    pattern: { op: DIMSHUFFLES, args: [{ op: DIMSHUFFLES, args: ["x"] }], as: "v" },
    replace: ({ x, v }) => {
      const outer = v.owner!.op as DimShuffle;
      const inner = v.owner!.inputs[0].owner!.op as DimShuffle;
      if (!(outer instanceof DimShuffle) || !(inner instanceof DimShuffle)) return null;
      const order: ShuffleEntry[] = outer.order.map((o) => (o === "x" ? "x" : inner.order[o]));
      if (order.length === x.ndim && order.every((o, i) => o === i)) return x;
      return new DimShuffle(x.ndim, order).makeNode(x).outputs[0];
    },
  },
  // x[i] of a stack of scalars is its i-th entry
  {
    name: "subtensor(make_vector(...), i) → entry i",
    pattern: { op: "Subtensor", args: [{ op: "MakeVector", as: "m" }], as: "v" },
    replace: ({ m, v }) => {
      const i = singleIndex(v);
      return i === null ? null : (m.owner!.inputs[i] ?? null);
    },
  },
  // x[i] of expand_dims(s) is s
  {
    name: "subtensor(expand_dims(s), 0) → s",
    pattern: { op: "Subtensor", args: [{ op: "ExpandDims", args: ["s"] }], as: "v" },
    replace: ({ s, v }) => (v.ndim === 0 && s.ndim === 0 && singleIndex(v) === 0 ? s : null),
  },
  // an entry of second(x, c) is c, for a broadcast scalar c
  {
    name: "subtensor(second(x, c)) → c",
    pattern: { op: "Subtensor", args: [{ op: "Second", args: ["x", "y"] }], as: "v" },
    replace: ({ x, y, v }) => {
      const k = scalarConstant(y);
      const s = k !== null ? scalarLike(k, y) : scalarUnderViews(y);
      if (!s) return null;
      if (v.ndim === 0) return s;
      const sub = new Subtensor((v.owner!.op as Subtensor).entries).makeNode(x).outputs[0];
      return second(sub, s);
    },
  },
  // An elementwise op on broadcast scalars is a scalar op, broadcast (PyTensor's local_dimshuffle_lift):
  // the gradient's sqr(expand_dims(sigma)) becomes expand_dims(sqr(sigma)), computed as a number.
  {
    name: "elemwise(expand_dims(a), ...) → expand_dims(elemwise(a, ...))",
    pattern: { op: "*", as: "v", where: (v) => v.ndim > 0 && v.owner!.op instanceof Elemwise && v.type.shape.every((d) => d === 1) },
    replace: ({ v }) => {
      const scalars: Variable[] = [];
      for (const x of v.owner!.inputs) {
        const k = scalarConstant(x);
        const s = k !== null ? scalarLike(k, x) : scalarUnderViews(x);
        if (!s) return null;
        scalars.push(s);
      }
      if (scalars.every((s, i) => s === v.owner!.inputs[i])) return null;
      const scalar = elemwise((v.owner!.op as Elemwise).scalar, ...scalars);
      return expandDims(scalar, [...Array(v.ndim).keys()]);
    },
  },
  // The length of an axis is read off the nearest input that has it (PyTensor's ShapeFeature): the
  // size of an elementwise result never needs the result itself.
  {
    name: "shape_i(elemwise(x, ...)) → shape_i(x)",
    pattern: { op: "Shape_i", as: "v" },
    replace: ({ v }) => {
      const k = (v.owner!.op as ShapeI).i;
      const x = v.owner!.inputs[0];
      const node = x.owner;
      if (!node) return null;
      if (node.op instanceof Elemwise) {
        const from = node.inputs.find((i) => i.type.shape[k] !== 1);
        return from ? shapeI(from, k) : null;
      }
      if (node.op instanceof DimShuffle && node.op.order[k] !== "x") return shapeI(node.inputs[0], node.op.order[k] as number);
      if (node.op instanceof AdvancedSubtensor1) return k === 0 ? shapeI(node.inputs[1], 0) : shapeI(node.inputs[0], k);
      return null;
    },
  },
  // sum(make_vector(a, b, c)) = a + b + c
  {
    name: "sum(make_vector(...)) → add",
    pattern: { op: "Sum", args: [{ op: "MakeVector", as: "m" }] },
    replace: ({ m }) => {
      const xs = m.owner!.inputs;
      if (!(m.owner!.op instanceof MakeVector) || !xs.length) return null;
      return xs.reduce((a, b) => add(a, b));
    },
  },
  // all(make_vector(a, b)) = a and b
  {
    name: "all(make_vector(...)) → and",
    pattern: { op: "All", args: [{ op: "MakeVector", as: "m" }] },
    replace: ({ m }) => {
      const xs = m.owner!.inputs;
      return xs.length && xs.every((x) => x.dtype === "bool") ? xs.reduce((a, b) => and(a, b)) : null;
    },
  },
  // a reduction over unit dims only drops them: sum(expand_dims(s)) = s, all(b) = b for a scalar b
  {
    name: "reduce over unit dims → drop_dims",
    pattern: { op: REDUCTIONS, as: "v" },
    replace: ({ v }) => {
      const x = v.owner!.inputs[0];
      const axes = reducedAxes(v);
      if (!axes.every((k) => x.type.shape[k] === 1)) return null;
      return axes.length ? dropDims(x, axes) : x;
    },
  },
];
