// Which step method moves which free RV, as PyMC's assign_step_methods decides: the steps given by
// hand first, then, for the free RVs none of them names, NUTS for the continuous ones,
// BinaryGibbsMetropolis for Bernoulli (and Categorical of 2 categories), CategoricalGibbsMetropolis
// for Categorical and Metropolis for the other discrete ones; one step per method, in the order of
// the first free RV each takes.
import type { ValueVarInfo } from "../model.js";
import { STEP_KINDS, type StepMethod } from "./steps.js";

/** A step method as a chain runs it: the flat coordinates it moves and its settings (plain data, sent to workers). */
export type StepPlan =
  | { kind: "NUTS"; vars: string[]; coords: number[] }
  | {
      kind: "Metropolis";
      vars: string[];
      coords: number[];
      /** Per coordinate: rounded proposals. */
      discrete: boolean[];
      /** One coordinate at a time (PyMC's elemwise_update), else all at once. */
      elemwise: boolean;
      scaling: number;
      tune: boolean;
      tuneInterval: number;
    }
  | { kind: "BinaryGibbsMetropolis"; vars: string[]; coords: number[]; transitP: number }
  | { kind: "CategoricalGibbsMetropolis"; vars: string[]; coords: number[]; categories: number[]; proposal: "uniform" | "proportional" };

const label = (v: ValueVarInfo) => `'${v.rv}'`;

const isBinary = (v: ValueVarInfo) => v.step === "binary" || (v.step === "categorical" && v.categories === 2);

// PyMC's competences: a Categorical of 2 categories is binary (BinaryGibbsMetropolis is IDEAL for it).
const autoKind = (v: ValueVarInfo): StepMethod["kind"] =>
  !v.discrete ? "NUTS" : isBinary(v) ? "BinaryGibbsMetropolis" : v.step === "categorical" ? "CategoricalGibbsMetropolis" : "Metropolis";

/** The steps given as `step` (one or a list), checked to be step methods. */
function givenSteps(step: unknown): StepMethod[] {
  if (step === undefined) return [];
  const list = Array.isArray(step) ? step : [step];
  list.forEach((s, i) => {
    const kind = (s as { kind?: unknown } | null)?.kind;
    if (typeof s !== "object" || s === null || !STEP_KINDS.includes(kind as StepMethod["kind"])) {
      const at = Array.isArray(step) ? `step[${i}]` : "step";
      throw new Error(
        `sample: ${at} must be a step method made by ${STEP_KINDS.map((k) => `${k}()`).join(", ")}, got ${typeof s === "function" ? `the function ${s.name}` : String(s)}`,
      );
    }
  });
  return list as StepMethod[];
}

/** Why `kind` cannot move `v`, or null. */
function refusal(kind: StepMethod["kind"], v: ValueVarInfo): string | null {
  if (kind === "NUTS" && v.discrete)
    return `NUTS cannot sample the discrete free RV ${label(v)}; give it to Metropolis, BinaryGibbsMetropolis or CategoricalGibbsMetropolis`;
  if (kind === "BinaryGibbsMetropolis" && !isBinary(v)) {
    return `BinaryGibbsMetropolis samples Bernoulli RVs (and Categorical ones with 2 categories); ${label(v)} is ${v.discrete ? "discrete but not binary" : "continuous"}`;
  }
  if (kind === "CategoricalGibbsMetropolis" && !v.step) {
    return `CategoricalGibbsMetropolis samples Categorical and Bernoulli RVs; ${label(v)} is ${v.discrete ? "neither" : "continuous"}`;
  }
  return null;
}

function plan(kind: StepMethod["kind"], vars: ValueVarInfo[], given: Partial<Record<string, unknown>>): StepPlan {
  const names = vars.map((v) => v.rv);
  const coords = vars.flatMap((v) => Array.from({ length: v.size }, (_, i) => v.offset + i));
  switch (kind) {
    case "NUTS":
      return { kind, vars: names, coords };
    case "Metropolis": {
      const scalar = vars.length === 1 && vars[0].shape.length === 0;
      const anyDiscrete = vars.some((v) => v.discrete);
      return {
        kind,
        vars: names,
        coords,
        discrete: vars.flatMap((v) => Array.from({ length: v.size }, () => v.discrete === true)),
        elemwise: !(scalar || (anyDiscrete && vars.some((v) => v.multivariate))),
        scaling: (given.scaling as number | undefined) ?? 1,
        tune: (given.tune as boolean | undefined) ?? true,
        tuneInterval: (given.tuneInterval as number | undefined) ?? 100,
      };
    }
    case "BinaryGibbsMetropolis":
      return { kind, vars: names, coords, transitP: (given.transitP as number | undefined) ?? 0.8 };
    case "CategoricalGibbsMetropolis":
      return {
        kind,
        vars: names,
        coords,
        categories: vars.flatMap((v) => Array.from({ length: v.size }, () => (v.step === "binary" ? 2 : v.categories!))),
        proposal: (given.proposal as "uniform" | "proportional" | undefined) ?? "uniform",
      };
  }
}

/**
 * The steps of one compound iteration, or null when NUTS alone moves every free RV (the plain NUTS
 * chain). Throws, naming the RV, for a name that is no free RV, one named by two steps, or one a
 * step cannot move.
 */
export function assignStepMethods(valueVars: readonly ValueVarInfo[], step: unknown): StepPlan[] | null {
  const given = givenSteps(step);
  const byName = (name: string) => valueVars.find((v) => v.rv === name || v.name === name);
  const owner = new Map<ValueVarInfo, number>();
  given.forEach((s, i) => {
    for (const name of s.vars ?? []) {
      const v = byName(name);
      if (!v) {
        const known = valueVars.map(label).join(", ") || "none";
        throw new Error(`sample: ${s.kind} step: '${name}' is not a free RV of the model (free RVs: ${known})`);
      }
      if (owner.has(v))
        throw new Error(`sample: ${label(v)} is given to two steps (${given[owner.get(v)!].kind} and ${s.kind}); each free RV goes to one step`);
      owner.set(v, i);
    }
  });
  // A step without vars takes every free RV no step names (NUTS: every continuous one).
  const free = () => valueVars.filter((v) => !owner.has(v));
  given.forEach((s, i) => {
    if (s.vars !== undefined) return;
    const taken = free().filter((v) => s.kind !== "NUTS" || !v.discrete);
    if (!taken.length) throw new Error(`sample: the ${s.kind} step has no vars and every free RV it could take is given to another step`);
    for (const v of taken) owner.set(v, i);
  });
  const steps: StepPlan[] = given.map((s, i) => {
    const vars = valueVars.filter((v) => owner.get(v) === i);
    for (const v of vars) {
      const why = refusal(s.kind, v);
      if (why) throw new Error(`sample: ${why}`);
    }
    return plan(s.kind, vars, s as unknown as Record<string, unknown>);
  });
  const auto = new Map<StepMethod["kind"], ValueVarInfo[]>();
  for (const v of free()) auto.set(autoKind(v), [...(auto.get(autoKind(v)) ?? []), v]);
  for (const [kind, vars] of auto) steps.push(plan(kind, vars, {}));
  const onlyNuts = steps.length === 1 && steps[0].kind === "NUTS";
  return onlyNuts ? null : steps;
}

/** PyMC's listing of a compound step, one entry per step: `NUTS: [mu, sigma]`. */
export function describeSteps(steps: readonly StepPlan[]): string[] {
  return steps.map((s) => `${s.kind}: [${s.vars.join(", ")}]`);
}
