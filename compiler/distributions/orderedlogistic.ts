// OrderedLogistic(eta, cutpoints): PyMC's ordinal regression, a Categorical whose probabilities
// are differences of sigmoid(cutpoints - eta) along the last axis (p_0 = 1 - σ(eta - c_0), …).
// As in PyMC the variable is a Categorical (printed and dispatched as one); pair the cutpoints with
// the `ordered` transform.
import * as pt from "../tensor.js";
import type { Variable } from "../graph/basic.js";
import { asTensor, type TensorLike } from "../ops/constant.js";
import { Categorical, categoricalSpec } from "./categorical.js";
import type { Distribution } from "./distribution.js";

/** PyMC's OrderedLogistic.compute_p. */
export function orderedLogisticP(eta: TensorLike, cutpoints: TensorLike): Variable {
  const e = asTensor(eta);
  const c = asTensor(cutpoints);
  if (c.ndim < 1) throw new Error("OrderedLogistic: cutpoints must have at least one dimension");
  const pa = pt.sigmoid(pt.sub(c, pt.expandDims(e, [e.ndim])));
  const first = pt.subtensorOf(pa, [
    ...Array.from({ length: pa.ndim - 1 }, () => ({ start: null, stop: null, step: null })),
    { start: 0, stop: 1, step: null },
  ]);
  const cum = pt.concatenate([pt.mul(first, 0), pa, pt.add(pt.mul(first, 0), 1)], -1);
  const lead = Array.from({ length: cum.ndim - 1 }, () => ({ start: null, stop: null, step: null }));
  return pt.sub(pt.subtensorOf(cum, [...lead, { start: 1, stop: null, step: null }]), pt.subtensorOf(cum, [...lead, { start: null, stop: -1, step: null }]));
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
