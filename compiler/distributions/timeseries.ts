// PyMC's time series: RandomWalk(init_dist, innovation_dist, steps), GaussianRandomWalk(mu, sigma,
// init_dist, steps) and AR(rho, sigma, constant, init_dist, ar_order, steps), each with its parameters
// in one object as PyMC's keywords. Time is the last axis, of steps + 1 (steps + ar_order) values.
//
// The logps are vectorized: the differences x[..., 1:] - x[..., :-1] (a random walk) or the shifted
// slices Σ_k rho_k x[..., p-k : T-k] (AR) are elementwise over the whole series, so that fusion makes
// each one loop; no node per step. Draws come from the runtime's sequential generators
// (runtime/variates-timeseries.ts): init_dist and the innovations are draws of their own families,
// passed to the walk as parameters; AR's recursion is a loop in its generator.
import * as pt from "../tensor.js";
import type { Variable } from "../graph/basic.js";
import { RandomVariable, RV, parseSignature, randomVariable, type RandomVariableSpec } from "../ops/random.js";
import { asFloat, defineDistribution, distributionOf, logpOf, rvParams, tensorArg, type Distribution, type DistributionSpec } from "./distribution.js";
import { Normal, normalSpec, sigmaFrom } from "./normal.js";
import { MvNormal } from "./mvnormal.js";
import { garchVolatility } from "../ops/garch.js";
import { required } from "./math.js";
import { broadcastStatic, constantInt, givenShape, marker, splitArgs } from "./support-shape.js";

/** x[..., start:stop] on the last axis. */
function lastAxis(x: Variable, start: number | null, stop: number | null): Variable {
  const lead = Array.from({ length: x.ndim - 1 }, () => ({ start: null, stop: null, step: null }));
  return pt.subtensorOf(x, [...lead, { start, stop, step: null }]);
}

/**
 * x[..., start:stop] for the differences of a walk: for one series of known length, the entries by
 * index, which a fused loop reads (and its gradient scatters into) in place rather than copying
 * the slices (a walk of 10 000 steps: logpGrad 8x -> 2x the hand-written loop, bench `grw`).
 */
function shifted(x: Variable, start: number | null, stop: number | null): Variable {
  const n = x.type.shape[0];
  if (x.ndim !== 1 || n === null) return lastAxis(x, start, stop);
  const from = start ?? 0;
  const to = stop === null ? n : stop < 0 ? n + stop : stop;
  return pt.index(
    x,
    pt.constant(
      Array.from({ length: to - from }, (_, i) => from + i),
      null,
      "int64",
    ),
  );
}

/** x[..., i, None]: entry i of the last axis, kept as an axis of length one (a scalar stays a scalar). */
function lastEntry(x: Variable, i: number): Variable {
  if (x.ndim === 1) return pt.subtensorOf(x, [i]);
  const lead = Array.from({ length: x.ndim - 1 }, () => ({ start: null, stop: null, step: null }));
  return pt.expandDims(pt.subtensorOf(x, [...lead, i]), [x.ndim - 1]);
}

/** A float64 zero array of a static shape (to broadcast a support point to a draw's shape). */
function zeros(shape: readonly number[]): Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  return pt.reshape(pt.constant(new Array(n).fill(0), null, "float64"), [...shape]);
}

const coreNdim = (rv: Variable) => parseSignature((rv.owner!.op as RandomVariable).spec.signature).out.length;

/** An unregistered distribution variable (made with `.dist()`), as PyMC's init_dist and innovation_dist. */
function distVariable(where: string, what: string, v: unknown, maxCore = 0): Variable {
  const op = v instanceof pt.Variable ? v.owner?.op : undefined;
  if (!(v instanceof pt.Variable) || !(op instanceof RandomVariable) || v.outputIndex !== 1) {
    throw new Error(`${where}: ${what} must be a distribution variable made with .dist(), e.g. Normal.dist(0, 100)`);
  }
  if (v.name) {
    throw new Error(
      `${where}: The dist ${v.name} was already registered in the current model. You should use an unregistered (unnamed) distribution created via the .dist() API instead`,
    );
  }
  if (coreNdim(v) > maxCore) throw new Error(`${where}: ${what} must be a ${maxCore ? "scalar or vector" : "scalar (univariate)"} distribution, got ${op}`);
  return v;
}

/**
 * The same distribution with a new size (PyMC's change_dist_size); with `timeAxis`, its parameters get
 * a trailing axis of length one first, so that batch-shaped parameters broadcast over time.
 */
function resized(rv: Variable, size: number[], timeAxis = false): Variable {
  const op = rv.owner!.op as RandomVariable;
  const cores = parseSignature(op.spec.signature).params;
  // the time axis goes before a parameter's core dimensions, where it has batch dimensions
  const params = rvParams(rv).map((p, i) => (timeAxis && p.ndim > cores[i].length ? pt.expandDims(p, [p.ndim - cores[i].length]) : p));
  return randomVariable(op.spec, params, { size });
}

/** The number of steps from `steps` or the shape (its last dimension less `offset`), or a clear error. */
function stepsOf(where: string, opts: Record<string, unknown>, shape: number[] | undefined, offset: number): number {
  const given = opts.steps === undefined ? undefined : constantInt(where, "steps", opts.steps, 1);
  if (shape) {
    if (!shape.length) throw new Error(`${where}: the shape must have a time axis (steps + ${offset} values), got ()`);
    const fromShape = shape[shape.length - 1] - offset;
    if (given !== undefined && given !== fromShape) {
      throw new Error(
        `${where}: steps = ${given} does not match the shape (${shape.join(", ")}), whose last axis holds steps + ${offset} = ${fromShape + offset} values`,
      );
    }
    if (fromShape < 1) throw new Error(`${where}: the shape (${shape.join(", ")}) leaves no steps: its last axis must hold more than ${offset} values`);
    return fromShape;
  }
  if (given === undefined) throw new Error(`${where}: Must specify steps or shape parameter (the number of steps must be known when the model is built)`);
  return given;
}

// ---- RandomWalk and GaussianRandomWalk ----------------------------------------------------------

function randomWalkSpec(name: string, rv: RandomVariableSpec): DistributionSpec {
  return {
    name,
    rv,
    params: ["init_dist", "innovation_dist", "steps"],
    toRvParams(given, where) {
      const steps = constantInt(where, "steps", required(given, where, "steps"), 1);
      return [required(given, where, "init_dist"), required(given, where, "innovation_dist"), marker(steps + 1)];
    },
    checks: () => [],
    logp(value, [init, innovation]) {
      // init_dist's logp of x[..., 0] plus the innovations' logp of the differences, summed over time
      const lead = Array.from({ length: value.ndim - 1 }, () => ({ start: null, stop: null, step: null }));
      const first = pt.subtensorOf(value, [...lead, 0]);
      const initLogp = logpOf(distributionOf(init), first, rvParams(init));
      const diffs = pt.sub(shifted(value, 1, null), shifted(value, 0, -1));
      const innovationLogp = pt.sum(logpOf(distributionOf(innovation), diffs, rvParams(innovation)), -1);
      return pt.add(initLogp, innovationLogp);
    },
    defaultTransform: () => null,
    supportPoint([init, innovation, m]) {
      // the cumulative sum of the support points; the innovations' is constant along time
      const t = m.type.shape[0]!;
      const start = distributionOf(init).supportPoint(rvParams(init));
      const step = distributionOf(innovation).supportPoint(rvParams(innovation));
      const k = pt.constant(
        Array.from({ length: t }, (_, i) => i),
        null,
        "float64",
      );
      return pt.add(start.ndim ? pt.expandDims(start, [start.ndim]) : start, pt.mul(step, k));
    },
  };
}

const randomWalkBase = defineDistribution(randomWalkSpec("RandomWalk", RV.random_walk));
const gaussianRandomWalkBase = defineDistribution(randomWalkSpec("GaussianRandomWalk", { ...RV.random_walk, name: "gaussian_random_walk_rv" }));

function takeNamed(where: string, positional: unknown[], opts: Record<string, unknown>, names: string[], extra: string[] = []): Record<string, unknown> {
  if (positional.length > names.length)
    throw new Error(`${where}: takes at most ${names.length} positional parameters (${names.join(", ")}), got ${positional.length}`);
  const out: Record<string, unknown> = {};
  positional.forEach((v, i) => (out[names[i]] = v));
  for (const k of [...names, ...extra]) {
    if (!(k in opts)) continue;
    if (out[k] !== undefined) throw new Error(`${where}: parameter ${k} is given twice`);
    out[k] = opts[k];
    delete opts[k];
  }
  return out;
}

function randomWalk(family: "RandomWalk" | "GaussianRandomWalk", name: string | undefined, args: unknown[]): Variable {
  const base = family === "RandomWalk" ? randomWalkBase : gaussianRandomWalkBase;
  if (name !== undefined && (typeof name !== "string" || !name)) return base(name, ...args);
  const where = name === undefined ? `${family}.dist` : `${family}('${name}')`;
  const { positional, opts } = splitArgs(args);
  let innovation: Variable;
  if (family === "GaussianRandomWalk") {
    const p = takeNamed(where, positional, opts, ["mu", "sigma"], ["tau"]);
    try {
      innovation = Normal.dist({ mu: p.mu ?? 0.0, sigma: p.sigma, tau: p.tau });
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message.replace(/^Normal\.dist: /, "")}`);
    }
  } else {
    const p = takeNamed(where, positional, opts, [], ["innovation_dist"]);
    if (p.innovation_dist === undefined) throw new Error(`${where}: missing parameter innovation_dist (an unnamed distribution made with .dist())`);
    innovation = distVariable(where, "innovation_dist", p.innovation_dist);
  }
  // PyMC 5's default with a warning; here without one
  const init = distVariable(where, "init_dist", opts.init_dist ?? Normal.dist(0, 100));
  const shape = givenShape(where, opts, name !== undefined);
  const steps = stepsOf(where, opts, shape, 1);
  const batch = shape ? shape.slice(0, -1) : broadcastStatic(where, [init.type.shape, innovation.type.shape]);
  Object.assign(opts, { init_dist: resized(init, batch), innovation_dist: resized(innovation, [...batch, steps], true), steps });
  return name === undefined ? base.dist(opts) : base(name, opts);
}

/** RandomWalk(name, { init_dist, innovation_dist, steps | shape }): PyMC's general random walk. */
export const RandomWalk: Distribution = Object.assign((name: string, ...args: unknown[]) => randomWalk("RandomWalk", name, args), {
  dist: (...args: unknown[]) => randomWalk("RandomWalk", undefined, args),
  spec: randomWalkBase.spec,
});

/** GaussianRandomWalk(name, { mu = 0, sigma = 1, init_dist = Normal.dist(0, 100), steps | shape }). */
export const GaussianRandomWalk: Distribution = Object.assign((name: string, ...args: unknown[]) => randomWalk("GaussianRandomWalk", name, args), {
  dist: (...args: unknown[]) => randomWalk("GaussianRandomWalk", undefined, args),
  spec: gaussianRandomWalkBase.spec,
});

// ---- MvGaussianRandomWalk ------------------------------------------------------------------------

/** x[..., start:stop, :] on the time axis (the one before the last). */
function timeAxis(x: Variable, start: number | null, stop: number | null): Variable {
  const lead = Array.from({ length: x.ndim - 2 }, () => ({ start: null, stop: null, step: null }));
  return pt.subtensorOf(x, [...lead, { start, stop, step: null }]);
}

export const mvGaussianRandomWalkSpec: DistributionSpec = {
  name: "MvGaussianRandomWalk",
  rv: { name: "mv_gaussian_random_walk_rv", signature: "(n),(s,n),(t,n)->(t,n)", dtype: "float64", sampler: "mvRandomWalkVariate", nParams: 3 },
  params: ["init_dist", "innovation_dist", "steps"],
  toRvParams(given, where) {
    const steps = constantInt(where, "steps", required(given, where, "steps"), 1);
    const innovation = required(given, where, "innovation_dist");
    const n = innovation.type.shape[innovation.ndim - 1]!;
    const zeros = pt.constant(
      Array.from({ length: steps + 1 }, () => new Array(n).fill(0)),
      null,
      "float64",
    );
    return [required(given, where, "init_dist"), innovation, zeros];
  },
  checks: () => [],
  logp(value, [init, innovation]) {
    // init_dist's logp of x[..., 0, :] plus the innovations' logp of the differences along time
    const lead = Array.from({ length: value.ndim - 2 }, () => ({ start: null, stop: null, step: null }));
    const initLogp = logpOf(distributionOf(init), pt.subtensorOf(value, [...lead, 0]), rvParams(init));
    const diffs = pt.sub(timeAxis(value, 1, null), timeAxis(value, 0, -1));
    return pt.add(initLogp, pt.sum(logpOf(distributionOf(innovation), diffs, rvParams(innovation)), -1));
  },
  defaultTransform: () => null,
  supportPoint([init, innovation, m]) {
    const t = m.type.shape[0]!;
    const start = distributionOf(init).supportPoint(rvParams(init));
    const step = distributionOf(innovation).supportPoint(rvParams(innovation));
    const k = pt.constant(
      Array.from({ length: t }, (_, i) => [i]),
      null,
      "float64",
    );
    return pt.add(pt.expandDims(start, [start.ndim - 1]), pt.mul(step, k));
  },
};

const mvGaussianRandomWalkBase = defineDistribution(mvGaussianRandomWalkSpec);

function mvGaussianRandomWalk(name: string | undefined, args: unknown[]): Variable {
  const base = mvGaussianRandomWalkBase;
  if (name !== undefined && (typeof name !== "string" || !name)) return base(name, ...args);
  const where = name === undefined ? "MvGaussianRandomWalk.dist" : `MvGaussianRandomWalk('${name}')`;
  const { positional, opts } = splitArgs(args);
  const p = takeNamed(where, positional, opts, ["mu", "cov"], ["tau", "chol", "lower"]);
  if (p.mu === undefined) throw new Error(`${where}: missing parameter mu`);
  let innovation: Variable;
  try {
    innovation = MvNormal.dist(p);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message.replace(/^MvNormal\.dist: /, "")}`);
  }
  const n = innovation.type.shape[innovation.ndim - 1]!;
  const eye100 = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 100 : 0)));
  // PyMC 5's default: MvNormal.dist(0, I·100)
  const init = distVariable(where, "init_dist", opts.init_dist ?? MvNormal.dist(new Array(n).fill(0), eye100), 1);
  if (coreNdim(init) !== 1 || init.type.shape[init.ndim - 1] !== n) {
    throw new Error(`${where}: init_dist must be a multivariate distribution of ${n} values, got ${init.type}`);
  }
  const shape = givenShape(where, opts, name !== undefined);
  if (shape && (shape.length < 2 || shape[shape.length - 1] !== n)) {
    throw new Error(`${where}: the shape (${shape.join(", ")}) must end with the time axis and the ${n} values of each step`);
  }
  const steps = stepsOf(where, opts, shape?.slice(0, -1), 1);
  const batch = shape ? shape.slice(0, -2) : broadcastStatic(where, [init.type.shape.slice(0, -1), innovation.type.shape.slice(0, -1)]);
  Object.assign(opts, { init_dist: resized(init, batch), innovation_dist: resized(innovation, [...batch, steps], true), steps });
  return name === undefined ? base.dist(opts) : base(name, opts);
}

/** MvGaussianRandomWalk(name, { mu, cov | chol | tau, init_dist = MvNormal.dist(0, I·100), steps | shape }). */
export const MvGaussianRandomWalk: Distribution = Object.assign((name: string, ...args: unknown[]) => mvGaussianRandomWalk(name, args), {
  dist: (...args: unknown[]) => mvGaussianRandomWalk(undefined, args),
  spec: mvGaussianRandomWalkSpec,
});

// ---- AR -----------------------------------------------------------------------------------------

export const arSpec: DistributionSpec = {
  name: "AR",
  rv: RV.ar,
  params: ["rho", "sigma"],
  altParams: ["tau", "init_dist", "steps"],
  toRvParams(given, where) {
    const rho = required(given, where, "rho");
    const init = required(given, where, "init_dist");
    const order = init.type.shape[init.ndim - 1]!;
    const steps = constantInt(where, "steps", required(given, where, "steps"), 1);
    return [asFloat(rho), sigmaFrom(given, where), init, marker(steps + order)];
  },
  checks: ([, sigma]) => [[pt.gt(sigma, 0), "sigma > 0"]],
  logp(value, [rho, sigma, init]) {
    const order = init.type.shape[init.ndim - 1]!;
    const constant = rho.type.shape[rho.ndim - 1]! - order;
    const total = value.type.shape[value.ndim - 1];
    if (total === null) throw new Error("AR: the length of the series must be known");
    // E[x_t] = (rho_0) + Σ_k rho_k x_{t-k}, for every t >= ar_order at once
    const terms = Array.from({ length: order }, (_, i) => pt.mul(lastEntry(rho, constant + i), lastAxis(value, order - (i + 1), total - (i + 1))));
    if (constant) terms.unshift(lastEntry(rho, 0));
    const expectation = terms.reduce((a, b) => pt.add(a, b));
    const scale = sigma.ndim ? pt.expandDims(sigma, [sigma.ndim]) : sigma;
    const innovation = pt.sum(normalSpec.logp(pt.sub(lastAxis(value, order, null), expectation), [pt.constant(0.0, null, "float64"), scale]), -1);
    let initLogp = logpOf(distributionOf(init), lastAxis(value, 0, order), rvParams(init));
    if (coreNdim(init) === 0) initLogp = pt.sum(initLogp, -1);
    return pt.add(initLogp, innovation);
  },
  defaultTransform: () => null,
  supportPoint([, , init]) {
    // PyMC's: the last entry of init_dist's support point, along the whole series
    const start = pt.add(distributionOf(init).supportPoint(rvParams(init)), zeros(init.type.shape as number[]));
    return lastAxis(start, -1, null);
  },
};

const arBase = defineDistribution(arSpec);

function autoregressive(name: string | undefined, args: unknown[]): Variable {
  if (name !== undefined && (typeof name !== "string" || !name)) return arBase(name, ...args);
  const where = name === undefined ? "AR.dist" : `AR('${name}')`;
  const { positional, opts } = splitArgs(args);
  const p = takeNamed(where, positional, opts, ["rho", "sigma", "tau"], ["constant", "ar_order"]);
  if (p.rho === undefined) throw new Error(`${where}: missing parameter rho`);
  let rho = tensorArg(where, "rho", p.rho);
  if (rho.ndim === 0) rho = pt.expandDims(rho, [0]);
  const constant = Boolean(p.constant ?? false);
  const c = constant ? 1 : 0;
  const rhoLength = rho.type.shape[rho.ndim - 1];
  let order: number;
  if (p.ar_order !== undefined) order = constantInt(where, "ar_order", p.ar_order, 1);
  else {
    if (rhoLength === null)
      throw new Error(`${where}: Could not infer ar_order from last dimension of rho. Pass it explicitly or make sure rho have a static shape`);
    order = rhoLength - c;
    if (order < 1) throw new Error(`${where}: Inferred ar_order is smaller than 1. Increase the last dimension of rho or remove constant_term`);
  }
  if (rhoLength !== order + c) {
    throw new Error(
      `${where}: rho has ${rhoLength ?? "an unknown number of"} coefficients along its last axis, but ar_order = ${order}${constant ? " with constant: true" : ""} needs ${order + c}`,
    );
  }
  const sigma = p.sigma === undefined ? undefined : tensorArg(where, "sigma", p.sigma);
  const tau = p.tau === undefined ? undefined : tensorArg(where, "tau", p.tau);
  const scale = sigmaFrom({ sigma, tau }, where);
  const shape = givenShape(where, opts, name !== undefined);
  const steps = stepsOf(where, opts, shape, order);
  const given = distVariable(where, "init_dist", opts.init_dist ?? Normal.dist(0, 100), 1);
  const givenBatch = coreNdim(given) ? given.type.shape.slice(0, -1) : given.ndim ? given.type.shape.slice(0, -1) : [];
  const batch = shape ? shape.slice(0, -1) : broadcastStatic(where, [scale.type.shape, rho.type.shape.slice(0, -1), givenBatch]);
  let init: Variable;
  if (coreNdim(given) === 0) init = resized(given, [...batch, order]);
  else {
    if (given.type.shape[given.ndim - 1] !== order)
      throw new Error(`${where}: init_dist must have ar_order = ${order} values along its last axis, got ${given.type}`);
    init = given;
  }
  Object.assign(opts, { rho, sigma, tau, init_dist: init, steps });
  return name === undefined ? arBase.dist(opts) : arBase(name, opts);
}

/** AR(name, { rho, sigma = 1, constant = false, init_dist = Normal.dist(0, 100), ar_order, steps | shape }). */
export const AR: Distribution = Object.assign((name: string, ...args: unknown[]) => autoregressive(name, args), {
  dist: (...args: unknown[]) => autoregressive(undefined, args),
  spec: arSpec,
});

// ---- GARCH11 ------------------------------------------------------------------------------------

export const garch11Spec: DistributionSpec = {
  name: "GARCH11",
  rv: { name: "garch11_rv", signature: "(),(),(),(),(t)->(t)", dtype: "float64", sampler: "garch11Variate", nParams: 5 },
  params: ["omega", "alpha_1", "beta_1", "initial_vol"],
  altParams: ["steps"],
  toRvParams(given, where) {
    const ps = ["omega", "alpha_1", "beta_1", "initial_vol"].map((k) => asFloat(required(given, where, k)));
    if (ps.some((p) => p.ndim !== 0))
      throw new Error(`${where}: omega, alpha_1, beta_1 and initial_vol must be scalars (batches of series are not supported yet)`);
    const steps = constantInt(where, "steps", required(given, where, "steps"), 1);
    return [...ps, marker(steps + 1)];
  },
  checks: ([omega, alpha, beta, vol0]) => [
    [pt.gt(omega, 0), "omega > 0"],
    [pt.ge(alpha, 0), "alpha_1 >= 0"],
    [pt.ge(beta, 0), "beta_1 >= 0"],
    [pt.ge(vol0, 0), "initial_vol >= 0"],
  ],
  logp(value, [omega, alpha, beta, vol0]) {
    // y_t ~ N(0, vol_t), the volatilities by one forward loop (PyMC's scan)
    const vol = garchVolatility(omega, alpha, beta, vol0, value);
    return pt.sum(normalSpec.logp(value, [pt.constant(0.0, null, "float64"), vol]), -1);
  },
  defaultTransform: () => null,
  supportPoint: () => pt.constant(0.0, null, "float64"),
};

const garch11Base = defineDistribution(garch11Spec);

function garch11(name: string | undefined, args: unknown[]): Variable {
  if (name !== undefined && (typeof name !== "string" || !name)) return garch11Base(name, ...args);
  const where = name === undefined ? "GARCH11.dist" : `GARCH11('${name}')`;
  const { positional, opts } = splitArgs(args);
  const shape = givenShape(where, opts, name !== undefined);
  if (shape && shape.length !== 1) throw new Error(`${where}: the shape (${shape.join(", ")}) must be one series (batches of series are not supported yet)`);
  opts.steps = stepsOf(where, opts, shape, 1);
  return name === undefined ? garch11Base.dist(...positional, opts) : garch11Base(name, ...positional, opts);
}

/** GARCH11(name, { omega, alpha_1, beta_1, initial_vol, steps | shape }): PyMC's GARCH(1,1), one series. */
export const GARCH11: Distribution = Object.assign((name: string, ...args: unknown[]) => garch11(name, args), {
  dist: (...args: unknown[]) => garch11(undefined, args),
  spec: garch11Spec,
});
