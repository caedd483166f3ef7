// The opt-in WebAssembly SIMD form of a fused loop over the rows of a dense matrix (a likelihood
// of `X @ beta`): two rows per iteration in f64x2 lanes. It takes the loops the measurements in
// bench/wasm-experiment/ found worth it — one row-major matrix of static width, vectors along its
// rows, numbers broadcast over them, elementwise ops with a lane form, and outputs that are sums or
// `transpose(X) · value` — and leaves every other loop to the JavaScript emitter.
//
// The data is packed once (per module for constants, per data binding for data) into the
// instance's memory as one record per pair of rows: the K columns of both rows interleaved, then
// both rows' entry of each vector. A call passes the numbers as parameters, runs the pairs (an odd
// last row runs with the second lane masked out) and reads the sums back from the memory's start.
import type { Apply, EmitContext, Variable } from "../graph/basic.js";
import { Composite, type CompositeSpec, type InnerNode, type OutputMode } from "../ops/composite.js";
import { ModuleBuilder, op, type Code } from "./wasm-binary.js";
import { expF64x2, log1pF64x2, logF64x2 } from "./wasm-math.js";

/** Lane forms of the scalar ops (a node's args are locals already computed). */
const BINARY: Record<string, () => Code> = {
  Add: op.f64x2Add,
  Sub: op.f64x2Sub,
  Mul: op.f64x2Mul,
  True_div: op.f64x2Div,
  Maximum: op.f64x2Max,
  Minimum: op.f64x2Min,
};
const UNARY: Record<string, () => Code> = { Neg: op.f64x2Neg, Abs: op.f64x2Abs, Sqrt: op.f64x2Sqrt };
const COMPARE: Record<string, () => Code> = { Gt: op.f64x2Gt, Ge: op.f64x2Ge, Lt: op.f64x2Lt, Le: op.f64x2Le, Eq: op.f64x2Eq, Neq: op.f64x2Ne };
const CALLED: Record<string, (mb: ModuleBuilder) => number> = { Exp: expF64x2, Log: logF64x2, Log1p: log1pF64x2 };
const SUPPORTED = new Set([...Object.keys(BINARY), ...Object.keys(UNARY), ...Object.keys(COMPARE), ...Object.keys(CALLED), "Sqr", "Switch", "Second"]);

const modeOf = (spec: CompositeSpec, i: number): OutputMode => (typeof spec.reduce === "string" ? spec.reduce : spec.reduce[i]);

/** What the kernel reads, by input index. */
interface Plan {
  matrix: number;
  K: number;
  /** Vectors along the rows (loaded per pair). */
  vectors: number[];
  /** Numbers broadcast over the rows (parameters). */
  scalars: number[];
  /** Vectors of the rowdots (K parameters each). */
  weights: number[];
  /** Output slots: first f64 of each output in the memory's start. */
  slots: number[];
  outF64: number;
}

/** The plan for a Composite node, or null when this loop is not one the SIMD form takes. */
function planOf(node: Apply): Plan | null {
  if (!(node.op instanceof Composite)) return null;
  const spec = node.op.spec;
  const inputs = node.inputs;
  const matrices = new Set<number>();
  const weights = new Set<number>();
  for (const n of spec.nodes) {
    if (n.gather) return null;
    if (n.rowdot) matrices.add(n.args[0]), weights.add(n.args[1]);
    else if (!SUPPORTED.has(n.op!.name)) return null;
  }
  for (let i = 0; i < spec.outputs.length; i++) {
    const m = modeOf(spec, i);
    if (typeof m !== "string" && "rowacc" in m) matrices.add(m.rowacc);
    else if (m !== "sum") return null;
  }
  if (matrices.size !== 1) return null;
  const [matrix] = matrices;
  const K = inputs[matrix].type.shape[1] ?? [...weights].map((w) => inputs[w].type.shape[0]).find((d) => d !== null) ?? null;
  if (K === null || K > 64 || inputs[matrix].ndim !== 2) return null;
  // A sum takes one f64 of the output area, a rowacc K.
  const slots: number[] = [];
  let outF64 = 0;
  spec.outputs.forEach((_, i) => {
    slots.push(outF64);
    outF64 += modeOf(spec, i) === "sum" ? 1 : K;
  });
  const vectors: number[] = [];
  const scalars: number[] = [];
  for (let j = 0; j < inputs.length; j++) {
    const v = inputs[j];
    if (j === matrix || weights.has(j)) continue;
    if (v.ndim === 0 || v.type.shape.every((d) => d === 1)) scalars.push(j);
    else if (v.ndim === 1) vectors.push(j);
    else return null;
  }
  for (const w of weights) if (inputs[w].ndim !== 1 || inputs[w].type.shape[0] !== K) return null;
  // The matrix and the weights are read by rowdots only, not elementwise.
  for (const n of spec.nodes) if (!n.rowdot && n.args.some((a) => a === matrix || weights.has(a))) return null;
  if (spec.outputs.some((o) => o === matrix || weights.has(o))) return null;
  return { matrix, K, vectors, scalars, weights: [...weights], slots, outF64 };
}

/** The kernel `run(pairs, odd, scalars..., weights...)`: the sums land at the memory's start. */
function kernel(spec: CompositeSpec, plan: Plan): Uint8Array {
  const mb = new ModuleBuilder({ memoryPages: 1 });
  const k = new KernelCode(spec, plan, mb);
  const code: Code = [...k.pre, ...k.rowLoop(), ...k.stores()];
  mb.func("run", k.params, [], k.locals, code);
  return mb.bytes();
}

/**
 * The code of one kernel: its locals (parameters first: full pairs, odd last row, scalars, weight
 * entries; then splats, values and accumulators, in that order), what runs before the loop, the
 * loop over pairs of rows, the odd last row, and the stores of the sums.
 */
class KernelCode {
  readonly params: ("i32" | "f64")[];
  readonly locals: ("i32" | "v128")[] = [];
  /** Before the loop: splats of scalars and weights, constants, zeroed accumulators, invariant values. */
  readonly pre: Code = [];
  private readonly pair: number;
  private readonly ptr: number;
  private readonly one: number;
  private readonly zero: number;
  private readonly weightLocals = new Map<number, number[]>();
  private readonly valueLocal = new Map<number, number>();
  private readonly vectorLocal = new Map<number, number>();
  /** Per output: its sum's accumulator (-1 for row outputs) ... */
  private readonly sums: number[];
  /** ... or one accumulator per matrix column. */
  private readonly rowAccs: number[][];
  /** Whether each value (inputs, then nodes) is the same on every row. */
  private readonly invariant: boolean[];

  constructor(
    private readonly spec: CompositeSpec,
    private readonly plan: Plan,
    private readonly mb: ModuleBuilder,
  ) {
    const { K, vectors, scalars, weights } = plan;
    this.params = ["i32", "i32", ...scalars.map(() => "f64"), ...weights.flatMap(() => Array<"f64">(K).fill("f64"))] as ("i32" | "f64")[];
    this.pair = this.local("i32");
    this.ptr = this.local("i32");
    scalars.forEach((j, s) => this.valueLocal.set(j, this.splat(2 + s)));
    weights.forEach((j, w) =>
      this.weightLocals.set(
        j,
        Array.from({ length: K }, (_, k) => this.splat(2 + scalars.length + w * K + k)),
      ),
    );
    this.one = this.local("v128");
    this.pre.push(...op.v128ConstF64(1, 1), ...op.localSet(this.one));
    this.zero = this.local("v128");
    this.pre.push(...op.v128ConstF64(0, 0), ...op.localSet(this.zero));
    // Values that do not change along the rows are computed once, before the loop.
    const nIn = spec.nIn;
    this.invariant = Array.from({ length: nIn }, (_, j) => scalars.includes(j));
    for (const n of spec.nodes) this.invariant.push(!n.rowdot && n.args.every((a) => this.invariant[a]));
    for (const j of vectors) {
      const l = this.local("v128");
      this.vectorLocal.set(j, l);
      this.valueLocal.set(j, l);
    }
    spec.nodes.forEach((_, i) => this.valueLocal.set(nIn + i, this.local("v128")));
    this.sums = spec.outputs.map((_, i) => (modeOf(spec, i) === "sum" ? this.local("v128") : -1));
    this.rowAccs = spec.outputs.map((_, i) => (modeOf(spec, i) === "sum" ? [] : Array.from({ length: K }, () => this.local("v128"))));
    for (const l of [...this.sums.filter((l) => l >= 0), ...this.rowAccs.flat()]) this.pre.push(...op.localGet(this.zero), ...op.localSet(l));
    spec.nodes.forEach((n, i) => this.invariant[nIn + i] && this.pre.push(...this.nodeCode(n, nIn + i)));
  }

  private local(t: "i32" | "v128"): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  /** A v128 local holding a parameter in both lanes, set before the loop. */
  private splat(paramIndex: number): number {
    const l = this.local("v128");
    this.pre.push(...op.localGet(paramIndex), ...op.f64x2Splat(), ...op.localSet(l));
    return l;
  }

  private get(v: number): Code {
    return op.localGet(this.valueLocal.get(v)!);
  }

  private column(k: number): Code {
    return [...op.localGet(this.ptr), ...op.v128Load(16 * k)];
  }

  private nodeCode(n: InnerNode, target: number): Code {
    const out: Code = [];
    const get = (v: number) => this.get(v);
    if (n.rowdot) {
      const w = this.weightLocals.get(n.args[1])!;
      for (let k = 0; k < this.plan.K; k++) {
        out.push(...this.column(k), ...op.localGet(w[k]), ...op.f64x2Mul());
        if (k > 0) out.push(...op.f64x2Add());
      }
    } else {
      const name = n.op!.name;
      const args = n.args;
      if (BINARY[name]) out.push(...get(args[0]), ...get(args[1]), ...BINARY[name]());
      else if (UNARY[name]) out.push(...get(args[0]), ...UNARY[name]());
      else if (name === "Sqr") out.push(...get(args[0]), ...get(args[0]), ...op.f64x2Mul());
      else if (name === "Second") out.push(...get(args[1]));
      else if (CALLED[name]) out.push(...get(args[0]), ...op.call(CALLED[name](this.mb)));
      // A comparison is 1 or 0, as in JavaScript.
      else if (COMPARE[name]) out.push(...get(args[0]), ...get(args[1]), ...COMPARE[name](), ...op.localGet(this.one), ...op.v128And());
      // switch(c, a, b): a where c !== 0 (NaN included), as JavaScript's `c !== 0 ? a : b`
      else if (name === "Switch")
        out.push(...get(args[1]), ...get(args[2]), ...get(args[0]), ...op.localGet(this.zero), ...op.f64x2Ne(), ...op.v128Bitselect());
      else throw new Error(`no lane form for ${name}`);
    }
    out.push(...op.localSet(this.valueLocal.get(target)!));
    return out;
  }

  /** Two rows at once; the masked tail keeps the first lane only (the second is a padding row). */
  private body(masked: boolean): Code {
    const { spec } = this;
    const out: Code = [];
    this.plan.vectors.forEach((j, v) => out.push(...op.localGet(this.ptr), ...op.v128Load(16 * (this.plan.K + v)), ...op.localSet(this.vectorLocal.get(j)!)));
    spec.nodes.forEach((n, i) => !this.invariant[spec.nIn + i] && out.push(...this.nodeCode(n, spec.nIn + i)));
    const contribution = (o: number): Code => [...this.get(o), ...(masked ? [...op.v128ConstI64(-1n, 0n), ...op.v128And()] : [])];
    spec.outputs.forEach((o, i) => {
      if (this.sums[i] >= 0) out.push(...op.localGet(this.sums[i]), ...contribution(o), ...op.f64x2Add(), ...op.localSet(this.sums[i]));
      else
        this.rowAccs[i].forEach((acc, k) =>
          out.push(...op.localGet(acc), ...this.column(k), ...contribution(o), ...op.f64x2Mul(), ...op.f64x2Add(), ...op.localSet(acc)),
        );
    });
    return out;
  }

  /** The loop over full pairs of rows, then an odd last row. */
  rowLoop(): Code {
    const record = 16 * (this.plan.K + this.plan.vectors.length);
    const recordBase = 16 * Math.ceil(this.plan.outF64 / 2);
    const { pair, ptr } = this;
    return [
      ...op.i32Const(recordBase),
      ...op.localSet(ptr),
      ...op.i32Const(0),
      ...op.localSet(pair),
      ...op.block(),
      ...op.loop(),
      ...op.localGet(pair),
      ...op.localGet(0),
      ...op.i32GeU(),
      ...op.brIf(1),
      ...this.body(false),
      ...op.localGet(ptr),
      ...op.i32Const(record),
      ...op.i32Add(),
      ...op.localSet(ptr),
      ...op.localGet(pair),
      ...op.i32Const(1),
      ...op.i32Add(),
      ...op.localSet(pair),
      ...op.br(0),
      ...op.end(),
      ...op.end(),
      ...op.localGet(1),
      ...op.if_(),
      ...this.body(true),
      ...op.end(),
    ];
  }

  /** The two lanes of each accumulator, added, to the memory's start. */
  stores(): Code {
    const store = (acc: number, slot: number): Code => [
      ...op.i32Const(0),
      ...op.localGet(acc),
      ...op.f64x2ExtractLane(0),
      ...op.localGet(acc),
      ...op.f64x2ExtractLane(1),
      ...op.f64Add(),
      ...op.f64Store(8 * slot),
    ];
    const code: Code = [];
    this.spec.outputs.forEach((_, i) => {
      if (this.sums[i] >= 0) code.push(...store(this.sums[i], this.plan.slots[i]));
      else this.rowAccs[i].forEach((acc, k) => code.push(...store(acc, this.plan.slots[i] + k)));
    });
    return code;
  }
}

/** Base64 of bytes (the module text carries the kernel; no toolchain at the user's). */
function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/**
 * Emit a Composite node as a call of its SIMD kernel when the loop is one it takes and its matrix
 * and vectors are fixed (constants, or data bound per binding); false leaves it to the JavaScript
 * emitter.
 */
export function emitSimdLoop(ctx: EmitContext): boolean {
  const node = ctx.node;
  const plan = planOf(node);
  if (!plan) return false;
  const spec = (node.op as Composite).spec;
  const arrays = [plan.matrix, ...plan.vectors];
  if (!arrays.every((j) => ctx.isFixed(ctx.ins[j]))) return false;
  const mod = ctx.hoist(`${ctx.rt("simdModule")}(${JSON.stringify(base64(kernel(spec, plan)))})`);
  const ins = node.inputs as Variable[];
  const vectorList = `[${plan.vectors.map((j) => ctx.ins[j]).join(", ")}]`;
  const bound = ctx.once(
    `${ctx.rt("simdBind")}(${mod}, ${ctx.ins[plan.matrix]}, ${vectorList}, ${plan.K}, ${plan.outF64}, ${JSON.stringify(String(node.op))})`,
    arrays.map((j) => ctx.ins[j]),
  );
  if (!bound) return false;
  const scalarArgs = plan.scalars.map((j) => (ins[j].ndim === 0 ? ctx.ins[j] : `${ctx.dataAlias(ctx.ins[j]) ?? `${ctx.ins[j]}.data`}[0]`));
  const weightArgs = plan.weights.flatMap((j) => {
    const d = ctx.tmp("w");
    ctx.line(`const ${d} = ${ctx.dataAlias(ctx.ins[j]) ?? `${ctx.ins[j]}.data`};`);
    return Array.from({ length: plan.K }, (_, k) => `${d}[${k}]`);
  });
  ctx.line(`${bound}.run(${[`${bound}.pairs`, `${bound}.odd`, ...scalarArgs, ...weightArgs].join(", ")});`);
  const f = ctx.tmp("f");
  ctx.line(`const ${f} = ${bound}.out;`);
  spec.outputs.forEach((_, i) => {
    const out = ctx.outs[i];
    const slot = plan.slots[i];
    if (modeOf(spec, i) === "sum") {
      ctx.line(`const ${out} = ${f}[${slot}];`);
      return;
    }
    const buf = ctx.alloc([String(plan.K)]);
    ctx.line(`const ${out} = ${buf};`);
    const o = ctx.dataAlias(buf) ?? `${out}.data`;
    ctx.line(`for (let k = 0; k < ${plan.K}; k++) ${o}[k] = ${f}[${slot} + k];`);
  });
  return true;
}
