// Scan bodies on small static tensors computed as scalars (compiler/rewrite/scalarize.ts), and the
// gradient's loop reading the forward loop's exps (compiler/rewrite/scan-share.ts). The same graphs
// built on inputs of unknown shape are not scalarized: they are the reference, with unrolled
// graphs and plain JavaScript loops.
import { expect } from "chai";
import fc from "fast-check";
import { HalfNormal, Normal, Potential, type Variable, data, model, pt, transforms } from "../compiler/index.js";
import { Scan } from "../compiler/ops/scan.js";
import { scalarizeScan } from "../compiler/rewrite/scalarize.js";
import { toposort } from "../compiler/graph/traversal.js";
import { finiteDiffGrad } from "./helpers/fd.js";
import { functionText, sourceOf } from "./helpers/emitted.js";

const flat = (v: any): number[] => (typeof v === "number" ? [v] : Array.from(v.data as Float64Array));
const expectClose = (a: number[], b: number[], tol: number, what: string) => {
  expect(a.length, what).to.equal(b.length);
  a.forEach((x, i) => expect(Math.abs(x - b[i]), `${what}[${i}]: ${x} vs ${b[i]}`).to.be.at.most(tol * Math.max(1, Math.abs(b[i]))));
};

/** The scan loops of a graph. */
const scansOf = (outputs: Variable[]) => toposort(outputs).filter((n) => n.op instanceof Scan);

// An HMM's forward algorithm, one max per step (bench/models.mjs's hmm): the log-likelihood of y
// given each state's emission log density and the transition matrix A.
function hmmLoglik(y: Variable, emission: (v: Variable) => Variable, A: Variable): Variable {
  const alpha0 = pt.add(Math.log(1 / 3), emission(pt.index(y, 0)));
  const alphas = pt.scan(
    (yt: Variable, prev: Variable) => {
      const m = pt.max(prev);
      return pt.add(pt.add(pt.log(pt.dot(pt.exp(pt.sub(prev, m)), A)), m), emission(yt));
    },
    { sequences: pt.slice(y, 1), outputsInfo: alpha0 },
  ) as Variable;
  return pt.logsumexp(pt.index(alphas, -1));
}

/** hmmLoglik on given input variables, and its gradient. */
function hmmGraph(y: Variable, mu: Variable, logSigma: Variable, A: Variable) {
  const sigma = pt.exp(logSigma);
  const logp = hmmLoglik(y, (v) => pt.sub(pt.mul(-0.5, pt.square(pt.div(pt.sub(v, mu), sigma))), logSigma), A);
  return { logp, grads: pt.grad(logp, [mu, logSigma, A]) };
}

/** The same forward algorithm as a plain loop. */
function hmmReference(y: number[], mu: number[], logSigma: number, A: number[][]): number {
  const s = Math.exp(logSigma);
  const em = (v: number, k: number) => -0.5 * ((v - mu[k]) / s) ** 2 - logSigma;
  let alpha = mu.map((_, k) => Math.log(1 / 3) + em(y[0], k));
  for (let t = 1; t < y.length; t++) {
    const m = Math.max(...alpha);
    alpha = mu.map((_, j) => Math.log(alpha.reduce((acc, a, i) => acc + Math.exp(a - m) * A[i][j], 0)) + m + em(y[t], j));
  }
  const m = Math.max(...alpha);
  return m + Math.log(alpha.reduce((acc, a) => acc + Math.exp(a - m), 0));
}

const Y = Array.from({ length: 60 }, (_, t) => Math.sin(0.7 * t) * 2 + 0.3 * Math.cos(2.3 * t));
const MU = [-1.5, 0.2, 1.8];
const AM = [
  [0.8, 0.15, 0.05],
  [0.1, 0.7, 0.2],
  [0.05, 0.25, 0.7],
];

describe("scalarized scan bodies", () => {
  it("the HMM's logp and gradient: static shapes (scalarized) equal unknown shapes, the unrolled graph and a plain loop", () => {
    const run = (y: Variable, mu: Variable, A: Variable) => {
      const logSigma = pt.scalar("logSigma");
      const { logp, grads } = hmmGraph(y, mu, logSigma, A);
      const f = pt.fn([y, mu, logSigma, A], [logp, ...grads], { fuse: true });
      return { f, outs: f(Y, MU, -0.3, AM).flatMap(flat) as number[] };
    };
    const fixed = run(pt.tensor("y", { shape: [Y.length] }), pt.tensor("mu", { shape: [3] }), pt.tensor("A", { shape: [3, 3] }));
    const unknown = run(pt.vector("y"), pt.vector("mu"), pt.matrix("A"));
    expectClose(fixed.outs, unknown.outs, 1e-12, "scalarized vs unknown shapes");
    // The scalarized loops keep their state in locals: no array op, buffer or inner loop in a step.
    const loops = fixed.f.source.split(/for \(let t\d+ = /).slice(1);
    expect(loops).to.have.length(2);
    for (const loop of loops) {
      const body = loop.slice(0, loop.indexOf("\n  }\n"));
      expect(body, "a step of the scalarized loop").not.to.match(/for \(let (?!t\d)|rt\.|\.data\[/);
    }
    // The backward loop reads the forward loop's exps instead of computing them again.
    expect(loops[1].slice(0, loops[1].indexOf("\n  }\n"))).not.to.include("Math.exp");
    expect(unknown.f.source).to.match(/rt\.dot|for \(let p/);

    // The unrolled graph (no scan), built over the same static inputs.
    const y = pt.tensor("y", { shape: [Y.length] });
    const mu = pt.tensor("mu", { shape: [3] });
    const logSigma = pt.scalar("logSigma");
    const A = pt.tensor("A", { shape: [3, 3] });
    const emission = (v: Variable) => pt.sub(pt.mul(-0.5, pt.square(pt.div(pt.sub(v, mu), pt.exp(logSigma)))), logSigma);
    let alpha = pt.add(Math.log(1 / 3), emission(pt.index(y, 0)));
    for (let t = 1; t < Y.length; t++) {
      const m = pt.max(alpha);
      alpha = pt.add(pt.add(pt.log(pt.dot(pt.exp(pt.sub(alpha, m)), A)), m), emission(pt.index(y, t)));
    }
    const logp = pt.logsumexp(alpha);
    const unrolled = pt
      .fn([y, mu, logSigma, A], [logp, ...pt.grad(logp, [mu, logSigma, A])])(Y, MU, -0.3, AM)
      .flatMap(flat) as number[];
    expectClose(fixed.outs, unrolled, 1e-12, "scan vs unrolled");
    expect(Math.abs(fixed.outs[0] - hmmReference(Y, MU, -0.3, AM))).to.be.at.most(1e-12 * Math.abs(fixed.outs[0]));
    const point = Float64Array.from([...MU, -0.3]);
    const fd = finiteDiffGrad((x) => hmmReference(Y, Array.from(x.subarray(0, 3)), x[3], AM), point);
    expectClose(fixed.outs.slice(1, 5), Array.from(fd), 1e-6, "gradient vs finite differences");
  });

  it("a model's HMM: the same logp and gradient with its data as constants (scalarized) and as data() inputs (shapes unknown, untouched)", () => {
    const build = (bind: (name: string, v: any) => any) => () => {
      const mu = Normal("mu", 0, 3, { shape: [3], transform: transforms.ordered, initval: [-1, 0, 1] });
      const sigma = HalfNormal("sigma", 1);
      const y = bind("y", Y);
      const A = bind("A", AM);
      Potential(
        "lik",
        hmmLoglik(y, (v) => pt.sub(pt.mul(-0.5, pt.square(pt.div(pt.sub(v, mu), sigma))), pt.log(sigma)), A),
      );
    };
    const constants = model(
      "hmm_constants",
      build((_, v) => v),
    );
    const bound = model(
      "hmm_data",
      build((name, v) => data(name, v)),
    );
    const x = Float64Array.from([-0.4, 0.3, 0.2, -0.1]);
    const g1 = new Float64Array(4);
    const g2 = new Float64Array(4);
    const lp1 = constants.flat.logpGrad(x, g1);
    const lp2 = bound.flat.logpGrad(x, g2);
    expectClose([lp1, ...g1], [lp2, ...g2], 1e-12, "constants vs data()");
    expectClose([constants.flat.logp(x)], [lp1], 1e-15, "logp vs logpGrad's value");
    const fd = finiteDiffGrad((v) => constants.flat.logp(v), x);
    expectClose(Array.from(g1), Array.from(fd), 1e-6, "gradient vs finite differences");
    // logp alone keeps the last state only: its loop stores nothing (logpGrad's stores the exps its
    // backward loop reads, and not the states: with the max's adjoint gone, nothing reads them).
    const stepOf = (code: string) => code.slice(code.search(/for \(let t\d+ = /)).split("\n  }\n")[0];
    expect(stepOf(functionText(sourceOf(constants), "logp"))).not.to.match(/\] = /);
    expect(stepOf(functionText(sourceOf(constants), "logpGrad")).match(/\] = /g)).to.have.length(3);
  });

  it("a vector state through an op with no scalar rule (a set_subtensor) is still correct: the op runs on the rebuilt vector", () => {
    const step = (xt: Variable, prev: Variable, w: Variable) => pt.tanh(pt.setSubtensor(pt.mul(prev, w), 0, pt.add(xt, pt.index(prev, 3))));
    const build = (x: Variable, h0: Variable, w: Variable) => pt.scan(step, { sequences: x, outputsInfo: h0, nonSequences: w }) as Variable;
    const x = pt.tensor("x", { shape: [8] });
    const h0 = pt.tensor("h0", { shape: [4] });
    const w = pt.tensor("w", { shape: [4] });
    const hs = build(x, h0, w);
    const [node] = scansOf([hs]);
    const scalar = scalarizeScan(node.op as Scan, node.inputs);
    expect(scalar, "the loop is scalarized").not.to.equal(null);
    expect(scalar?.fallbacks, "the set_subtensor falls back to the vector op").to.be.greaterThan(0);
    const xv = [0.3, -0.2, 0.9, 0.1, -0.7, 0.5, 0.2, -0.4];
    const hv = [0.5, -0.9, 0.1, 0.7];
    const wv = [1.1, -0.6, 0.8, 0.4];
    const cost = pt.sum(pt.mul(hs, hs));
    const outs = pt
      .fn([x, h0, w], [hs, cost, ...pt.grad(cost, [h0, w])], { fuse: true })(xv, hv, wv)
      .map(flat);
    let h = hv;
    const ref: number[] = [];
    const stepRef = (hh: number[], ww: ArrayLike<number>, xt: number) => hh.map((v, k) => Math.tanh(k === 0 ? xt + hh[3] : v * ww[k]));
    for (const xt of xv) {
      h = stepRef(h, wv, xt);
      ref.push(...h);
    }
    expectClose(outs[0], ref, 1e-15, "stacked states");
    const costOf = (v: Float64Array) => {
      let hh = Array.from(v.subarray(0, 4));
      let c = 0;
      for (const xt of xv) {
        hh = stepRef(hh, v.subarray(4), xt);
        c += hh.reduce((a, b) => a + b * b, 0);
      }
      return c;
    };
    const fd = finiteDiffGrad(costOf, Float64Array.from([...hv, ...wv]));
    expectClose([...outs[2], ...outs[3]], Array.from(fd), 1e-6, "gradient vs finite differences");
  });

  it("a loop over tensors of unknown shape is left as it is", () => {
    const hs = pt.scan((xt: Variable, prev: Variable) => pt.add(pt.mul(prev, 0.5), xt), {
      sequences: pt.matrix("x"),
      outputsInfo: pt.vector("h0"),
    }) as Variable;
    const [node] = scansOf([hs]);
    expect(scalarizeScan(node.op as Scan, node.inputs)).to.equal(null);
  });

  it("property: random bodies on a small vector state give the same values and gradients scalarized as with unknown shapes", () => {
    type Build = (h: Variable, xt: Variable, W: Variable) => Variable;
    const leaf = fc.constantFrom<Build>(
      (h) => h,
      (h, xt) => pt.add(h, xt),
      (h, _, W) => pt.dot(h, W),
    );
    const body: fc.Arbitrary<Build> = fc.letrec<{ e: Build }>((tie) => ({
      e: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        leaf,
        fc.tuple(fc.constantFrom("tanh", "sin", "half"), tie("e")).map(
          ([f, a]): Build =>
            (h, x, W) => {
              const v = a(h, x, W);
              return f === "half" ? pt.mul(0.5, v) : f === "tanh" ? pt.tanh(v) : pt.sin(v);
            },
        ),
        fc.tuple(fc.constantFrom("add", "mul", "sub"), tie("e"), tie("e")).map(
          ([f, a, b]): Build =>
            (h, x, W) =>
              f === "add" ? pt.add(a(h, x, W), b(h, x, W)) : f === "mul" ? pt.mul(a(h, x, W), b(h, x, W)) : pt.sub(a(h, x, W), b(h, x, W)),
        ),
        // Reductions broadcast back, a rotation (slices joined), a logsumexp over an outer product.
        // The max's gradient is left out (zeroGrad): bodies like h + x - max(h + x) - (h - max(h))
        // make every element equal, and a tie exact in one graph is a rounding apart in the other
        // (their sums run in other orders), where max's gradient picks another element.
        tie("e").map(
          (a): Build =>
            (h, x, W) => {
              const v = a(h, x, W);
              return pt.add(pt.sub(v, pt.zeroGrad(pt.max(v))), pt.mul(0.1, pt.sum(v)));
            },
        ),
        tie("e").map(
          (a): Build =>
            (h, x, W) => {
              const v = a(h, x, W);
              return pt.concatenate([pt.slice(v, 1), pt.slice(v, 0, 1)]);
            },
        ),
        tie("e").map(
          (a): Build =>
            (h, x, W) =>
              pt.mul(0.3, pt.logsumexp(pt.add(pt.expandDims(a(h, x, W), [1]), W), 0)),
        ),
      ),
    })).e;
    const K = 3;
    const values = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 5 + K + K * K, maxLength: 5 + K + K * K });
    fc.assert(
      fc.property(body, values, (build, vals) => {
        const xv = vals.slice(0, 5);
        const hv = vals.slice(5, 5 + K);
        const Wv = Array.from({ length: K }, (_, i) => vals.slice(5 + K + i * K, 5 + K + (i + 1) * K));
        const run = (x: Variable, h0: Variable, W: Variable) => {
          const hs = pt.scan((xt: Variable, prev: Variable, w: Variable) => pt.tanh(build(prev, xt, w)), {
            sequences: x,
            outputsInfo: h0,
            nonSequences: W,
          }) as Variable;
          const cost = pt.add(pt.sum(pt.sin(hs)), pt.sum(pt.index(hs, -1)));
          return pt
            .fn([x, h0, W], [hs, cost, ...pt.grad(cost, [x, h0, W])], { fuse: true })(xv, hv, Wv)
            .flatMap(flat) as number[];
        };
        const fixed = run(pt.tensor("x", { shape: [5] }), pt.tensor("h0", { shape: [K] }), pt.tensor("W", { shape: [K, K] }));
        const unknown = run(pt.vector("x"), pt.vector("h0"), pt.matrix("W"));
        expectClose(fixed, unknown, 1e-12, "scalarized vs unknown shapes");
      }),
      { numRuns: 40 },
    );
  });
});

describe("emitted elementwise code of one element", () => {
  it("runs the body once in a block, not in a loop of one iteration, with the same values", () => {
    const a = pt.tensor("a", { shape: [1] });
    const b = pt.tensor("b", { shape: [1, 1] });
    const f = pt.fn([a, b], [pt.exp(pt.add(a, 1)), pt.mul(b, pt.sin(b))], { fuse: true });
    expect(f.source).not.to.match(/< 1;/);
    expect(f.source).to.match(/\{\n\s+const p\d+ = 0/);
    const [x, y] = f([0.25], [[0.5]]).map(flat);
    expect(x).to.deep.equal([Math.exp(0.25 + 1)]);
    expect(y).to.deep.equal([0.5 * Math.sin(0.5)]);
  });
});
