// find_MAP as PyMC's (pymc/tuning/starting.py): the maximum a posteriori point, found by L-BFGS on
// the unconstrained (value) space of the density WITHOUT the transforms' Jacobians, and returned
// keyed as PyMC returns it: every value variable, and every free RV and Deterministic on its own
// scale. The objective is compiled from the model's graph on first use, so a model compiled in
// process can be optimized; one built ahead of time carries no graph (and no extra code for this).
import { CompiledModel, type NDArray, type ModelMeta } from "../../runtime/index.js";
import type { Value } from "../../runtime/model.js";
import { checkOptionNames } from "../../runtime/options.js";
import { fn } from "../function.js";
import { boundedLogp } from "./compile-graphs.js";
import type { Model } from "./model.js";

export interface FindMAPOptions {
  /** Starting values by value-variable name (default: the model's initial point). */
  start?: Record<string, unknown>;
  /** "L-BFGS-B" (default, as PyMC's; the value space has no bounds, so it is L-BFGS). */
  method?: "L-BFGS-B";
  /** Evaluations of the objective at most (PyMC's maxeval, default 5000). */
  maxeval?: number;
}

const OPTIONS = ["start", "method", "maxeval"];

/** The graph each in-process compiled model came from, by its metadata (shared by withData copies). */
const graphs = new WeakMap<ModelMeta, Model>();

export function rememberGraph(m: CompiledModel, model: Model): void {
  graphs.set(m.meta, model);
}

type Objective = (point: Record<string, Value>, data: Record<string, unknown>) => { logp: number; grad: Float64Array };
const objectives = new WeakMap<Model, Objective>();

/** logp without Jacobians and its flat gradient, as a function of a point (by value-variable name) and the data. */
function objectiveOf(model: Model): Objective {
  let f = objectives.get(model);
  if (f) return f;
  const [logp, grad] = boundedLogp([model.logp({ sum: true, jacobian: false }), model.dlogp({ jacobian: false })]);
  const compiled = fn([...model.valueVars, ...model.dataVars], [logp, grad], { name: "map_objective" });
  f = (point, data) => {
    const [lp, g] = compiled(...model.valueVars.map((v) => point[v.name!]), ...model.dataVars.map((d) => data[d.name!])) as [number, NDArray];
    return { logp: lp, grad: g.data };
  };
  objectives.set(model, f);
  return f;
}

/** The MAP point of `m` (PyMC's find_MAP): value variables, free RVs and Deterministics by name. */
export function findMAP(m: CompiledModel, opts: FindMAPOptions = {}): Record<string, Value> {
  checkOptionNames("findMAP", opts, OPTIONS);
  if (opts.method !== undefined && opts.method !== "L-BFGS-B") throw new Error(`findMAP: method must be "L-BFGS-B", got ${JSON.stringify(opts.method)}`);
  const maxeval = opts.maxeval ?? 5000;
  if (!Number.isInteger(maxeval) || maxeval < 1) throw new Error(`findMAP: maxeval must be a positive integer, got ${maxeval}`);
  const model = graphs.get(m.meta);
  if (!model) {
    throw new Error(
      `findMAP: model '${m.name}' was built ahead of time and carries no graph to optimize; call findMAP where the model is compiled in process (model() from "tsmc" without the build step)`,
    );
  }
  const discrete = m.valueVars.filter((v) => v.discrete).map((v) => `'${v.name}'`);
  if (discrete.length)
    throw new Error(`findMAP: the discrete free variable${discrete.length > 1 ? "s" : ""} ${discrete.join(", ")} cannot be optimized by L-BFGS`);
  const objective = objectiveOf(model);
  const data = m.boundData() as Record<string, unknown>;
  const x0 = m.toFlat({ ...m.initialPoint(), ...(opts.start ?? {}) });
  const x = lbfgs(
    (x) => {
      const { logp, grad } = objective(m.fromFlat(x), data);
      return { f: -logp, g: grad.map((v) => -v) };
    },
    x0,
    maxeval,
  );
  const values = m.impl.constrain(x, m.data);
  const out: Record<string, Value> = m.fromFlat(x);
  m.meta.constrainedNames.forEach((name, i) => Object.defineProperty(out, name, { value: values[i], enumerable: true, writable: true, configurable: true }));
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
    for (; evals < maxeval; step /= 2) {
      next = x.map((v, i) => v + step * d[i]);
      trial = fg(next);
      evals++;
      if (Number.isFinite(trial.f) && trial.f <= f + 1e-4 * step * slope) break;
      if (step < 1e-20) return x;
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

declare module "../../runtime/model.js" {
  interface CompiledModel {
    /** findMAP(m, opts) as a method: models compiled in process (`model()` without the build step). */
    findMAP(opts?: FindMAPOptions): Record<string, Value>;
  }
}

// The method, for models compiled in process: only the compiler installs it (a bundle of models
// built ahead of time carries none of this).
Object.defineProperty(CompiledModel.prototype, "findMAP", {
  value(this: CompiledModel, opts?: FindMAPOptions) {
    return findMAP(this, opts);
  },
  writable: true,
  configurable: true,
});
