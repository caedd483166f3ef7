// pt.zeroGrad (compiler/ops/zero-grad.ts), the shifts of log-sum-exps frozen before differentiation
// (compiler/rewrite/shift-invariance.ts), and loop-invariant factors of accumulated sums taken out
// of the loop (compiler/rewrite/scan.ts factorInvariantScales). References: the same expression
// written so that the rewrite does not apply (log(L) - (-s) instead of s + log(L)), whose gradient
// goes through max's mask the long way; plain loops; finite differences.
import { expect } from "chai";
import fc from "fast-check";
import { HalfNormal, Normal, Potential, type Variable, model, pt, transforms } from "../compiler/index.js";
import { toposort } from "../compiler/graph/traversal.js";
import { ZeroGrad } from "../compiler/ops/zero-grad.js";
import { opName } from "../compiler/rewrite/pattern.js";
import { freezeLogSumExpShifts } from "../compiler/rewrite/shift-invariance.js";
import { finiteDiffGrad } from "./helpers/fd.js";
import { functionText, sourceOf } from "./helpers/emitted.js";

const flat = (v: any): number[] => (typeof v === "number" ? [v] : Array.from(v.data as Float64Array));
const expectClose = (a: number[], b: number[], tol: number, what: string) => {
  expect(a.length, what).to.equal(b.length);
  a.forEach((x, i) => expect(Math.abs(x - b[i]), `${what}[${i}]: ${x} vs ${b[i]}`).to.be.at.most(tol * Math.max(1, Math.abs(b[i]))));
};
const opsOf = (outs: Variable[]) => toposort(outs).map(opName);
const frozen = (cost: Variable) => freezeLogSumExpShifts(cost, new Set()) !== cost;

describe("pt.zeroGrad", () => {
  it("is the identity forward and has a zero gradient (connected: zeros, not an error)", () => {
    const x = pt.vector("x");
    const f = pt.fn([x], [pt.zeroGrad(pt.mul(x, 2)), ...pt.grad(pt.sum(pt.mul(pt.zeroGrad(x), x)), [x]), pt.grad(pt.sum(pt.zeroGrad(x)), x)]);
    const [y, g, zero] = f([0.5, -1.5, 3]).map(flat);
    expect(y).to.deep.equal([1, -3, 6]);
    // d/dx sum(c · x) with c = x held fixed: c.
    expect(g).to.deep.equal([0.5, -1.5, 3]);
    expect(zero).to.deep.equal([0, 0, 0]);
  });

  it("is gone from a compiled graph: constants fold through it and elementwise work fuses across it", () => {
    const x = pt.vector("x");
    const f = pt.fn([x], [pt.add(pt.exp(pt.zeroGrad(pt.log(pt.constant(2)))), pt.sin(pt.zeroGrad(pt.mul(x, 3))))], { fuse: true });
    expect(f.source).not.to.match(/ZeroGrad|Math\.log|Math\.exp/);
    // One loop for mul and sin together.
    expect(f.source.match(/for \(let /g)).to.have.length(1);
    expectClose(flat(f([0.1, 0.2])[0]), [2 + Math.sin(0.3), 2 + Math.sin(0.6)], 1e-15, "values");
  });

  it("pt.logsumexp: the gradient is the softmax, without max's mask", () => {
    const x = pt.matrix("x");
    const cost = pt.sum(pt.mul(pt.logsumexp(x, 1), pt.constant([1, -2])));
    const [g] = pt.grad(cost, [x]);
    expect(opsOf([g])).not.to.include("Eq");
    const xv = [
      [0.3, 1e3, -2],
      [-1, 0.5, 0.25],
    ];
    const got = flat(pt.fn([x], [g])(xv)[0]);
    const want = xv.flatMap((row, i) => {
      const m = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
      return row.map((v) => (i === 0 ? 1 : -2) * (Math.exp(v - m) / z));
    });
    expectClose(got, want, 1e-15, "softmax");
  });
});

describe("shifted log-sum-exps frozen before differentiation", () => {
  const hmmStep = (prev: Variable, A: Variable, shift: (m: Variable, logL: Variable) => Variable) => {
    const m = pt.max(prev);
    return shift(m, pt.log(pt.dot(pt.exp(pt.sub(prev, m)), A)));
  };

  it("accepts s + log(L(exp(x - s))), either order, for L linear in the exponentials; gradients as through the mask", () => {
    const prev = pt.vector("prev");
    const A = pt.matrix("A");
    const w = pt.vector("w");
    const cost = (shift: (m: Variable, logL: Variable) => Variable) => pt.sum(pt.mul(hmmStep(prev, A, shift), w));
    const left = cost((m, l) => pt.add(m, l));
    const right = cost((m, l) => pt.add(l, m));
    const reference = cost((m, l) => pt.sub(l, pt.neg(m)));
    expect(frozen(left)).to.equal(true);
    expect(frozen(right)).to.equal(true);
    expect(frozen(reference)).to.equal(false);
    // One ZeroGrad, on the max, read by both of its uses.
    const zeroGrads = toposort([freezeLogSumExpShifts(left, new Set())]).filter((n) => n.op instanceof ZeroGrad);
    expect(zeroGrads.map((n) => opName(n.inputs[0].owner!))).to.deep.equal(["Max"]);
    const gradsOf = (c: Variable) => pt.grad(c, [prev, A, w]);
    expect(opsOf(gradsOf(left))).not.to.include("Eq");
    expect(opsOf(gradsOf(reference)), "the reference goes through max's mask").to.include("Eq");
    const args = [
      [0.3, -1.2, 2.5],
      [
        [0.7, 0.2, 0.1],
        [0.3, 0.3, 0.4],
        [0.05, 0.15, 0.8],
      ],
      [1, -0.5, 2],
    ];
    const run = (c: Variable) =>
      pt
        .fn(
          [prev, A, w],
          gradsOf(c),
        )(...args)
        .flatMap(flat) as number[];
    expectClose(run(left), run(reference), 1e-13, "left");
    expectClose(run(right), run(reference), 1e-13, "right");
  });

  it("leaves alone what is not shift-invariant, or not known to be", () => {
    const x = pt.vector("x");
    const B = pt.matrix("B");
    const m = pt.max(x);
    const u = pt.exp(pt.sub(x, m));
    // An affine L (+ 1), a factor that depends on s, a dot with u itself, a max instead of a sum,
    // different shifts inside and outside, a vector shift.
    expect(frozen(pt.add(m, pt.log(pt.add(pt.sum(u), 1))))).to.equal(false);
    expect(frozen(pt.add(m, pt.log(pt.sum(pt.mul(u, m)))))).to.equal(false);
    expect(frozen(pt.add(m, pt.log(pt.dot(u, u))))).to.equal(false);
    expect(frozen(pt.add(m, pt.log(pt.max(u))))).to.equal(false);
    expect(frozen(pt.add(pt.mul(m, 2), pt.log(pt.sum(u))))).to.equal(false);
    const v = pt.max(B, 1, true);
    expect(frozen(pt.sum(pt.add(v, pt.log(pt.sum(pt.exp(pt.sub(B, v)), 1, true)))))).to.equal(false);
    // The accepted form, for contrast.
    expect(frozen(pt.add(m, pt.log(pt.sum(u))))).to.equal(true);
  });

  it("property: for random linear L (dots, sums, scalings, transposes, reshapes) and shifts, gradients agree with the mask's to 1e-12", () => {
    type Step = "dotRight" | "dotLeft" | "scale" | "scaleConst" | "transpose" | "reshape";
    const steps = fc.array(fc.constantFrom<Step>("dotRight", "dotLeft", "scale", "scaleConst", "transpose", "reshape"), { maxLength: 4 });
    const entries = (n: number, lo: number, hi: number) => fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: n, maxLength: n });
    const square = (v: number[]) => [v.slice(0, 3), v.slice(3, 6), v.slice(6, 9)];
    fc.assert(
      fc.property(
        steps,
        fc.constantFrom("max", "affine"),
        fc.constantFrom("all", "axis0", "none"),
        fc.boolean(),
        entries(9, -3, 3),
        entries(27, 0.1, 2),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (chain, shiftKind, reduceKind, sFirst, xv, pv, wv) => {
          const x = pt.matrix("x");
          const B = pt.matrix("B");
          const C = pt.matrix("C");
          const D = pt.matrix("D");
          const w = pt.scalar("w");
          const s = shiftKind === "max" ? pt.max(x) : pt.add(pt.mul(0.3, pt.sum(x)), w);
          let u = pt.exp(pt.sub(x, s));
          for (const step of chain) {
            if (step === "dotRight") u = pt.dot(u, B);
            else if (step === "dotLeft") u = pt.dot(C, u);
            else if (step === "scale") u = pt.mul(D, u);
            else if (step === "scaleConst") u = pt.mul(u, 2.5);
            else if (step === "transpose") u = pt.transpose(u);
            else u = pt.reshape(pt.reshape(u, [9]), [3, 3]);
          }
          const L = reduceKind === "all" ? pt.sum(u) : reduceKind === "axis0" ? pt.sum(u, 0) : u;
          const logL = pt.log(L);
          const shifted = sFirst ? pt.add(s, logL) : pt.add(logL, s);
          const cost = (e: Variable) => pt.sum(pt.sin(e));
          const withRewrite = cost(shifted);
          const reference = cost(pt.sub(logL, pt.neg(s)));
          if (!frozen(withRewrite) || frozen(reference)) return false;
          const inputs = [x, B, C, D, w];
          const args = [square(xv), square(pv.slice(0, 9)), square(pv.slice(9, 18)), square(pv.slice(18, 27)), wv];
          const run = (c: Variable) =>
            pt
              .fn(inputs, [c, ...pt.grad(c, inputs, { disconnectedInputs: "zero" })])(...args)
              .flatMap(flat) as number[];
          expectClose(run(withRewrite), run(reference), 1e-12, chain.join(","));
          return true;
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("loop-invariant factors of accumulated sums", () => {
  const xs = [0.3, -1.1, 0.7, 2.2, -0.4, 1.3];

  it("a gradient loop's acc + k·e_t adds e_t alone, and k multiplies the sum once after the loop", () => {
    // h_t = 0.5·h_{t-1} + e^w·sin(x_t), cost = Σ h_t: dcost/dw = Σ_t a_t·e^w·sin(x_t) with the
    // adjoint a_t = Σ_{s≥t} 0.5^(s-t), accumulated in the backward loop (e^w the same at every step).
    const x = pt.tensor("x", { shape: [xs.length] });
    const w = pt.scalar("w");
    const h0 = pt.scalar("h0");
    const hs = pt.scan((xt: Variable, prev: Variable, wv: Variable) => pt.add(pt.mul(prev, 0.5), pt.mul(pt.exp(wv), pt.sin(xt))), {
      sequences: x,
      outputsInfo: h0,
      nonSequences: w,
    }) as Variable;
    const f = pt.fn([x, w, h0], pt.grad(pt.sum(hs), [w, h0]), { fuse: true });
    const backward = f.source.slice(f.source.search(/for \(let t\d+ = .* >= 0/)).split("\n  }\n")[0];
    // In the step: 0.5·a_{t+1} and a_t·sin(x_t); not e^w.
    expect(backward.match(/ \* /g), backward).to.have.length(2);
    const [wv, h0v] = [0.4, 1.7];
    const adjoint = (t: number) => xs.slice(t).reduce((a, _, s) => a + 0.5 ** s, 0);
    const dw = xs.reduce((a, v, t) => a + adjoint(t) * Math.exp(wv) * Math.sin(v), 0);
    const [gw, gh0] = f(xs, wv, h0v).map(flat);
    expectClose(gw, [dw], 1e-12, "dcost/dw");
    expectClose(gh0, [0.5 * adjoint(0)], 1e-12, "dcost/dh0");
  });

  it("property: random step bodies with loop-invariant factors: the scan's gradient equals the unrolled graph's to 1e-12", () => {
    type Build = (h: Variable, xt: Variable, w: Variable) => Variable;
    const leaf = fc.constantFrom<Build>(
      (h) => h,
      (_, xt) => xt,
      (_, __, w) => pt.exp(w),
      (_, __, w) => pt.mul(w, w),
      () => pt.constant(0.5),
    );
    const body: fc.Arbitrary<Build> = fc.letrec<{ e: Build }>((tie) => ({
      e: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        leaf,
        tie("e").map(
          (a): Build =>
            (h, x, w) =>
              pt.sin(a(h, x, w)),
        ),
        fc.tuple(fc.constantFrom("add", "mul", "sub"), tie("e"), tie("e")).map(
          ([f, a, b]): Build =>
            (h, x, w) =>
              f === "add" ? pt.add(a(h, x, w), b(h, x, w)) : f === "mul" ? pt.mul(a(h, x, w), b(h, x, w)) : pt.sub(a(h, x, w), b(h, x, w)),
        ),
      ),
    })).e;
    const values = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(body, values, (build, vals) => {
        const step = (xt: Variable, prev: Variable, w: Variable) => pt.tanh(pt.add(pt.mul(0.5, prev), build(prev, xt, w)));
        const x = pt.tensor("x", { shape: [6] });
        const h0 = pt.scalar("h0");
        const w = pt.scalar("w");
        const scanned = pt.scan(step, { sequences: x, outputsInfo: h0, nonSequences: w }) as Variable;
        let h: Variable = h0;
        let unrolledCost: Variable = pt.constant(0);
        for (let t = 0; t < 6; t++) {
          h = step(pt.index(x, t), h, w);
          unrolledCost = pt.add(unrolledCost, pt.sin(h));
        }
        const run = (cost: Variable) =>
          pt
            .fn([x, h0, w], [cost, ...pt.grad(cost, [x, h0, w], { disconnectedInputs: "zero" })], { fuse: true })(vals.slice(0, 6), vals[6], vals[7])
            .flatMap(flat) as number[];
        expectClose(run(pt.sum(pt.sin(scanned))), run(unrolledCost), 1e-12, "scan vs unrolled");
      }),
      { numRuns: 40 },
    );
  });

  it("an accumulator the body reads elsewhere, or kept at every step, is left in the loop, and correct", () => {
    const x = pt.tensor("x", { shape: [xs.length] });
    const w = pt.scalar("w");
    const [acc, other] = pt.scan(
      (xt: Variable, a: Variable, b: Variable, wv: Variable) => {
        const next = pt.add(a, pt.mul(pt.exp(wv), xt));
        return [next, pt.add(b, pt.mul(next, 0.5))];
      },
      { sequences: x, outputsInfo: [pt.constant(0), pt.constant(0)], nonSequences: w },
    ) as Variable[];
    const f = pt.fn([x, w], [acc, pt.index(other, -1)]);
    const [accs, last] = f(xs, 0.3).map(flat);
    let a = 0;
    let b = 0;
    const want: number[] = [];
    for (const v of xs) {
      a += Math.exp(0.3) * v;
      b += 0.5 * a;
      want.push(a);
    }
    expectClose(accs, want, 1e-15, "every step");
    expectClose(last, [b], 1e-15, "the other's last step");
  });

  it("an HMM model: the backward loop has no mask and no per-step invariant factor; gradient as finite differences", () => {
    const Y = Array.from({ length: 40 }, (_, t) => Math.sin(0.7 * t) * 2 + 0.3 * Math.cos(2.3 * t));
    const AM = [
      [0.8, 0.15, 0.05],
      [0.1, 0.7, 0.2],
      [0.05, 0.25, 0.7],
    ];
    const m = model("hmm_zero_grad", () => {
      const mu = Normal("mu", 0, 3, { shape: [3], transform: transforms.ordered, initval: [-1, 0, 1] });
      const sigma = HalfNormal("sigma", 1);
      const emission = (v: Variable) => pt.sub(pt.mul(-0.5, pt.square(pt.div(pt.sub(v, mu), sigma))), pt.log(sigma));
      const alpha0 = pt.add(Math.log(1 / 3), emission(pt.constant(Y[0])));
      const alphas = pt.scan(
        (yt: Variable, prev: Variable) => {
          const mx = pt.max(prev);
          return pt.add(pt.add(pt.log(pt.dot(pt.exp(pt.sub(prev, mx)), pt.constant(AM))), mx), emission(yt));
        },
        { sequences: pt.constant(Y.slice(1)), outputsInfo: alpha0 },
      ) as Variable;
      Potential("lik", pt.logsumexp(pt.index(alphas, -1)));
    });
    const code = functionText(sourceOf(m), "logpGrad");
    const loops = code.split(/for \(let t\d+ = /).slice(1);
    expect(loops).to.have.length(2);
    const backward = loops[1].slice(0, loops[1].indexOf("\n  }\n"));
    expect(backward, "no max, no comparison mask").not.to.match(/Math\.max|===|\?/);
    // Products per step: exps by A (9), A by the adjoints (9), by the exps (3); mu's adjoint adds
    // a·(y - mu) per state (3), sigma's the sum of their products with (y - mu) (3). The 1/σ² and
    // -2·(-0.5)/σ³ multiply the sums once, after the loop (10 more products per step without).
    expect(backward.match(/ \* /g)).to.have.length(9 + 9 + 3 + 3 + 3);
    const x = Float64Array.from([-0.4, 0.3, 0.2, -0.1]);
    const g = new Float64Array(4);
    const lp = m.flat.logpGrad(x, g);
    expectClose([lp], [m.flat.logp(x)], 1e-15, "value");
    expectClose(Array.from(g), Array.from(finiteDiffGrad((v) => m.flat.logp(v), x)), 1e-6, "gradient vs finite differences");
  });
});
