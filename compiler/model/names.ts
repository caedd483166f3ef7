// A name of tsmc the user mistyped or forgot to import, told in the user's words: the build pass
// says it ahead of time; a builder run in process says it when the name fails at run time.
import * as tsmc from "../index.js";
import * as families from "../distributions/index.js";

/**
 * tsmc's exported values (read when needed: this module is part of tsmc's own import graph). The
 * families are read from their own list too: a loader that turns ES modules into CommonJS copies
 * an `export *` once, which in an import cycle can be before the list is complete.
 */
export function tsmcExports(): string[] {
  return [...new Set([...Object.keys(tsmc), ...Object.keys(families)])];
}

/** Edit distance with transpositions (`Noraml` is one edit from `Normal`), case-insensitive. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The name of `names` closest to `name`, if one is close enough to be what was meant. */
export function nearestName(name: string, names: Iterable<string>): string | null {
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const n of names) {
    const d = distance(name, n);
    if (d < bestDistance || (d === bestDistance && best !== null && n.toLowerCase() === name.toLowerCase())) {
      best = n;
      bestDistance = d;
    }
  }
  return best;
}

/** "tsmc has no export 'HalfNormall'; did you mean 'HalfNormal'?" */
export function noExportReason(module: string, name: string, exports: Iterable<string>): string {
  if (name === "default") return `${module} has no default export; import * as tsmc from ${JSON.stringify(module)} imports all its names`;
  const near = nearestName(name, exports);
  return `${module} has no export '${name}'${near ? `; did you mean '${near}'?` : ""}`;
}

/** "'HalfNormal' is not imported; add it to the import from "tsmc"" */
export function notImportedReason(name: string, module = "tsmc"): string {
  return `'${name}' is not imported; add it to the import from ${JSON.stringify(module)}`;
}

/**
 * Say what a builder's failing name means when it is tsmc's: a ReferenceError for an export that
 * was not imported, a TypeError for calling a misspelled one (`tsmc.HalfNormall is not a function`,
 * or `undefined` from a bundler's import). The error keeps its stack (the build pass locates it).
 */
export function explainNameError(e: unknown): void {
  if (!(e instanceof Error)) return;
  const exports = tsmcExports();
  let reason: string | null = null;
  const undefinedName = e instanceof ReferenceError ? /^([A-Za-z_$][\w$]*) is not defined$/.exec(e.message) : null;
  if (undefinedName && exports.includes(undefinedName[1])) reason = notImportedReason(undefinedName[1]);
  const notCalled = e instanceof TypeError ? /([A-Za-z_$][\w$]*)\)? is not a function$/.exec(e.message) : null;
  if (notCalled && !exports.includes(notCalled[1]) && nearestName(notCalled[1], exports)) {
    reason = `${e.message}: ${noExportReason("tsmc", notCalled[1], exports)}`;
  }
  if (reason === null) return;
  if (e.stack?.startsWith(`${e.name}: ${e.message}`)) e.stack = `${e.name}: ${reason}${e.stack.slice(e.name.length + 2 + e.message.length)}`;
  e.message = reason;
}
