// Scan's body goes down the same pipeline as any graph (rewrites, then fusion), and what does not
// change from step to step moves out of the loop (PyTensor's scan_push_out_non_seq): a body
// reading log(A) of a non-sequence A computes it once, before the loop, not once per step.
import { type Apply, Constant, Variable } from "../graph/basic.js";
import { cloneReplace, graphInputs, toposort } from "../graph/traversal.js";
import { TensorType } from "../graph/type.js";
import { DimShuffle, dropDims, expandDims } from "../ops/dimshuffle.js";
import { type InnerStage, Scan } from "../ops/scan.js";
import { Subtensor } from "../ops/subtensor.js";
import { floatConst } from "../ops/constant.js";
import { mul } from "../ops/elemwise.js";
import { opName, rewrite, uniformValue } from "./pattern.js";
import { lastRowOfColumns, scalarizeScan } from "./scalarize.js";
import { carryLaggedSequences } from "./scan-lag.js";
import { mergeScans } from "./scan-merge.js";
import { shareForwardValues } from "./scan-share.js";
import { reciprocalOfFixed } from "./specialize.js";

const STAGES: readonly InnerStage[] = ["built", "rewritten", "fused"];

/** The pipeline's passes for an inner graph (passed in, to keep imports one-way). */
export interface InnerCompiler {
  /** The rewrites, without fusion. */
  rewrite(outputs: Variable[]): Variable[];
  /** Fusion (nested scans included). */
  fuse(outputs: Variable[]): Variable[];
}

/** `outputs` with every Scan's body taken to `stage` (nested scans go with their body). */
export function optimizeScans(outputs: readonly Variable[], stage: Exclude<InnerStage, "built">, compile: InnerCompiler): Variable[] {
  const nodes = toposort(outputs);
  if (!nodes.some((n) => n.op instanceof Scan)) return [...outputs];
  const behind = (op: unknown): op is Scan => op instanceof Scan && STAGES.indexOf(op.stage) < STAGES.indexOf(stage);
  if (!nodes.some((n) => behind(n.op))) return keepLastOnly([...outputs]);
  // A scalarized loop's out[-1] reads the last entry of each scalar output, not a row of their stack.
  const optimized = rebuild(outputs, (node, inputs) => {
    if (behind(node.op)) return optimizeOne(node.op, inputs, stage, compile);
    const last = lastRowOfColumns(node, inputs);
    return last ? [last] : null;
  });
  return carryLaggedSequences(keepLastOnly(shareForwardValues(mergeScans(keepLastOnly(optimized)))));
}

/**
 * `outputs` rebuilt in one walk: `replace` gives a node's new outputs from its rebuilt inputs (null:
 * keep the op; a null output: nothing reads it as it was); nodes whose inputs changed are made again.
 */
function rebuild(outputs: readonly Variable[], replace: (node: Apply, inputs: Variable[]) => (Variable | null)[] | null): Variable[] {
  const memo = new Map<Variable, Variable>();
  const get = (v: Variable) => memo.get(v) ?? v;
  for (const node of toposort(outputs)) {
    const inputs = node.inputs.map(get);
    const rebuilt = replace(node, inputs) ?? (inputs.some((v, i) => v !== node.inputs[i]) ? node.op.makeNode(...inputs).outputs : null);
    rebuilt?.forEach((out, i) => {
      if (!out) return;
      out.name = node.outputs[i].name;
      memo.set(node.outputs[i], out);
    });
  }
  return outputs.map(get);
}

const isLastStep = (op: unknown) => op instanceof Subtensor && op.entries.length === 1 && op.entries[0] === -1;

/**
 * A recurrent output read only as `out[-1]` (or not at all) keeps its last value alone (PyTensor's
 * scan_save_mem): no buffer of one value per step, no write per step. An output fed back to no
 * step and read by nothing goes (a logp alone does not store the values kept for its gradient).
 */
export function keepLastOnly(outputs: Variable[]): Variable[] {
  const nodes = toposort(outputs);
  const readers = new Map<Variable, Apply[]>();
  for (const n of nodes) {
    for (const v of n.inputs) {
      const list = readers.get(v);
      if (list) list.push(n);
      else readers.set(v, [n]);
    }
  }
  const isOutput = new Set(outputs);
  const readersOf = (out: Variable) => (isOutput.has(out) ? null : (readers.get(out) ?? []));
  const lastOnly = (node: Apply, k: number) => {
    const op = node.op as Scan;
    const rs = readersOf(node.outputs[k]);
    return op.layout.recurrent[k] && op.layout.keep[k] === "all" && rs?.every((r) => isLastStep(r.op)) === true;
  };
  const unused = (node: Apply, k: number) => !(node.op as Scan).layout.recurrent[k] && readersOf(node.outputs[k])?.length === 0;
  const changes = (n: Apply) => n.op instanceof Scan && n.outputs.some((_, k) => lastOnly(n, k) || unused(n, k));
  if (!nodes.some(changes)) return outputs;
  // The last value of each such output, which its readers out[-1] become.
  const lastOf = new Map<Variable, Variable>();
  return rebuild(outputs, (node, inputs) => {
    const last = lastOf.get(node.inputs[0]);
    if (isLastStep(node.op) && last) return [last];
    const op = node.op;
    if (!(op instanceof Scan) || !changes(node)) return null;
    const keepLast = node.outputs.map((_, k) => lastOnly(node, k));
    const kept = node.outputs.map((_, k) => !unused(node, k));
    const { layout, inner } = op;
    const pick = <T>(list: readonly T[]) => list.filter((_, k) => kept[k]);
    const smaller = new Scan(
      {
        ...layout,
        recurrent: pick(layout.recurrent),
        keep: pick(layout.keep.map((keep, k) => (keepLast[k] ? "last" : keep))),
        lengthOf: layout.lengthOf && pick(layout.lengthOf),
      },
      { inputs: inner.inputs, outputs: pick(inner.outputs) },
      op.stage,
    );
    const rebuilt = smaller.makeNode(...inputs).outputs;
    let p = 0;
    return node.outputs.map((_, k) => {
      if (!kept[k]) return null;
      const out = rebuilt[p++];
      if (!keepLast[k]) return out;
      lastOf.set(node.outputs[k], out);
      return null;
    });
  });
}

/** The body through the rewrites; dividing by what the loop does not change is multiplying by its reciprocal, computed once. */
function rewriteBody(op: Scan, compile: InnerCompiler): Variable[] {
  const invariantRoots = new Set(op.inner.inputs.slice(op.layout.nSeqs + op.nRec));
  const invariant = (v: Variable) => graphInputs([v]).every((r) => r instanceof Constant || invariantRoots.has(r));
  return rewrite(compile.rewrite([...op.inner.outputs]), [reciprocalOfFixed(invariant)]);
}

function optimizeOne(original: Scan, originalInputs: Variable[], stage: Exclude<InnerStage, "built">, compile: InnerCompiler): Variable[] {
  let op = original;
  let inputs = originalInputs;
  let body = rewriteBody(op, compile);
  // Small static tensors become scalars (then the rewrites again, on the scalar body).
  const scalar = scalarizeScan(op.withInner({ inputs: op.inner.inputs, outputs: body }, op.stage), inputs);
  if (scalar) {
    op = scalar.op;
    inputs = scalar.inputs;
    body = rewriteBody(op, compile);
  }
  const factored = factorInvariantScales(op, inputs, body);
  if (factored) body = factored.body;
  const { nSeqs } = op.layout;
  const innerIn = op.inner.inputs;
  const nonSeqIn = innerIn.slice(nSeqs + op.nRec);
  const outerNonSeqs = op.split(inputs).nonSeqs;

  // Variant: depends on a sequence slice or a previous value. Everything else in the body is computed from
  // non-sequences and constants alone.
  const variant = new Set<Variable>(innerIn.slice(0, nSeqs + op.nRec));
  const order = toposort(body, new Set(innerIn));
  for (const n of order) if (n.inputs.some((v) => variant.has(v))) n.outputs.forEach((o) => variant.add(o));
  // Each value moved out: the new inner input standing for it, and what the body reads instead.
  const hoisted = new Map<Variable, { input: Variable; read: Variable }>();
  const hoist = (v: Variable): void => {
    if (variant.has(v) || v instanceof Constant || !v.owner || hoisted.has(v)) return;
    // A view (an added unit dim) costs nothing in the loop; moved out, it would make a scalar an array.
    if (v.owner.op instanceof DimShuffle && v.owner.op.isView) return hoist(v.owner.inputs[0]);
    // One number in unit dims (a scalar broadcast early) goes in as a number, so that its gradient is one too.
    if (v.ndim > 0 && v.type.shape.every((d) => d === 1)) {
      const input = new Variable(new TensorType(v.dtype, []), null, 0, null);
      hoisted.set(v, {
        input,
        read: expandDims(
          input,
          v.type.shape.map((_, k) => k),
        ),
      });
      return;
    }
    const input = new Variable(v.type, null, 0, null);
    hoisted.set(v, { input, read: input });
  };
  for (const n of order) if (variant.has(n.outputs[0])) n.inputs.forEach(hoist);
  body.forEach(hoist);

  const toOuter = new Map<Variable, Variable>(nonSeqIn.map((w, j) => [w, outerNonSeqs[j]]));
  const inputsOut = [...hoisted.values()].map((h) => h.input);
  const hoistedOuter = cloneReplace([...hoisted.keys()], toOuter).map((v, i) => {
    return inputsOut[i].ndim < v.ndim
      ? dropDims(
          v,
          v.type.shape.map((_, k) => k),
        )
      : v;
  });
  const moved = hoisted.size ? cloneReplace(body, new Map([...hoisted].map(([v, h]) => [v, h.read]))) : body;
  const outputs = stage === "fused" ? compile.fuse(moved) : moved;
  const inner = { inputs: [...innerIn, ...inputsOut], outputs };
  const optimized = op.withInner(inner, stage, hoisted.size);
  const pruned = withoutUnusedInputs(optimized, [...inputs, ...hoistedOuter]);
  const made = pruned.op.makeNode(...pruned.inputs).outputs;
  const results = factored ? factored.finish(made) : made;
  return scalar ? scalar.outputs(results) : results;
}

/** An increment as k · rest: k the product of `c` and of `scales`, which do not change in the loop. */
interface Scaled {
  c: number;
  scales: Variable[];
  rest: Variable;
}

/**
 * A sum accumulated from 0 over the steps, acc_t = acc_{t-1} ± k·e_t with k the same at every step
 * (the gradient of a non-sequence: sigma's -2·Σ(-0.5·x)/σ³), adds e_t alone; k multiplies the sum
 * once, after the loop. Only an output kept at its last step (a gradient loop's accumulators) and
 * read by nothing else in the body. The same value up to rounding.
 */
function factorInvariantScales(op: Scan, inputs: Variable[], body: Variable[]) {
  const { layout, inner } = op;
  const innerIn = inner.inputs;
  const variant = new Set<Variable>(innerIn.slice(0, layout.nSeqs + op.nRec));
  const order = toposort(body, new Set(innerIn));
  const readers = new Map<Variable, number>();
  for (const n of order) {
    if (n.inputs.some((v) => variant.has(v))) n.outputs.forEach((o) => variant.add(o));
    for (const v of n.inputs) readers.set(v, (readers.get(v) ?? 0) + 1);
  }
  for (const v of body) readers.set(v, (readers.get(v) ?? 0) + 1);
  const fixedScale = (v: Variable) => v.ndim === 0 && !variant.has(v);
  const product = (c: number, vars: Variable[], rest: Variable) => {
    const scaled = vars.reduce((acc, v) => mul(acc, v), rest);
    return c === 1 ? scaled : mul(floatConst(c), scaled);
  };
  const split = (v: Variable): Scaled => {
    const node = v.owner;
    const name = node && node.inputs.length === 2 ? opName(node) : "";
    if (name === "Mul") {
      const [a, b] = node!.inputs;
      for (const [k, x] of [
        [a, b],
        [b, a],
      ]) {
        const value = k.ndim === 0 ? uniformValue(k) : null;
        if (value === null || value === 0 || !Number.isFinite(value)) continue;
        const inner = split(x);
        return { ...inner, c: value * inner.c };
      }
      if (fixedScale(a) || fixedScale(b)) {
        const [k, x] = fixedScale(a) ? [a, b] : [b, a];
        const inner = split(x);
        return { ...inner, scales: [...inner.scales, k] };
      }
    }
    if (name === "Add" || name === "Sub") {
      const [a, b] = node!.inputs.map(split);
      // The factors both terms have (as many times as both have them), and what each has besides.
      const left = [...a.scales];
      const right: Variable[] = [];
      const common: Variable[] = [];
      for (const k of b.scales) {
        const i = left.indexOf(k);
        if (i === -1) right.push(k);
        else common.push(...left.splice(i, 1));
      }
      const c = a.c === b.c ? a.c : 1;
      if (common.length || c !== 1) {
        const terms = [product(a.c / c, left, a.rest), product(b.c / c, right, b.rest)];
        return { c, scales: common, rest: node!.op.makeNode(...terms).outputs[0] };
      }
    }
    return { c: 1, scales: [], rest: v };
  };
  const initAt = (layout.hasNSteps ? 1 : 0) + layout.nSeqs;
  const toOuter = new Map(innerIn.slice(layout.nSeqs + op.nRec).map((w, j) => [w, op.split(inputs).nonSeqs[j]]));
  const newBody = [...body];
  const scaleOf = new Map<number, Variable>();
  body.forEach((out, k) => {
    const node = out.owner;
    const name = node ? opName(node) : "";
    if (!layout.recurrent[k] || layout.keep[k] !== "last" || !node || (name !== "Add" && name !== "Sub") || readers.get(out) !== 1) return;
    const r = op.recurrentIndex(k);
    const prev = innerIn[layout.nSeqs + r];
    const at = node.inputs.indexOf(prev);
    // acc - k·e_t as well: the sum of -e_t, times k.
    if (at === -1 || (name === "Sub" && at !== 0) || readers.get(prev) !== 1 || prev.dtype !== "float64") return;
    const { c, scales, rest } = split(node.inputs[1 - at]);
    if ((!scales.length && c === 1) || rest.ndim !== prev.ndim) return;
    if (uniformValue(inputs[initAt + r]) !== 0) return;
    newBody[k] = node.op.makeNode(...(at === 0 ? [prev, rest] : [rest, prev])).outputs[0];
    const outer = cloneReplace(scales, toOuter);
    scaleOf.set(k, outer.length ? product(c, outer.slice(1), outer[0]) : floatConst(c));
  });
  if (!scaleOf.size) return null;
  const finish = (results: Variable[]) =>
    results.map((res, k) => {
      const scale = scaleOf.get(k);
      return scale ? mul(scale, res) : res;
    });
  return { body: newBody, finish };
}

/**
 * The loop without the sequences and non-sequences its body does not read (PyTensor's
 * remove_unused_inputs): a gradient's loop that needs no previous value stops reading the forward
 * outputs, which may then keep their last step alone.
 */
function withoutUnusedInputs(op: Scan, outerInputs: Variable[]): { op: Scan; inputs: Variable[] } {
  const { layout, inner } = op;
  const used = new Set<Variable>(inner.outputs);
  for (const n of toposort(inner.outputs, new Set(inner.inputs))) n.inputs.forEach((v) => used.add(v));
  const nRec = op.nRec;
  const seqIn = inner.inputs.slice(0, layout.nSeqs);
  const nonSeqIn = inner.inputs.slice(layout.nSeqs + nRec);
  // A sequence an output takes its length from stays, and so does a lagged one's first value.
  const keepSeq = seqIn.map((v, i) => used.has(v) || layout.lengthOf?.includes(i) === true);
  if (!layout.hasNSteps && !keepSeq.some(Boolean)) keepSeq[0] = true;
  const keepNonSeq = nonSeqIn.map((v, j) => used.has(v) || layout.lagged?.some((l, i) => l === j && keepSeq[i]) === true);
  if (keepSeq.every(Boolean) && keepNonSeq.every(Boolean)) return { op, inputs: outerInputs };
  const seqIndex = renumber(keepSeq);
  const nonSeqIndex = renumber(keepNonSeq);
  const outer = op.split(outerInputs);
  const pruned = new Scan(
    {
      ...layout,
      nSeqs: seqIndex.kept,
      nNonSeqs: nonSeqIndex.kept,
      lengthOf: layout.lengthOf?.map((i) => (i === null ? null : seqIndex.at[i])),
      lagged: layout.lagged?.filter((_, i) => keepSeq[i]).map((j) => (j === null ? null : nonSeqIndex.at[j])),
    },
    {
      inputs: [...seqIn.filter((_, i) => keepSeq[i]), ...inner.inputs.slice(layout.nSeqs, layout.nSeqs + nRec), ...nonSeqIn.filter((_, j) => keepNonSeq[j])],
      outputs: inner.outputs,
    },
    op.stage,
  );
  return {
    op: pruned,
    inputs: [
      ...(outer.nSteps ? [outer.nSteps] : []),
      ...outer.seqs.filter((_, i) => keepSeq[i]),
      ...outer.inits,
      ...outer.nonSeqs.filter((_, j) => keepNonSeq[j]),
    ],
  };
}

/** New positions of the kept entries. */
function renumber(keep: boolean[]): { at: number[]; kept: number } {
  let kept = 0;
  const at = keep.map((k) => (k ? kept++ : -1));
  return { at, kept };
}
