// Deep graphs: every walk of the compiler (toposort, rewrites, fusion, grad, emit) keeps its own
// stack, so unrolled graphs of tens of thousands of nodes build. Each graph is checked against a
// plain JavaScript loop computing the same numbers: the gradient against the derivative carried
// forward through the loop (forward mode, an independent reference) and central finite differences.
// No timing assertion: the timeout bounds each build.
import { expect } from "chai";
import { Flat, Potential, model, pt, type NDArray, type Variable } from "../compiler/index.js";
import { grad } from "../compiler/grad.js";
import { toposort } from "../compiler/graph/traversal.js";
import { Composite } from "../compiler/ops/composite.js";

const close = (actual: number, expected: number, rel: number) => expect(Math.abs(actual - expected)).to.be.at.most(rel * Math.max(1, Math.abs(expected)));

describe("deep graphs: unrolled loops build and compute what a plain loop computes", function () {
  this.timeout(120_000);

  it("a 20 000-node scalar recursion, its gradient, fused", () => {
    // a ← log(exp(a) + x/2), 5000 times: four nodes a step.
    const steps = 5000;
    const x = pt.scalar("x");
    let a: Variable = x;
    for (let i = 0; i < steps; i++) a = pt.log(pt.add(pt.exp(a), pt.mul(x, 0.5)));
    expect(toposort([a]).length).to.equal(4 * steps);
    const f = pt.fn([x], [a, grad(a, x)], { fuse: true });

    const reference = (x0: number) => {
      let value = x0;
      let slope = 1; // d value / d x, carried forward
      for (let i = 0; i < steps; i++) {
        const inner = Math.exp(value) + 0.5 * x0;
        slope = (Math.exp(value) * slope + 0.5) / inner;
        value = Math.log(inner);
      }
      return { value, slope };
    };
    for (const x0 of [0.1, 1.3]) {
      const [value, slope] = f(x0) as [number, number];
      const ref = reference(x0);
      close(value, ref.value, 1e-12);
      close(slope, ref.slope, 1e-10);
      const h = 1e-5;
      close(slope, (reference(x0 + h).value - reference(x0 - h).value) / (2 * h), 1e-6);
    }
  });

  it("an emitted function of 80 000 values runs in pieces (one frame of them would overflow V8's stack)", () => {
    // Emitted as built (no rewrites): one local per node, beyond what one call's frame holds.
    const steps = 20_000;
    const x = pt.scalar("x");
    let a: Variable = x;
    for (let i = 0; i < steps; i++) a = pt.log(pt.add(pt.exp(a), pt.mul(x, 0.5)));
    const f = pt.fn([x], a, { rewrite: false });
    expect(f.source).to.match(/^ {2}let t0, /m);
    expect(f.source.match(/\(\(\) => \{/g)?.length).to.be.at.least(4);
    let value = 0.7;
    for (let i = 0; i < steps; i++) value = Math.log(Math.exp(value) + 0.35);
    expect(f(0.7)).to.equal(value);
  });

  it("a 20 000-node elementwise chain over a vector: one fused loop, and its gradient", () => {
    // v ← v + sin(v)/1000, 5000 times (four nodes a step, the constant broadcast): each step reads v twice, so the loop's inner graph is a DAG
    // whose written-out form would double at every step (its name is abbreviated).
    const steps = 5000;
    const x = pt.vector("x");
    let v: Variable = x;
    for (let i = 0; i < steps; i++) v = pt.add(v, pt.mul(0.001, pt.sin(v)));
    const cost = pt.sum(v);
    expect(toposort([cost]).length).to.equal(4 * steps + 1);
    const f = pt.fn([x], [cost, grad(cost, x)], { fuse: true });
    const loops = toposort(f.outputs).filter((n) => n.op instanceof Composite);
    expect(loops.length).to.be.at.least(1);
    expect(loops.some((n) => String(n.op) === "Composite{...}")).to.equal(true);

    const x0 = [0.1, 0.5, 1];
    const [total, slopes] = f(x0) as [number, NDArray];
    let sum = 0;
    x0.forEach((start, k) => {
      let value = start;
      let slope = 1;
      for (let i = 0; i < steps; i++) {
        slope *= 1 + 0.001 * Math.cos(value);
        value += 0.001 * Math.sin(value);
      }
      sum += value;
      close(slopes.data[k], slope, 1e-10);
    });
    close(total, sum, 1e-12);
  });

  it("a model whose density is a 20 000-step unrolled recursion on a latent scalar", () => {
    // x_t = a·x_{t-1} + c_t, and a Potential on the last state: the gradient in a flows back
    // through every step.
    const steps = 20_000;
    const c = Array.from({ length: steps + 1 }, (_, t) => Math.sin(t / 50));
    const m = model("deep_recursion", () => {
      const a = Flat("a");
      let state: Variable = pt.constant(c[0]);
      for (let t = 1; t <= steps; t++) state = pt.add(pt.mul(a, state), c[t]);
      Potential("end", pt.mul(-0.5, pt.square(state)));
    });
    const reference = (a: number) => {
      let state = c[0];
      let slope = 0; // d state / d a, carried forward
      for (let t = 1; t <= steps; t++) {
        slope = state + a * slope;
        state = a * state + c[t];
      }
      return { logp: -0.5 * state * state, dlogp: -state * slope };
    };
    for (const a of [0.9, -0.5]) {
      const ref = reference(a);
      close(m.logp({ a }), ref.logp, 1e-12);
      const g = m.dlogp({ a }).a as number;
      close(g, ref.dlogp, 1e-10);
      const h = 1e-6;
      close(g, (reference(a + h).logp - reference(a - h).logp) / (2 * h), 1e-6);
    }
  });
});
