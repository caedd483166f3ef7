// Elementwise fusion: every elementwise op and full sum over one iteration space goes into one
// Composite loop (intermediates as loop-local scalars, sums accumulated on the fly), as far as
// the data dependencies allow. And one BLAS specialisation that the gradient of X @ beta needs.
import { type Apply, Constant, type Variable } from "../graph/basic.js";
import { TensorType } from "../graph/type.js";
import { toposort } from "../graph/traversal.js";
import { Composite, type ChainedScatter, type InnerNode, type OutputMode } from "../ops/composite.js";
import { DimShuffle } from "../ops/dimshuffle.js";
import { Elemwise } from "../ops/elemwise.js";
import { Reduce } from "../ops/reduce.js";
import { Dot, DotTransposed, dotTransposed } from "../ops/blas.js";
import { AdvancedIncSubtensor1, AdvancedSubtensor1 } from "../ops/subtensor.js";
import type { Rule } from "./pattern.js";

/** dot(transpose(A), v) → DotTransposed(A, v): the gradient of X @ beta reads X in place. */
export const blasRules: Rule[] = [
  {
    name: "dot(transpose(A), v) → DotTransposed(A, v)",
    pattern: { op: "Dot", args: [{ op: "Transpose", args: ["A"] }, "v"] },
    replace: ({ A, v }) => (A.ndim === 2 && v.ndim === 1 ? dotTransposed(A, v) : null),
  },
];

/**
 * The scalar behind a value that only broadcasts one number: an ExpandDims of a rank-0 value, or a
 * constant with a single element. The loop reads it directly instead of through an array.
 */
function asLoopScalar(v: Variable): Variable | null {
  const op = v.owner?.op;
  if (op instanceof DimShuffle && op.isExpandOnly && v.owner!.inputs[0].ndim === 0) return v.owner!.inputs[0];
  if (v instanceof Constant && v.ndim > 0 && v.data.length === 1) return new Constant(new TensorType(v.dtype, []), v.data);
  return null;
}

const oneElement = (v: Variable) => v.type.shape.every((d) => d === 1);

/** An elementwise node over arrays of more than one element: a loop body. */
const isLoopElemwise = (n: Apply) => n.op instanceof Elemwise && !oneElement(n.outputs[0]);

/** A matrix–vector product: row i of the matrix times the vector is the loop's i-th value. */
const isLoopDot = (n: Apply) => n.op instanceof Dot && n.inputs[0].ndim === 2 && n.inputs[1].ndim === 1 && !oneElement(n.outputs[0]);

/** transpose(M) · g for a loop vector g: accumulated row by row into a small vector. */
const isLoopDotT = (n: Apply) => n.op instanceof DotTransposed && !oneElement(n.inputs[1]);

/** vector[index] for a loop-long integer index: a gather inside the loop. */
const isLoopTake = (n: Apply) => n.op instanceof AdvancedSubtensor1 && n.inputs[0].ndim === 1 && !oneElement(n.outputs[0]);

/** zeros with loop values added at index[i] (the gradient of a gather): a scatter inside the loop. */
const isLoopScatter = (n: Apply) => n.op instanceof AdvancedIncSubtensor1 && n.inputs[0].ndim === 1 && n.inputs[1].ndim === 1 && !oneElement(n.inputs[1]);

/**
 * A scatter into the result of another scatter that nothing else reads: both write one vector in
 * one loop (the gradient of a walk's x[1:] - x[:-1] scatters into x twice).
 */
const chainedBase = (n: Apply, soleReader: (v: Variable) => boolean): Apply | null => {
  const base = n.inputs[0].owner;
  return isLoopScatter(n) && base && isLoopScatter(base) && soleReader(n.inputs[0]) ? base : null;
};

/** A value computed once per element of the loop (stored when something outside reads it). */
const isLoopValue = (n: Apply) => isLoopElemwise(n) || isLoopDot(n) || isLoopTake(n);

/** Inputs a loop node reads whole (never element by element): they cannot come from that loop. */
const wholeInputsOf = (n: Apply): Variable[] =>
  isLoopDot(n) || isLoopTake(n) ? n.inputs : isLoopDotT(n) ? [n.inputs[0]] : isLoopScatter(n) ? [n.inputs[0], n.inputs[2]] : [];

/** A full sum of an array (accumulated in the loop that computes the array). */
const isLoopSum = (n: Apply) =>
  n.op instanceof Reduce &&
  n.outputs[0].ndim === 0 &&
  n.inputs[0].ndim > 0 &&
  !oneElement(n.inputs[0]) &&
  ((n.op.kind === "sum" && n.outputs[0].dtype === "float64") || n.op.kind === "all");

/**
 * Iteration spaces: arrays of the same fully known shape share one; arrays with unknown dims share
 * one when an elementwise op ties them together (they must then agree at run time anyway).
 */
function iterationSpaces(nodes: Apply[]): (v: Variable) => string {
  const parent = new Map<Variable, Variable>();
  const find = (v: Variable): Variable => {
    let r = v;
    while (parent.has(r)) r = parent.get(r)!;
    // Every variable on the way now points at the root: a long chain is walked once, not per lookup.
    for (let x = v; x !== r; ) {
      const next = parent.get(x)!;
      parent.set(x, r);
      x = next;
    }
    return r;
  };
  for (const n of nodes) {
    if (!isLoopElemwise(n)) continue;
    const out = n.outputs[0];
    for (const v of n.inputs) {
      const full = v.ndim === out.ndim && v.type.shape.every((d, k) => d !== 1 || out.type.shape[k] === 1);
      if (full && find(v) !== find(out)) parent.set(find(v), find(out));
    }
  }
  return (v) => (v.type.shape.every((d) => d !== null) ? `static:${v.type.shape.join("x")}` : `dynamic:${find(v).id}`);
}

interface Group {
  readonly space: string;
  readonly members: Apply[];
}

/**
 * Fuse the elementwise parts of `outputs`: every elementwise op and full sum over one iteration
 * space goes into one Composite loop, as long as no value the loop needs is computed from the
 * loop itself. A value used outside the loop is stored; a sum is accumulated in the loop. Pure.
 */
export function fuseElemwise(outputs: readonly Variable[]): Variable[] {
  const nodes = toposort(outputs);
  const readers = new Map<Variable, number>();
  for (const n of nodes) for (const v of n.inputs) readers.set(v, (readers.get(v) ?? 0) + 1);
  const outSet = new Set(outputs);
  const soleReader = (v: Variable) => readers.get(v) === 1 && !outSet.has(v);
  const { groups, groupOf } = loopGroups(nodes, soleReader);
  // A lone op stays itself (a loop of one op gains nothing); sums always fuse.
  const fused = new Set(groups.filter((g) => g.members.some(isLoopSum) || (g.members.length >= 2 && g.members.some((m) => isLoopElemwise(m) || isLoopSum(m)))));
  const rebuild = new FusedRebuild(nodes, outputs, groupOf, fused, soleReader);
  try {
    return outputs.map((v) => rebuild.mapped(v));
  } catch (e) {
    // A loop would need its own results (a dependency the grouping did not see): keep the graph
    // unfused, which is always correct, rather than emit a wrong schedule.
    if (e instanceof FusionCycle) return [...outputs];
    throw e;
  }
}

/** The nodes that can share a loop, grouped by iteration space in topological order. */
function loopGroups(nodes: Apply[], soleReader: (v: Variable) => boolean): { groups: Group[]; groupOf: Map<Apply, Group> } {
  const spaceOf = iterationSpaces(nodes);
  const groupOf = new Map<Apply, Group>();
  // The loops a value depends on through something outside them: a loop that a value depends on
  // this way cannot take in the value's readers (it would have to be finished before it starts).
  // Only a space's open loop can take in more, so only open loops are kept: the sets stay as small
  // as the number of spaces (all the loops of a long chain would make the pass quadratic).
  const through = new Map<Variable, Set<Group>>();
  const open = new Map<string, Group>();
  const isOpen = (g: Group) => open.get(g.space) === g;
  const groups: Group[] = [];
  const direct = (v: Variable) => (v.owner ? (groupOf.get(v.owner) ?? null) : null);
  const dependsOn = (v: Variable, g: Group) => through.get(v)?.has(g) ?? false;
  for (const n of nodes) {
    let g: Group | undefined;
    if (isLoopValue(n) || isLoopSum(n) || isLoopDotT(n) || isLoopScatter(n)) {
      const space = spaceOf(isLoopSum(n) ? n.inputs[0] : isLoopDotT(n) || isLoopScatter(n) ? n.inputs[1] : n.outputs[0]);
      g = open.get(space);
      // Joining would make the loop read a value computed from its own results: start another.
      if (g && n.inputs.some((v) => dependsOn(v, g!))) g = undefined;
      // Matrices, vectors and indices read whole cannot come from the loop itself (but a scatter
      // may add into the vector of a scatter of the same loop).
      const chained = g && chainedBase(n, soleReader) && direct(n.inputs[0]) === g ? n.inputs[0] : null;
      if (g && wholeInputsOf(n).some((v) => v !== chained && direct(v) === g)) g = undefined;
      if (!g) {
        g = { space, members: [] };
        groups.push(g);
        open.set(space, g);
      }
      g.members.push(n);
      groupOf.set(n, g);
    }
    const deps = new Set<Group>();
    for (const v of n.inputs) {
      through.get(v)?.forEach((x) => isOpen(x) && deps.add(x));
      const d = direct(v);
      if (d && d !== g && isOpen(d)) deps.add(d);
    }
    n.outputs.forEach((o) => through.set(o, deps));
  }
  return { groups, groupOf };
}

/**
 * The graph rebuilt from the outputs, each fused loop built the first time one of its values is
 * needed. The walk keeps its own stack (a deep graph would overflow the call stack): a variable
 * waits on the stack until what it reads is rebuilt, then is rebuilt itself.
 */
class FusedRebuild {
  private readonly order: Map<Apply, number>;
  private readonly clients = new Map<Variable, Apply[]>();
  private readonly outSet: Set<Variable>;
  private readonly memo = new Map<Variable, Variable>();
  private readonly built = new Set<Group>();
  /** Loops whose inputs are being rebuilt: one of their own values needed now is a cycle. */
  private readonly building = new Set<Group>();

  constructor(
    nodes: Apply[],
    outputs: readonly Variable[],
    private readonly groupOf: Map<Apply, Group>,
    private readonly fused: Set<Group>,
    private readonly soleReader: (v: Variable) => boolean,
  ) {
    this.order = new Map(nodes.map((n, i) => [n, i]));
    for (const n of nodes) {
      for (const v of n.inputs) {
        const list = this.clients.get(v);
        if (list) list.push(n);
        else this.clients.set(v, [n]);
      }
    }
    this.outSet = new Set(outputs);
  }

  mapped(v: Variable): Variable {
    // [variable, whether what it reads has been asked for]
    const stack: [Variable, boolean][] = [[v, false]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [x, expanded] = top;
      const node = x.owner;
      if (!node || this.memo.has(x)) {
        stack.pop();
        continue;
      }
      const g = this.groupOf.get(node);
      const loop = g && this.fused.has(g) ? g : null;
      if (loop && (this.built.has(loop) || (!expanded && this.building.has(loop)))) throw new FusionCycle();
      if (!expanded) {
        top[1] = true;
        if (loop) this.building.add(loop);
        const reads = loop ? this.loopReads(loop) : node.inputs;
        for (let i = reads.length - 1; i >= 0; i--) if (reads[i].owner && !this.memo.has(reads[i])) stack.push([reads[i], false]);
        continue;
      }
      stack.pop();
      if (loop) {
        this.building.delete(loop);
        this.buildGroup(loop);
        if (!this.memo.has(x)) throw new FusionCycle();
      } else this.rebuild(node);
    }
    return this.memo.get(v) ?? v;
  }

  /** A rebuilt variable (or a root); its node must have been rebuilt already. */
  private known(v: Variable): Variable {
    const r = this.memo.get(v);
    if (r) return r;
    if (v.owner) throw new Error(`fuse: ${v} is read before it is rebuilt`);
    return v;
  }

  /** A node outside the loops, on its rebuilt inputs (itself when none changed). */
  private rebuild(node: Apply): void {
    const inputs = node.inputs.map((x) => this.known(x));
    if (inputs.every((x, i) => x === node.inputs[i])) {
      node.outputs.forEach((o) => this.memo.set(o, o));
      return;
    }
    const rebuilt = node.op.makeNode(...inputs);
    rebuilt.outputs.forEach((o, i) => {
      o.name = node.outputs[i].name;
      this.memo.set(node.outputs[i], o);
    });
  }

  /** The members of a loop in graph order. */
  private membersOf(g: Group): Apply[] {
    return [...g.members].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
  }

  /** The variables a loop reads from outside (what its LoopInputs asks to have rebuilt). */
  private loopReads(g: Group): Variable[] {
    const reads: Variable[] = [];
    new LoopInputs(this.membersOf(g), (v) => (reads.push(v), v), this.soleReader);
    return reads;
  }

  private buildGroup(g: Group): void {
    this.built.add(g);
    const members = this.membersOf(g);
    const loop = new LoopInputs(members, (v) => this.known(v), this.soleReader);
    const nIn = loop.inputs.length;
    const value = new Map<Variable, number>();
    const inner: InnerNode[] = [];
    for (const n of members) {
      if (isLoopDot(n)) inner.push({ rowdot: true, args: [loop.wholeIndex.get(n.inputs[0])!, loop.wholeIndex.get(n.inputs[1])!] });
      else if (isLoopTake(n)) inner.push({ gather: true, args: [loop.wholeIndex.get(n.inputs[0])!, loop.wholeIndex.get(n.inputs[1])!] });
      else if (isLoopElemwise(n))
        inner.push({ op: (n.op as Elemwise).scalar, args: n.inputs.map((v) => (loop.internal(v) ? value.get(v)! : loop.inputOf(v))) });
      else continue;
      value.set(n.outputs[0], nIn + inner.length - 1);
    }
    const results = this.loopResults(members, loop, value);
    if (loop.inputs.length !== nIn) throw new Error("fuse: an input appeared after the inner graph was numbered");
    const op = new Composite({ nIn, nodes: inner, outputs: results.map((r) => r.index), reduce: results.map((r) => r.mode) });
    const node = op.makeNode(...loop.inputs);
    results.forEach((r, i) => {
      node.outputs[i].name = r.v.name;
      this.memo.set(r.v, node.outputs[i]);
    });
  }

  /** Stored: elementwise values used outside the loop. Summed: every full sum of the loop. */
  private loopResults(members: Apply[], loop: LoopInputs, value: Map<Variable, number>): { v: Variable; index: number; mode: OutputMode }[] {
    const results: { v: Variable; index: number; mode: OutputMode }[] = [];
    const indexOf = (v: Variable) => (loop.internal(v) ? value.get(v)! : loop.inputOf(v));
    for (const n of members) {
      const out = n.outputs[0];
      if (isLoopDotT(n)) {
        results.push({ v: out, index: indexOf(n.inputs[1]), mode: { rowacc: loop.wholeIndex.get(n.inputs[0])! } });
      } else if (isLoopScatter(n)) {
        if (loop.chained.has(n)) continue; // written with the first scatter of its chain
        const mode = { scatter: loop.wholeIndex.get(n.inputs[2])!, base: loop.wholeIndex.get(n.inputs[0])! };
        // The scatters that add into this one's vector, in order: one output, the last one's value.
        const chained: ChainedScatter[] = [];
        let last = n;
        for (let next = loop.chainedInto.get(last); next; next = loop.chainedInto.get(last)) {
          chained.push({ value: indexOf(next.inputs[1]), scatter: loop.wholeIndex.get(next.inputs[2])! });
          last = next;
        }
        results.push({ v: last.outputs[0], index: indexOf(n.inputs[1]), mode: chained.length ? { ...mode, chained } : mode });
      } else if (isLoopValue(n)) {
        if (this.outSet.has(out) || (this.clients.get(out) ?? []).some((c) => !loop.inside.has(c))) {
          results.push({ v: out, index: value.get(out)!, mode: "none" });
        }
      } else {
        const mode = (n.op as Reduce).kind === "all" ? "all" : "sum";
        results.push({ v: out, index: indexOf(n.inputs[0]), mode });
      }
    }
    return results;
  }
}

/**
 * A loop's external inputs, numbered first so that inner values come after them. Matrices and the
 * vectors they multiply are read whole (never replaced by a broadcast scalar).
 */
class LoopInputs {
  readonly inputs: Variable[] = [];
  readonly inside: Set<Apply>;
  readonly wholeIndex = new Map<Variable, number>();
  private readonly inputIndex = new Map<Variable, number>();
  private readonly sources = new Map<Variable, Variable>();

  /** A scatter whose vector a later scatter of the loop adds into, and that scatter ... */
  readonly chainedInto = new Map<Apply, Apply>();
  /** ... which is then one of these: they write into the first scatter's vector. */
  readonly chained = new Set<Apply>();

  constructor(
    members: Apply[],
    private readonly mapped: (v: Variable) => Variable,
    soleReader: (v: Variable) => boolean,
  ) {
    this.inside = new Set(members);
    for (const n of members) {
      const base = chainedBase(n, soleReader);
      if (base && this.inside.has(base)) this.chainedInto.set(base, n), this.chained.add(n);
    }
    for (const n of members) {
      if (isLoopDot(n) || isLoopTake(n)) n.inputs.forEach((v) => this.whole(v));
      else if (isLoopDotT(n)) {
        this.whole(n.inputs[0]);
        if (!this.internal(n.inputs[1])) this.inputOf(n.inputs[1]);
      } else if (isLoopScatter(n)) {
        if (!this.chained.has(n)) this.whole(n.inputs[0]);
        this.whole(n.inputs[2]);
        if (!this.internal(n.inputs[1])) this.inputOf(n.inputs[1]);
      } else for (const v of n.inputs) if (!this.internal(v)) this.inputOf(v);
    }
  }

  /** A value computed inside the loop (an elementwise member's output). */
  internal(v: Variable): boolean {
    return !!v.owner && this.inside.has(v.owner) && isLoopValue(v.owner);
  }

  /** The index of an input read element by element (a one-element broadcast read as its scalar). */
  inputOf(v: Variable): number {
    let source = this.sources.get(v);
    if (!source) this.sources.set(v, (source = this.mapped(asLoopScalar(v) ?? v)));
    let i = this.inputIndex.get(source);
    if (i === undefined) {
      i = this.inputs.length;
      this.inputs.push(source);
      this.inputIndex.set(source, i);
    }
    return i;
  }

  private whole(v: Variable): number {
    let i = this.wholeIndex.get(v);
    if (i === undefined) this.wholeIndex.set(v, (i = this.inputs.length)), this.inputs.push(this.mapped(v));
    return i;
  }
}

class FusionCycle extends Error {}
