// Composite: several elementwise ops fused into one loop over their common iteration space
// (PyTensor's Composite), optionally summed on the fly so that a reduction of an elementwise
// expression never materialises the expression (PyTensor's CAReduce of a Composite).
import { Apply, Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, type DType } from "../graph/type.js";
import { broadcastStatic, outDtype, type ScalarOp } from "./elemwise.js";

/** One scalar op of the inner graph; an arg below `nIn` is an input, otherwise an earlier node. */
export interface InnerNode {
  readonly op: ScalarOp;
  readonly args: readonly number[];
}

export interface CompositeSpec {
  readonly nIn: number;
  readonly nodes: readonly InnerNode[];
  /** Index (input or node value) of each output. */
  readonly outputs: readonly number[];
  /**
   * Per output: store the array, or sum it over every element in the loop (the output is then a
   * scalar and no array is ever stored). One mode for all outputs may be given.
   */
  readonly reduce: "none" | "sum" | readonly ("none" | "sum")[];
}

const modeOf = (spec: CompositeSpec, i: number): "none" | "sum" => (typeof spec.reduce === "string" ? spec.reduce : spec.reduce[i]);

/** PyTensor-style text of an inner value: `((i0 + i1) * i2)`. */
function innerText(spec: CompositeSpec, value: number): string {
  if (value < spec.nIn) return `i${value}`;
  const node = spec.nodes[value - spec.nIn];
  const args = node.args.map((a) => innerText(spec, a));
  const infix: Record<string, string> = { Add: "+", Sub: "-", Mul: "*", True_div: "/" };
  if (infix[node.op.name] && args.length === 2) return `(${args[0]} ${infix[node.op.name]} ${args[1]})`;
  return `${node.op.name.toLowerCase()}(${args.join(", ")})`;
}

export class Composite implements Op {
  readonly spec: CompositeSpec;
  readonly key: string;
  readonly foldable = false;

  constructor(spec: CompositeSpec) {
    this.spec = spec;
    const body = spec.nodes.map((n) => `${n.op.name}(${n.args.join(",")})`).join(";");
    const modes = spec.outputs.map((_, i) => modeOf(spec, i)).join(",");
    this.key = `Composite{${spec.nIn};${body};${spec.outputs.join(",")};${modes}}`;
  }

  toString(): string {
    const parts = this.spec.outputs.map((o, i) => (modeOf(this.spec, i) === "sum" ? `sum(${innerText(this.spec, o)})` : innerText(this.spec, o)));
    if (this.spec.outputs.length === 1 && modeOf(this.spec, 0) === "sum") return `Sum{Composite{${innerText(this.spec, this.spec.outputs[0])}}, axes=None}`;
    return `Composite{${parts.join(", ")}}`;
  }

  innerGraph() {
    const s = this.spec;
    return { nIn: s.nIn, nodes: s.nodes.map((n) => ({ name: n.op.name, args: n.args })), outputs: s.outputs };
  }

  /** dtypes of every inner value, inputs first. */
  private valueDtypes(inputs: Variable[]): DType[] {
    const dtypes: DType[] = inputs.map((v) => v.dtype);
    for (const n of this.spec.nodes) dtypes.push(outDtype(n.op, n.args.map((a) => dtypes[a])));
    return dtypes;
  }

  makeNode(...inputs: Variable[]): Apply {
    if (inputs.length !== this.spec.nIn) throw new Error(`${this}: expected ${this.spec.nIn} inputs, got ${inputs.length}`);
    const full = inputs.filter((v) => v.ndim > 0);
    if (!full.length) throw new Error(`${this}: at least one input must be an array`);
    const ndim = full[0].ndim;
    if (full.some((v) => v.ndim !== ndim)) throw new Error(`${this}: array inputs must share a rank`);
    const shape = broadcastStatic(String(this), full);
    const dtypes = this.valueDtypes(inputs);
    const types = this.spec.outputs.map((o, i) => {
      const dtype = dtypes[o];
      if (modeOf(this.spec, i) === "sum") return new TensorType(dtype === "bool" ? "int64" : dtype, []);
      return new TensorType(dtype, shape);
    });
    return new Apply(this, inputs, types);
  }

  emit(ctx: EmitContext): void {
    const node = ctx.node;
    const inputs = node.inputs;
    const arrays = inputs.map((v, j) => (v.ndim > 0 ? j : -1)).filter((j) => j >= 0);
    const ndim = inputs[arrays[0]].ndim;
    const shape = broadcastStatic(String(this), arrays.map((j) => inputs[j]));
    const opName = String(this);

    // Loop sizes: static where known, else read off an input that is not broadcast along the dim.
    const sizes: string[] = [];
    for (let k = 0; k < ndim; k++) {
      if (shape[k] !== null) {
        sizes.push(String(shape[k]));
        continue;
      }
      const src = arrays.find((j) => inputs[j].type.shape[k] !== 1)!;
      const id = ctx.tmp(`n${k}_`);
      ctx.line(`const ${id} = ${ctx.ins[src]}.shape[${k}];`);
      sizes.push(id);
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
    for (const j of arrays) {
      const d = ctx.tmp(`d${j}_`);
      ctx.line(`const ${d} = ${ctx.ins[j]}.data;`);
      datas.set(j, d);
    }
    const summed = ctx.outs.map((_, i) => modeOf(this.spec, i) === "sum");
    const storing = summed.some((s) => !s);
    const outData = ctx.outs.map((out, i) => {
      if (summed[i]) {
        const acc = ctx.tmp("acc");
        ctx.line(`let ${acc} = 0;`);
        return acc;
      }
      ctx.line(`const ${out} = ${ctx.alloc(sizes)};`);
      const o = ctx.tmp("o");
      ctx.line(`const ${o} = ${out}.data;`);
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
    inputs.forEach((v, j) => {
      if (v.ndim === 0) values.push(ctx.ins[j]);
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
    for (const n of this.spec.nodes) {
      const s = ctx.tmp("s");
      body.push(`const ${s} = ${n.op.js(n.args.map((a) => values[a]), ctx.rt)};`);
      values.push(s);
    }
    this.spec.outputs.forEach((o, i) => {
      body.push(summed[i] ? `${outData[i]} += ${values[o]};` : `${outData[i]}[${pos}] = ${values[o]};`);
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
    ctx.outs.forEach((out, i) => summed[i] && ctx.line(`const ${out} = ${outData[i]};`));
  }
}
