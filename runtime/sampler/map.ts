// find_MAP as PyMC's (pymc/tuning/starting.py): the maximum a posteriori point, found by L-BFGS on
// the unconstrained (value) space of the density WITHOUT the transforms' Jacobians, and returned
// keyed as PyMC returns it: every value variable, and every free RV and Deterministic on its own
// scale. The objective is the model's `mapObjective`, emitted by the compiler: ahead of time only
// for a model declared with `{ findMAP: true }` (so other bundles carry neither it nor this
// module), in process on first use.
import type { CompiledModel, Value } from "../model.js";
import { writeFlat } from "../model.js";
import { checkOptionNames } from "../options.js";
import { own, setOwn } from "../own.js";

export interface FindMAPOptions {
  /** Starting values by value-variable name (default: the model's initial point). */
  start?: Record<string, unknown>;
  /** "L-BFGS-B" (default, as PyMC's; the value space has no bounds, so it is L-BFGS). */
  method?: "L-BFGS-B";
  /** Evaluations of the objective at most (PyMC's maxeval, default 5000). */
  maxeval?: number;
}

const OPTIONS = ["start", "method", "maxeval"];

/** The MAP point of `m` (PyMC's find_MAP): value variables, free RVs and Deterministics by name. */
export function findMAP(m: CompiledModel, opts: FindMAPOptions = {}): Record<string, Value> {
  opts = checkOptionNames("findMAP", opts, OPTIONS);
  if (opts.method !== undefined && opts.method !== "L-BFGS-B") throw new Error(`findMAP: method must be "L-BFGS-B", got ${JSON.stringify(opts.method)}`);
  const maxeval = opts.maxeval ?? 5000;
  if (!Number.isInteger(maxeval) || maxeval < 1) throw new Error(`findMAP: maxeval must be a positive integer, got ${maxeval}`);
  const objective = m.impl.mapObjective;
  if (!objective) {
    throw new Error(
      `findMAP: model '${m.name}' was built ahead of time without its MAP objective; declare it with the option findMAP: true (model(${JSON.stringify(m.name)}, builder, { findMAP: true })) to build one`,
    );
  }
  const discrete = m.valueVars.filter((v) => v.discrete).map((v) => `'${v.name}'`);
  if (discrete.length)
    throw new Error(`findMAP: the discrete free variable${discrete.length > 1 ? "s" : ""} ${discrete.join(", ")} cannot be optimized by L-BFGS`);
  const unbound = m.meta.data.find((d) => own(m.data, d.name) === undefined);
  if (unbound) throw new Error(`findMAP: data '${unbound.name}' of model '${m.name}' has no value; bind one with withData({ ${unbound.name}: ... })`);
  const x0 = m.toFlat({ ...m.initialPoint(), ...(opts.start ?? {}) });
  const x = lbfgs(
    (x) => {
      const [logp, ...grads] = objective(x, m.data);
      const g = new Float64Array(x.length);
      // The gradient of -logp: what L-BFGS minimises.
      m.valueVars.forEach((v, i) => writeFlat(g, v.offset, grads[i]));
      for (let i = 0; i < g.length; i++) g[i] = -g[i];
      return { f: -logp, g };
    },
    x0,
    maxeval,
  );
  const values = m.impl.constrain(x, m.data);
  const out: Record<string, Value> = m.fromFlat(x);
  m.meta.constrainedNames.forEach((name, i) => setOwn(out, name, values[i]));
  return out;
}

/**
 * Minimise f by L-BFGS (10 pairs, two-loop recursion) with a backtracking line search on the
 * Armijo condition; a pair whose curvature sᵀy is not positive is skipped. Stops when the largest
 * gradient entry or the relative decrease of f is below tolerance (scipy's pgtol and factr·eps).
 */
export function lbfgs(fg: (x: Float64Array) => { f: number; g: Float64Array }, start: Float64Array, maxeval: number): Float64Array {
  const n = start.length;
  const history: { s: Float64Array; y: Float64Array; rho: number }[] = [];
  let x = Float64Array.from(start);
  let { f, g } = fg(x);
  if (!Number.isFinite(f)) throw new Error("findMAP: the log density is not finite at the starting point");
  let evals = 1;
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
  // (a loop, not Math.max(...): a spread of a long gradient overflows the call stack)
  const largest = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  while (evals < maxeval) {
    if (largest(g) < 1e-9) break;
    // Two-loop recursion: d = -H g.
    const q = Float64Array.from(g);
    const alpha: number[] = [];
    for (let k = history.length - 1; k >= 0; k--) {
      const { s, y, rho } = history[k];
      const a = rho * dot(s, q);
      alpha[k] = a;
      for (let i = 0; i < n; i++) q[i] -= a * y[i];
    }
    const last = history[history.length - 1];
    const gamma = last ? dot(last.s, last.y) / dot(last.y, last.y) : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    for (let i = 0; i < n; i++) q[i] *= gamma;
    for (let k = 0; k < history.length; k++) {
      const { s, y, rho } = history[k];
      const b = rho * dot(y, q);
      for (let i = 0; i < n; i++) q[i] += s[i] * (alpha[k] - b);
    }
    let d = q.map((v) => -v);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction: restart from steepest descent.
      history.length = 0;
      d = g.map((v) => -v);
      slope = -dot(g, g);
    }
    let step = 1;
    let next = x;
    let trial = { f: Infinity, g };
    for (; ; step /= 2) {
      // Out of evaluations or of step length before a sufficient decrease: x is the best point seen.
      if (evals >= maxeval || step < 1e-20) return x;
      next = x.map((v, i) => v + step * d[i]);
      trial = fg(next);
      evals++;
      if (Number.isFinite(trial.f) && trial.f <= f + 1e-4 * step * slope) break;
    }
    const s = next.map((v, i) => v - x[i]);
    const y = trial.g.map((v, i) => v - g[i]);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      history.push({ s, y, rho: 1 / sy });
      if (history.length > 10) history.shift();
    }
    const decrease = f - trial.f;
    x = next;
    f = trial.f;
    g = trial.g;
    if (decrease <= 2.2e-9 * Math.max(Math.abs(f), 1) && largest(g) < 1e-5) break;
  }
  return x;
}
