// Compare printed graphs with the seed notebook's text. The notebook's HTML export lost the
// indentation of PyTensor's tree, so lines are compared trimmed with runs of spaces collapsed; the
// exact PyTensor layout is checked separately where it matters.
import { expect } from "chai";

export function stripIndent(text: string): string[] {
  return text
    .trim()
    .split("\n")
    .map((l) => l.trim().replace(/\s+/g, " "));
}

export function expectSameLines(actual: string, seedText: string): void {
  expect(stripIndent(actual)).to.deep.equal(stripIndent(seedText));
}

export function expectClose(actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, tol = 1e-8): void {
  const a = typeof actual === "number" ? [actual] : Array.from(actual);
  const e = typeof expected === "number" ? [expected] : Array.from(expected);
  expect(a.length, "length").to.equal(e.length);
  a.forEach((x, i) => {
    const scale = Math.max(1, Math.abs(e[i]));
    // Equal infinities (or NaNs) agree; their difference would be NaN.
    expect(Object.is(x, e[i]) || Math.abs(x - e[i]) <= tol * scale, `entry ${i}: ${x} vs ${e[i]}`).to.equal(true);
  });
}
