// The one emitter: a graph becomes straight-line JavaScript. The text stands alone: it refers only
// to its parameters, to module-level constants it declares, and to `rt` (the tsmc runtime).
import { Constant, type Variable, type Apply, type EmitContext, type Lifted } from "../graph/basic.js";
import { toposort } from "../graph/traversal.js";
import { emitSimdLoop } from "./wasm-loop.js";
import { rtRef } from "./runtime-names.js";
import { splitLongBody } from "./split.js";

export interface EmittedFunction {
  /** The function's name in the text. */
  readonly name: string;
  /** Module-level declarations the function uses (large constants). */
  readonly prelude: string[];
  /** `function name(params) { ... return [outputs]; }` */
  readonly code: string;
  /** Parameter names, one per input that is not bound in the enclosing scope. */
  readonly params: string[];
  /** Declarations for the scope that binds `scope` inputs (made once per binding), before `code`. */
  readonly scoped: string[];
}

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await arguments eval undefined NaN " +
    "Infinity rt Math"
  ).split(" "),
);

/** A JS identifier from a user name, when the name is safe to use as one. */
export function safeIdentifier(name: string | null): string | null {
  if (name === null || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || RESERVED.has(name)) return null;
  return name;
}

/** A number as a JS expression (negative values parenthesised so they compose). */
export function jsNumber(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "(-Infinity)";
  if (Object.is(x, -0)) return "(-0)";
  return x < 0 ? `(${x})` : String(x);
}

// The text of an array constant, made once per constant (a model's functions read the same data).
const literals = new WeakMap<Constant, string>();
export function arrayLiteral(c: Constant): string {
  let text = literals.get(c);
  if (text === undefined) {
    // All zeros (a support point broadcast to a long series): the array, not its digits.
    const zeros = c.data.length > 16 && c.data.every((v) => Object.is(v, 0));
    text = zeros ? `${rtRef("empty")}([${c.shape.join(", ")}])` : `${rtRef("nd")}([${c.shape.join(", ")}], [${Array.from(c.data, jsNumber).join(", ")}])`;
    literals.set(c, text);
  }
  return text;
}

/** Constants already declared at module level, by their expression. */
export interface SharedConstants {
  readonly byExpr: Map<string, string>;
  readonly prelude: string[];
}

export function sharedConstants(): SharedConstants {
  return { byExpr: new Map(), prelude: [] };
}

export interface EmitFunctionOptions {
  name?: string;
  /**
   * Keep every array output of a node between calls, so that a warm
   * function allocates nothing. Only for functions whose results are consumed before the next
   * call (a model's logp and logpGrad), never for results handed to users.
   */
  reuseBuffers?: boolean;
  /** Identifier prefix for hoisted constants (to keep several functions in one module apart). */
  constPrefix?: string;
  /**
   * Module-level constants shared by several functions of one module: equal constants are then
   * emitted once (a model's logp and logpGrad read the same data).
   */
  shared?: SharedConstants;
  /**
   * Inputs the function does not take as parameters: identifiers of an enclosing scope that binds
   * them once (a model's data, per binding), each array with its data as `${name}_d`. Loops read
   * those typed arrays straight from the closure.
   */
  scope?: ReadonlyMap<Variable, string>;
  /**
   * Emit the fused loops over the rows of a fixed dense matrix (`X @ beta` likelihoods) as
   * WebAssembly SIMD kernels (compiler/emit/wasm-loop.ts); every other loop stays JavaScript.
   */
  simd?: boolean;
  /**
   * The function's own signature instead of one parameter per input: `params`, the expression
   * each parameter-less input is read from (`x[0]`, a view of `x`), and the closing lines made from
   * the results' identifiers (and the data alias of each, when it has one). A model's logpGrad
   * reads the flat point and writes the flat gradient this way, without a list in between.
   */
  entry?: {
    params: string[];
    inputs: string[];
    finish: (results: string[], aliases: (string | null)[]) => string[];
  };
}

/**
 * Emit a function computing `outputs` from `inputs`. Inputs may be any variables of the graph
 * (intermediate ones too): the graph is cut there. Any other root must be a constant.
 */
export function emitFunction(inputs: readonly Variable[], outputs: readonly Variable[], opts: EmitFunctionOptions = {}): EmittedFunction {
  const f = new FunctionEmitter(opts);
  f.bindInputs(inputs);
  for (const node of toposort(outputs, new Set(inputs))) f.emitNode(node);
  return f.finish(outputs);
}

/** The state of one emitted function: its identifiers, module-level constants and lines. */
class FunctionEmitter {
  private readonly name: string;
  private readonly constPrefix: string;
  private readonly names = new Map<Variable, string>();
  private readonly used = new Set<string>();
  private readonly prelude: string[] = [];
  private lines: string[] = [];
  /** Functions of lifted lines (a loop each), declared before this one. */
  private readonly lifted: string[] = [];
  /** The lines of the functions a `lift` in progress is nested in (its own caller's last). */
  private readonly enclosing: string[][] = [];
  private counter = 0;
  private constCount = 0;
  /** Identifiers whose value never changes between calls: "module" level or bound in the "scope". */
  private readonly fixed = new Map<string, "module" | "scope">();
  private readonly scoped: string[] = [];
  private readonly params: string[] = [];
  /** Arrays that live at module level, by identifier: the identifier of their data. */
  private readonly dataAliases = new Map<string, string>();
  /** The `_d` aliases this function's prelude declares. */
  private readonly declaredData = new Set<string>();
  /**
   * Arrays made once, with the module (constants, buffers of static shape), by any identifier that
   * holds one: its module-level name. A view of one is made once too.
   */
  private readonly moduleArrays = new Map<string, string>();
  private readonly reuse: boolean;

  constructor(private readonly opts: EmitFunctionOptions) {
    this.name = opts.name ?? "compiled";
    this.constPrefix = opts.constPrefix ?? "k";
    this.reuse = opts.reuseBuffers === true;
    for (const p of opts.entry?.params ?? []) this.used.add(p);
  }

  private fresh(hint = "t"): string {
    let id = `${hint}${this.counter++}`;
    while (this.used.has(id)) id = `${hint}${this.counter++}`;
    this.used.add(id);
    return id;
  }

  /** A fresh module-level constant name of this function (`k0`, `kl3`, ...). */
  private freshConstant(): string {
    let id = `${this.constPrefix}${this.constCount++}`;
    while (this.used.has(id)) id = `${this.constPrefix}${this.constCount++}`;
    this.used.add(id);
    return id;
  }

  /** Parameters by the inputs' names where they are safe identifiers; scope-bound inputs by their binding. */
  bindInputs(inputs: readonly Variable[]): void {
    inputs.forEach((v, i) => {
      const bound = this.opts.scope?.get(v);
      if (bound) {
        if (this.names.has(v)) throw new Error(`input ${v} is given twice`);
        this.names.set(v, bound);
        this.used.add(bound);
        this.fixed.set(bound, "scope");
        return;
      }
      const safe = safeIdentifier(v.name);
      const id = safe && !this.used.has(safe) ? safe : `in${i}`;
      this.used.add(id);
      if (this.names.has(v)) throw new Error(`input ${v} is given twice`);
      this.names.set(v, id);
      this.params.push(id);
    });
    for (const [v, id] of this.opts.scope ?? []) if (v.ndim > 0) this.dataAliases.set(id, `${id}_d`);
  }

  /** A constant JS expression at module level (shared between the functions of a model when asked). */
  private hoist(expr: string): string {
    // Per-call state (slots) is never shared; values are.
    const stateful = expr.startsWith(`${rtRef("slot")}(`);
    const shared = this.opts.shared;
    if (shared && !stateful) {
      const known = shared.byExpr.get(expr);
      if (known) return known;
      // `$` keeps module constants apart from user names, which never contain it.
      const id = `$c${shared.byExpr.size}`;
      shared.byExpr.set(expr, id);
      shared.prelude.push(`const ${id} = ${expr};`);
      if (expr.startsWith(`${rtRef("nd")}(`) || expr.startsWith(`${rtRef("empty")}(`)) shared.prelude.push(`const ${id}_d = ${id}.data;`);
      return id;
    }
    const id = this.freshConstant();
    this.prelude.push(`const ${id} = ${expr};`);
    return id;
  }

  private ref(v: Variable, user: Apply | null): string {
    const known = this.names.get(v);
    if (known) return known;
    if (v instanceof Constant) {
      const id = v.ndim === 0 ? jsNumber(v.value) : this.hoist(arrayLiteral(v));
      if (v.ndim > 0) this.dataAliases.set(id, this.declareData(id)), this.fixed.set(id, "module"), this.moduleArrays.set(id, id);
      this.names.set(v, id);
      return id;
    }
    const usedBy = user ? ` (needed by ${user})` : "";
    throw new Error(`missing input: ${v} of type ${v.type} is not among the inputs${usedBy}`);
  }

  /** `id_d`, the module-level name of a module-level array's data (declared once). */
  private declareData(id: string): string {
    const alias = `${id}_d`;
    // A set, not a search of the prelude: a long unrolled graph declares thousands.
    if (!id.startsWith("$c") && !this.declaredData.has(alias)) this.declaredData.add(alias), this.prelude.push(`const ${alias} = ${id}.data;`);
    return alias;
  }

  private once(expr: string, uses: string[]): string | null {
    if (!uses.every((u) => this.fixed.has(u))) return null;
    if (uses.every((u) => this.fixed.get(u) === "module")) return this.hoist(expr);
    const id = this.fresh("b");
    this.scoped.push(`const ${id} = ${expr};`);
    return id;
  }

  private newSlot(): string {
    return this.hoist(`${rtRef("slot")}()`);
  }

  private alloc(dims: string[]): string {
    if (!this.reuse) return `${rtRef("empty")}([${dims.join(", ")}])`;
    // A static shape: the buffer is made once, with the module (a slot would only return it).
    if (dims.every((d) => /^\d+$/.test(d))) {
      const id = this.freshConstant();
      this.prelude.push(`const ${id} = ${rtRef("empty")}([${dims.join(", ")}]);`);
      this.dataAliases.set(id, this.declareData(id));
      this.moduleArrays.set(id, id);
      return id;
    }
    if (dims.length >= 1 && dims.length <= 3) return `${rtRef(`buf${dims.length as 1 | 2 | 3}`)}(${this.newSlot()}, ${dims.join(", ")})`;
    return `${rtRef("outBuffer")}(${this.newSlot()}, [${dims.join(", ")}])`;
  }

  /** An array over existing data; made once when the data is a module-level array's and the dims are static. */
  private view(data: string, dims: string[]): string {
    const local = /^([\w$]+)\.data$/.exec(data)?.[1];
    const source = local === undefined ? undefined : this.moduleArrays.get(local);
    if (source && dims.every((d) => /^\d+$/.test(d))) {
      const id = this.freshConstant();
      this.prelude.push(`const ${id} = new ${rtRef("NDArray")}([${dims.join(", ")}], ${source}.data);`);
      this.moduleArrays.set(id, id);
      this.dataAliases.set(id, this.declareData(id));
      return id;
    }
    if (this.reuse && dims.length >= 1 && dims.length <= 3)
      return `${rtRef(`view${dims.length as 1 | 2 | 3}`)}(${this.newSlot()}, ${data}, ${dims.join(", ")})`;
    return `new ${rtRef("NDArray")}([${dims.join(", ")}], ${data})`;
  }

  private context(node: Apply, ins: string[], outs: string[]): EmitContext {
    const reuse = this.reuse;
    return {
      ins,
      outs,
      node,
      line: (code) => this.lines.push(code),
      tmp: (hint) => this.fresh(hint ?? "u"),
      rt: rtRef,
      hoist: (expr) => this.hoist(expr),
      alloc: (dims) => this.alloc(dims),
      view: (data, dims) => this.view(data, dims),
      unit: (x) => (reuse ? `${rtRef("unit1")}(${this.newSlot()}, ${x})` : `${rtRef("nd")}([1], [${x}])`),
      slot: () => (reuse ? this.newSlot() : "undefined"),
      dataAlias: (array) => this.dataAliases.get(array) ?? null,
      once: (expr, uses) => this.once(expr, uses),
      isFixed: (id) => this.fixed.has(id),
      block: (inputs, ids, outputs) => this.block(inputs, ids, outputs),
      lift: (body) => this.lift(body),
    };
  }

  /**
   * Lines in a function of their own (a loop: see compiler/ops/scan.ts), called here with the
   * locals of this function that they read (parameters need no type feedback, which V8 has not
   * collected for lines that ran only during a function's first call). Its results come back in
   * module-level variables, whose stores need no type feedback either; a number result is boxed
   * there, a few 16-byte objects a call.
   */
  private lift(body: () => readonly Lifted[]): string[] {
    const outer = this.lines;
    this.enclosing.push(outer);
    this.lines = [];
    const results = body();
    const inner = this.lines;
    this.lines = outer;
    this.enclosing.pop();
    const name = `${this.name}$loop${this.lifted.length}`;
    // A constant of this function (a buffer the loop fills) or of the module is read where it is.
    const constants = new Set(declaredNames(outer.filter((l) => /^\s*const /.test(l))));
    const reads = results.map((r, k) => {
      if (this.moduleArrays.has(r.expr) || constants.has(r.expr)) return r.expr;
      const id = `${name}$out${k}`;
      this.prelude.push(`let ${id} = ${r.scalar ? "0" : "null"};`);
      inner.push(`${id} = ${r.expr};`);
      return id;
    });
    // (a loop inside a loop's body reads the locals of every function it is nested in)
    const locals = new Set([...this.params, ...(this.opts.entry?.params ?? []), ...this.enclosing.flatMap(declaredNames), ...declaredNames(outer)]);
    const params = [...new Set(namesIn(inner).filter((n) => locals.has(n)))];
    const text = withoutUnusedAliases(inner).map((l) => `  ${l}`);
    this.lifted.push(`function ${name}(${params.join(", ")}) {\n${text.join("\n")}\n}`);
    outer.push(`${name}(${params.join(", ")});`);
    return reads;
  }

  /** A graph emitted inline (a loop body), its names forgotten afterwards: they are local to the block. */
  private block(inputs: readonly Variable[], ids: readonly string[], outputs: readonly Variable[]): string[] {
    const local: Variable[] = [...inputs];
    inputs.forEach((v, i) => this.names.set(v, ids[i]));
    for (const node of toposort(outputs, new Set(inputs))) {
      this.emitNode(node);
      local.push(...node.outputs);
    }
    const results = outputs.map((v) => this.ref(v, null));
    for (const v of local) this.names.delete(v);
    return results;
  }

  emitNode(node: Apply): void {
    const ins = node.inputs.map((v) => this.ref(v, node));
    const outs = node.outputs.map(() => this.fresh());
    const first = this.lines.length;
    const ctx = this.context(node, ins, outs);
    // (opt-in: a dense fused loop as a WebAssembly SIMD kernel, when it is one the kernel takes)
    if (!(this.opts.simd && emitSimdLoop(ctx))) node.op.emit(ctx);
    // An output that is a module-level array (`const t3 = k0;`) shares its data alias.
    for (const line of this.lines.slice(first)) {
      const m = /^const (\w+) = ([\w$]+);$/.exec(line);
      if (m && outs.includes(m[1]) && this.dataAliases.has(m[2])) this.dataAliases.set(m[1], this.dataAliases.get(m[2])!);
      if (m && outs.includes(m[1]) && this.moduleArrays.has(m[2])) this.moduleArrays.set(m[1], this.moduleArrays.get(m[2])!);
    }
    node.outputs.forEach((v, i) => this.names.set(v, outs[i]));
  }

  /** The function's text: its results returned as a list, or handed to the entry's `finish`. */
  finish(outputs: readonly Variable[]): EmittedFunction {
    const { lines, params, opts } = this;
    const results = outputs.map((v) => this.ref(v, null));
    if (opts.entry) {
      const entry = opts.entry;
      if (entry.inputs.length !== params.length) throw new Error(`emitFunction: ${params.length} inputs to read, ${entry.inputs.length} given`);
      lines.unshift(...params.map((p, i) => `const ${p} = ${entry.inputs[i]};`));
      lines.push(
        ...entry.finish(
          results,
          results.map((r) => this.dataAliases.get(r) ?? null),
        ),
      );
      params.splice(0, params.length, ...entry.params);
    } else {
      lines.push(`return [${results.join(", ")}];`);
    }
    const body = splitLongBody(withoutUnusedAliases(lines))
      .map((l) => `  ${l}`)
      .join("\n");
    const { name, prelude, scoped } = this;
    let code = [...this.lifted, `function ${name}(${params.join(", ")}) {\n${body}\n}`].join("\n");
    // The lengths of scope-bound arrays are bound with them (`${name}_s${k}`): fixed numbers to the
    // engine, so loop bounds and shape checks against them are constants.
    for (const [v, id] of opts.scope ?? []) {
      if (v.ndim === 0) continue;
      const read = new RegExp(`${id.replace(/\$/g, "\\$")}\\.shape\\[(\\d+)\\]`, "g");
      code = code.replace(read, (_, k: string) => `${id}_s${k}`);
    }
    return { name, prelude, params, scoped, code };
  }
}

/** The names that lines declare (`const a`, `let b`, `const [c, d]`), at any depth. */
function declaredNames(lines: readonly string[]): string[] {
  return lines.flatMap((l) => {
    const m = /^\s*(?:const|let) (?:([\w$]+)|\[([^\]]*)\])/.exec(l);
    return !m ? [] : m[1] !== undefined ? [m[1]] : m[2].split(",").map((n) => n.trim());
  });
}

/** Every identifier-like word in lines (property names too: a superset of what they read). */
function namesIn(lines: readonly string[]): string[] {
  return lines.flatMap((l) => l.match(/[A-Za-z_$][\w$]*/g) ?? []);
}

/**
 * The lines without `const a = b;` (b a name) where nothing reads `a`: a random variable's next
 * generator state, an output's buffer name nothing uses. Minifiers keep such copies. One count of
 * every name, then one pass from the end (an alias of an alias goes with it).
 */
function withoutUnusedAliases(lines: string[]): string[] {
  const uses = new Map<string, number>();
  for (const line of lines) for (const name of line.match(/[A-Za-z_$][\w$]*/g) ?? []) uses.set(name, (uses.get(name) ?? 0) + 1);
  const keep = lines.map(() => true);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^const ([\w$]+) = ([\w$]+);$/.exec(lines[i]);
    if (!m || uses.get(m[1]) !== 1) continue;
    keep[i] = false;
    uses.set(m[2], (uses.get(m[2]) ?? 1) - 1);
  }
  return lines.filter((_, i) => keep[i]);
}
