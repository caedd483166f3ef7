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
  const { K, vectors, scalars, weights } = plan;
  const record = 16 * (K + vectors.length);
  const recordBase = 16 * Math.ceil(plan.outF64 / 2);
  // Locals: params first (full pairs, odd last row, scalars, weight entries), then the rest.
  const pairsParam = 0;
  const oddParam = 1;
  const scalarParam = (s: number) => 2 + s;
  const weightParam = (w: number, k: number) => 2 + scalars.length + w * K + k;
  const params = ["i32", "i32", ...scalars.map(() => "f64"), ...weights.flatMap(() => Array<"f64">(K).fill("f64"))] as ("i32" | "f64")[];
  const locals: ("i32" | "v128")[] = [];
  const local = (t: "i32" | "v128") => (locals.push(t), params.length + locals.length - 1);
  const pair = local("i32");
  const ptr = local("i32");
  const splat = (paramIndex: number) => {
    const l = local("v128");
    return { l, init: [...op.localGet(paramIndex), ...op.f64x2Splat(), ...op.localSet(l)] };
  };
  const pre: Code = [];
  const scalarLocal = new Map<number, number>();
  scalars.forEach((j, s) => {
    const { l, init } = splat(scalarParam(s));
    pre.push(...init);
    scalarLocal.set(j, l);
  });
  const weightLocals = new Map<number, number[]>();
  weights.forEach((j, w) => {
    weightLocals.set(
      j,
      Array.from({ length: K }, (_, k) => {
        const { l, init } = splat(weightParam(w, k));
        pre.push(...init);
        return l;
      }),
    );
  });
  const one = local("v128");
  pre.push(...op.v128ConstF64(1, 1), ...op.localSet(one));
  const zero = local("v128");
  pre.push(...op.v128ConstF64(0, 0), ...op.localSet(zero));
  // Values that do not change along the rows are computed once, before the loop.
  const nIn = spec.nIn;
  const invariant: boolean[] = Array.from({ length: nIn }, (_, j) => scalarLocal.has(j));
  for (const n of spec.nodes) invariant.push(!n.rowdot && n.args.every((a) => invariant[a]));
  const valueLocal = new Map<number, number>();
  for (const [j, l] of scalarLocal) valueLocal.set(j, l);
  const vectorLocal = new Map<number, number>();
  for (const j of vectors) {
    const l = local("v128");
    vectorLocal.set(j, l);
    valueLocal.set(j, l);
  }
  spec.nodes.forEach((_, i) => valueLocal.set(nIn + i, local("v128")));
  // Accumulators.
  const sums = spec.outputs.map((_, i) => (modeOf(spec, i) === "sum" ? local("v128") : -1));
  const rowAccs = spec.outputs.map((_, i) => (modeOf(spec, i) === "sum" ? [] : Array.from({ length: K }, () => local("v128"))));
  for (const l of [...sums.filter((l) => l >= 0), ...rowAccs.flat()]) pre.push(...op.localGet(zero), ...op.localSet(l));

  const get = (v: number) => op.localGet(valueLocal.get(v)!);
  const column = (k: number) => [...op.localGet(ptr), ...op.v128Load(16 * k)];
  const nodeCode = (n: InnerNode, target: number): Code => {
    const out: Code = [];
    if (n.rowdot) {
      const w = weightLocals.get(n.args[1])!;
      for (let k = 0; k < K; k++) {
        out.push(...column(k), ...op.localGet(w[k]), ...op.f64x2Mul());
        if (k > 0) out.push(...op.f64x2Add());
      }
    } else {
      const name = n.op!.name;
      const args = n.args;
      if (BINARY[name]) out.push(...get(args[0]), ...get(args[1]), ...BINARY[name]());
      else if (UNARY[name]) out.push(...get(args[0]), ...UNARY[name]());
      else if (name === "Sqr") out.push(...get(args[0]), ...get(args[0]), ...op.f64x2Mul());
      else if (name === "Second") out.push(...get(args[1]));
      else if (CALLED[name]) out.push(...get(args[0]), ...op.call(CALLED[name](mb)));
      // A comparison is 1 or 0, as in JavaScript.
      else if (COMPARE[name]) out.push(...get(args[0]), ...get(args[1]), ...COMPARE[name](), ...op.localGet(one), ...op.v128And());
      // switch(c, a, b): a where c !== 0 (NaN included), as JavaScript's `c !== 0 ? a : b`
      else if (name === "Switch") out.push(...get(args[1]), ...get(args[2]), ...get(args[0]), ...op.localGet(zero), ...op.f64x2Ne(), ...op.v128Bitselect());
      else throw new Error(`no lane form for ${name}`);
    }
    out.push(...op.localSet(valueLocal.get(target)!));
    return out;
  };
  spec.nodes.forEach((n, i) => invariant[nIn + i] && pre.push(...nodeCode(n, nIn + i)));
  const body = (masked: boolean): Code => {
    const out: Code = [];
    vectors.forEach((j, v) => out.push(...op.localGet(ptr), ...op.v128Load(16 * (K + v)), ...op.localSet(vectorLocal.get(j)!)));
    spec.nodes.forEach((n, i) => !invariant[nIn + i] && out.push(...nodeCode(n, nIn + i)));
    // The masked tail keeps the first lane only (the second is a padding row).
    const contribution = (o: number): Code => [...get(o), ...(masked ? [...op.v128ConstI64(-1n, 0n), ...op.v128And()] : [])];
    spec.outputs.forEach((o, i) => {
      if (sums[i] >= 0) out.push(...op.localGet(sums[i]), ...contribution(o), ...op.f64x2Add(), ...op.localSet(sums[i]));
      else rowAccs[i].forEach((acc, k) => out.push(...op.localGet(acc), ...column(k), ...contribution(o), ...op.f64x2Mul(), ...op.f64x2Add(), ...op.localSet(acc)));
    });
    return out;
  };
  const code: Code = [
    ...pre,
    ...op.i32Const(recordBase), ...op.localSet(ptr),
    ...op.i32Const(0), ...op.localSet(pair),
    ...op.block(),
    ...op.loop(),
    ...op.localGet(pair), ...op.localGet(pairsParam), ...op.i32GeU(), ...op.brIf(1),
    ...body(false),
    ...op.localGet(ptr), ...op.i32Const(record), ...op.i32Add(), ...op.localSet(ptr),
    ...op.localGet(pair), ...op.i32Const(1), ...op.i32Add(), ...op.localSet(pair),
    ...op.br(0),
    ...op.end(),
    ...op.end(),
    // an odd last row
    ...op.localGet(oddParam),
    ...op.if_(),
    ...body(true),
    ...op.end(),
  ];
  // The two lanes of each accumulator, added, to the memory's start.
  const store = (acc: number, slot: number): Code => [
    ...op.i32Const(0),
    ...op.localGet(acc), ...op.f64x2ExtractLane(0),
    ...op.localGet(acc), ...op.f64x2ExtractLane(1),
    ...op.f64Add(),
    ...op.f64Store(8 * slot),
  ];
  spec.outputs.forEach((_, i) => {
    if (sums[i] >= 0) code.push(...store(sums[i], plan.slots[i]));
    else rowAccs[i].forEach((acc, k) => code.push(...store(acc, plan.slots[i] + k)));
  });
  mb.func("run", params, [], locals, code);
  return mb.bytes();
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
