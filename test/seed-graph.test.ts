// The seed notebook's PyTensor half, in TypeScript, with the notebook's printed output as golden text.
import { expect } from "chai";
import { pt } from "../compiler/index.js";
import { expectClose, expectSameLines } from "./helpers/golden.js";

describe("seed: introduction to PyTensor", () => {
  const x = pt.scalar("x");
  const y = pt.vector("y");
  const z = x.add(y);
  z.name = "x + y";
  const w = pt.log(z);
  w.name = "log(x + y)";

  it("prints types and names", () => {
    const text = `
x type: ${x.type}
x name = ${x.name}
---
y type: ${y.type}
y name = ${y.name}
`;
    expect(text).to.equal(`
x type: Scalar(float64, shape=())
x name = x
---
y type: Vector(float64, shape=(?,))
y name = y
`);
  });

  it("dprints log(x + y) with PyTensor's exact layout", () => {
    expect(pt.dprint(w)).to.equal(
      ["Log [id A] 'log(x + y)'", " └─ Add [id B] 'x + y'", "    ├─ ExpandDims{axis=0} [id C]", "    │  └─ x [id D]", "    └─ y [id E]"].join("\n"),
    );
    expectSameLines(
      pt.dprint(w),
      `
Log [id A] 'log(x + y)'
└─ Add [id B] 'x + y'
├─ ExpandDims{axis=0} [id C]
│ └─ x [id D]
└─ y [id E]`,
    );
  });

  it("compiles with fn and calls positionally and by name", () => {
    const f = pt.fn([x, y], w);
    expectClose(f(0, [1, Math.E]).data, [0, 1]);
    expectClose(f({ x: 0, y: [1, Math.E] }).data, [0, 1]);
    expect(f(0, [1, Math.E]).shape).to.deep.equal([2]);
  });

  it("evaluates with eval, by variable, by name, and at an intermediate variable", () => {
    expectClose(
      w.eval(
        new Map<any, unknown>([
          [x, 0],
          [y, [1, Math.E]],
        ]),
      ).data,
      [0, 1],
    );
    expectClose(w.eval({ x: 0, y: [1, Math.E] }).data, [0, 1]);
    expectClose(w.eval(new Map([[z, [1, Math.E]]])).data, [0, 1]);
  });

  it("is clever: b * (a / b) compiles to a copy of a", () => {
    const a = pt.scalar("a");
    const b = pt.scalar("b");
    const c = a.div(b);
    c.name = "a / b";
    expectSameLines(
      pt.dprint(c),
      `
True_div [id A] 'a / b'
├─ a [id B]
└─ b [id C]`,
    );
    const d = b.mul(c);
    d.name = "b * c";
    expectSameLines(
      pt.dprint(d),
      `
Mul [id A] 'b * c'
├─ b [id B]
└─ True_div [id C] 'a / b'
├─ a [id D]
└─ b [id B]`,
    );
    const g = pt.fn([a, b], d);
    expectSameLines(
      pt.dprint(g),
      `
DeepCopyOp [id A] 0
└─ a [id B]`,
    );
    expect(g(3, 7)).to.equal(3);
  });

  it("shows the graph structure: type, name, owner, inputs, op, outputs", () => {
    const text = `
z type: ${z.type}
z name = ${z.name}
z owner = ${z.owner}
z owner inputs = [${z.owner!.inputs.map(String).join(", ")}]
z owner op = ${z.owner!.op}
z owner output = [${z.owner!.outputs.map(String).join(", ")}]
`;
    expect(text).to.equal(`
z type: Vector(float64, shape=(?,))
z name = x + y
z owner = Add(ExpandDims{axis=0}.0, y)
z owner inputs = [ExpandDims{axis=0}.0, y]
z owner op = Add
z owner output = [x + y]
`);
  });

  it("walks the graph from the top", () => {
    const lines: string[] = [];
    const stack = [w];
    while (stack.length) {
      lines.push("---");
      const v = stack.shift()!;
      lines.push(`Checking variable ${v} of type ${v.type}`);
      if (v.owner !== null) {
        lines.push(` > Op is ${v.owner.op}`);
        v.owner.inputs.forEach((input, i) => {
          lines.push(` > Input ${i} is ${input}`);
          stack.push(input);
        });
      } else {
        lines.push(` > ${v} is a root variable`);
      }
    }
    expectSameLines(
      lines.join("\n"),
      `
---
Checking variable log(x + y) of type Vector(float64, shape=(?,))
> Op is Log
> Input 0 is x + y
---
Checking variable x + y of type Vector(float64, shape=(?,))
> Op is Add
> Input 0 is ExpandDims{axis=0}.0
> Input 1 is y
---
Checking variable ExpandDims{axis=0}.0 of type Vector(float64, shape=(1,))
> Op is ExpandDims{axis=0}
> Input 0 is x
---
Checking variable y of type Vector(float64, shape=(?,))
> y is a root variable
---
Checking variable x of type Scalar(float64, shape=())
> x is a root variable`,
    );
  });

  it("manipulates the graph with cloneReplace, leaving the original unchanged", () => {
    expect(pt.graphInputs([w])).to.deep.equal([x, y]);
    const before = pt.dprint(w);
    const parentOfW = w.owner!.inputs[0];
    const newParentOfW = pt.exp(parentOfW);
    newParentOfW.name = "exp(x + y)";
    expect(pt.dprint(w)).to.equal(before);
    const [newW] = pt.cloneReplace([w], new Map([[parentOfW, newParentOfW]]));
    newW.name = "log(exp(x + y))";
    expect(pt.dprint(w)).to.equal(before);
    expect(w.name).to.equal("log(x + y)");
    expectSameLines(
      pt.dprint(newW),
      `
Log [id A] 'log(exp(x + y))'
└─ Exp [id B] 'exp(x + y)'
└─ Add [id C] 'x + y'
├─ ExpandDims{axis=0} [id D]
│ └─ x [id E]
└─ y [id F]`,
    );
    expectClose(newW.eval({ x: 0, y: [1, Math.E] }).data, [1, 2.71828183]);

    const f = pt.fn([x, y], newW);
    expectSameLines(
      pt.dprint(f),
      `
Add [id A] 'x + y' 1
├─ ExpandDims{axis=0} [id B] 0
│ └─ x [id C]
└─ y [id D]`,
    );
    expectClose(f({ x: 0, y: [1, Math.E] }).data, [1, Math.E]);
  });
});
