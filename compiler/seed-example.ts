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

/** The printed session: headings, TypeScript lines after `ts> `, and what they print. */
class Transcript {
  readonly out: string[] = [];
  heading(title: string): void {
    this.out.push("", `## ${title}`, "");
  }
  code(...lines: string[]): void {
    const last = this.out[this.out.length - 1];
    if (last !== "" && !last.startsWith(PROMPT)) this.out.push("");
    this.out.push(...lines.map((l) => PROMPT + l));
  }
  print(text: string): void {
    this.out.push(...text.split("\n"));
  }
}

/** The seed's graph examples, run and printed: each TypeScript line after `ts> `, then its output. */
export function seedGraphsText(): string {
  const t = new Transcript();
  const { x, y, z, w } = simpleExample(t);
  cleverExample(t);
  graphContents(t, z, w);
  graphManipulation(t, x, y, w);
  return `# The seed notebook's PyTensor half, run with tsmc\n${t.out.join("\n")}\n`;
}

function simpleExample(t: Transcript) {
  t.heading("A simple example");
  const x = pt.scalar("x");
  const y = pt.vector("y");
  t.code('const x = pt.scalar("x");', 'const y = pt.vector("y");');
  t.print(`x type: ${x.type}\nx name = ${x.name}\n---\ny type: ${y.type}\ny name = ${y.name}`);

  const z = x.add(y);
  z.name = "x + y";
  const w = pt.log(z);
  w.name = "log(x + y)";
  t.code("const z = x.add(y);   // x + y", 'z.name = "x + y";');
  t.code("const w = pt.log(z);", 'w.name = "log(x + y)";');
  t.code("pt.dprint(w)");
  t.print(pt.dprint(w));

  t.code("const f = pt.fn([x, y], w);  // pytensor.function(inputs=[x, y], outputs=w)");
  const f = pt.fn([x, y], w);
  t.code("f(0, [1, Math.E])");
  t.print(formatValue(f(0, [1, Math.E])));
  t.code("f({ x: 0, y: [1, Math.E] })");
  t.print(formatValue(f({ x: 0, y: [1, Math.E] })));

  t.code("w.eval(new Map([[x, 0], [y, [1, Math.E]]]))");
  t.print(
    formatValue(
      w.eval(
        new Map<Variable, unknown>([
          [x, 0],
          [y, [1, Math.E]],
        ]),
      ),
    ),
  );
  t.code("w.eval(new Map([[z, [1, Math.E]]]))   // an intermediate value");
  t.print(formatValue(w.eval(new Map<Variable, unknown>([[z, [1, Math.E]]]))));
  return { x, y, z, w };
}

function cleverExample(t: Transcript): void {
  t.heading("PyTensor is clever!");
  const a = pt.scalar("a");
  const b = pt.scalar("b");
  const c = a.div(b);
  c.name = "a / b";
  t.code('const a = pt.scalar("a");', 'const b = pt.scalar("b");', "const c = a.div(b);", 'c.name = "a / b";');
  t.code("pt.dprint(c)");
  t.print(pt.dprint(c));
  const d = b.mul(c);
  d.name = "b * c";
  t.code("const d = b.mul(c);", 'd.name = "b * c";', "pt.dprint(d)");
  t.print(pt.dprint(d));
  const g = pt.fn([a, b], d);
  t.code("const g = pt.fn([a, b], d);", "pt.dprint(g)");
  t.print(pt.dprint(g));
  t.code("g(3, 7)");
  t.print(formatValue(g(3, 7)));
}

function graphContents(t: Transcript, z: Variable, w: Variable): void {
  t.heading("What is in a PyTensor graph?");
  const owner = z.owner!;
  t.code("// z.type, z.name, z.owner, z.owner.inputs, z.owner.op, z.owner.outputs");
  t.print(
    [
      `z type: ${z.type}`,
      `z name = ${z.name}`,
      `z owner = ${owner}`,
      `z owner inputs = [${owner.inputs.map(String).join(", ")}]`,
      `z owner op = ${owner.op}`,
      `z owner output = [${owner.outputs.map(String).join(", ")}]`,
    ].join("\n"),
  );
  t.code("// walk the graph of w from the top, printing each variable, its op and its inputs");
  const stack: Variable[] = [w];
  while (stack.length) {
    t.out.push("---");
    const v = stack.shift()!;
    t.out.push(`Checking variable ${v} of type ${v.type}`);
    if (v.owner !== null) {
      t.out.push(` > Op is ${v.owner.op}`);
      v.owner.inputs.forEach((input, i) => {
        t.out.push(` > Input ${i} is ${input}`);
        stack.push(input);
      });
    } else {
      t.out.push(` > ${v} is a root variable`);
    }
  }
}

function graphManipulation(t: Transcript, x: Variable, y: Variable, w: Variable): void {
  t.heading("Graph manipulation 101");
  t.code("pt.graphInputs([w])");
  t.print(`[${pt.graphInputs([w]).map(String).join(", ")}]`);
  const parentOfW = w.owner!.inputs[0];
  const newParentOfW = pt.exp(parentOfW);
  newParentOfW.name = "exp(x + y)";
  t.code("const parentOfW = w.owner.inputs[0];", "const newParentOfW = pt.exp(parentOfW);", 'newParentOfW.name = "exp(x + y)";');
  t.code("pt.dprint(w)   // unchanged");
  t.print(pt.dprint(w));
  const [newW] = pt.cloneReplace([w], new Map([[parentOfW, newParentOfW]]));
  newW.name = "log(exp(x + y))";
  t.code("const [newW] = pt.cloneReplace([w], new Map([[parentOfW, newParentOfW]]));", 'newW.name = "log(exp(x + y))";');
  t.code("pt.dprint(newW)");
  t.print(pt.dprint(newW));
  t.code("newW.eval({ x: 0, y: [1, Math.E] })");
  t.print(formatValue(newW.eval({ x: 0, y: [1, Math.E] })));
  const f2 = pt.fn([x, y], newW);
  t.code("const f2 = pt.fn([x, y], newW);", "pt.dprint(f2)   // exp and log are gone");
  t.print(pt.dprint(f2));
  t.code("f2({ x: 0, y: [1, Math.E] })");
  t.print(formatValue(f2({ x: 0, y: [1, Math.E] })));
}
