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
  // Left to right with an explicit stack (a sum may be long); `after` is a term to add once the
  // terms pushed after it are out (a scatter's own values come after those of its base).
  const stack: (Term | { after: Term })[] = [{ sign, v }];
  while (stack.length) {
    const top = stack.pop()!;
    if ("after" in top) {
      out.push(top.after);
      continue;
    }
    const { sign: s, v: x } = top;
    const node = x.owner;
    const name = node && sameShape(x, like) ? opName(node) : "";
    const flip = -s as 1 | -1;
    if (name === "Add") for (let i = node!.inputs.length - 1; i >= 0; i--) stack.push({ sign: s, v: node!.inputs[i] });
    else if (name === "Sub") stack.push({ sign: flip, v: node!.inputs[1] }, { sign: s, v: node!.inputs[0] });
    else if (name === "Neg") stack.push({ sign: flip, v: node!.inputs[0] });
    else if (node?.op instanceof AdvancedIncSubtensor1 && node.inputs[1].ndim === 1 && uniformValue(node.inputs[0]) !== 0) {
      const own = new AdvancedIncSubtensor1().makeNode(zeros(like), node.inputs[1], node.inputs[2]).outputs[0];
      stack.push({ after: { sign: s, v: own } }, { sign: s, v: node.inputs[0] });
    } else if (uniformValue(x) !== 0) out.push(top);
  }
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

/** Whether `terms` of a sum finds a scatter, kept per Add, Sub and Neg node (graphs are immutable). */
const scatterBelow = new WeakMap<Variable, boolean>();

const isSumNode = (x: Variable) => x.owner !== null && ["Add", "Sub", "Neg"].includes(opName(x.owner));

/** A term `terms` stops at that is a scatter, or a scatter into something else (taken apart there). */
function scatterTerm(x: Variable): boolean {
  const node = x.owner;
  const onBase = node?.op instanceof AdvancedIncSubtensor1 && node.inputs[1].ndim === 1 && uniformValue(node.inputs[0]) !== 0;
  return onBase || scatterOnZeros(x) !== null;
}

/**
 * Whether the sum `v` (an Add, Sub or Neg) has a scatter among its terms, without listing them: the
 * rule runs at every Add and Sub, and listing the terms of each node of a long sum (a gradient adding
 * up the steps of an unrolled loop) would make it quadratic. `terms` walks through the same nodes:
 * sums of the shape of the one above.
 */
function hasScatterTerm(v: Variable): boolean {
  const walked = (c: Variable, x: Variable) => isSumNode(c) && sameShape(c, x);
  const stack = [v];
  while (stack.length) {
    const x = stack[stack.length - 1];
    if (scatterBelow.has(x)) {
      stack.pop();
      continue;
    }
    const inputs = x.owner!.inputs;
    const pending = inputs.filter((c) => walked(c, x) && !scatterBelow.has(c));
    if (pending.length) {
      stack.push(...pending);
      continue;
    }
    scatterBelow.set(
      x,
      inputs.some((c) => (walked(c, x) ? scatterBelow.get(c) : scatterTerm(c))),
    );
    stack.pop();
  }
  return scatterBelow.get(v)!;
}

/** Σ ± s_k · scatter(0, y_k, i_k) + rest → scatter(... scatter(rest, ± s_1 y_1, i_1) ..., ± s_n y_n, i_n). */
function serialize(v: Variable): Variable | null {
  if (v.dtype !== "float64" || v.ndim !== 1 || v.type.shape[0] === null) return null;
  if (!hasScatterTerm(v)) return null;
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
