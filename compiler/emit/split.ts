// A very long emitted function in pieces. The emitter declares one local per value, and V8 keeps
// each local of a call in its stack frame: a function of an unrolled graph with more than about
// 125 000 values overflows the stack when called (not when built). Past MAX_LOCALS, the body's
// top-level statements run in arrow functions of CHUNK_LOCALS declarations each, called in turn, and
// the top-level names become `let`s of the outer function: read from the arrows, they live in the
// closure's context rather than in a frame. Shorter bodies (every usual one) are left as they are.

/** Top-level declarations beyond which a body is split. */
const MAX_LOCALS = 50_000;

/** Top-level declarations per piece. */
const CHUNK_LOCALS = 20_000;

/** The change in bracket depth over a line (strings skipped), or null for text this does not read (a template literal). */
function depthChange(line: string): number | null {
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === "`") return null;
    if (ch === '"' || ch === "'") {
      for (i++; i < line.length && line[i] !== ch; i++) if (line[i] === "\\") i++;
    } else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
  }
  return depth;
}

/** `text` split at the commas outside brackets and strings; null if it holds a `;` there (more than one statement). */
function splitTopLevel(text: string): string[] | null {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      for (i++; i < text.length && text[i] !== ch; i++) if (text[i] === "\\") i++;
    } else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    else if (ch === "," && depth === 0) parts.push(text.slice(start, i)), (start = i + 1);
    else if (ch === ";" && depth === 0) return null;
  }
  parts.push(text.slice(start));
  return parts;
}

/** A top-level `const`/`let` statement as an assignment, with the names it declares; null if it is not one this reads. */
function asAssignment(statement: string): { names: string[]; assignment: string } | null {
  const m = /^(?:const|let) ([\s\S]*);$/.exec(statement);
  if (!m) return null;
  const names: string[] = [];
  const assigned: string[] = [];
  const declarators = splitTopLevel(m[1]);
  if (!declarators) return null;
  for (const declarator of declarators) {
    const single = /^\s*([A-Za-z_$][\w$]*)\s*(=[\s\S]*)?$/.exec(declarator);
    const list = /^\s*\[([\w$,\s]*)\]\s*=/.exec(declarator);
    if (single) {
      names.push(single[1]);
      if (single[2]) assigned.push(declarator.trim());
    } else if (list) {
      names.push(...list[1].split(",").map((n) => n.trim()));
      assigned.push(`(${declarator.trim()})`);
    } else return null;
  }
  return { names, assignment: assigned.length ? `${assigned.join(", ")};` : "" };
}

/**
 * The body lines of an emitted function, split into pieces when it declares more than MAX_LOCALS
 * top-level names (else `lines` itself). A body this does not read (a top-level statement other
 * than a declaration that declares, a `return` before the end) is left whole.
 */
export function splitLongBody(lines: string[]): string[] {
  const statements: string[][] = [];
  let depth = 0;
  let declarations = 0;
  for (const line of lines) {
    if (depth === 0) {
      statements.push([]);
      if (/^(?:const|let) /.test(line)) declarations++;
    }
    statements[statements.length - 1].push(line);
    const change = depthChange(line);
    if (change === null) return lines;
    depth += change;
  }
  if (declarations <= MAX_LOCALS || depth !== 0) return lines;
  // Each piece must hold whole statements: every one ends its last line.
  if (statements.some((s) => !/[;}]\s*$/.test(s[s.length - 1]))) return lines;

  const names: string[] = [];
  const pieces: string[][] = [[]];
  let inPiece = 0;
  for (const [k, statement] of statements.entries()) {
    const first = statement[0];
    let out = statement;
    if (/^(?:const|let) /.test(first)) {
      const converted = statement.length === 1 ? asAssignment(first) : null;
      if (!converted) return lines;
      names.push(...converted.names);
      out = converted.assignment ? [converted.assignment] : [];
      inPiece++;
    } else if (/^return\b/.test(first) && k !== statements.length - 1) return lines;
    pieces[pieces.length - 1].push(...out);
    if (inPiece >= CHUNK_LOCALS) pieces.push([]), (inPiece = 0);
  }
  const declare: string[] = [];
  for (let i = 0; i < names.length; i += 1000) declare.push(`let ${names.slice(i, i + 1000).join(", ")};`);
  return [...declare, ...pieces.flatMap((piece, i) => [`${i === pieces.length - 1 ? "return " : ""}(() => {`, ...piece.map((l) => `  ${l}`), "})();"])];
}
