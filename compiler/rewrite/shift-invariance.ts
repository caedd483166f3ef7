// Before differentiation: a shifted log-sum-exp s + log(L(exp(x - s))), with L linear in the
// exponentials, equals log(L(exp(x))) for every s, so its partial derivative in s is exactly zero.
// Reverse mode cannot see that and builds the zero as two terms that cancel (through s = max(x),
// a mask and a sum per step of an HMM's forward loop). Both direct uses of s go behind zeroGrad,
// so the gradient flows through x alone; what s itself is computed from keeps its other uses.
import type { Apply, Variable } from "../graph/basic.js";
import { toposort } from "../graph/traversal.js";
import { DimShuffle } from "../ops/dimshuffle.js";
import { Reduce } from "../ops/reduce.js";
import { ZeroGrad, zeroGrad } from "../ops/zero-grad.js";
import { opName } from "./pattern.js";

/** v under DimShuffles that only add broadcast dims, with those DimShuffles (outermost first). */
function underExpands(v: Variable): { base: Variable; expands: Apply[] } {
  const expands: Apply[] = [];
  let cur = v;
  while (cur.owner?.op instanceof DimShuffle && cur.owner.op.isExpandOnly) {
    expands.push(cur.owner);
    cur = cur.owner.inputs[0];
  }
  return { base: cur, expands };
}

/** One step of L: the node, and which of its inputs carries the exponentials. */
interface LinearStep {
  node: Apply;
  through: number;
}

interface ShiftMatch {
  /** The scalar shift. */
  s: Variable;
  /** Its broadcast beside the log, and inside the subtraction (outermost first). */
  outerExpands: Apply[];
  innerExpands: Apply[];
  sub: Apply;
  exp: Apply;
  /** L's nodes from the exp up to the log's argument. */
  steps: LinearStep[];
  log: Apply;
  /** Whether the log is the Add's first input. */
  logFirst: boolean;
}

/**
 * Whether `v` depends on `s`. Nothing earlier than s in topological order can, which bounds the
 * walk to the nodes after s.
 */
function dependsOn(v: Variable, s: Variable, order: Map<Apply, number>): boolean {
  const floor = s.owner ? (order.get(s.owner) ?? -1) : -1;
  const seen = new Set<Variable>();
  const stack = [v];
  while (stack.length) {
    const cur = stack.pop()!;
    if (cur === s) return true;
    if (seen.has(cur) || !cur.owner) continue;
    seen.add(cur);
    const index = order.get(cur.owner);
    if (index === undefined || index <= floor) continue;
    stack.push(...cur.owner.inputs);
  }
  return false;
}

/**
 * The step of L at `node`: DimShuffle, Reshape and Sum of the exponentials, their Dot with, or
 * product with (quotient by) an operand that does not depend on s. Anything else is not linear
 * (or not known to be) and ends the match.
 */
function linearStep(node: Apply, s: Variable, order: Map<Apply, number>): LinearStep | null {
  const name = opName(node);
  if (node.op instanceof DimShuffle || name === "Reshape") return { node, through: 0 };
  if (node.op instanceof Reduce) return node.op.kind === "sum" ? { node, through: 0 } : null;
  if (name !== "Dot" && name !== "Mul" && name !== "True_div") return null;
  if (node.inputs.length !== 2) return null;
  const [a, b] = node.inputs.map((v) => dependsOn(v, s, order));
  if (a === b) return null;
  if (name === "True_div" && !a) return null;
  return { node, through: a ? 0 : 1 };
}

function matchShift(v: Variable, order: Map<Apply, number>): ShiftMatch | null {
  const add = v.owner;
  if (!add || opName(add) !== "Add" || add.inputs.length !== 2) return null;
  for (const logFirst of [true, false]) {
    const [logOut, outer] = logFirst ? add.inputs : [add.inputs[1], add.inputs[0]];
    if (!logOut.owner || opName(logOut.owner) !== "Log") continue;
    const { base: s, expands: outerExpands } = underExpands(outer);
    // A scalar shift scales every exponential alike, whatever L sums them into (one already
    // frozen, as pt.logsumexp's, is left as it is).
    if (s.ndim !== 0 || s.owner?.op instanceof ZeroGrad) continue;
    const steps: LinearStep[] = [];
    let cur = logOut.owner.inputs[0];
    while (cur.owner && opName(cur.owner) !== "Exp") {
      const step = linearStep(cur.owner, s, order);
      if (!step) break;
      steps.push(step);
      cur = cur.owner.inputs[step.through];
    }
    const exp = cur.owner;
    const sub = exp && opName(exp) === "Exp" ? exp.inputs[0].owner : null;
    if (!exp || !sub || opName(sub) !== "Sub") continue;
    const { base, expands: innerExpands } = underExpands(sub.inputs[1]);
    if (base !== s) continue;
    return { s, outerExpands, innerExpands, sub, exp, steps: steps.reverse(), log: logOut.owner, logFirst };
  }
  return null;
}

/** `from` under the same DimShuffles (given outermost first). */
const reExpand = (from: Variable, expands: Apply[]) => expands.reduceRight((v, node) => node.op.makeNode(v).outputs[0], from);

/** The shifted log-sum-exp rebuilt from the new inputs (`get`), its two uses of s behind zeroGrad. */
function rebuild(m: ShiftMatch, add: Apply, get: (v: Variable) => Variable): Variable {
  const frozen = zeroGrad(get(m.s));
  const shifted = m.sub.op.makeNode(get(m.sub.inputs[0]), reExpand(frozen, m.innerExpands)).outputs[0];
  let u = m.exp.op.makeNode(shifted).outputs[0];
  for (const { node, through } of m.steps) u = node.op.makeNode(...node.inputs.map((inp, i) => (i === through ? u : get(inp)))).outputs[0];
  const logged = m.log.op.makeNode(u).outputs[0];
  const outer = reExpand(frozen, m.outerExpands);
  return add.op.makeNode(...(m.logFirst ? [logged, outer] : [outer, logged])).outputs[0];
}

/**
 * `cost` with every scalar-shifted log-sum-exp's shift behind zeroGrad (the same values; the
 * gradient without the terms that cancel). `leaves` are where the graph stops (grad's wrt).
 */
export function freezeLogSumExpShifts(cost: Variable, leaves: ReadonlySet<Variable>): Variable {
  const nodes = toposort([cost], leaves);
  const order = new Map(nodes.map((n, i) => [n, i]));
  const memo = new Map<Variable, Variable>();
  const get = (v: Variable) => memo.get(v) ?? v;
  for (const node of nodes) {
    const m = node.outputs.length === 1 ? matchShift(node.outputs[0], order) : null;
    if (m) {
      const frozen = rebuild(m, node, get);
      frozen.name = node.outputs[0].name;
      memo.set(node.outputs[0], frozen);
      continue;
    }
    const inputs = node.inputs.map(get);
    if (inputs.every((v, i) => v === node.inputs[i])) continue;
    const rebuilt = node.op.makeNode(...inputs);
    node.outputs.forEach((o, i) => {
      rebuilt.outputs[i].name = o.name;
      memo.set(o, rebuilt.outputs[i]);
    });
  }
  return get(cost);
}
