// The JavaScript loop of a fused node (a Composite, compiler/ops/composite.ts): one pass over the
// common iteration space that computes every inner op per element, sums or scatters outputs on the
// fly, reads matrix rows for the loop's share of a matrix–vector product, and hoists what does not
// change along the loop. The stages below run in the order of the code they write; the temporary
// names they take come from one counter, so that order is part of the emitted text.
import { Constant, type EmitContext, type Variable } from "../graph/basic.js";
import type { CompositeSpec, InnerNode, OutputMode } from "../ops/composite.js";
import { broadcastStatic } from "../ops/elemwise.js";

/** What the loop needs of a fused op: its inner graph and the role of each input. */
export interface FusedLoop {
  readonly spec: CompositeSpec;
  /** What each output does with its value. */
  readonly modes: readonly OutputMode[];
  /** Matrices read a row per iteration (rowdot, rowacc). */
  readonly rowMatrices: ReadonlySet<number>;
  /** Vectors read whole on every iteration (rowdot's vector, gather's source, scatter's base). */
  readonly invariants: ReadonlySet<number>;
  /** Integer index vectors along the loop (gather, scatter). */
  readonly indices: ReadonlySet<number>;
  /** An input read element by element along the loop. */
  loopInput(j: number): boolean;
  toString(): string;
}

export function emitFusedLoop(op: FusedLoop, ctx: EmitContext): void {
  const loop = new LoopEmitter(op, ctx);
  loop.checkShapes();
  loop.declareOutputs();
  loop.writeBody();
  loop.writeLoop();
  loop.finishOutputs();
}

class LoopEmitter {
  private readonly spec: CompositeSpec;
  private readonly inputs;
  /** Inputs read element by element (arrays along the loop). */
  private readonly arrays: number[];
  private readonly rowMatrices: number[];
  private readonly indexInputs: number[];
  private readonly ndim: number;
  private readonly shape: (number | null)[];
  /** Loop sizes: static where known, else read off an input not broadcast along the dim. */
  private readonly sizes: string[] = [];
  /** Row matrices' widths, static where known. */
  private readonly widths = new Map<number, string>();
  /** Checked row indices of each index vector ... */
  private readonly rows = new Map<number, string>();
  /** ... or, for a constant run start, start + 1, ... inside its target, that start (read as i + start). */
  private readonly offsets = new Map<number, number>();
  /** The data (Float64Array) of each input the loop reads. */
  private readonly datas = new Map<number, string>();
  /** Per output: the accumulator or output data it writes ... */
  private outData: string[] = [];
  /** ... or its row accumulators (unrolled locals, or a buffer's data). */
  private readonly rowAccs = new Map<number, string[] | string>();
  private flat = false;
  private idx: string[] = [];
  private pos = "";
  /** The loop body's lines, and the expression of each inner value (inputs, then nodes). */
  private readonly body: string[] = [];
  private readonly values: string[] = [];

  constructor(
    private readonly op: FusedLoop,
    private readonly ctx: EmitContext,
  ) {
    this.spec = op.spec;
    const inputs = (this.inputs = ctx.node.inputs);
    this.arrays = inputs.map((v, j) => (v.ndim > 0 && op.loopInput(j) ? j : -1)).filter((j) => j >= 0);
    this.rowMatrices = [...op.rowMatrices];
    this.indexInputs = [...op.indices];
    this.ndim = this.arrays.length ? inputs[this.arrays[0]].ndim : 1;
    this.shape = this.arrays.length
      ? broadcastStatic(
          String(op),
          this.arrays.map((j) => inputs[j]),
        )
      : [inputs[this.rowMatrices[0] ?? this.indexInputs[0]].type.shape[0]];
  }

  /** The error for inputs whose shapes do not fit, naming the node's op (an Elemwise emitted as a one-op Composite reports as itself). */
  private throwBroadcast(checks: string[], names: string[], shapes: string[]): void {
    const { ctx } = this;
    ctx.line(
      `if (${checks.join(" || ")}) throw ${ctx.rt("broadcastError")}(${JSON.stringify(String(ctx.node.op))}, ${JSON.stringify(names)}, [${shapes.join(", ")}]);`,
    );
  }

  checkShapes(): void {
    const { ctx, inputs, shape, sizes } = this;
    for (let k = 0; k < this.ndim; k++) {
      if (shape[k] !== null) {
        sizes.push(String(shape[k]));
        continue;
      }
      const src = this.arrays.find((j) => inputs[j].type.shape[k] !== 1) ?? this.rowMatrices[0] ?? this.indexInputs[0];
      const id = ctx.tmp(`n${k}_`);
      ctx.line(`const ${id} = ${ctx.ins[src]}.shape[${k}];`);
      sizes.push(id);
    }
    const rowChecks = [...this.rowWidths(), ...this.indexChecks()];
    if (rowChecks.length) {
      this.throwBroadcast(
        rowChecks,
        inputs.map(String),
        ctx.ins.map((i, j) => (inputs[j].ndim ? `${i}.shape` : "[]")),
      );
    }
    this.indexRows();
    const checks: string[] = [];
    for (const j of this.arrays) {
      for (let k = 0; k < this.ndim; k++) {
        const d = inputs[j].type.shape[k];
        if ((d === 1 && shape[k] !== 1) || (d !== null && d === shape[k])) continue;
        checks.push(`${ctx.ins[j]}.shape[${k}] !== ${sizes[k]}`);
      }
    }
    if (checks.length)
      this.throwBroadcast(
        checks,
        this.arrays.map((j) => String(inputs[j])),
        this.arrays.map((j) => `${ctx.ins[j]}.shape`),
      );
    for (const j of [...this.arrays, ...this.rowMatrices, ...this.op.invariants, ...this.indexInputs]) {
      if (this.datas.has(j) || this.offsets.has(j)) continue;
      const d = ctx.tmp(`d${j}_`);
      ctx.line(`const ${d} = ${ctx.dataAlias(ctx.ins[j]) ?? `${ctx.ins[j]}.data`};`);
      this.datas.set(j, d);
    }
  }

  /** Row matrices: one row per iteration; their width K, static where known. Returns the checks of their rows. */
  private rowWidths(): string[] {
    const { ctx, inputs } = this;
    const rowChecks: string[] = [];
    for (const j of this.rowMatrices) {
      const [rows, cols] = inputs[j].type.shape;
      if (rows === null || rows !== this.shape[0]) rowChecks.push(`${ctx.ins[j]}.shape[0] !== ${this.sizes[0]}`);
      // A data matrix of unknown width times a vector of known length: the width is that length.
      const known = this.spec.nodes
        .filter((n) => n.rowdot && n.args[0] === j)
        .map((n) => inputs[n.args[1]].type.shape[0])
        .find((d) => d !== null);
      if (cols !== null) this.widths.set(j, String(cols));
      else if (known !== undefined && known !== null) {
        this.widths.set(j, String(known));
        rowChecks.push(`${ctx.ins[j]}.shape[1] !== ${known}`);
      } else {
        const w = ctx.tmp("w");
        ctx.line(`const ${w} = ${ctx.ins[j]}.shape[1];`);
        this.widths.set(j, w);
      }
    }
    return rowChecks;
  }

  /** Index vectors run along the loop; rowdot vectors must be as long as their matrix is wide. */
  private indexChecks(): string[] {
    const { ctx, inputs } = this;
    const checks: string[] = [];
    for (const j of this.indexInputs) {
      if (inputs[j].type.shape[0] === null || inputs[j].type.shape[0] !== this.shape[0]) checks.push(`${ctx.ins[j]}.shape[0] !== ${this.sizes[0]}`);
    }
    for (const n of this.spec.nodes) {
      if (!n.rowdot) continue;
      const [m, v] = n.args;
      if (inputs[v].type.shape[0] === null || inputs[v].type.shape[0] !== inputs[m].type.shape[1]) {
        checks.push(`${ctx.ins[v]}.shape[0] !== ${this.widths.get(m)}`);
      }
    }
    return checks;
  }

  /** Each index vector checked once against the vector it indexes (fixed indices: once, not per call). */
  private indexRows(): void {
    const { ctx, inputs } = this;
    const indexTarget = new Map<number, number>();
    for (const n of this.spec.nodes) if (n.gather) indexTarget.set(n.args[1], n.args[0]);
    this.op.modes.forEach((m) => {
      if (typeof m === "string" || !("scatter" in m)) return;
      indexTarget.set(m.scatter, m.base);
      for (const c of m.chained ?? []) indexTarget.set(c.scatter, m.base);
    });
    for (const j of this.indexInputs) {
      const target = indexTarget.get(j)!;
      const n = inputs[target].type.shape[0];
      const start = consecutiveFrom(inputs[j], n);
      if (start !== null) {
        this.offsets.set(j, start);
        continue;
      }
      const expr = `${ctx.rt("indexRows")}(${ctx.ins[j]}, ${n ?? `${ctx.ins[target]}.shape[0]`}, ${JSON.stringify(String(inputs[target]))})`;
      const fixedRows = ctx.once(expr, n === null ? [ctx.ins[j], ctx.ins[target]] : [ctx.ins[j]]);
      if (fixedRows) {
        this.rows.set(j, fixedRows);
        continue;
      }
      const r = ctx.tmp("rows");
      ctx.line(`const ${r} = ${expr};`);
      this.rows.set(j, r);
    }
  }

  /** The row index vector `j` gives at this iteration. */
  private row(j: number): string {
    const start = this.offsets.get(j);
    if (start === undefined) return `${this.rows.get(j)}[${this.rowIndex}]`;
    return start === 0 ? this.rowIndex : `${this.rowIndex} + ${start}`;
  }

  /** Small static widths are unrolled into locals (registers), larger or unknown ones loop. */
  private unroll(j: number): boolean {
    return /^\d+$/.test(this.widths.get(j)!) && Number(this.widths.get(j)) <= 16;
  }

  /** Accumulators and output buffers, before the loop. */
  declareOutputs(): void {
    const { ctx, inputs } = this;
    // A buffer for an output, and its data.
    const buffer = (out: string, dims: string[]) => {
      const buf = ctx.alloc(dims);
      ctx.line(`const ${out} = ${buf};`);
      const o = ctx.tmp("o");
      ctx.line(`const ${o} = ${ctx.dataAlias(buf) ?? `${out}.data`};`);
      return o;
    };
    this.outData = ctx.outs.map((out, i) => {
      const m = this.op.modes[i];
      if (m === "sum" || m === "all") {
        const acc = ctx.tmp("acc");
        ctx.line(`let ${acc} = ${m === "all" ? 1 : 0};`);
        return acc;
      }
      if (m === "none") return buffer(out, this.sizes);
      if ("scatter" in m) {
        const n = inputs[m.base].type.shape[0];
        const o = buffer(out, [n === null ? `${ctx.ins[m.base]}.shape[0]` : String(n)]);
        ctx.line(`${o}.set(${this.datas.get(m.base)});`);
        this.rowAccs.set(i, o);
      } else if (this.unroll(m.rowacc)) {
        const accs = Array.from({ length: Number(this.widths.get(m.rowacc)!) }, () => ctx.tmp("r"));
        ctx.line(`let ${accs.map((a) => `${a} = 0`).join(", ")};`);
        this.rowAccs.set(i, accs);
      } else {
        const o = buffer(out, [this.widths.get(m.rowacc)!]);
        ctx.line(`${o}.fill(0);`);
        this.rowAccs.set(i, o);
      }
      return "";
    });
  }

  private broadcast(j: number, k: number): boolean {
    return this.inputs[j].type.shape[k] === 1 && this.shape[k] !== 1;
  }

  /** An element of input j: by the flat index when no array input is broadcast, else per-dim strides. */
  private ref(j: number): string {
    const { inputs, ndim, sizes } = this;
    if (inputs[j].ndim === 0) return this.ctx.ins[j];
    if (this.flat) return `${this.datas.get(j)}[${this.pos}]`;
    const terms: string[] = [];
    for (let k = 0; k < ndim; k++) {
      if (this.broadcast(j, k)) continue;
      const inner = sizes.slice(k + 1).filter((_, m) => !this.broadcast(j, k + 1 + m));
      terms.push([this.idx[k], ...inner].join(" * "));
    }
    return `${this.datas.get(j)}[${terms.length ? terms.join(" + ") : "0"}]`;
  }

  private get rowIndex(): string {
    return this.flat ? this.pos : this.idx[0];
  }

  writeBody(): void {
    const { ctx } = this;
    this.flat = this.arrays.every((j) => [...Array(this.ndim).keys()].every((k) => !this.broadcast(j, k)));
    this.idx = this.sizes.map((_, k) => ctx.tmp(`i${k}_`));
    this.pos = ctx.tmp("p");
    const bases = new Map<number, string>();
    for (const j of this.rowMatrices) {
      const b = ctx.tmp("b");
      this.body.push(`const ${b} = ${this.rowIndex} * ${this.widths.get(j)};`);
      bases.set(j, b);
    }
    const invariantLocals = this.invariantVectors();
    const invariant = this.inputValues();
    this.nodeValues(invariant, bases, invariantLocals);
    this.outputWrites(bases);
  }

  /** Loop-invariant vectors of unrolled rowdots: read once, before the loop. */
  private invariantVectors(): Map<number, string[]> {
    const { ctx } = this;
    const invariantLocals = new Map<number, string[]>();
    for (const n of this.spec.nodes) {
      if (!n.rowdot || !this.unroll(n.args[0]) || invariantLocals.has(n.args[1])) continue;
      const K = Number(this.widths.get(n.args[0]));
      const locals = Array.from({ length: K }, () => ctx.tmp("v"));
      ctx.line(`const ${locals.map((l, k) => `${l} = ${this.datas.get(n.args[1])}[${k}]`).join(", ")};`);
      invariantLocals.set(n.args[1], locals);
    }
    return invariantLocals;
  }

  /** The inputs' values: scalars as they are, one broadcast element read before the loop, elements in it. Returns which are invariant. */
  private inputValues(): boolean[] {
    const { ctx, op } = this;
    const invariant: boolean[] = [];
    this.inputs.forEach((v, j) => {
      invariant.push(op.loopInput(j) && (v.ndim === 0 || v.type.shape.every((d) => d === 1)));
      if (!op.loopInput(j)) this.values.push("");
      else if (v.ndim === 0) this.values.push(ctx.ins[j]);
      else if (v.type.shape.every((d) => d === 1)) {
        const e = ctx.tmp("e");
        ctx.line(`const ${e} = ${this.datas.get(j)}[0];`);
        this.values.push(e);
      } else {
        const e = ctx.tmp("e");
        this.body.push(`const ${e} = ${this.ref(j)};`);
        this.values.push(e);
      }
    });
    return invariant;
  }

  /**
   * The inner nodes' values. What does not change along the loop (scalars, and what only they
   * feed) is computed before it; a division by such a value becomes a multiplication by its
   * reciprocal, taken once. A value read once is written into its reader's expression: the
   * branches of a switch are then evaluated only when taken.
   */
  private nodeValues(invariant: boolean[], bases: Map<number, string>, invariantLocals: Map<number, string[]>): void {
    const { ctx, spec, values, body } = this;
    const reciprocals = new Map<number, string>();
    const uses = new Array<number>(spec.nIn + spec.nodes.length).fill(0);
    // Sqr writes its argument twice (x * x): an argument inlined there would be computed twice.
    for (const n of spec.nodes) for (const a of n.args) uses[a] += n.op?.name === "Sqr" ? 2 : 1;
    for (const o of spec.outputs) uses[o] += 2;
    for (const m of this.op.modes) if (typeof m !== "string" && "scatter" in m) for (const c of m.chained ?? []) uses[c.value] += 2;
    spec.nodes.forEach((n, i) => {
      const v = spec.nIn + i;
      invariant.push(!n.rowdot && !n.gather && n.args.every((a) => invariant[a]));
      if (invariant[v]) {
        const s = ctx.tmp("s");
        ctx.line(
          `const ${s} = ${n.op!.js(
            n.args.map((a) => values[a]),
            ctx.rt,
          )};`,
        );
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
        values.push(
          `(${n.op!.js(
            n.args.map((a) => values[a]),
            ctx.rt,
          )})`,
        );
        return;
      }
      const s = ctx.tmp("s");
      body.push(...this.nodeLines(n, s, bases, invariantLocals));
      values.push(s);
    });
  }

  /** The body lines that compute node `n` into `s`. */
  private nodeLines(n: InnerNode, s: string, bases: Map<number, string>, invariantLocals: Map<number, string[]>): string[] {
    const { ctx } = this;
    if (n.rowdot) {
      const [m, v] = n.args;
      const md = this.datas.get(m)!;
      const b = bases.get(m)!;
      const locals = invariantLocals.get(v);
      if (locals) return [`const ${s} = ${locals.map((l, k) => `${md}[${b} + ${k}] * ${l}`).join(" + ")};`];
      const k = ctx.tmp("k");
      return [`let ${s} = 0;`, `for (let ${k} = 0; ${k} < ${this.widths.get(m)}; ${k}++) ${s} += ${md}[${b} + ${k}] * ${this.datas.get(v)}[${k}];`];
    }
    if (n.gather) return [`const ${s} = ${this.datas.get(n.args[0])}[${this.row(n.args[1])}];`];
    return [
      `const ${s} = ${n.op!.js(
        n.args.map((a) => this.values[a]),
        ctx.rt,
      )};`,
    ];
  }

  /** Each output's share of the element: summed, stored, scattered or accumulated times a row. */
  private outputWrites(bases: Map<number, string>): void {
    const { ctx, body, values, outData } = this;
    this.spec.outputs.forEach((o, i) => {
      const m = this.op.modes[i];
      if (m === "sum") body.push(`${outData[i]} += ${values[o]};`);
      else if (m === "all") body.push(`if (${values[o]} === 0) ${outData[i]} = 0;`);
      else if (m === "none") body.push(`${outData[i]}[${this.pos}] = ${values[o]};`);
      else if ("scatter" in m) {
        for (const c of [{ scatter: m.scatter, value: o }, ...(m.chained ?? [])])
          body.push(`${this.rowAccs.get(i)}[${this.row(c.scatter)}] += ${values[c.value]};`);
      } else {
        const md = this.datas.get(m.rowacc)!;
        const b = bases.get(m.rowacc)!;
        const accs = this.rowAccs.get(i)!;
        if (Array.isArray(accs)) accs.forEach((a, k) => body.push(`${a} += ${md}[${b} + ${k}] * ${values[o]};`));
        else {
          const k = ctx.tmp("k");
          body.push(`for (let ${k} = 0; ${k} < ${this.widths.get(m.rowacc)}; ${k}++) ${accs}[${k}] += ${md}[${b} + ${k}] * ${values[o]};`);
        }
      }
    });
  }

  /** One flat loop, or a nest of loops over the dims with a running position. */
  writeLoop(): void {
    const { ctx, sizes, idx, pos, ndim, body } = this;
    if (sizes.every((s) => s === "1")) {
      // One element (a scalar in unit dims): the body once, in a block of its own.
      ctx.line("{");
      ctx.line(`  const ${[pos, ...(this.flat ? [] : idx)].map((i) => `${i} = 0`).join(", ")};`);
      body.forEach((l) => ctx.line(`  ${l}`));
      ctx.line("}");
      return;
    }
    if (this.flat) {
      const total = sizes.length === 1 ? sizes[0] : sizes.join(" * ");
      ctx.line(`for (let ${pos} = 0; ${pos} < ${total}; ${pos}++) {`);
      body.forEach((l) => ctx.line(`  ${l}`));
      ctx.line(`}`);
      return;
    }
    ctx.line(`let ${pos} = 0;`);
    sizes.forEach((s, k) => ctx.line(`${"  ".repeat(k)}for (let ${idx[k]} = 0; ${idx[k]} < ${s}; ${idx[k]}++) {`));
    body.forEach((l) => ctx.line(`${"  ".repeat(ndim)}${l}`));
    if (this.op.modes.some((m) => m === "none")) ctx.line(`${"  ".repeat(ndim)}${pos}++;`);
    for (let k = ndim - 1; k >= 0; k--) ctx.line(`${"  ".repeat(k)}}`);
  }

  /** Sums become the outputs; unrolled row accumulators are stored into a fresh vector. */
  finishOutputs(): void {
    const { ctx } = this;
    ctx.outs.forEach((out, i) => {
      const m = this.op.modes[i];
      if (m === "sum" || m === "all") ctx.line(`const ${out} = ${this.outData[i]};`);
      const accs = this.rowAccs.get(i);
      if (Array.isArray(accs)) {
        ctx.line(`const ${out} = ${ctx.alloc([String(accs.length)])};`);
        accs.forEach((a, k) => ctx.line(`${out}.data[${k}] = ${a};`));
      }
    });
  }
}

/**
 * The first index of a constant index vector that runs start, start + 1, ... and stays inside a
 * target of static length n (x[1:], x[:-1] of a random walk's differences), else null: such an
 * index needs neither its table nor a bounds check.
 */
function consecutiveFrom(index: Variable, n: number | null): number | null {
  if (!(index instanceof Constant) || n === null || index.data.length === 0) return null;
  const d = index.data;
  const start = d[0];
  if (!Number.isInteger(start) || start < 0 || start + d.length > n) return null;
  for (let i = 1; i < d.length; i++) if (d[i] !== start + i) return null;
  return start;
}
