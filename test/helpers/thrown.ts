// The error a call throws or a promise rejects with, for tests that check its message; a call's
// warnings; a call under a polluted Object.prototype.
import { expect } from "chai";

/** The Error thrown by `f` (failing the test if nothing, or something else than an Error, is thrown). */
export function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(Error);
    return e as Error;
  }
  return expect.fail("expected an error");
}

/** The Error `p` rejects with (failing the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

/** Run `f` with console.warn captured; returns its result and the warnings. */
export function quietly<T>(f: () => T): [T, string[]] {
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (m: string) => void warned.push(m);
  try {
    return [f(), warned];
  } finally {
    console.warn = warn;
  }
}

/** run() with Object.prototype[key] = value, the prototype restored afterwards. */
export function polluted<T>(key: string, value: unknown, run: () => T): T {
  const proto = Object.prototype as Record<string, unknown>;
  proto[key] = value;
  try {
    return run();
  } finally {
    delete proto[key];
  }
}
