// PyTensor's debugprint: one line per node, `[id A]` labels shared by shared nodes, tree drawn with ├─ └─ │.
import { type Apply, Variable, type InnerGraph } from "./basic.js";

/** A compiled function as dprint sees it: outputs and the nodes in execution order. */
export interface PrintableFunction {
  readonly dprintGraph: { outputs: readonly Variable[]; order: readonly Apply[] };
}

/** PyTensor's labels: A…Z, then BA, BB, … (base 26). */
export function idLabel(n: number): string {
  if (n === 0) return "A";
  let s = "";
  while (n > 0) {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return s;
}

export function dprint(target: Variable | readonly Variable[] | PrintableFunction): string {
  let outputs: readonly Variable[];
  let order: readonly Apply[] | null = null;
  if (target instanceof Variable) outputs = [target];
  else if (Array.isArray(target)) outputs = target as readonly Variable[];
  else if (target && (typeof target === "object" || typeof target === "function") && "dprintGraph" in target) {
    ({ outputs, order } = (target as PrintableFunction).dprintGraph);
  } else {
    throw new TypeError("dprint expects a Variable, an array of Variables or a compiled function");
  }
  const position = new Map<Apply, number>();
  order?.forEach((node, i) => position.set(node, i));

  const ids = new Map<Apply | Variable, string>();
  const lines: string[] = [];
  const label = (key: Apply | Variable): [string, boolean] => {
    const existing = ids.get(key);
    if (existing) return [existing, true];
    const id = idLabel(ids.size);
    ids.set(key, id);
    return [id, false];
  };

  const withInner: [Apply, string][] = [];
  // Pre-order walk with an explicit stack, so that deep graphs (long sums) do not overflow.
  const stack: [Variable, string, string][] = [];
  for (let o = outputs.length - 1; o >= 0; o--) stack.push([outputs[o], "", " "]);
  while (stack.length) {
    const [v, linePrefix, childPrefix] = stack.pop()!;
    const node = v.owner;
    if (!node) {
      const [id] = label(v);
      lines.push(`${linePrefix}${v} [id ${id}]`);
      continue;
    }
    const [id, seen] = label(node);
    const opText = node.outputs.length > 1 ? `${node.op}.${v.outputIndex}` : String(node.op);
    const name = v.name !== null ? ` '${v.name}'` : "";
    const pos = position.has(node) ? ` ${position.get(node)}` : "";
    lines.push(`${linePrefix}${opText} [id ${id}]${name}${pos}`);
    if (!seen && node.op.innerGraph) withInner.push([node, id]);
    if (seen) {
      if (node.inputs.length) lines.push(`${childPrefix}└─ ···`);
      continue;
    }
    for (let i = node.inputs.length - 1; i >= 0; i--) {
      const last = i === node.inputs.length - 1;
      stack.push([node.inputs[i], `${childPrefix}${last ? "└─ " : "├─ "}`, `${childPrefix}${last ? "   " : "│  "}`]);
    }
  }
  if (withInner.length) {
    lines.push("", "Inner graphs:");
    let next = ids.size;
    for (const [node, id] of withInner) {
      lines.push("", `${node.op} [id ${id}]`);
      printInner(node.op.innerGraph!(), lines, () => idLabel(next++));
    }
  }
  return lines.join("\n");
}

/** PyTensor's inner-graph listing: one `← out [id] 'oK'` tree per output, inputs as i0, i1, ... */
function printInner(g: InnerGraph, lines: string[], nextId: () => string): void {
  const ids = new Map<number, string>();
  const visit = (value: number, linePrefix: string, childPrefix: string, outName: string) => {
    const known = ids.get(value);
    const id = known ?? nextId();
    ids.set(value, id);
    if (value < g.nIn) {
      lines.push(`${linePrefix}i${value} [id ${id}]${outName}`);
      return;
    }
    const node = g.nodes[value - g.nIn];
    lines.push(`${linePrefix}${node.name.toLowerCase()} [id ${id}]${outName}`);
    if (known) {
      lines.push(`${childPrefix}└─ ···`);
      return;
    }
    node.args.forEach((a, i) => {
      const last = i === node.args.length - 1;
      visit(a, `${childPrefix}${last ? "└─ " : "├─ "}`, `${childPrefix}${last ? "   " : "│  "}`, "");
    });
  };
  g.outputs.forEach((o, k) => visit(o, " ← ", "    ", ` 'o${k}'`));
}
