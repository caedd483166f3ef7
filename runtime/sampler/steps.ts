// The step methods `sample({ step: [...] })` takes, as PyMC's `pm.NUTS(vars=...)` and its kin: plain
// objects naming the method, its free RVs and its options, so that a plan of them goes to sampling
// workers as it is. This module holds no sampler code (the steps run in compound.ts).
import { checkOptionNames } from "../options.js";

/** NUTS on continuous free RVs (default: every continuous one not given to another step). */
export interface NutsStep {
  readonly kind: "NUTS";
  readonly vars?: readonly string[];
}

/** Random-walk Metropolis, PyMC's: normal proposals (rounded for discrete RVs), one entry at a time. */
export interface MetropolisStep {
  readonly kind: "Metropolis";
  readonly vars?: readonly string[];
  /** Initial scale of the proposal (default 1). */
  readonly scaling?: number;
  /** Tune the scale during warmup from the acceptance rate (default true). */
  readonly tune?: boolean;
  /** Iterations between two tunings of the scale (default 100). */
  readonly tuneInterval?: number;
}

/** Metropolis-within-Gibbs for Bernoulli RVs: each entry in random order, flipped with probability transitP. */
export interface BinaryGibbsMetropolisStep {
  readonly kind: "BinaryGibbsMetropolis";
  readonly vars: readonly string[];
  /** Probability of proposing the flip of an entry (default 0.8). */
  readonly transitP?: number;
}

/** Metropolis-within-Gibbs for Categorical (and Bernoulli) RVs: each entry in random order. */
export interface CategoricalGibbsMetropolisStep {
  readonly kind: "CategoricalGibbsMetropolis";
  readonly vars: readonly string[];
  /**
   * "uniform" (default, as PyMC): propose one of the other K - 1 categories at random;
   * "proportional": Liu's (1996) Metropolized Gibbs, proposing in proportion to each category's density.
   */
  readonly proposal?: "uniform" | "proportional";
}

export type StepMethod = NutsStep | MetropolisStep | BinaryGibbsMetropolisStep | CategoricalGibbsMetropolisStep;

export const STEP_KINDS = ["NUTS", "Metropolis", "BinaryGibbsMetropolis", "CategoricalGibbsMetropolis"] as const;

function checkVars(where: string, vars: unknown, required: boolean): void {
  if (vars === undefined && !required) return;
  if (!Array.isArray(vars) || vars.length === 0 || vars.some((v) => typeof v !== "string")) {
    throw new Error(`${where}: vars must be a non-empty array of free RV names, got ${JSON.stringify(vars)}`);
  }
}

function positive(where: string, name: string, value: unknown, integer = false): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new Error(`${where}: ${name} must be a positive ${integer ? "integer" : "number"}, got ${String(value)}`);
  }
}

/** The step: its own options, on an object without a prototype (read by name later), and its kind. */
function withKind<O extends object, K extends string>(opts: O, kind: K): O & { kind: K } {
  return Object.assign(Object.create(null), opts, { kind });
}

export function NUTS(opts: Omit<NutsStep, "kind"> = {}): NutsStep {
  opts = checkOptionNames("NUTS", opts, ["vars"]);
  checkVars("NUTS", opts.vars, false);
  return withKind(opts, "NUTS");
}

export function Metropolis(opts: Omit<MetropolisStep, "kind"> = {}): MetropolisStep {
  opts = checkOptionNames("Metropolis", opts, ["vars", "scaling", "tune", "tuneInterval"]);
  checkVars("Metropolis", opts.vars, false);
  positive("Metropolis", "scaling", opts.scaling);
  positive("Metropolis", "tuneInterval", opts.tuneInterval, true);
  if (opts.tune !== undefined && typeof opts.tune !== "boolean") throw new Error(`Metropolis: tune must be true or false, got ${String(opts.tune)}`);
  return withKind(opts, "Metropolis");
}

export function BinaryGibbsMetropolis(opts: Omit<BinaryGibbsMetropolisStep, "kind">): BinaryGibbsMetropolisStep {
  opts = checkOptionNames("BinaryGibbsMetropolis", opts, ["vars", "transitP"]);
  checkVars("BinaryGibbsMetropolis", opts.vars, true);
  const p = opts.transitP;
  if (p !== undefined && (typeof p !== "number" || !(p > 0 && p <= 1))) throw new Error(`BinaryGibbsMetropolis: transitP must be in (0, 1], got ${String(p)}`);
  return withKind(opts, "BinaryGibbsMetropolis");
}

export function CategoricalGibbsMetropolis(opts: Omit<CategoricalGibbsMetropolisStep, "kind">): CategoricalGibbsMetropolisStep {
  opts = checkOptionNames("CategoricalGibbsMetropolis", opts, ["vars", "proposal"]);
  checkVars("CategoricalGibbsMetropolis", opts.vars, true);
  if (opts.proposal !== undefined && opts.proposal !== "uniform" && opts.proposal !== "proportional") {
    throw new Error(`CategoricalGibbsMetropolis: proposal must be "uniform" or "proportional", got ${JSON.stringify(opts.proposal)}`);
  }
  return withKind(opts, "CategoricalGibbsMetropolis");
}
