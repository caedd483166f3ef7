// LKJCorr and LKJCholeskyCov: the normalising constant and logps against independent Python
// references (test/reference/lkj.json, written by gen_lkj.py: the LKJ paper's beta-function constant,
// a numerical integral for n = 3, and LKJCholeskyCov's density with a finite-difference Jacobian),
// logp against a direct computation from the correlation matrix, sampler moments, the transforms
// (round trips, log-Jacobians against finite differences of backward), gradients, and model use.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import * as tsmc from "../compiler/index.js";
import { pt, logp, draw, model, Model, Exponential, HalfNormal, LKJCorr, LKJCholeskyCov, MvNormal, Normal } from "../compiler/index.js";
import { lkjNormalizingConstant } from "../compiler/distributions/lkj.js";
import { transforms } from "../compiler/transforms.js";
import { finiteDiffGrad } from "./helpers/fd.js";

const ref = JSON.parse(readFileSync(new URL("./reference/lkj.json", import.meta.url), "utf8"));
const dists = tsmc as unknown as Record<string, { dist(...a: unknown[]): any }>;

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
const data = (v: any): number[] => (typeof v === "number" ? [v] : Array.from(v.data as Float64Array));

/** log |det A| by Gaussian elimination with partial pivoting (A row-major, k×k). */
function logAbsDet(a: Float64Array, k: number): number {
  const m = a.slice();
  let s = 0;
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r * k + c]) > Math.abs(m[p * k + c])) p = r;
    if (m[p * k + c] === 0) return -Infinity;
    if (p !== c) for (let j = 0; j < k; j++) [m[c * k + j], m[p * k + j]] = [m[p * k + j], m[c * k + j]];
    s += Math.log(Math.abs(m[c * k + c]));
    for (let r = c + 1; r < k; r++) {
      const f = m[r * k + c] / m[c * k + c];
      for (let j = c; j < k; j++) m[r * k + j] -= f * m[c * k + j];
    }
  }
  return s;
}

/** The correlation matrix of upper-triangle correlations (row-major). */
function corrMatrix(n: number, r: number[]): Float64Array {
  const c = new Float64Array(n * n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    c[i * n + i] = 1;
    for (let j = i + 1; j < n; j++) c[i * n + j] = c[j * n + i] = r[k++];
  }
  return c;
}

/** Numerical Jacobian of f: R^k → R^k by central differences, row-major. */
function jacobian(f: (x: Float64Array) => number[], x: Float64Array, h = 1e-6): Float64Array {
  const k = x.length;
  const jac = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const xp = x.slice();
    const xm = x.slice();
    xp[i] += h;
    xm[i] -= h;
    const fp = f(xp);
    const fm = f(xm);
    for (let r = 0; r < k; r++) jac[r * k + i] = (fp[r] - fm[r]) / (2 * h);
  }
  return jac;
}

describe("LKJ: the normalising constant and logp against Python references", () => {
  it("log c_n(eta) matches the LKJ paper's beta-function form and a numerical integral (n = 3)", () => {
    for (const { n, eta, logc } of [...ref.normalising_constant, ...ref.integrated]) {
      const ours = pt.eval(lkjNormalizingConstant(eta, n)) as number;
      expect(rel(ours, logc), `n=${n} eta=${eta}: ${ours} vs ${logc}`).to.be.lessThan(1e-11);
    }
    // symbolic eta gives the same number, and eta = 1 needs no branch of its own
    const eta = pt.scalar("eta");
    const f = pt.fn([eta], lkjNormalizingConstant(eta, 5));
    expect(rel(f(1) as number, ref.normalising_constant.find((c: any) => c.n === 5 && c.eta === 1).logc)).to.be.lessThan(1e-12);
  });

  it("LKJCorr logp matches -log c + (eta - 1) log det C (Python), -inf outside the support", () => {
    for (const c of ref.lkjcorr) {
      const v = pt.eval(logp(LKJCorr.dist(c.n, c.eta), pt.constant(c.value))) as number;
      if (c.logp === null) expect(v).to.equal(-Infinity);
      else expect(rel(v, c.logp), `n=${c.n} eta=${c.eta}: ${v} vs ${c.logp}`).to.be.lessThan(1e-12);
    }
    expect(pt.eval(logp(LKJCorr.dist(3, 2), pt.constant([1.2, 0, 0])))).to.equal(-Infinity);
  });

  it("LKJCorr logp against a direct computation from the correlation matrix (TypeScript)", () => {
    const x = pt.tensor("x", { shape: [6] });
    const lp = pt.fn([x], logp(LKJCorr.dist(4, 1.7), x));
    const logc = pt.eval(lkjNormalizingConstant(1.7, 4)) as number;
    for (const r of [
      [0.1, 0.2, -0.3, 0.05, 0.4, -0.1],
      [-0.5, 0.3, 0.2, 0.1, -0.2, 0.3],
      [0, 0, 0, 0, 0, 0],
    ]) {
      const direct = -logc + 0.7 * logAbsDet(corrMatrix(4, r), 4);
      expect(rel(lp(r) as number, direct)).to.be.lessThan(1e-12);
    }
  });

  it("LKJCholeskyCov logp matches the density of (sigma, C) through L = diag(sigma) chol(C) with a numerical Jacobian", () => {
    for (const c of ref.lkjcholeskycov) {
      const sd = dists[c.sd_dist.family].dist(c.sd_dist.params);
      const rv = LKJCholeskyCov.dist({ eta: c.eta, n: c.n, sd_dist: sd, compute_corr: false });
      const v = pt.eval(logp(rv, pt.constant(c.value))) as number;
      expect(rel(v, c.logp), `n=${c.n} eta=${c.eta}: ${v} vs ${c.logp}`).to.be.lessThan(1e-9);
    }
    // a non-positive diagonal is outside the support
    const rv = LKJCholeskyCov.dist({ eta: 2, n: 2, sd_dist: Exponential.dist(1), compute_corr: false });
    expect(pt.eval(logp(rv, pt.constant([1, 0.2, -0.5])))).to.equal(-Infinity);
  });

  it("parameter checks: eta > 0 as a Check; n and sd_dist validated at build time", () => {
    const eta = pt.scalar("eta");
    const f = pt.fn([eta], logp(LKJCorr.dist(3, eta), pt.constant([0, 0, 0])));
    expect(() => f(-1)).to.throw(/eta > 0/);
    expect(() => LKJCorr.dist(3, -1)).to.throw(/eta > 0/);
    expect(() => LKJCorr.dist(2.5, 1)).to.throw(/n must be an integer/);
    expect(() => LKJCholeskyCov.dist({ eta: 1, n: 3, sd_dist: pt.scalar("s") })).to.throw(/sd_dist must be a scalar or vector distribution/);
    expect(() =>
      model(() => {
        const s = HalfNormal("s", 1, { shape: [3] });
        LKJCholeskyCov("c", { eta: 1, n: 3, sd_dist: s });
      }),
    ).to.throw(/already registered/);
  });
});

describe("LKJ: seeded samplers", () => {
  const M = 20000;

  it("LKJCorr (onion method): in [-1, 1], positive definite, E[r] = 0, Var[r] = 1/(2 eta + n - 1), reproducible", () => {
    for (const [n, eta] of [
      [4, 2],
      [3, 0.8],
      [6, 1],
    ] as const) {
      const m = (n * (n - 1)) / 2;
      const d = draw(LKJCorr.dist(n, eta, { shape: [M, m] }), { seed: 11 }).data as Float64Array;
      const v = 1 / (2 * eta + n - 1);
      for (let k = 0; k < m; k++) {
        let s = 0;
        let s2 = 0;
        let largest = 0;
        for (let r = 0; r < M; r++) {
          const x = d[r * m + k];
          largest = Math.max(largest, Math.abs(x));
          s += x;
          s2 += x * x;
        }
        expect(largest).to.be.at.most(1);
        const mean = s / M;
        // standard errors: sqrt(v / M) for the mean, about sqrt(2 v² / M) for the variance
        expect(Math.abs(mean), `n=${n} eta=${eta} mean[${k}]`).to.be.lessThan(5 * Math.sqrt(v / M));
        expect(Math.abs(s2 / M - mean * mean - v), `n=${n} eta=${eta} var[${k}]`).to.be.lessThan(5 * Math.sqrt((2 * v * v) / M));
      }
      for (let r = 0; r < 200; r++) expect(Number.isFinite(logAbsDet(corrMatrix(n, Array.from(d.subarray(r * m, r * m + m))), n))).to.equal(true);
    }
    const a = draw(LKJCorr.dist(3, 2), { seed: 4 });
    const b = draw(LKJCorr.dist(3, 2), { seed: 4 });
    expect(data(a)).to.deep.equal(data(b));
  });

  it("LKJCholeskyCov: lower factors whose correlations are LKJ and whose row norms follow sd_dist", () => {
    const n = 3;
    const eta = 1.5;
    const m = 6;
    const rv = LKJCholeskyCov.dist({ eta, n, sd_dist: Exponential.dist(2), compute_corr: false });
    const d = draw(rv, { draws: M, seed: 7 }).data as Float64Array;
    const v = 1 / (2 * eta + n - 1);
    const sums = new Float64Array(3);
    const sq = new Float64Array(3);
    const sdSum = new Float64Array(3);
    const sdSq = new Float64Array(3);
    for (let r = 0; r < M; r++) {
      const l = d.subarray(r * m, r * m + m);
      const L = [
        [l[0], 0, 0],
        [l[1], l[2], 0],
        [l[3], l[4], l[5]],
      ];
      if (!(l[0] > 0 && l[2] > 0 && l[5] > 0)) throw new Error(`draw ${r}: a non-positive diagonal`);
      const sds = L.map((row) => Math.hypot(...row));
      const corr = (i: number, j: number) => L[i].reduce((s, x, k) => s + x * L[j][k], 0) / (sds[i] * sds[j]);
      [corr(0, 1), corr(0, 2), corr(1, 2)].forEach((c, k) => {
        sums[k] += c;
        sq[k] += c * c;
      });
      sds.forEach((s, k) => {
        sdSum[k] += s;
        sdSq[k] += s * s;
      });
    }
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(sums[k] / M)).to.be.lessThan(5 * Math.sqrt(v / M));
      expect(Math.abs(sq[k] / M - v)).to.be.lessThan(5 * Math.sqrt((2 * v * v) / M));
      // Exponential(lam = 2): mean 1/2, variance 1/4
      expect(Math.abs(sdSum[k] / M - 0.5)).to.be.lessThan(5 * Math.sqrt(0.25 / M));
      expect(Math.abs(sdSq[k] / M - (sdSum[k] / M) ** 2 - 0.25)).to.be.lessThan(0.02);
    }
  });
});

describe("LKJ: transforms", () => {
  it("interval (LKJCorr) and cholesky-cov-packed round-trip, with log-Jacobians of backward matching finite differences", () => {
    const cases = [
      { t: transforms.multivariateInterval(-1, 1), x: [0.3, -0.6, 0.1], v: [0.4, -1.3, 2.1] },
      { t: transforms.choleskyCovPacked(3), x: [0.8, -0.3, 1.4, 0.2, -0.7, 0.5], v: [-0.2, 0.7, 0.3, -1.1, 0.4, 1.6] },
    ];
    for (const { t, x, v } of cases) {
      const xv = pt.tensor("x", { shape: [x.length] });
      const vv = pt.tensor("v", { shape: [v.length] });
      const fwd = pt.fn([xv], t.forward(xv));
      const bwd = pt.fn([vv], t.backward(vv));
      const ljd = pt.fn([vv], t.logJacDet(vv));
      data(bwd(data(fwd(x)))).forEach((y, i) => expect(Math.abs(y - x[i])).to.be.lessThan(1e-14));
      data(fwd(data(bwd(v)))).forEach((y, i) => expect(Math.abs(y - v[i])).to.be.lessThan(1e-14));
      const jac = jacobian((z) => data(bwd(Array.from(z))), Float64Array.from(v));
      const ours = ljd(v) as number;
      expect(typeof ours).to.equal("number");
      expect(Math.abs(ours - logAbsDet(jac, v.length)), t.name).to.be.lessThan(1e-8);
    }
    expect(transforms.choleskyCovPacked(3).name).to.equal("cholesky-cov-packed");
  });
});

describe("LKJ: gradients against finite differences", () => {
  function check(build: (eta: any, value: any) => any, eta: number, value: number[]) {
    const e = pt.scalar("eta");
    const typed = pt.tensor("x", { shape: [value.length] });
    const lp = build(e, typed);
    const [ge, gx] = pt.grad(lp, [e, typed]);
    const f = pt.fn([e, typed], [lp, ge, gx]);
    const flat = Float64Array.from([eta, ...value]);
    const [, a, b] = f(flat[0], Array.from(flat.slice(1))) as any[];
    const analytic = [a as number, ...data(b)];
    const fd = finiteDiffGrad((z) => (f(z[0], Array.from(z.slice(1))) as any[])[0], flat, 1e-5);
    analytic.forEach((g, i) => expect(Math.abs(g - fd[i]), `d/d[${i}] ${g} vs ${fd[i]}`).to.be.lessThan(1e-6 * Math.max(1, Math.abs(fd[i]))));
  }

  it("LKJCorr: in eta and the correlations", () => {
    check((eta, x) => logp(LKJCorr.dist(4, eta), x), 1.7, [0.1, 0.2, -0.3, 0.05, 0.4, -0.1]);
    check((eta, x) => logp(LKJCorr.dist(2, eta), x), 0.6, [0.45]);
  });

  it("LKJCholeskyCov: in eta and the packed factor", () => {
    check((eta, x) => logp(LKJCholeskyCov.dist({ eta, n: 3, sd_dist: HalfNormal.dist(2), compute_corr: false }), x), 2.5, [0.9, 0.2, 1.2, -0.3, 0.4, 0.6]);
  });
});

describe("LKJ: inside a model", () => {
  const Y = [
    [0.5, -0.3, 1.2],
    [0.1, 0.2, -0.4],
    [-0.8, 0.6, 0.3],
    [1.1, -0.2, 0.9],
  ];

  it("an MvNormal with an LKJCholeskyCov prior: PyMC's names, support point, Deterministics, logpGrad against finite differences", () => {
    const m = model(() => {
      const [chol] = LKJCholeskyCov("chol", { eta: 2, n: 3, sd_dist: Exponential.dist(1) });
      const mu = Normal("mu", 0, 1, { shape: [3] });
      MvNormal("y", mu, { chol, observed: Y });
    });
    expect(m.valueVars.map((v) => [v.name, v.shape, v.transform])).to.deep.equal([
      ["chol_cholesky-cov-packed__", [6], "cholesky-cov-packed"],
      ["mu", [3], null],
    ]);
    // support point: the identity factor (log diagonal 0)
    expect(data(m.initialPoint()["chol_cholesky-cov-packed__"])).to.deep.equal([0, 0, 0, 0, 0, 0]);
    const x = Float64Array.from([0.2, 0.3, -0.1, -0.4, 0.25, 0.15, 0.1, -0.2, 0.3]);
    const grad = new Float64Array(x.length);
    const lp = m.flat.logpGrad(x, grad);
    expect(Number.isFinite(lp)).to.equal(true);
    const fd = finiteDiffGrad((z) => m.flat.logp(z), x, 1e-6);
    grad.forEach((g, i) => expect(Math.abs(g - fd[i]), `d/dx[${i}]: ${g} vs ${fd[i]}`).to.be.lessThan(1e-6 * Math.max(1, Math.abs(fd[i]))));
    const d = m.draw({ seed: 3 }) as Record<string, any>;
    expect(Object.keys(d)).to.include.members(["chol", "chol_corr", "chol_stds", "mu", "y"]);
    expect(d.chol_corr.shape).to.deep.equal([3, 3]);
    [0, 4, 8].forEach((k) => expect(Math.abs(d.chol_corr.data[k] - 1)).to.be.lessThan(1e-12));
  });

  it("the joint logp in value space is LKJCholeskyCov's logp plus the cholesky-cov-packed Jacobian", () => {
    const mm = Model.build(() => {
      LKJCholeskyCov("c", { eta: 1.5, n: 2, sd_dist: HalfNormal.dist(1), compute_corr: false });
    });
    const v = [0.3, -0.4, -0.2];
    const packed = [Math.exp(0.3), -0.4, Math.exp(-0.2)];
    const direct = pt.eval(logp(LKJCholeskyCov.dist({ eta: 1.5, n: 2, sd_dist: HalfNormal.dist(1), compute_corr: false }), pt.constant(packed))) as number;
    expect(rel(mm.compileLogp()({ "c_cholesky-cov-packed__": v }) as number, direct + 0.3 - 0.2)).to.be.lessThan(1e-13);
  });

  it("LKJCorr: x_interval__ (PyMC's multivariate interval), support point zeros, return_matrix, logpGrad against finite differences", () => {
    const m = model(() => {
      const r = LKJCorr("r", 3, 2, { return_matrix: true });
      MvNormal("y", [0, 0, 0], r, { observed: Y });
    });
    expect(m.valueVars.map((v) => [v.name, v.shape, v.transform])).to.deep.equal([["r_interval__", [3], "interval"]]);
    expect(data(m.initialPoint().r_interval__)).to.deep.equal([0, 0, 0]);
    const x = Float64Array.from([0.3, -0.5, 0.2]);
    const grad = new Float64Array(3);
    m.flat.logpGrad(x, grad);
    const fd = finiteDiffGrad((z) => m.flat.logp(z), x, 1e-6);
    grad.forEach((g, i) => expect(Math.abs(g - fd[i])).to.be.lessThan(1e-6 * Math.max(1, Math.abs(fd[i]))));
    // a non positive definite point has no density
    expect(m.flat.logp(Float64Array.from([5, -5, 5]))).to.equal(-Infinity);
  });
});
