// Composite: several elementwise ops fused into one loop over their common iteration space
// (PyTensor's Composite), optionally summed on the fly so that a reduction of an elementwise
// expression never materialises the expression (PyTensor's CAReduce of a Composite).
import { Apply, Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, type DType } from "../graph/type.js";
import { broadcastStatic, outDtype, type ScalarOp } from "./elemwise.js";

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
  /** base + scatter: a copy of vector `base` with each element's value added at `index[i]`. */
  | { readonly scatter: number; readonly base: number };

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
const modeText = (m: OutputMode) => (typeof m === "string" ? m : "rowacc" in m ? `rowacc${m.rowacc}` : `scatter${m.scatter},${m.base}`);

/** PyTensor-style text of an inner value: `((i0 + i1) * i2)`. */
function innerText(spec: CompositeSpec, value: number): string {
  if (value < spec.nIn) return `i${value}`;
  const node = spec.nodes[value - spec.nIn];
  const args = node.args.map((a) => innerText(spec, a));
  const infix: Record<string, string> = { Add: "+", Sub: "-", Mul: "*", True_div: "/" };
  const name = nodeName(node);
  if (infix[name] && args.length === 2) return `(${args[0]} ${infix[name]} ${args[1]})`;
  return `${name.toLowerCase()}(${args.join(", ")})`;
}

export class Composite implements Op {
  readonly spec: CompositeSpec;
  readonly key: string;
  readonly foldable = false;
  /** Inputs read a row per iteration (matrices of rowdot and rowacc), and loop-invariant vectors. */
  private readonly rowMatrices = new Set<number>();
  private readonly invariants = new Set<number>();
  /** Integer index vectors along the loop (gather and scatter). */
  private readonly indices = new Set<number>();

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
      else this.indices.add(m.scatter), this.invariants.add(m.base);
    });
    this.key = `Composite{${spec.nIn};${body};${spec.outputs.join(",")};${modes}}`;
  }

  toString(): string {
    const parts = this.spec.outputs.map((o, i) => {
      const m = modeOf(this.spec, i);
      if (m === "sum" || m === "all") return `${m}(${innerText(this.spec, o)})`;
      if (typeof m !== "string" && "rowacc" in m) return `rowacc(i${m.rowacc}, ${innerText(this.spec, o)})`;
      if (typeof m !== "string") return `scatter(i${m.base}, i${m.scatter}, ${innerText(this.spec, o)})`;
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
      dtypes.push(n.rowdot ? "float64" : n.gather ? dtypes[n.args[0]] : outDtype(n.op!, n.args.map((a) => dtypes[a])));
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
  private loopInput(j: number): boolean {
    return !this.rowMatrices.has(j) && !this.invariants.has(j) && !this.indices.has(j);
  }

  emit(ctx: EmitContext): void {
    const node = ctx.node;
    const inputs = node.inputs;
    const arrays = inputs.map((v, j) => (v.ndim > 0 && this.loopInput(j) ? j : -1)).filter((j) => j >= 0);
    const rowMatrices = [...this.rowMatrices];
    const indexInputs = [...this.indices];
    const ndim = arrays.length ? inputs[arrays[0]].ndim : 1;
    const shape = arrays.length
      ? broadcastStatic(String(this), arrays.map((j) => inputs[j]))
      : [inputs[rowMatrices[0] ?? indexInputs[0]].type.shape[0]];
    // (the node's op: an Elemwise emitted as a one-op Composite reports as itself, e.g. `Add`)
    const opName = String(ctx.node.op);

    // Loop sizes: static where known, else read off an input that is not broadcast along the dim.
    const sizes: string[] = [];
    for (let k = 0; k < ndim; k++) {
      if (shape[k] !== null) {
        sizes.push(String(shape[k]));
        continue;
      }
      const src = arrays.find((j) => inputs[j].type.shape[k] !== 1) ?? rowMatrices[0] ?? indexInputs[0];
      const id = ctx.tmp(`n${k}_`);
      ctx.line(`const ${id} = ${ctx.ins[src]}.shape[${k}];`);
      sizes.push(id);
    }
    // Row matrices: one row per iteration; their width K, static where known.
    const widths = new Map<number, string>();
    const rowChecks: string[] = [];
    for (const j of rowMatrices) {
      const [rows, cols] = inputs[j].type.shape;
      if (rows === null || rows !== shape[0]) rowChecks.push(`${ctx.ins[j]}.shape[0] !== ${sizes[0]}`);
      // A data matrix of unknown width times a vector of known length: the width is that length.
      const known = this.spec.nodes
        .filter((n) => n.rowdot && n.args[0] === j)
        .map((n) => inputs[n.args[1]].type.shape[0])
        .find((d) => d !== null);
      if (cols !== null) widths.set(j, String(cols));
      else if (known !== undefined && known !== null) {
        widths.set(j, String(known));
        rowChecks.push(`${ctx.ins[j]}.shape[1] !== ${known}`);
      } else {
        const w = ctx.tmp("w");
        ctx.line(`const ${w} = ${ctx.ins[j]}.shape[1];`);
        widths.set(j, w);
      }
    }
    // Index vectors run along the loop and are checked once against the vector they index.
    const rows = new Map<number, string>();
    const indexTarget = new Map<number, number>();
    for (const n of this.spec.nodes) if (n.gather) indexTarget.set(n.args[1], n.args[0]);
    this.spec.outputs.forEach((_, i) => {
      const m = modeOf(this.spec, i);
      if (typeof m !== "string" && "scatter" in m) indexTarget.set(m.scatter, m.base);
    });
    for (const j of indexInputs) {
      if (inputs[j].type.shape[0] === null || inputs[j].type.shape[0] !== shape[0]) rowChecks.push(`${ctx.ins[j]}.shape[0] !== ${sizes[0]}`);
    }
    for (const n of this.spec.nodes) {
      if (!n.rowdot) continue;
      const [m, v] = n.args;
      if (inputs[v].type.shape[0] === null || inputs[v].type.shape[0] !== inputs[m].type.shape[1]) {
        rowChecks.push(`${ctx.ins[v]}.shape[0] !== ${widths.get(m)}`);
      }
    }
    if (rowChecks.length) {
      const names = JSON.stringify(inputs.map(String));
      ctx.line(`if (${rowChecks.join(" || ")}) throw ${ctx.rt("broadcastError")}(${JSON.stringify(opName)}, ${names}, [${ctx.ins.map((i, j) => (inputs[j].ndim ? `${i}.shape` : "[]")).join(", ")}]);`);
    }
    for (const j of indexInputs) {
      const target = indexTarget.get(j)!;
      const n = inputs[target].type.shape[0];
      const expr = `${ctx.rt("indexRows")}(${ctx.ins[j]}, ${n ?? `${ctx.ins[target]}.shape[0]`}, ${JSON.stringify(String(inputs[target]))})`;
      // Fixed indices (constants, data) into a fixed length: checked once, not per call.
      const fixedRows = ctx.once(expr, n === null ? [ctx.ins[j], ctx.ins[target]] : [ctx.ins[j]]);
      if (fixedRows) {
        rows.set(j, fixedRows);
        continue;
      }
      const r = ctx.tmp("rows");
      ctx.line(`const ${r} = ${expr};`);
      rows.set(j, r);
    }
    const checks: string[] = [];
    for (const j of arrays) {
      for (let k = 0; k < ndim; k++) {
        const d = inputs[j].type.shape[k];
        if ((d === 1 && shape[k] !== 1) || (d !== null && d === shape[k])) continue;
        checks.push(`${ctx.ins[j]}.shape[${k}] !== ${sizes[k]}`);
      }
    }
    if (checks.length) {
      const names = JSON.stringify(arrays.map((j) => String(inputs[j])));
      ctx.line(`if (${checks.join(" || ")}) throw ${ctx.rt("broadcastError")}(${JSON.stringify(opName)}, ${names}, [${arrays.map((j) => `${ctx.ins[j]}.shape`).join(", ")}]);`);
    }

    const datas = new Map<number, string>();
    for (const j of [...arrays, ...rowMatrices, ...this.invariants, ...indexInputs]) {
      if (datas.has(j)) continue;
      const d = ctx.tmp(`d${j}_`);
      ctx.line(`const ${d} = ${ctx.dataAlias(ctx.ins[j]) ?? `${ctx.ins[j]}.data`};`);
      datas.set(j, d);
    }
    const modes = ctx.outs.map((_, i) => modeOf(this.spec, i));
    const summed = modes.map((m) => m === "sum" || m === "all");
    const storing = modes.some((m) => m === "none");
    // Small static widths are unrolled into locals (registers), larger or unknown ones loop.
    const unroll = (j: number) => /^\d+$/.test(widths.get(j)!) && Number(widths.get(j)) <= 16;
    const rowAccs = new Map<number, string[] | string>();
    const outData = ctx.outs.map((out, i) => {
      const m = modes[i];
      if (m === "sum" || m === "all") {
        const acc = ctx.tmp("acc");
        ctx.line(`let ${acc} = ${m === "all" ? 1 : 0};`);
        return acc;
      }
      if (typeof m !== "string" && "scatter" in m) {
        const n = inputs[m.base].type.shape[0];
        const buf = ctx.alloc([n === null ? `${ctx.ins[m.base]}.shape[0]` : String(n)]);
        ctx.line(`const ${out} = ${buf};`);
        const o = ctx.tmp("o");
        ctx.line(`const ${o} = ${ctx.dataAlias(buf) ?? `${out}.data`};`);
        ctx.line(`${o}.set(${datas.get(m.base)});`);
        rowAccs.set(i, o);
        return "";
      }
      if (typeof m !== "string") {
        const K = widths.get(m.rowacc)!;
        if (unroll(m.rowacc)) {
          const accs = Array.from({ length: Number(K) }, () => ctx.tmp("r"));
          ctx.line(`let ${accs.map((a) => `${a} = 0`).join(", ")};`);
          rowAccs.set(i, accs);
        } else {
          const buf = ctx.alloc([K]);
          ctx.line(`const ${out} = ${buf};`);
          const o = ctx.tmp("o");
          ctx.line(`const ${o} = ${ctx.dataAlias(buf) ?? `${out}.data`};`);
          ctx.line(`${o}.fill(0);`);
          rowAccs.set(i, o);
        }
        return "";
      }
      const buf = ctx.alloc(sizes);
      ctx.line(`const ${out} = ${buf};`);
      const o = ctx.tmp("o");
      ctx.line(`const ${o} = ${ctx.dataAlias(buf) ?? `${out}.data`};`);
      return o;
    });

    // Element references: flat index when no array input is broadcast, else per-dim strides.
    const broadcast = (j: number, k: number) => inputs[j].type.shape[k] === 1 && shape[k] !== 1;
    const flat = arrays.every((j) => [...Array(ndim).keys()].every((k) => !broadcast(j, k)));
    const idx = sizes.map((_, k) => ctx.tmp(`i${k}_`));
    const pos = ctx.tmp("p");
    const ref = (j: number): string => {
      if (inputs[j].ndim === 0) return ctx.ins[j];
      if (flat) return `${datas.get(j)}[${pos}]`;
      const terms: string[] = [];
      for (let k = 0; k < ndim; k++) {
        if (broadcast(j, k)) continue;
        const inner = sizes.slice(k + 1).filter((_, m) => !broadcast(j, k + 1 + m));
        terms.push([idx[k], ...inner].join(" * "));
      }
      return `${datas.get(j)}[${terms.length ? terms.join(" + ") : "0"}]`;
    };

    const body: string[] = [];
    const values: string[] = [];
    const rowIndex = flat ? pos : idx[0];
    const bases = new Map<number, string>();
    for (const j of rowMatrices) {
      const b = ctx.tmp("b");
      body.push(`const ${b} = ${rowIndex} * ${widths.get(j)};`);
      bases.set(j, b);
    }
    // Loop-invariant vectors of unrolled rowdots: read once, before the loop.
    const invariantLocals = new Map<number, string[]>();
    for (const n of this.spec.nodes) {
      if (!n.rowdot || !unroll(n.args[0]) || invariantLocals.has(n.args[1])) continue;
      const K = Number(widths.get(n.args[0]));
      const locals = Array.from({ length: K }, () => ctx.tmp("v"));
      ctx.line(`const ${locals.map((l, k) => `${l} = ${datas.get(n.args[1])}[${k}]`).join(", ")};`);
      invariantLocals.set(n.args[1], locals);
    }
    // Values that do not change along the loop (scalars, and what only they feed) are computed
    // before it; a division by one becomes a multiplication by its reciprocal, taken once.
    const invariant: boolean[] = [];
    const reciprocals = new Map<number, string>();
    inputs.forEach((v, j) => {
      invariant.push(this.loopInput(j) && (v.ndim === 0 || v.type.shape.every((d) => d === 1)));
      if (!this.loopInput(j)) values.push("");
      else if (v.ndim === 0) values.push(ctx.ins[j]);
      else if (v.type.shape.every((d) => d === 1)) {
        // One element broadcast everywhere: read it once, before the loop.
        const e = ctx.tmp("e");
        ctx.line(`const ${e} = ${datas.get(j)}[0];`);
        values.push(e);
      } else {
        const e = ctx.tmp("e");
        body.push(`const ${e} = ${ref(j)};`);
        values.push(e);
      }
    });
    // A value read once is written into its reader's expression: the branches of a switch are
    // then evaluated only when taken (the loop computes what each element needs, not both sides).
    const uses = new Array<number>(this.spec.nIn + this.spec.nodes.length).fill(0);
    // Sqr writes its argument twice (x * x): an argument inlined there would be computed twice.
    for (const n of this.spec.nodes) for (const a of n.args) uses[a] += n.op?.name === "Sqr" ? 2 : 1;
    for (const o of this.spec.outputs) uses[o] += 2;
    this.spec.nodes.forEach((n, i) => {
      const v = this.spec.nIn + i;
      invariant.push(!n.rowdot && !n.gather && n.args.every((a) => invariant[a]));
      if (invariant[v]) {
        const s = ctx.tmp("s");
        ctx.line(`const ${s} = ${n.op!.js(n.args.map((a) => values[a]), ctx.rt)};`);
        values.push(s);
        return;
      }
      if (n.op?.name === "True_div" && invariant[n.args[1]]) {
        let r = reciprocals.get(n.args[1]);
        if (!r) {
          r = ctx.tmp("r");
          ctx.line(`const ${r} = 1 / ${values[n.args[1]]};`);
          reciprocals.set(n.args[1], r);
        }
        const expr = `(${values[n.args[0]]} * ${r})`;
        if (uses[v] === 1) values.push(expr);
        else {
          const s = ctx.tmp("s");
          body.push(`const ${s} = ${expr};`);
          values.push(s);
        }
        return;
      }
      if (!n.rowdot && !n.gather && uses[v] === 1) {
        values.push(`(${n.op!.js(n.args.map((a) => values[a]), ctx.rt)})`);
        return;
      }
      const s = ctx.tmp("s");
      if (n.rowdot) {
        const [m, v] = n.args;
        const md = datas.get(m)!;
        const b = bases.get(m)!;
        const locals = invariantLocals.get(v);
        if (locals) body.push(`const ${s} = ${locals.map((l, k) => `${md}[${b} + ${k}] * ${l}`).join(" + ")};`);
        else {
          const k = ctx.tmp("k");
          body.push(`let ${s} = 0;`, `for (let ${k} = 0; ${k} < ${widths.get(m)}; ${k}++) ${s} += ${md}[${b} + ${k}] * ${datas.get(v)}[${k}];`);
        }
      } else if (n.gather) {
        body.push(`const ${s} = ${datas.get(n.args[0])}[${rows.get(n.args[1])}[${rowIndex}]];`);
      } else {
        body.push(`const ${s} = ${n.op!.js(n.args.map((a) => values[a]), ctx.rt)};`);
      }
      values.push(s);
    });
    this.spec.outputs.forEach((o, i) => {
      const m = modes[i];
      if (m === "sum") body.push(`${outData[i]} += ${values[o]};`);
      else if (m === "all") body.push(`if (${values[o]} === 0) ${outData[i]} = 0;`);
      else if (m === "none") body.push(`${outData[i]}[${pos}] = ${values[o]};`);
      else if ("scatter" in m) body.push(`${rowAccs.get(i)}[${rows.get(m.scatter)}[${rowIndex}]] += ${values[o]};`);
      else {
        const md = datas.get(m.rowacc)!;
        const b = bases.get(m.rowacc)!;
        const accs = rowAccs.get(i)!;
        if (Array.isArray(accs)) accs.forEach((a, k) => body.push(`${a} += ${md}[${b} + ${k}] * ${values[o]};`));
        else {
          const k = ctx.tmp("k");
          body.push(`for (let ${k} = 0; ${k} < ${widths.get(m.rowacc)}; ${k}++) ${accs}[${k}] += ${md}[${b} + ${k}] * ${values[o]};`);
        }
      }
    });

    if (flat) {
      const total = sizes.length === 1 ? sizes[0] : sizes.join(" * ");
      ctx.line(`for (let ${pos} = 0; ${pos} < ${total}; ${pos}++) {`);
      body.forEach((l) => ctx.line(`  ${l}`));
      ctx.line(`}`);
    } else {
      ctx.line(`let ${pos} = 0;`);
      sizes.forEach((s, k) => ctx.line(`${"  ".repeat(k)}for (let ${idx[k]} = 0; ${idx[k]} < ${s}; ${idx[k]}++) {`));
      body.forEach((l) => ctx.line(`${"  ".repeat(ndim)}${l}`));
      if (storing) ctx.line(`${"  ".repeat(ndim)}${pos}++;`);
      for (let k = ndim - 1; k >= 0; k--) ctx.line(`${"  ".repeat(k)}}`);
    }
    ctx.outs.forEach((out, i) => {
      if (summed[i]) ctx.line(`const ${out} = ${outData[i]};`);
      const accs = rowAccs.get(i);
      if (Array.isArray(accs)) {
        ctx.line(`const ${out} = ${ctx.alloc([String(accs.length)])};`);
        accs.forEach((a, k) => ctx.line(`${out}.data[${k}] = ${a};`));
      }
    });
  }
}
