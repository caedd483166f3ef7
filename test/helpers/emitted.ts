// The emitted text of one function of a compiled model, with the functions its loops were lifted
// into (`logpGrad$loop0`, ...: compiler/ops/scan.ts emits each loop as a function of its own).

/** The text of function `name` in module text `text`, its loops' functions first, each up to its closing brace. */
export function functionText(text: string, name: string): string {
  const upToClose = (start: number) => {
    const indent = text.slice(text.lastIndexOf("\n", start) + 1, start);
    const end = text.indexOf(`\n${indent}}`, start);
    return text.slice(start, end < 0 ? text.length : end);
  };
  const loops = [...text.matchAll(new RegExp(`function ${name.replace(/\$/g, "\\$")}\\$loop\\d+\\(`, "g"))];
  const parts = loops.map((m) => upToClose(m.index as number));
  const start = text.indexOf(`function ${name}(`);
  if (start >= 0) parts.push(upToClose(start));
  return parts.join("\n");
}

/** The module text a model compiled in process was made from. */
export const sourceOf = (m: unknown): string => (m as { source: { body: string } }).source.body;
