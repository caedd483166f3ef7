// NumPy-style printing of constants, as PyTensor shows them in dprint and str(). Expected strings
// are what NumPy 2.x prints for `str(np.array(...))` with default print options, and what
// PyTensor's Constant.__str__ makes of them (longer than 20 characters: first 10 ... last 10).
import { expect } from "chai";
import { pt } from "../compiler/index.js";
import { formatArray, pyFloat } from "../compiler/graph/format.js";

const str = (value: unknown, dtype?: "float64" | "int64" | "bool") => String(pt.constant(value, null, dtype));
const floats = (values: number[], shape: number[] = [values.length]) => formatArray(values, shape, "float64");
/** PyTensor's rule, applied to a full NumPy text written out in the test. */
const truncated = (full: string) => (full.length > 20 ? `${full.slice(0, 10).trim()} ... ${full.slice(-10).trim()}` : full);
const arange = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("format: numpy-style constants", () => {
  describe("scalars (Python's repr of the value)", () => {
    it("prints integers, floats and booleans as NumPy 0-d arrays do", () => {
      expect(str(2)).to.equal("2");
      expect(str(-3)).to.equal("-3");
      expect(str(-0.5)).to.equal("-0.5");
      expect(str(2 * Math.PI)).to.equal("6.283185307179586");
      expect(str(1, "float64")).to.equal("1.0");
      expect(str(0, "float64")).to.equal("0.0");
      expect(str(true)).to.equal("True");
      expect(str(false)).to.equal("False");
      expect(str(0.1 + 0.2)).to.equal("0.30000000000000004");
    });

    it("switches to scientific notation below 1e-4 and from 1e16, with a two-digit exponent", () => {
      expect(str(1e-5)).to.equal("1e-05");
      expect(str(0.0001)).to.equal("0.0001");
      expect(str(1.5e-7)).to.equal("1.5e-07");
      expect(str(1.5e16)).to.equal("1.5e+16");
      expect(str(1e20)).to.equal("1e+20");
      expect(str(123456789.5)).to.equal("123456789.5");
      expect(pyFloat(1e16)).to.equal("1e+16");
      expect(pyFloat(1e-100)).to.equal("1e-100");
      expect(pyFloat(-0)).to.equal("-0.0");
    });

    it("prints non-finite values as nan, inf, -inf", () => {
      expect(str(NaN)).to.equal("nan");
      expect(str(Infinity)).to.equal("inf");
      expect(str(-Infinity)).to.equal("-inf");
    });

    it("treats integers beyond 2**53 as floats (NumPy has no exact int64 for them here)", () => {
      expect(pt.constant(1e20).dtype).to.equal("float64");
      expect(pt.constant(2 ** 53 - 1).dtype).to.equal("int64");
      expect(pt.constant(-0).dtype).to.equal("float64");
    });
  });

  describe("arrays", () => {
    it("prints integer and boolean vectors", () => {
      expect(str([0, 0])).to.equal("[0 0]");
      expect(str([-1, 10])).to.equal("[-1 10]");
      expect(str([true, false])).to.equal("[ True False]");
      // NumPy pads True to the width of False even when no False is present.
      expect(str([true, true])).to.equal("[ True  True]");
      expect(str([false])).to.equal("[False]");
    });

    it("prints float vectors with a trailing point and space-padded fractions", () => {
      expect(str([1, 2], "float64")).to.equal("[1. 2.]");
      expect(str(new Float64Array([1, 2]))).to.equal("[1. 2.]");
      expect(str([0.5, 1.25])).to.equal("[0.5  1.25]");
      expect(str([0.1, 0.25])).to.equal("[0.1  0.25]");
      expect(floats([-0.00527504, 1.18839511])).to.equal("[-0.00527504  1.18839511]");
      expect(floats([1 / 3, 2 / 3])).to.equal("[0.33333333 0.66666667]");
      expect(floats([100.5, -2])).to.equal("[100.5  -2. ]");
      expect(floats([-0, 1.5])).to.equal("[-0.   1.5]");
    });

    it("uses scientific notation when values are tiny, huge or far apart, mantissas zero-padded", () => {
      expect(floats([1e-5, 1])).to.equal("[1.e-05 1.e+00]");
      expect(floats([1.5e10, 1])).to.equal("[1.5e+10 1.0e+00]");
      expect(floats([1e8])).to.equal("[1.e+08]");
      expect(floats([1, 1001])).to.equal("[1.000e+00 1.001e+03]");
      expect(floats([1e-10, -1e-10])).to.equal("[ 1.e-10 -1.e-10]");
      expect(floats([-1.5e-7, 2e10])).to.equal("[-1.5e-07  2.0e+10]");
      expect(floats([0, 1e-5])).to.equal("[0.e+00 1.e-05]");
      expect(floats([1e-100, 1])).to.equal("[1.e-100 1.e+000]");
      // A ratio of exactly 1000 stays positional.
      expect(floats([1, 1000])).to.equal("[   1. 1000.]");
    });

    it("widens the integer part so that nan and inf fit", () => {
      expect(floats([NaN, 1])).to.equal("[nan  1.]");
      expect(floats([Infinity, 1.5])).to.equal("[inf 1.5]");
      expect(floats([-Infinity, 1])).to.equal("[-inf   1.]");
      expect(floats([-Infinity, 1e-5])).to.equal("[  -inf 1.e-05]");
      expect(floats([NaN, Infinity])).to.equal("[nan inf]");
    });

    it("prints 2-D and 3-D arrays with rows on their own lines", () => {
      expect(
        str([
          [1, 2],
          [3, 4],
        ]),
      ).to.equal("[[1 2]\n [3 4]]");
      expect(floats([1.5, 2, 3, 4], [2, 2])).to.equal("[[1.5 2. ]\n [3.  4. ]]");
      expect(formatArray([1, 2, 3, 4], [2, 1, 2], "int64")).to.equal("[[[1 2]]\n\n [[3 4]]]");
      expect(formatArray([1, 0, 0, 1], [2, 2], "bool")).to.equal("[[ True False]\n [False  True]]");
    });

    it("prints empty arrays as []", () => {
      expect(formatArray([], [0], "int64")).to.equal("[]");
      expect(formatArray([], [2, 0], "float64")).to.equal("[]");
    });

    it("wraps rows at 75 characters with a one-space hanging indent", () => {
      expect(formatArray(arange(30), [30], "int64")).to.equal("[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n 24 25 26 27 28 29]");
      const lines = formatArray(arange(100), [100], "float64").split("\n");
      expect(lines.every((l) => l.length <= 75)).to.equal(true);
      expect(lines[0].startsWith("[ 0.  1.  2.")).to.equal(true);
      expect(lines[1].startsWith(" ")).to.equal(true);
    });

    it("summarises arrays over 1000 elements with ..., fitting the format to the edge items", () => {
      expect(formatArray(arange(2000), [2000], "int64")).to.equal("[   0    1    2 ... 1997 1998 1999]");
      const big = arange(2000).map((i) => (i === 1000 ? 1e9 : 1000 + i));
      // The huge middle value is not shown, so it does not force scientific notation.
      expect(formatArray(big, [2000], "float64")).to.equal("[1000. 1001. 1002. ... 2997. 2998. 2999.]");
      expect(formatArray(arange(2002), [2, 1001], "int64")).to.equal("[[   0    1    2 ...  998  999 1000]\n [1001 1002 1003 ... 1999 2000 2001]]");
    });
  });

  describe("PyTensor's 20-character truncation", () => {
    it("keeps texts up to 20 characters and cuts longer ones to first 10 ... last 10, stripped", () => {
      expect(str([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).to.equal("[ 1  2  3 ... 8  9 10]");
      expect(str([-0.00527504, 1.18839511])).to.equal("[-0.005275 ... .18839511]");
      expect(str([0.1, 0.2, 0.3, 0.4, 0.5])).to.equal("[0.1 0.2 0 ... 3 0.4 0.5]");
      expect(str([0.1, 0.2, 0.3, 0.4])).to.equal("[0.1 0.2 0.3 0.4]");
      expect(str(3.141592653589793e-10)).to.equal(truncated("3.141592653589793e-10"));
      expect(str(3.141592653589793e-10)).to.equal("3.14159265 ... 589793e-10");
    });

    it("truncates the wrapped text, so a line break can survive in the tail", () => {
      expect(str(arange(25))).to.equal("[ 0  1  2 ... 22 23\n 24]");
    });

    it("prefixes a named constant's value with its name", () => {
      expect(String(pt.constant(1.5, "c"))).to.equal("c{1.5}");
      expect(String(pt.constant([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "c"))).to.equal("c{[ 1  2  3 ... 8  9 10]}");
    });

    it("shows constants that way in dprint", () => {
      const x = pt.vector("x");
      const text = pt.dprint(x.sub(pt.constant([0, 0])).div(pt.constant([1, 2], null, "float64")));
      expect(text).to.equal(["True_div [id A]", " ├─ Sub [id B]", " │  ├─ x [id C]", " │  └─ [0 0] [id D]", " └─ [1. 2.] [id E]"].join("\n"));
    });
  });
});
