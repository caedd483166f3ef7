// A sampler's own cost, apart from its model's: a chain run once with logpGrad recorded (every
// point it asked for, in order), then the gradient alone replayed at those points, timed
// alternately with the chain so that both meet the same machine. The replay copies each point
// into one argument array, as the sampler's integrator always passes the same array; the copying
// is timed alone and taken out.

/** CPU time of this process (ms): on a shared machine, wall time counts the other processes' turns. */
export const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e3;
};

/** `target` whose logpGrad calls are recorded: `record.calls` and `record.points()` after a run. */
export function recording(target) {
  const n = target.size;
  let calls = 0;
  let points = new Float64Array(1 << 16);
  const recorded = {
    ...target,
    logpGrad(x, g) {
      if ((calls + 1) * n > points.length) {
        const grown = new Float64Array(2 * points.length);
        grown.set(points);
        points = grown;
      }
      points.set(x, calls++ * n);
      return target.logpGrad(x, g);
    },
  };
  return { target: recorded, calls: () => calls, points: () => points };
}

/**
 * Minimum CPU ms of `runChains()` and of the recorded calls replayed (`repeats` times each, less
 * the copying), over `runs` alternations (fewer past `budgetMs` of wall time, but at least two).
 */
export function alternate(runChains, logpGrad, n, record, { runs, repeats = 1, budgetMs = Infinity }) {
  const calls = record.calls();
  const points = record.points();
  const x = new Float64Array(n);
  const g = new Float64Array(n);
  const load = (i) => {
    for (let j = 0, o = i * n; j < n; j++) x[j] = points[o + j];
  };
  const replay = () => {
    for (let r = 0; r < repeats; r++)
      for (let i = 0; i < calls; i++) {
        load(i);
        logpGrad(x, g);
      }
  };
  const copying = () => {
    for (let r = 0; r < repeats; r++) for (let i = 0; i < calls; i++) load(i);
  };
  const timed = (f) => {
    const t0 = cpuMs();
    f();
    return cpuMs() - t0;
  };
  replay();
  const chainMs = [];
  const gradMs = [];
  const copyMs = [];
  const start = performance.now();
  for (let r = 0; r < runs && (r < 2 || performance.now() - start < budgetMs); r++) {
    chainMs.push(timed(runChains));
    gradMs.push(timed(replay));
    copyMs.push(timed(copying));
  }
  return { chain: Math.min(...chainMs), grad: Math.max(0, Math.min(...gradMs) - Math.min(...copyMs)), runs: chainMs.length };
}
