// What the families whose draw length is a parameter (ZeroSumNormal, the time series) read before
// their RandomVariable is built: the trailing options object, the static shape the user gave (shape,
// dims or observed), and integer options such as steps.
import { Variable } from "../graph/basic.js";
import * as pt from "../tensor.js";
import { modelContext, tensorArg } from "./distribution.js";

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype && !("data" in v);

/** The positional arguments and the trailing options object (empty when there is none). */
export function splitArgs(args: unknown[]): { positional: unknown[]; opts: Record<string, unknown> } {
  if (args.length && isPlainObject(args[args.length - 1])) return { positional: args.slice(0, -1), opts: { ...(args[args.length - 1] as object) } };
  return { positional: args, opts: {} };
}

/** The shape the options fix when the model is built (shape, else dims, else observed), or undefined. */
export function givenShape(where: string, opts: Record<string, unknown>, named: boolean): number[] | undefined {
  const s = opts.shape ?? opts.size;
  if (s !== undefined && s !== null) {
    if (s instanceof Variable) {
      try {
        return Array.from(pt.evaluate(s).data ?? [pt.evaluate(s)], Number);
      } catch {
        throw new Error(`${where}: the shape must be known when the model is built; give numbers`);
      }
    }
    return typeof s === "number" ? [s] : [...(s as number[])];
  }
  if (named && opts.dims !== undefined) {
    const ctx = modelContext.current;
    if (!ctx?.dimsShape) throw new Error(`${where}: dims need a model with coords`);
    return ctx.dimsShape(opts.dims as string | readonly string[], where);
  }
  if (opts.observed !== undefined && opts.observed !== null) {
    const obs = tensorArg(where, "observed", opts.observed);
    if (obs.type.shape.every((d) => d !== null)) return obs.type.shape as number[];
  }
  return undefined;
}

/** A non-negative integer option known when the model is built (steps, ar_order, n_zerosum_axes). */
export function constantInt(where: string, what: string, value: unknown, least: number): number {
  let n: number;
  try {
    n = value instanceof Variable ? Number(pt.evaluate(value)) : Number(value);
  } catch {
    throw new Error(`${where}: ${what} must be a constant integer (the length of the draw depends on it)`);
  }
  if (!Number.isInteger(n) || n < least) throw new Error(`${where}: ${what} must be an integer >= ${least}, got ${String(value)}`);
  return n;
}

/** NumPy's broadcast of static shapes (right-aligned), naming `where` when they do not broadcast. */
export function broadcastStatic(where: string, shapes: readonly (readonly (number | null)[])[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let k = 0; k < ndim; k++) {
    let d = 1;
    for (const s of shapes) {
      const e = s[s.length - ndim + k] ?? 1;
      if (e === null) throw new Error(`${where}: the batch shape must be known when the model is built; give shape`);
      if (e === 1) continue;
      if (d !== 1 && d !== e) throw new Error(`${where}: shapes ${shapes.map((x) => `(${x.join(", ")})`).join(" and ")} do not broadcast`);
      d = e;
    }
    out.push(d);
  }
  return out;
}

/** A float64 constant of zeros whose length carries a core dimension (the draw's length). */
export const marker = (n: number) => pt.constant(new Array(n).fill(0), null, "float64");
