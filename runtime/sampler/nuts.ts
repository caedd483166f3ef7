// The multinomial No-U-Turn sampler with a diagonal metric, as Stan implements it
// (stan/mcmc/hmc/nuts/base_nuts.hpp; Betancourt 2017, "A Conceptual Introduction to Hamiltonian
// Monte Carlo"): the trajectory doubles forwards or backwards at random, each new subtree is built
// recursively, states are drawn from the trajectory with multinomial weights exp(-H) (biased
// progressive sampling between subtrees, uniform progressive sampling inside them), and the
// generalised no-U-turn criterion is checked across every merged subtree plus Stan's two extra
// checks between neighbouring subtrees. Every vector lives in one preallocated Float64Array (the
// arena, `buf`), and a pool of phase-space points holds the proposals, handed on by reference, so
// a warm chain allocates nothing of its own: what remains is a boxed number where a call that
// returns one is not inlined (logpGrad's result; a uniform draw where the JIT's inlining budget ran
// out). The only calls out are to the compiled `logpGrad`.
//
// One departure from Stan's arithmetic: the multinomial weights are kept in linear scale,
// exp(Href - H) against a reference energy Href (the transition's initial H, lowered when a point
// falls more than WEIGHT_RANGE below it, so that no weight overflows), where Stan keeps log-sum-
// weights. A merge then adds two weights and draws with probability wFinal / wSubtree, where Stan
// takes a log1p and two exps; each leaf's one exp also gives its acceptance statistic. The
// probabilities are the same numbers up to rounding, so a decision can differ from Stan's only when
// a uniform falls within a few ulps of its threshold (about 1e-16 per decision): for the seeds of
// test/nuts-lean.test.ts the draws are still those of the straightforward transcription this
// replaced, bit for bit, and the posterior moments are checked against closed forms besides.
import type { Stream } from "../random.js";

/** What the sampler needs of a model: the flat log density and its gradient. */
export interface Target {
  readonly size: number;
  /** Fills grad with the gradient of logp at x and returns logp. */
  logpGrad(x: Float64Array, grad: Float64Array): number;
}

/**
 * A point in phase space: where its position, momentum and gradient of logp start in the
 * sampler's arena, and its potential V = -logp.
 */
class PsPoint {
  readonly q: number;
  /** Not fixed: work and the trajectory's parked ends trade momenta by swapping offsets. */
  p: number;
  readonly g: number;
  V = 0;
  constructor(q: number, p: number, g: number) {
    this.q = q;
    this.p = p;
    this.g = g;
  }
}

/**
 * Scratch vectors for one level of the recursion (Stan's locals in build_tree), as arena offsets,
 * and the initial half's weight and proposal while the final half is built (here rather than in
 * locals, so that a rescaling of the weights reaches them).
 */
class Level {
  readonly pSharpInitEnd: number;
  readonly pInitEnd: number;
  readonly rhoInit: number;
  readonly pFinalBeg: number;
  readonly pSharpFinalBeg: number;
  readonly rhoFinal: number;
  wInit = 0;
  proposalInit: PsPoint;
  constructor(vectors: number[], placeholder: PsPoint) {
    this.proposalInit = placeholder;
    [this.pSharpInitEnd, this.pInitEnd, this.rhoInit, this.pFinalBeg, this.pSharpFinalBeg, this.rhoFinal] = vectors;
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

/**
 * How far (in energy) a point may fall below the reference before the weights are rescaled:
 * exp(500) leaves room for the sum of 2^10 leaves, and rescaling happens only far from
 * equilibrium (early warmup from a poor start).
 */
const WEIGHT_RANGE = 500;

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
  /** Nominal step size. */
  stepSize = 1;
  maxTreeDepth: number;
  maxDeltaH = 1000;

  private readonly target: Target;
  private readonly rng: Stream;
  /**
   * Every vector the sampler keeps, n numbers each at an offset (a multiple of n) of one array:
   * a loop over several vectors then reads one typed array, and the JIT checks that array once per
   * iteration instead of once per vector (it does not hoist those checks out of loops). Grown by
   * half when a deeper tree needs more vectors (a tree of depth 10 holds about 130); code reads
   * `this.buf` again after anything that may grow it (take, level).
   */
  private buf: Float64Array;
  private used = 0;
  /** Views of work's position and gradient, what logpGrad is handed (made again when buf grows). */
  private qView: Float64Array;
  private gView: Float64Array;
  /** The current position, copied out of the arena (what `position` returns). */
  private readonly current: Float64Array;
  /** A copy of invMetric in the arena, refreshed at each transition and step-size search. */
  private readonly metric: number;
  private readonly scratch: number;
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
   * The point the integrator moves (its position and gradient are what qView and gView show), and
   * where the trajectory's other end waits: the forward end is in zFwd unless workEnd is 1, the
   * backward one in zBck unless workEnd is -1 (0: work is both ends).
   */
  private readonly work: PsPoint;
  private readonly zFwd: PsPoint;
  private readonly zBck: PsPoint;
  private workEnd = 0;
  /** The step-size heuristic's starting point. */
  private readonly zInit: PsPoint;
  /**
   * The top level's momenta, M⁻¹p and rho (Stan's p_fwd_bck, p_sharp_fwd_bck, ...): a transition
   * swaps them among its locals where Stan copies one into another, so they are only vectors here.
   */
  private readonly topVectors: number[];
  private readonly levels: Level[] = [];
  // Per-transition state buildTree reads and updates (Stan passes it by reference).
  private nLeapfrog = 0;
  private sumMetroProb = 0;
  private divergent = false;
  private H0 = 0;
  /** The reference energy of the weights exp(Href - H). */
  private Href = 0;
  /** The weight of the trajectory so far (Stan's exp(log_sum_weight), against Href). */
  private wTotal = 0;
  /** The signed step. */
  private eps = 0;
  /** The Hamiltonian at the point the last leapfrog step reached. */
  private hLast = 0;
  /** The proposal and the weight of the subtree buildTree last built. */
  private proposal: PsPoint;
  private wTree = 0;

  constructor(target: Target, rng: Stream, opts: { maxTreeDepth?: number } = {}) {
    const n = target.size;
    this.n = n;
    this.target = target;
    this.rng = rng;
    this.maxTreeDepth = opts.maxTreeDepth ?? 10;
    this.invMetric = new Float64Array(n).fill(1);
    this.current = new Float64Array(n);
    // Room for the 28 vectors made here and a tree of depth 2; deeper trees grow it.
    this.buf = new Float64Array(n * 40);
    this.work = this.point();
    this.qView = this.buf.subarray(this.work.q, this.work.q + n);
    this.gView = this.buf.subarray(this.work.g, this.work.g + n);
    this.metric = this.vector();
    this.scratch = this.vector();
    this.z = this.point();
    this.pool = [this.z];
    this.proposal = this.z;
    this.zFwd = this.point();
    this.zBck = this.point();
    this.zInit = this.point();
    this.topVectors = Array.from({ length: 11 }, () => this.vector());
  }

  /** A new vector of the arena (its offset). */
  private vector(): number {
    const n = this.n;
    if (this.used + n > this.buf.length) {
      const grown = new Float64Array(n * Math.ceil((1.5 * this.buf.length) / n));
      grown.set(this.buf);
      this.buf = grown;
      const { q, g } = this.work;
      this.qView = grown.subarray(q, q + n);
      this.gView = grown.subarray(g, g + n);
    }
    const offset = this.used;
    this.used += n;
    return offset;
  }

  private point(): PsPoint {
    const q = this.vector();
    const p = this.vector();
    return new PsPoint(q, p, this.vector());
  }

  /**
   * Copies of the short vectors NUTS keeps (a phase-space point is a few dozen numbers for most
   * models): a plain loop costs less than copyWithin's call below a few dozen elements; beyond
   * that, copyWithin (a memmove).
   */
  private copy(dst: number, src: number): void {
    const n = this.n;
    const buf = this.buf;
    if (n > 32) {
      buf.copyWithin(dst, src, src + n);
      return;
    }
    for (let i = 0; i < n; i++) buf[dst + i] = buf[src + i];
  }

  private copyPoint(dst: PsPoint, src: PsPoint): void {
    this.copy(dst.q, src.q);
    this.copy(dst.p, src.p);
    this.copy(dst.g, src.g);
    dst.V = src.V;
  }

  /** The current position (the last draw). */
  get position(): Float64Array {
    return this.current;
  }

  /** Set the position and evaluate the density there; returns logp. */
  setPosition(q: ArrayLike<number>): number {
    this.current.set(q);
    this.buf.set(this.current, this.work.q);
    const lp = this.target.logpGrad(this.qView, this.gView);
    this.work.V = -lp;
    this.copyPoint(this.z, this.work);
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

  /** out = M⁻¹ p with the dense metric (arena offsets). */
  private denseTimes(p: number, out: number): void {
    const m = this.dense!;
    const buf = this.buf;
    const n = this.n;
    for (let i = 0; i < n; i++) {
      let t = 0;
      for (let j = 0, row = i * n; j < n; j++) t += m[row + j] * buf[p + j];
      buf[out + i] = t;
    }
  }

  // ---- the Hamiltonian (Stan's diag_e_metric, or dense_e_metric once a dense metric is set) ---

  /** The kinetic energy ½ pᵀM⁻¹p; leaves M⁻¹p (dtau/dp) in pSharp. */
  private kinetic(p: number, pSharp: number): number {
    const n = this.n;
    const buf = this.buf;
    let t = 0;
    if (this.dense) {
      this.denseTimes(p, pSharp);
      for (let i = 0; i < n; i++) t += buf[p + i] * buf[pSharp + i];
      return 0.5 * t;
    }
    const m = this.metric;
    for (let i = 0; i < n; i++) {
      const pi = buf[p + i];
      buf[pSharp + i] = buf[m + i] * pi;
      t += pi * pi * buf[m + i];
    }
    return 0.5 * t;
  }

  private samplePMomentum(z: PsPoint): void {
    const n = this.n;
    const buf = this.buf;
    const p = z.p;
    if (this.denseChol) {
      // p = L⁻ᵀ u, u ~ N(0, I): then cov(p) = (L Lᵀ)⁻¹ = M.
      const L = this.denseChol;
      for (let i = 0; i < n; i++) buf[p + i] = this.rng.normal();
      for (let i = n - 1; i >= 0; i--) {
        let t = buf[p + i];
        for (let k = i + 1; k < n; k++) t -= L[k * n + i] * buf[p + k];
        buf[p + i] = t / L[i * n + i];
      }
      return;
    }
    const m = this.metric;
    for (let i = 0; i < n; i++) buf[p + i] = this.rng.normal() / Math.sqrt(buf[m + i]);
  }

  /**
   * One leapfrog step of `eps` from work (Stan's expl_leapfrog: half kick, drift, half kick), the
   * metric applied inside the kicks' loops; leaves M⁻¹p in pSharp, the Hamiltonian at the new
   * point in hLast (Infinity where it is NaN), and copies of the new point in `out` and of its
   * momentum in pOut (what a leaf keeps, written in the last kick's loop).
   */
  private leapfrog(pSharp: number, out: PsPoint, pOut: number): void {
    const n = this.n;
    const buf = this.buf;
    const eps = this.eps;
    const z = this.work;
    const { q, p, g } = z;
    const { q: qOut, p: pOutPoint, g: gOut } = out;
    const m = this.metric;
    const dense = this.dense;
    const h = 0.5 * eps;
    if (dense) {
      for (let i = 0; i < n; i++) buf[p + i] += h * buf[g + i];
      this.denseTimes(p, pSharp);
      for (let i = 0; i < n; i++) buf[q + i] += eps * buf[pSharp + i];
    } else {
      for (let i = 0; i < n; i++) {
        const pi = buf[p + i] + h * buf[g + i];
        buf[p + i] = pi;
        buf[q + i] += eps * buf[m + i] * pi;
      }
    }
    const lp = this.target.logpGrad(this.qView, this.gView);
    // Number.POSITIVE_INFINITY, not the global Infinity: with the global, the JIT keeps the
    // choice a tagged value and boxes every V and H (two allocations a step).
    const V = Number.isNaN(lp) ? Number.POSITIVE_INFINITY : -lp;
    z.V = V;
    out.V = V;
    let t = 0;
    if (dense) {
      for (let i = 0; i < n; i++) buf[p + i] += h * buf[g + i];
      this.denseTimes(p, pSharp);
      for (let i = 0; i < n; i++) {
        const pi = buf[p + i];
        t += pi * buf[pSharp + i];
        buf[pOut + i] = pi;
        buf[qOut + i] = buf[q + i];
        buf[pOutPoint + i] = pi;
        buf[gOut + i] = buf[g + i];
      }
    } else {
      for (let i = 0; i < n; i++) {
        const pi = buf[p + i] + h * buf[g + i];
        const mi = buf[m + i];
        buf[p + i] = pi;
        buf[pSharp + i] = mi * pi;
        t += pi * pi * mi;
        buf[pOut + i] = pi;
        buf[qOut + i] = buf[q + i];
        buf[pOutPoint + i] = pi;
        buf[gOut + i] = buf[g + i];
      }
    }
    const H = V + 0.5 * t;
    this.hLast = Number.isNaN(H) ? Number.POSITIVE_INFINITY : H;
  }

  /**
   * The generalised no-U-turn criterion across two merged neighbouring subtrees A (behind) and B
   * (ahead), plus Stan's two extra checks between them, in one pass: the merged rho is written to
   * rhoOut. sA0/sA1 are M⁻¹p at A's first/last point and pA1 the momentum at A's last point; sB0,
   * pB0 and sB1 likewise for B (all arena offsets).
   */
  private merge(rhoA: number, rhoB: number, rhoOut: number, sA0: number, sA1: number, pA1: number, sB0: number, pB0: number, sB1: number): boolean {
    const buf = this.buf;
    let aMerged = 0;
    let bMerged = 0;
    let aExtA = 0;
    let bExtA = 0;
    let aExtB = 0;
    let bExtB = 0;
    for (let i = 0, n = this.n; i < n; i++) {
      const rA = buf[rhoA + i];
      const rB = buf[rhoB + i];
      const r = rA + rB;
      buf[rhoOut + i] = r;
      aMerged += buf[sB1 + i] * r;
      bMerged += buf[sA0 + i] * r;
      const extA = rA + buf[pB0 + i];
      aExtA += buf[sB0 + i] * extA;
      bExtA += buf[sA0 + i] * extA;
      const extB = rB + buf[pA1 + i];
      aExtB += buf[sB1 + i] * extB;
      bExtB += buf[sA1 + i] * extB;
    }
    return aMerged > 0 && bMerged > 0 && aExtA > 0 && bExtA > 0 && aExtB > 0 && bExtB > 0;
  }

  // No closure here or in anything buildTree inlines: a function whose closure captures `this`
  // allocates a context at every call.
  private level(depth: number): Level {
    while (this.levels.length <= depth) {
      const vectors: number[] = [];
      for (let k = 0; k < 6; k++) vectors.push(this.vector());
      this.levels.push(new Level(vectors, this.z));
    }
    return this.levels[depth];
  }

  /** Copy invMetric (which the caller may have changed) into the arena (a loop: see copy). */
  private loadMetric(): void {
    const { buf, invMetric, metric, n } = this;
    if (n > 32) {
      buf.set(invMetric, metric);
      return;
    }
    for (let i = 0; i < n; i++) buf[metric + i] = invMetric[i];
  }

  /**
   * Stan's step-size heuristic (base_hmc::init_stepsize): double or halve the step until the
   * acceptance of one leapfrog step from a fresh momentum crosses 0.8.
   */
  initStepSize(): void {
    if (this.stepSize === 0 || this.stepSize > 1e7 || Number.isNaN(this.stepSize)) return;
    this.loadMetric();
    this.copyPoint(this.zInit, this.z);
    let deltaH = this.trialStep();
    const direction = deltaH > Math.log(0.8) ? 1 : -1;
    for (;;) {
      deltaH = this.trialStep();
      if (direction === 1 && !(deltaH > Math.log(0.8))) break;
      else if (direction === -1 && !(deltaH < Math.log(0.8))) break;
      else this.stepSize = direction === 1 ? 2 * this.stepSize : 0.5 * this.stepSize;
      if (this.stepSize > 1e7) throw new Error("NUTS: the posterior is improper; the step size diverged during initialisation (check the model)");
      if (this.stepSize === 0) throw new Error("NUTS: no acceptably small step size could be found (check the model)");
    }
  }

  /**
   * One leapfrog step of stepSize from zInit with a fresh momentum; returns H0 - H. The integrator
   * moves work; zFwd, free outside a transition, takes the copies it makes.
   */
  private trialStep(): number {
    const { work, scratch } = this;
    this.copyPoint(work, this.zInit);
    this.samplePMomentum(work);
    const H0 = work.V + this.kinetic(work.p, scratch);
    this.eps = this.stepSize;
    this.leapfrog(scratch, this.zFwd, this.zFwd.p);
    return H0 - this.hLast;
  }

  /** One NUTS transition from the current position; the new draw is left in `position`. */
  transition(stats: TransitionStats): void {
    const z = this.z;
    const eps = this.stepSize;
    const n = this.n;
    this.loadMetric();
    const v = this.topVectors;
    const pFwdFwd = v[0];
    const pSharpFwdFwd = v[1];
    const pBckBck = v[2];
    const pSharpBckBck = v[3];
    let pFwdBck = v[4];
    let pSharpFwdBck = v[5];
    let pBckFwd = v[6];
    let pSharpBckFwd = v[7];
    let rho = v[8];
    let rhoFwd = v[9];
    let rhoBck = v[10];
    this.samplePMomentum(z);
    // z.V and z.g are current for z.q (kept from the last transition or setPosition).
    const H0 = z.V + this.kinetic(z.p, pSharpFwdFwd);
    // The trajectory is z alone. (p_fwd_fwd and p_bck_bck are written, never read.)
    const buf = this.buf;
    for (let i = 0, p = z.p; i < n; i++) {
      const pi = buf[p + i];
      buf[pFwdBck + i] = pi;
      buf[pBckFwd + i] = pi;
      buf[rho + i] = pi;
      const si = buf[pSharpFwdFwd + i];
      buf[pSharpFwdBck + i] = si;
      buf[pSharpBckFwd + i] = si;
      buf[pSharpBckBck + i] = si;
    }
    // z is the sample, and (in work) both ends of the trajectory; every other point is free.
    const { pool, free } = this;
    let nFree = 0;
    for (let i = 0; i < pool.length; i++) if (pool[i] !== z) free[nFree++] = pool[i];
    this.nFree = nFree;
    let sample = z;
    this.copyPoint(this.work, z);
    this.workEnd = 0;

    this.H0 = H0;
    this.Href = H0;
    this.wTotal = 1;
    this.nLeapfrog = 0;
    this.sumMetroProb = 0;
    this.divergent = false;
    let depth = 0;

    while (depth < this.maxTreeDepth) {
      let valid: boolean;
      // Where Stan copies the trajectory's rho and inner end into the old half's vectors, the
      // vectors are swapped: the new subtree overwrites the others before they are read.
      if (this.rng.uniform() > 0.5) {
        // Extend the trajectory forwards from its forward end.
        [rhoBck, rho] = [rho, rhoBck];
        [pBckFwd, pFwdBck] = [pFwdBck, pBckFwd];
        [pSharpBckFwd, pSharpFwdBck] = [pSharpFwdBck, pSharpBckFwd];
        this.moveWorkTo(1);
        this.eps = eps;
        valid = this.buildTree(depth, pSharpFwdBck, pSharpFwdFwd, rhoFwd, pFwdBck, pFwdFwd);
      } else {
        // Extend the trajectory backwards from its backward end.
        [rhoFwd, rho] = [rho, rhoFwd];
        [pFwdBck, pBckFwd] = [pBckFwd, pFwdBck];
        [pSharpFwdBck, pSharpBckFwd] = [pSharpBckFwd, pSharpFwdBck];
        this.moveWorkTo(-1);
        this.eps = -eps;
        valid = this.buildTree(depth, pSharpBckFwd, pSharpBckBck, rhoBck, pBckFwd, pBckBck);
      }
      if (!valid) break;
      ++depth;
      // Biased progressive sampling between the old trajectory and the new subtree.
      const wSubtree = this.wTree;
      if (wSubtree > this.wTotal || this.rng.uniform() < wSubtree / this.wTotal) {
        this.release(sample);
        sample = this.proposal;
      } else {
        this.release(this.proposal);
      }
      this.wTotal += wSubtree;
      if (!this.merge(rhoBck, rhoFwd, rho, pSharpBckBck, pSharpBckFwd, pBckFwd, pSharpFwdBck, pFwdBck, pSharpFwdFwd)) break;
    }

    this.z = sample;
    const out = this.buf;
    for (let i = 0, q = sample.q; i < n; i++) this.current[i] = out[q + i];
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
    // Park the end work is at; fetch the other unless work was both. Position and gradient are
    // copied (work's are what logpGrad is handed), the momenta change places.
    const parked = end === 1 ? zBck : zFwd;
    if (this.workEnd === 0) {
      this.copyPoint(parked, work);
    } else {
      const fetched = end === 1 ? zFwd : zBck;
      this.copy(parked.q, work.q);
      this.copy(parked.g, work.g);
      parked.V = work.V;
      this.copy(work.q, fetched.q);
      this.copy(work.g, fetched.g);
      work.V = fetched.V;
      const p = parked.p;
      parked.p = work.p;
      work.p = fetched.p;
      fetched.p = p;
    }
    this.workEnd = end;
  }

  /** A free point of the pool (a new one when none is free). */
  private take(): PsPoint {
    if (this.nFree > 0) return this.free[--this.nFree];
    const z = this.point();
    this.pool.push(z);
    return z;
  }

  private release(z: PsPoint): void {
    this.free[this.nFree++] = z;
  }

  /**
   * Stan's build_tree: 2^depth leapfrog steps of `eps` from work, which is left at the new end.
   * rho, pBeg/pEnd and their sharps are written for the caller, the proposal is left in
   * `proposal` and the subtree's weight in wTree. Each output is written once, so (unlike Stan)
   * nothing needs zeroing: x where Stan has 0 + x, which differ only in the sign of a zero, and no
   * sum compared with 0 sees that. An invalid subtree ends the transition, and the next one frees
   * the whole pool: the proposals it still holds do not matter.
   */
  private buildTree(depth: number, pSharpBeg: number, pSharpEnd: number, rho: number, pBeg: number, pEnd: number): boolean {
    if (depth === 0) {
      if (!this.leaf(pSharpBeg, pBeg)) return false;
      this.copy(pSharpEnd, pSharpBeg);
      this.copy(pEnd, pBeg);
      this.copy(rho, pBeg);
      return true;
    }
    if (depth === 1) return this.pair(pSharpBeg, pSharpEnd, rho, pBeg, pEnd);

    const L = this.level(depth);
    // The initial subtree, then the final one.
    if (!this.buildTree(depth - 1, pSharpBeg, L.pSharpInitEnd, L.rhoInit, pBeg, L.pInitEnd)) return false;
    L.wInit = this.wTree;
    L.proposalInit = this.proposal;
    if (!this.buildTree(depth - 1, L.pSharpFinalBeg, pSharpEnd, L.rhoFinal, L.pFinalBeg, pEnd)) return false;
    this.choose(L);
    return this.merge(L.rhoInit, L.rhoFinal, rho, pSharpBeg, L.pSharpInitEnd, L.pInitEnd, L.pSharpFinalBeg, L.pFinalBeg, pSharpEnd);
  }

  /**
   * A subtree of two leaves (half of all subtrees). There a leaf's rho, first and last momentum
   * are one vector, so the three checks of `merge` all reduce to the same two sums over
   * rho = pBeg + pEnd (pEnd + pBeg for the third, the same number): two dot products, not six.
   */
  private pair(pSharpBeg: number, pSharpEnd: number, rho: number, pBeg: number, pEnd: number): boolean {
    const L = this.level(1);
    if (!this.leaf(pSharpBeg, pBeg)) return false;
    L.wInit = this.wTree;
    L.proposalInit = this.proposal;
    if (!this.leaf(pSharpEnd, pEnd)) return false;
    this.choose(L);
    const buf = this.buf;
    let a = 0;
    let b = 0;
    for (let i = 0, n = this.n; i < n; i++) {
      const r = buf[pBeg + i] + buf[pEnd + i];
      buf[rho + i] = r;
      a += buf[pSharpEnd + i] * r;
      b += buf[pSharpBeg + i] * r;
    }
    return a > 0 && b > 0;
  }

  /**
   * One leapfrog step of work, with its accounting (Stan's build_tree at depth 0): M⁻¹p goes to
   * pSharp, p to pOut, a copy of the point to a free point of the pool as the proposal.
   */
  private leaf(pSharp: number, pOut: number): boolean {
    const zPropose = this.take();
    this.leapfrog(pSharp, zPropose, pOut);
    const h = this.hLast;
    ++this.nLeapfrog;
    if (h - this.H0 > this.maxDeltaH) this.divergent = true;
    const logWeight = this.H0 - h;
    // One exp gives Stan's acceptance statistic and, while the reference is H0, the weight.
    const e = Math.exp(logWeight);
    this.sumMetroProb += logWeight > 0 ? 1 : e;
    if (this.divergent) return false;
    if (this.Href - h > WEIGHT_RANGE) this.rescale(h);
    this.wTree = this.Href === this.H0 ? e : Math.exp(this.Href - h);
    this.proposal = zPropose;
    return true;
  }

  /**
   * Lower the weights' reference energy to h: every weight held (the trajectory's, and the
   * initial halves' of the subtrees being built) is multiplied by exp(h - Href), which leaves every
   * multinomial probability as it was.
   */
  private rescale(h: number): void {
    const f = Math.exp(h - this.Href);
    this.wTotal *= f;
    for (const L of this.levels) L.wInit *= f;
    this.Href = h;
  }

  /**
   * Multinomial sample between a subtree's two halves (uniform progressive sampling): the final
   * half's proposal (in `proposal`) or the initial half's (in L); wTree becomes the subtree's.
   */
  private choose(L: Level): void {
    const wFinal = this.wTree;
    const wSubtree = L.wInit + wFinal;
    this.wTree = wSubtree;
    if (this.rng.uniform() < wFinal / wSubtree) {
      this.release(L.proposalInit);
    } else {
      this.release(this.proposal);
      this.proposal = L.proposalInit;
    }
  }
}
