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
