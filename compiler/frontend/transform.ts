// The build pass for one module: find the model() declarations, evaluate their builders, compile
// each with the one emitter, and splice the compiled code in place of each call (magic-string, with
// a source map). The spliced module imports `tsmc/runtime` and nothing of the compiler.
import * as runtime from "../../runtime/index.js";
import MagicString, { type SourceMap } from "magic-string";
import { Node, SyntaxKind, type ts, type Identifier, type Statement } from "ts-morph";
import { emitModel } from "../model/compile.js";
import type { ModelMeta } from "../../runtime/index.js";
import { analyze, isValueReference, prologueEnd, release, type Analysis } from "./analyze.js";
import { mayDeclareModels } from "./load.js";
import { evaluateModels, type EvaluatedModel } from "./evaluate.js";
import { TsmcBuildError, reasonOf, type SourcePosition } from "./errors.js";
import { declarationText } from "./dts.js";
import { SAMPLER_MODULE, samplingModule } from "./sampler-link.js";
import type { EmittedRuntimeName } from "../emit/runtime-names.js";

export const RUNTIME_BINDING = "__tsmc_rt";

export interface CompiledDeclaration {
  /** Position among the module's model() calls. */
  readonly index: number;
  readonly name: string;
  readonly pos: SourcePosition;
  readonly meta: ModelMeta;
  /** The emitted function body of `rt` that returns the CompiledModel. */
  readonly body: string;
}

export interface TransformResult {
  /** The module with every model() call compiled (same language as the input). */
  readonly code: string;
  readonly map: SourceMap;
  readonly models: CompiledDeclaration[];
  /** Every local file the builders' evaluation read (the module itself included). */
  readonly dependencies: string[];
  /** The module's declaration file (with `declarations: true`). */
  readonly dts?: string;
}

export interface TransformOptions {
  /** Also produce the .d.ts text (the CLI does; the bundler plugin does not need it). */
  declarations?: boolean;
  /**
   * Link the sampler (`import "tsmc/sampler"`): by default into the modules that call `sample()` or
   * its kin (sampler-link.ts); `true` also into every module that declares a model; `false` never.
   */
  sampler?: boolean;
  /**
   * Leave `placeholder(i)` where the compiled expression of `models[i]` goes, and no runtime import:
   * `tsmc build` strips types and rewrites specifiers first and puts the expressions (and
   * `runtimeImport`) in last, so that TypeScript never parses the emitted code (megabytes with
   * large constants).
   */
  placeholders?: boolean;
}

/** What stands for the compiled expression of the i-th model() call (with `placeholders: true`). */
export const placeholder = (i: number) => `__tsmc_model_${i}__`;

/**
 * The runtime exports an emitted body uses. They are imported by name, so that bundlers keep only
 * them (a namespace object passed around as a value would keep the whole runtime).
 */
export function runtimeNames(body: string): string[] {
  const names = new Set<string>();
  for (const m of body.matchAll(/\brt\.([A-Za-z_$][\w$]*)/g)) if (m[1] in runtime) names.add(m[1]);
  return [...names].sort();
}

/**
 * The expression that replaces a model() call: the emitted body as a factory `(rt) => { ... }`,
 * applied by the runtime's aheadOfTime to the runtime exports it uses; aheadOfTime keeps the
 * factory's text, from which a worker rebuilds the model to run chains in parallel.
 */
export function compiledExpression(name: string, body: string): string {
  const label = JSON.stringify(name).replace(/\*\//g, "*\\/");
  const rt = `{ ${runtimeNames(body)
    .map((n) => `${n}: ${RUNTIME_BINDING}_${n}`)
    .join(", ")} }`;
  const aheadOfTime: EmittedRuntimeName = "aheadOfTime";
  return `/* tsmc: model ${label}, compiled ahead of time */ ${RUNTIME_BINDING}_${aheadOfTime}((rt) => {\n${body}\n}, ${rt})`;
}

/** Evaluate and compile the model() declarations of an analysed module. */
export async function compileDeclarations(a: Analysis): Promise<{ models: CompiledDeclaration[]; evaluated: EvaluatedModel[]; dependencies: string[] }> {
  const { models: evaluated, dependencies } = await evaluateModels(a);
  const models = evaluated.map(({ call, name, model, options }) => {
    try {
      const { body, meta } = emitModel(model, name, options);
      return { index: call.index, name, pos: call.pos, meta, body };
    } catch (e) {
      throw new TsmcBuildError(call.pos, `${call.label}: ${reasonOf(e)}`, a.code);
    }
  });
  return { models, evaluated, dependencies };
}

/**
 * Compile the model() declarations of a module and link the sampler where it is used. Null when
 * there is nothing to change. Errors are TsmcBuildErrors at the user's source location.
 */
export async function transformModule(code: string, file: string, opts: TransformOptions = {}): Promise<TransformResult | null> {
  const a = mayDeclareModels(code) ? analyze(code, file) : null;
  const sampling = opts.sampler === false ? null : samplingModule(code, file);
  const link = new Set(sampling?.modules ?? []);
  if (opts.sampler === true && a !== null) link.add(SAMPLER_MODULE);
  if (!a) return sampling ? samplerImportOnly(code, file, sampling.sf, sampling.modules) : null;
  try {
    const { models, dependencies } = await compileDeclarations(a);
    const s = splice(
      a,
      models.map((m) => compiledExpression(m.name, m.body)),
      { placeholders: opts.placeholders },
    );
    for (const m of link) insertLine(s, code, preambleEnd(a), `import "${m}";`);
    const dts = opts.declarations ? declarationText(a, models, preambleEnd(a)) : undefined;
    return { code: s.toString(), map: s.generateMap({ hires: true, source: file, includeContent: true }), models, dependencies, dts };
  } finally {
    release(a);
  }
}

/** A module that declares no model but samples: only the sampler's import is added. */
function samplerImportOnly(code: string, file: string, sf: ts.SourceFile, modules: string[]): TransformResult {
  const s = new MagicString(code);
  for (const m of modules) insertLine(s, code, prologueEnd(code, sf), `import "${m}";`);
  return { code: s.toString(), map: s.generateMap({ hires: true, source: file, includeContent: true }), models: [], dependencies: [file] };
}

/** Insert `line` on a line of its own at the start of the line after position `at` (a prologueEnd). */
export function insertLine(s: MagicString, code: string, at: number, line: string): void {
  if (at > 0 && code[at - 1] !== "\n") at = code.indexOf("\n", at) + 1 || code.length;
  s.appendLeft(at, `${at > 0 && code[at - 1] !== "\n" ? "\n" : ""}${line}\n`);
}

/**
 * Replace each model() call by its text (same order as `a.calls`; by its placeholder with
 * `placeholders`), drop the code only the builders used (the imports of tsmc among it), and import
 * the runtime.
 */
export function splice(a: Analysis, replacements: string[], opts: { placeholders?: boolean } = {}): MagicString {
  const s = new MagicString(a.code);
  a.calls.forEach((c, i) => s.overwrite(c.start, c.end, opts.placeholders ? placeholder(i) : replacements[i]));
  pruneDeadCode(a, s);
  // With placeholders the import is added with the expressions (TypeScript drops an unused import).
  if (!opts.placeholders) insertLine(s, a.code, preambleEnd(a), runtimeImport(replacements));
  return s;
}

/** The import of the runtime exports that compiled expressions use. */
export function runtimeImport(expressions: readonly string[]): string {
  const used = new Set<string>();
  const binding = new RegExp(`\\b${RUNTIME_BINDING}_([A-Za-z_$][\\w$]*)`, "g");
  for (const r of expressions) for (const m of r.matchAll(binding)) used.add(m[1]);
  const list = [...used]
    .sort()
    .map((n) => `${n} as ${RUNTIME_BINDING}_${n}`)
    .join(", ");
  return `import { ${list} } from "tsmc/runtime";`;
}

type Range = { start: number; end: number };
const isImportName = (id: Identifier) => {
  const parent = id.getParent();
  return Node.isImportSpecifier(parent) || Node.isImportClause(parent) || Node.isNamespaceImport(parent);
};
const within = (n: Node, ranges: Iterable<Range>) => {
  for (const r of ranges) if (n.getStart() >= r.start && n.getEnd() <= r.end) return true;
  return false;
};

function bindingNames(n: Node): Identifier[] {
  if (Node.isIdentifier(n)) return [n];
  if (Node.isObjectBindingPattern(n) || Node.isArrayBindingPattern(n)) {
    return n.getElements().flatMap((e) => (Node.isBindingElement(e) ? bindingNames(e.getNameNode()) : []));
  }
  return [];
}

/** The names a top-level statement declares, if it is a declaration the build may drop. */
function declaredNames(st: Statement): Identifier[] | null {
  if (Node.isExportable(st) && (st.isExported() || st.isDefaultExport())) return null;
  if (Node.isVariableStatement(st)) return st.getDeclarations().flatMap((d) => bindingNames(d.getNameNode()));
  if (Node.isFunctionDeclaration(st) || Node.isClassDeclaration(st) || Node.isEnumDeclaration(st)) {
    const name = st.getNameNode();
    return name ? [name] : null;
  }
  return null;
}

/**
 * Drop what only the builders used: the top-level declarations nothing else refers to any more
 * (not exported), then the import specifiers only they (or the compiled calls) used, and an import
 * once none of its specifiers is left. So the output does not import the compiler, nor the helper
 * modules that call distributions. Imports the builders did not touch stay as they are.
 */
function pruneDeadCode(a: Analysis, s: MagicString): void {
  const calls: readonly Range[] = a.calls;
  const usesOf = (name: Node) => {
    const sym = name.getSymbol();
    return sym ? (a.uses.get(sym.compilerSymbol) ?? []).filter((id) => id !== name) : [];
  };
  const dead = new Map<Statement, Identifier[]>();
  for (const st of a.needed) {
    const names = Node.isImportDeclaration(st) || a.touching.has(st) ? null : declaredNames(st);
    if (names?.length) dead.set(st, names);
  }
  const deadRanges = () => [...dead.keys()].map((st) => ({ start: st.getStart(), end: st.getEnd() }));
  // A declaration that reads a binding the output still uses stays: evaluating it may change that
  // binding's state (`const ys = [rand(), rand()]` advances a generator that later code draws from).
  const tsmcImports = new Set<Node>(a.tsmcImports);
  const readsLive = (st: Statement, ranges: readonly Range[]) => {
    const own = [{ start: st.getStart(), end: st.getEnd() }];
    return st.getDescendantsOfKind(SyntaxKind.Identifier).some((id) => {
      const sym = id.getSymbol();
      const decl = sym?.getDeclarations()[0];
      if (!sym || !decl || decl.getSourceFile() !== a.sourceFile || within(decl, own) || !isValueReference(id, sym)) return false;
      const from = decl.getFirstAncestorByKind(SyntaxKind.ImportDeclaration);
      if (from && tsmcImports.has(from)) return false;
      return (a.uses.get(sym.compilerSymbol) ?? []).some((u) => !isImportName(u) && !within(u, ranges));
    });
  };
  for (let changed = true; changed; ) {
    changed = false;
    const ranges = [...calls, ...deadRanges()];
    for (const [st, names] of dead) {
      if (names.some((n) => usesOf(n).some((id) => !within(id, ranges))) || readsLive(st, ranges)) {
        dead.delete(st);
        changed = true;
      }
    }
  }
  const gone = [...calls, ...deadRanges()];
  for (const st of dead.keys()) s.remove(st.getFullStart() === 0 ? st.getStart() : st.getFullStart(), st.getEnd());

  for (const d of a.sourceFile.getImportDeclarations()) {
    const locals: { node: Node; text: string; kind: "default" | "ns" | "named" }[] = [];
    const def = d.getDefaultImport();
    if (def) locals.push({ node: def, text: def.getText(), kind: "default" });
    const ns = d.getNamespaceImport();
    if (ns) locals.push({ node: ns, text: `* as ${ns.getText()}`, kind: "ns" });
    for (const spec of d.getNamedImports()) locals.push({ node: spec.getAliasNode() ?? spec.getNameNode(), text: spec.getText(), kind: "named" });
    const touched = locals.some((l) => usesOf(l.node).some((id) => within(id, gone)));
    if (!touched) continue;
    const kept = locals.filter((l) => usesOf(l.node).some((id) => !within(id, gone)));
    if (kept.length === locals.length) continue;
    if (!kept.length) {
      s.remove(d.getStart(), d.getEnd());
      continue;
    }
    const named = kept.filter((l) => l.kind === "named").map((l) => l.text);
    const parts = [...kept.filter((l) => l.kind !== "named").map((l) => l.text), ...(named.length ? [`{ ${named.join(", ")} }`] : [])];
    const attributes = d.getAttributes();
    s.overwrite(
      d.getStart(),
      d.getEnd(),
      `import ${d.isTypeOnly() ? "type " : ""}${parts.join(", ")} from ${d.getModuleSpecifier().getText()}${attributes ? ` ${attributes.getText()}` : ""};`,
    );
  }
}

/** Where an import can go in an analysed module (after its hashbang and directive prologue). */
export const preambleEnd = (a: Analysis): number => prologueEnd(a.code, a.sourceFile.compilerNode);
