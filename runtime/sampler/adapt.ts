// Warmup adaptation as Stan does it: Nesterov dual averaging of log(step size)
// (stan/mcmc/stepsize_adaptation.hpp; Hoffman & Gelman 2014) and the windowed estimate of the
// inverse metric, diagonal or dense (stan/mcmc/windowed_adaptation.hpp, var_adaptation.hpp,
// covar_adaptation.hpp).

/** Dual averaging of log(step size) towards a target mean acceptance statistic. */
export class StepSizeAdaptation {
  mu = Math.log(10);
  delta = 0.8;
  gamma = 0.05;
  kappa = 0.75;
  t0 = 10;
  private counter = 0;
  private sBar = 0;
  private xBar = 0;

  restart(): void {
    this.counter = 0;
    this.sBar = 0;
    this.xBar = 0;
  }

  /** One update from the last transition's acceptance statistic; returns the new step size. */
  learn(adaptStat: number): number {
    ++this.counter;
    const stat = adaptStat > 1 ? 1 : adaptStat;
    const eta = 1 / (this.counter + this.t0);
    this.sBar = (1 - eta) * this.sBar + eta * (this.delta - stat);
    const x = this.mu - (this.sBar * Math.sqrt(this.counter)) / this.gamma;
    const xEta = Math.pow(this.counter, -this.kappa);
    this.xBar = (1 - xEta) * this.xBar + xEta * x;
    return Math.exp(x);
  }

  /** The step size to sample with once warmup is over. */
  complete(): number {
    return Math.exp(this.xBar);
  }
}

/**
 * Stan's windowed adaptation schedule: an initial fast buffer (step size only), slow windows that
 * double in length (each ends with a new metric estimate), and a terminal fast buffer.
 */
export class WindowedVarianceAdaptation {
  private numWarmup = 0;
  private initBuffer = 0;
  private termBuffer = 0;
  private baseWindow = 0;
  private counter = 0;
  private windowSize = 0;
  private nextWindow = 0;
  // Welford's running variance (or covariance, n × n, when dense).
  private nSamples = 0;
  private readonly m: Float64Array;
  private readonly m2: Float64Array;
  /** The dense update's q - mean before the update. */
  private readonly delta: Float64Array;
  private readonly dense: boolean;

  constructor(n: number, numWarmup: number, opts: { initBuffer?: number; termBuffer?: number; baseWindow?: number; dense?: boolean } = {}) {
    this.dense = opts.dense === true;
    this.m = new Float64Array(n);
    this.m2 = new Float64Array(this.dense ? n * n : n);
    this.delta = new Float64Array(this.dense ? n : 0);
    const initBuffer = opts.initBuffer ?? 75;
    const termBuffer = opts.termBuffer ?? 50;
    const baseWindow = opts.baseWindow ?? 25;
    if (numWarmup < 20) {
      // Stan: "No variance estimation is performed for num_warmup < 20".
      this.restart();
      return;
    }
    this.numWarmup = numWarmup;
    if (initBuffer + baseWindow + termBuffer > numWarmup) {
      // Stan's fallback for short warmups: 15% / 75% / 10%.
      this.initBuffer = Math.floor(0.15 * numWarmup);
      this.termBuffer = Math.floor(0.1 * numWarmup);
      this.baseWindow = numWarmup - (this.initBuffer + this.termBuffer);
    } else {
      this.initBuffer = initBuffer;
      this.termBuffer = termBuffer;
      this.baseWindow = baseWindow;
    }
    this.restart();
  }

  private restart(): void {
    this.counter = 0;
    this.windowSize = this.baseWindow;
    this.nextWindow = this.initBuffer + this.windowSize - 1;
  }

  private inWindow(): boolean {
    return this.counter >= this.initBuffer && this.counter < this.numWarmup - this.termBuffer && this.counter !== this.numWarmup;
  }

  private endOfWindow(): boolean {
    return this.counter === this.nextWindow && this.counter !== this.numWarmup;
  }

  private computeNextWindow(): void {
    if (this.nextWindow === this.numWarmup - this.termBuffer - 1) return;
    this.windowSize *= 2;
    this.nextWindow = this.counter + this.windowSize;
    if (this.nextWindow !== this.numWarmup - this.termBuffer - 1) {
      const nextBoundary = this.nextWindow + 2 * this.windowSize;
      if (nextBoundary >= this.numWarmup - this.termBuffer) this.nextWindow = this.numWarmup - this.termBuffer - 1;
    }
  }

  /**
   * Record the draw q; at the end of a slow window write the regularised variance (n entries) or
   * covariance (n × n, dense) into `invMetric` and return true (the caller then re-initialises the
   * step size).
   */
  learn(invMetric: Float64Array, q: Float64Array): boolean {
    if (this.inWindow()) this.record(q);
    if (this.endOfWindow()) {
      this.computeNextWindow();
      this.estimate(invMetric);
      this.nSamples = 0;
      this.m.fill(0);
      this.m2.fill(0);
      ++this.counter;
      return true;
    }
    ++this.counter;
    return false;
  }

  private record(q: Float64Array): void {
    const n = this.m.length;
    ++this.nSamples;
    if (!this.dense) {
      for (let i = 0; i < n; i++) {
        const delta = q[i] - this.m[i];
        this.m[i] += delta / this.nSamples;
        this.m2[i] += delta * (q[i] - this.m[i]);
      }
      return;
    }
    // Stan's welford_covar_estimator: m2 += (q - m_new) deltaᵀ.
    const delta = this.delta;
    for (let i = 0; i < n; i++) {
      delta[i] = q[i] - this.m[i];
      this.m[i] += delta[i] / this.nSamples;
    }
    for (let i = 0; i < n; i++) {
      const d = q[i] - this.m[i];
      for (let j = 0; j < n; j++) this.m2[i * n + j] += d * delta[j];
    }
  }

  /** Stan's regularisation: shrink towards 1e-3 (times the identity) with the weight of 5 pseudo-draws. */
  private estimate(out: Float64Array): void {
    const n = this.m.length;
    const k = this.nSamples;
    const shrink = k / (k + 5);
    const ridge = 1e-3 * (5 / (k + 5));
    for (let i = 0; i < this.m2.length; i++) {
      const onDiagonal = !this.dense || i % (n + 1) === 0;
      // Welford's outer products are symmetric only up to rounding: the mean of the two halves.
      const m2 = this.dense && !onDiagonal ? 0.5 * (this.m2[i] + this.m2[(i % n) * n + Math.floor(i / n)]) : this.m2[i];
      out[i] = shrink * (m2 / (k - 1)) + (onDiagonal ? ridge : 0);
      if (!Number.isFinite(out[i])) throw new Error("NUTS: the metric estimate is not finite (check the model)");
    }
  }
}
