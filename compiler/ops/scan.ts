// PyTensor's Scan: a loop whose body is an ordinary graph. The body (the "inner graph") is built
// once, symbolically, from placeholders for one step's slice of each sequence, the previous value
// of each recurrent output and each non-sequence; the op emits one `for` loop that runs the body,
// emitted by the same emitter as any graph, once per step. Its gradient is another Scan that runs
// backwards over the steps (backpropagation through time) from the forward outputs it kept.
import { Apply, Constant, Variable, type EmitContext, type InnerTensorGraph, type Op } from "../graph/basic.js";
import { cloneReplace, toposort } from "../graph/traversal.js";
import { TensorType, formatShape, isFloat } from "../graph/type.js";
import { grad } from "../grad.js";
import { Elemwise, S, add, mul, zerosLike } from "./elemwise.js";
import { IncSubtensor } from "./subtensor.js";
import { DimShuffle } from "./dimshuffle.js";
import { asTensor, constant, type TensorLike } from "./constant.js";
import { sum } from "./reduce.js";
import { RandomVariable } from "./random.js";

/** How the outer inputs and the inner inputs of a Scan are laid out. */
export interface ScanLayout {
  /** Whether the first outer input is the number of steps (else: the shortest sequence's length). */
  readonly hasNSteps: boolean;
  readonly nSeqs: number;
  /** Per output: fed back as the next step's input (it then has an initial value). */
  readonly recurrent: readonly boolean[];
  /** Per output: every step's value stacked ("all"), or only the last step's (recurrent outputs only). */
  readonly keep: readonly ("all" | "last")[];
  readonly nNonSeqs: number;
  /** Run the steps from the last to the first (the gradient's loop). */
  readonly reverse: boolean;
  /**
   * Per stacked output: the sequence whose length it has instead of the number of steps, zeros
   * past the last step (the gradient of a sequence longer than the loop).
   */
  readonly lengthOf?: readonly (number | null)[];
  /**
   * Per sequence: null, or the non-sequence that stands before its first row, the sequence then
   * being read one step late (step t gets row t-1, step 0 that non-sequence). The gradient's loop
   * reads each previous value this way from the forward outputs and the initial value.
   */
  readonly lagged?: readonly (number | null)[];
}

/**
 * The body: inputs are one step's slice of each sequence, then the previous value of each
 * recurrent output (in output order), then the non-sequences; outputs are one step's values.
 */
export interface ScanInner {
  readonly inputs: readonly Variable[];
  readonly outputs: readonly Variable[];
}

/** How far the pipeline has taken the inner graph (compiler/rewrite/scan.ts). */
export type InnerStage = "built" | "rewritten" | "fused";

let scanCount = 0;

export class Scan implements Op {
  readonly key: string;
  constructor(
    readonly layout: ScanLayout,
    readonly inner: ScanInner,
    readonly stage: InnerStage = "built",
  ) {
    this.key = `Scan#${scanCount++}`;
    const { nSeqs, recurrent, nNonSeqs, keep } = layout;
    const nRec = recurrent.filter(Boolean).length;
    if (inner.inputs.length !== nSeqs + nRec + nNonSeqs)
      throw new Error(`Scan: ${inner.inputs.length} inner inputs for ${nSeqs} sequences, ${nRec} recurrent outputs and ${nNonSeqs} non-sequences`);
    if (inner.outputs.length !== recurrent.length || keep.length !== recurrent.length) throw new Error("Scan: one layout entry per output expected");
    keep.forEach((k, i) => {
      if (k === "last" && !recurrent[i]) throw new Error(`Scan: output ${i} keeps its last value only, so it must be recurrent`);
    });
    recurrent.forEach((r, k) => {
      if (!r) return;
      const prev = inner.inputs[nSeqs + this.recurrentIndex(k)];
      const out = inner.outputs[k];
      if (out.dtype !== prev.dtype || out.ndim !== prev.ndim) {
        throw new Error(`scan: output ${k} of the step is ${out.type} but its previous value (the initial value) is ${prev.type}; they must match`);
      }
    });
  }

  toString(): string {
    return "Scan{scan_fn, while_loop=False, inplace=none}";
  }

  get nRec(): number {
    return this.layout.recurrent.filter(Boolean).length;
  }

  /** Position of output k among the recurrent outputs. */
  recurrentIndex(k: number): number {
    let r = 0;
    for (let j = 0; j < k; j++) if (this.layout.recurrent[j]) r++;
    return r;
  }

  /** The outer inputs by role. */
  split<T>(inputs: readonly T[]): { nSteps: T | null; seqs: T[]; inits: T[]; nonSeqs: T[] } {
    const { hasNSteps, nSeqs } = this.layout;
    let p = hasNSteps ? 1 : 0;
    const seqs = inputs.slice(p, (p += nSeqs));
    const inits = inputs.slice(p, (p += this.nRec));
    return { nSteps: hasNSteps ? inputs[0] : null, seqs, inits, nonSeqs: inputs.slice(p) };
  }

  /** The body for dprint, each inner input with the outer input it stands for. */
  innerTensorGraph(node: Apply): InnerTensorGraph {
    const first = this.layout.hasNSteps ? 1 : 0;
    return { inputs: this.inner.inputs, outputs: this.inner.outputs, outer: this.inner.inputs.map((_, i) => node.inputs[first + i]) };
  }

  makeNode(...inputs: Variable[]): Apply {
    const { layout, inner } = this;
    const expected = (layout.hasNSteps ? 1 : 0) + inner.inputs.length;
    if (inputs.length !== expected) throw new Error(`Scan: expected ${expected} inputs, got ${inputs.length}`);
    const { nSteps, seqs, inits, nonSeqs } = this.split(inputs);
    if (nSteps && (nSteps.ndim !== 0 || isFloat(nSteps.dtype))) throw new Error(`scan: nSteps must be an integer scalar, got ${nSteps.type}`);
    const check = (outer: Variable, placeholder: Variable, what: string, drop: number) => {
      const shape = outer.type.shape.slice(drop);
      const want = placeholder.type;
      if (outer.ndim - drop !== want.ndim || (outer.dtype !== want.dtype && !(isFloat(want.dtype) && !isFloat(outer.dtype)))) {
        throw new Error(`scan: ${what} is ${outer.type}${drop ? ` (one step of it: ${formatShape(shape)})` : ""}, but the step function was built for ${want}`);
      }
      shape.forEach((d, i) => {
        const w = want.shape[i];
        if (d !== null && w !== null && d !== w)
          throw new Error(`scan: ${what} has shape ${formatShape(outer.type.shape)}, but the step function was built for ${want}`);
      });
    };
    seqs.forEach((s, i) => {
      if (s.ndim < 1) throw new Error(`scan: sequence ${i} must have at least one dimension to step over, got ${s.type}`);
      check(s, inner.inputs[i], `sequence ${i}`, 1);
    });
    inits.forEach((h, r) => check(h, inner.inputs[layout.nSeqs + r], `the initial value of recurrent output ${r}`, 0));
    nonSeqs.forEach((w, j) => check(w, inner.inputs[layout.nSeqs + this.nRec + j], `non-sequence ${j}`, 0));

    const n = staticSteps(nSteps, seqs);
    const types = inner.outputs.map((o, k) => {
      let step = o.type.shape;
      if (layout.recurrent[k]) {
        const init = inits[this.recurrentIndex(k)].type.shape;
        step = step.map((d, i) => d ?? init[i]);
      }
      const seq = layout.lengthOf?.[k];
      const length = seq === undefined || seq === null ? n : seqs[seq].type.shape[0];
      return new TensorType(o.dtype, layout.keep[k] === "last" ? step : [length, ...step]);
    });
    return new Apply(this, inputs, types);
  }

  /** Backpropagation through time: a Scan over the steps in reverse (see `scanGrad`). */
  grad(inputs: Variable[], outputs: Variable[], outputGrads: (Variable | null)[], needed?: boolean[]): (Variable | null)[] {
    return scanGrad(this, inputs, outputs, outputGrads, needed ?? inputs.map(() => true));
  }

  emit(ctx: EmitContext): void {
    emitScan(this, ctx);
  }

  /** The same loop keeping each output as `keep` says (recurrent outputs may keep their last value only). */
  withKeep(keep: readonly ("all" | "last")[]): Scan {
    return new Scan({ ...this.layout, keep }, this.inner, this.stage);
  }

  /** The same loop with another body (the pipeline's rewritten inner graph). */
  withInner(inner: ScanInner, stage: InnerStage, extraNonSeqs = 0): Scan {
    return new Scan({ ...this.layout, nNonSeqs: this.layout.nNonSeqs + extraNonSeqs }, inner, stage);
  }
}

function staticSteps(nSteps: Variable | null, seqs: Variable[]): number | null {
  if (nSteps) return nSteps instanceof Constant ? nSteps.value : null;
  const lengths = seqs.map((s) => s.type.shape[0]);
  return lengths.every((d) => d !== null) ? Math.min(...(lengths as number[])) : null;
}

// ── The loop ────────────────────────────────────────────────────────────────────────────────────

/** Static dims where the type knows them, else read off `array` at run time. */
function dimsOf(array: string, shape: readonly (number | null)[], from = 0): string[] {
  return shape.slice(from).map((d, i) => (d === null ? `${array}.shape[${i + from}]` : String(d)));
}

const product = (dims: string[]) => (dims.length ? dims.join(" * ") : "1");

/** dst ← src: a plain loop for a few numbers of static size (TypedArray#set's call costs more there). */
function copyInto(dst: string, src: string, dims: string[], j: string): string {
  const size = dims.every((d) => /^\d+$/.test(d)) ? dims.reduce((a, d) => a * Number(d), 1) : null;
  if (size !== null && size <= 16) return `for (let ${j} = 0; ${j} < ${size}; ${j}++) ${dst}[${j}] = ${src}[${j}];`;
  return `${dst}.set(${src});`;
}

interface Slice {
  readonly id: string;
  readonly dims: string[];
}

interface Stacked {
  readonly id: string;
  readonly data: string;
  /** Numbers per step, when the step's shape is static. */
  readonly size: string | null;
  readonly rank: number;
  readonly length: string;
  /** Longer than the loop (a sequence's gradient): zeros past the last step. */
  readonly padded: boolean;
}

/**
 * The loop in a function of its own, called here. V8 compiles a long loop on the stack during the
 * function's first call, and may compile the whole function during that call too; lines that ran
 * only then (before the function had its feedback vector) or not yet (after the loop) have no type
 * feedback, and code compiled without it deoptimizes on reaching them, in some processes at every
 * call from then on: AR(1)'s gradient stayed at 9–91 µs instead of 5.1. So everything before the
 * loop (the step count, buffers, initial states) is done here, the loop function takes it as
 * parameters and leaves its results in module-level variables (`lift`), and what comes after
 * (the tail of a buffer made at the first step, an empty stack) is done here again.
 */
function emitScan(op: Scan, ctx: EmitContext): void {
  const { layout, inner } = op;
  const { seqs, nonSeqs } = op.split(ctx.ins);
  const n = emitStepCount(op, ctx);
  const seqData = seqs.map((s) => {
    const alias = ctx.dataAlias(s);
    if (alias) return alias;
    const id = ctx.tmp("sd");
    ctx.line(`const ${id} = ${s}.data;`);
    return id;
  });
  const slices = emitSliceBuffers(op, ctx);
  const states = emitStates(op, ctx);
  const stacked = emitStackedOutputs(op, ctx, n);
  // A kept buffer longer than the loop may hold an earlier call's values past the last step.
  for (const o of stacked) if (o?.padded && o.size !== null) ctx.line(`${o.id}.data.fill(0, ${n} * ${o.size});`);

  const results = ctx.lift(() => {
    const t = ctx.tmp("t");
    ctx.line(layout.reverse ? `for (let ${t} = ${n} - 1; ${t} >= 0; ${t}--) {` : `for (let ${t} = 0; ${t} < ${n}; ${t}++) {`);
    slices.forEach((s, i) => emitSlice(ctx, s, seqData[i], layout.lagged?.[i] ?? null, nonSeqs, t));
    const innerIds = [...slices.map((s) => s.id), ...states.map((s) => s.id), ...nonSeqs];
    const stepResults = ctx.block(inner.inputs, innerIds, inner.outputs);
    // Stacked writes first (they read the states), then the states move to this step's values.
    inner.outputs.forEach((out, k) => {
      const o = stacked[k];
      if (o) emitStackedWrite(ctx, o, out.ndim, stepResults[k], k, t);
    });
    emitStateMoves(op, ctx, states, stepResults, t);
    ctx.line("}");
    return inner.outputs.map((_, k) => {
      const o = stacked[k];
      if (o) return { expr: o.id, scalar: false };
      const state = states[op.recurrentIndex(k)];
      return { expr: state.id, scalar: state.dims.length === 0 };
    });
  });
  inner.outputs.forEach((_, k) => {
    const o = stacked[k];
    const r = results[k];
    if (!o || o.size !== null) return ctx.line(`const ${ctx.outs[k]} = ${r};`);
    // A step's shape not static: the buffer is made at the first step (none without steps).
    if (o.padded) ctx.line(`if (${r} !== null) ${r}.data.fill(0, ${n} * (${r}.data.length / ${o.length}));`);
    ctx.line(`const ${ctx.outs[k]} = ${r} ?? ${ctx.rt("empty")}([0${", 0".repeat(o.rank)}]);`);
  });
}

/** The number of steps (a literal where it is static): nSteps (checked against the sequences), else the shortest sequence's length. */
function emitStepCount(op: Scan, ctx: EmitContext): string {
  const { nSteps, seqs } = op.split(ctx.ins);
  if (nSteps === null) {
    // A literal where every sequence's length is static: V8 compiles the loop tighter (AR(1)'s
    // gradient 5.1 against 5.8 µs with the bound read off the array).
    const known = staticSteps(null, op.split(ctx.node.inputs).seqs);
    if (known !== null) return String(known);
  }
  const n = ctx.tmp("n");
  if (nSteps === null) {
    ctx.line(`const ${n} = ${seqs.length === 1 ? `${seqs[0]}.shape[0]` : `Math.min(${seqs.map((s) => `${s}.shape[0]`).join(", ")})`};`);
    return n;
  }
  ctx.line(`const ${n} = ${nSteps};`);
  ctx.line(`if (!(${n} >= 0)) throw new Error("scan: nSteps must be at least 0, got " + ${n});`);
  seqs.forEach((s, i) => {
    const needs = (op.layout.lagged?.[i] ?? null) === null ? n : `${n} - 1`;
    ctx.line(`if (${s}.shape[0] < ${needs}) throw new Error("scan: sequence ${i} has " + ${s}.shape[0] + " steps, fewer than nSteps = " + ${n});`);
  });
  return n;
}

/** One step's slice of each sequence: a number, or a buffer filled at each step. */
function emitSliceBuffers(op: Scan, ctx: EmitContext): Slice[] {
  const { seqs } = op.split(ctx.ins);
  const types = op.split(ctx.node.inputs).seqs.map((v) => v.type);
  return seqs.map((s, i) => {
    const id = ctx.tmp("s");
    if (types[i].ndim === 1) return { id, dims: [] };
    const dims = dimsOf(s, types[i].shape, 1);
    ctx.line(`const ${id} = ${ctx.alloc(dims)};`);
    return { id, dims };
  });
}

function emitSlice(ctx: EmitContext, s: Slice, data: string, lag: number | null, nonSeqs: string[], t: string): void {
  const before = lag === null ? null : nonSeqs[lag];
  const row = before === null ? t : `(${t} - 1)`;
  if (!s.dims.length) {
    ctx.line(`const ${s.id} = ${before === null ? `${data}[${t}]` : `${t} > 0 ? ${data}[${row}] : ${before}`};`);
    return;
  }
  const j = ctx.tmp("j");
  const copyRow = `for (let ${j} = 0, ${s.id}d = ${s.id}.data, base = ${row} * ${product(s.dims)}; ${j} < ${s.id}d.length; ${j}++) ${s.id}d[${j}] = ${data}[base + ${j}];`;
  ctx.line(before === null ? copyRow : `if (${t} > 0) ${copyRow} else ${s.id}.data.set(${before}.data);`);
}

/** Recurrent state: a number, or a buffer holding the previous step's value. */
function emitStates(op: Scan, ctx: EmitContext): Slice[] {
  const types = op.split(ctx.node.inputs).inits.map((v) => v.type);
  return op.split(ctx.ins).inits.map((h, r) => {
    const id = ctx.tmp("h");
    if (types[r].ndim === 0) {
      ctx.line(`let ${id} = ${h};`);
      return { id, dims: [] };
    }
    const dims = dimsOf(h, types[r].shape);
    ctx.line(`const ${id} = ${ctx.alloc(dims)};`);
    ctx.line(copyInto(`${id}.data`, `${h}.data`, dims, ctx.tmp("j")));
    return { id, dims };
  });
}

/** Stacked outputs: allocated before the loop when a step's shape is known, else at the first step. */
function emitStackedOutputs(op: Scan, ctx: EmitContext, n: string): (Stacked | null)[] {
  const { layout } = op;
  const { seqs } = op.split(ctx.ins);
  const stacked = ctx.node.outputs.map((out, k) => {
    if (layout.keep[k] === "last") return null;
    const step = out.type.shape.slice(1);
    const known = step.every((d) => d !== null);
    const id = ctx.tmp("o");
    const seq = layout.lengthOf?.[k];
    const length = seq === undefined || seq === null ? n : `${seqs[seq]}.shape[0]`;
    if (known) ctx.line(`const ${id} = ${ctx.alloc([length, ...step.map(String)])};`);
    else ctx.line(`let ${id} = null;`);
    return { id, data: ctx.tmp("od"), size: known ? product(step.map(String)) : null, rank: step.length, length, padded: length !== n };
  });
  for (const o of stacked) if (o && o.size !== null) ctx.line(`const ${o.data} = ${o.id}.data;`);
  return stacked;
}

function emitStackedWrite(ctx: EmitContext, o: Stacked, ndim: number, r: string, k: number, t: string): void {
  if (ndim === 0) {
    ctx.line(`${o.data}[${t}] = ${r};`);
    return;
  }
  if (o.size === null) {
    ctx.line(`if (${o.id} === null) ${o.id} = ${ctx.alloc([o.length, ...Array.from({ length: o.rank }, (_, i) => `${r}.shape[${i}]`)])};`);
    ctx.line(`const ${o.data} = ${o.id}.data;`);
  }
  const size = o.size ?? `${r}.data.length`;
  // (a step shape in the type is what every step's value has: checked only when it is not known)
  if (o.size === null) {
    ctx.line(
      `if (${r}.data.length * ${o.length} !== ${o.data}.length) throw new Error("scan: output ${k} has shape [" + ${r}.shape + "] at step " + ${t} + ", unlike the steps before");`,
    );
  }
  const j = ctx.tmp("j");
  ctx.line(`for (let ${j} = 0, rd = ${r}.data, base = ${t} * ${size}; ${j} < ${size}; ${j}++) ${o.data}[base + ${j}] = rd[${j}];`);
}

/** Each recurrent state takes this step's value (all read before any is overwritten). */
function emitStateMoves(op: Scan, ctx: EmitContext, states: Slice[], results: string[], t: string): void {
  const moves: string[] = [];
  op.inner.outputs.forEach((out, k) => {
    if (!op.layout.recurrent[k]) return;
    const state = states[op.recurrentIndex(k)];
    const r = results[k];
    if (r === state.id) return;
    if (out.ndim === 0) {
      const next = ctx.tmp("next");
      ctx.line(`const ${next} = ${r};`);
      moves.push(`${state.id} = ${next};`);
      return;
    }
    const stepShape = out.type.shape;
    const same = stepShape.every((d) => d !== null) && state.dims.join(",") === stepShape.join(",");
    if (!same) {
      ctx.line(
        `if (${r}.data.length !== ${state.id}.data.length) throw new Error("scan: recurrent output ${k} has shape [" + ${r}.shape + "] at step " + ${t} + ", but its initial value has shape [" + ${state.id}.shape + "]");`,
      );
    }
    // A result that is another state's buffer is copied before that state moves on.
    if (states.some((s) => s.id === r)) {
      const copy = ctx.tmp("copy");
      ctx.line(`const ${copy} = ${r}.data.slice();`);
      moves.push(`${state.id}.data.set(${copy});`);
    } else {
      moves.push(copyInto(`${state.id}.data`, `${r}.data`, state.dims, ctx.tmp("j")));
    }
  });
  for (const m of moves) ctx.line(m);
}

// ── The gradient ────────────────────────────────────────────────────────────────────────────────

/**
 * With step t computing o_t = f(s_t, h_{t-1}, w), the adjoint a_t = ḡo_t + c_t (c_t the adjoint
 * flowing back from step t+1 through its previous-value input) gives, by one vector-Jacobian
 * product of f per step: ḡs_t, c_{t-1} = a_t ∂f/∂h, and ḡw += a_t ∂f/∂w. The backward loop
 * reads h_{t-1} from the forward outputs (the initial value, then every output but the last), so
 * the forward steps are not run again.
 */
function scanGrad(op: Scan, inputs: Variable[], outputs: Variable[], grads: (Variable | null)[], needed: boolean[]): (Variable | null)[] {
  let outputGrads = grads;
  const { layout, inner } = op;
  if (layout.reverse || layout.keep.some((k) => k === "last")) throw new Error("scan: second derivatives through a scan are not supported");
  const outer = op.split(inputs);
  const neededBy = op.split(needed);
  const { nSeqs, recurrent } = layout;
  const nRec = op.nRec;
  const innerSeqs = inner.inputs.slice(0, nSeqs);
  const innerPrev = inner.inputs.slice(nSeqs, nSeqs + nRec);
  const innerNonSeqs = inner.inputs.slice(nSeqs + nRec);
  if (!outputGrads.some((g) => g !== null)) return inputs.map(() => null);
  // A recurrent output read only as out[-1] has the adjoint of its last step alone: it starts the
  // carried adjoint instead of being read step by step from an array of zeros.
  const lastAdjoint = outputGrads.map((g, k) => (recurrent[k] ? adjointOfLastStep(g, outputs[k]) : null));
  outputGrads = outputGrads.map((g, k) => (lastAdjoint[k] ? null : g));
  const flows = outputGrads.map((g, k) => g !== null || recurrent[k]);

  const fresh = (v: Variable) => new Variable(v.type, null, 0, null);
  // The backward body's inputs: the forward step's inputs, the output adjoints at t, the carried adjoints.
  const seqsB = innerSeqs.map(fresh);
  const prevB = innerPrev.map(fresh);
  const nonSeqsB = innerNonSeqs.map(fresh);
  const gOutB = outputGrads.map((g) => (g ? new Variable(new TensorType(g.dtype, g.type.shape.slice(1)), null, 0, null) : null));
  const carryB = innerPrev.map(fresh);
  const wantSeq = innerSeqs.map((s, i) => neededBy.seqs[i] && isFloat(s.dtype));
  const wantNonSeq = innerNonSeqs.map((w, j) => neededBy.nonSeqs[j] && isFloat(w.dtype));
  const accB = innerNonSeqs.filter((_, j) => wantNonSeq[j]).map(fresh);
  const initsB = innerPrev.map(fresh);

  const forward = cloneReplace(inner.outputs, new Map<Variable, Variable>([...zip(inner.inputs, [...seqsB, ...prevB, ...nonSeqsB])]));
  let cost: Variable | null = null;
  forward.forEach((o, k) => {
    if (!flows[k] || !isFloat(o.dtype)) return;
    const parts = [gOutB[k], recurrent[k] ? carryB[op.recurrentIndex(k)] : null].filter((p): p is Variable => p !== null);
    const adjoint = parts.length === 2 ? add(parts[0], parts[1]) : parts[0];
    const term = sum(mul(o, adjoint));
    cost = cost ? add(cost, term) : term;
  });
  if (!cost) return inputs.map(() => null);
  const wrt = [...seqsB.filter((_, i) => wantSeq[i]), ...prevB, ...nonSeqsB.filter((_, j) => wantNonSeq[j])];
  const gs = grad(cost, wrt, { disconnectedInputs: "zero" });
  const gSeqs = gs.slice(0, seqsB.filter((_, i) => wantSeq[i]).length);
  const gPrev = gs.slice(gSeqs.length, gSeqs.length + nRec);
  const gNonSeqs = gs.slice(gSeqs.length + nRec);

  // Outer sequences of the backward loop: the forward ones, each h_{t-1}, each output adjoint.
  // The forward loop's count: its nSteps, or (without one) the shortest of the same sequences, and the
  // outputs and adjoints have exactly that length.
  // h_{t-1}: the forward output read one step late, the initial value before it.
  const recurrentOutputs = outputs.filter((_, k) => recurrent[k]);
  const gOuts = outputGrads.filter((g): g is Variable => g !== null);
  const innerB: ScanInner = {
    inputs: [...seqsB, ...prevB, ...gOutB.filter((g): g is Variable => g !== null), ...carryB, ...accB, ...nonSeqsB, ...initsB],
    outputs: [...gSeqs, ...gPrev, ...gNonSeqs.map((g, j) => add(accB[j], g))],
  };
  const back = new Scan(
    {
      hasNSteps: layout.hasNSteps,
      nSeqs: seqsB.length + prevB.length + gOuts.length,
      recurrent: [...gSeqs.map(() => false), ...gPrev.map(() => true), ...gNonSeqs.map(() => true)],
      keep: [...gSeqs.map(() => "all" as const), ...gPrev.map(() => "last" as const), ...gNonSeqs.map(() => "last" as const)],
      nNonSeqs: nonSeqsB.length + initsB.length,
      reverse: true,
      lagged: [...seqsB.map(() => null), ...prevB.map((_, r) => nonSeqsB.length + r), ...gOuts.map(() => null)],
      // A sequence longer than the loop gets zeros past the last step.
      lengthOf: [...wantSeq.flatMap((w, i) => (w ? [i] : [])), ...gPrev.map(() => null), ...gNonSeqs.map(() => null)],
    },
    innerB,
  );
  const zeroOf = (v: Variable) => (isFloat(v.dtype) ? zerosLike(v) : add(zerosLike(v), constant(0, null, "float64")));
  const res = back.makeNode(
    ...(outer.nSteps ? [outer.nSteps] : []),
    ...outer.seqs,
    ...recurrentOutputs,
    ...gOuts,
    ...outer.inits.map((h, r) => lastAdjoint[recurrent.findIndex((rec, k) => rec && op.recurrentIndex(k) === r)] ?? zeroOf(h)),
    ...outer.nonSeqs.filter((_, j) => wantNonSeq[j]).map(zeroOf),
    ...outer.nonSeqs,
    ...outer.inits.map((h0, r) => (h0.dtype === recurrentOutputs[r].dtype ? h0 : add(h0, constant(0, null, recurrentOutputs[r].dtype)))),
  ).outputs;

  let p = 0;
  const seqGrads = wantSeq.map((want) => (want ? res[p++] : null));
  const initGrads = outer.inits.map((h) => {
    const g = res[p++];
    return isFloat(h.dtype) ? g : null;
  });
  const nonSeqGrads = outer.nonSeqs.map((_, j) => (wantNonSeq[j] ? res[p++] : null));
  return [...(layout.hasNSteps ? [null] : []), ...seqGrads, ...initGrads, ...nonSeqGrads];
}

/** g when it is `IncSubtensor{-1}(zerosLike(y), g)` (the gradient of y[-1] alone), else null. */
function adjointOfLastStep(grad: Variable | null, y: Variable): Variable | null {
  const node = grad?.owner;
  if (!node || !(node.op instanceof IncSubtensor) || node.op.entries.length !== 1 || node.op.entries[0] !== -1) return null;
  const base = node.inputs[0].owner;
  // zerosLike(y) is second(y, 0), the 0 given y's rank by an ExpandDims.
  let zero = base?.inputs[1];
  while (zero?.owner?.op instanceof DimShuffle) zero = zero.owner.inputs[0];
  const isZerosOfY =
    base?.op instanceof Elemwise && base.op.scalar === S.second && base.inputs[0] === y && zero instanceof Constant && zero.data.every((v) => v === 0);
  const g = node.inputs[1];
  return isZerosOfY && g.ndim === y.ndim - 1 ? g : null;
}

function* zip<A, B>(a: readonly A[], b: readonly B[]): Generator<[A, B]> {
  for (let i = 0; i < a.length; i++) yield [a[i], b[i]];
}

// ── pt.scan ─────────────────────────────────────────────────────────────────────────────────────

export interface ScanOptions {
  /** Stepped over along their first axis: fn gets one slice of each per step. */
  sequences?: TensorLike | readonly TensorLike[];
  /** Per output: its initial value (fed back as the previous value), or null for an output not fed back. */
  outputsInfo?: TensorLike | null | readonly (TensorLike | null)[];
  /** Passed to fn unchanged at every step. */
  nonSequences?: TensorLike | readonly TensorLike[];
  /** The number of steps (required without sequences; with them, at most the shortest's length). */
  nSteps?: number | Variable;
}

const KNOWN_OPTIONS = new Set(["sequences", "outputsInfo", "nonSequences", "nSteps"]);

const asList = <T>(x: T | readonly T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? [...x] : [x as T]);

/** A fresh inner input standing for one step of `v` (the first `drop` axes dropped). */
const placeholder = (v: Variable, drop = 0, dtype = v.dtype) => new Variable(new TensorType(dtype, v.type.shape.slice(drop)), null, 0, null);

/**
 * PyTensor's `scan`: fn(sequence slices..., previous outputs..., non-sequences...) is called once,
 * symbolically; the result is each output stacked over the steps (leading axis = steps, initial
 * values not included), one Variable or an array as fn returns.
 */
export function scan(fn: (...args: Variable[]) => Variable | TensorLike | readonly (Variable | TensorLike)[], opts: ScanOptions = {}): Variable | Variable[] {
  if (typeof fn !== "function") throw new TypeError("scan: the first argument must be the step function");
  if (opts === null || typeof opts !== "object") throw new TypeError("scan: options must be an object");
  for (const key of Object.keys(opts)) {
    if (!KNOWN_OPTIONS.has(key)) throw new Error(`scan: unknown option '${key}' (known: ${[...KNOWN_OPTIONS].join(", ")})`);
  }
  const noTaps = (x: unknown, what: string) => {
    if (x !== null && typeof x === "object" && !(x instanceof Variable) && !Array.isArray(x) && !ArrayBuffer.isView(x)) {
      throw new Error(
        `scan: ${what} is an object; taps ({ input/initial, taps }) are not supported, give the ${what.startsWith("sequence") ? "sequence" : "initial value"} itself`,
      );
    }
  };
  asList(opts.sequences).forEach((s, i) => noTaps(s, `sequence ${i}`));
  (Array.isArray(opts.outputsInfo) ? opts.outputsInfo : [opts.outputsInfo]).forEach((h, k) => noTaps(h, `outputsInfo entry ${k}`));
  const seqs = asList(opts.sequences).map((s, i) => {
    const v = asTensor(s as TensorLike);
    if (v.ndim < 1) throw new Error(`scan: sequence ${i} must have at least one dimension to step over, got ${v.type}`);
    return v;
  });
  const infoGiven = opts.outputsInfo !== undefined;
  const info = infoGiven ? (Array.isArray(opts.outputsInfo) ? [...opts.outputsInfo] : [opts.outputsInfo]) : [];
  const inits = info.map((x) => (x === null ? null : asTensor(x as TensorLike)));
  const nonSeqs = asList(opts.nonSequences).map((w) => asTensor(w as TensorLike));
  let nSteps: Variable | null = null;
  if (opts.nSteps !== undefined) {
    if (typeof opts.nSteps === "number") {
      if (!Number.isInteger(opts.nSteps) || opts.nSteps < 0) throw new Error(`scan: nSteps must be a non-negative integer, got ${opts.nSteps}`);
      nSteps = constant(opts.nSteps, null, "int64");
    } else if (opts.nSteps instanceof Variable && opts.nSteps.ndim === 0 && !isFloat(opts.nSteps.dtype)) {
      nSteps = opts.nSteps;
    } else {
      throw new Error(`scan: nSteps must be a non-negative integer or an integer scalar Variable, got ${String(opts.nSteps)}`);
    }
  }
  if (!seqs.length && nSteps === null) throw new Error("scan: without sequences, nSteps is required");

  const seqIn = seqs.map((s) => placeholder(s, 1));
  let prevIn = inits.filter((h): h is Variable => h !== null).map((h) => placeholder(h));
  const nonSeqIn = nonSeqs.map((w) => placeholder(w));
  const returned = fn(...seqIn, ...prevIn, ...nonSeqIn);
  const single = !Array.isArray(returned);
  let outs = (single ? [returned] : [...(returned as readonly (Variable | TensorLike)[])]).map((o, k) => {
    try {
      return asTensor(o as TensorLike);
    } catch {
      throw new Error(`scan: the step function returned ${String(o)} as output ${k}; expected a Variable`);
    }
  });
  if (infoGiven && outs.length !== inits.length) {
    throw new Error(`scan: the step function returned ${outs.length} output(s) but outputsInfo has ${inits.length} entr${inits.length === 1 ? "y" : "ies"}`);
  }
  const recurrent = outs.map((_, k) => infoGiven && inits[k] !== null);

  // An initial value is cast to its output's dtype (an integer 0 starting a float recursion).
  const outerInits: Variable[] = [];
  const recast = new Map<Variable, Variable>();
  let r = 0;
  outs.forEach((o, k) => {
    if (!recurrent[k]) return;
    const h = inits[k]!;
    const p = prevIn[r++];
    if (o.dtype !== h.dtype && isFloat(o.dtype) && !isFloat(h.dtype)) {
      const cast = placeholder(h, 0, o.dtype);
      recast.set(p, cast);
      outerInits.push(h instanceof Constant ? new Constant(cast.type, h.data) : add(h, constant(0, null, o.dtype)));
    } else {
      outerInits.push(h);
    }
  });
  if (recast.size) {
    outs = cloneReplace(outs, recast);
    prevIn = prevIn.map((p) => recast.get(p) ?? p);
  }

  const innerInputs = [...seqIn, ...prevIn, ...nonSeqIn];
  const { outputs, closures } = closeOver(innerInputs, outs);
  const op = new Scan(
    { hasNSteps: nSteps !== null, nSeqs: seqs.length, recurrent, keep: outs.map(() => "all"), nNonSeqs: nonSeqs.length + closures.length, reverse: false },
    { inputs: [...innerInputs, ...closures.map((c) => c.inner)], outputs },
  );
  const result = op.makeNode(...(nSteps ? [nSteps] : []), ...seqs, ...outerInits, ...nonSeqs, ...closures.map((c) => c.outer)).outputs;
  return single ? result[0] : result;
}

/**
 * The body may use outer variables (a model's RVs, data, other graphs): each outer variable it
 * reads becomes an implicit non-sequence, so that the inner graph's only roots are its inputs and
 * constants. What depends on no inner input is outer: computed once, before the loop.
 */
function closeOver(innerInputs: Variable[], outs: Variable[]): { outputs: Variable[]; closures: { outer: Variable; inner: Variable }[] } {
  const isInner = new Set<Variable>(innerInputs);
  const nodes = toposort(outs, isInner);
  for (const node of nodes) {
    if (node.inputs.some((v) => isInner.has(v))) {
      if (node.op instanceof RandomVariable)
        throw new Error(`scan: the step function draws ${node.op} (random variables inside scan are not supported; pass draws in as a sequence)`);
      node.outputs.forEach((o) => isInner.add(o));
    }
  }
  const closures = new Map<Variable, Variable>();
  const close = (v: Variable) => {
    if (isInner.has(v) || v instanceof Constant || closures.has(v)) return;
    closures.set(v, placeholder(v));
  };
  for (const node of nodes) if (node.inputs.some((v) => isInner.has(v))) node.inputs.forEach(close);
  outs.forEach(close);
  const outputs = closures.size ? cloneReplace(outs, closures) : outs;
  return { outputs, closures: [...closures].map(([outer, inner]) => ({ outer, inner })) };
}
