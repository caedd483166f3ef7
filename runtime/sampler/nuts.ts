// The multinomial No-U-Turn sampler with a diagonal metric, as Stan implements it
// (stan/mcmc/hmc/nuts/base_nuts.hpp; Betancourt 2017, "A Conceptual Introduction to Hamiltonian
// Monte Carlo"): the trajectory doubles forwards or backwards at random, each new subtree is built
// recursively, states are drawn from the trajectory with multinomial weights exp(-H) (biased
// progressive sampling between subtrees, uniform progressive sampling inside them), and the
// generalised no-U-turn criterion is checked across every merged subtree plus Stan's two extra
// checks between neighbouring subtrees. Every vector lives in one preallocated Float64Array (the
// arena, `buf`), so a warm chain allocates nothing of its own: what remains is a boxed number where
// a call that returns one is not inlined (logpGrad's result; a uniform draw where the JIT's
// inlining budget ran out). The only calls out are to the compiled `logpGrad`.
//
// Nothing is copied to move along the trajectory: a pool of points (position, gradient, potential)
// holds every state reached, and a leapfrog step reads the trajectory's end and writes the next
// state straight into a free point, which is at once the new end and the leaf's proposal (the
// position also into `x`, the one array logpGrad is always handed). Proposals are handed on by
// reference; a point goes back to the pool once it is neither a proposal still held nor an end of
// the trajectory. Momenta are not kept with the points: a step writes the new momentum into the
// vector the U-turn checks read it from (a subtree's first or last momentum), and the next step
// from that end reads it there. Inside a subtree each step goes on from the last, so a step's final
// loop (the second half kick) also makes the first half of the next one (half kick and drift),
// reading the gradient and the metric once for both; where the trajectory turns instead, that half
// is made again from the other end. The same loop sums a two-leaf subtree's U-turn checks at its
// second leaf.
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
 * A state of the trajectory: where its position and gradient of logp start in the sampler's
 * arena, a view of the gradient (logpGrad writes it there), its potential V = -logp and its
 * Hamiltonian H with the momentum it was reached with (the energy a transition reports when it is
 * drawn).
 */
class PsPoint {
  readonly q: number;
  readonly g: number;
  V = 0;
  H = 0;
  /** A proposal still held (the sample, or a subtree's): it may not go back to the pool. */
  held = false;
  gView: Float64Array;
  constructor(q: number, g: number, buf: Float64Array, n: number) {
    this.q = q;
    this.g = g;
    this.gView = buf.subarray(g, g + n);
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
   * half when a deeper tree needs more vectors (a tree of depth 10 holds about a hundred); code reads
   * `this.buf` again after anything that may grow it (take, level).
   */
  private buf: Float64Array;
  private used = 0;
  /**
   * The position logpGrad is handed, always this array (a view of the arena at offset x): the
   * compiled code caches its views of a vector argument against the array it was last handed.
   */
  private readonly x: number;
  private xView: Float64Array;
  /** The current position, copied out of the arena (what `position` returns). */
  private readonly current: Float64Array;
  /** A copy of invMetric in the arena, refreshed at each transition and step-size search. */
  private readonly metric: number;
  private readonly scratch: number;
  /** Every point, and those of them free (a stack of nFree). */
  private readonly pool: PsPoint[] = [];
  private readonly free: PsPoint[] = [];
  private nFree = 0;
  /** The current position (the last draw). */
  private z: PsPoint;
  /**
   * The end of the trajectory the tree being built grows from (where the next step starts) and
   * its momentum (an arena offset), and the other end, parked meanwhile.
   */
  private end: PsPoint;
  private pEnd = 0;
  private parked: PsPoint;
  /**
   * The free point the next leaf moves to, and the point whose step on (in the current
   * direction) its position and pHalf hold already (null: none).
   */
  private next: PsPoint;
  private primed: PsPoint | null = null;
  /** The momentum after a step's first half kick. */
  private readonly pHalf: number;
  /** M⁻¹ of it with the dense metric. */
  private readonly drift: number;
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
  /** The Hamiltonian at the point the last leapfrog step reached (Infinity where it is NaN). */
  private hLast = 0;
  /** Whether the two-leaf subtree the last step completed passes its no-U-turn checks. */
  private pairOk = false;
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
    // Room for the 16 vectors made here, a few points and a tree of depth 2; deeper trees grow it.
    this.buf = new Float64Array(n * 40);
    this.x = this.vector();
    this.xView = this.buf.subarray(this.x, this.x + n);
    this.metric = this.vector();
    this.scratch = this.vector();
    this.pHalf = this.vector();
    this.drift = this.vector();
    this.topVectors = Array.from({ length: 11 }, () => this.vector());
    this.z = this.point();
    this.end = this.z;
    this.parked = this.z;
    this.next = this.z;
    this.proposal = this.z;
  }

  /** A new vector of the arena (its offset). */
  private vector(): number {
    const n = this.n;
    if (this.used + n > this.buf.length) {
      const grown = new Float64Array(n * Math.ceil((1.5 * this.buf.length) / n));
      grown.set(this.buf);
      this.buf = grown;
      this.xView = grown.subarray(this.x, this.x + n);
      for (const z of this.pool) z.gView = grown.subarray(z.g, z.g + n);
    }
    const offset = this.used;
    this.used += n;
    return offset;
  }

  /** A new point, in the pool. */
  private point(): PsPoint {
    const q = this.vector();
    const z = new PsPoint(q, this.vector(), this.buf, this.n);
    this.pool.push(z);
    return z;
  }

  /** The current position (the last draw). */
  get position(): Float64Array {
    return this.current;
  }

  /** Set the position and evaluate the density there; returns logp. */
  setPosition(q: ArrayLike<number>): number {
    const z = this.z;
    this.current.set(q);
    this.buf.set(this.current, this.x);
    this.buf.set(this.current, z.q);
    const lp = this.target.logpGrad(this.xView, z.gView);
    z.V = -lp;
    return -z.V;
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

  /** A fresh momentum ~ N(0, M) into the vector at p. */
  private samplePMomentum(p: number): void {
    const n = this.n;
    const buf = this.buf;
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
   * The first half of a leapfrog step of `eps` (Stan's expl_leapfrog: half kick, drift, half kick,
   * the metric applied inside the loops) from `from` with momentum pIn: the half-kicked momentum
   * goes to pHalf, the new position to x and to.q.
   */
  private kickDrift(from: PsPoint, to: PsPoint, pIn: number): void {
    const { n, buf, eps, x, pHalf } = this;
    const { q: q0, g: g0 } = from;
    const q = to.q;
    const h = 0.5 * eps;
    if (this.dense) {
      for (let i = 0; i < n; i++) buf[pHalf + i] = buf[pIn + i] + h * buf[g0 + i];
      const s = this.drift;
      this.denseTimes(pHalf, s);
      for (let i = 0; i < n; i++) {
        const qi = buf[q0 + i] + eps * buf[s + i];
        buf[q + i] = qi;
        buf[x + i] = qi;
      }
      return;
    }
    const m = this.metric;
    for (let i = 0; i < n; i++) {
      const pi = buf[pIn + i] + h * buf[g0 + i];
      const qi = buf[q0 + i] + eps * buf[m + i] * pi;
      buf[pHalf + i] = pi;
      buf[q + i] = qi;
      buf[x + i] = qi;
    }
  }

  /**
   * The rest of the step kickDrift began, to `to`: its gradient, then the second half kick, with
   * the momentum left in pOut and M⁻¹ of it in pSharp, and the Hamiltonian there in hLast
   * (Infinity where it is NaN). The same loop makes the first half of the next step from `to`
   * into `next` (kickDrift with pIn = pOut), which the next leaf uses if it goes on from `to`: the
   * one loop reads the gradient and the metric once. With rho >= 0 the step completes a two-leaf
   * subtree whose first momentum and M⁻¹ of it are in pBeg and sBeg: that loop also sums its rho
   * and no-U-turn verdict (pairOk; see pairChecks).
   */
  private kickKickDrift(to: PsPoint, next: PsPoint, pOut: number, pSharp: number, rho: number, pBeg: number, sBeg: number): void {
    const lp = this.target.logpGrad(this.xView, to.gView);
    // Number.POSITIVE_INFINITY, not the global Infinity: with the global, the JIT keeps the
    // choice a tagged value and boxes every V and H (two allocations a step).
    const V = Number.isNaN(lp) ? Number.POSITIVE_INFINITY : -lp;
    to.V = V;
    const { n, buf, eps, x, pHalf, metric: m } = this;
    const { q, g } = to;
    const q1 = next.q;
    const h = 0.5 * eps;
    let t = 0;
    if (this.dense) {
      for (let i = 0; i < n; i++) buf[pOut + i] = buf[pHalf + i] + h * buf[g + i];
      this.denseTimes(pOut, pSharp);
      for (let i = 0; i < n; i++) t += buf[pOut + i] * buf[pSharp + i];
      if (rho >= 0) this.pairOk = this.pairChecks(rho, pBeg, sBeg, pOut, pSharp);
      this.kickDrift(to, next, pOut);
    } else if (rho < 0) {
      for (let i = 0; i < n; i++) {
        const gi = buf[g + i];
        const mi = buf[m + i];
        const pi = buf[pHalf + i] + h * gi;
        buf[pOut + i] = pi;
        buf[pSharp + i] = mi * pi;
        t += pi * pi * mi;
        const ph = pi + h * gi;
        const qi = buf[q + i] + eps * mi * ph;
        buf[pHalf + i] = ph;
        buf[q1 + i] = qi;
        buf[x + i] = qi;
      }
    } else {
      let a = 0;
      let b = 0;
      for (let i = 0; i < n; i++) {
        const gi = buf[g + i];
        const mi = buf[m + i];
        const pi = buf[pHalf + i] + h * gi;
        const si = mi * pi;
        buf[pOut + i] = pi;
        buf[pSharp + i] = si;
        t += pi * pi * mi;
        const r = buf[pBeg + i] + pi;
        buf[rho + i] = r;
        a += si * r;
        b += buf[sBeg + i] * r;
        const ph = pi + h * gi;
        const qi = buf[q + i] + eps * mi * ph;
        buf[pHalf + i] = ph;
        buf[q1 + i] = qi;
        buf[x + i] = qi;
      }
      this.pairOk = a > 0 && b > 0;
    }
    const H = V + 0.5 * t;
    to.H = H;
    this.hLast = Number.isNaN(H) ? Number.POSITIVE_INFINITY : H;
  }

  /**
   * The checks of `merge` for a subtree of two leaves: there a leaf's rho, first and last momentum
   * are one vector, so all three reduce to the same two sums over rho = pBeg + pEnd (pEnd + pBeg
   * for the third, the same number): two dot products, not six.
   */
  private pairChecks(rho: number, pBeg: number, sBeg: number, pEnd: number, sEnd: number): boolean {
    const buf = this.buf;
    let a = 0;
    let b = 0;
    for (let i = 0, n = this.n; i < n; i++) {
      const r = buf[pBeg + i] + buf[pEnd + i];
      buf[rho + i] = r;
      a += buf[sEnd + i] * r;
      b += buf[sBeg + i] * r;
    }
    return a > 0 && b > 0;
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

  /**
   * Copy invMetric (which the caller may have changed) into the arena: a plain loop costs less than
   * set's call below a few dozen elements.
   */
  private loadMetric(): void {
    const { buf, invMetric, metric, n } = this;
    if (n > 32) {
      buf.set(invMetric, metric);
      return;
    }
    for (let i = 0; i < n; i++) buf[metric + i] = invMetric[i];
  }

  /** Every point but the current position back to the pool; z is held and both ends. */
  private resetPool(): void {
    const { pool, free, z } = this;
    let nFree = 0;
    for (let i = 0; i < pool.length; i++) {
      const p = pool[i];
      p.held = false;
      if (p !== z) free[nFree++] = p;
    }
    z.held = true;
    this.nFree = nFree;
    this.end = z;
    this.parked = z;
    this.primed = null;
  }

  /**
   * Stan's step-size heuristic (base_hmc::init_stepsize): double or halve the step until the
   * acceptance of one leapfrog step from a fresh momentum crosses 0.8.
   */
  initStepSize(): void {
    if (this.stepSize === 0 || this.stepSize > 1e7 || Number.isNaN(this.stepSize)) return;
    this.loadMetric();
    this.resetPool();
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

  /** One leapfrog step of stepSize from z with a fresh momentum, into free points given back at once; returns H0 - H. */
  private trialStep(): number {
    const { z, scratch, topVectors: v } = this;
    this.samplePMomentum(v[0]);
    const H0 = z.V + this.kinetic(v[0], scratch);
    this.eps = this.stepSize;
    const to = this.take();
    const next = this.take();
    this.kickDrift(z, to, v[0]);
    this.kickKickDrift(to, next, v[1], scratch, -1, 0, 0);
    this.release(to);
    this.release(next);
    return H0 - this.hLast;
  }

  /**
   * A transition's start: a momentum drawn at z, the trajectory z alone (every top-level vector
   * set from it), z the sample and both ends with every other point free, the energies and
   * counters reset.
   */
  private startTrajectory(): void {
    const z = this.z;
    const n = this.n;
    const v = this.topVectors;
    const pFwdFwd = v[0];
    const pSharpFwdFwd = v[1];
    this.samplePMomentum(pFwdFwd);
    // z.V and z.g are current for z.q (kept from the last transition or setPosition).
    const H0 = z.V + this.kinetic(pFwdFwd, pSharpFwdFwd);
    z.H = H0;
    // The momentum into the backward end's and both inner ends' vectors and rho, M⁻¹p into theirs.
    const buf = this.buf;
    const pBckBck = v[2];
    const pSharpBckBck = v[3];
    const pFwdBck = v[4];
    const pSharpFwdBck = v[5];
    const pBckFwd = v[6];
    const pSharpBckFwd = v[7];
    const rho = v[8];
    for (let i = 0; i < n; i++) {
      const pi = buf[pFwdFwd + i];
      buf[pBckBck + i] = pi;
      buf[pFwdBck + i] = pi;
      buf[pBckFwd + i] = pi;
      buf[rho + i] = pi;
      const si = buf[pSharpFwdFwd + i];
      buf[pSharpFwdBck + i] = si;
      buf[pSharpBckFwd + i] = si;
      buf[pSharpBckBck + i] = si;
    }
    this.resetPool();
    this.next = this.take();
    this.H0 = H0;
    this.Href = H0;
    this.wTotal = 1;
    this.nLeapfrog = 0;
    this.sumMetroProb = 0;
    this.divergent = false;
  }

  /** One NUTS transition from the current position; the new draw is left in `position`. */
  transition(stats: TransitionStats): void {
    const z = this.z;
    const eps = this.stepSize;
    const n = this.n;
    this.loadMetric();
    const v = this.topVectors;
    // The forward and backward ends' momenta: where the first step each way reads it.
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
    this.startTrajectory();
    let sample = z;
    let fwd = z;
    let bck = z;
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
        this.end = fwd;
        this.pEnd = pFwdFwd;
        this.parked = bck;
        this.eps = eps;
        valid = this.buildTree(depth, pSharpFwdBck, pSharpFwdFwd, rhoFwd, pFwdBck, pFwdFwd);
        fwd = this.end;
      } else {
        // Extend the trajectory backwards from its backward end.
        [rhoFwd, rho] = [rho, rhoFwd];
        [pFwdBck, pBckFwd] = [pBckFwd, pFwdBck];
        [pSharpFwdBck, pSharpBckFwd] = [pSharpBckFwd, pSharpFwdBck];
        this.end = bck;
        this.pEnd = pBckBck;
        this.parked = fwd;
        this.eps = -eps;
        valid = this.buildTree(depth, pSharpBckFwd, pSharpBckBck, rhoBck, pBckFwd, pBckBck);
        bck = this.end;
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
    stats.energy = sample.H;
    stats.stepSize = eps;
  }

  /** A free point of the pool (a new one when none is free). */
  private take(): PsPoint {
    if (this.nFree > 0) return this.free[--this.nFree];
    return this.point();
  }

  /** A proposal passed over: back to the pool unless it is an end of the trajectory. */
  private release(z: PsPoint): void {
    z.held = false;
    if (z !== this.end && z !== this.parked) this.free[this.nFree++] = z;
  }

  /**
   * Stan's build_tree: 2^depth leapfrog steps of `eps` from the trajectory's end, which moves to
   * the subtree's last point. rho, pBeg/pEnd and their sharps are written for the caller, the
   * proposal is left in `proposal` and the subtree's weight in wTree. Each output is written once,
   * so (unlike Stan) nothing needs zeroing: x where Stan has 0 + x, which differ only in the sign of
   * a zero, and no sum compared with 0 sees that. An invalid subtree ends the transition, and the
   * next one frees the whole pool: the proposals it still holds do not matter.
   */
  private buildTree(depth: number, pSharpBeg: number, pSharpEnd: number, rho: number, pBeg: number, pEnd: number): boolean {
    if (depth === 0) {
      if (!this.leaf(pSharpBeg, pBeg, -1, 0, 0)) return false;
      // One leaf is both ends, and its rho is its momentum.
      const buf = this.buf;
      for (let i = 0, n = this.n; i < n; i++) {
        const pi = buf[pBeg + i];
        buf[pEnd + i] = pi;
        buf[rho + i] = pi;
        buf[pSharpEnd + i] = buf[pSharpBeg + i];
      }
      return true;
    }
    if (depth === 1) {
      // Half of all subtrees: the second leaf sums the checks (pairChecks).
      const L = this.level(1);
      if (!this.leaf(pSharpBeg, pBeg, -1, 0, 0)) return false;
      L.wInit = this.wTree;
      L.proposalInit = this.proposal;
      if (!this.leaf(pSharpEnd, pEnd, rho, pBeg, pSharpBeg)) return false;
      this.choose(L);
      return this.pairOk;
    }

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
   * One leapfrog step from the trajectory's end, with its accounting (Stan's build_tree at depth
   * 0): the new point, from the pool, is the new end and the proposal; its momentum goes to pOut
   * and M⁻¹ of it to pSharp. rho, pBeg and sBeg: see kickKickDrift.
   */
  private leaf(pSharp: number, pOut: number, rho: number, pBeg: number, sBeg: number): boolean {
    const from = this.end;
    const zPropose = this.next;
    // The last step's loop began this one unless the trajectory turned, or this is the first.
    if (this.primed !== from) this.kickDrift(from, zPropose, this.pEnd);
    zPropose.held = true;
    this.next = this.take();
    this.kickKickDrift(zPropose, this.next, pOut, pSharp, rho, pBeg, sBeg);
    this.primed = zPropose;
    this.end = zPropose;
    this.pEnd = pOut;
    if (!from.held && from !== this.parked) this.free[this.nFree++] = from;
    const h = this.hLast;
    const H0 = this.H0;
    ++this.nLeapfrog;
    const logWeight = H0 - h;
    // One exp gives Stan's acceptance statistic and, while the reference is H0, the weight.
    const e = Math.exp(logWeight);
    this.sumMetroProb += logWeight > 0 ? 1 : e;
    if (h - H0 > this.maxDeltaH) {
      this.divergent = true;
      return false;
    }
    if (this.Href - h > WEIGHT_RANGE) this.rescale(h);
    this.wTree = this.Href === H0 ? e : Math.exp(this.Href - h);
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
