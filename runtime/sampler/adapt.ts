// Warmup adaptation as Stan does it: Nesterov dual averaging of log(step size)
// (stan/mcmc/stepsize_adaptation.hpp; Hoffman & Gelman 2014) and the windowed estimate of the
// diagonal inverse metric (stan/mcmc/windowed_adaptation.hpp, var_adaptation.hpp).

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
  // Welford's running variance.
  private nSamples = 0;
  private readonly m: Float64Array;
  private readonly m2: Float64Array;

  constructor(n: number, numWarmup: number, opts: { initBuffer?: number; termBuffer?: number; baseWindow?: number } = {}) {
    this.m = new Float64Array(n);
    this.m2 = new Float64Array(n);
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
   * Record the draw q; at the end of a slow window write the regularised variance into invMetric
   * and return true (the caller then re-initialises the step size).
   */
  learn(invMetric: Float64Array, q: Float64Array): boolean {
    const n = this.m.length;
    if (this.inWindow()) {
      ++this.nSamples;
      for (let i = 0; i < n; i++) {
        const delta = q[i] - this.m[i];
        this.m[i] += delta / this.nSamples;
        this.m2[i] += delta * (q[i] - this.m[i]);
      }
    }
    if (this.endOfWindow()) {
      this.computeNextWindow();
      const k = this.nSamples;
      for (let i = 0; i < n; i++) {
        const variance = this.m2[i] / (k - 1);
        // Stan's regularisation: shrink towards 1e-3 with the weight of 5 pseudo-draws.
        invMetric[i] = (k / (k + 5)) * variance + 1e-3 * (5 / (k + 5));
        if (!Number.isFinite(invMetric[i])) throw new Error("NUTS: the metric estimate is not finite (check the model)");
      }
      this.nSamples = 0;
      this.m.fill(0);
      this.m2.fill(0);
      ++this.counter;
      return true;
    }
    ++this.counter;
    return false;
  }
}
