// Static analysis of a user module with ts-morph: the `model(...)` declarations imported from
// "tsmc", what each builder reads from the module (and whether that is known at build time), and
// the reduced copy of the module that the build evaluates: its imports and the top-level
// declarations the builders need, nothing else, so unrelated top-level code never runs.
import MagicString, { type SourceMap } from "magic-string";
import {
  Node,
  Project,
  SyntaxKind,
  ts,
  type CallExpression,
  type Identifier,
  type ImportDeclaration,
  type SourceFile,
  type Statement,
  type Symbol as MorphSymbol,
} from "ts-morph";
import { TsmcBuildError, type SourcePosition } from "./errors.js";
import { isSelfModule, missingExport } from "./exports.js";
import { notImportedReason } from "../model/names.js";

/** The modules whose imports the build pass understands (and prunes once models are compiled). */
export const TSMC_MODULES = ["tsmc", "tsmc/tensor"];

/** Globals a builder may read: they mean the same at build time and at run time. */
const SAFE_GLOBALS = new Set(
  (
    "Math Number String Boolean Array Object JSON Infinity NaN undefined Float64Array Float32Array Int8Array " +
    "Int16Array Int32Array Uint8Array Uint8ClampedArray Uint16Array Uint32Array BigInt64Array BigUint64Array " +
    "ArrayBuffer DataView Map Set WeakMap WeakSet Symbol BigInt Error TypeError RangeError SyntaxError " +
    "ReferenceError parseFloat parseInt isFinite isNaN console Reflect Promise structuredClone arguments"
  ).split(" "),
);

export interface ModelCall {
  /** Position among the module's model() calls, in source order. */
  readonly index: number;
  readonly node: CallExpression;
  /** The call expression's text range. */
  readonly start: number;
  readonly end: number;
  /** The text range of the argument list (without the parentheses). */
  readonly argsStart: number;
  readonly argsEnd: number;
  /** Where the call is (its callee), for errors about the model as a whole. */
  readonly pos: SourcePosition;
  /** The model's name when it is a string literal (for messages). */
  readonly label: string;
  /** The top-level statement that contains the call. */
  readonly statement: Statement;
}

export interface Analysis {
  readonly file: string;
  readonly code: string;
  readonly sourceFile: SourceFile;
  readonly calls: readonly ModelCall[];
  /** Import declarations from "tsmc" / "tsmc/tensor" (pruned after compiling). */
  readonly tsmcImports: readonly ImportDeclaration[];
  /** Top-level statements the builders need (imports included). */
  readonly needed: ReadonlySet<Statement>;
  /** Those of them kept because they may change what a builder reads (their effects stay in the output too). */
  readonly touching: ReadonlySet<Statement>;
  /** Every identifier of the file by the symbol it refers to (type positions included). */
  readonly uses: ReadonlyMap<ts.Symbol, Identifier[]>;
  /**
   * Also keep what the module exports under `name` (and what that reads): in an import cycle, a
   * module the builders import reads it back from the reduced copy. False when nothing was added.
   */
  readonly needExport: (name: string) => boolean;
  /** The bindings that the builders (or what they need) read from other modules, where each is read. */
  readonly importReads: readonly ImportRead[];
}

/** A binding read from another module: its specifier, the name it has there, where it is read. */
export interface ImportRead {
  readonly module: string;
  readonly name: string;
  readonly local: string;
  /** Offset of the reading identifier in the file. */
  readonly at: number;
  readonly why: string;
}

/** A parser of one file (a project of its own: analyses may overlap in time, e.g. rollup's parallel transforms). */
function parser(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    compilerOptions: { allowJs: true, noLib: true, target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext, jsx: ts.JsxEmit.Preserve },
  });
}

export function positionOf(sf: SourceFile, file: string, pos: number): SourcePosition {
  const { line, column } = sf.getLineAndColumnAtPos(pos);
  return { file, line, column };
}

/** Find the model() calls of a module and check what their builders read. Null when there are none. */
export function analyze(code: string, file: string): Analysis | null {
  const sf = parser().createSourceFile(file, code, { overwrite: true, scriptKind: scriptKindOf(file) });
  return analyzeSourceFile(sf, code, file);
}

/** Forget the parsed file. */
export function release(a: Analysis): void {
  if (!a.sourceFile.wasForgotten()) a.sourceFile.getProject().removeSourceFile(a.sourceFile);
}

export function scriptKindOf(file: string): ts.ScriptKind {
  if (/\.tsx$/.test(file)) return ts.ScriptKind.TSX;
  if (/\.[mc]?ts$/.test(file)) return ts.ScriptKind.TS;
  if (/\.jsx$/.test(file)) return ts.ScriptKind.JSX;
  return ts.ScriptKind.JS;
}

/** A module's syntax tree alone (no project, no types): for a quick look at its statements. */
export function parseModule(code: string, file: string): ts.SourceFile {
  return ts.createSourceFile(file, code, ts.ScriptTarget.Latest, false, scriptKindOf(file));
}

/** After the hashbang and the directive prologue ("use strict"): where an import can go. */
export function prologueEnd(code: string, sf: ts.SourceFile): number {
  let end = code.startsWith("#!") ? code.indexOf("\n") + 1 || code.length : 0;
  for (const st of sf.statements) {
    if (ts.isExpressionStatement(st) && ts.isStringLiteral(st.expression)) end = st.getEnd();
    else break;
  }
  return end;
}

type Fail = (pos: number, reason: string) => never;

function analyzeSourceFile(sf: SourceFile, code: string, file: string): Analysis | null {
  const at = (pos: number) => positionOf(sf, file, pos);
  const fail: Fail = (pos, reason) => {
    throw new TsmcBuildError(at(pos), reason, code);
  };
  const imports = modelImports(sf);
  if (!imports.modelDecls.size && !imports.namespaceDecls.size) return null;
  const index = symbolIndex(sf);
  const calls = modelCalls(sf, at, isModelCallee(imports, index.symbols));
  if (!calls.length) return null;
  const syntax = (sf.compilerNode as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  if (syntax.length) fail(syntax[0].start, `syntax error: ${ts.flattenDiagnosticMessageText(syntax[0].messageText, " ")}`);
  for (const c of calls) {
    const spread = c.node.getArguments().find((a) => Node.isSpreadElement(a));
    if (spread) fail(spread.getStart(), `${c.label}: give model() its name and builder directly, not spread`);
  }
  checkTsmcNames(sf, index.uses, fail);
  const reads = new BuilderReads(sf, calls, index, fail);
  reads.drain();
  const needExport = (name: string) => reads.needExport(name);
  return {
    file,
    code,
    sourceFile: sf,
    calls,
    tsmcImports: imports.tsmcImports,
    needed: reads.needed,
    touching: reads.touching,
    uses: index.uses,
    needExport,
    importReads: reads.importReads,
  };
}

/** The declarations from "tsmc" that name `model`: named imports, and namespaces (`tsmc.model`). */
function modelImports(sf: SourceFile) {
  const tsmcImports = sf.getImportDeclarations().filter((d) => TSMC_MODULES.includes(d.getModuleSpecifierValue()) && !d.isTypeOnly());
  const modelDecls = new Set<Node>();
  const namespaceDecls = new Set<Node>();
  for (const d of tsmcImports) {
    if (d.getModuleSpecifierValue() !== "tsmc") continue;
    for (const spec of d.getNamedImports()) {
      if (!spec.isTypeOnly() && spec.getName() === "model") modelDecls.add(spec);
    }
    const ns = d.getNamespaceImport();
    if (ns) namespaceDecls.add(ns.getParentOrThrow());
  }
  return { tsmcImports, modelDecls, namespaceDecls };
}

interface SymbolIndex {
  /** Every identifier by symbol: references (for the builders' reads, writes and the import pruning). */
  uses: Map<ts.Symbol, Identifier[]>;
  symbols: Map<Identifier, MorphSymbol | undefined>;
}

function symbolIndex(sf: SourceFile): SymbolIndex {
  const checker = sf.getProject().getTypeChecker();
  const uses = new Map<ts.Symbol, Identifier[]>();
  const symbols = new Map<Identifier, MorphSymbol | undefined>();
  for (const id of sf.getDescendantsOfKind(SyntaxKind.Identifier)) {
    const parent = id.getParent();
    const sym = Node.isShorthandPropertyAssignment(parent) && parent.getNameNode() === id ? checker.getShorthandAssignmentValueSymbol(parent) : id.getSymbol();
    symbols.set(id, sym);
    if (!sym) continue;
    const list = uses.get(sym.compilerSymbol);
    if (list) list.push(id);
    else uses.set(sym.compilerSymbol, [id]);
  }
  return { uses, symbols };
}

const declOf = (sym: MorphSymbol | undefined): Node | undefined => sym?.getDeclarations()[0];

/** Whether a callee is `model` as imported from "tsmc" (under any name, or as `ns.model`). */
function isModelCallee(imports: ReturnType<typeof modelImports>, symbols: SymbolIndex["symbols"]) {
  return (callee: Node): boolean => {
    if (Node.isIdentifier(callee)) {
      const d = declOf(symbols.get(callee));
      return d !== undefined && imports.modelDecls.has(d);
    }
    if (Node.isPropertyAccessExpression(callee) && callee.getName() === "model") {
      const obj = callee.getExpression();
      if (!Node.isIdentifier(obj)) return false;
      const d = declOf(symbols.get(obj));
      return d !== undefined && imports.namespaceDecls.has(d);
    }
    return false;
  };
}

/** The outermost model() calls, in source order. */
function modelCalls(sf: SourceFile, at: (pos: number) => SourcePosition, isModel: (callee: Node) => boolean): ModelCall[] {
  const calls: ModelCall[] = [];
  for (const call of sf.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    if (!isModel(call.getExpression())) continue;
    if (calls.some((c) => call.getStart() >= c.argsStart && call.getEnd() <= c.argsEnd)) continue;
    const args = call.getArguments();
    const open = call.getFirstChildByKindOrThrow(SyntaxKind.OpenParenToken);
    const first = args[0];
    const label = first && Node.isStringLiteral(first) ? `model '${first.getLiteralValue()}'` : "the model";
    calls.push({
      index: calls.length,
      node: call,
      start: call.getStart(),
      end: call.getEnd(),
      argsStart: args.length ? args[0].getStart() : open.getEnd(),
      argsEnd: args.length ? args[args.length - 1].getEnd() : open.getEnd(),
      pos: at(call.getStart()),
      label,
      statement: topLevelStatement(call),
    });
  }
  return calls;
}

/** A region of code whose reads are followed: a builder, or a top-level statement it needs. */
interface ReadItem {
  node: Node;
  start: number;
  end: number;
  why: string;
}

/**
 * What the builders read, transitively through the top-level declarations they use: each read is
 * checked (known at build time?) and the statement that declares it is needed.
 */
class BuilderReads {
  readonly needed = new Set<Statement>();
  readonly touching = new Set<Statement>();
  readonly importReads: ImportRead[] = [];
  private readonly work: ReadItem[];
  private readonly callStatements: Set<Statement>;
  /** Writes to a symbol anywhere in the file (a reassigned `let` is not a build-time value). */
  private readonly writes = new Map<ts.Symbol, Identifier[]>();

  constructor(
    private readonly sf: SourceFile,
    private readonly calls: readonly ModelCall[],
    private readonly index: SymbolIndex,
    private readonly fail: Fail,
  ) {
    this.callStatements = new Set(calls.map((c) => c.statement));
    this.work = calls.map((c) => ({ node: c.node, start: c.argsStart, end: c.argsEnd, why: `the builder of ${c.label}` }));
    for (const [sym, ids] of index.uses) {
      const w = ids.filter(isWrite);
      if (w.length) this.writes.set(sym, w);
    }
  }

  private need(st: Statement, why: string, pos: number): void {
    if (this.needed.has(st)) return;
    if (this.callStatements.has(st)) {
      this.fail(pos, `${why} reads a name declared in the statement of a model() call; declare it in a statement of its own`);
    }
    this.needed.add(st);
    if (!Node.isImportDeclaration(st) && !Node.isExportDeclaration(st)) this.work.push({ node: st, start: st.getStart(), end: st.getEnd(), why });
  }

  /** `id` (or an export specifier's name) reads `sym`: need the statement that declares it, if it is in this file. */
  private read(id: Identifier, sym: MorphSymbol | undefined, item: Omit<ReadItem, "node">): void {
    const declNode = declOf(sym);
    const name = id.getText();
    if (!declNode || declNode.getSourceFile() !== this.sf) {
      checkGlobal(id, name, item.why, this.fail); // no declaration in this file: a global
      return;
    }
    if (declNode.getStart() >= item.start && declNode.getEnd() <= item.end) return; // local to the builder
    if (Node.isImportSpecifier(declNode) || Node.isImportClause(declNode) || Node.isNamespaceImport(declNode)) {
      const st = topLevelStatement(declNode);
      this.need(st, item.why, id.getStart());
      const parent = id.getParent();
      const imported = Node.isImportSpecifier(declNode)
        ? declNode.getName()
        : Node.isImportClause(declNode)
          ? "default"
          : Node.isPropertyAccessExpression(parent) && parent.getExpression() === id
            ? parent.getName()
            : null;
      if (imported !== null && Node.isImportDeclaration(st)) {
        this.importReads.push({ module: st.getModuleSpecifierValue(), name: imported, local: name, at: id.getStart(), why: item.why });
      }
      return;
    }
    const binding = topLevelBinding(declNode);
    if (!binding) {
      const what = Node.isParameterDeclaration(declNode)
        ? `'${name}', a parameter of the enclosing function`
        : `'${name}', a local variable of the enclosing ${enclosingKind(declNode)}`;
      return this.fail(id.getStart(), `${item.why} reads ${what}, which is not known at build time; pass run-time values with data(...)`);
    }
    const reassigned = this.writes.get(sym!.compilerSymbol);
    if (reassigned && binding.mutable) {
      const { line, column } = this.sf.getLineAndColumnAtPos(reassigned[0].getStart());
      this.fail(
        id.getStart(),
        `${item.why} reads '${name}', a ${binding.keyword} that is reassigned (at ${line}:${column}), so its value is not known at build time; make it a const or pass it with data(...)`,
      );
    }
    this.need(binding.statement, item.why, id.getStart());
  }

  /**
   * Follow the reads of every region waiting, and of the statements they need, to the end; then
   * keep the top-level statements that may change what is needed, and follow theirs, to a fixpoint.
   */
  drain(): void {
    this.follow();
    while (this.keepTouching()) this.follow();
    for (const st of this.needed) {
      for (const c of this.calls) {
        if (c.start >= st.getStart() && c.end <= st.getEnd()) {
          this.fail(c.start, `${c.label} is declared inside code that a builder uses; declare models at the top of an expression of their own`);
        }
      }
    }
  }

  /**
   * A statement that runs before a model() call and uses a binding that a needed statement
   * declares (`ys.push(…)`, `cfg.scale = 10`, a draw from a shared generator) may change what a
   * builder reads: it is kept, in place. One between two model() calls cannot be (the build runs
   * every builder after the whole module): an error. True when one was added.
   */
  private keepTouching(): boolean {
    const statements = [...this.callStatements].map((st) => st.getStart());
    const first = Math.min(...statements);
    const last = Math.max(...statements);
    let added = false;
    for (const st of this.sf.getStatements()) {
      if (st.getStart() >= last) break;
      if (this.needed.has(st) || this.callStatements.has(st) || !mayRun(st)) continue;
      const id = st.getDescendantsOfKind(SyntaxKind.Identifier).find((i) => this.declaresNeeded(i, st));
      if (!id) continue;
      const { line, column } = this.sf.getLineAndColumnAtPos(st.getStart());
      if (st.getStart() > first) {
        this.fail(
          st.getStart(),
          `this statement uses '${id.getText()}', which a builder reads, between two model() declarations; the build pass runs every builder after the whole module, so it cannot tell what each one sees: move it before the first model() or after the last`,
        );
      }
      this.need(st, `the statement at ${line}:${column} (which uses '${id.getText()}', read by a builder)`, st.getStart());
      this.touching.add(st);
      added = true;
    }
    return added;
  }

  /** Whether `id`, in `st`, refers to a binding that a needed statement declares (tsmc's imports aside). */
  private declaresNeeded(id: Identifier, st: Statement): boolean {
    const sym = this.index.symbols.get(id);
    const decl = declOf(sym);
    if (!decl || decl.getSourceFile() !== this.sf || !isValueReference(id, sym)) return false;
    const home = topLevelStatement(decl);
    if (home === st || !this.needed.has(home)) return false;
    return !(Node.isImportDeclaration(home) && TSMC_MODULES.includes(home.getModuleSpecifierValue()));
  }

  /** The reads of every region waiting, and of the statements they need. */
  private follow(): void {
    while (this.work.length) {
      const item = this.work.shift()!;
      const region = item.node.getDescendantsOfKind(SyntaxKind.Identifier);
      if (Node.isIdentifier(item.node)) region.push(item.node);
      for (const meta of item.node.getDescendantsOfKind(SyntaxKind.MetaProperty)) {
        if (meta.getStart() >= item.start && meta.getEnd() <= item.end) {
          this.fail(meta.getStart(), `${item.why} reads ${meta.getText()}, which is only known at run time; pass run-time values with data(...)`);
        }
      }
      for (const id of region) {
        if (id.getStart() < item.start || id.getEnd() > item.end) continue;
        const sym = this.index.symbols.get(id);
        if (isValueReference(id, sym)) this.read(id, sym, item);
      }
    }
  }

  /** Also keep what the module exports under `name` (see Analysis.needExport). */
  needExport(name: string): boolean {
    const why = `the export '${name}' (which a module the builders import reads back from this one)`;
    const before = this.needed.size;
    for (const st of this.sf.getStatements()) {
      if (Node.isExportDeclaration(st)) {
        const from = st.getModuleSpecifier();
        const ns = st.getNamespaceExport();
        const named = st.getNamedExports().filter((e) => (e.getAliasNode() ?? e.getNameNode()).getText() === name);
        // `export * from` may be where the name comes from
        if (named.length || (from && (ns ? ns.getName() === name : !st.hasNamedExports()))) this.need(st, why, st.getStart());
        if (from) continue;
        for (const e of named) {
          const local = e.getNameNode();
          if (Node.isIdentifier(local)) this.read(local, e.getLocalTargetSymbol(), { start: st.getStart(), end: st.getEnd(), why });
        }
      } else if (Node.isExportAssignment(st)) {
        if (name === "default" && !st.isExportEquals()) this.need(st, why, st.getStart());
      } else if (Node.isExportable(st) && st.isExported()) {
        const names = st.isDefaultExport()
          ? ["default"]
          : Node.isVariableStatement(st)
            ? st.getDeclarations().flatMap((d) => bindingNames(d.getNameNode()))
            : Node.hasName(st)
              ? [st.getName()]
              : [];
        if (names.includes(name)) this.need(st, why, st.getStart());
      }
    }
    this.drain();
    return this.needed.size > before;
  }
}

/** A statement that runs code (not an import, an export list, or a declaration of types only). */
function mayRun(st: Statement): boolean {
  return !(
    Node.isImportDeclaration(st) ||
    Node.isExportDeclaration(st) ||
    Node.isInterfaceDeclaration(st) ||
    Node.isTypeAliasDeclaration(st) ||
    (Node.isModuleDeclaration(st) && st.hasDeclareKeyword())
  );
}

/** The names a binding pattern declares. */
function bindingNames(n: Node): string[] {
  if (Node.isIdentifier(n)) return [n.getText()];
  if (Node.isObjectBindingPattern(n) || Node.isArrayBindingPattern(n)) {
    return n.getElements().flatMap((e) => (Node.isBindingElement(e) ? bindingNames(e.getNameNode()) : []));
  }
  return [];
}

function topLevelStatement(node: Node): Statement {
  let n: Node = node;
  while (!Node.isSourceFile(n.getParentOrThrow())) n = n.getParentOrThrow();
  return n as Statement;
}

/** The top-level statement declaring a binding, or null when the declaration is not at module level. */
function topLevelBinding(decl: Node): { statement: Statement; mutable: boolean; keyword: string } | null {
  // A function or class declaration can be reassigned like a `let` (JavaScript allows it).
  if (Node.isFunctionDeclaration(decl) || Node.isClassDeclaration(decl)) {
    const keyword = Node.isFunctionDeclaration(decl) ? "function declaration" : "class declaration";
    return Node.isSourceFile(decl.getParent()) ? { statement: decl as Statement, mutable: true, keyword } : null;
  }
  if (Node.isEnumDeclaration(decl) || Node.isModuleDeclaration(decl)) {
    return Node.isSourceFile(decl.getParent()) ? { statement: decl as Statement, mutable: false, keyword: "declaration" } : null;
  }
  let n: Node = decl;
  while (Node.isBindingElement(n) || Node.isObjectBindingPattern(n) || Node.isArrayBindingPattern(n)) n = n.getParentOrThrow();
  if (!Node.isVariableDeclaration(n)) return null;
  const list = n.getParent();
  const statement = list?.getParent();
  if (!Node.isVariableDeclarationList(list) || !Node.isVariableStatement(statement) || !Node.isSourceFile(statement.getParent())) return null;
  const keyword = list.getDeclarationKind();
  return { statement, mutable: keyword !== "const", keyword };
}

function enclosingKind(decl: Node): string {
  for (let n: Node | undefined = decl.getParent(); n; n = n.getParent()) {
    if (Node.isFunctionLikeDeclaration(n) || Node.isArrowFunction(n) || Node.isFunctionExpression(n)) return "function";
    if (Node.isClassLikeDeclarationBase(n)) return "class";
    if (Node.isCatchClause(n)) return "catch clause";
    if (Node.isForOfStatement(n) || Node.isForInStatement(n) || Node.isForStatement(n)) return "loop";
    if (Node.isSourceFile(n)) break;
  }
  return "block";
}

/**
 * Every name read from tsmc's modules must be one they export: a misspelled distribution
 * (`HalfNormall`, imported by name or read off a namespace import) is reported where it is written,
 * with the nearest export. Names used only as types are left to TypeScript.
 */
function checkTsmcNames(sf: SourceFile, uses: ReadonlyMap<ts.Symbol, Identifier[]>, fail: Fail): void {
  const readsValue = (name: Node) => {
    const sym = name.getSymbol();
    return (sym ? (uses.get(sym.compilerSymbol) ?? []) : []).filter((id) => id !== name && isValueReference(id, sym));
  };
  for (const d of sf.getImportDeclarations()) {
    const module = d.getModuleSpecifierValue();
    if (!isSelfModule(module) || d.isTypeOnly()) continue;
    for (const spec of d.getNamedImports()) {
      const local = spec.getAliasNode() ?? spec.getNameNode();
      const reason = spec.isTypeOnly() ? null : missingExport(module, spec.getName());
      if (reason && readsValue(local).length) fail(spec.getNameNode().getStart(), reason);
    }
    const ns = d.getNamespaceImport();
    for (const id of ns ? readsValue(ns) : []) {
      const access = id.getParent();
      if (!Node.isPropertyAccessExpression(access) || access.getExpression() !== id) continue;
      const reason = missingExport(module, access.getName());
      if (reason) fail(access.getNameNode().getStart(), reason);
    }
  }
}

function checkGlobal(id: Identifier, name: string, why: string, fail: Fail): void {
  const parent = id.getParent();
  const member = Node.isPropertyAccessExpression(parent) && parent.getExpression() === id ? parent.getName() : null;
  if (name === "Math" && member === "random") {
    fail(id.getStart(), `${why} calls Math.random(), which gives another value at run time; draw with a seed or pass the value with data(...)`);
  }
  if (SAFE_GLOBALS.has(name)) return;
  const module = ["tsmc", "tsmc/tensor"].find((m) => missingExport(m, name) === null);
  if (module) fail(id.getStart(), notImportedReason(name, module));
  const what = name === "process" && member === "env" ? "process.env" : `'${name}'`;
  fail(id.getStart(), `${why} reads ${what}, which is only known at run time; pass run-time values with data(...)`);
}

/** An identifier that reads a value (not a declaration name, property name, label or type). */
export function isValueReference(id: Identifier, sym: MorphSymbol | undefined): boolean {
  const parent = id.getParentOrThrow();
  if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false;
  if (Node.isQualifiedName(parent)) return false;
  if (
    (Node.isPropertyAssignment(parent) ||
      Node.isMethodDeclaration(parent) ||
      Node.isPropertyDeclaration(parent) ||
      Node.isGetAccessorDeclaration(parent) ||
      Node.isSetAccessorDeclaration(parent) ||
      Node.isEnumMember(parent) ||
      Node.isPropertySignature(parent) ||
      Node.isMethodSignature(parent)) &&
    parent.getNameNode() === id
  )
    return false;
  if (Node.isBindingElement(parent) && parent.getPropertyNameNode() === id) return false;
  if (Node.isLabeledStatement(parent) || Node.isBreakStatement(parent) || Node.isContinueStatement(parent)) return false;
  if (Node.isExportSpecifier(parent) || Node.isImportSpecifier(parent) || Node.isImportClause(parent) || Node.isNamespaceImport(parent)) return false;
  if (Node.isMetaProperty(parent) || Node.isJsxAttribute(parent)) return false;
  if (sym?.getDeclarations().some((d) => (d.compilerNode as ts.NamedDeclaration).name === id.compilerNode)) return false;
  for (let n: Node | undefined = parent; n && !Node.isSourceFile(n); n = n.getParent()) {
    if (Node.isExpressionWithTypeArguments(n)) {
      const clause = n.getParent();
      if (Node.isHeritageClause(clause) && clause.getToken() === SyntaxKind.ExtendsKeyword && Node.isClassLikeDeclarationBase(clause.getParent())) {
        return true;
      }
      return false;
    }
    if (Node.isTypeNode(n) || Node.isInterfaceDeclaration(n) || Node.isTypeAliasDeclaration(n)) return false;
  }
  return true;
}

const ASSIGNMENT = new Set([
  SyntaxKind.EqualsToken,
  SyntaxKind.PlusEqualsToken,
  SyntaxKind.MinusEqualsToken,
  SyntaxKind.AsteriskEqualsToken,
  SyntaxKind.AsteriskAsteriskEqualsToken,
  SyntaxKind.SlashEqualsToken,
  SyntaxKind.PercentEqualsToken,
  SyntaxKind.LessThanLessThanEqualsToken,
  SyntaxKind.GreaterThanGreaterThanEqualsToken,
  SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken,
  SyntaxKind.AmpersandEqualsToken,
  SyntaxKind.BarEqualsToken,
  SyntaxKind.CaretEqualsToken,
  SyntaxKind.BarBarEqualsToken,
  SyntaxKind.AmpersandAmpersandEqualsToken,
  SyntaxKind.QuestionQuestionEqualsToken,
]);

/** Is this identifier assigned to (`x = …`, `x += …`, `x++`, `[x] = …`, `for (x of …)`)? */
function isWrite(id: Identifier): boolean {
  let n: Node = id;
  let parent = n.getParent();
  // climb out of destructuring assignment patterns
  while (
    parent &&
    (Node.isArrayLiteralExpression(parent) ||
      Node.isObjectLiteralExpression(parent) ||
      Node.isShorthandPropertyAssignment(parent) ||
      (Node.isPropertyAssignment(parent) && parent.getInitializer() === n) ||
      Node.isSpreadElement(parent) ||
      Node.isParenthesizedExpression(parent))
  ) {
    n = parent;
    parent = n.getParent();
  }
  if (!parent) return false;
  if (Node.isBinaryExpression(parent)) return parent.getLeft() === n && ASSIGNMENT.has(parent.getOperatorToken().getKind());
  if (n !== id) return false;
  if (Node.isPrefixUnaryExpression(parent) || Node.isPostfixUnaryExpression(parent)) {
    const op = parent.getOperatorToken();
    return op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken;
  }
  if (Node.isForOfStatement(parent) || Node.isForInStatement(parent)) return parent.getInitializer() === id;
  return false;
}

export interface ReducedModule {
  /** The module text to evaluate: imports, needed declarations, one `__tsmc_capture(i, [args])` per model. */
  readonly code: string;
  /** From the reduced text back to the user's file. */
  readonly map: SourceMap;
}

/**
 * The reduced copy of the module: the imports and top-level declarations the builders need, in
 * place; every other statement removed; each statement holding model() calls replaced by calls of
 * `__tsmc_capture(index, [the call's arguments])`, the arguments' text kept (and mapped) as written.
 */
export function reducedModule(a: Analysis): ReducedModule {
  const s = new MagicString(a.code);
  const byStatement = new Map<Statement, ModelCall[]>();
  for (const c of a.calls) {
    const list = byStatement.get(c.statement);
    if (list) list.push(c);
    else byStatement.set(c.statement, [c]);
  }
  for (const st of a.sourceFile.getStatements()) {
    if (a.needed.has(st)) continue;
    const calls = byStatement.get(st);
    if (!calls) {
      s.remove(st.getStart(), st.getEnd());
      continue;
    }
    let from = st.getStart();
    let text = "";
    for (const c of calls) {
      s.overwrite(from, c.argsStart, `${text}__tsmc_capture(${c.index}, [`);
      from = c.argsEnd;
      text = "]); ";
    }
    s.overwrite(from, st.getEnd(), "]);");
  }
  s.append("\nexport function __tsmc_capture(i, args) { (__tsmc_capture.list ??= [])[i] = args; }\n");
  return { code: s.toString(), map: s.generateMap({ hires: true, source: a.file, includeContent: true }) };
}

/**
 * How the module `code` (at `file`) declares its export `name` when that binding can change after
 * the module has run: a `let`, a `var`, a function or class declaration, reassigned somewhere in
 * the module (at line:column). Null when it is never reassigned (effectively a constant) or not
 * found here.
 */
export function reassignedExport(code: string, file: string, name: string): { keyword: string; line: number; column: number } | null {
  const sf = parser().createSourceFile(file, code, { overwrite: true, scriptKind: scriptKindOf(file) });
  try {
    const decl = sf.getExportedDeclarations().get(name)?.[0];
    if (!decl || decl.getSourceFile() !== sf) return null;
    // `export default <expression>` exports the value, not the binding it names
    if (name === "default" && !Node.isFunctionDeclaration(decl) && !Node.isClassDeclaration(decl)) return null;
    const binding = topLevelBinding(decl);
    const sym = (Node.isVariableDeclaration(decl) || Node.isFunctionDeclaration(decl) || Node.isClassDeclaration(decl)) && decl.getSymbol();
    if (!binding?.mutable || !sym) return null;
    const write = symbolIndex(sf)
      .uses.get(sym.compilerSymbol)
      ?.find((id) => isWrite(id));
    if (!write) return null;
    return { keyword: binding.keyword, ...sf.getLineAndColumnAtPos(write.getStart()) };
  } finally {
    sf.getProject().removeSourceFile(sf);
  }
}
