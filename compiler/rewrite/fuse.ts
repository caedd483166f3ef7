// Elementwise fusion: chains of elementwise ops over the same iteration space become one
// Composite (one loop, intermediates as loop-local scalars), and a full sum of an elementwise
// expression becomes a Composite that accumulates in the loop instead of storing the array.
import { Apply, Constant, Variable } from "../graph/basic.js";
import { TensorType } from "../graph/type.js";
import { toposort } from "../graph/traversal.js";
import { Composite, type InnerNode } from "../ops/composite.js";
import { DimShuffle } from "../ops/dimshuffle.js";
import { Elemwise } from "../ops/elemwise.js";
import { Reduce } from "../ops/reduce.js";
import { dotTransposed } from "../ops/blas.js";
import type { Rule } from "./pattern.js";

const sameShape = (a: Variable, b: Variable) =>
  a.ndim === b.ndim && a.type.shape.every((d, k) => d === b.type.shape[k]);

/**
 * The scalar behind a value that only broadcasts one number: an ExpandDims of a rank-0 value, or a
 * constant with a single element. The loop reads it directly instead of through an array.
 */
function broadcastScalar(v: Variable): Variable | null {
  const op = v.owner?.op;
  if (op instanceof DimShuffle && op.isExpandOnly && v.owner!.inputs[0].ndim === 0) return v.owner!.inputs[0];
  if (v instanceof Constant && v.ndim > 0 && v.data.length === 1) return new Constant(new TensorType(v.dtype, []), v.data);
  return null;
}

/**
 * An elementwise node over arrays of more than one element (rank-0 elementwise is already
 * straight-line scalar code, and a one-element array gains nothing from a loop).
 */
const isArrayElemwise = (n: Apply | null): n is Apply =>
  !!n && n.op instanceof Elemwise && n.outputs[0].type.shape.some((d) => d !== 1);

interface Group {
  root: Apply;
  /** Members in topological order. */
  members: Apply[];
}

/** Grow a group from `root` over producers that only feed the group and share its iteration space. */
function growGroup(root: Apply, clients: Map<Variable, Apply[]>, outputs: Set<Variable>, taken: Set<Apply>): Group {
  const members = new Set<Apply>([root]);
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    for (const v of n.inputs) {
      const p = v.owner;
      if (!isArrayElemwise(p) || members.has(p) || taken.has(p) || outputs.has(v)) continue;
      if (!sameShape(p.outputs[0], root.outputs[0])) continue;
      if (!(clients.get(v) ?? []).every((c) => members.has(c))) continue;
      members.add(p);
      stack.push(p);
    }
  }
  return { root, members: [...members] };
}

/** Build the Composite for a group: external inputs (scalars read directly) and the inner graph. */
function compositeOf(group: Group, order: Map<Apply, number>, reduce: "none" | "sum", mapped: (v: Variable) => Variable) {
  const members = [...group.members].sort((a, b) => order.get(a)! - order.get(b)!);
  const inside = new Set(members);
  const inputs: Variable[] = [];
  const inputIndex = new Map<Variable, number>();
  const sources = new Map<Variable, Variable>();
  const inputOf = (v: Variable): number => {
    let source = sources.get(v);
    if (!source) sources.set(v, (source = mapped(broadcastScalar(v) ?? v)));
    let i = inputIndex.get(source);
    if (i === undefined) {
      i = inputs.length;
      inputs.push(source);
      inputIndex.set(source, i);
    }
    return i;
  };
  // External inputs first, so that inner node values are numbered after them.
  for (const n of members) for (const v of n.inputs) if (!(v.owner && inside.has(v.owner))) inputOf(v);
  const nIn = inputs.length;
  const nodeIndex = new Map<Apply, number>();
  const nodes: InnerNode[] = [];
  for (const n of members) {
    const args = n.inputs.map((v) => (v.owner && inside.has(v.owner) ? nIn + nodeIndex.get(v.owner)! : inputOf(v)));
    nodeIndex.set(n, nodes.length);
    nodes.push({ op: (n.op as Elemwise).scalar, args });
  }
  if (inputs.length !== nIn) throw new Error("fuse: inputs changed while numbering the inner graph");
  const op = new Composite({ nIn, nodes, outputs: [nIn + nodeIndex.get(group.root)!], reduce });
  return op.makeNode(...inputs).outputs[0];
}

/** dot(transpose(A), v) → DotTransposed(A, v): the gradient of X @ beta reads X in place. */
export const blasRules: Rule[] = [
  {
    name: "dot(transpose(A), v) → DotTransposed(A, v)",
    pattern: { op: "Dot", args: [{ op: "Transpose", args: ["A"] }, "v"] },
    replace: ({ A, v }) => (A.ndim === 2 && v.ndim === 1 ? dotTransposed(A, v) : null),
  },
];

/** Fuse the elementwise parts of `outputs` into Composites. Pure: returns new outputs. */
export function fuseElemwise(outputs: readonly Variable[]): Variable[] {
  const nodes = toposort(outputs);
  const order = new Map(nodes.map((n, i) => [n, i]));
  const clients = new Map<Variable, Apply[]>();
  for (const n of nodes) for (const v of n.inputs) clients.set(v, [...(clients.get(v) ?? []), n]);
  const outSet = new Set(outputs);

  // Choose the groups, from the outputs back.
  const taken = new Set<Apply>();
  const groups = new Map<Apply, { group: Group; sum: Apply | null }>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const root = nodes[i];
    if (taken.has(root) || !isArrayElemwise(root)) continue;
    const group = growGroup(root, clients, outSet, taken);
    const out = root.outputs[0];
    const users = clients.get(out) ?? [];
    // A full sum that is the group's only user: accumulate in the loop instead of storing.
    const user = users.length === 1 && !outSet.has(out) ? users[0] : null;
    const sum = user && user.op instanceof Reduce && user.op.kind === "sum" && user.outputs[0].ndim === 0 && out.dtype === "float64" ? user : null;
    if (!sum && group.members.length < 2) continue;
    group.members.forEach((m) => taken.add(m));
    groups.set(sum ?? root, { group, sum });
  }
  if (!groups.size) return [...outputs];

  // Rebuild in order: members vanish into their Composite, everything else is re-linked.
  const memo = new Map<Variable, Variable>();
  const mapped = (v: Variable) => memo.get(v) ?? v;
  for (const n of nodes) {
    const fusion = groups.get(n);
    if (fusion) {
      const fused = compositeOf(fusion.group, order, fusion.sum ? "sum" : "none", mapped);
      fused.name = n.outputs[0].name;
      memo.set(n.outputs[0], fused);
      continue;
    }
    if (taken.has(n)) continue;
    const inputs = n.inputs.map(mapped);
    if (inputs.every((v, i) => v === n.inputs[i])) continue;
    const rebuilt = n.op.makeNode(...inputs);
    rebuilt.outputs.forEach((o, i) => {
      o.name = n.outputs[i].name;
      memo.set(n.outputs[i], o);
    });
  }
  return outputs.map(mapped);
}
