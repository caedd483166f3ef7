// The NUTS of runtime/sampler/nuts.ts as it was first written: a straightforward transcription of
// Stan's base_nuts.hpp (recursive build_tree with its locals, phase-space points copied wherever
// Stan copies them, the three U-turn checks as three passes). test/nuts-lean.test.ts holds the lean
// sampler to it: the same seed must give the same draws and statistics, bit for bit.
// The multinomial No-U-Turn sampler with a diagonal metric, as Stan implements it
// (stan/mcmc/hmc/nuts/base_nuts.hpp; Betancourt 2017, "A Conceptual Introduction to Hamiltonian
// Monte Carlo"): the trajectory doubles forwards or backwards at random, each new subtree is built
// recursively, states are drawn from the trajectory with multinomial weights exp(-H) (biased
// progressive sampling between subtrees, uniform progressive sampling inside them), and the
// generalised no-U-turn criterion is checked across every merged subtree plus Stan's two extra
// checks between neighbouring subtrees. Everything runs on preallocated Float64Arrays: the only
// calls out are to the compiled `logpGrad`.
import type { Stream } from "../../runtime/random.js";

/** What the sampler needs of a model: the flat log density and its gradient. */
interface Target {
  readonly size: number;
  /** Fills grad with the gradient of logp at x and returns logp. */
  logpGrad(x: Float64Array, grad: Float64Array): number;
}

/** A point in phase space: position, momentum, the gradient of logp and the potential V = -logp. */
/**
 * Copies and fills of the short vectors NUTS keeps (a phase-space point is a few dozen numbers for
 * most models): a plain loop, which the JIT inlines, costs less than TypedArray#set's call below a
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

function zero(a: Float64Array): void {
  const n = a.length;
  if (n > 32) {
    a.fill(0);
    return;
  }
  for (let i = 0; i < n; i++) a[i] = 0;
}

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
  readonly rhoSubtree: Float64Array;
  readonly zProposeFinal: PsPoint;
  constructor(n: number) {
    this.pSharpInitEnd = new Float64Array(n);
    this.pInitEnd = new Float64Array(n);
    this.rhoInit = new Float64Array(n);
    this.pFinalBeg = new Float64Array(n);
    this.pSharpFinalBeg = new Float64Array(n);
    this.rhoFinal = new Float64Array(n);
    this.rhoSubtree = new Float64Array(n);
    this.zProposeFinal = new PsPoint(n);
  }
}

/** What one transition reports (Stan's sampler params, named as PyMC names them). */
interface TransitionStats {
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
  /** The working point the integrator moves. */
  private readonly z: PsPoint;
  private readonly zFwd: PsPoint;
  private readonly zBck: PsPoint;
  private readonly zSample: PsPoint;
  private readonly zPropose: PsPoint;
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
  private readonly rhoExtended: Float64Array;
  private readonly levels: Level[];
  // Per-transition accumulators (Stan passes them by reference).
  private nLeapfrog = 0;
  private sumMetroProb = 0;
  private divergent = false;
  private readonly lsw: Float64Array;

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
    this.zFwd = new PsPoint(n);
    this.zBck = new PsPoint(n);
    this.zSample = new PsPoint(n);
    this.zPropose = new PsPoint(n);
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
    this.rhoExtended = v();
    this.levels = [];
    // Log-sum-weight slots: [top subtree, then init/final per level].
    this.lsw = new Float64Array(2 + 2 * 64);
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

  private kinetic(p: Float64Array): number {
    if (this.dense) {
      this.denseTimes(p, this.scratch);
      let t = 0;
      for (let i = 0; i < this.n; i++) t += p[i] * this.scratch[i];
      return 0.5 * t;
    }
    const m = this.invMetric;
    let t = 0;
    for (let i = 0; i < this.n; i++) t += p[i] * p[i] * m[i];
    return 0.5 * t;
  }

  private H(z: PsPoint): number {
    return z.V + this.kinetic(z.p);
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

  /** dtau/dp = M^{-1} p. */
  private pSharp(p: Float64Array, out: Float64Array): void {
    if (this.dense) return this.denseTimes(p, out);
    const m = this.invMetric;
    for (let i = 0; i < this.n; i++) out[i] = m[i] * p[i];
  }

  /** One leapfrog step (Stan's expl_leapfrog): half kick, drift, half kick. */
  private evolve(z: PsPoint, eps: number): void {
    const n = this.n;
    const { q, p, g } = z;
    const m = this.invMetric;
    const h = 0.5 * eps;
    for (let i = 0; i < n; i++) p[i] += h * g[i];
    if (this.dense) {
      this.denseTimes(p, this.scratch);
      for (let i = 0; i < n; i++) q[i] += eps * this.scratch[i];
    } else {
      for (let i = 0; i < n; i++) q[i] += eps * m[i] * p[i];
    }
    const lp = this.target.logpGrad(q, g);
    z.V = Number.isNaN(lp) ? Infinity : -lp;
    for (let i = 0; i < n; i++) p[i] += h * g[i];
  }

  private criterion(pSharpMinus: Float64Array, pSharpPlus: Float64Array, rho: Float64Array): boolean {
    let a = 0;
    let b = 0;
    for (let i = 0; i < this.n; i++) {
      a += pSharpPlus[i] * rho[i];
      b += pSharpMinus[i] * rho[i];
    }
    return a > 0 && b > 0;
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
    if (this.stepSize === 0 || this.stepSize > 1e7 || Number.isNaN(this.stepSize)) return;
    this.zInit.copyFrom(z);
    this.samplePMomentum(z);
    let H0 = this.H(z);
    this.evolve(z, this.stepSize);
    let h = this.H(z);
    if (Number.isNaN(h)) h = Infinity;
    let deltaH = H0 - h;
    const direction = deltaH > Math.log(0.8) ? 1 : -1;
    for (;;) {
      z.copyFrom(this.zInit);
      this.samplePMomentum(z);
      H0 = this.H(z);
      this.evolve(z, this.stepSize);
      h = this.H(z);
      if (Number.isNaN(h)) h = Infinity;
      deltaH = H0 - h;
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
    this.samplePMomentum(z);
    // z.V and z.g are current for z.q (kept from the last transition or setPosition).
    this.zFwd.copyFrom(z);
    this.zBck.copyFrom(z);
    this.zSample.copyFrom(z);
    this.zPropose.copyFrom(z);

    const { pFwdFwd, pSharpFwdFwd, pFwdBck, pSharpFwdBck, pBckFwd, pSharpBckFwd, pBckBck, pSharpBckBck } = this;
    copy(pFwdFwd, z.p);
    this.pSharp(z.p, pSharpFwdFwd);
    copy(pFwdBck, z.p);
    copy(pSharpFwdBck, pSharpFwdFwd);
    copy(pBckFwd, z.p);
    copy(pSharpBckFwd, pSharpFwdFwd);
    copy(pBckBck, z.p);
    copy(pSharpBckBck, pSharpFwdFwd);
    const rho = this.rho;
    copy(rho, z.p);

    let logSumWeight = 0;
    const H0 = this.H(z);
    this.nLeapfrog = 0;
    this.sumMetroProb = 0;
    this.divergent = false;
    let depth = 0;
    const { rhoFwd, rhoBck, rhoExtended, lsw } = this;
    const n = this.n;

    while (depth < this.maxTreeDepth) {
      zero(rhoFwd);
      zero(rhoBck);
      let valid: boolean;
      lsw[0] = -Infinity;
      if (this.rng.uniform() > 0.5) {
        // Extend the trajectory forwards.
        z.copyFrom(this.zFwd);
        copy(rhoBck, rho);
        copy(pBckFwd, pFwdBck);
        copy(pSharpBckFwd, pSharpFwdBck);
        valid = this.buildTree(depth, this.zPropose, pSharpFwdBck, pSharpFwdFwd, rhoFwd, pFwdBck, pFwdFwd, H0, 1, eps, 0);
        this.zFwd.copyFrom(z);
      } else {
        // Extend the trajectory backwards.
        z.copyFrom(this.zBck);
        copy(rhoFwd, rho);
        copy(pFwdBck, pBckFwd);
        copy(pSharpFwdBck, pSharpBckFwd);
        valid = this.buildTree(depth, this.zPropose, pSharpBckFwd, pSharpBckBck, rhoBck, pBckFwd, pBckBck, H0, -1, eps, 0);
        this.zBck.copyFrom(z);
      }
      if (!valid) break;
      ++depth;
      const lswSubtree = lsw[0];
      if (lswSubtree > logSumWeight) {
        this.zSample.copyFrom(this.zPropose);
      } else {
        const acceptProb = Math.exp(lswSubtree - logSumWeight);
        if (this.rng.uniform() < acceptProb) this.zSample.copyFrom(this.zPropose);
      }
      logSumWeight = logSumExp(logSumWeight, lswSubtree);
      for (let i = 0; i < n; i++) rho[i] = rhoBck[i] + rhoFwd[i];
      // Demand satisfaction around the merged subtrees...
      let persist = this.criterion(pSharpBckBck, pSharpFwdFwd, rho);
      // ...and between them (Stan's extra checks).
      for (let i = 0; i < n; i++) rhoExtended[i] = rhoBck[i] + pFwdBck[i];
      persist = persist && this.criterion(pSharpBckBck, pSharpFwdBck, rhoExtended);
      for (let i = 0; i < n; i++) rhoExtended[i] = rhoFwd[i] + pBckFwd[i];
      persist = persist && this.criterion(pSharpBckFwd, pSharpFwdFwd, rhoExtended);
      if (!persist) break;
    }

    z.copyFrom(this.zSample);
    stats.lp = -z.V;
    stats.acceptanceRate = this.nLeapfrog > 0 ? this.sumMetroProb / this.nLeapfrog : 0;
    stats.treeDepth = depth;
    stats.nSteps = this.nLeapfrog;
    stats.diverging = this.divergent;
    stats.energy = this.H(z);
    stats.stepSize = eps;
  }

  /**
   * Stan's build_tree. The subtree's log-sum-weight accumulates into lsw[slot]; rho, pBeg/pEnd
   * and their sharps are written for the caller; the proposal is left in zPropose.
   */
  private buildTree(
    depth: number,
    zPropose: PsPoint,
    pSharpBeg: Float64Array,
    pSharpEnd: Float64Array,
    rho: Float64Array,
    pBeg: Float64Array,
    pEnd: Float64Array,
    H0: number,
    sign: number,
    eps: number,
    slot: number,
  ): boolean {
    const z = this.z;
    const n = this.n;
    const lsw = this.lsw;
    if (depth === 0) {
      this.evolve(z, sign * eps);
      ++this.nLeapfrog;
      let h = this.H(z);
      if (Number.isNaN(h)) h = Infinity;
      if (h - H0 > this.maxDeltaH) this.divergent = true;
      lsw[slot] = logSumExp(lsw[slot], H0 - h);
      if (H0 - h > 0) this.sumMetroProb += 1;
      else this.sumMetroProb += Math.exp(H0 - h);
      zPropose.copyFrom(z);
      this.pSharp(z.p, pSharpBeg);
      copy(pSharpEnd, pSharpBeg);
      for (let i = 0; i < n; i++) rho[i] += z.p[i];
      copy(pBeg, z.p);
      copy(pEnd, z.p);
      return !this.divergent;
    }

    const L = this.level(depth);
    const slotInit = 2 + 2 * depth;
    const slotFinal = slotInit + 1;

    // The initial subtree.
    lsw[slotInit] = -Infinity;
    zero(L.rhoInit);
    const validInit = this.buildTree(depth - 1, zPropose, pSharpBeg, L.pSharpInitEnd, L.rhoInit, pBeg, L.pInitEnd, H0, sign, eps, slotInit);
    if (!validInit) return false;

    // The final subtree.
    const zFinal = L.zProposeFinal;
    zFinal.copyFrom(z);
    lsw[slotFinal] = -Infinity;
    zero(L.rhoFinal);
    const validFinal = this.buildTree(depth - 1, zFinal, L.pSharpFinalBeg, pSharpEnd, L.rhoFinal, L.pFinalBeg, pEnd, H0, sign, eps, slotFinal);
    if (!validFinal) return false;

    // Multinomial sample from the right subtree (uniform progressive sampling).
    const lswInit = lsw[slotInit];
    const lswFinal = lsw[slotFinal];
    const lswSubtree = logSumExp(lswInit, lswFinal);
    lsw[slot] = logSumExp(lsw[slot], lswSubtree);
    if (lswFinal > lswSubtree) {
      zPropose.copyFrom(zFinal);
    } else {
      const acceptProb = Math.exp(lswFinal - lswSubtree);
      if (this.rng.uniform() < acceptProb) zPropose.copyFrom(zFinal);
    }

    const rhoSubtree = L.rhoSubtree;
    for (let i = 0; i < n; i++) {
      rhoSubtree[i] = L.rhoInit[i] + L.rhoFinal[i];
      rho[i] += rhoSubtree[i];
    }
    // Demand satisfaction around the merged subtrees...
    let persist = this.criterion(pSharpBeg, pSharpEnd, rhoSubtree);
    // ...and between them.
    const rhoExtended = this.rhoExtended;
    for (let i = 0; i < n; i++) rhoExtended[i] = L.rhoInit[i] + L.pFinalBeg[i];
    persist = persist && this.criterion(pSharpBeg, L.pSharpFinalBeg, rhoExtended);
    for (let i = 0; i < n; i++) rhoExtended[i] = L.rhoFinal[i] + L.pInitEnd[i];
    persist = persist && this.criterion(L.pSharpInitEnd, pSharpEnd, rhoExtended);
    return persist;
  }
}
