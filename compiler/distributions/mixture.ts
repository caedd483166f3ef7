// Mixture(w, comp_dists) and NormalMixture(w, mu, sigma | tau): PyMC's marginal mixtures. The
// components are `.dist()` RandomVariables (several, or one with the components on its last axis);
// logp and logcdf are logsumexp_k(log w_k + logp_k(value)), with the components' own checks under
// the weights' check; a draw picks a component per element with probabilities w (ops/mixture.ts).
import * as pt from "../tensor.js";
import { Constant, Variable } from "../graph/basic.js";
import { graphInputs } from "../graph/traversal.js";
import { constant } from "../ops/constant.js";
import { shape as shapeOf } from "../ops/shape.js";
import { isRandomVariable, parseSignature, RandomGeneratorSharedVariable, randomVariable, type RandomVariable } from "../ops/random.js";
import { broadcastStatic, MIXTURE_RV, MixtureRV, mixtureVariable } from "../ops/mixture.js";
import type { Transform } from "../transforms.js";
import {
  defineDistribution,
  distributionOf,
  logcdfOf,
  logpOf,
  modelContext,
  rvParams,
  shapeFromDims,
  tensorArg,
  type DistributionSpec,
  type ParamCheck,
  type RVOptions,
} from "./distribution.js";
import { Normal } from "./normal.js";

const layoutOf = (comps: Variable[]) => (comps.length === 1 ? "axis" : "list");

/** Each component's value of `f` (logp or logcdf) at `value`, the components on a new last axis. */
function componentTerms(value: Variable, comps: Variable[], f: (spec: DistributionSpec, v: Variable, params: Variable[]) => Variable): Variable {
  if (comps.length === 1) return f(distributionOf(comps[0]), pt.expandDims(value, [value.ndim]), rvParams(comps[0]));
  const terms = comps.map((c) => f(distributionOf(c), value, rvParams(c)));
  const ndim = Math.max(...terms.map((t) => t.ndim));
  return pt.stack(
    terms.map((t) => (t.ndim < ndim ? pt.expandDims(t, [...Array(ndim - t.ndim).keys()]) : t)),
    ndim,
  );
}

/** logsumexp over the components of log w + the components' terms, max-shifted. */
function mix(w: Variable, terms: Variable): Variable {
  const x = pt.add(pt.log(w), terms);
  return pt.logsumexp(x, x.ndim - 1);
}

/** A transform every component shares and that does not depend on where the value is (PyMC's rule). */
function commonTransform(comps: Variable[]): Transform | null {
  if (comps[0].dtype !== "float64") return null;
  const ts = comps.map((c) => distributionOf(c).defaultTransform(rvParams(c)));
  const first = ts[0];
  if (!first || ts.some((t) => !t || t.name !== first.name)) return null;
  if (["log", "logodds", "circular"].includes(first.name)) return first;
  if (!["interval", "lowerbound", "upperbound"].includes(first.name)) return null;
  // Bounds from the parameters: kept only when they are constants, scalars and the same for all.
  const probes = [-3, 0, 0.5, 4];
  const at = (t: Transform) =>
    probes.map((p) => {
      const g = t.backward(constant(p, null, "float64"));
      if (g.ndim !== 0 || !graphInputs([g]).every((v) => v instanceof Constant)) return Number.NaN;
      return pt.evaluate(g) as number;
    });
  const ref = at(first);
  if (ref.some(Number.isNaN)) return null;
  return ts.every((t) => at(t!).every((x, i) => x === ref[i])) ? first : null;
}

/** The weights on the last axis, one component at a time (for the support point). */
function weightAt(w: Variable, k: number): Variable {
  const nd = w.ndim;
  const moved = nd === 1 ? w : pt.transpose(w, [nd - 1, ...Array(nd - 1).keys()]);
  return pt.subtensorOf(moved, [k]);
}

export const mixtureSpec: DistributionSpec = {
  name: "Mixture",
  rv: MIXTURE_RV,
  params: ["w", "comp_dists"],
  toRvParams: (_given, where) => {
    throw new Error(`${where}: a Mixture is made by Mixture(...) or Mixture.dist(...)`);
  },
  checks: ([w]): ParamCheck[] => [
    [
      pt.and(pt.all(pt.and(pt.ge(w, 0), pt.le(w, 1))), pt.all(pt.le(pt.abs(pt.sub(pt.sum(w, w.ndim - 1), 1)), 1.001e-5))),
      "0 <= weights <= 1, sum(weights) == 1",
    ],
  ],
  logp: (value, [w, ...comps]) => mix(w, componentTerms(value, comps, logpOf)),
  logcdf(value, [w, ...comps]) {
    comps.forEach((c, k) => {
      const spec = distributionOf(c);
      if (!spec.logcdf) throw new Error(`logcdf: component ${k} of the Mixture (${spec.name}) has no logcdf`);
    });
    return mix(w, componentTerms(value, comps, logcdfOf));
  },
  defaultTransform: ([, ...comps]) => commonTransform(comps),
  supportPoint([w, ...comps]) {
    let sp: Variable;
    if (comps.length === 1) {
      const c = distributionOf(comps[0]).supportPoint(rvParams(comps[0]));
      sp = pt.sum(pt.mul(w, c), Math.max(w.ndim, c.ndim) - 1);
    } else {
      sp = comps.map((c, k) => pt.mul(weightAt(w, k), distributionOf(c).supportPoint(rvParams(c)))).reduce((a, b) => pt.add(a, b));
    }
    return comps[0].dtype === "int64" ? pt.floor(pt.add(sp, 0.5)) : sp;
  },
};

// Registers the spec for logp dispatch and printing; the user-facing functions are below.
defineDistribution(mixtureSpec);

const OPTION_KEYS = ["shape", "size", "observed", "transform", "initval", "dims", "seed"];

/** Split `(w, comp_dists, opts)` or `({ w, comp_dists, ...opts })` into parameters and options. */
function parseArgs(where: string, names: string[], args: unknown[]): { given: Record<string, unknown>; options: RVOptions } {
  let opts: Record<string, unknown> = {};
  let positional = args;
  const last = args[args.length - 1];
  if (args.length && typeof last === "object" && last !== null && Object.getPrototypeOf(last) === Object.prototype) {
    opts = last as Record<string, unknown>;
    positional = args.slice(0, -1);
  }
  if (positional.length > names.length)
    throw new Error(`${where}: takes at most ${names.length} positional parameters (${names.join(", ")}), got ${positional.length}`);
  const given: Record<string, unknown> = Object.create(null);
  positional.forEach((v, i) => {
    if (v !== undefined) given[names[i]] = v;
  });
  const options: RVOptions = {};
  for (const [key, value] of Object.entries(opts)) {
    if (key === "rng") throw new Error(`${where}: an rng object is not supported (draws come from seeded streams); give seed: <number or string>`);
    if (OPTION_KEYS.includes(key)) (options as Record<string, unknown>)[key] = value;
    else if (names.includes(key)) {
      if (given[key] !== undefined) throw new Error(`${where}: parameter ${key} is given twice`);
      if (value !== undefined) given[key] = value;
    } else throw new Error(`${where}: unknown parameter '${key}'; it takes ${names.join(", ")} (options: ${OPTION_KEYS.slice(0, 5).join(", ")})`);
  }
  if (options.shape !== undefined && options.size !== undefined) throw new Error(`${where}: give shape or size, not both`);
  return { given, options };
}

/** The components as given: `.dist()` RandomVariables, all discrete or all continuous, univariate. */
function componentsOf(where: string, compDists: unknown): Variable[] {
  if (compDists === undefined) throw new Error(`${where}: missing parameter comp_dists`);
  const list = Array.isArray(compDists) ? compDists : [compDists];
  if (!list.length) throw new Error(`${where}: comp_dists is empty`);
  list.forEach((c, k) => {
    const which = Array.isArray(compDists) ? `component ${k}` : "comp_dists";
    if (!(c instanceof Variable) || !isRandomVariable(c)) {
      throw new Error(
        `${where}: ${which} must be a distribution created with .dist(...) (e.g. Normal.dist(0, 1)), got ${c instanceof Variable ? c.type : typeof c}`,
      );
    }
    if (c.name !== null) throw new Error(`${where}: ${which} is the model variable '${c.name}'; use an unregistered .dist(...) instead`);
    const op = c.owner!.op as RandomVariable;
    if (op instanceof MixtureRV) throw new Error(`${where}: ${which} is a Mixture; mixtures of mixtures are not supported yet`);
    if (parseSignature(op.spec.signature).out.length)
      throw new Error(`${where}: ${which} (${distributionOf(c).name}) is multivariate; only univariate components are supported yet`);
  });
  const kinds = new Set(list.map((c: Variable) => c.dtype === "int64"));
  if (kinds.size > 1) {
    const names = list.map((c: Variable) => `${distributionOf(c).name} (${c.dtype === "int64" ? "discrete" : "continuous"})`).join(", ");
    throw new Error(`${where}: all distributions in comp_dists must be either discrete or continuous, got ${names}`);
  }
  if (list.length === 1 && list[0].ndim < 1) throw new Error(`${where}: a single component needs the components on its last axis, got a ${list[0].type}`);
  return list;
}

/** The component resized to `size` (PyMC's change_dist_size), drawing from its own rng. */
function resized(c: Variable, size: Variable): Variable {
  const op = c.owner!.op as RandomVariable;
  return randomVariable(op.spec, rvParams(c), { size, rng: c.owner!.inputs[0] as RandomGeneratorSharedVariable });
}

/** The mixture's RandomVariable: shape from options or the components and weights, components resized to it. */
function build(where: string, w: Variable, comps: Variable[], options: RVOptions, name?: string): Variable {
  const k = comps.length === 1 ? comps[0].type.shape[comps[0].ndim - 1] : comps.length;
  if (w.ndim < 1) throw new Error(`${where}: w must have the components on its last axis, got a ${w.type}`);
  const wk = w.type.shape[w.ndim - 1];
  if (wk !== null && k !== null && wk !== k) throw new Error(`${where}: w has ${wk} weights on its last axis but there are ${k} components`);
  if (w instanceof Constant) {
    const ok = pt.evaluate(mixtureSpec.checks([w])[0][0]);
    if (!ok) throw new Error(`${where}: invalid parameter: 0 <= weights <= 1, sum(weights) == 1 does not hold (w = ${w})`);
  }
  let size: Variable;
  const s = options.shape ?? options.size;
  if (s instanceof Variable) size = s;
  else if (s !== undefined) size = constant(typeof s === "number" ? [s] : [...s], null, "int64");
  else {
    const batch =
      comps.length === 1
        ? comps[0].type.shape.slice(0, -1)
        : broadcastStatic(
            where,
            comps.map((c) => c.type.shape),
          );
    const out = broadcastStatic(where, [batch, w.type.shape.slice(0, -1)]);
    if (out.some((d) => d === null)) throw new Error(`${where}: the mixture's shape is not known; give shape: [...]`);
    size = constant(out as number[], null, "int64");
  }
  let sized: Variable[];
  try {
    if (comps.length > 1) sized = comps.map((c) => resized(c, size));
    else {
      const n = k ?? wk;
      if (n === null) throw new Error("the number of components (the last axis of comp_dists or of w) must be known");
      sized = [resized(comps[0], pt.concatenate([size, constant([n], null, "int64")]))];
    }
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  const rng = new RandomGeneratorSharedVariable(options.seed ?? `mixture/${Math.random()}`);
  const rv = mixtureVariable(layoutOf(comps), rng, size, w, sized);
  if (name) rv.name = name;
  return rv;
}

function weights(where: string, w: unknown): Variable {
  if (w === undefined) throw new Error(`${where}: missing parameter w`);
  return tensorArg(where, "w", w);
}

/** The named RV: registered in the model being built, its shape from observed when none is given. */
function named(family: string, name: unknown, make: (where: string, options: RVOptions, name: string) => Variable, args: unknown[]) {
  if (typeof name !== "string" || !name) {
    throw new Error(`${family}: the first argument must be the variable's name (use ${family}.dist(...) for an unnamed one)`);
  }
  const where = `${family}('${name}')`;
  const ctx = modelContext.current;
  if (!ctx) throw new Error(`${where} must be created inside Model.build(...) or model(...); use ${family}.dist(...) outside a model`);
  const options = args[0] as RVOptions;
  const registrarOpts = { ...options };
  const sized = { ...options };
  sized.shape ??= shapeFromDims(ctx, where, options);
  if (options.observed !== undefined && options.observed !== null && options.shape === undefined && options.size === undefined) {
    const obs = tensorArg(where, "observed", options.observed);
    if (obs.ndim > 0) sized.shape = obs.type.shape.every((d) => d !== null) ? (obs.type.shape as number[]) : (shapeOf(obs) as never);
  }
  return ctx.registerRV(make(where, sized, name), mixtureSpec, registrarOpts);
}

type Maker = (where: string, given: Record<string, unknown>, options: RVOptions, name?: string) => Variable;

function family(familyName: string, names: string[], make: Maker) {
  const fn = (name: string, ...args: unknown[]) => {
    const { given, options } = parseArgs(`${familyName}('${name}')`, names, args);
    return named(familyName, name, (where, opts, n) => make(where, given, opts, n), [options]);
  };
  const dist = (...args: unknown[]) => {
    const where = `${familyName}.dist`;
    const { given, options } = parseArgs(where, names, args);
    if (options.observed !== undefined) throw new Error(`${where}: observed is only for variables in a model`);
    if ((options as Record<string, unknown>).dims !== undefined) {
      throw new Error(`${where}: dims name a model's coords, so they are only for variables in a model; give shape`);
    }
    return make(where, given, options);
  };
  return Object.assign(fn, { dist, spec: mixtureSpec });
}

/** PyMC's Mixture(name, w, comp_dists, opts): comp_dists an array of `.dist()` RVs, or one with the components last. */
export const Mixture = family("Mixture", ["w", "comp_dists"], (where, given, options, name) =>
  build(where, weights(where, given.w), componentsOf(where, given.comp_dists), options, name),
);

/** PyMC's NormalMixture(name, w, mu, sigma | tau, opts): Normal(mu[k], sigma[k]) components on the last axis. */
export const NormalMixture = family("NormalMixture", ["w", "mu", "sigma", "tau"], (where, given, options, name) => {
  if (given.mu === undefined) throw new Error(`${where}: missing parameter mu`);
  const params: Record<string, unknown> = { mu: given.mu };
  if (given.sigma !== undefined) params.sigma = given.sigma;
  if (given.tau !== undefined) params.tau = given.tau;
  const comp = Normal.dist(params);
  if (comp.ndim === 0) throw new Error(`${where}: mu and sigma must have the components on their last axis`);
  return build(where, weights(where, given.w), [comp], options, name);
});
