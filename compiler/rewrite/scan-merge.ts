// A model's gradient runs two loops over the same steps: the forward loop (the logp's sum) and the
// backward one (the adjoints' sums). Where the backward loop has no true recurrence left, both
// become one loop, as a hand-written gradient makes one pass (PyTensor: scan_merge, and pushing
// constant carries out of the loop):
// 1. a state the step passes on unchanged (h_t = h_{t-1}: the carried adjoint of an accumulator)
//    is a non-sequence, its initial value;
// 2. a reverse loop whose only states are accumulators (acc_t = acc_{t-1} ± e_t, e_t not reading
//    any state) runs forward;
// 3. two loops over the same steps in the same direction, neither reading the other's outputs
//    (except the other's value at the same step), are one loop whose body is both bodies;
// 4. what a sum's terms share that the loop does not change moves out of it (Σ c·v_t = c·Σ v_t,
//    Σ w = n·w), and sums of the same v_t are one: the AR(1) gradient's loop keeps Σ r_t² and
//    Σ r_t·y_{t-1}, as the hand-written one does.
import { type Apply, Constant, Variable } from "../graph/basic.js";
import { cloneReplace, toposort } from "../graph/traversal.js";
import { constant } from "../ops/constant.js";
import { Elemwise, S, add, minimum, mul, neg, sub } from "../ops/elemwise.js";
import { type InnerStage, Scan, type ScanLayout } from "../ops/scan.js";
import { shapeI } from "../ops/shape.js";
import { rewrite } from "./pattern.js";

const STAGES: readonly InnerStage[] = ["built", "rewritten", "fused"];

/** `outputs` with constant states pushed out, accumulating reverse loops run forward, and loops over the same steps merged. */
export function mergeScans(outputs: Variable[]): Variable[] {
  let current = outputs;
  for (;;) {
    const nodes = toposort(current);
    const scans = nodes.filter((n) => n.op instanceof Scan);
    if (!scans.length) return current;
    let replace: Map<Variable, Variable> | null = null;
    for (const node of scans) {
      replace = withoutConstantStates(node) ?? forwardIfAccumulating(node);
      if (replace) break;
    }
    replace ??= mergeFirstPair(nodes, scans);
    for (const node of scans) replace ??= withFactoredSums(node);
    if (!replace) return current;
    current = cloneReplace(current, replace);
  }
}

/** The inner inputs by role. */
function innerRoles(op: Scan): { seqs: Variable[]; prevs: Variable[]; nonSeqs: Variable[] } {
  const { nSeqs } = op.layout;
  const ins = op.inner.inputs;
  return { seqs: ins.slice(0, nSeqs), prevs: ins.slice(nSeqs, nSeqs + op.nRec), nonSeqs: ins.slice(nSeqs + op.nRec) };
}

/** Per output, the position of its previous value among the states (-1: not recurrent). */
const stateIndex = (op: Scan) => op.layout.recurrent.map((r, k) => (r ? op.recurrentIndex(k) : -1));

/**
 * Output k = its own previous value at every step, kept last only: its value is its initial value,
 * which the body reads as a non-sequence (or as the constant it is, for the rewrites to fold).
 */
function withoutConstantStates(node: Apply): Map<Variable, Variable> | null {
  const op = node.op as Scan;
  const { layout, inner } = op;
  const { seqs, prevs, nonSeqs } = innerRoles(op);
  const outer = op.split(node.inputs);
  const at = stateIndex(op);
  const constant = inner.outputs.map((out, k) => at[k] >= 0 && layout.keep[k] === "last" && out === prevs[at[k]] && outer.inits[at[k]].dtype === out.dtype);
  if (!constant.some(Boolean)) return null;
  const stays = (k: number) => !constant[k];
  const keptStates = at.filter((r, k) => r >= 0 && stays(k));
  const gone = at.filter((_, k) => constant[k]);
  const folded = (r: number) => outer.inits[r] instanceof Constant && outer.inits[r].type.shape.join() === prevs[r].type.shape.join();
  const passed = gone.filter((r) => !folded(r));
  const body = inner.outputs.filter((_, k) => stays(k));
  const smaller = new Scan(
    {
      ...layout,
      recurrent: layout.recurrent.filter((_, k) => stays(k)),
      keep: layout.keep.filter((_, k) => stays(k)),
      lengthOf: layout.lengthOf?.filter((_, k) => stays(k)),
      // Appended after the non-sequences, so that `lagged` keeps its indices.
      nNonSeqs: layout.nNonSeqs + passed.length,
    },
    {
      inputs: [...seqs, ...keptStates.map((r) => prevs[r]), ...nonSeqs, ...passed.map((r) => prevs[r])],
      outputs: cloneReplace(body, new Map(gone.filter(folded).map((r) => [prevs[r], outer.inits[r]]))),
    },
    op.stage,
  );
  const results = smaller.makeNode(
    ...(outer.nSteps ? [outer.nSteps] : []),
    ...outer.seqs,
    ...keptStates.map((r) => outer.inits[r]),
    ...outer.nonSeqs,
    ...passed.map((r) => outer.inits[r]),
  ).outputs;
  let p = 0;
  return new Map(node.outputs.map((o, k) => [o, constant[k] ? outer.inits[at[k]] : results[p++]]));
}

/** The inner variables that depend on a state's previous value. */
function readingStates(op: Scan): Set<Variable> {
  const { prevs } = innerRoles(op);
  const reading = new Set<Variable>(prevs);
  for (const n of toposort(op.inner.outputs, new Set(op.inner.inputs))) {
    if (n.inputs.some((v) => reading.has(v))) n.outputs.forEach((o) => reading.add(o));
  }
  return reading;
}

/** acc ± e (acc first for a difference) with e not reading any state: a sum over the steps. */
function isAccumulation(out: Variable, prev: Variable, reading: Set<Variable>): boolean {
  const node = out.owner;
  if (!node || !(node.op instanceof Elemwise) || out.type.shape.join() !== prev.type.shape.join()) return false;
  const [a, b] = node.inputs;
  if (node.op.scalar === S.add) return (a === prev && !reading.has(b)) || (b === prev && !reading.has(a));
  return node.op.scalar === S.sub && a === prev && !reading.has(b);
}

/**
 * A reverse loop whose states are all accumulators kept last only, and whose other outputs read no
 * state, computes the same sums forward: each step's terms and stacked rows do not depend on the
 * order. The sums are added in the other order, so they may differ in the last bits from the
 * reverse loop's (the same rewrite runs ahead of time and in process, which stay bit-identical).
 */
function forwardIfAccumulating(node: Apply): Map<Variable, Variable> | null {
  const op = node.op as Scan;
  const { layout, inner } = op;
  if (!layout.reverse) return null;
  const { prevs } = innerRoles(op);
  const reading = readingStates(op);
  const at = stateIndex(op);
  const sums = inner.outputs.every((out, k) => (at[k] >= 0 ? layout.keep[k] === "last" && isAccumulation(out, prevs[at[k]], reading) : !reading.has(out)));
  if (!sums) return null;
  const forward = new Scan({ ...layout, reverse: false }, inner, op.stage).makeNode(...node.inputs).outputs;
  return new Map(node.outputs.map((o, k) => [o, forward[k]]));
}

/** The number of steps as a key: equal keys, equal counts (a number when static). */
function stepCountKey(node: Apply): string {
  const op = node.op as Scan;
  const { nSteps, seqs } = op.split(node.inputs);
  if (nSteps) return nSteps instanceof Constant ? String(nSteps.value) : `var ${nSteps.id}`;
  const lengths = seqs.map((s) => s.type.shape[0]);
  if (lengths.every((d) => d !== null)) return String(Math.min(...(lengths as number[])));
  return `min ${[...new Set(seqs.map((s) => s.id))].sort((a, b) => a - b).join(",")}`;
}

/** The variables computed from `node`'s outputs. */
function downstreamOf(node: Apply, nodes: Apply[]): Set<Variable> {
  const below = new Set<Variable>(node.outputs);
  for (const n of nodes) if (n.inputs.some((v) => below.has(v))) n.outputs.forEach((o) => below.add(o));
  return below;
}

/**
 * The sequences of `second` that are a stacked output of `first` read at the same step (their
 * output index), or null when `second` reads `first` in any other way.
 */
function sameStepReads(first: Apply, second: Apply, belowFirst: Set<Variable>): Map<number, number> | null {
  const F = first.op as Scan;
  const S2 = second.op as Scan;
  const outer = S2.split(second.inputs);
  const reads = new Map<number, number>();
  const { seqs } = innerRoles(S2);
  for (const [i, s] of outer.seqs.entries()) {
    const k = first.outputs.indexOf(s);
    const sameStep =
      k >= 0 &&
      F.layout.keep[k] === "all" &&
      (F.layout.lengthOf?.[k] ?? null) === null &&
      (S2.layout.lagged?.[i] ?? null) === null &&
      F.inner.outputs[k].dtype === seqs[i].dtype;
    if (sameStep) reads.set(i, k);
    else if (belowFirst.has(s)) return null;
  }
  const rest = [...(outer.nSteps ? [outer.nSteps] : []), ...outer.inits, ...outer.nonSeqs];
  return rest.some((v) => belowFirst.has(v)) ? null : reads;
}

/** The first two loops that can be one, merged. */
function mergeFirstPair(nodes: Apply[], scans: Apply[]): Map<Variable, Variable> | null {
  const keys = scans.map(stepCountKey);
  const below = new Map<Apply, Set<Variable>>();
  const belowOf = (n: Apply) => below.get(n) ?? below.set(n, downstreamOf(n, nodes)).get(n)!;
  for (let i = 0; i < scans.length; i++) {
    for (let j = i + 1; j < scans.length; j++) {
      const [a, b] = [scans[i], scans[j]];
      if (keys[i] !== keys[j] || (a.op as Scan).layout.reverse !== (b.op as Scan).layout.reverse) continue;
      // (toposort order: a never reads b)
      const reads = sameStepReads(a, b, belowOf(a));
      if (reads) return merge(a, b, reads);
    }
  }
  return null;
}

/** One loop running `first`'s body, then `second`'s, at each step; `reads`: see sameStepReads. */
function merge(first: Apply, second: Apply, reads: Map<number, number>): Map<Variable, Variable> {
  const A = first.op as Scan;
  const B = second.op as Scan;
  const outA = A.split(first.inputs);
  const outB = B.split(second.inputs);
  const inA = innerRoles(A);
  const inB = innerRoles(B);
  // B's inner inputs that stand for what A's already do: A's output at the step, or the same outer value.
  const shared = new Map<Variable, Variable>();
  const lagOf = (op: Scan, outer: Variable[], i: number) => {
    const j = op.layout.lagged?.[i] ?? null;
    return j === null ? null : outer[j];
  };
  const nonSeqAt = new Map<number, number>();
  const nonSeqs = [...outA.nonSeqs];
  const nonSeqIn = [...inA.nonSeqs];
  outB.nonSeqs.forEach((w, j) => {
    const same = outA.nonSeqs.indexOf(w);
    if (same >= 0) shared.set(inB.nonSeqs[j], inA.nonSeqs[same]);
    else {
      nonSeqs.push(w);
      nonSeqIn.push(inB.nonSeqs[j]);
    }
    nonSeqAt.set(j, same >= 0 ? same : nonSeqs.length - 1);
  });
  const seqAt = new Map<number, number | null>();
  const seqs = [...outA.seqs];
  const seqIn = [...inA.seqs];
  const lagged: (number | null)[] = outA.seqs.map((_, i) => A.layout.lagged?.[i] ?? null);
  outB.seqs.forEach((s, i) => {
    const k = reads.get(i);
    if (k !== undefined) {
      shared.set(inB.seqs[i], A.inner.outputs[k]);
      seqAt.set(i, null);
      return;
    }
    const lag = lagOf(B, outB.nonSeqs, i);
    const same = outA.seqs.findIndex((x, h) => x === s && lagOf(A, outA.nonSeqs, h) === lag);
    if (same >= 0) {
      shared.set(inB.seqs[i], inA.seqs[same]);
      seqAt.set(i, same);
      return;
    }
    seqs.push(s);
    seqIn.push(inB.seqs[i]);
    const j = B.layout.lagged?.[i] ?? null;
    lagged.push(j === null ? null : (nonSeqAt.get(j) as number));
    seqAt.set(i, seqs.length - 1);
  });
  const bodyB = shared.size ? cloneReplace(B.inner.outputs, shared) : B.inner.outputs;
  // Both bodies in one graph: what they compute alike (a residual, a scaled row) is computed once.
  const outputs = rewrite([...A.inner.outputs, ...bodyB], []);
  const layout: ScanLayout = {
    hasNSteps: outA.nSteps !== null || outB.nSteps !== null,
    nSeqs: seqs.length,
    recurrent: [...A.layout.recurrent, ...B.layout.recurrent],
    keep: [...A.layout.keep, ...B.layout.keep],
    nNonSeqs: nonSeqs.length,
    reverse: A.layout.reverse,
    lengthOf: [
      ...A.layout.recurrent.map((_, k) => A.layout.lengthOf?.[k] ?? null),
      ...B.layout.recurrent.map((_, k) => {
        const i = B.layout.lengthOf?.[k] ?? null;
        return i === null ? null : (seqAt.get(i) ?? null);
      }),
    ],
    lagged,
  };
  const stage = STAGES[Math.min(STAGES.indexOf(A.stage), STAGES.indexOf(B.stage))];
  const merged = new Scan(layout, { inputs: [...seqIn, ...inA.prevs, ...inB.prevs, ...nonSeqIn], outputs }, stage);
  const nSteps = outA.nSteps ?? outB.nSteps;
  const results = merged.makeNode(...(nSteps ? [nSteps] : []), ...seqs, ...outA.inits, ...outB.inits, ...nonSeqs).outputs;
  return new Map([...first.outputs, ...second.outputs].map((o, k) => [o, results[k]]));
}

/** A term of a sum: ± the product of `leaves`. */
interface Term {
  sign: number;
  leaves: Variable[];
}

/** Past this many terms a sum is left as it is (a shared subgraph could otherwise expand without end). */
const MAX_TERMS = 8;

const scalarOp = (v: Variable) => (v.owner?.op instanceof Elemwise && v.ndim === 0 && v.dtype === "float64" ? v.owner.op.scalar : null);

/** `e` (times `sign`) as a sum of signed products, appended to `terms`; false past MAX_TERMS. */
function termsOf(e: Variable, sign: number, terms: Term[], depth = 0): boolean {
  // (bounded depth as well as count: a long chain of additions is given up, not recursed through)
  if (depth > MAX_TERMS) return false;
  const op = scalarOp(e);
  const ins = e.owner?.inputs ?? [];
  if (op === S.add) return termsOf(ins[0], sign, terms, depth + 1) && termsOf(ins[1], sign, terms, depth + 1);
  if (op === S.sub) return termsOf(ins[0], sign, terms, depth + 1) && termsOf(ins[1], -sign, terms, depth + 1);
  if (op === S.neg) return termsOf(ins[0], -sign, terms, depth + 1);
  const leaves: Variable[] = [];
  terms.push({ sign: sign * factorsOf(e, leaves), leaves });
  return terms.length <= MAX_TERMS;
}

/** The factors of a product (a square is two), appended to `leaves`; the sign its negations give. */
function factorsOf(e: Variable, leaves: Variable[], depth = 0): number {
  // (past MAX_TERMS levels a product is one factor: no deep recursion)
  const op = depth > MAX_TERMS ? null : scalarOp(e);
  const ins = e.owner?.inputs ?? [];
  if (op === S.mul) return factorsOf(ins[0], leaves, depth + 1) * factorsOf(ins[1], leaves, depth + 1);
  if (op === S.sqr) return factorsOf(ins[0], leaves, depth + 1) * factorsOf(ins[0], leaves, depth + 1);
  if (op === S.neg) return -factorsOf(ins[0], leaves, depth + 1);
  leaves.push(e);
  return 1;
}

const product = (factors: Variable[]) => factors.reduce((p, f) => mul(p, f));

/** The number of steps as a float64 scalar. */
function stepCount(node: Apply): Variable {
  const { nSteps, seqs } = (node.op as Scan).split(node.inputs);
  const float = (v: Variable) => add(v, constant(0, null, "float64"));
  if (nSteps) return float(nSteps);
  const lengths = seqs.map((s) => s.type.shape[0]);
  if (lengths.every((d) => d !== null)) return constant(Math.min(...(lengths as number[])), null, "float64");
  return float(seqs.map((s) => shapeI(s, 0)).reduce((a, b) => minimum(a, b)));
}

/**
 * Scalar sums acc_t = acc_{t-1} ± Σ_j c_j·v_{j,t} ± w (c_j and w not changing from step to step,
 * acc read by nothing else) accumulate each distinct v_j alone, starting at 0; acc is then
 * acc_0 ± Σ_j c_j·(Σ_t v_{j,t}) ± n·w, computed once after the loop. The sums are added in
 * another order (and an infinite c_j times an empty sum is NaN, not 0): values may differ in the
 * last bits, the same ahead of time and in process.
 */
function withFactoredSums(node: Apply): Map<Variable, Variable> | null {
  const op = node.op as Scan;
  const { layout, inner } = op;
  const { seqs, prevs, nonSeqs } = innerRoles(op);
  const at = stateIndex(op);
  const body = toposort(inner.outputs, new Set(inner.inputs));
  const readers = new Map<Variable, number>();
  for (const n of body) for (const v of n.inputs) readers.set(v, (readers.get(v) ?? 0) + 1);
  const variant = new Set<Variable>([...seqs, ...prevs]);
  for (const n of body) if (n.inputs.some((v) => variant.has(v))) n.outputs.forEach((o) => variant.add(o));
  const reading = readingStates(op);
  const sums = inner.outputs.map((out, k) => {
    const prev = prevs[at[k]];
    const sole = at[k] >= 0 && layout.keep[k] === "last" && readers.get(prev) === 1 && !readers.has(out) && inner.outputs.indexOf(out) === k;
    if (!sole || out.ndim !== 0 || out.dtype !== "float64" || !isAccumulation(out, prev, reading)) return null;
    const [a, b] = (out.owner as Apply).inputs;
    const terms: Term[] = [];
    const ok = scalarOp(out) === S.sub ? termsOf(b, -1, terms) : termsOf(a === prev ? b : a, 1, terms);
    // Worth it when some factor or term does not change from step to step.
    return ok && terms.some((t) => t.leaves.some((l) => !variant.has(l))) ? terms : null;
  });
  if (!sums.some(Boolean)) return null;
  const outer = op.split(node.inputs);
  const toOuter = (v: Variable) => cloneReplace([v], new Map(nonSeqs.map((w, j) => [w, outer.nonSeqs[j]])))[0];
  // One new sum per distinct product of the changing factors (in one order: the same product twice is one sum).
  const newSums = new Map<string, Variable>();
  const keyOf = (leaves: Variable[]) =>
    leaves
      .map((l) => l.id)
      .sort((x, y) => x - y)
      .join(",");
  for (const terms of sums) {
    for (const t of terms ?? []) {
      const changing = t.leaves.filter((l) => variant.has(l)).sort((x, y) => x.id - y.id);
      if (changing.length && !newSums.has(keyOf(changing))) newSums.set(keyOf(changing), product(changing));
    }
  }
  const stays = (k: number) => sums[k] === null;
  const keptStates = at.filter((r, k) => r >= 0 && stays(k));
  const zero = constant(0, null, "float64");
  const newPrevs = [...newSums.values()].map((v) => new Variable(v.type, null, 0, null));
  const factored = new Scan(
    {
      ...layout,
      recurrent: [...layout.recurrent.filter((_, k) => stays(k)), ...newPrevs.map(() => true)],
      keep: [...layout.keep.filter((_, k) => stays(k)), ...newPrevs.map(() => "last" as const)],
      lengthOf: layout.lengthOf && [...layout.lengthOf.filter((_, k) => stays(k)), ...newPrevs.map(() => null)],
    },
    {
      inputs: [...seqs, ...keptStates.map((r) => prevs[r]), ...newPrevs, ...nonSeqs],
      outputs: [...inner.outputs.filter((_, k) => stays(k)), ...[...newSums.values()].map((v, i) => add(newPrevs[i], v))],
    },
    op.stage,
  );
  const results = factored.makeNode(
    ...(outer.nSteps ? [outer.nSteps] : []),
    ...outer.seqs,
    ...keptStates.map((r) => outer.inits[r]),
    ...newPrevs.map(() => zero),
    ...outer.nonSeqs,
  ).outputs;
  const kept = results.slice(0, results.length - newPrevs.length);
  const sumOf = new Map([...newSums.keys()].map((key, i) => [key, results[kept.length + i]]));
  const n = sums.some((terms) => terms?.some((t) => t.leaves.every((l) => !variant.has(l)))) ? stepCount(node) : null;
  let p = 0;
  return new Map(
    node.outputs.map((o, k) => {
      const terms = sums[k];
      if (!terms) return [o, kept[p++]];
      // (no `0 +` or `1 ·` left for the outer graph, which is not rewritten again)
      const init = outer.inits[at[k]];
      let total = init instanceof Constant && init.data.every((v) => v === 0) ? null : init;
      for (const t of terms) {
        const changing = t.leaves.filter((l) => variant.has(l));
        const fixed = t.leaves.filter((l) => !variant.has(l) && !(l instanceof Constant && l.data.length === 1 && l.data[0] === 1)).map(toOuter);
        const summed = changing.length ? (sumOf.get(keyOf(changing)) as Variable) : (n as Variable);
        const value = fixed.length ? mul(product(fixed), summed) : summed;
        if (total === null) total = t.sign > 0 ? value : neg(value);
        else total = t.sign > 0 ? add(total, value) : sub(total, value);
      }
      return [o, total ?? init];
    }),
  );
}

/**
 * `outputs` without the loop states nothing reads: a state whose output nothing outside reads and
 * whose previous value only its own update reads (a merged loop's gradient sums, in a function that
 * returns the logp alone), with the non-sequences only they read.
 */
export function withoutUnreadStates(outputs: Variable[]): Variable[] {
  const nodes = toposort(outputs);
  const read = new Set<Variable>(outputs);
  for (const n of nodes) n.inputs.forEach((v) => read.add(v));
  const replace = new Map<Variable, Variable>();
  for (const node of nodes) {
    if (!(node.op instanceof Scan)) continue;
    const smaller = withoutStates(node, read);
    if (smaller) smaller.forEach((v, o) => replace.set(o, v));
  }
  return replace.size ? cloneReplace(outputs, replace) : outputs;
}

function withoutStates(node: Apply, read: Set<Variable>): Map<Variable, Variable> | null {
  const op = node.op as Scan;
  const { layout, inner } = op;
  const { seqs, prevs, nonSeqs } = innerRoles(op);
  const at = stateIndex(op);
  // Live: read outside, or a state whose previous value a live output reads (which may make another live).
  const live = node.outputs.map((o) => read.has(o));
  let used = new Set<Variable>();
  for (;;) {
    used = new Set(inner.outputs.filter((_, k) => live[k]));
    for (const n of toposort([...used], new Set(inner.inputs))) n.inputs.forEach((v) => used.add(v));
    const more = at.findIndex((r, k) => r >= 0 && !live[k] && used.has(prevs[r]));
    if (more < 0) break;
    live[more] = true;
  }
  if (node.outputs.every((_, k) => live[k])) return null;
  const outer = op.split(node.inputs);
  const keepNonSeq = nonSeqs.map((w, j) => used.has(w) || layout.lagged?.includes(j) === true);
  const nonSeqAt = new Map<number, number>();
  keepNonSeq.forEach((keep, j) => keep && nonSeqAt.set(j, nonSeqAt.size));
  const keptStates = at.filter((r, k) => r >= 0 && live[k]);
  const smaller = new Scan(
    {
      ...layout,
      recurrent: layout.recurrent.filter((_, k) => live[k]),
      keep: layout.keep.filter((_, k) => live[k]),
      lengthOf: layout.lengthOf?.filter((_, k) => live[k]),
      nNonSeqs: nonSeqAt.size,
      lagged: layout.lagged?.map((j) => (j === null ? null : (nonSeqAt.get(j) as number))),
    },
    {
      inputs: [...seqs, ...keptStates.map((r) => prevs[r]), ...nonSeqs.filter((_, j) => keepNonSeq[j])],
      outputs: inner.outputs.filter((_, k) => live[k]),
    },
    op.stage,
  );
  const results = smaller.makeNode(
    ...(outer.nSteps ? [outer.nSteps] : []),
    ...outer.seqs,
    ...keptStates.map((r) => outer.inits[r]),
    ...outer.nonSeqs.filter((_, j) => keepNonSeq[j]),
  ).outputs;
  const replace = new Map<Variable, Variable>();
  let p = 0;
  node.outputs.forEach((o, k) => {
    if (live[k]) replace.set(o, results[p++]);
  });
  return replace;
}
