// OrderedLogistic(eta, cutpoints): PyMC's ordinal regression, a Categorical whose probabilities
// are differences of sigmoid(cutpoints - eta) along the last axis (p_0 = 1 - σ(eta - c_0), …).
// As in PyMC the variable is a Categorical (printed and dispatched as one); pair the cutpoints with
// the `ordered` transform.
import * as pt from "../tensor.js";
import type { Variable } from "../graph/basic.js";
import { asTensor, type TensorLike } from "../ops/constant.js";
import { Categorical, categoricalSpec } from "./categorical.js";
import type { Distribution } from "./distribution.js";

/**
 * PyMC's OrderedLogistic.compute_p: p_k = σ(c_k - eta) - σ(c_{k-1} - eta), with σ(c_{-1} - eta) = 0
 * and σ(c_K - eta) = 1. Each difference is taken as σ(eta - c_{k-1}) - σ(eta - c_k) where both are
 * above 0.5 (and the top category as σ(eta - c_last)), so that a probability far out in the upper
 * tail does not round to 0.
 */
export function orderedLogisticP(eta: TensorLike, cutpoints: TensorLike): Variable {
  const e = asTensor(eta);
  const c = asTensor(cutpoints);
  if (c.ndim < 1) throw new Error("OrderedLogistic: cutpoints must have at least one dimension");
  const z = pt.sub(c, pt.expandDims(e, [e.ndim]));
  const lead = Array.from({ length: z.ndim - 1 }, () => ({ start: null, stop: null, step: null }));
  const slice = (start: number | null, stop: number | null) => pt.subtensorOf(z, [...lead, { start, stop, step: null }]);
  const lo = slice(null, -1);
  const hi = slice(1, null);
  const middle = pt.switch(pt.gt(lo, 0), pt.sub(pt.sigmoid(pt.neg(lo)), pt.sigmoid(pt.neg(hi))), pt.sub(pt.sigmoid(hi), pt.sigmoid(lo)));
  return pt.concatenate([pt.sigmoid(slice(0, 1)), middle, pt.sigmoid(pt.neg(slice(-1, null)))], -1);
}

const PARAMS = ["eta", "cutpoints"];

function translate(where: string, args: unknown[]): Record<string, unknown> {
  let opts: Record<string, unknown> = {};
  let positional = args;
  const last = args[args.length - 1];
  if (args.length && typeof last === "object" && last !== null && Object.getPrototypeOf(last) === Object.prototype && !("data" in last)) {
    opts = { ...(last as Record<string, unknown>) };
    positional = args.slice(0, -1);
  }
  if (positional.length > 2) throw new Error(`${where}: takes at most 2 positional parameters (eta, cutpoints), got ${positional.length}`);
  positional.forEach((v, i) => {
    if (opts[PARAMS[i]] !== undefined) throw new Error(`${where}: parameter ${PARAMS[i]} is given twice`);
    opts[PARAMS[i]] = v;
  });
  const { eta, cutpoints, compute_p: _computeP, ...rest } = opts;
  if (eta === undefined) throw new Error(`${where}: missing parameter eta`);
  if (cutpoints === undefined) throw new Error(`${where}: missing parameter cutpoints`);
  return { ...rest, p: orderedLogisticP(eta as TensorLike, cutpoints as TensorLike) };
}

export const OrderedLogistic: Distribution = Object.assign(
  (name: string, ...args: unknown[]) => Categorical(name, translate(`OrderedLogistic('${name}')`, args)),
  { dist: (...args: unknown[]) => Categorical.dist(translate("OrderedLogistic.dist", args)), spec: categoricalSpec },
);
