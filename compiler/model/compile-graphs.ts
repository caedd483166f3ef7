// Compile model graphs into functions of a point keyed by value-variable name (PyMC's
// compile_logp / compile_dlogp / compile_d2logp), and PyMC's check_bounds.
import type { Variable } from "../graph/basic.js";
import { CheckParameterValue, checkToSwitch } from "../ops/check.js";
import { rewrite, type Rule } from "../rewrite/pattern.js";
import { fn } from "../function.js";
import type { Model } from "./model.js";

export type PointFunction = (point: Record<string, unknown>) => any;

/** Check{cond}(x) → switch(cond, x, -inf): a model's logp is -inf outside the support. */
const checkBounds: Rule = {
  name: "Check → switch(cond, x, -inf)",
  pattern: { op: "Check", as: "v" },
  replace: ({ v }) => (v.owner!.op instanceof CheckParameterValue ? checkToSwitch(v.owner!) : null),
};

export function boundedLogp(graphs: Variable[]): Variable[] {
  const named = graphs.map((g) => g.name);
  const out = rewrite(graphs, [checkBounds]);
  out.forEach((g, i) => {
    if (g.name === null && named[i] !== null && g.owner) g.name = named[i];
  });
  return out;
}

function isFiniteArray(v: unknown): boolean {
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isFiniteArray);
  if (ArrayBuffer.isView(v)) return Array.from(v as Float64Array).every(Number.isFinite);
  if (v && typeof v === "object" && "data" in v) return isFiniteArray((v as { data: unknown }).data);
  return true;
}

/** A function of a point: validates names and values, feeds data defaults, returns one value or a list. */
export function compileGraphs(model: Model, graphs: Variable[], single: boolean, what: string): PointFunction {
  const valueVars = model.valueVars;
  const dataVars = model.dataVars;
  const f = fn([...valueVars, ...dataVars], graphs, { name: what });
  const names = valueVars.map((v) => v.name!);
  return (point) => {
    if (typeof point !== "object" || point === null) throw new Error(`${what}: expected a point keyed by value-variable name (${names.join(", ")})`);
    for (const key of Object.keys(point)) {
      if (!names.includes(key)) throw new Error(`${what}: unknown value variable '${key}'; expected ${names.map((n) => `'${n}'`).join(", ")}`);
    }
    const args = valueVars.map((v) => {
      if (!Object.hasOwn(point, v.name!)) throw new Error(`${what}: the point has no value for '${v.name}' (expected ${v.type})`);
      const value = point[v.name!];
      if (!isFiniteArray(value)) throw new Error(`${what}: '${v.name}' has a non-finite entry; expected finite numbers`);
      return value;
    });
    const data = dataVars.map((d) => {
      const value = model.dataValues.get(d);
      if (value === undefined) throw new Error(`${what}: data '${d.name}' has no value`);
      return value;
    });
    const result = f(...args, ...data);
    return single ? result[0] : result;
  };
}
