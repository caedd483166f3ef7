// The seed notebook's PyTensor half ("Introduction to PyTensor" up to "PyMC"), run with tsmc and
// returned as text. `tsmc example` and `npm run example` (examples/seed-graphs.mjs) both print it.
// Each step shows the TypeScript line, then what it prints, in the order of the notebook.
import { pt, type Variable } from "./tensor.js";
import { NDArray } from "../runtime/index.js";

/** A value the way a user reads it: numbers as is, NDArrays as nested arrays. */
export function formatValue(v: unknown): string {
  if (v instanceof NDArray) return formatValue(v.toArray());
  if (Array.isArray(v)) return `[${v.map(formatValue).join(", ")}]`;
  return String(v);
}

const PROMPT = "ts> ";

/** The seed's graph examples, run and printed: each TypeScript line after `ts> `, then its output. */
export function seedGraphsText(): string {
  const out: string[] = [];
  const heading = (title: string) => out.push("", `## ${title}`, "");
  const code = (...lines: string[]) => {
    const last = out[out.length - 1];
    if (last !== "" && !last.startsWith(PROMPT)) out.push("");
    out.push(...lines.map((l) => PROMPT + l));
  };
  const print = (text: string) => out.push(...text.split("\n"));

  heading("A simple example");
  const x = pt.scalar("x");
  const y = pt.vector("y");
  code('const x = pt.scalar("x");', 'const y = pt.vector("y");');
  print(`x type: ${x.type}\nx name = ${x.name}\n---\ny type: ${y.type}\ny name = ${y.name}`);

  const z = x.add(y);
  z.name = "x + y";
  const w = pt.log(z);
  w.name = "log(x + y)";
  code("const z = x.add(y);   // x + y", 'z.name = "x + y";');
  code("const w = pt.log(z);", 'w.name = "log(x + y)";');
  code("pt.dprint(w)");
  print(pt.dprint(w));

  code("const f = pt.fn([x, y], w);  // pytensor.function(inputs=[x, y], outputs=w)");
  const f = pt.fn([x, y], w);
  code("f(0, [1, Math.E])");
  print(formatValue(f(0, [1, Math.E])));
  code("f({ x: 0, y: [1, Math.E] })");
  print(formatValue(f({ x: 0, y: [1, Math.E] })));

  code("w.eval(new Map([[x, 0], [y, [1, Math.E]]]))");
  print(formatValue(w.eval(new Map<Variable, unknown>([[x, 0], [y, [1, Math.E]]]))));
  code("w.eval(new Map([[z, [1, Math.E]]]))   // an intermediate value");
  print(formatValue(w.eval(new Map<Variable, unknown>([[z, [1, Math.E]]]))));

  heading("PyTensor is clever!");
  const a = pt.scalar("a");
  const b = pt.scalar("b");
  const c = a.div(b);
  c.name = "a / b";
  code('const a = pt.scalar("a");', 'const b = pt.scalar("b");', 'const c = a.div(b);', 'c.name = "a / b";');
  code("pt.dprint(c)");
  print(pt.dprint(c));
  const d = b.mul(c);
  d.name = "b * c";
  code("const d = b.mul(c);", 'd.name = "b * c";', "pt.dprint(d)");
  print(pt.dprint(d));
  const g = pt.fn([a, b], d);
  code("const g = pt.fn([a, b], d);", "pt.dprint(g)");
  print(pt.dprint(g));
  code("g(3, 7)");
  print(formatValue(g(3, 7)));

  heading("What is in a PyTensor graph?");
  const owner = z.owner!;
  code("// z.type, z.name, z.owner, z.owner.inputs, z.owner.op, z.owner.outputs");
  print(
    [
      `z type: ${z.type}`,
      `z name = ${z.name}`,
      `z owner = ${owner}`,
      `z owner inputs = [${owner.inputs.map(String).join(", ")}]`,
      `z owner op = ${owner.op}`,
      `z owner output = [${owner.outputs.map(String).join(", ")}]`,
    ].join("\n"),
  );
  code("// walk the graph of w from the top, printing each variable, its op and its inputs");
  const stack: Variable[] = [w];
  while (stack.length) {
    out.push("---");
    const v = stack.shift()!;
    out.push(`Checking variable ${v} of type ${v.type}`);
    if (v.owner !== null) {
      out.push(` > Op is ${v.owner.op}`);
      v.owner.inputs.forEach((input, i) => {
        out.push(` > Input ${i} is ${input}`);
        stack.push(input);
      });
    } else {
      out.push(` > ${v} is a root variable`);
    }
  }

  heading("Graph manipulation 101");
  code("pt.graphInputs([w])");
  print(`[${pt.graphInputs([w]).map(String).join(", ")}]`);
  const parentOfW = w.owner!.inputs[0];
  const newParentOfW = pt.exp(parentOfW);
  newParentOfW.name = "exp(x + y)";
  code("const parentOfW = w.owner.inputs[0];", "const newParentOfW = pt.exp(parentOfW);", 'newParentOfW.name = "exp(x + y)";');
  code("pt.dprint(w)   // unchanged");
  print(pt.dprint(w));
  const [newW] = pt.cloneReplace([w], new Map([[parentOfW, newParentOfW]]));
  newW.name = "log(exp(x + y))";
  code("const [newW] = pt.cloneReplace([w], new Map([[parentOfW, newParentOfW]]));", 'newW.name = "log(exp(x + y))";');
  code("pt.dprint(newW)");
  print(pt.dprint(newW));
  code("newW.eval({ x: 0, y: [1, Math.E] })");
  print(formatValue(newW.eval({ x: 0, y: [1, Math.E] })));
  const f2 = pt.fn([x, y], newW);
  code("const f2 = pt.fn([x, y], newW);", "pt.dprint(f2)   // exp and log are gone");
  print(pt.dprint(f2));
  code("f2({ x: 0, y: [1, Math.E] })");
  print(formatValue(f2({ x: 0, y: [1, Math.E] })));

  return `# The seed notebook's PyTensor half, run with tsmc\n${out.join("\n")}\n`;
}
