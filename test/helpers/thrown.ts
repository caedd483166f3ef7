// The error a call throws, for tests that check its message.
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
