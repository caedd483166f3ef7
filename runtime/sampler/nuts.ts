// The multinomial No-U-Turn sampler with a diagonal metric, as Stan implements it
// (stan/mcmc/hmc/nuts/base_nuts.hpp; Betancourt 2017, "A Conceptual Introduction to Hamiltonian
// Monte Carlo"): the trajectory doubles forwards or backwards at random, each new subtree is built
// recursively, states are drawn from the trajectory with multinomial weights exp(-H) (biased
// progressive sampling between subtrees, uniform progressive sampling inside them), and the
// generalised no-U-turn criterion is checked across every merged subtree plus Stan's two extra
// checks between neighbouring subtrees. Everything runs on preallocated Float64Arrays, with no
// allocation per step (a pool of phase-space points holds the proposals, handed on by reference):
// the only calls out are to the compiled `logpGrad`. The arithmetic is Stan's, in Stan's order, so a
// seed gives the same draws bit for bit as the straightforward transcription this replaced.
import type { Stream } from "../random.js";

/** What the sampler needs of a model: the flat log density and its gradient. */
export interface Target {
  readonly size: number;
  /** Fills grad with the gradient of logp at x and returns logp. */
  logpGrad(x: Float64Array, grad: Float64Array): number;
}

/**
 * Copies of the short vectors NUTS keeps (a phase-space point is a few dozen numbers for most
 * models): a plain loop, which the JIT inlines, costs less than TypedArray#set's call below a
 * few dozen elements; beyond that, set (a memcpy).
 */
function copy(dst: Float64Array, src: Float64Array): void {
  const n = src.length;
  if (n > 32) {
    dst.set(src);
    return;
  }
  for (let i = 0; i < n; i++) dst[i] = src[i];
}

/** A point in phase space: position, momentum, the gradient of logp and the potential V = -logp. */
class PsPoint {
  readonly q: Float64Array;
  readonly p: Float64Array;
  readonly g: Float64Array;
  V = 0;
  constructor(n: number) {
    this.q = new Float64Array(n);
    this.p = new Float64Array(n);
    this.g = new Float64Array(n);
  }
  copyFrom(o: PsPoint): void {
    copy(this.q, o.q);
    copy(this.p, o.p);
    copy(this.g, o.g);
    this.V = o.V;
  }
}

/** Scratch buffers for one level of the recursion (Stan's locals in build_tree). */
class Level {
  readonly pSharpInitEnd: Float64Array;
  readonly pInitEnd: Float64Array;
  readonly rhoInit: Float64Array;
  readonly pFinalBeg: Float64Array;
  readonly pSharpFinalBeg: Float64Array;
  readonly rhoFinal: Float64Array;
  constructor(n: number) {
    this.pSharpInitEnd = new Float64Array(n);
    this.pInitEnd = new Float64Array(n);
    this.rhoInit = new Float64Array(n);
    this.pFinalBeg = new Float64Array(n);
    this.pSharpFinalBeg = new Float64Array(n);
    this.rhoFinal = new Float64Array(n);
  }
}

/** What one transition reports (Stan's sampler params, named as PyMC names them). */
export interface TransitionStats {
  lp: number;
  acceptanceRate: number;
  treeDepth: number;
  nSteps: number;
  diverging: boolean;
  energy: number;
  stepSize: number;
}

function logSumExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

export class Nuts {
  readonly n: number;
  /** Diagonal inverse metric (the posterior variance estimate); momenta are N(0, 1/invMetric). */
  readonly invMetric: Float64Array;
  /**
   * A dense inverse metric (the posterior covariance estimate, n × n row-major) and its lower
   * Cholesky factor, when set (Stan's dense_e_metric); null: the diagonal one above.
   */
  private dense: Float64Array | null = null;
  private denseChol: Float64Array | null = null;
  private readonly scratch: Float64Array;
  /** Nominal step size. */
  stepSize = 1;
  maxTreeDepth: number;
  maxDeltaH = 1000;

  private readonly target: Target;
  private readonly rng: Stream;
  /**
   * The points the current position, a transition's sample and its subtrees' proposals live in,
   * and those of them free: a proposal is handed on by reference, never copied, and goes back to
   * `free` when a multinomial draw passes it over.
   */
  private readonly pool: PsPoint[];
  private readonly free: PsPoint[] = [];
  private nFree = 0;
  /** The current position (the last draw). */
  private z: PsPoint;
  /**
   * The point the integrator moves, always the same arrays (logpGrad may keep views of its
   * argument), and where the trajectory's other end waits: the forward end is in zFwd unless
   * workEnd is 1, the backward one in zBck unless workEnd is -1 (0: work is both ends).
   */
  private readonly work: PsPoint;
  private readonly zFwd: PsPoint;
  private readonly zBck: PsPoint;
  private workEnd = 0;
  /** The step-size heuristic's starting point. */
  private readonly zInit: PsPoint;
  private readonly pFwdFwd: Float64Array;
  private readonly pSharpFwdFwd: Float64Array;
  private readonly pFwdBck: Float64Array;
  private readonly pSharpFwdBck: Float64Array;
  private readonly pBckFwd: Float64Array;
  private readonly pSharpBckFwd: Float64Array;
  private readonly pBckBck: Float64Array;
  private readonly pSharpBckBck: Float64Array;
  private readonly rho: Float64Array;
  private readonly rhoFwd: Float64Array;
  private readonly rhoBck: Float64Array;
  private readonly levels: Level[] = [];
  // Per-transition state buildTree reads and updates (Stan passes it by reference).
  private nLeapfrog = 0;
  private sumMetroProb = 0;
  private divergent = false;
  private H0 = 0;
  /** The signed step. */
  private eps = 0;
  /** The proposal and the log-sum-weight of the subtree buildTree last built. */
  private proposal: PsPoint;
  private lswTree = 0;

  constructor(target: Target, rng: Stream, opts: { maxTreeDepth?: number } = {}) {
    const n = target.size;
    this.n = n;
    this.target = target;
    this.rng = rng;
    this.maxTreeDepth = opts.maxTreeDepth ?? 10;
    this.invMetric = new Float64Array(n).fill(1);
    const v = () => new Float64Array(n);
    this.scratch = v();
    this.z = new PsPoint(n);
    this.pool = [this.z];
    this.proposal = this.z;
    this.work = new PsPoint(n);
    this.zFwd = new PsPoint(n);
    this.zBck = new PsPoint(n);
    this.zInit = new PsPoint(n);
    this.pFwdFwd = v();
    this.pSharpFwdFwd = v();
    this.pFwdBck = v();
    this.pSharpFwdBck = v();
    this.pBckFwd = v();
    this.pSharpBckFwd = v();
    this.pBckBck = v();
    this.pSharpBckBck = v();
    this.rho = v();
    this.rhoFwd = v();
    this.rhoBck = v();
  }

  /** The current position (the last draw). */
  get position(): Float64Array {
    return this.z.q;
  }

  /** Set the position and evaluate the density there; returns logp. */
  setPosition(q: ArrayLike<number>): number {
    this.z.q.set(q);
    this.z.V = -this.target.logpGrad(this.z.q, this.z.g);
    return -this.z.V;
  }

  /** The dense inverse metric (n × n), or null for the diagonal one. */
  get denseMetric(): Float64Array | null {
    return this.dense;
  }

  /** Use a dense inverse metric from now on (Stan's dense_e_metric); it must be positive definite. */
  setDenseMetric(cov: Float64Array): void {
    const n = this.n;
    const L = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      let d = cov[j * n + j];
      for (let k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
      if (!(d > 0)) throw new Error("NUTS: the dense metric estimate is not positive definite (check the model)");
      const ljj = Math.sqrt(d);
      L[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let t = cov[i * n + j];
        for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
        L[i * n + j] = t / ljj;
      }
    }
    this.dense = Float64Array.from(cov);
    this.denseChol = L;
  }

  /** out = M⁻¹ p with the dense metric. */
  private denseTimes(p: Float64Array, out: Float64Array): void {
    const m = this.dense!;
    const n = this.n;
    for (let i = 0; i < n; i++) {
      let t = 0;
      for (let j = 0, row = i * n; j < n; j++) t += m[row + j] * p[j];
      out[i] = t;
    }
  }

  // ---- the Hamiltonian (Stan's diag_e_metric, or dense_e_metric once a dense metric is set) ---

  /** The kinetic energy ½ pᵀM⁻¹p; leaves M⁻¹p (dtau/dp) in pSharp. */
  private kinetic(p: Float64Array, pSharp: Float64Array): number {
    const n = this.n;
    let t = 0;
    if (this.dense) {
      this.denseTimes(p, pSharp);
      for (let i = 0; i < n; i++) t += p[i] * pSharp[i];
      return 0.5 * t;
    }
    const m = this.invMetric;
    for (let i = 0; i < n; i++) {
      const pi = p[i];
      pSharp[i] = m[i] * pi;
      t += pi * pi * m[i];
    }
    return 0.5 * t;
  }

  private samplePMomentum(z: PsPoint): void {
    if (this.denseChol) {
      // p = L⁻ᵀ u, u ~ N(0, I): then cov(p) = (L Lᵀ)⁻¹ = M.
      const L = this.denseChol;
      const n = this.n;
      for (let i = 0; i < n; i++) z.p[i] = this.rng.normal();
      for (let i = n - 1; i >= 0; i--) {
        let t = z.p[i];
        for (let k = i + 1; k < n; k++) t -= L[k * n + i] * z.p[k];
        z.p[i] = t / L[i * n + i];
      }
      return;
    }
    const m = this.invMetric;
    for (let i = 0; i < this.n; i++) z.p[i] = this.rng.normal() / Math.sqrt(m[i]);
  }

  /**
   * One leapfrog step of z (Stan's expl_leapfrog: half kick, drift, half kick), the metric applied
   * inside the kicks' loops; leaves M⁻¹p in pSharp and returns the Hamiltonian at the new point
   * (Infinity where it is NaN).
   */
  private leapfrog(z: PsPoint, eps: number, pSharp: Float64Array): number {
    const n = this.n;
    const { q, p, g } = z;
    const m = this.invMetric;
    const dense = this.dense;
    const h = 0.5 * eps;
    if (dense) {
      for (let i = 0; i < n; i++) p[i] += h * g[i];
      this.denseTimes(p, pSharp);
      for (let i = 0; i < n; i++) q[i] += eps * pSharp[i];
    } else {
      for (let i = 0; i < n; i++) {
        const pi = p[i] + h * g[i];
        p[i] = pi;
        q[i] += eps * m[i] * pi;
      }
    }
    const lp = this.target.logpGrad(q, g);
    const V = Number.isNaN(lp) ? Infinity : -lp;
    z.V = V;
    let t = 0;
    if (dense) {
      for (let i = 0; i < n; i++) p[i] += h * g[i];
      this.denseTimes(p, pSharp);
      for (let i = 0; i < n; i++) t += p[i] * pSharp[i];
    } else {
      for (let i = 0; i < n; i++) {
        const pi = p[i] + h * g[i];
        p[i] = pi;
        pSharp[i] = m[i] * pi;
        t += pi * pi * m[i];
      }
    }
    const H = V + 0.5 * t;
    return Number.isNaN(H) ? Infinity : H;
  }

  /**
   * The generalised no-U-turn criterion across two merged neighbouring subtrees A (behind) and B
   * (ahead), plus Stan's two extra checks between them, in one pass: the merged rho is written to
   * rhoOut. sA0/sA1 are M⁻¹p at A's first/last point and pA1 the momentum at A's last point; sB0,
   * pB0 and sB1 likewise for B.
   */
  private merge(
    rhoA: Float64Array,
    rhoB: Float64Array,
    rhoOut: Float64Array,
    sA0: Float64Array,
    sA1: Float64Array,
    pA1: Float64Array,
    sB0: Float64Array,
    pB0: Float64Array,
    sB1: Float64Array,
  ): boolean {
    let aMerged = 0;
    let bMerged = 0;
    let aExtA = 0;
    let bExtA = 0;
    let aExtB = 0;
    let bExtB = 0;
    for (let i = 0; i < this.n; i++) {
      const rA = rhoA[i];
      const rB = rhoB[i];
      const r = rA + rB;
      rhoOut[i] = r;
      aMerged += sB1[i] * r;
      bMerged += sA0[i] * r;
      const extA = rA + pB0[i];
      aExtA += sB0[i] * extA;
      bExtA += sA0[i] * extA;
      const extB = rB + pA1[i];
      aExtB += sB1[i] * extB;
      bExtB += sA1[i] * extB;
    }
    return aMerged > 0 && bMerged > 0 && aExtA > 0 && bExtA > 0 && aExtB > 0 && bExtB > 0;
  }

  private level(depth: number): Level {
    while (this.levels.length <= depth) this.levels.push(new Level(this.n));
    return this.levels[depth];
  }

  /**
   * Stan's step-size heuristic (base_hmc::init_stepsize): double or halve the step until the
   * acceptance of one leapfrog step from a fresh momentum crosses 0.8.
   */
  initStepSize(): void {
    const z = this.z;
    const scratch = this.scratch;
    if (this.stepSize === 0 || this.stepSize > 1e7 || Number.isNaN(this.stepSize)) return;
    this.zInit.copyFrom(z);
    this.samplePMomentum(z);
    let H0 = z.V + this.kinetic(z.p, scratch);
    let deltaH = H0 - this.leapfrog(z, this.stepSize, scratch);
    const direction = deltaH > Math.log(0.8) ? 1 : -1;
    for (;;) {
      z.copyFrom(this.zInit);
      this.samplePMomentum(z);
      H0 = z.V + this.kinetic(z.p, scratch);
      deltaH = H0 - this.leapfrog(z, this.stepSize, scratch);
      if (direction === 1 && !(deltaH > Math.log(0.8))) break;
      else if (direction === -1 && !(deltaH < Math.log(0.8))) break;
      else this.stepSize = direction === 1 ? 2 * this.stepSize : 0.5 * this.stepSize;
      if (this.stepSize > 1e7) throw new Error("NUTS: the posterior is improper; the step size diverged during initialisation (check the model)");
      if (this.stepSize === 0) throw new Error("NUTS: no acceptably small step size could be found (check the model)");
    }
    z.copyFrom(this.zInit);
  }

  /** One NUTS transition from the current position; the new draw is left in `position`. */
  transition(stats: TransitionStats): void {
    const z = this.z;
    const eps = this.stepSize;
    const n = this.n;
    const { pFwdFwd, pSharpFwdFwd, pFwdBck, pSharpFwdBck, pBckFwd, pSharpBckFwd, pBckBck, pSharpBckBck, rho, rhoFwd, rhoBck } = this;
    this.samplePMomentum(z);
    // z.V and z.g are current for z.q (kept from the last transition or setPosition).
    const H0 = z.V + this.kinetic(z.p, pSharpFwdFwd);
    const p = z.p;
    for (let i = 0; i < n; i++) {
      const pi = p[i];
      pFwdFwd[i] = pi;
      pFwdBck[i] = pi;
      pBckFwd[i] = pi;
      pBckBck[i] = pi;
      rho[i] = pi;
      const si = pSharpFwdFwd[i];
      pSharpFwdBck[i] = si;
      pSharpBckFwd[i] = si;
      pSharpBckBck[i] = si;
    }
    // z is the sample, and (in work) both ends of the trajectory; every other point is free.
    const { pool, free } = this;
    let nFree = 0;
    for (let i = 0; i < pool.length; i++) if (pool[i] !== z) free[nFree++] = pool[i];
    this.nFree = nFree;
    let sample = z;
    this.work.copyFrom(z);
    this.workEnd = 0;

    let logSumWeight = 0;
    this.H0 = H0;
    this.nLeapfrog = 0;
    this.sumMetroProb = 0;
    this.divergent = false;
    let depth = 0;

    while (depth < this.maxTreeDepth) {
      let valid: boolean;
      if (this.rng.uniform() > 0.5) {
        // Extend the trajectory forwards from its forward end.
        copy(rhoBck, rho);
        copy(pBckFwd, pFwdBck);
        copy(pSharpBckFwd, pSharpFwdBck);
        this.moveWorkTo(1);
        this.eps = eps;
        valid = this.buildTree(depth, pSharpFwdBck, pSharpFwdFwd, rhoFwd, pFwdBck, pFwdFwd);
      } else {
        // Extend the trajectory backwards from its backward end.
        copy(rhoFwd, rho);
        copy(pFwdBck, pBckFwd);
        copy(pSharpFwdBck, pSharpBckFwd);
        this.moveWorkTo(-1);
        this.eps = -eps;
        valid = this.buildTree(depth, pSharpBckFwd, pSharpBckBck, rhoBck, pBckFwd, pBckBck);
      }
      if (!valid) break;
      ++depth;
      // Biased progressive sampling between the old trajectory and the new subtree.
      const lswSubtree = this.lswTree;
      if (lswSubtree > logSumWeight || this.rng.uniform() < Math.exp(lswSubtree - logSumWeight)) {
        this.release(sample);
        sample = this.proposal;
      } else {
        this.release(this.proposal);
      }
      logSumWeight = logSumExp(logSumWeight, lswSubtree);
      if (!this.merge(rhoBck, rhoFwd, rho, pSharpBckBck, pSharpBckFwd, pBckFwd, pSharpFwdBck, pFwdBck, pSharpFwdFwd)) break;
    }

    this.z = sample;
    stats.lp = -sample.V;
    stats.acceptanceRate = this.nLeapfrog > 0 ? this.sumMetroProb / this.nLeapfrog : 0;
    stats.treeDepth = depth;
    stats.nSteps = this.nLeapfrog;
    stats.diverging = this.divergent;
    stats.energy = sample.V + this.kinetic(sample.p, this.scratch);
    stats.stepSize = eps;
  }

  /** Bring the trajectory's end in direction `end` (1 forwards, -1 backwards) into work. */
  private moveWorkTo(end: 1 | -1): void {
    const { work, zFwd, zBck } = this;
    if (this.workEnd === end) return;
    // Park the end work is at; fetch the other unless work was both.
    (end === 1 ? zBck : zFwd).copyFrom(work);
    if (this.workEnd !== 0) work.copyFrom(end === 1 ? zFwd : zBck);
    this.workEnd = end;
  }

  /** A free point of the pool (a new one when none is free). */
  private take(): PsPoint {
    if (this.nFree > 0) return this.free[--this.nFree];
    const z = new PsPoint(this.n);
    this.pool.push(z);
    return z;
  }

  private release(z: PsPoint): void {
    this.free[this.nFree++] = z;
  }

  /**
   * Stan's build_tree: 2^depth leapfrog steps of `eps` from work, which is left at the new end.
   * rho, pBeg/pEnd and their sharps are written for the caller, the proposal is left in
   * `proposal` and the subtree's log-sum-weight in lswTree. Each output is written once, so
   * (unlike Stan) nothing needs zeroing: x where Stan has 0 + x, which differ only in the sign of a
   * zero, and no sum compared with 0 sees that. An invalid subtree ends the transition, and the
   * next one frees the whole pool: the proposals it still holds do not matter.
   */
  private buildTree(depth: number, pSharpBeg: Float64Array, pSharpEnd: Float64Array, rho: Float64Array, pBeg: Float64Array, pEnd: Float64Array): boolean {
    if (depth === 0) {
      if (!this.leaf(pSharpBeg, pBeg)) return false;
      copy(pSharpEnd, pSharpBeg);
      copy(pEnd, pBeg);
      copy(rho, pBeg);
      return true;
    }
    if (depth === 1) return this.pair(pSharpBeg, pSharpEnd, rho, pBeg, pEnd);

    const L = this.level(depth);
    // The initial subtree, then the final one.
    if (!this.buildTree(depth - 1, pSharpBeg, L.pSharpInitEnd, L.rhoInit, pBeg, L.pInitEnd)) return false;
    const lswInit = this.lswTree;
    const proposalInit = this.proposal;
    if (!this.buildTree(depth - 1, L.pSharpFinalBeg, pSharpEnd, L.rhoFinal, L.pFinalBeg, pEnd)) return false;
    this.choose(lswInit, proposalInit);
    return this.merge(L.rhoInit, L.rhoFinal, rho, pSharpBeg, L.pSharpInitEnd, L.pInitEnd, L.pSharpFinalBeg, L.pFinalBeg, pSharpEnd);
  }

  /**
   * A subtree of two leaves (half of all subtrees). There a leaf's rho, first and last momentum
   * are one vector, so the three checks of `merge` all reduce to the same two sums over
   * rho = pBeg + pEnd (pEnd + pBeg for the third, the same number): two dot products, not six.
   */
  private pair(pSharpBeg: Float64Array, pSharpEnd: Float64Array, rho: Float64Array, pBeg: Float64Array, pEnd: Float64Array): boolean {
    if (!this.leaf(pSharpBeg, pBeg)) return false;
    const lswInit = this.lswTree;
    const proposalInit = this.proposal;
    if (!this.leaf(pSharpEnd, pEnd)) return false;
    this.choose(lswInit, proposalInit);
    let a = 0;
    let b = 0;
    for (let i = 0, n = this.n; i < n; i++) {
      const r = pBeg[i] + pEnd[i];
      rho[i] = r;
      a += pSharpEnd[i] * r;
      b += pSharpBeg[i] * r;
    }
    return a > 0 && b > 0;
  }

  /**
   * One leapfrog step of work, with its accounting (Stan's build_tree at depth 0): M⁻¹p goes to
   * pSharp, p to pOut, a copy of the point to a free point of the pool as the proposal.
   */
  private leaf(pSharp: Float64Array, pOut: Float64Array): boolean {
    const z = this.work;
    const h = this.leapfrog(z, this.eps, pSharp);
    ++this.nLeapfrog;
    if (h - this.H0 > this.maxDeltaH) this.divergent = true;
    const logWeight = this.H0 - h;
    this.lswTree = logWeight;
    this.sumMetroProb += logWeight > 0 ? 1 : Math.exp(logWeight);
    if (this.divergent) return false;
    const zPropose = this.take();
    const { q, p, g } = z;
    const { q: qP, p: pP, g: gP } = zPropose;
    for (let i = 0, n = this.n; i < n; i++) {
      const pi = p[i];
      pOut[i] = pi;
      qP[i] = q[i];
      pP[i] = pi;
      gP[i] = g[i];
    }
    zPropose.V = z.V;
    this.proposal = zPropose;
    return true;
  }

  /**
   * Multinomial sample between a subtree's two halves (uniform progressive sampling): the final
   * half's proposal (in `proposal`) or the initial half's; lswTree becomes the subtree's.
   */
  private choose(lswInit: number, proposalInit: PsPoint): void {
    const lswFinal = this.lswTree;
    const lswSubtree = logSumExp(lswInit, lswFinal);
    this.lswTree = lswSubtree;
    if (lswFinal > lswSubtree || this.rng.uniform() < Math.exp(lswFinal - lswSubtree)) {
      this.release(proposalInit);
    } else {
      this.release(this.proposal);
      this.proposal = proposalInit;
    }
  }
}
