// The one emitter: a graph becomes straight-line JavaScript. The text stands alone: it refers only
// to its parameters, to module-level constants it declares, and to `rt` (the tsmc runtime).
import { Constant, Variable, type Apply, type EmitContext } from "../graph/basic.js";
import { toposort } from "../graph/traversal.js";
import { emitSimdLoop } from "./wasm-loop.js";

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
  ("break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await arguments eval undefined NaN " +
    "Infinity rt Math").split(" "),
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
  if (text === undefined) literals.set(c, (text = `rt.nd([${c.shape.join(", ")}], [${Array.from(c.data, jsNumber).join(", ")}])`));
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
  const name = opts.name ?? "compiled";
  const constPrefix = opts.constPrefix ?? "k";
  const names = new Map<Variable, string>();
  const used = new Set<string>();
  const prelude: string[] = [];
  const lines: string[] = [];
  let counter = 0;
  const fresh = (hint = "t") => {
    let id = `${hint}${counter++}`;
    while (used.has(id)) id = `${hint}${counter++}`;
    used.add(id);
    return id;
  };

  for (const p of opts.entry?.params ?? []) used.add(p);
  // Identifiers whose value never changes between calls: "module" level or bound in the "scope".
  const fixed = new Map<string, "module" | "scope">();
  const scoped: string[] = [];
  const params: string[] = [];
  inputs.forEach((v, i) => {
    const bound = opts.scope?.get(v);
    if (bound) {
      if (names.has(v)) throw new Error(`input ${v} is given twice`);
      names.set(v, bound);
      used.add(bound);
      fixed.set(bound, "scope");
      return;
    }
    const safe = safeIdentifier(v.name);
    const id = safe && !used.has(safe) ? safe : `in${i}`;
    used.add(id);
    if (names.has(v)) throw new Error(`input ${v} is given twice`);
    names.set(v, id);
    params.push(id);
  });

  // Arrays that live at module level, by identifier: the identifier of their data.
  const dataAliases = new Map<string, string>();
  let constCount = 0;
  const hoist = (expr: string) => {
    // Per-call state (slots) is never shared; values are.
    const stateful = expr.startsWith("rt.slot(");
    const shared = opts.shared;
    if (shared && !stateful) {
      const known = shared.byExpr.get(expr);
      if (known) return known;
      // `$` keeps module constants apart from user names, which never contain it.
      const id = `$c${shared.byExpr.size}`;
      shared.byExpr.set(expr, id);
      shared.prelude.push(`const ${id} = ${expr};`);
      if (expr.startsWith("rt.nd(")) shared.prelude.push(`const ${id}_d = ${id}.data;`);
      return id;
    }
    let id = `${constPrefix}${constCount++}`;
    while (used.has(id)) id = `${constPrefix}${constCount++}`;
    used.add(id);
    prelude.push(`const ${id} = ${expr};`);
    return id;
  };
  const ref = (v: Variable, user: Apply | null): string => {
    const known = names.get(v);
    if (known) return known;
    if (v instanceof Constant) {
      const id = v.ndim === 0 ? jsNumber(v.value) : hoist(arrayLiteral(v));
      if (v.ndim > 0) dataAliases.set(id, declareData(id)), fixed.set(id, "module");
      names.set(v, id);
      return id;
    }
    const usedBy = user ? ` (needed by ${user})` : "";
    throw new Error(`missing input: ${v} of type ${v.type} is not among the inputs${usedBy}`);
  };

  /** `id_d`, the module-level name of a module-level array's data (declared once). */
  function declareData(id: string): string {
    const alias = `${id}_d`;
    if (!id.startsWith("$c") && !prelude.includes(`const ${alias} = ${id}.data;`)) prelude.push(`const ${alias} = ${id}.data;`);
    return alias;
  }

  for (const [v, id] of opts.scope ?? []) if (v.ndim > 0) dataAliases.set(id, `${id}_d`);
  const once = (expr: string, uses: string[]): string | null => {
    if (!uses.every((u) => fixed.has(u))) return null;
    if (uses.every((u) => fixed.get(u) === "module")) return hoist(expr);
    const id = fresh("b");
    scoped.push(`const ${id} = ${expr};`);
    return id;
  };

  const reuse = opts.reuseBuffers === true;
  const newSlot = () => hoist("rt.slot()");
  const alloc = (dims: string[]) => {
    if (!reuse) return `rt.empty([${dims.join(", ")}])`;
    // A static shape: the buffer is made once, with the module (a slot would only return it).
    if (dims.every((d) => /^\d+$/.test(d))) {
      let id = `${constPrefix}${constCount++}`;
      while (used.has(id)) id = `${constPrefix}${constCount++}`;
      used.add(id);
      prelude.push(`const ${id} = rt.empty([${dims.join(", ")}]);`);
      dataAliases.set(id, declareData(id));
      return id;
    }
    if (dims.length >= 1 && dims.length <= 3) return `rt.buf${dims.length}(${newSlot()}, ${dims.join(", ")})`;
    return `rt.outBuffer(${newSlot()}, [${dims.join(", ")}])`;
  };
  const view = (data: string, dims: string[]) => {
    if (reuse && dims.length >= 1 && dims.length <= 3) return `rt.view${dims.length}(${newSlot()}, ${data}, ${dims.join(", ")})`;
    return `new rt.NDArray([${dims.join(", ")}], ${data})`;
  };
  const unit = (x: string) => (reuse ? `rt.unit1(${newSlot()}, ${x})` : `rt.nd([1], [${x}])`);
  const slot = () => (reuse ? newSlot() : "undefined");

  const order = toposort(outputs, new Set(inputs));
  for (const node of order) {
    const ins = node.inputs.map((v) => ref(v, node));
    const outs = node.outputs.map(() => fresh());
    const first = lines.length;
    const ctx: EmitContext = {
      ins,
      outs,
      node,
      line: (code) => lines.push(code),
      tmp: (hint) => fresh(hint ?? "u"),
      rt: (n) => `rt.${n}`,
      hoist,
      alloc,
      view,
      unit,
      slot,
      dataAlias: (array) => dataAliases.get(array) ?? null,
      once,
      isFixed: (id) => fixed.has(id),
    };
    // (opt-in: a dense fused loop as a WebAssembly SIMD kernel, when it is one the kernel takes)
    if (!(opts.simd && emitSimdLoop(ctx))) node.op.emit(ctx);
    // An output that is a module-level array (`const t3 = k0;`) shares its data alias.
    for (const line of lines.slice(first)) {
      const m = /^const (\w+) = ([\w$]+);$/.exec(line);
      if (m && outs.includes(m[1]) && dataAliases.has(m[2])) dataAliases.set(m[1], dataAliases.get(m[2])!);
    }
    node.outputs.forEach((v, i) => names.set(v, outs[i]));
  }
  const results = outputs.map((v) => ref(v, null));
  if (opts.entry) {
    const entry = opts.entry;
    if (entry.inputs.length !== params.length) throw new Error(`emitFunction: ${params.length} inputs to read, ${entry.inputs.length} given`);
    lines.unshift(...params.map((p, i) => `const ${p} = ${entry.inputs[i]};`));
    lines.push(...entry.finish(results, results.map((r) => dataAliases.get(r) ?? null)));
    params.splice(0, params.length, ...entry.params);
  } else {
    lines.push(`return [${results.join(", ")}];`);
  }
  let body = lines.map((l) => `  ${l}`).join("\n");
  // The lengths of scope-bound arrays are bound with them (`${name}_s${k}`): fixed numbers to the
  // engine, so loop bounds and shape checks against them are constants.
  for (const [v, id] of opts.scope ?? []) {
    if (v.ndim === 0) continue;
    const read = new RegExp(`${id.replace(/\$/g, "\\$")}\\.shape\\[(\\d+)\\]`, "g");
    body = body.replace(read, (_, k: string) => `${id}_s${k}`);
  }
  return { name, prelude, params, scoped, code: `function ${name}(${params.join(", ")}) {\n${body}\n}` };
}
