// Reverse-mode differentiation: one walk over the graph in reverse topological order, asking each
// op for its local rule (micrograd's shape, PyTensor's `grad`).
import { Variable } from "./graph/basic.js";
import { toposort } from "./graph/traversal.js";
import { isFloat } from "./graph/type.js";
import { add, zerosLike } from "./ops/elemwise.js";
import { floatConst } from "./ops/constant.js";
import { ZeroGrad } from "./ops/zero-grad.js";
import { freezeLogSumExpShifts } from "./rewrite/shift-invariance.js";

export interface GradOptions {
  /** What to do for a `wrt` the cost does not depend on: raise (PyTensor's default) or return zeros. */
  disconnectedInputs?: "raise" | "zero";
}

/** d cost / d wrt for a scalar float cost, as graphs. */
export function grad(cost: Variable, wrt: Variable, opts?: GradOptions): Variable;
export function grad(cost: Variable, wrt: readonly Variable[], opts?: GradOptions): Variable[];
export function grad(cost: Variable, wrt: Variable | readonly Variable[], opts: GradOptions = {}): Variable | Variable[] {
  const list = wrt instanceof Variable ? [wrt] : [...wrt];
  if (cost.ndim !== 0) throw new Error(`grad: the cost must be a scalar, got ${cost.type}`);
  if (!isFloat(cost.dtype)) throw new Error(`grad: the cost must be a float, got ${cost.type}`);
  for (const w of list) if (!isFloat(w.dtype)) throw new Error(`grad: cannot differentiate with respect to ${w} of type ${w.type}`);

  const wrtSet = new Set(list);
  // The same cost, with the shifts whose gradient is identically zero marked as such.
  const frozen = freezeLogSumExpShifts(cost, wrtSet);
  const nodes = toposort([frozen], wrtSet);
  // Variables that depend on some wrt: only their gradients are needed. Nothing flows through ZeroGrad.
  const dependsOnWrt = new Set<Variable>(list);
  for (const node of nodes) {
    if (node.op instanceof ZeroGrad) continue;
    if (node.inputs.some((v) => dependsOnWrt.has(v))) node.outputs.forEach((o) => dependsOnWrt.add(o));
  }
  const grads = new Map<Variable, Variable>();
  if (dependsOnWrt.has(frozen)) grads.set(frozen, floatConst(1));

  for (let n = nodes.length - 1; n >= 0; n--) {
    const node = nodes[n];
    const outGrads = node.outputs.map((o) => grads.get(o) ?? null);
    if (outGrads.every((g) => g === null)) continue;
    if (!node.inputs.some((v) => dependsOnWrt.has(v))) continue;
    if (!node.op.grad) throw new Error(`grad: ${node.op} is not differentiable (in ${node})`);
    const inGrads = node.op.grad(
      node.inputs,
      node.outputs,
      outGrads,
      node.inputs.map((v) => dependsOnWrt.has(v)),
    );
    node.inputs.forEach((inp, i) => {
      const g = inGrads[i];
      if (!g || !dependsOnWrt.has(inp)) return;
      if (g.ndim !== inp.ndim) {
        throw new Error(`grad: ${node.op} returned a gradient of type ${g.type} for input ${inp} of type ${inp.type}`);
      }
      const prev = grads.get(inp);
      grads.set(inp, prev ? add(prev, g) : g);
    });
  }

  const result = list.map((w) => {
    const g = grads.get(w);
    if (g) return g;
    // Reached only through ZeroGrad: connected, with a zero gradient (as PyTensor's zero_grad).
    if (opts.disconnectedInputs === "zero" || reaches(w, frozen, wrtSet)) return zerosLike(w);
    throw new Error(`grad: the cost does not depend on ${w} (pass { disconnectedInputs: "zero" } to get zeros)`);
  });
  return wrt instanceof Variable ? result[0] : result;
}

/**
 * Whether `cost` depends on `w` through float values alone, ZeroGrad included (an integer on the
 * way disconnects, as everywhere else).
 */
function reaches(w: Variable, cost: Variable, leaves: ReadonlySet<Variable>): boolean {
  const downstream = new Set([w]);
  for (const node of toposort([cost], leaves)) {
    if (node.inputs.some((v) => downstream.has(v))) node.outputs.forEach((o) => isFloat(o.dtype) && downstream.add(o));
  }
  return downstream.has(cost);
}
