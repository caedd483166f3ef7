// Sums of scatters, serialized (PyTensor's local_IncSubtensor_serialize, for the hot graphs): the
// gradient of a gather is a scatter into zeros, so a value read at several places (a random walk's
// x[1:] - x[:-1] reads x twice) gets a gradient that is a sum of scatters, each into its own
// vector of zeros, scaled and added up in passes of their own. As one chain, every scatter adds
// its (scaled) values into the vector of the one before, starting from the sum of the other
// terms; fusion (compiler/rewrite/fuse.ts) then writes the chain into one buffer in one loop.
// A hot form only: the canonical phases pull scalars out of scatters (reductions.ts), this puts
// them back in, after every canonical rewrite has run.
import { Constant, type Variable } from "../graph/basic.js";
import { add, mul, neg, sub } from "../ops/elemwise.js";
import { AdvancedIncSubtensor1 } from "../ops/subtensor.js";
import { opName, uniformValue, type Rule } from "./pattern.js";

interface Term {
  sign: 1 | -1;
  v: Variable;
}

/**
 * The signed terms of a tree of Add, Sub and Neg of one shape (no broadcasting inside it); a
 * scatter into something other than zeros counts as that something plus a scatter into zeros (so
 * that a chain already made is taken apart and joined to the other terms).
 */
function terms(v: Variable, sign: 1 | -1, like: Variable, out: Term[]): void {
  const node = v.owner;
  const name = node && sameShape(v, like) ? opName(node) : "";
  if (name === "Add") for (const i of node!.inputs) terms(i, sign, like, out);
  else if (name === "Sub") terms(node!.inputs[0], sign, like, out), terms(node!.inputs[1], -sign as 1 | -1, like, out);
  else if (name === "Neg") terms(node!.inputs[0], -sign as 1 | -1, like, out);
  else if (node?.op instanceof AdvancedIncSubtensor1 && node.inputs[1].ndim === 1 && uniformValue(node.inputs[0]) !== 0) {
    terms(node.inputs[0], sign, like, out);
    out.push({ sign, v: new AdvancedIncSubtensor1().makeNode(zeros(like), node.inputs[1], node.inputs[2]).outputs[0] });
  } else if (uniformValue(v) !== 0) out.push({ sign, v });
}

/** A zero vector of `like`'s static shape (a hot graph's constant: emitted as an allocation, not digits). */
const zeros = (like: Variable): Variable => new Constant(like.type, new Float64Array(like.type.shape[0]!));

const sameShape = (a: Variable, b: Variable) => a.ndim === b.ndim && a.type.shape.every((d, k) => d !== null && d === b.type.shape[k]);

/** A broadcast factor: rank 0, or every dim 1. */
const broadcastFactor = (v: Variable) => v.type.shape.every((d) => d === 1);

/** scatter(0, y, i) or scatter(0, y, i) · s for a broadcast s: the zeros, the values to add, their index. */
function scatterOnZeros(v: Variable): { zeros: Variable; values: Variable; index: Variable; factor: Variable | null } | null {
  const node = v.owner;
  if (!node) return null;
  if (node.op instanceof AdvancedIncSubtensor1) {
    const [zeros, values, index] = node.inputs;
    return uniformValue(zeros) === 0 && values.ndim === 1 ? { zeros, values, index, factor: null } : null;
  }
  if (opName(node) !== "Mul" || node.inputs.length !== 2) return null;
  for (const [k, f] of node.inputs.entries()) {
    const inner = broadcastFactor(f) ? scatterOnZeros(node.inputs[1 - k]) : null;
    if (inner && !inner.factor) return { ...inner, factor: f };
  }
  return null;
}

/** Σ ± s_k · scatter(0, y_k, i_k) + rest → scatter(... scatter(rest, ± s_1 y_1, i_1) ..., ± s_n y_n, i_n). */
function serialize(v: Variable): Variable | null {
  if (v.dtype !== "float64" || v.ndim !== 1 || v.type.shape[0] === null) return null;
  const all: Term[] = [];
  terms(v, 1, v, all);
  if (!all.every((t) => sameShape(t.v, v))) return null;
  const scatters = all.map((t) => ({ t, s: scatterOnZeros(t.v) }));
  const chain = scatters.filter((x) => x.s !== null);
  const rest = scatters.filter((x) => x.s === null).map((x) => x.t);
  if (chain.length === 0 || chain.length + rest.length < 2) return null;
  // The other terms, summed, are where the chain starts (the first scatter's zeros when there are none).
  let acc: Variable | null = null;
  for (const t of rest) acc = acc === null ? (t.sign < 0 ? neg(t.v) : t.v) : t.sign < 0 ? sub(acc, t.v) : add(acc, t.v);
  for (const { t, s } of chain) {
    const { zeros, values, index, factor } = s!;
    // The sign goes on the broadcast factor (once), not on every value.
    const scaled = factor ? mul(values, t.sign < 0 ? neg(factor) : factor) : t.sign < 0 ? neg(values) : values;
    acc = new AdvancedIncSubtensor1().makeNode(acc ?? zeros, scaled, index).outputs[0];
  }
  return acc;
}

/** second(x, 0) of a static shape: the zeros as a constant, not a loop that reads x to write them. */
function zerosOfStaticShape(v: Variable): Variable | null {
  const size = v.type.shape.reduce<number>((a, d) => a * (d ?? NaN), 1);
  if (!(size > 0 && size <= 1 << 20) || uniformValue(v.owner!.inputs[1]) !== 0) return null;
  return new Constant(v.type, new Float64Array(size));
}

export const scatterSums: Rule[] = [
  { name: "second(x, 0) → zeros of x's static shape", pattern: { op: "Second", as: "v" }, replace: ({ v }) => zerosOfStaticShape(v) },
  { name: "Σ ± s·scatter(0, y, i) + r → scatter(scatter(r, ±s·y, i), ...)", pattern: { op: "Add", as: "v" }, replace: ({ v }) => serialize(v) },
  { name: "Σ ± s·scatter(0, y, i) - r → scatter(scatter(-r, ±s·y, i), ...)", pattern: { op: "Sub", as: "v" }, replace: ({ v }) => serialize(v) },
];
