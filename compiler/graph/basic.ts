// The IR: Variable, Apply, Constant and the Op interface, PyTensor's names and printed forms.
import type { TensorType, DType } from "./type.js";
import { formatArray } from "./format.js";
import type { EmittedRuntimeName } from "../emit/runtime-names.js";

let nextId = 0;

export class Variable {
  readonly type: TensorType;
  owner: Apply | null;
  /** Position among its owner's outputs (PyTensor's `var.index`; `index` is the indexing method). */
  outputIndex: number;
  name: string | null;
  /** Unique, creation-ordered; used as a key for merging and caches. */
  readonly id: number;

  constructor(type: TensorType, owner: Apply | null = null, outputIndex = 0, name: string | null = null) {
    this.type = type;
    this.owner = owner;
    this.outputIndex = outputIndex;
    this.name = name;
    this.id = nextId++;
  }

  get ndim(): number {
    return this.type.ndim;
  }

  get dtype(): DType {
    return this.type.dtype;
  }

  /** PyTensor's `str(var)`: the name, else `Op.index`, else `<type>`. */
  toString(): string {
    if (this.name !== null) return this.name;
    if (this.owner !== null) {
      const op = this.owner.op;
      return op.defaultOutput === this.outputIndex ? `${op}.out` : `${op}.${this.outputIndex}`;
    }
    return `<${this.type}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** A fresh root variable of the same type and name (PyTensor's `var.clone()` of a root). */
  clone(): Variable {
    return new Variable(this.type, null, 0, this.name);
  }
}

export class Constant extends Variable {
  /** Row-major values; integers and booleans are held as float64 too. */
  readonly data: Float64Array;

  constructor(type: TensorType, data: Float64Array, name: string | null = null) {
    super(type, null, 0, name);
    const size = type.shape.reduce<number>((a, d) => a * (d as number), 1);
    if (type.shape.some((d) => d === null) || data.length !== size) {
      throw new Error(`constant data of length ${data.length} does not fit type ${type}`);
    }
    this.data = data;
  }

  get shape(): number[] {
    return this.type.shape as number[];
  }

  /** The value of a rank-0 constant. */
  get value(): number {
    if (this.data.length !== 1) throw new Error(`constant ${this} is not a scalar`);
    return this.data[0];
  }

  /** Equal constants share a signature (used by the merge pass). */
  get signature(): string {
    // Computed once: large data constants are compared on every rewrite pass.
    return (this.cachedSignature ??= `${this.type.dtype}|${this.shape.join(",")}|${Array.from(this.data).join(",")}`);
  }

  private cachedSignature?: string;

  override toString(): string {
    const text = formatArray(this.data, this.shape, this.type.dtype);
    const short = text.length > 20 ? `${text.slice(0, 10).trim()} ... ${text.slice(-10).trim()}` : text;
    return this.name === null ? short : `${this.name}{${short}}`;
  }

  override clone(): Constant {
    return new Constant(this.type, this.data, this.name);
  }
}

/** One application of an Op to input variables, producing output variables. */
export class Apply {
  readonly op: Op;
  readonly inputs: Variable[];
  readonly outputs: Variable[];

  constructor(op: Op, inputs: Variable[], outputTypes: TensorType[]) {
    this.op = op;
    this.inputs = inputs;
    this.outputs = outputTypes.map((t, i) => new Variable(t, this, i));
  }

  /** PyTensor's `str(apply)`: `Add(ExpandDims{axis=0}.0, y)`. */
  toString(): string {
    return `${this.op}(${this.inputs.map(String).join(", ")})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** The output a user sees (RandomVariables return their draw, not the rng). */
  get defaultOutput(): Variable {
    return this.outputs[this.op.defaultOutput ?? 0];
  }
}

/** What an op writes into generated JavaScript. */
export interface EmitContext {
  /** JS identifiers holding the inputs: a number for rank 0, an NDArray `{shape, data}` otherwise. */
  readonly ins: string[];
  /** JS identifiers the op must declare (with `const`) for its outputs. */
  readonly outs: string[];
  /** The node being emitted (for static types and op parameters). */
  readonly node: Apply;
  line(code: string): void;
  /** A fresh local identifier. */
  tmp(hint?: string): string;
  /** A reference to a runtime export, e.g. `rt("reduce")` → `rt.reduce` (a name the compiler checks). */
  rt(name: EmittedRuntimeName): string;
  /** Hoist a constant JS expression to module level; returns its identifier. */
  hoist(expr: string): string;
  /**
   * An expression giving the output array of the given dims: a fresh one, or (when the function
   * reuses buffers) the one kept from the previous call.
   */
  alloc(dims: string[]): string;
  /** An expression giving an array of the given dims over existing data (no copy). */
  view(data: string, dims: string[]): string;
  /** A length-1 array holding a scalar expression. */
  unit(x: string): string;
  /** A trailing argument for kernels that can keep their output between calls (or `undefined`). */
  slot(): string;
  /**
   * The module-level name of the data (Float64Array) of an array that lives at module level (a
   * constant, a kept buffer of static shape), or null. Loops read such data straight from the
   * closure, where the engine sees one fixed typed array (known length, no bounds re-checks).
   */
  dataAlias(array: string): string | null;
  /**
   * `expr` computed once rather than per call, when everything it `uses` is fixed (module-level
   * constants, or inputs bound per data binding): its identifier, or null to compute it per call.
   */
  once(expr: string, uses: string[]): string | null;
  /** Whether an identifier holds a value that never changes between calls (see `once`). */
  isFixed(name: string): boolean;
  /**
   * Emit another graph's nodes here (a loop's body): its `inputs` are read from the identifiers
   * `ids`; returns the identifiers of its `outputs`, valid in the lines emitted up to the next `}`.
   */
  block(inputs: readonly Variable[], ids: readonly string[], outputs: readonly Variable[]): string[];
  /**
   * The lines `body` emits as a function of their own, declared beside this one and called here
   * with the locals of this function that they read (which they may assign: the function's copies).
   * `body` returns its results (expressions in its lines); `lift` returns expressions here that
   * hold them.
   */
  lift(body: () => readonly Lifted[]): string[];
}

/** A result of lifted lines: its expression there, and whether it is a number (else an array). */
export interface Lifted {
  readonly expr: string;
  readonly scalar: boolean;
}

/** An operation: its parameters, type rule, gradient rule and emit template in one object. */
export interface Op {
  /** PyTensor's `str(op)`, e.g. `Add`, `ExpandDims{axis=0}`, `Sum{axes=None}`. */
  toString(): string;
  /** Two ops with the same key compute the same thing (used to merge duplicate nodes). */
  readonly key: string;
  /** Index of the output a user sees, when an op has several (RandomVariables). */
  readonly defaultOutput?: number;
  /** Build the Apply node, checking input types. */
  makeNode(...inputs: Variable[]): Apply;
  /**
   * Reverse-mode rule: gradients of the inputs given gradients of the outputs (null = zero).
   * `needed` tells which inputs' gradients are used (the others may be returned as null).
   */
  grad?(inputs: Variable[], outputs: Variable[], outputGrads: (Variable | null)[], needed?: boolean[]): (Variable | null)[];
  /** Write JavaScript statements computing the outputs. */
  emit(ctx: EmitContext): void;
  /** A scalar inner graph (fused ops), which dprint lists under "Inner graphs:". */
  innerGraph?(): InnerGraph;
  /**
   * A tensor inner graph (Scan's body), which dprint lists under "Inner graphs:" as PyTensor does:
   * each inner input with the outer input it stands for at `node`, and PyTensor's role labels.
   */
  innerTensorGraph?(node: Apply): InnerTensorGraph;
}

export interface InnerTensorGraph {
  readonly inputs: readonly Variable[];
  readonly outputs: readonly Variable[];
  /** The outer variable each inner input stands for. */
  readonly outer: readonly Variable[];
}

/** An op's inner scalar graph: values 0..nIn-1 are its inputs, then one value per node. */
export interface InnerGraph {
  readonly nIn: number;
  readonly nodes: readonly { readonly name: string; readonly args: readonly number[] }[];
  readonly outputs: readonly number[];
}
