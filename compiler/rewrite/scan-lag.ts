// A loop that reads the same array at two offsets one step apart (the AR(1)'s y[1:] and y[:-1])
// loads each element twice: y[t+1] at step t, then again as y[t] at step t+1. A hand-written loop
// loads it once and keeps it for the next step. Here the later-starting slice's step value is
// carried: the other slice becomes a recurrent state, initialised with its first row and set to the
// carrying slice's row at each step, so the emitted step reads the array once (a JS local for a
// scalar row). Chains (y[2:], y[1:-1], y[:-2]) carry one into the next.
import { type Apply, Constant, type Variable } from "../graph/basic.js";
import { TensorType } from "../graph/type.js";
import { cloneReplace, toposort } from "../graph/traversal.js";
import { reduce } from "../ops/reduce.js";
import { Scan } from "../ops/scan.js";
import { type IndexEntry, Subtensor } from "../ops/subtensor.js";

/** A sequence x[start:stop, ...rest] with a static start ≥ 0 and step 1 along the scanned axis. */
interface Window {
  readonly array: Variable;
  readonly start: number;
  readonly stop: number | null;
  /** The other entries, as text: windows of one family index the other axes alike. */
  readonly rest: string;
  readonly restEntries: readonly IndexEntry[];
}

function windowOf(seq: Variable): Window | null {
  const node = seq.owner;
  if (!node || !(node.op instanceof Subtensor)) return null;
  const [first, ...rest] = node.op.entries;
  if (typeof first === "number" || (first.step ?? 1) !== 1) return null;
  const start = first.start ?? 0;
  if (start < 0) return null;
  return { array: node.inputs[0], start, stop: first.stop ?? null, rest: JSON.stringify(rest), restEntries: rest };
}

/**
 * Whether `carried` at step t+1 is `carrier` at step t, at every step, for any length of the array,
 * and is at least as long (so dropping it leaves the number of steps, the shortest sequence's
 * length, as it was): its stop is at least the carrier's less one, both counted from the same end.
 */
function windowsCarry(carried: Window, carrier: Window): boolean {
  if (carried.array !== carrier.array || carried.rest !== carrier.rest || carrier.start !== carried.start + 1) return false;
  const [p, c] = [fromEnd(carried.stop), fromEnd(carrier.stop)];
  return p.fromEnd === c.fromEnd && p.at >= c.at - 1;
}

/** A stop counted from the start (≥ 0) or from the end (null: the end itself). */
const fromEnd = (stop: number | null) => ({ fromEnd: stop === null || stop < 0, at: stop ?? 0 });

/** The same for constant sequences (data bound at build time is folded into them): compared row by row. */
function constantsCarry(carried: Constant, carrier: Constant): boolean {
  const rows = carried.shape[0];
  if (rows === 0 || rows < carrier.shape[0] || carried.shape.slice(1).join() !== carrier.shape.slice(1).join()) return false;
  const size = carried.data.length / rows;
  const shared = Math.min(rows - 1, carrier.shape[0]) * size;
  for (let j = 0; j < shared; j++) if (!Object.is(carried.data[size + j], carrier.data[j])) return false;
  return true;
}

function carries(carried: Variable, carrier: Variable): boolean {
  if (carried instanceof Constant && carrier instanceof Constant) return constantsCarry(carried, carrier);
  const [w, c] = [windowOf(carried), windowOf(carrier)];
  return w !== null && c !== null && windowsCarry(w, c);
}

/**
 * A carried sequence's first row, its initial value. Of a window: max over a slice of at most one
 * row, which never reads past the end when the loop has no steps (the value is then unused).
 */
function firstRow(seq: Variable): Variable {
  if (seq instanceof Constant) {
    const size = seq.data.length / seq.shape[0];
    return new Constant(new TensorType(seq.dtype, seq.type.shape.slice(1)), seq.data.slice(0, size));
  }
  const w = windowOf(seq) as Window;
  const row = new Subtensor([{ start: w.start, stop: w.start + 1, step: null }, ...w.restEntries]).makeNode(w.array).outputs[0];
  return reduce("max", row, 0);
}

/** `outputs` with each Scan's lagging sequences carried from the step before. */
export function carryLaggedSequences(outputs: Variable[]): Variable[] {
  let current = outputs;
  for (;;) {
    // One loop at a time: a rewritten loop's outputs may feed another loop.
    let replace: Map<Variable, Variable> | null = null;
    for (const node of toposort(current)) {
      if (node.op instanceof Scan) replace ??= carryIn(node);
    }
    if (!replace) return current;
    current = cloneReplace(current, replace);
  }
}

function carryIn(node: Apply): Map<Variable, Variable> | null {
  const op = node.op as Scan;
  const { layout, inner } = op;
  if (layout.reverse) return null;
  const outer = op.split(node.inputs);
  // A sequence whose length sizes a stacked output stays (its length is read at run time).
  const sizing = new Set(layout.lengthOf?.filter((i): i is number => i !== null));
  const plain = (i: number) => (layout.lagged?.[i] ?? null) === null;
  // carrier[i]: the sequence one row ahead of sequence i, whose step value i takes at the next step;
  // no cycles (equal constant rows carry each other both ways).
  const carrier = outer.seqs.map(() => -1);
  outer.seqs.forEach((s, i) => {
    if (!plain(i) || sizing.has(i)) return;
    const sameStep = (j: number) => String(inner.inputs[j].type) === String(inner.inputs[i].type);
    const c = outer.seqs.findIndex((o, j) => j !== i && plain(j) && sameStep(j) && carries(s, o));
    let k = c;
    while (k >= 0 && k !== i) k = carrier[k];
    if (k !== i) carrier[i] = c;
  });
  const carried = carrier.map((c) => c >= 0);
  if (!carried.some(Boolean)) return null;

  const nSeqs = layout.nSeqs;
  const innerSeqs = inner.inputs.slice(0, nSeqs);
  const prevs = inner.inputs.slice(nSeqs, nSeqs + op.nRec);
  const nonSeqs = inner.inputs.slice(nSeqs + op.nRec);
  const kept = outer.seqs.map((_, i) => i).filter((i) => !carried[i]);
  const moved = outer.seqs.map((_, i) => i).filter((i) => carried[i]);
  const keptIndex = new Map(kept.map((i, p) => [i, p]));
  const carriedOp = new Scan(
    {
      ...layout,
      nSeqs: kept.length,
      recurrent: [...layout.recurrent, ...moved.map(() => true)],
      keep: [...layout.keep, ...moved.map(() => "last" as const)],
      lengthOf: layout.lengthOf && [...layout.lengthOf.map((i) => (i === null ? null : (keptIndex.get(i) as number))), ...moved.map(() => null)],
      lagged: layout.lagged && [...kept.map((i) => layout.lagged?.[i] ?? null)],
    },
    {
      inputs: [...kept.map((i) => innerSeqs[i]), ...prevs, ...moved.map((i) => innerSeqs[i]), ...nonSeqs],
      outputs: [...inner.outputs, ...moved.map((i) => innerSeqs[carrier[i]])],
    },
    op.stage,
  );
  const results = carriedOp.makeNode(
    ...(outer.nSteps ? [outer.nSteps] : []),
    ...kept.map((i) => outer.seqs[i]),
    ...outer.inits,
    ...moved.map((i) => firstRow(outer.seqs[i])),
    ...outer.nonSeqs,
  ).outputs;
  return new Map(
    node.outputs.map((o, k) => {
      results[k].name = o.name;
      return [o, results[k]];
    }),
  );
}
