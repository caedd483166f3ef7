// Walking graphs: topological order, inputs, ancestors and clone-with-replacement.
import type { Apply, Variable } from "./basic.js";

/** Apply nodes needed for `outputs`, each after the nodes it depends on (PyTensor's toposort). */
export function toposort(outputs: readonly Variable[], stopAt?: { has(v: Variable): boolean }): Apply[] {
  const order: Apply[] = [];
  const seen = new Set<Apply>();
  // Iterative post-order walk, so that deep graphs do not overflow the stack.
  for (const out of outputs) {
    if (!out.owner || seen.has(out.owner) || stopAt?.has(out)) continue;
    const stack: [Apply, number][] = [[out.owner, 0]];
    seen.add(out.owner);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      if (i < node.inputs.length) {
        top[1]++;
        const inp = node.inputs[i];
        if (inp.owner && !seen.has(inp.owner) && !stopAt?.has(inp)) {
          seen.add(inp.owner);
          stack.push([inp.owner, 0]);
        }
      } else {
        stack.pop();
        order.push(node);
      }
    }
  }
  return order;
}

/** Root variables (no owner, constants included) that `outputs` depend on, in first-seen order. */
export function graphInputs(outputs: readonly Variable[]): Variable[] {
  const roots: Variable[] = [];
  const seen = new Set<Variable>();
  const visit = (v: Variable) => {
    if (seen.has(v)) return;
    seen.add(v);
    if (!v.owner) roots.push(v);
  };
  for (const out of outputs) visit(out);
  for (const node of toposort(outputs)) node.inputs.forEach(visit);
  // toposort visits depth-first, inputs in order; PyTensor lists roots in the same walk order.
  return roots;
}

/** Every variable that `outputs` depend on, outputs included. */
export function ancestors(outputs: readonly Variable[]): Set<Variable> {
  const all = new Set<Variable>(outputs);
  for (const node of toposort(outputs)) {
    node.inputs.forEach((v) => all.add(v));
    node.outputs.forEach((v) => all.add(v));
  }
  return all;
}

/**
 * Rebuild `outputs` with some variables replaced. Replacement values are taken as they are
 * (not themselves rewritten), roots are kept, and the original graph is left unchanged.
 */
export function cloneReplace(outputs: readonly Variable[], replace: ReadonlyMap<Variable, Variable>): Variable[] {
  // `replace` is read, not copied: a model clones one small graph per RV against a map of all of them.
  const memo = new Map<Variable, Variable>();
  const get = (v: Variable) => memo.get(v) ?? replace.get(v) ?? v;
  for (const node of toposort(outputs, replace)) {
    const inputs = node.inputs.map(get);
    if (inputs.every((v, i) => v === node.inputs[i])) continue;
    const rebuilt = node.op.makeNode(...inputs);
    rebuilt.outputs.forEach((out, i) => {
      out.name = node.outputs[i].name;
      memo.set(node.outputs[i], out);
    });
  }
  return outputs.map(get);
}
