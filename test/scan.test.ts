// pt.scan: PyTensor's loop, compiled to a loop. Values against plain JavaScript loops, gradients
// against finite differences, time series written with scan against the dedicated ops and the
// unrolled graphs, the printed inner graph against PyTensor's form, and the error paths.
import { expect } from "chai";
import { GARCH11, HalfNormal, Model, Normal, Potential, type Variable, data, emitModel, model, pt, transforms } from "../compiler/index.js";
import { finiteDiffGrad } from "./helpers/fd.js";
import { compileInline, expectSameModel, type ModelLike } from "./helpers/aot.js";
import { functionText } from "./helpers/emitted.js";

const close = (a: number, b: number, tol: number, what: string) =>
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).to.be.at.most(tol * Math.max(1, Math.abs(b)));
const arr = (v: any): number[] => (typeof v === "number" ? [v] : Array.from(v.data as Float64Array));

describe("pt.scan: values and gradients", () => {
  it("a recursion h_t = a h_{t-1} + sin(x_t): stacked values, and gradients in the sequence, the initial value and a non-sequence", () => {
    const x = pt.vector("x");
    const a = pt.scalar("a");
    const h0 = pt.scalar("h0");
    const hs = pt.scan((xt, prev, aa) => pt.add(pt.mul(prev, aa), pt.sin(xt)), { sequences: x, outputsInfo: h0, nonSequences: a }) as Variable;
    expect(hs.type.toString()).to.equal("Vector(float64, shape=(?,))");
    const cost = pt.sum(pt.mul(hs, hs));
    const f = pt.fn([x, a, h0], [hs, cost, ...pt.grad(cost, [x, a, h0])], { fuse: true });
    const xv = [0.1, 0.5, -0.3, 0.9, 1.7];
    const ref = (xs: number[], av: number, hv: number) => {
      const out: number[] = [];
      let h = hv;
      for (const xt of xs) out.push((h = h * av + Math.sin(xt)));
      return out;
    };
    const costOf = (v: Float64Array) => ref(Array.from(v.subarray(0, 5)), v[5], v[6]).reduce((s, h) => s + h * h, 0);
    const [hv, c, gx, ga, gh] = f(xv, 0.7, 0.2);
    expect(arr(hv)).to.deep.equal(ref(xv, 0.7, 0.2));
    close(c, costOf(Float64Array.from([...xv, 0.7, 0.2])), 1e-15, "cost");
    const fd = finiteDiffGrad(costOf, Float64Array.from([...xv, 0.7, 0.2]));
    [...arr(gx), ga, gh].forEach((g, i) => close(g, fd[i], 1e-7, `d cost/d input ${i}`));
  });

  it("several outputs: two recurrent outputs that swap (Fibonacci), one not fed back, nSteps without sequences", () => {
    const [a, b, sum] = pt.scan((p: Variable, q: Variable) => [q, pt.add(p, q), pt.mul(p, 2)], { outputsInfo: [0, 1, null], nSteps: 8 }) as Variable[];
    const f = pt.fn([], [a, b, sum]);
    const [av, bv, sv] = f();
    expect(arr(av)).to.deep.equal([1, 1, 2, 3, 5, 8, 13, 21]);
    expect(arr(bv)).to.deep.equal([1, 2, 3, 5, 8, 13, 21, 34]);
    expect(arr(sv)).to.deep.equal([0, 2, 2, 4, 6, 10, 16, 26]);
    // An integer initial value is cast to the step's float dtype.
    const grow = pt.scan((p: Variable) => pt.mul(p, 1.5), { outputsInfo: 1, nSteps: 3 }) as Variable;
    expect(grow.dtype).to.equal("float64");
    expect(arr(pt.fn([], grow)())).to.deep.equal([1.5, 2.25, 3.375]);
  });

  it("a vector state with a matrix non-sequence and closures over outer variables (an HMM's forward pass)", () => {
    const y = pt.vector("y");
    const mu = pt.vector("mu");
    const logA = pt.matrix("logA");
    const a0 = pt.vector("a0");
    const emission = (yt: Variable) => pt.mul(-0.5, pt.square(pt.sub(yt, mu)));
    const alphas = pt.scan((yt, prev, lA) => pt.add(pt.logsumexp(pt.add(pt.expandDims(prev, [1]), lA), 0), emission(yt)), {
      sequences: y,
      outputsInfo: a0,
      nonSequences: logA,
    }) as Variable;
    const cost = pt.logsumexp(pt.index(alphas, -1));
    const f = pt.fn([y, mu, logA, a0], [alphas, cost, ...pt.grad(cost, [y, mu, logA, a0])], { fuse: true });
    const yv = [0.3, -1.2, 2.2, 0.1];
    const A = [Math.log(0.7), Math.log(0.3), Math.log(0.2), Math.log(0.8)];
    const ref = (v: Float64Array) => {
      const [ys, m, lA, al] = [v.subarray(0, 4), v.subarray(4, 6), v.subarray(6, 10), v.subarray(10, 12)];
      let prev = Array.from(al);
      for (const yt of ys) {
        prev = [0, 1].map((j) => {
          const terms = [0, 1].map((i) => prev[i] + lA[i * 2 + j]);
          const mx = Math.max(...terms);
          return mx + Math.log(terms.reduce((s, t) => s + Math.exp(t - mx), 0)) - 0.5 * (yt - m[j]) ** 2;
        });
      }
      const mx = Math.max(...prev);
      return mx + Math.log(prev.reduce((s, t) => s + Math.exp(t - mx), 0));
    };
    const point = Float64Array.from([...yv, 0.5, -0.4, ...A, -0.1, -2]);
    const [, c, ...grads] = f(yv, [0.5, -0.4], [A.slice(0, 2), A.slice(2)], [-0.1, -2]);
    close(c, ref(point), 1e-14, "forward algorithm");
    const fd = finiteDiffGrad(ref, point);
    grads.flatMap(arr).forEach((g: number, i: number) => close(g, fd[i], 1e-7, `d/d input ${i}`));
  });

  it("nSteps shorter than the sequence: the steps after the last get a zero gradient", () => {
    const x = pt.vector("x");
    const hs = pt.scan((xt, prev) => pt.add(prev, pt.square(xt)), { sequences: x, outputsInfo: 0.0, nSteps: 3 }) as Variable;
    const [hv, gx] = pt.fn([x], [hs, pt.grad(pt.sum(hs), x)])([1, 2, 3, 4, 5]);
    expect(arr(hv)).to.deep.equal([1, 5, 14]);
    expect(arr(gx)).to.deep.equal([6, 8, 6, 0, 0]);
  });

  it("a scan inside a scan's step: values and gradient as plain loops (each loop a function of its own)", () => {
    const x = pt.vector("x");
    const rows = pt.matrix("M");
    // Σ_t Σ_j M[t, j]·x[0]·(j + 1): the inner loop accumulates a row, the outer the rows.
    const total = pt.scan(
      (row: Variable, acc: Variable) => {
        const inner = pt.scan((v: Variable, s: Variable) => pt.add(s, pt.mul(v, pt.index(x, 0))), { sequences: row, outputsInfo: 0 }) as Variable;
        return pt.add(acc, pt.sum(inner));
      },
      { sequences: rows, outputsInfo: 0 },
    ) as Variable;
    const M = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const weighted = M.flat().reduce((s, v, k) => s + v * (3 - (k % 3)), 0);
    const f = pt.fn([x, rows], pt.index(total, -1));
    close(f([2, 0.5], M) as number, 2 * weighted, 1e-12, "value");
    const g = pt.fn([x, rows], pt.grad(pt.index(total, -1), x));
    expect(arr(g([2, 0.5], M))).to.deep.equal([weighted, 0]);
  });

  it("dprint lists the body under Inner graphs as PyTensor does", () => {
    const x = pt.vector("x");
    const a = pt.scalar("a");
    const hs = pt.scan((xt, prev) => pt.add(pt.mul(prev, a), xt), { sequences: x, outputsInfo: pt.scalar("h0") }) as Variable;
    expect(pt.dprint(hs)).to.equal(
      [
        "Scan{scan_fn, while_loop=False, inplace=none} [id A]",
        " ├─ x [id B]",
        " ├─ h0 [id C]",
        " └─ a [id D]",
        "",
        "Inner graphs:",
        "",
        "Scan{scan_fn, while_loop=False, inplace=none} [id A]",
        " ← Add [id E]",
        "    ├─ Mul [id F]",
        "    │  ├─ *1-<Scalar(float64, shape=())> [id G] -> [id C]",
        "    │  └─ *2-<Scalar(float64, shape=())> [id H] -> [id D]",
        "    └─ *0-<Scalar(float64, shape=())> [id I] -> [id B]",
      ].join("\n"),
    );
  });

  it("refuses clearly: unknown options, no steps, a wrong number of outputs, a state that changes shape, draws inside", () => {
    const x = pt.vector("x");
    expect(() => pt.scan((xt) => xt, { sequences: x, n_steps: 3 } as never)).to.throw(/scan: unknown option 'n_steps'/);
    expect(() => pt.scan(() => pt.constant(1.0), {})).to.throw(/scan: without sequences, nSteps is required/);
    expect(() => pt.scan((a) => a, { outputsInfo: { initial: 0, taps: [-2, -1] } as never, nSteps: 3 })).to.throw(
      /scan: outputsInfo entry 0 is an object; taps .* are not supported/,
    );
    expect(() => pt.scan((xt, p) => [p, xt], { sequences: x, outputsInfo: [0.0] })).to.throw(/returned 2 output\(s\) but outputsInfo has 1 entry/);
    expect(() => pt.scan((xt) => xt, { sequences: x, nSteps: 1.5 })).to.throw(/nSteps must be a non-negative integer, got 1.5/);
    expect(() => pt.scan((p) => pt.sum(p), { outputsInfo: pt.vector("v"), nSteps: 2 })).to.throw(
      /output 0 of the step is Scalar\(float64, shape=\(\)\) but its previous value \(the initial value\) is Vector/,
    );
    const grow = pt.scan((p) => pt.concatenate([p, p]), { outputsInfo: pt.vector("v"), nSteps: 2 }) as Variable;
    expect(() => pt.fn([pt.graphInputs([grow])[1] as Variable], grow)([1, 2])).to.throw(
      /scan: recurrent output 0 has shape \[4\] at step 0, but its initial value has shape \[2\]/,
    );
    expect(() => pt.fn([x], pt.scan((xt) => xt, { sequences: x, nSteps: 5 }) as Variable)([1, 2])).to.throw(
      /scan: sequence 0 has 2 steps, fewer than nSteps = 5/,
    );
    expect(() => pt.scan((xt) => pt.random.normal(xt, 1), { sequences: x })).to.throw(
      /scan: the step function draws .*random variables inside scan are not supported/,
    );
  });
});

// ── Time series written with scan ───────────────────────────────────────────────────────────────

const series = Array.from({ length: 40 }, (_, t) => 0.6 * Math.sin(t / 3) + 0.3 * Math.cos(t * 1.7));

/** GARCH(1,1)'s parameters, with alpha and beta in (0, 0.5). */
function garchParams() {
  const omega = HalfNormal("omega", 1);
  const alpha = pt.mul(0.5, pt.sigmoid(Normal("a", 0, 1)));
  const beta = pt.mul(0.5, pt.sigmoid(Normal("b", 0, 1)));
  return { omega, alpha, beta, vol0: HalfNormal("vol0", 1) };
}

function garchScan(y: number[]) {
  return () => {
    const { omega, alpha, beta, vol0 } = garchParams();
    const yv = data("y", y);
    const vols = pt.scan((yPrev, volPrev) => pt.sqrt(pt.add(omega, pt.add(pt.mul(alpha, pt.square(yPrev)), pt.mul(beta, pt.square(volPrev))))), {
      sequences: pt.slice(yv, 0, -1),
      outputsInfo: vol0,
    }) as Variable;
    Normal("obs", 0, pt.concatenate([pt.expandDims(vol0, [0]), vols]), { observed: yv });
  };
}

function garchOp(y: number[]) {
  return () => {
    const { omega, alpha, beta, vol0 } = garchParams();
    GARCH11("obs", { omega, alpha_1: alpha, beta_1: beta, initial_vol: vol0, observed: data("y", y), shape: [y.length] });
  };
}

const K = 3;
const A = [
  [0.8, 0.1, 0.1],
  [0.1, 0.8, 0.1],
  [0.1, 0.1, 0.8],
];
const hmmY = Array.from({ length: 30 }, (_, t) => [-2, 0, 2][Math.floor(t / 10)] + 0.4 * Math.sin(t * 2.3));

/** An HMM's forward algorithm, as a scan or unrolled step by step in the builder. */
function hmm(unrolled: boolean) {
  return () => {
    const mu = Normal("mu", 0, 3, { shape: [K], transform: transforms.ordered, initval: [-1, 0, 1] });
    const sigma = HalfNormal("sigma", 1);
    const logA = pt.log(pt.constant(A));
    const emission = (yt: Variable) => pt.sub(pt.mul(-0.5, pt.square(pt.div(pt.sub(yt, mu), sigma))), pt.log(sigma));
    const step = (yt: Variable, prev: Variable) => pt.add(pt.logsumexp(pt.add(pt.expandDims(prev, [1]), logA), 0), emission(yt));
    const y = pt.constant(hmmY);
    let last = pt.add(Math.log(1 / K), emission(pt.index(y, 0)));
    if (unrolled) for (let t = 1; t < hmmY.length; t++) last = step(pt.index(y, t), last);
    else last = pt.index(pt.scan(step, { sequences: pt.slice(y, 1), outputsInfo: last }) as Variable, -1);
    Potential("lik", pt.logsumexp(last));
  };
}

function expectSameDensity(a: { size: number; flat: ModelLike["flat"] }, b: { size: number; flat: ModelLike["flat"] }, tol: number, what: string) {
  expect(a.size).to.equal(b.size);
  for (const base of [0.1, -0.3, 0.45]) {
    const x = Float64Array.from({ length: a.size }, (_, i) => base + 0.05 * ((i * 7) % 5));
    const [ga, gb] = [new Float64Array(a.size), new Float64Array(a.size)];
    close(a.flat.logpGrad(x, ga), b.flat.logpGrad(x, gb), tol, `${what} logp`);
    ga.forEach((g, i) => close(g, gb[i], tol, `${what} d/dx[${i}]`));
  }
}

describe("pt.scan in models", () => {
  it("GARCH(1,1) written with scan has the dedicated GARCH11's logp and gradient", () => {
    expectSameDensity(model("garch_scan", garchScan(series)), model("garch_op", garchOp(series)), 1e-12, "GARCH(1,1)");
  });

  it("ARMA(1,1) written with scan (Stan's arma11) against a plain loop, gradient against finite differences", () => {
    const y = series;
    const m = model("arma11", () => {
      const mu = Normal("mu", 0, 10);
      const phi = Normal("phi", 0, 2);
      const theta = Normal("theta", 0, 2);
      const sigma = HalfNormal("sigma", 2.5);
      const yv = pt.constant(y);
      const err0 = pt.sub(y[0], pt.add(mu, pt.mul(phi, mu)));
      const errs = pt.scan((yt, yPrev, errPrev) => pt.sub(yt, pt.add(mu, pt.add(pt.mul(phi, yPrev), pt.mul(theta, errPrev)))), {
        sequences: [pt.slice(yv, 1), pt.slice(yv, 0, -1)],
        outputsInfo: err0,
      }) as Variable;
      const all = pt.concatenate([pt.expandDims(err0, [0]), errs]);
      Potential("lik", pt.sum(pt.sub(pt.mul(-0.5, pt.square(pt.div(all, sigma))), pt.log(sigma))));
    });
    const logpOf = (x: Float64Array) => {
      const [mu, phi, theta, t] = x;
      const sigma = Math.exp(t);
      const normal = (v: number, s: number) => -0.5 * (v / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
      let lp = normal(mu, 10) + normal(phi, 2) + normal(theta, 2) + Math.log(2) + normal(sigma, 2.5) + t;
      let err = y[0] - (mu + phi * mu);
      lp += -0.5 * (err / sigma) ** 2 - t;
      for (let i = 1; i < y.length; i++) {
        err = y[i] - (mu + phi * y[i - 1] + theta * err);
        lp += -0.5 * (err / sigma) ** 2 - t;
      }
      return lp;
    };
    const x = Float64Array.from([0.1, 0.4, -0.3, -0.5]);
    const g = new Float64Array(4);
    close(m.flat.logpGrad(x, g), logpOf(x), 1e-12, "ARMA(1,1) logp");
    const fd = finiteDiffGrad(logpOf, x);
    g.forEach((gi, i) => close(gi, fd[i], 1e-7, `ARMA(1,1) d/dx[${i}]`));
  });

  it("an HMM's forward algorithm as a scan equals the unrolled graph, and samples the same posterior", () => {
    const looped = model("hmm_scan", hmm(false));
    const unrolled = model("hmm_unrolled", hmm(true));
    expectSameDensity(looped, unrolled, 1e-11, "HMM");
    const opts = { draws: 400, tune: 400, chains: 2, seed: 7 };
    const [a, b] = [looped.sample(opts), unrolled.sample(opts)];
    for (const name of ["mu", "sigma"]) {
      const [pa, pb] = [a.posterior[name], b.posterior[name]].map((v: any) => v as { shape: number[]; data: Float64Array });
      const width = pa.data.length / (pa.shape[0] * pa.shape[1]);
      for (let k = 0; k < width; k++) {
        const mean = (p: typeof pa) => p.data.filter((_, i) => i % width === k).reduce((s, v) => s + v, 0) / (p.data.length / width);
        expect(Math.abs(mean(pa) - mean(pb)), `${name}[${k}]`).to.be.below(0.05);
      }
    }
  });

  it("compiles to a loop: the logp and gradient text does not grow with the series, and allocates nothing per call", () => {
    const hot = (n: number) => {
      const text = emitModel(Model.build(garchScan(Array.from({ length: n }, (_, t) => Math.sin(t))))).body;
      return functionText(text, "logp") + functionText(text, "logpGrad");
    };
    expect(hot(2000)).to.equal(hot(20));
    const hmmText = emitModel(Model.build(hmm(false))).body;
    expect(functionText(hmmText, "logpGrad")).to.match(/for \(let t\d+ = (?:n\d+|\d+) - 1; t\d+ >= 0; t\d+--\)/);
    // Each loop is a function of its own (the lines after a long loop then have type feedback when
    // V8 compiles it during the first call): logpGrad calls them and has no loop over the steps.
    const own = hmmText.slice(hmmText.indexOf("function logpGrad("), hmmText.indexOf("\n}\n", hmmText.indexOf("function logpGrad(")));
    expect(own).not.to.match(/for \(let t\d+ = /);
    expect(own.match(/logpGrad\$loop\d+\(/g)).to.have.length(2);
    // An AR(1) likelihood accumulated in the loop, Stan style.
    const ar1 = Model.build(() => {
      const rho = Normal("rho", 0, 0.5);
      const sigma = HalfNormal("sigma", 1);
      const y = data("y", series);
      const acc = pt.scan((yt, yPrev, total) => pt.add(total, pt.sub(pt.mul(-0.5, pt.square(pt.div(pt.sub(yt, pt.mul(rho, yPrev)), sigma))), pt.log(sigma))), {
        sequences: [pt.slice(y, 1), pt.slice(y, 0, -1)],
        outputsInfo: 0,
      }) as Variable;
      Potential("lik", pt.index(acc, -1));
    });
    const body = functionText(emitModel(ar1).body, "logpGrad");
    const allocating = /rt\.nd\(|rt\.empty\(|\bnew\b|rt\.subtensor\(|=\s*\[|\[\s*\]|\.slice\(|rt\.join\(/;
    const bad = body.split("\n").filter((l) => allocating.test(l) && !/\bthrow\b/.test(l));
    expect(bad, bad.join("\n")).to.deep.equal([]);
  });

  it("a loop over sequences of static length has a literal bound; over data of unknown length it reads it from the data", () => {
    const ar1 = (y: (values: number[]) => Variable, values: number[]) => () => {
      const rho = Normal("rho", 0, 0.5);
      const yv = y(values);
      const acc = pt.scan((yt, yPrev, total) => pt.add(total, pt.square(pt.sub(yt, pt.mul(rho, yPrev)))), {
        sequences: [pt.slice(yv, 1), pt.slice(yv, 0, -1)],
        outputsInfo: 0,
      }) as Variable;
      Potential("lik", pt.mul(-0.5, pt.index(acc, -1)));
    };
    const bounds = (builder: () => void) => [...emitModel(Model.build(builder)).body.matchAll(/for \(let t\d+ = 0; t\d+ < ([^;]+);/g)].map((m) => m[1]);
    expect(bounds(ar1((v) => pt.constant(v), series))).to.include(String(series.length - 1));
    const unknown = bounds(ar1((v) => data("y", v), series));
    expect(unknown.length).to.be.above(0);
    for (const b of unknown) expect(b).to.not.match(/^\d+$/);
    // Both compute the same log density.
    const at = { rho: 0.4 };
    const expected = -0.5 * series.slice(1).reduce((s, y, t) => s + (y - 0.4 * series[t]) ** 2, 0);
    const prior = -0.5 * 0.8 ** 2 - Math.log(0.5) - 0.5 * Math.log(2 * Math.PI);
    close(model(ar1((v) => pt.constant(v), series)).logp(at), prior + expected, 1e-12, "constant series");
    close(model(ar1((v) => data("y", v), series)).logp(at), prior + expected, 1e-12, "data series");
  });

  it("ahead of time and in process give the same numbers to the last bit", async () => {
    const src = `() => {
      const omega = HalfNormal("omega", 1);
      const vol0 = HalfNormal("vol0", 1);
      const y = [0.1, -0.4, 0.3, 0.8, -0.2, 0.05, 0.6];
      const vols = pt.scan((yPrev, volPrev) => pt.sqrt(pt.add(omega, pt.add(pt.mul(0.2, pt.square(yPrev)), pt.mul(0.5, pt.square(volPrev))))), {
        sequences: pt.slice(pt.constant(y), 0, -1),
        outputsInfo: vol0,
      });
      Normal("obs", 0, pt.concatenate([pt.expandDims(vol0, [0]), vols]), { observed: y });
    }`;
    const built = await compileInline<ModelLike>(`import { model, pt, Normal, HalfNormal } from "tsmc";`, { garch: src }, "scan-aot");
    const inProcess = model("garch", () => {
      const omega = HalfNormal("omega", 1);
      const vol0 = HalfNormal("vol0", 1);
      const y = [0.1, -0.4, 0.3, 0.8, -0.2, 0.05, 0.6];
      const vols = pt.scan((yPrev, volPrev) => pt.sqrt(pt.add(omega, pt.add(pt.mul(0.2, pt.square(yPrev)), pt.mul(0.5, pt.square(volPrev))))), {
        sequences: pt.slice(pt.constant(y), 0, -1),
        outputsInfo: vol0,
      }) as Variable;
      Normal("obs", 0, pt.concatenate([pt.expandDims(vol0, [0]), vols]), { observed: y });
    });
    expectSameModel(built.garch, inProcess as unknown as ModelLike, "GARCH with scan");
  });
});
