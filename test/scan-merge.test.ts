// rewrite/scan-merge.ts: a state passed on unchanged becomes a non-sequence, an accumulating reverse
// loop runs forward, and loops over the same steps become one. Values against plain JavaScript
// loops and closed-form gradients, gradients against finite differences, the loops counted in the
// compiled graph and in the emitted text, and ahead of time against in process bit for bit.
import { expect } from "chai";
import { HalfNormal, Model, Normal, Potential, type Variable, data, emitModel, model, pt } from "../compiler/index.js";
import { toposort } from "../compiler/graph/traversal.js";
import { Scan } from "../compiler/ops/scan.js";
import { compileGraph } from "../compiler/pipeline.js";
import { finiteDiffGrad } from "./helpers/fd.js";
import { compileInline, expectSameModel, type ModelLike } from "./helpers/aot.js";
import { functionText, sourceOf } from "./helpers/emitted.js";

const close = (a: number, b: number, tol: number, what: string) =>
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).to.be.at.most(tol * Math.max(1, Math.abs(b)));

const series = Array.from({ length: 200 }, (_, t) => Math.sin(0.3 * t) + 0.5 * Math.cos(1.7 * t));
const LOG_2PI_HALF = 0.5 * Math.log(2 * Math.PI);

/** bench/models.mjs's ar1: acc_t = acc_{t-1} + log N(y_t | rho y_{t-1}, sigma), read at [-1]. */
function ar1(bind: (y: number[]) => Variable) {
  return () => {
    const rho = Normal("rho", 0, 0.5);
    const sigma = HalfNormal("sigma", 1);
    const y = bind(series);
    const logDensity = (v: Variable, m: Variable) => pt.sub(pt.sub(pt.mul(-0.5, pt.square(pt.div(pt.sub(v, m), sigma))), pt.log(sigma)), LOG_2PI_HALF);
    const acc = pt.scan((yt, yPrev, total) => pt.add(total, logDensity(yt, pt.mul(rho, yPrev))), {
      sequences: [pt.slice(y, 1), pt.slice(y, 0, -1)],
      outputsInfo: 0,
    }) as Variable;
    Potential("lik", pt.index(acc, -1));
  };
}

/** The AR(1) density at x = [rho, log sigma] and its gradient, written out (bench/handwritten.mjs's formulas). */
function ar1Reference(x: Float64Array): { logp: number; grad: number[] } {
  const [rho, t] = x;
  const sigma = Math.exp(t);
  let ss = 0;
  let sry = 0;
  for (let i = 1; i < series.length; i++) {
    const r = series[i] - rho * series[i - 1];
    ss += r * r;
    sry += r * series[i - 1];
  }
  const n = series.length - 1;
  const priors = -2 * rho * rho + Math.log(2) - LOG_2PI_HALF + (Math.log(2) - LOG_2PI_HALF - 0.5 * sigma * sigma) + t;
  return {
    logp: priors - n * (t + LOG_2PI_HALF) - (0.5 * ss) / (sigma * sigma),
    grad: [-4 * rho + sry / (sigma * sigma), -sigma * sigma + 1 + ss / (sigma * sigma) - n],
  };
}

const loopsOver = (text: string) => text.match(/for \(let t\d+ = /g)?.length ?? 0;

/** The Scans left in `outputs` compiled as any graph, forward and reverse. */
function scansOf(outputs: Variable[]): { forward: number; reverse: number } {
  const scans = toposort(compileGraph(outputs)).filter((n) => n.op instanceof Scan);
  const reverse = scans.filter((n) => (n.op as Scan).layout.reverse).length;
  return { forward: scans.length - reverse, reverse };
}

describe("scan-merge: one loop for a logp and its gradient", () => {
  it("AR(1): logp and gradient equal the written-out density and gradient, and finite differences", () => {
    for (const [what, bind] of [
      ["constants", (y: number[]) => pt.constant(y)],
      ["data()", (y: number[]) => data("y", y)],
    ] as const) {
      const m = model(`ar1_${what}`, ar1(bind));
      for (const x of [Float64Array.of(0.3, -0.2), Float64Array.of(-0.7, 0.4), Float64Array.of(0.95, -1.1)]) {
        const ref = ar1Reference(x);
        const g = new Float64Array(2);
        close(m.flat.logpGrad(x, g), ref.logp, 1e-12, `${what} logpGrad's value`);
        close(m.flat.logp(x), ref.logp, 1e-12, `${what} logp`);
        ref.grad.forEach((r, i) => close(g[i], r, 1e-12, `${what} d/dx[${i}]`));
        const fd = finiteDiffGrad((v) => ar1Reference(v).logp, x);
        g.forEach((gi, i) => close(gi, fd[i], 1e-7, `${what} d/dx[${i}] vs finite differences`));
      }
    }
  });

  it("AR(1): logpGrad is one loop over the steps; logp's loop keeps the sum alone", () => {
    const body = emitModel(Model.build(ar1((y) => data("y", y)))).body;
    const grad = functionText(body, "logpGrad");
    expect(loopsOver(grad), grad).to.equal(1);
    // One forward loop carrying the hand-written loop's two sums, Σ r_t² and Σ r_t·y_{t-1}: the
    // logp's terms and the gradient's share Σ r_t², and 1/σ², log σ and the constants move out.
    // (The third state is y_{t-1}, carried from the step before: rewrite/scan-lag.ts.)
    expect(grad).not.to.match(/t\d+ >= 0; t\d+--/);
    expect(grad.match(/^\s*let h\d+ = /gm)).to.have.length(3);
    const logp = functionText(body, "logp");
    expect(loopsOver(logp), logp).to.equal(1);
    expect(logp.match(/^\s*let h\d+ = /gm)).to.have.length(2);
  });

  it("two sums over the same sequence, and a loop reading another's value at the same step, are one loop", () => {
    const x = pt.constant(series.slice(0, 50));
    const a = pt.scalar("a");
    const [sumSq] = [pt.scan((xt, acc) => pt.add(acc, pt.square(pt.mul(a, xt))), { sequences: x, outputsInfo: 0 }) as Variable];
    const sumExp = pt.scan((xt, acc) => pt.add(acc, pt.exp(pt.mul(a, xt))), { sequences: x, outputsInfo: 0 }) as Variable;
    const e = pt.scan((xt) => pt.exp(pt.mul(a, xt)), { sequences: x }) as Variable;
    const sumLog = pt.scan((et, xt, acc) => pt.add(acc, pt.mul(pt.log1p(et), xt)), { sequences: [e, x], outputsInfo: 0 }) as Variable;
    const cost = pt.add(pt.add(pt.index(sumSq, -1), pt.index(sumExp, -1)), pt.index(sumLog, -1));
    const [ga] = pt.grad(cost, [a]);
    expect(scansOf([cost])).to.deep.equal({ forward: 1, reverse: 0 });
    expect(scansOf([cost, ga])).to.deep.equal({ forward: 1, reverse: 0 });
    const costOf = (v: number) => series.slice(0, 50).reduce((s, xt) => s + (v * xt) ** 2 + Math.exp(v * xt) + Math.log1p(Math.exp(v * xt)) * xt, 0);
    const f = pt.fn([a], [cost, ga]);
    for (const av of [0.4, -1.3]) {
      const [c, g] = f(av);
      close(c, costOf(av), 1e-13, `cost at ${av}`);
      const fd = finiteDiffGrad((v) => costOf(v[0]), Float64Array.of(av));
      close(g, fd[0], 1e-7, `gradient at ${av}`);
    }
  });

  it("sums over nSteps steps (a variable, 0 included) keep what changes and move the rest out", () => {
    const xs = series.slice(0, 50);
    const [a, b] = [pt.scalar("a"), pt.scalar("b")];
    const n = pt.scalar("n", "int64");
    const acc = pt.scan((xt, total) => pt.sub(total, pt.add(pt.mul(pt.mul(a, xt), pt.mul(b, xt)), pt.mul(2, b))), {
      sequences: pt.constant(xs),
      outputsInfo: 1.5,
      nSteps: n,
    }) as Variable;
    const cost = pt.index(acc, -1);
    const f = pt.fn([a, b, n], [cost, ...pt.grad(cost, [a, b])]);
    const costOf = (av: number, bv: number, steps: number) => xs.slice(0, steps).reduce((s, xt) => s - (av * xt * bv * xt + 2 * bv), 1.5);
    for (const steps of [30, 0]) {
      const [c, ga, gb] = f(0.7, -1.2, steps);
      close(c, costOf(0.7, -1.2, steps), 1e-13, `cost over ${steps} steps`);
      const fd = finiteDiffGrad((v) => costOf(v[0], v[1], steps), Float64Array.of(0.7, -1.2));
      close(ga, fd[0], 1e-7, `d/da over ${steps} steps`);
      close(gb, fd[1], 1e-7, `d/db over ${steps} steps`);
    }
    // The loop's sums: Σ x_t² (the cost's, and d/da's and d/db's), nothing else.
    const loop = f.source.slice(f.source.search(/for \(let t\d+ = /));
    expect(loop.slice(0, loop.indexOf("\n}")).match(/ = \(h\d+ [+-] /g)).to.have.length(1);
  });

  it("is not merged: a loop reading another's last value or its value one step late, or over fewer steps", () => {
    const xs = series.slice(0, 40);
    const x = pt.constant(xs);
    const a = pt.scalar("a");
    const run = pt.scan((xt, h) => pt.add(pt.mul(a, h), xt), { sequences: x, outputsInfo: 0 }) as Variable;
    const runs = (v: number) => {
      let h = 0;
      return xs.map((xt) => (h = v * h + xt));
    };
    // Each pair: the second loop, and its value written out from the first loop's values.
    const cases: [string, Variable, (v: number) => number][] = [
      [
        "the last value",
        pt.scan((xt, acc, last) => pt.add(acc, pt.mul(xt, last)), { sequences: x, outputsInfo: 0, nonSequences: pt.index(run, -1) }) as Variable,
        (v) => xs.reduce((s, xt) => s + xt * runs(v)[xs.length - 1], 0),
      ],
      [
        "one step late",
        pt.scan((prev, acc) => pt.add(acc, pt.square(prev)), {
          sequences: pt.concatenate([pt.constant([0]), pt.slice(run, 0, -1)]),
          outputsInfo: 0,
        }) as Variable,
        (v) => [0, ...runs(v).slice(0, -1)].reduce((s, h) => s + h * h, 0),
      ],
      [
        "fewer steps",
        pt.scan((xt, acc) => pt.add(acc, pt.mul(a, pt.square(xt))), { sequences: pt.slice(x, 1), outputsInfo: 0 }) as Variable,
        (v) => xs.slice(1).reduce((s, xt) => s + v * xt * xt, 0),
      ],
    ];
    for (const [what, second, secondOf] of cases) {
      const cost = pt.add(pt.index(run, -1), pt.index(second, -1));
      expect(scansOf([cost]), what).to.deep.equal({ forward: 2, reverse: 0 });
      const costOf = (v: number) => runs(v)[xs.length - 1] + secondOf(v);
      const [ga] = pt.grad(cost, [a]);
      const [c, g] = pt.fn([a], [cost, ga])(0.6);
      close(c, costOf(0.6), 1e-12, `${what}: cost`);
      close(g, finiteDiffGrad((v) => costOf(v[0]), Float64Array.of(0.6))[0], 1e-6, `${what}: gradient`);
    }
  });

  it("is not merged: the gradient of a true recurrence runs backwards, beside the forward loop", () => {
    const xs = series.slice(0, 30);
    const a = pt.scalar("a");
    const hs = pt.scan((xt, h) => pt.add(pt.mul(a, h), pt.sin(xt)), { sequences: pt.constant(xs), outputsInfo: 0.5 }) as Variable;
    const cost = pt.index(hs, -1);
    const [ga] = pt.grad(cost, [a]);
    expect(scansOf([cost, ga])).to.deep.equal({ forward: 1, reverse: 1 });
    const costOf = (v: number) => xs.reduce((h, xt) => v * h + Math.sin(xt), 0.5);
    const [c, g] = pt.fn([a], [cost, ga])(0.8);
    close(c, costOf(0.8), 1e-14, "cost");
    close(g, finiteDiffGrad((v) => costOf(v[0]), Float64Array.of(0.8))[0], 1e-7, "gradient");
  });

  it("ahead of time and in process give the same numbers to the last bit", async () => {
    const src = `() => {
      const rho = Normal("rho", 0, 0.5);
      const sigma = HalfNormal("sigma", 1);
      const y = pt.constant(${JSON.stringify(series.slice(0, 60))});
      const acc = pt.scan((yt, yPrev, total) => pt.add(total, pt.mul(-0.5, pt.square(pt.div(pt.sub(yt, pt.mul(rho, yPrev)), sigma)))), {
        sequences: [pt.slice(y, 1), pt.slice(y, 0, -1)],
        outputsInfo: 0,
      });
      Potential("lik", pt.sub(pt.index(acc, -1), pt.mul(59, pt.log(sigma))));
    }`;
    const built = await compileInline<ModelLike>(`import { model, pt, Normal, HalfNormal, Potential } from "tsmc";`, { ar1: src }, "scan-merge-aot");
    const inProcess = model("ar1", () => {
      const rho = Normal("rho", 0, 0.5);
      const sigma = HalfNormal("sigma", 1);
      const y = pt.constant(series.slice(0, 60));
      const acc = pt.scan((yt, yPrev, total) => pt.add(total, pt.mul(-0.5, pt.square(pt.div(pt.sub(yt, pt.mul(rho, yPrev)), sigma)))), {
        sequences: [pt.slice(y, 1), pt.slice(y, 0, -1)],
        outputsInfo: 0,
      }) as Variable;
      Potential("lik", pt.sub(pt.index(acc, -1), pt.mul(59, pt.log(sigma))));
    });
    expectSameModel(built.ar1, inProcess as unknown as ModelLike, "AR(1) with scan");
    expect(loopsOver(functionText(sourceOf(inProcess), "logpGrad"))).to.equal(1);
  });
});
