// Relative import specifiers of emitted files, made loadable by Node's ES module loader: Node needs
// the full file name, while TypeScript users write `./models` or `./models.ts` (bundler style).
// Each relative specifier is resolved against the source folder as the user meant it and written
// as the name of the file `tsmc build` emits for it.
import { statSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import MagicString from "magic-string";
import { ts } from "ts-morph";

/** TypeScript's rewriteRelativeImportExtensions: the emitted extension of each source extension. */
const EMITTED_EXT: Record<string, string> = { ".ts": ".js", ".tsx": ".js", ".mts": ".mjs", ".cts": ".cjs" };

/** What an extensionless specifier may name, in the order a bundler-resolution user expects. */
const PROBE_EXT = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"];

/** A relative specifier found in a module: its text range (without quotes) and value. */
export interface SpecifierSite {
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

export interface RewriteResult {
  readonly code: string;
  readonly s: MagicString;
  /** The relative specifiers that name no file, with their offsets in the input text. */
  readonly unresolved: SpecifierSite[];
}

const isRelative = (spec: string) => spec === "." || spec === ".." || spec.startsWith("./") || spec.startsWith("../");

function kind(path: string): "file" | "dir" | null {
  try {
    const st = statSync(path);
    return st.isFile() ? "file" : st.isDirectory() ? "dir" : null;
  } catch {
    return null;
  }
}

/** The emitted name of an existing source file name (`x.ts` → `x.js`); other files keep theirs. */
function emittedName(name: string): string {
  if (/\.d\.[mc]?ts$/.test(name)) return name;
  const ext = extname(name);
  return ext in EMITTED_EXT ? name.slice(0, -ext.length) + EMITTED_EXT[ext] : name;
}

/** The emitted index file of the folder `path`, written below `spec`, or null without one. */
function indexIn(spec: string, path: string): string | null {
  const ext = PROBE_EXT.find((e) => kind(join(path, `index${e}`)) === "file");
  return ext === undefined ? null : emittedName(`${spec}/index${ext}`);
}

/**
 * The specifier Node can load for a relative `spec` written in a file of `fromDir`, or null when it
 * names no file. Specifiers of existing non-source files (`./data.json`) stay as they are.
 */
export function resolveSpecifier(spec: string, fromDir: string): string | null {
  const bare = spec.replace(/(.)\/+$/, "$1");
  const path = resolve(fromDir, bare);
  // `.`, `..` and `./dir/` can only name a folder's index file.
  if (bare !== spec || bare === "." || bare === "..") return kind(path) === "dir" ? indexIn(bare, path) : null;
  if (kind(path) === "file") return emittedName(bare);
  // `./x.js` written for `x.ts` (TypeScript's own style) is already what Node needs.
  const ext = extname(bare);
  const sourceExts = Object.entries(EMITTED_EXT)
    .filter(([, out]) => out === ext)
    .map(([src]) => src);
  if (sourceExts.some((src) => kind(path.slice(0, -ext.length) + src) === "file")) return bare;
  const found = PROBE_EXT.find((e) => kind(path + e) === "file");
  if (found !== undefined) return emittedName(bare + found);
  return kind(path) === "dir" ? indexIn(bare, path) : null;
}

/** Every relative specifier of a module: static imports and re-exports, `import("…")`, `import("…")` types. */
export function relativeSpecifiers(code: string, file: string): SpecifierSite[] {
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, scriptKind(file));
  const sites: SpecifierSite[] = [];
  const add = (lit: ts.Node | undefined) => {
    if (lit && ts.isStringLiteralLike(lit) && isRelative(lit.text)) {
      sites.push({ start: lit.getStart(sf) + 1, end: lit.getEnd() - 1, value: lit.text });
    }
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) add(n.moduleSpecifier);
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) add(n.arguments[0]);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) add(n.argument.literal);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return sites;
}

function scriptKind(file: string): ts.ScriptKind {
  if (/\.tsx$/.test(file)) return ts.ScriptKind.TSX;
  if (/\.[mc]?ts$/.test(file)) return ts.ScriptKind.TS;
  return ts.ScriptKind.JS;
}

/** Rewrite the relative specifiers of `code` (emitted for the source file `source`) to what Node loads. */
export function rewriteSpecifiers(code: string, file: string, source: string): RewriteResult {
  const s = new MagicString(code);
  const unresolved: SpecifierSite[] = [];
  for (const site of relativeSpecifiers(code, file)) {
    const to = resolveSpecifier(site.value, dirname(source));
    if (to === null) unresolved.push(site);
    else if (to !== site.value) s.overwrite(site.start, site.end, JSON.stringify(to).slice(1, -1));
  }
  return { code: s.toString(), s, unresolved };
}
