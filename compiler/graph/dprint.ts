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

  const ids = new Map<unknown, string>();
  const lines: string[] = [];
  const label = (key: unknown): [string, boolean] => {
    const existing = ids.get(key);
    if (existing) return [existing, true];
    const id = idLabel(ids.size);
    ids.set(key, id);
    return [id, false];
  };

  const withInner: [Apply, string][] = [];
  // Inner inputs of a tensor inner graph print as PyTensor's `*0-<type> -> [id X]`.
  const innerLabels = new Map<Variable, string>();
  // Pre-order walk with an explicit stack, so that deep graphs (long sums) do not overflow.
  const walk = (roots: readonly Variable[], outPrefix: string, childPrefix: string) => {
    const stack: [Variable, string, string][] = [];
    for (let o = roots.length - 1; o >= 0; o--) stack.push([roots[o], outPrefix, childPrefix]);
    while (stack.length) {
      const [v, linePrefix, childPrefix] = stack.pop()!;
      const node = v.owner;
      if (!node) {
        const [id] = label(v);
        const inner = innerLabels.get(v);
        lines.push(`${linePrefix}${inner ?? v} [id ${id}]${inner ? (outerArrow.get(v) ?? "") : ""}`);
        continue;
      }
      const [id, seen] = label(node);
      const opText = node.outputs.length > 1 ? `${node.op}.${v.outputIndex}` : String(node.op);
      const name = v.name !== null ? ` '${v.name}'` : "";
      const pos = position.has(node) ? ` ${position.get(node)}` : "";
      lines.push(`${linePrefix}${opText} [id ${id}]${name}${pos}`);
      if (!seen && (node.op.innerGraph || node.op.innerTensorGraph)) withInner.push([node, id]);
      if (seen) {
        if (node.inputs.length) lines.push(`${childPrefix}└─ ···`);
        continue;
      }
      for (let i = node.inputs.length - 1; i >= 0; i--) {
        const last = i === node.inputs.length - 1;
        stack.push([node.inputs[i], `${childPrefix}${last ? "└─ " : "├─ "}`, `${childPrefix}${last ? "   " : "│  "}`]);
      }
    }
  };
  const outerArrow = new Map<Variable, string>();
  walk(outputs, "", " ");
  // Inner graphs may hold further inner graphs (a scan in a scan): listed in the order met.
  if (withInner.length) lines.push("", "Inner graphs:");
  for (let w = 0; w < withInner.length; w++) {
    const [node, id] = withInner[w];
    lines.push("", `${node.op} [id ${id}]`);
    if (node.op.innerTensorGraph) {
      const g = node.op.innerTensorGraph(node);
      g.inputs.forEach((v, i) => {
        innerLabels.set(v, `*${i}-${v}`);
        const outer = g.outer[i];
        const outerId = ids.get(outer.owner ?? outer);
        outerArrow.set(v, outerId ? ` -> [id ${outerId}]` : "");
      });
      for (const out of g.outputs) walk([out], " ← ", "    ");
      continue;
    }
    // The scalar graph's values take labels from the same sequence.
    printInner(node.op.innerGraph!(), lines, () => label(Symbol())[0]);
  }
  return lines.join("\n");
}

/** PyTensor's inner-graph listing: one `← out [id] 'oK'` tree per output, inputs as i0, i1, ... */
function printInner(g: InnerGraph, lines: string[], nextId: () => string): void {
  const ids = new Map<number, string>();
  // Pre-order with an explicit stack (a fused loop's inner graph may be a long chain).
  const stack: [number, string, string, string][] = [];
  for (let k = g.outputs.length - 1; k >= 0; k--) stack.push([g.outputs[k], " ← ", "    ", ` 'o${k}'`]);
  while (stack.length) {
    const [value, linePrefix, childPrefix, outName] = stack.pop()!;
    const known = ids.get(value);
    const id = known ?? nextId();
    ids.set(value, id);
    if (value < g.nIn) {
      lines.push(`${linePrefix}i${value} [id ${id}]${outName}`);
      continue;
    }
    const node = g.nodes[value - g.nIn];
    lines.push(`${linePrefix}${node.name.toLowerCase()} [id ${id}]${outName}`);
    if (known) {
      lines.push(`${childPrefix}└─ ···`);
      continue;
    }
    for (let i = node.args.length - 1; i >= 0; i--) {
      const last = i === node.args.length - 1;
      stack.push([node.args[i], `${childPrefix}${last ? "└─ " : "├─ "}`, `${childPrefix}${last ? "   " : "│  "}`, ""]);
    }
  }
}
