// Composite: several elementwise ops fused into one loop over their common iteration space
// (PyTensor's Composite), optionally summed on the fly so that a reduction of an elementwise
// expression never materialises the expression (PyTensor's CAReduce of a Composite).
import { Apply, type Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, type DType } from "../graph/type.js";
import { broadcastStatic, outDtype, type ScalarOp } from "./elemwise.js";
import { emitFusedLoop, type FusedLoop } from "../emit/loop.js";

/**
 * One op of the inner graph; an arg below `nIn` is an input, otherwise an earlier node. A scalar op
 * works on one element; `rowdot` is the dot product of row i of an input matrix with an input
 * vector (the loop's share of a matrix–vector product).
 */
export type InnerNode =
  | { readonly op: ScalarOp; readonly args: readonly number[]; readonly rowdot?: undefined; readonly gather?: undefined }
  | { readonly rowdot: true; readonly args: readonly [matrix: number, vector: number]; readonly op?: undefined; readonly gather?: undefined }
  | { readonly gather: true; readonly args: readonly [vector: number, index: number]; readonly op?: undefined; readonly rowdot?: undefined };

/**
 * What an output does with its value: store it, sum it over the loop, or accumulate it times the
 * rows of an input matrix into a vector (`rowacc`: the loop's share of transpose(M) · value).
 */
export type OutputMode =
  | "none"
  | "sum"
  | "all"
  | { readonly rowacc: number }
  /**
   * base + scatter: a copy of vector `base` with each element's value added at `index[i]`; then
   * each of `chained` adds its own value at its own index into the same vector (a sum of scatters,
   * one buffer and one pass).
   */
  | { readonly scatter: number; readonly base: number; readonly chained?: readonly ChainedScatter[] };

/** A further scatter into a scatter output's vector: inner value `value` added at `index[i]` of input `scatter`. */
export interface ChainedScatter {
  readonly value: number;
  readonly scatter: number;
}

const nodeName = (n: InnerNode) => (n.rowdot ? "RowDot" : n.gather ? "Gather" : n.op!.name);

export interface CompositeSpec {
  readonly nIn: number;
  readonly nodes: readonly InnerNode[];
  /** Index (input or node value) of each output. */
  readonly outputs: readonly number[];
  /**
   * Per output: store the array, or sum it over every element in the loop (the output is then a
   * scalar and no array is ever stored). One mode for all outputs may be given.
   */
  readonly reduce: "none" | "sum" | readonly OutputMode[];
}

const modeOf = (spec: CompositeSpec, i: number): OutputMode => (typeof spec.reduce === "string" ? spec.reduce : spec.reduce[i]);
const modeText = (m: OutputMode) =>
  typeof m === "string"
    ? m
    : "rowacc" in m
      ? `rowacc${m.rowacc}`
      : `scatter${m.scatter},${m.base}${(m.chained ?? []).map((c) => `+${c.value}@${c.scatter}`).join("")}`;

const INFIX: Record<string, string> = { Add: "+", Sub: "-", Mul: "*", True_div: "/" };
const innerTexts = new WeakMap<CompositeSpec, string[]>();

/**
 * Longest printed name: a value read twice is written out twice, so a chain that reuses each step
 * (x + sin(x), 7000 times over) would print 2^7000 characters. Longer, it prints as PyTensor
 * abbreviates a large Composite: `Composite{...}` (its key, which merging uses, stays exact).
 */
const MAX_NAME_LENGTH = 4096;

/** The length of each value's text, without the text (a number per value). */
function innerTextLengths(spec: CompositeSpec): number[] {
  const lengths = Array.from({ length: spec.nIn }, (_, i) => `i${i}`.length);
  for (const node of spec.nodes) {
    const name = nodeName(node);
    const args = node.args.reduce((a, v) => a + lengths[v], 0);
    lengths.push(INFIX[name] && node.args.length === 2 ? args + INFIX[name].length + 4 : name.length + 2 + args + 2 * Math.max(0, node.args.length - 1));
  }
  return lengths;
}

/** PyTensor-style text of an inner value: `((i0 + i1) * i2)`. */
function innerText(spec: CompositeSpec, value: number): string {
  // Every value's text at once, in order (inner values come after their arguments): no recursion,
  // as a fused loop of a long unrolled graph is a long chain.
  let texts = innerTexts.get(spec);
  if (!texts) {
    texts = Array.from({ length: spec.nIn }, (_, i) => `i${i}`);
    for (const node of spec.nodes) {
      const args = node.args.map((a) => texts![a]);
      const name = nodeName(node);
      texts.push(INFIX[name] && args.length === 2 ? `(${args[0]} ${INFIX[name]} ${args[1]})` : `${name.toLowerCase()}(${args.join(", ")})`);
    }
    innerTexts.set(spec, texts);
  }
  return texts[value];
}

export class Composite implements Op, FusedLoop {
  readonly spec: CompositeSpec;
  readonly key: string;
  readonly foldable = false;
  /** What each output does with its value. */
  readonly modes: readonly OutputMode[];
  /** Inputs read a row per iteration (matrices of rowdot and rowacc), and loop-invariant vectors. */
  readonly rowMatrices = new Set<number>();
  readonly invariants = new Set<number>();
  /** Integer index vectors along the loop (gather and scatter). */
  readonly indices = new Set<number>();

  constructor(spec: CompositeSpec) {
    this.spec = spec;
    const body = spec.nodes.map((n) => `${nodeName(n)}(${n.args.join(",")})`).join(";");
    const modes = spec.outputs.map((_, i) => modeText(modeOf(spec, i))).join(",");
    for (const n of spec.nodes) {
      if (n.rowdot) this.rowMatrices.add(n.args[0]), this.invariants.add(n.args[1]);
      if (n.gather) this.invariants.add(n.args[0]), this.indices.add(n.args[1]);
    }
    spec.outputs.forEach((_, i) => {
      const m = modeOf(spec, i);
      if (typeof m === "string") return;
      if ("rowacc" in m) this.rowMatrices.add(m.rowacc);
      else {
        this.indices.add(m.scatter), this.invariants.add(m.base);
        for (const c of m.chained ?? []) this.indices.add(c.scatter);
      }
    });
    this.key = `Composite{${spec.nIn};${body};${spec.outputs.join(",")};${modes}}`;
    this.modes = spec.outputs.map((_, i) => modeOf(spec, i));
  }

  toString(): string {
    const lengths = innerTextLengths(this.spec);
    const printed = [
      ...this.spec.outputs,
      ...this.modes.flatMap((m) => (typeof m !== "string" && "chained" in m ? (m.chained ?? []).map((c) => c.value) : [])),
    ];
    if (printed.reduce((a, v) => a + lengths[v], 0) > MAX_NAME_LENGTH) return "Composite{...}";
    const parts = this.spec.outputs.map((o, i) => {
      const m = modeOf(this.spec, i);
      if (m === "sum" || m === "all") return `${m}(${innerText(this.spec, o)})`;
      if (typeof m !== "string" && "rowacc" in m) return `rowacc(i${m.rowacc}, ${innerText(this.spec, o)})`;
      if (typeof m !== "string") {
        const more = (m.chained ?? []).map((c) => `, i${c.scatter}, ${innerText(this.spec, c.value)}`).join("");
        return `scatter(i${m.base}, i${m.scatter}, ${innerText(this.spec, o)}${more})`;
      }
      return innerText(this.spec, o);
    });
    if (this.spec.outputs.length === 1 && modeOf(this.spec, 0) === "sum") return `Sum{Composite{${innerText(this.spec, this.spec.outputs[0])}}, axes=None}`;
    return `Composite{${parts.join(", ")}}`;
  }

  innerGraph() {
    const s = this.spec;
    return { nIn: s.nIn, nodes: s.nodes.map((n) => ({ name: nodeName(n), args: n.args })), outputs: s.outputs };
  }

  /** dtypes of every inner value, inputs first. */
  private valueDtypes(inputs: Variable[]): DType[] {
    const dtypes: DType[] = inputs.map((v) => v.dtype);
    for (const n of this.spec.nodes) {
      dtypes.push(
        n.rowdot
          ? "float64"
          : n.gather
            ? dtypes[n.args[0]]
            : outDtype(
                n.op!,
                n.args.map((a) => dtypes[a]),
              ),
      );
    }
    return dtypes;
  }

  makeNode(...inputs: Variable[]): Apply {
    if (inputs.length !== this.spec.nIn) throw new Error(`${this}: expected ${this.spec.nIn} inputs, got ${inputs.length}`);
    const full = inputs.filter((v, j) => v.ndim > 0 && this.loopInput(j));
    const matrices = [...this.rowMatrices].map((j) => inputs[j]);
    const indexVectors = [...this.indices].map((j) => inputs[j]);
    if (matrices.some((m) => m.ndim !== 2)) throw new Error(`${this}: row inputs must be matrices`);
    if (!full.length && !matrices.length && !indexVectors.length) throw new Error(`${this}: at least one input must be an array`);
    const ndim = full.length ? full[0].ndim : 1;
    if (full.some((v) => v.ndim !== ndim)) throw new Error(`${this}: array inputs must share a rank`);
    if ((matrices.length || indexVectors.length) && ndim !== 1) throw new Error(`${this}: row and index inputs need a one-dimensional loop`);
    const shape = full.length ? broadcastStatic(String(this), full) : [(matrices[0] ?? indexVectors[0]).type.shape[0]];
    const dtypes = this.valueDtypes(inputs);
    const types = this.spec.outputs.map((o, i) => {
      const dtype = dtypes[o];
      const m = modeOf(this.spec, i);
      if (m === "sum") return new TensorType(dtype === "bool" ? "int64" : dtype, []);
      if (m === "all") return new TensorType("bool", []);
      if (typeof m !== "string" && "rowacc" in m) return new TensorType("float64", [inputs[m.rowacc].type.shape[1]]);
      if (typeof m !== "string") return new TensorType("float64", inputs[m.base].type.shape);
      return new TensorType(dtype, shape);
    });
    return new Apply(this, inputs, types);
  }

  /** An input read element by element along the loop (not a row matrix, not an invariant vector). */
  loopInput(j: number): boolean {
    return !this.rowMatrices.has(j) && !this.invariants.has(j) && !this.indices.has(j);
  }

  /** One loop over the iteration space (compiler/emit/loop.ts). */
  emit(ctx: EmitContext): void {
    emitFusedLoop(this, ctx);
  }
}
