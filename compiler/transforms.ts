// Transforms from a constrained support to the whole real line, as PyMC defines them: forward
// (constrained → unconstrained), backward, and log|det J| of backward at the unconstrained value.
import * as pt from "./tensor.js";
import type { Variable, TensorLike } from "./tensor.js";

export interface Transform {
  /** PyMC's name; the value variable is called `${rv}_${name}__`. */
  readonly name: string;
  forward(x: Variable): Variable;
  backward(v: Variable): Variable;
  /** log |d backward(v) / dv|, elementwise (same shape as v). */
  logJacDet(v: Variable): Variable;
  /** The value variable's shape when it differs from the variable's (simplex: one entry fewer). */
  valueShape?(shape: readonly (number | null)[]): (number | null)[];
}

/** Positive reals: v = log(x). */
export const log: Transform = {
  name: "log",
  forward: (x) => pt.log(x),
  backward: (v) => pt.exp(v),
  logJacDet: (v) => v,
};

/** The unit interval: v = logit(x). */
export const logodds: Transform = {
  name: "logodds",
  forward: (x) => pt.logit(x),
  backward: (v) => pt.sigmoid(v),
  // log(sigmoid(v)) + log(1 - sigmoid(v)), in the stable form -softplus(-v) - softplus(v)
  logJacDet: (v) => pt.sub(pt.neg(pt.softplus(pt.neg(v))), pt.softplus(v)),
};

/**
 * The interval (lower, upper): v = log(x - lower) - log(upper - x). As in PyMC, a missing bound
 * (null, or a constant infinity) leaves a one-sided log transform that keeps the name `interval`.
 */
export function interval(lower: TensorLike | null, upper: TensorLike | null): Transform {
  const bound = (b: TensorLike | null, inf: number) => {
    if (b === null || b === undefined) return null;
    const v = pt.asTensorVariable(b);
    return v instanceof pt.Constant && v.data.length > 0 && Array.from(v.data).every((x) => x === inf) ? null : v;
  };
  const a = bound(lower, -Infinity);
  const b = bound(upper, Infinity);
  if (a && b) {
    return {
      name: "interval",
      forward: (x) => pt.sub(pt.log(pt.sub(x, a)), pt.log(pt.sub(b, x))),
      backward: (v) => pt.add(pt.mul(pt.sigmoid(v), pt.sub(b, a)), a),
      // log(b - a) - 2 softplus(-v) - v
      logJacDet: (v) => pt.sub(pt.sub(pt.log(pt.sub(b, a)), pt.mul(2, pt.softplus(pt.neg(v)))), v),
    };
  }
  if (a) return { ...lowerBound(a), name: "interval" };
  if (b) return { ...upperBound(b), name: "interval" };
  return { name: "interval", forward: (x) => x, backward: (v) => v, logJacDet: (v) => pt.mul(v, 0) };
}

/** Bounded below only: v = log(x - lower). */
export function lowerBound(lower: TensorLike): Transform {
  const a = pt.asTensorVariable(lower);
  return {
    name: "lowerbound",
    forward: (x) => pt.log(pt.sub(x, a)),
    backward: (v) => pt.add(pt.exp(v), a),
    logJacDet: (v) => v,
  };
}

/** Bounded above only: v = log(upper - x). */
export function upperBound(upper: TensorLike): Transform {
  const b = pt.asTensorVariable(upper);
  return {
    name: "upperbound",
    forward: (x) => pt.log(pt.sub(b, x)),
    backward: (v) => pt.sub(b, pt.exp(v)),
    logJacDet: (v) => v,
  };
}

/** Slice the last axis of x (x[..., start:stop]). */
function lastAxis(x: Variable, start: number | null, stop: number | null): Variable {
  const lead = Array.from({ length: x.ndim - 1 }, () => ({ start: null, stop: null, step: null }));
  return pt.subtensorOf(x, [...lead, { start, stop, step: null }]);
}

/**
 * The simplex (PyMC's SimplexTransform): an n-vector of positive entries summing to one maps to
 * n - 1 unconstrained numbers, v = log(x[:-1]) - mean(log(x)); its log-Jacobian is per vector.
 */
export const simplex: Transform = {
  name: "simplex",
  forward(x) {
    const lx = pt.log(x);
    const shift = pt.mean(lx, -1, true);
    return lastAxis(pt.sub(lx, shift), null, -1);
  },
  backward(v) {
    const full = pt.concatenate([v, pt.neg(pt.sum(v, -1, true))], -1);
    const e = pt.exp(pt.sub(full, pt.max(full, -1, true)));
    return pt.div(e, pt.sum(e, -1, true));
  },
  logJacDet(v) {
    const n = v.type.shape[v.ndim - 1];
    if (n === null) throw new Error("simplex: the length of the simplex must be known");
    const N = n + 1;
    const s = pt.sum(v, -1, true);
    const expanded = pt.concatenate([pt.add(v, s), pt.mul(s, 0)], -1);
    const lse = pt.logsumexp(expanded, -1, true);
    return pt.sum(pt.sub(pt.add(Math.log(N), pt.mul(N, s)), pt.mul(N, lse)), -1);
  },
  valueShape: (shape) => {
    const n = shape[shape.length - 1];
    return [...shape.slice(0, -1), n === null ? null : n - 1];
  },
};

/** Angles: v = atan2(sin x, cos x), wrapping onto [-π, π] (PyMC's circular; no Jacobian). */
export const circular: Transform = {
  name: "circular",
  forward: (x) => wrapAngle(x),
  backward: (v) => wrapAngle(v),
  logJacDet: (v) => pt.mul(v, 0),
};

function wrapAngle(x: Variable): Variable {
  // atan2(sin x, cos x) = x - 2π round(x / 2π), without an atan2 op
  const k = pt.floor(pt.add(pt.div(x, 2 * Math.PI), 0.5));
  return pt.sub(x, pt.mul(k, 2 * Math.PI));
}

/**
 * Increasing vectors along the last axis (PyMC's ordered): v0 = x0, vk = log(xk - x(k-1)); backward
 * is a cumulative sum of (v0, exp v1, …). log|J| = Σ_{k≥1} vk, returned per entry as (0, v1, v2, …)
 * so that it adds to an elementwise logp and sums to PyMC's value.
 */
export const ordered: Transform = {
  name: "ordered",
  forward(x) {
    const first = lastAxis(x, 0, 1);
    const diffs = pt.log(pt.sub(lastAxis(x, 1, null), lastAxis(x, 0, -1)));
    return pt.concatenate([first, diffs], -1);
  },
  backward(v) {
    const n = v.type.shape[v.ndim - 1];
    if (n === null || n === undefined) throw new Error("ordered: the length of the last axis must be known");
    const steps = pt.concatenate([lastAxis(v, 0, 1), pt.exp(lastAxis(v, 1, null))], -1);
    // cumulative sum as a masked sum: y[..., k] = Σ_j [j <= k] steps[..., j]
    const mask = pt.constant(
      Array.from({ length: n }, (_, k) => Array.from({ length: n }, (_, j) => (j <= k ? 1 : 0))),
      null,
      "float64",
    );
    return pt.sum(pt.mul(pt.expandDims(steps, [steps.ndim - 1]), mask), -1);
  },
  logJacDet: (v) => pt.concatenate([pt.mul(lastAxis(v, 0, 1), 0), lastAxis(v, 1, null)], -1),
};

/**
 * PyMC's MultivariateIntervalTransform: the interval transform on a vector whose log-Jacobian is
 * summed over the last axis (LKJCorr's default, `interval(-1, 1)`, value variable `x_interval__`).
 */
export function multivariateInterval(lower: TensorLike, upper: TensorLike): Transform {
  const base = interval(lower, upper);
  return { ...base, logJacDet: (v) => pt.sum(base.logJacDet(v), -1) };
}

/** Positions of the diagonal in a lower triangle packed by rows: 0, 2, 5, 9, … (i(i+3)/2). */
export const packedDiagonal = (n: number): number[] => Array.from({ length: n }, (_, i) => (i * (i + 3)) / 2);

/**
 * PyMC's CholeskyCovPacked(n) (`cholesky-cov-packed`, LKJCholeskyCov's default): a lower Cholesky
 * factor packed by rows keeps its off-diagonal entries and takes the log of its diagonal;
 * log|J| = Σ v[diagonal], per packed vector.
 */
export function choleskyCovPacked(n: number): Transform {
  const m = (n * (n + 1)) / 2;
  const diag = new Set(packedDiagonal(n));
  const isDiag = pt.constant(
    Array.from({ length: m }, (_, k) => diag.has(k)),
    null,
    "bool",
  );
  const onDiag = pt.constant(
    Array.from({ length: m }, (_, k) => (diag.has(k) ? 1 : 0)),
    null,
    "float64",
  );
  const check = (x: Variable) => {
    if (x.type.shape[x.ndim - 1] !== m) throw new Error(`cholesky-cov-packed: expected a last axis of ${m} = ${n}(${n} + 1)/2 entries, got ${x.type}`);
  };
  return {
    name: "cholesky-cov-packed",
    forward(x) {
      check(x);
      return pt.switch(isDiag, pt.log(pt.switch(isDiag, x, 1)), x);
    },
    backward(v) {
      check(v);
      // exp only where it is used, so that large off-diagonal values do not overflow into the gradient
      return pt.switch(isDiag, pt.exp(pt.mul(v, onDiag)), v);
    },
    logJacDet: (v) => pt.sum(pt.mul(v, onDiag), -1),
  };
}

/** x sliced along one axis (x[..., start:stop] at `axis`, counted from the front). */
function alongAxis(x: Variable, axis: number, start: number | null, stop: number | null): Variable {
  const lead = Array.from({ length: axis }, () => ({ start: null, stop: null, step: null }));
  return pt.subtensorOf(x, [...lead, { start, stop, step: null }]);
}

/**
 * PyMC's ZeroSumTransform over the last `nAxes` axes (`zerosum`, ZeroSumNormal's default): along each
 * axis, n entries summing to zero map to n - 1 free ones by a Householder-like reflection
 * (extend_axis_rev), and back (extend_axis); an isometry on the zero-sum subspace, so log|J| = 0.
 */
export function zeroSum(nAxes = 1): Transform {
  const axesOf = (x: Variable) => {
    if (x.ndim < nAxes) throw new Error(`zerosum: ${nAxes} zero-sum axes need a value of rank ${nAxes} at least, got ${x.type}`);
    return Array.from({ length: nAxes }, (_, i) => x.ndim - nAxes + i);
  };
  const sizeAt = (x: Variable, axis: number) => {
    const n = x.type.shape[axis];
    if (n === null) throw new Error(`zerosum: the length of axis ${axis} must be known, got ${x.type}`);
    return n;
  };
  return {
    name: "zerosum",
    forward(x) {
      let v = x;
      for (const axis of axesOf(x)) {
        const n = sizeAt(v, axis);
        // sum_vals = -last·√n; norm = sum_vals / (√n + n); v[..., :-1] + norm
        const last = alongAxis(v, axis, -1, null);
        const norm = pt.div(pt.mul(last, -Math.sqrt(n)), Math.sqrt(n) + n);
        v = pt.add(alongAxis(v, axis, null, -1), norm);
      }
      return v;
    },
    backward(v) {
      let x = v;
      for (const axis of axesOf(v)) {
        const n = sizeAt(x, axis) + 1;
        const sums = pt.sum(x, axis, true);
        const norm = pt.div(sums, Math.sqrt(n) + n);
        const fill = pt.sub(norm, pt.div(sums, Math.sqrt(n)));
        x = pt.sub(pt.concatenate([x, fill], axis), norm);
      }
      return x;
    },
    logJacDet: () => pt.constant(0.0, null, "float64"),
    valueShape: (shape) => shape.map((d, k) => (k >= shape.length - nAxes && d !== null ? d - 1 : d)),
  };
}

/**
 * Transforms applied in turn (PyMC's ChainedTransform, value variable `x_chain__`): forward in list
 * order, backward in reverse; log|J| is the sum of each one's at the value it sees on the way
 * back, a per-vector one taking the others summed over the last axis (as PyMC matches the smallest).
 */
export function chain(list: readonly Transform[]): Transform {
  if (!Array.isArray(list) || list.length === 0) throw new Error("transforms.chain: expected a non-empty array of transforms");
  return {
    name: "chain",
    forward: (x) => list.reduce((y, t) => t.forward(y), x),
    backward: (v) => list.reduceRight((x, t) => t.backward(x), v),
    logJacDet(v) {
      const dets: Variable[] = [];
      let x = v;
      for (const t of [...list].reverse()) {
        dets.push(t.logJacDet(x));
        x = t.backward(x);
      }
      const ndim = Math.min(...dets.map((d) => d.ndim));
      return dets.map((d) => (d.ndim > ndim ? pt.sum(d, -1) : d)).reduce((a, b) => pt.add(a, b));
    },
    valueShape: (shape) => list.reduce((s, t) => (t.valueShape ? t.valueShape(s) : s), shape),
  };
}

/** Positive increasing vectors: log, then ordered (PyMC's `Chain([log, ordered])`, `x_chain__`). */
export const positiveOrdered: Transform = chain([log, ordered]);

export const transforms = {
  log,
  logodds,
  interval,
  lowerBound,
  upperBound,
  simplex,
  circular,
  ordered,
  positiveOrdered,
  chain,
  multivariateInterval,
  choleskyCovPacked,
  zeroSum,
};
