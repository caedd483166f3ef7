// User objects read and built by user-chosen names (value variables, data inputs, RVs). `name in
// obj` and `obj[name]` see the prototype chain (`toString`, `constructor`, a polluted
// Object.prototype), and `obj[name] = v` with the name `__proto__` sets the prototype instead of a
// key: these helpers read and write own properties only.

/** `obj[key]` when `obj` has it as its own property, else undefined. */
export function own<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** `obj[key] = value` as an own property, also for `__proto__`. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}
