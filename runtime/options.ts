// Options are checked by name everywhere (sample, fit, loo, the plots, findMAP): a misspelt option
// would otherwise run silently with its default. One check, one message, with the nearest name.

/** Edit distance, to suggest the option a misspelt name meant. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * Refuse options that are not in `known`, naming them (and the option a near miss meant), and
 * return the options to read: a copy of the object's own properties without a prototype, so that
 * a key set on Object.prototype (or inherited from any prototype) is never read as an option.
 */
export function checkOptionNames<T extends object>(where: string, opts: T, known: readonly string[]): T {
  if (typeof opts !== "object" || opts === null || Array.isArray(opts)) throw new Error(`${where}: the options must be an object, got ${String(opts)}`);
  const unknown = Object.keys(opts).filter((k) => !known.includes(k));
  if (!unknown.length) return Object.assign(Object.create(null), opts);
  const described = unknown.map((k) => {
    const near = known.reduce((best, n) => (distance(k.toLowerCase(), n.toLowerCase()) < distance(k.toLowerCase(), best.toLowerCase()) ? n : best));
    return distance(k.toLowerCase(), near.toLowerCase()) <= Math.max(2, near.length / 3) ? `'${k}' (did you mean '${near}'?)` : `'${k}'`;
  });
  throw new Error(`${where}: unknown option${unknown.length > 1 ? "s" : ""} ${described.join(", ")}; the options are ${known.join(", ")}`);
}

/** A value as an error message shows it: a string quoted (so that "10" is not taken for 10), an object by kind. */
export function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}

/** A seed is a finite number or a string: anything else would be stringified (`{}` the same seed as `{ a: 1 }`). */
export function checkSeed(where: string, seed: unknown): void {
  if (seed !== undefined && typeof seed !== "string" && !(typeof seed === "number" && Number.isFinite(seed))) {
    throw new Error(`${where}: seed must be a finite number or a string, got ${shown(seed)}`);
  }
}

/** An integer option (a count: draws, chains, ...) of at least `min`, or `fallback` when not given. */
export function integerOption(where: string, name: string, value: unknown, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new Error(`${where}: ${name} must be an integer >= ${min}, got ${shown(value)}`);
  return v;
}
