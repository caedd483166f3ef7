// A gradient's backward loop recomputes, at step t, what the forward loop computed at step t from
// the same values (the previous state, the step's rows, the non-sequences): the exps of a
// logsumexp, for one. The costly ones (a transcendental function of a scalar) are kept instead:
// the forward loop outputs them, one number per step, and the backward loop reads them as a
// sequence, as a hand-written backward pass keeps them in an array.
import { type Apply, Constant, Variable } from "../graph/basic.js";
import { cloneReplace, toposort } from "../graph/traversal.js";
import { TensorType } from "../graph/type.js";
import { Elemwise, S, type ScalarOp } from "../ops/elemwise.js";
import { Scan } from "../ops/scan.js";

/** Scalar ops that cost more than storing and loading their result. */
const COSTLY = new Set<ScalarOp>([
  S.exp,
  S.log,
  S.log1p,
  S.expm1,
  S.pow,
  S.sigmoid,
  S.softplus,
  S.erf,
  S.erfc,
  S.erfcx,
  S.gammaln,
  S.psi,
  S.trigamma,
  S.tanh,
  S.sin,
  S.cos,
]);

const isCostly = (node: Apply) => node.op instanceof Elemwise && COSTLY.has(node.op.scalar) && node.outputs[0].ndim === 0;

/** Structural signatures, interned: equal numbers for variables computed alike from equal roots. */
class Signatures {
  private readonly ids = new Map<string, number>();
  private readonly of = new Map<Variable, number>();

  intern(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) this.ids.set(text, (id = this.ids.size));
    return id;
  }

  /** Without interning: the id if such a variable was seen, else -1. */
  lookup(text: string): number {
    return this.ids.get(text) ?? -1;
  }

  get(v: Variable): number | undefined {
    return this.of.get(v);
  }

  set(v: Variable, id: number): void {
    this.of.set(v, id);
  }

  nodeText(node: Apply, k: number): string | null {
    const ins = node.inputs.map((v) => this.of.get(v));
    return ins.some((i) => i === undefined || i < 0) ? null : `${node.op.key}(${ins.join(",")})#${k}`;
  }

  /** Outer graph: every variable below `outputs`, roots by identity, constants by value. */
  outer(outputs: Variable[]): void {
    const root = (v: Variable) => {
      if (!this.of.has(v)) this.of.set(v, this.intern(v instanceof Constant ? `c:${v.signature}` : `root:${v.id}`));
    };
    for (const node of toposort(outputs)) {
      node.inputs.forEach(root);
      node.outputs.forEach((o, k) => this.of.set(o, this.intern(this.nodeText(node, k) as string)));
    }
    outputs.forEach(root);
  }
}

interface Pair {
  forward: Apply;
  backward: Apply;
}

/** The reverse loop reading a forward loop's outputs one step late (its gradient), with that loop. */
function gradientPairs(nodes: Apply[]): Pair[] {
  const pairs: Pair[] = [];
  for (const node of nodes) {
    const op = node.op;
    if (!(op instanceof Scan) || !op.layout.reverse || !op.layout.lagged) continue;
    const seqs = op.split(node.inputs).seqs;
    const forward = op.layout.lagged.map((j, i) => (j === null ? null : seqs[i].owner)).find((o) => o?.op instanceof Scan && !o.op.layout.reverse);
    if (forward) pairs.push({ forward, backward: node });
  }
  return pairs;
}

/**
 * The forward values the backward body recomputes with a costly op, as [forward inner variable,
 * backward inner variable] pairs.
 */
function sharedValues({ forward, backward }: Pair, sigs: Signatures): [Variable, Variable][] {
  const F = forward.op as Scan;
  const B = backward.op as Scan;
  const outerF = F.split(forward.inputs);
  const outerB = B.split(backward.inputs);
  // (every outer input of a loop has one: `outer` walked the whole graph)
  const sig = (v: Variable) => {
    const id = sigs.get(v);
    if (id === undefined) throw new Error(`scan-share: no signature for ${v}`);
    return id;
  };
  // Roots: a sequence row, a previous state (a forward output read one step late, after its
  // initial value) or a non-sequence, named by role and outer value, alike in both loops.
  const fIn = F.inner.inputs;
  outerF.seqs.forEach((x, i) => sigs.set(fIn[i], sigs.intern(`seq:${sig(x)}`)));
  forward.outputs.forEach((y, k) => {
    if (!F.layout.recurrent[k]) return;
    const r = F.recurrentIndex(k);
    sigs.set(fIn[F.layout.nSeqs + r], sigs.intern(`prev:${sig(y)}:${sig(outerF.inits[r])}`));
  });
  outerF.nonSeqs.forEach((w, j) => sigs.set(fIn[F.layout.nSeqs + F.nRec + j], sigs.intern(`w:${sig(w)}`)));
  const fNodes = toposort(F.inner.outputs, new Set(fIn));
  const fCostly = new Map<number, Variable>();
  const constant = (v: Variable) => {
    if (v instanceof Constant && sigs.get(v) === undefined) sigs.set(v, sigs.intern(`c:${v.signature}`));
  };
  for (const node of fNodes) {
    node.inputs.forEach(constant);
    node.outputs.forEach((o, k) => {
      const text = sigs.nodeText(node, k);
      if (text === null) return;
      const id = sigs.intern(text);
      sigs.set(o, id);
      if (isCostly(node)) fCostly.set(id, o);
    });
  }
  const bIn = B.inner.inputs;
  outerB.seqs.forEach((x, i) => {
    const lag = B.layout.lagged?.[i] ?? null;
    const text = lag === null ? `seq:${sig(x)}` : `prev:${sig(x)}:${sig(outerB.nonSeqs[lag])}`;
    sigs.set(bIn[i], sigs.lookup(text));
  });
  bIn.slice(B.layout.nSeqs, B.layout.nSeqs + B.nRec).forEach((h) => sigs.set(h, -1));
  outerB.nonSeqs.forEach((w, j) => sigs.set(bIn[B.layout.nSeqs + B.nRec + j], sigs.lookup(`w:${sig(w)}`)));
  const shared: [Variable, Variable][] = [];
  for (const node of toposort(B.inner.outputs, new Set(bIn))) {
    node.inputs.forEach(constant);
    node.outputs.forEach((o, k) => {
      const text = sigs.nodeText(node, k);
      const id = text === null ? -1 : sigs.lookup(text);
      sigs.set(o, id);
      const f = fCostly.get(id);
      if (f && isCostly(node)) shared.push([f, o]);
    });
  }
  return shared;
}

/** `outputs` with each gradient loop reading the costly values its forward loop computed. */
export function shareForwardValues(outputs: Variable[]): Variable[] {
  let current = outputs;
  // One pair at a time: sharing rebuilds both loops, and the graph with them.
  for (;;) {
    const nodes = toposort(current);
    const pairs = gradientPairs(nodes);
    if (!pairs.length) return current;
    const sigs = new Signatures();
    sigs.outer(current);
    const found = pairs.map((p) => ({ pair: p, shared: sharedValues(p, sigs) })).find((p) => p.shared.length);
    if (!found) return current;
    current = share(current, found.pair, found.shared);
  }
}

function share(outputs: Variable[], { forward, backward }: Pair, shared: [Variable, Variable][]): Variable[] {
  const F = forward.op as Scan;
  const B = backward.op as Scan;
  const extra = shared.map(([f]) => f);
  const newF = new Scan(
    {
      ...F.layout,
      recurrent: [...F.layout.recurrent, ...extra.map(() => false)],
      keep: [...F.layout.keep, ...extra.map(() => "all" as const)],
      lengthOf: F.layout.lengthOf && [...F.layout.lengthOf, ...extra.map(() => null)],
    },
    { inputs: F.inner.inputs, outputs: [...F.inner.outputs, ...extra] },
    F.stage,
  );
  const fOut = newF.makeNode(...forward.inputs).outputs;
  const rows = shared.map(([, b]) => new Variable(new TensorType(b.dtype, []), null, 0, null));
  const bOutputs = cloneReplace(B.inner.outputs, new Map(shared.map(([, b], i) => [b, rows[i]])));
  const { nSeqs } = B.layout;
  const newB = new Scan(
    { ...B.layout, nSeqs: nSeqs + rows.length, lagged: B.layout.lagged && [...B.layout.lagged, ...rows.map(() => null)] },
    { inputs: [...B.inner.inputs.slice(0, nSeqs), ...rows, ...B.inner.inputs.slice(nSeqs)], outputs: bOutputs },
    B.stage,
  );
  const outerB = B.split(backward.inputs);
  const remap = new Map<Variable, Variable>(forward.outputs.map((o, k) => [o, fOut[k]]));
  const bInputs = cloneReplace(
    [...(outerB.nSteps ? [outerB.nSteps] : []), ...outerB.seqs, ...fOut.slice(forward.outputs.length), ...outerB.inits, ...outerB.nonSeqs],
    remap,
  );
  const bOut = newB.makeNode(...bInputs).outputs;
  backward.outputs.forEach((o, k) => remap.set(o, bOut[k]));
  return cloneReplace(outputs, remap);
}
