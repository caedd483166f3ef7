// A loop body whose tensors hold a few numbers of static shape is computed one number at a time
// (DESIGN.md: static small loops are unrolled, scalars become const locals). Each small tensor
// becomes the list of its elements, row-major; the Scan's small vector states, sequence rows and
// non-sequences become that many scalar ones, so that the emitted step keeps its state in JS
// locals: no buffers, no loops of three, no copies between steps. Outside the loop, the scalar
// outputs are stacked back into the tensors the graph reads.
import { type Apply, Constant, Variable } from "../graph/basic.js";
import { toposort } from "../graph/traversal.js";
import { TensorType, type DType } from "../graph/type.js";
import { Dot, DotTransposed } from "../ops/blas.js";
import { constant } from "../ops/constant.js";
import { DimShuffle, expandDims } from "../ops/dimshuffle.js";
import { Elemwise, S } from "../ops/elemwise.js";
import { Join, MakeVector, join, makeVector } from "../ops/join.js";
import { Reduce, type ReduceKind } from "../ops/reduce.js";
import { Scan } from "../ops/scan.js";
import { Reshape, reshape } from "../ops/shape.js";
import { type IndexEntry, Subtensor, sliceIndices, subtensor } from "../ops/subtensor.js";

/** Largest tensor (in numbers) computed as scalars; past it, a loop costs less than the code it unrolls to. */
const SMALL_SIZE = 16;

/** The number of elements when every dim is static, else null. */
function staticSize(v: Variable): number | null {
  let n = 1;
  for (const d of v.type.shape) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

const isSmall = (v: Variable) => {
  const n = staticSize(v);
  return n !== null && n <= SMALL_SIZE;
};

/** A small tensor of rank at least one: what this pass takes apart. */
const splittable = (v: Variable) => v.ndim > 0 && isSmall(v);

const shapeOf = (v: Variable) => v.type.shape as number[];

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = flat % shape[k];
    flat = Math.floor(flat / shape[k]);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let k = 0; k < shape.length; k++) flat = flat * shape[k] + idx[k];
  return flat;
}

const scalarConst = (x: number, dtype: DType) => new Constant(new TensorType(dtype, []), Float64Array.of(x));

/** A fresh scalar inner input of `v`'s dtype. */
const scalarInput = (v: Variable) => new Variable(new TensorType(v.dtype, []), null, 0, null);

/**
 * Element `flat` (row-major, in `shape`: the loop's static one, where the outer type may not know
 * it) of a small outer tensor: the scalar itself where `x` is a MakeVector or a constant, else one read.
 */
function elementOf(x: Variable, flat: number, shape: readonly number[] = shapeOf(x)): Variable {
  const node = x.owner;
  if (node?.op instanceof MakeVector && node.inputs[flat].dtype === x.dtype) return node.inputs[flat];
  if (x instanceof Constant) return scalarConst(x.data[flat], x.dtype);
  // Through a DimShuffle (a scalar broadcast into unit dims, a transpose) to the element it moves.
  if (node?.op instanceof DimShuffle && node.inputs[0].type.shape.every((d) => d !== null)) {
    const from = node.inputs[0];
    return from.ndim === 0 ? from : elementOf(from, ravel(shuffledIndex(node.op, unravel(flat, shape), from.ndim), shapeOf(from)));
  }
  return subtensor(x, unravel(flat, shape));
}

/** The input index a DimShuffle's output index `idx` reads (dropped dims are unit dims: index 0). */
function shuffledIndex(op: DimShuffle, idx: readonly number[], inputNdim: number): number[] {
  const at = new Array<number>(inputNdim).fill(0);
  op.order.forEach((o, i) => {
    if (o !== "x") at[o] = idx[i];
  });
  return at;
}

/** The parts of `stack(parts, axis=1)` of vectors (what a scalarized loop's stacked output is), else null. */
export function stackedColumns(x: Variable): Variable[] | null {
  const node = x.owner;
  if (!node || !(node.op instanceof Join) || node.op.axis !== 1 || x.ndim !== 2) return null;
  const parts: Variable[] = [];
  for (const v of node.inputs) {
    const e = v.owner;
    if (!e || !(e.op instanceof DimShuffle) || !e.op.isExpandOnly || e.inputs[0].ndim !== 1 || e.op.order[1] !== "x") return null;
    parts.push(e.inputs[0]);
  }
  return parts;
}

/** Element `flat` of every row (of static shape `row`) of an outer sequence: its column. */
function columnOf(x: Variable, flat: number, row: readonly number[]): Variable {
  return stackedColumns(x)?.[flat] ?? subtensor(x, [{}, ...unravel(flat, row)]);
}

/** A tensor of static `shape` from its elements, row-major. */
function wholeFrom(elems: Variable[], shape: number[], dtype: DType): Variable {
  // One number in unit dims: a view of the scalar, not a vector built at each step.
  if (elems.length === 1 && elems[0].dtype === dtype) return expandDims(elems[0], [...shape.keys()]);
  const flat = makeVector(elems, dtype);
  return shape.length === 1 ? flat : reshape(flat, constant(shape, null, "int64"));
}

/** Vectors of the same length stacked as the columns of a matrix. */
const stackColumns = (parts: Variable[]) =>
  join(
    1,
    parts.map((p) => expandDims(p, [1])),
  );

// ── The body ────────────────────────────────────────────────────────────────────────────────────

/** An inner graph's variables as lists of scalars where small, rebuilt whole where an op needs them so. */
class Scalarizer {
  private readonly elems = new Map<Variable, Variable[]>();
  private readonly whole = new Map<Variable, Variable>();
  /** Ops computed on the rebuilt tensors (no scalar rule, or not small): what the tests check is rare. */
  fallbacks = 0;

  setElems(v: Variable, elems: Variable[]): void {
    this.elems.set(v, elems);
    if (v.ndim === 0) this.whole.set(v, elems[0]);
  }

  setWhole(v: Variable, w: Variable): void {
    this.whole.set(v, w);
    if (v.ndim === 0) this.elems.set(v, [w]);
  }

  elemsOf(v: Variable): Variable[] {
    let e = this.elems.get(v);
    if (e) return e;
    if (v instanceof Constant) e = Array.from(v.data, (x) => scalarConst(x, v.dtype));
    else {
      const w = this.wholeOf(v);
      e = Array.from({ length: staticSize(v) as number }, (_, i) => elementOf(w, i));
    }
    this.elems.set(v, e);
    return e;
  }

  wholeOf(v: Variable): Variable {
    let w = this.whole.get(v);
    if (w) return w;
    const e = this.elems.get(v);
    if (e) {
      w = wholeFrom(e, shapeOf(v), v.dtype);
    } else if (v instanceof Constant) {
      w = v;
    } else {
      throw new Error(`scalarize: ${v} is read before it is computed`);
    }
    this.whole.set(v, w);
    return w;
  }

  /** The node's outputs: element by element where a rule applies, else the op on rebuilt inputs. */
  visit(node: Apply): void {
    const onTensors = [...node.inputs, ...node.outputs].some((v) => v.ndim > 0);
    // Only small inputs are taken apart (an element of a large array is read where it is needed).
    const elems = onTensors && node.outputs.every(isSmall) && node.inputs.every(isSmall) ? this.scalarRule(node) : null;
    if (elems?.every((list, i) => list.every((e) => e.dtype === node.outputs[i].dtype))) {
      node.outputs.forEach((o, i) => this.setElems(o, elems[i]));
      return;
    }
    const inputs = node.inputs.map((v) => this.wholeOf(v));
    const same = inputs.every((v, i) => v === node.inputs[i]);
    const outs = same ? node.outputs : node.op.makeNode(...inputs).outputs;
    if (node.outputs.some((o) => o.ndim > 0 && o.type.shape.every((d) => d !== null))) this.fallbacks++;
    node.outputs.forEach((o, i) => this.setWhole(o, outs[i]));
  }

  private scalarRule(node: Apply): Variable[][] | null {
    const op = node.op;
    const out = node.outputs[0];
    const outShape = shapeOf(out);
    const size = staticSize(out) as number;
    const each = (f: (idx: number[]) => Variable) => [Array.from({ length: size }, (_, i) => f(unravel(i, outShape)))];
    if (op instanceof Elemwise) {
      const ins = node.inputs.map((v) => ({ e: this.elemsOf(v), shape: shapeOf(v) }));
      return each(
        (idx) =>
          op.makeNode(
            ...ins.map(
              ({ e, shape }) =>
                e[
                  ravel(
                    idx.map((i, k) => (shape[k] === 1 ? 0 : i)),
                    shape,
                  )
                ],
            ),
          ).outputs[0],
      );
    }
    if (op instanceof DimShuffle) {
      const x = node.inputs[0];
      const e = this.elemsOf(x);
      return each((idx) => e[ravel(shuffledIndex(op, idx, x.ndim), shapeOf(x))]);
    }
    if (op instanceof Reshape) return [this.elemsOf(node.inputs[0])];
    if (op instanceof MakeVector) return [[...node.inputs]];
    if (op instanceof Subtensor) return this.subtensorRule(node.inputs[0], op.entries);
    if (op instanceof Join) return this.joinRule(node.inputs, op.axis, outShape);
    if (op instanceof Reduce) return this.reduceRule(node.inputs[0], op, out);
    if (op instanceof Dot) return this.dotRule(node.inputs[0], node.inputs[1], out);
    if (op instanceof DotTransposed) {
      const [a, v] = node.inputs;
      const [n] = shapeOf(a);
      const ae = this.elemsOf(a);
      const ve = this.elemsOf(v);
      return each(([j]) =>
        sumOfProducts(
          Array.from({ length: n }, (_, i) => [ae[i * outShape[0] + j], ve[i]]),
          out.dtype,
        ),
      );
    }
    return null;
  }

  private subtensorRule(x: Variable, entries: readonly IndexEntry[]): Variable[][] {
    const shape = shapeOf(x);
    // Per axis, the indices it keeps; an integer entry drops its axis.
    const picks = shape.map((n, k) => {
      const e = entries[k];
      if (e === undefined) return Array.from({ length: n }, (_, i) => i);
      if (typeof e === "number") return [e < 0 ? e + n : e];
      const [start, , step, len] = sliceIndices(e, n);
      return Array.from({ length: len }, (_, i) => start + i * step);
    });
    const xe = this.elemsOf(x);
    let idxs: number[][] = [[]];
    for (const p of picks) idxs = idxs.flatMap((idx) => p.map((i) => [...idx, i]));
    return [idxs.map((idx) => xe[ravel(idx, shape)])];
  }

  private joinRule(xs: readonly Variable[], axis: number, outShape: number[]): Variable[][] {
    const parts = xs.map((x) => ({ e: this.elemsOf(x), shape: shapeOf(x) }));
    const size = outShape.reduce((a, d) => a * d, 1);
    return [
      Array.from({ length: size }, (_, flat) => {
        const idx = unravel(flat, outShape);
        let along = idx[axis];
        for (const p of parts) {
          if (along < p.shape[axis])
            return p.e[
              ravel(
                idx.map((i, k) => (k === axis ? along : i)),
                p.shape,
              )
            ];
          along -= p.shape[axis];
        }
        throw new Error("scalarize: join index past its inputs");
      }),
    ];
  }

  private reduceRule(x: Variable, op: Reduce, out: Variable): Variable[][] | null {
    const combine: Partial<Record<ReduceKind, Elemwise>> = {
      sum: new Elemwise(S.add),
      prod: new Elemwise(S.mul),
      max: new Elemwise(S.maximum),
      min: new Elemwise(S.minimum),
    };
    const by = combine[op.kind];
    if (!by) return null;
    const shape = shapeOf(x);
    const axes = op.reducedAxes(x.ndim);
    const xe = this.elemsOf(x);
    const groups = new Map<number, Variable[]>();
    const keptShape = shape.filter((_, k) => !axes.includes(k));
    xe.forEach((e, flat) => {
      const idx = unravel(flat, shape);
      const key = ravel(
        idx.filter((_, k) => !axes.includes(k)),
        keptShape,
      );
      const g = groups.get(key);
      if (g) g.push(e);
      else groups.set(key, [e]);
    });
    const size = staticSize(out) as number;
    const identity = op.kind === "prod" ? 1 : 0;
    // In the loop's order, left to right, as the emitted reduction adds them.
    return [
      Array.from({ length: size }, (_, i) => {
        const g = groups.get(i);
        return g ? g.reduce((acc, e) => by.makeNode(acc, e).outputs[0]) : scalarConst(identity, out.dtype);
      }),
    ];
  }

  private dotRule(a: Variable, b: Variable, out: Variable): Variable[][] {
    const [m, k] = a.ndim === 2 ? shapeOf(a) : [1, shapeOf(a)[0]];
    const n = b.ndim === 2 ? shapeOf(b)[1] : 1;
    const ae = this.elemsOf(a);
    const be = this.elemsOf(b);
    const list: Variable[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        list.push(
          sumOfProducts(
            Array.from({ length: k }, (_, p) => [ae[i * k + p], be[p * n + j]]),
            out.dtype,
          ),
        );
      }
    }
    return [list];
  }
}

const ADD = new Elemwise(S.add);
const MUL = new Elemwise(S.mul);

/** Σ a·b in the order given (the dot kernel's order). */
function sumOfProducts(pairs: [Variable, Variable][], dtype: DType): Variable {
  if (!pairs.length) return scalarConst(0, dtype);
  return pairs.map(([a, b]) => MUL.makeNode(a, b).outputs[0]).reduce((acc, t) => ADD.makeNode(acc, t).outputs[0]);
}

/** The new position of old entry `i` (plus `offset`), or null. */
const at = (i: number | null | undefined, firsts: number[], offset: number) => (i === null || i === undefined ? null : firsts[i] + offset);

// ── The loop ────────────────────────────────────────────────────────────────────────────────────

export interface Scalarized {
  readonly op: Scan;
  readonly inputs: Variable[];
  /** The original loop's outputs from the new loop's (small ones stacked back). */
  readonly outputs: (results: readonly Variable[]) => Variable[];
  /** Ops left on tensors of static shape (for the tests). */
  readonly fallbacks: number;
}

/** Which parts of a loop's interface split: small rows, states and non-sequences, and their outputs. */
interface Splits {
  seq: boolean[];
  prev: boolean[];
  nonSeq: boolean[];
  out: boolean[];
}

/**
 * The parts that split, or null when nothing would: worth it when a part of the interface splits
 * or a small tensor is computed from static inputs (not a constant broadcast beside tensors of
 * unknown shape).
 */
function splitsOf(op: Scan, body: Apply[]): Splits | null {
  const { layout, inner } = op;
  const { nSeqs } = layout;
  const computedSmall = body.some(
    (n) => n.outputs.some(splittable) && n.inputs.every((v) => staticSize(v) !== null) && !n.inputs.every((v) => v instanceof Constant),
  );
  if (!computedSmall && ![...inner.inputs, ...inner.outputs].some((v) => splittable(v) && staticSize(v) !== 1)) return null;
  const seq = inner.inputs.slice(0, nSeqs).map(splittable);
  // A state splits with its output (a recurrent output of the state's static shape).
  const prev = inner.inputs.slice(nSeqs, nSeqs + op.nRec).map((p, r) => {
    const k = layout.recurrent.findIndex((rec, j) => rec && op.recurrentIndex(j) === r);
    return splittable(p) && inner.outputs[k].type.shape.join() === shapeOf(p).join();
  });
  const nonSeq = inner.inputs.slice(nSeqs + op.nRec).map(splittable);
  // A lagged sequence's first row is its non-sequence: both split or neither.
  layout.lagged?.forEach((j, i) => {
    if (j !== null && seq[i] !== nonSeq[j]) seq[i] = nonSeq[j] = false;
  });
  const out = inner.outputs.map((o, k) => (layout.recurrent[k] ? prev[op.recurrentIndex(k)] : splittable(o)));
  return { seq, prev, nonSeq, out };
}

/**
 * `op` (on outer `inputs`) with its small static tensors taken apart into scalars: null when it
 * has none. Sequences of small rows, small states and small outputs become one scalar each per
 * element; non-sequences of small static size, one scalar input per element (a constant one, the
 * constant itself).
 */
export function scalarizeScan(op: Scan, inputs: readonly Variable[]): Scalarized | null {
  const { layout, inner } = op;
  const { nSeqs } = layout;
  const seqIn = inner.inputs.slice(0, nSeqs);
  const prevIn = inner.inputs.slice(nSeqs, nSeqs + op.nRec);
  const nonSeqIn = inner.inputs.slice(nSeqs + op.nRec);
  const body = toposort(inner.outputs, new Set(inner.inputs));
  const split = splitsOf(op, body);
  if (!split) return null;

  const s = new Scalarizer();
  const newIn = (v: Variable, parts: boolean): Variable[] => {
    if (!parts) {
      s.setWhole(v, v);
      return [v];
    }
    const list = Array.from({ length: staticSize(v) as number }, () => scalarInput(v));
    s.setElems(v, list);
    return list;
  };
  const outer = op.split(inputs);
  const seqParts = seqIn.map((v, i) => newIn(v, split.seq[i]));
  const prevParts = prevIn.map((v, r) => newIn(v, split.prev[r]));
  // A non-sequence's elements outside the loop; the constant ones go into the body as constants
  // (a -0.5 moved out of the loop as a unit-dim value comes back, and combines with others).
  const lagSources = new Set(layout.lagged?.filter((j) => j !== null));
  const nonSeqOuter = outer.nonSeqs.map((w, j) =>
    split.nonSeq[j] ? Array.from({ length: staticSize(nonSeqIn[j]) as number }, (_, e) => elementOf(w, e, shapeOf(nonSeqIn[j]))) : [w],
  );
  const inlined = (j: number, e: number) => !lagSources.has(j) && nonSeqOuter[j][e] instanceof Constant && nonSeqOuter[j][e].ndim === 0;
  const nonSeqParts = nonSeqIn.map((v, j) => {
    if (!split.nonSeq[j] && inlined(j, 0)) {
      s.setWhole(v, nonSeqOuter[j][0]);
      return [];
    }
    const parts = newIn(v, split.nonSeq[j]);
    if (!split.nonSeq[j]) return parts;
    s.setElems(
      v,
      parts.map((p, e) => (inlined(j, e) ? nonSeqOuter[j][e] : p)),
    );
    return parts.filter((_, e) => !inlined(j, e));
  });
  for (const node of body) s.visit(node);
  const outParts = inner.outputs.map((o, k) => (split.out[k] ? s.elemsOf(o) : [s.wholeOf(o)]));

  const newInputs = [
    ...(outer.nSteps ? [outer.nSteps] : []),
    ...outer.seqs.flatMap((x, i) => (split.seq[i] ? seqParts[i].map((_, c) => columnOf(x, c, shapeOf(seqIn[i]))) : [x])),
    ...outer.inits.flatMap((h, r) => (split.prev[r] ? prevParts[r].map((_, e) => elementOf(h, e, shapeOf(prevIn[r]))) : [h])),
    ...nonSeqOuter.flatMap((elems, j) => elems.filter((_, e) => !inlined(j, e))),
  ];
  return {
    op: scalarLoop(op, seqParts, prevParts, nonSeqParts, outParts),
    inputs: newInputs,
    fallbacks: s.fallbacks,
    outputs: (results) => {
      let p = 0;
      return outParts.map((list, k) => {
        const parts = results.slice(p, (p += list.length));
        if (!split.out[k]) return parts[0];
        const step = shapeOf(inner.outputs[k]);
        if (layout.keep[k] === "last") return wholeFrom(parts, step, inner.outputs[k].dtype);
        const rows = stackColumns(parts);
        return step.length === 1 ? rows : reshape(rows, constant([-1, ...step], null, "int64"));
      });
    },
  };
}

/** The loop over the parts: each sequence, state, non-sequence and output of `op` as a list of them. */
function scalarLoop(op: Scan, seqParts: Variable[][], prevParts: Variable[][], nonSeqParts: Variable[][], outParts: Variable[][]): Scan {
  const { layout } = op;
  // New positions: sequence i's first column, non-sequence j's first element.
  const firstOf = (parts: Variable[][]) => {
    let p = 0;
    return parts.map((list) => {
      const first = p;
      p += list.length;
      return first;
    });
  };
  const seqAt = firstOf(seqParts);
  const nonSeqAt = firstOf(nonSeqParts);
  return new Scan(
    {
      ...layout,
      nSeqs: seqParts.flat().length,
      recurrent: outParts.flatMap((list, k) => list.map(() => layout.recurrent[k])),
      keep: outParts.flatMap((list, k) => list.map(() => layout.keep[k])),
      nNonSeqs: nonSeqParts.flat().length,
      lengthOf: layout.lengthOf && outParts.flatMap((list, k) => list.map(() => at(layout.lengthOf?.[k], seqAt, 0))),
      lagged: layout.lagged && seqParts.flatMap((list, i) => list.map((_, c) => at(layout.lagged?.[i], nonSeqAt, c))),
    },
    {
      // The states in recurrent order, each one's scalars together, as its output's are.
      inputs: [...seqParts.flat(), ...prevParts.flat(), ...nonSeqParts.flat()],
      outputs: outParts.flat(),
    },
    op.stage,
  );
}

/**
 * `out[-1]` of a stack of columns is the last entry of each column: the columns may then keep
 * their last step alone (keepLastOnly), with no matrix built to read one row of it.
 */
export function lastRowOfColumns(node: Apply, inputs: readonly Variable[]): Variable | null {
  const op = node.op;
  if (!(op instanceof Subtensor) || op.entries.length !== 1 || op.entries[0] !== -1) return null;
  const parts = stackedColumns(inputs[0]);
  return parts
    ? makeVector(
        parts.map((p) => subtensor(p, [-1])),
        inputs[0].dtype,
      )
    : null;
}
