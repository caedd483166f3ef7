// rewrite/scan-lag.ts: a loop over y[1:] and y[:-1] reads y once per step and carries y_t to the
// next step. Values against the same loop over two separate arrays (which the rewrite leaves
// alone) and plain JavaScript loops, gradients against finite differences, the loads counted in
// the emitted text, the edge cases (no steps, fewer steps than rows), what is left alone, and ahead
// of time against in process bit for bit.
import { expect } from "chai";
import { HalfNormal, Model, Normal, Potential, type Variable, data, emitModel, model, pt } from "../compiler/index.js";
import { toposort } from "../compiler/graph/traversal.js";
import { Scan } from "../compiler/ops/scan.js";
import { carryLaggedSequences } from "../compiler/rewrite/scan-lag.js";
import { finiteDiffGrad } from "./helpers/fd.js";
import { compileInline, expectSameModel, type ModelLike } from "./helpers/aot.js";
import { functionText, sourceOf } from "./helpers/emitted.js";

const close = (a: number, b: number, tol: number, what: string) =>
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).to.be.at.most(tol * Math.max(1, Math.abs(b)));

const series = Array.from({ length: 120 }, (_, t) => Math.sin(0.3 * t) + 0.5 * Math.cos(1.7 * t));

/** bench/models.mjs's ar1, over y_t and y_{t-1} given as two sequences `seqs(y)`. */
function ar1(bind: (y: number[]) => Variable, seqs: (y: Variable) => Variable[]) {
  return () => {
    const rho = Normal("rho", 0, 0.5);
    const sigma = HalfNormal("sigma", 1);
    const y = bind(series);
    const acc = pt.scan((yt, yPrev, total) => pt.add(total, pt.sub(pt.mul(-0.5, pt.square(pt.div(pt.sub(yt, pt.mul(rho, yPrev)), sigma))), pt.log(sigma))), {
      sequences: seqs(y),
      outputsInfo: 0,
    }) as Variable;
    Potential("lik", pt.index(acc, -1));
  };
}

const lagged = (y: Variable) => [pt.slice(y, 1), pt.slice(y, 0, -1)];
/** y[1:] and y[:-1] as two data arrays of their own: the same arithmetic, each read at every step. */
const separateArrays = () => [data("y1", series.slice(1)), data("y0", series.slice(0, -1))];

/** The body of the one loop in `text` (emitted at the indentation of its \`for\`). */
const loopBody = (text: string) => {
  const loops = [...text.matchAll(/^( *)for \(let t\d+ = [^\n]*\{\n/gm)];
  expect(loops, text).to.have.length(1);
  const start = (loops[0].index as number) + loops[0][0].length;
  return text.slice(start, text.indexOf(`\n${loops[0][1]}}`, start));
};

/** The sequences and states of each Scan in `outputs`. */
const scanShapes = (outputs: Variable[]) =>
  toposort(outputs)
    .filter((n) => n.op instanceof Scan)
    .map((n) => ({ seqs: (n.op as Scan).layout.nSeqs, states: (n.op as Scan).nRec }));

describe("scan-lag: a sequence one step behind another is carried, not read again", () => {
  it("AR(1): logp and gradient as over two separate arrays (1e-12), and finite differences", () => {
    for (const [what, bind] of [
      ["constants", (y: number[]) => pt.constant(y)],
      ["data()", (y: number[]) => data("y", y)],
    ] as const) {
      const carried = model(`ar1_${what}`, ar1(bind, lagged));
      const separate = model(`ar1_${what}_separate`, ar1(bind, separateArrays));
      for (const x of [Float64Array.of(0.3, -0.2), Float64Array.of(-0.7, 0.4), Float64Array.of(0.95, -1.1)]) {
        const [g, gRef] = [new Float64Array(2), new Float64Array(2)];
        close(carried.flat.logpGrad(x, g), separate.flat.logpGrad(x, gRef), 1e-12, `${what} logpGrad's value`);
        close(carried.flat.logp(x), separate.flat.logp(x), 1e-12, `${what} logp`);
        g.forEach((gi, i) => close(gi, gRef[i], 1e-12, `${what} d/dx[${i}]`));
        const fd = finiteDiffGrad((v) => carried.flat.logp(v), x);
        g.forEach((gi, i) => close(gi, fd[i], 1e-7, `${what} d/dx[${i}] vs finite differences`));
      }
    }
  });

  it("AR(1): the logpGrad and logp loops load y once per step, and carry it in a local", () => {
    for (const [what, bind] of [
      ["constants", (y: number[]) => pt.constant(y)],
      ["data()", (y: number[]) => data("y", y)],
    ] as const) {
      const body = emitModel(Model.build(ar1(bind, lagged))).body;
      for (const name of ["logpGrad", "logp"]) {
        // (the step count's other length is kept with the data, not sliced again per call)
        expect(functionText(body, name)).not.to.match(/rt\.subtensor/);
        const step = loopBody(functionText(body, name));
        expect(step.match(/\w+_d\[t\d+\]/g), `${what} ${name}:\n${step}`).to.have.length(1);
        expect(step.match(/\[/g), `${what} ${name}:\n${step}`).to.have.length(1);
      }
      const separate = emitModel(Model.build(ar1(bind, separateArrays))).body;
      expect(loopBody(functionText(separate, "logpGrad")).match(/\w+_d\[t\d+\]/g)).to.have.length(2);
    }
  });

  it("no steps, fewer steps than rows (nSteps), and offsets k+1 and k: as a plain loop", () => {
    const y = pt.vector("y");
    const n = pt.scalar("n", "int64");
    const a = pt.scalar("a");
    // acc_t = acc_{t-1} + (y[k+1+t] - a y[k+t])^2 · (1 + t-th y[k+t]), the later window's stop 1 short.
    const body = (yt: Variable, yPrev: Variable, acc: Variable) => pt.add(acc, pt.mul(pt.square(pt.sub(yt, pt.mul(a, yPrev))), pt.add(1, pt.square(yPrev))));
    const ref = (ys: number[], av: number, k: number, steps: number) => {
      let acc = 0.25;
      for (let t = 0; t < steps; t++) acc += (ys[k + 1 + t] - av * ys[k + t]) ** 2 * (1 + ys[k + t] ** 2);
      return acc;
    };
    const last = (acc: Variable) => pt.index(pt.concatenate([pt.expandDims(pt.constant(0.25), [0]), acc]), -1);
    const withN = last(pt.scan(body, { sequences: [pt.slice(y, 3), pt.slice(y, 2, -1)], outputsInfo: 0.25, nSteps: n }) as Variable);
    const free = last(pt.scan(body, { sequences: [pt.slice(y, 3, -1), pt.slice(y, 2, -1)], outputsInfo: 0.25 }) as Variable);
    expect(scanShapes(carryLaggedSequences([withN, free]))).to.deep.equal([
      { seqs: 1, states: 2 },
      { seqs: 1, states: 2 },
    ]);
    const [ga] = pt.grad(pt.add(withN, free), [a]);
    const f = pt.fn([y, n, a], [withN, free, ga]);
    for (const ys of [[], [0.4], [0.4, -1], [0.4, -1, 2], series.slice(0, 4), series.slice(0, 9), series.slice(0, 40)]) {
      const rows = Math.max(0, ys.length - 3);
      for (const steps of [0, 1, Math.floor(rows / 2), rows].filter((s, i, all) => s <= rows && all.indexOf(s) === i)) {
        const [vn, vf, g] = f(ys, steps, 0.7) as number[];
        const what = `${ys.length} rows, ${steps} steps`;
        close(vn, ref(ys, 0.7, 2, steps), 1e-13, `${what}: nSteps`);
        close(vf, ref(ys, 0.7, 2, Math.max(0, ys.length - 4)), 1e-13, `${what}: without nSteps`);
        const fd = finiteDiffGrad((v) => ref(ys, v[0], 2, steps) + ref(ys, v[0], 2, Math.max(0, ys.length - 4)), Float64Array.of(0.7))[0];
        close(g, fd, 1e-6, `${what}: gradient`);
      }
    }
    expect(() => f(series.slice(0, 5), 3, 0.7)).to.throw(/fewer than nSteps/);
  });

  it("a chain y[2:], y[1:-1], y[:-2] reads y once per step", () => {
    const y = pt.vector("y");
    const acc = pt.scan((y2, y1, y0, total) => pt.add(total, pt.mul(pt.sub(y2, y1), pt.add(y1, pt.mul(3, y0)))), {
      sequences: [pt.slice(y, 2), pt.slice(y, 1, -1), pt.slice(y, 0, -2)],
      outputsInfo: 0,
    }) as Variable;
    const cost = pt.index(acc, -1);
    expect(scanShapes(carryLaggedSequences([cost]))).to.deep.equal([{ seqs: 1, states: 3 }]);
    const f = pt.fn([y], cost);
    for (const ys of [[], [1], [1, 2], series.slice(0, 3), series.slice(0, 30)]) {
      let ref = 0;
      for (let t = 2; t < ys.length; t++) ref += (ys[t] - ys[t - 1]) * (ys[t - 1] + 3 * ys[t - 2]);
      close(f(ys) as number, ref, 1e-13, `${ys.length} rows`);
    }
  });

  it("rows of a matrix (too large to become scalars) are carried as a buffer", () => {
    const y = pt.matrix("y");
    const acc = pt.scan((yt, yPrev, total) => pt.add(total, pt.sum(pt.mul(yt, pt.sin(yPrev)))), {
      sequences: [pt.slice(y, 1), pt.slice(y, 0, -1)],
      outputsInfo: 0,
    }) as Variable;
    const cost = pt.index(acc, -1);
    expect(scanShapes(carryLaggedSequences([cost]))).to.deep.equal([{ seqs: 1, states: 2 }]);
    const f = pt.fn([y], cost);
    for (const rows of [0, 1, 2, 7]) {
      const ys = Array.from({ length: rows }, (_, t) => series.slice(t, t + 20));
      let ref = 0;
      for (let t = 1; t < rows; t++) for (let j = 0; j < 20; j++) ref += ys[t][j] * Math.sin(ys[t - 1][j]);
      close(f(rows ? ys : { shape: [0, 20], data: new Float64Array(0) }) as number, ref, 1e-13, `${rows} rows`);
    }
  });

  it("leaves alone offsets two apart, different arrays, stops that may leave the later window shorter, steps of 2, and constants that differ (or differ in type)", () => {
    const y = pt.vector("y");
    const z = pt.vector("z");
    const body = (yt: Variable, yPrev: Variable, acc: Variable) => pt.add(acc, pt.mul(yt, yPrev));
    const shapes = (seqs: Variable[]) => scanShapes(carryLaggedSequences([pt.index(pt.scan(body, { sequences: seqs, outputsInfo: 0 }) as Variable, -1)]));
    const untouched = [{ seqs: 2, states: 1 }];
    expect(shapes([pt.slice(y, 2), pt.slice(y, 0, -2)])).to.deep.equal(untouched);
    expect(shapes([pt.slice(z, 1), pt.slice(y, 0, -1)])).to.deep.equal(untouched);
    expect(shapes([pt.slice(y, 1), pt.slice(y, 0, 5)])).to.deep.equal(untouched);
    expect(shapes([pt.slice(y, 1), pt.slice(y, 0, -2)])).to.deep.equal(untouched);
    expect(shapes([pt.slice(y, 1, null, 2), pt.slice(y, 0, -1, 2)])).to.deep.equal(untouched);
    expect(shapes([pt.constant([1, 2, 3]), pt.constant([0, 1, 5])])).to.deep.equal(untouched);
    expect(shapes([pt.constant([1, 2, 3], null, "int64"), pt.constant([0, 1, 2], null, "float64")])).to.deep.equal(untouched);
    // Carried: y[1:] and y[:-1]; constants one row apart; y[1:6] and y[0:5].
    expect(shapes([pt.slice(y, 1), pt.slice(y, 0, -1)])).to.deep.equal([{ seqs: 1, states: 2 }]);
    expect(shapes([pt.constant([1, 2, 3]), pt.constant([0, 1, 2])])).to.deep.equal([{ seqs: 1, states: 2 }]);
    expect(shapes([pt.slice(y, 1, 6), pt.slice(y, 0, 5)])).to.deep.equal([{ seqs: 1, states: 2 }]);
    // Equal constant rows carry each other both ways: one is carried, not both.
    expect(shapes([pt.constant([1, 1, 1]), pt.constant([1, 1, 1])])).to.deep.equal([{ seqs: 1, states: 2 }]);
  });

  it("ahead of time and in process give the same numbers to the last bit", async () => {
    const src = `() => {
      const rho = Normal("rho", 0, 0.5);
      const sigma = HalfNormal("sigma", 1);
      const y = data("y", ${JSON.stringify(series.slice(0, 60))});
      const acc = pt.scan((yt, yPrev, total) => pt.add(total, pt.mul(-0.5, pt.square(pt.div(pt.sub(yt, pt.mul(rho, yPrev)), sigma)))), {
        sequences: [pt.slice(y, 1), pt.slice(y, 0, -1)],
        outputsInfo: 0,
      });
      Potential("lik", pt.sub(pt.index(acc, -1), pt.mul(59, pt.log(sigma))));
    }`;
    const built = await compileInline<ModelLike>(`import { model, pt, data, Normal, HalfNormal, Potential } from "tsmc";`, { ar1: src }, "scan-lag-aot");
    const inProcess = model("ar1", () => {
      const rho = Normal("rho", 0, 0.5);
      const sigma = HalfNormal("sigma", 1);
      const y = data("y", series.slice(0, 60));
      const acc = pt.scan((yt, yPrev, total) => pt.add(total, pt.mul(-0.5, pt.square(pt.div(pt.sub(yt, pt.mul(rho, yPrev)), sigma)))), {
        sequences: [pt.slice(y, 1), pt.slice(y, 0, -1)],
        outputsInfo: 0,
      }) as Variable;
      Potential("lik", pt.sub(pt.index(acc, -1), pt.mul(59, pt.log(sigma))));
    });
    expectSameModel(built.ar1, inProcess as unknown as ModelLike, "AR(1) with y carried");
    expect(loopBody(functionText(sourceOf(inProcess), "logpGrad")).match(/\w+_d\[t\d+\]/g)).to.have.length(1);
  });
});
