// Gradients of a graph against central finite differences: the cost is sum(out * W) for a fixed,
// uneven W of the output's shape, differentiated by pt.grad and by test/helpers/fd.ts.
import { expect } from "chai";
import { pt, NDArray, type Variable } from "../../compiler/index.js";
import { finiteDiffGrad } from "./fd.js";

export type Value = number | number[] | number[][];

const shapeOf = (v: Value): number[] => (typeof v === "number" ? [] : Array.isArray(v[0]) ? [v.length, (v[0] as number[]).length] : [v.length]);
const flat = (v: Value): number[] => (typeof v === "number" ? [v] : (v as (number | number[])[]).flat());
const fromFlat = (shape: number[], x: Float64Array) => (shape.length === 0 ? x[0] : new NDArray([...shape], Float64Array.from(x)));
const data = (v: number | NDArray) => (typeof v === "number" ? [v] : Array.from(v.data));

/** A fixed, uneven weight of the output's shape. */
export function weight(shape: readonly number[]): number | NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const w = Float64Array.from({ length: n }, (_, i) => 0.3 + Math.sin(1.7 * i + 0.4));
  return shape.length === 0 ? w[0] : new NDArray([...shape], w);
}

/**
 * Compare pt.grad of sum(out * W) with respect to each input against central differences, to
 * `rel` relative to max(1, |fd|). `build` gets one variable per value, of the value's rank, with
 * unknown dims, or with the value's shape as static shape when `staticShape` (what broadcasting
 * needs: as in PyTensor, only a dim of static length 1 broadcasts).
 */
export function expectGradMatchesFD(build: (...v: Variable[]) => Variable, values: Value[], opts: { rel?: number; staticShape?: boolean } = {}): void {
  const rel = opts.rel ?? 1e-6;
  const vars = values.map((v, i) => pt.tensor(`in${i}`, { shape: shapeOf(v).map((d) => (opts.staticShape ? d : null)) }));
  const out = build(...vars);
  const outValue = pt.fn(vars, out)(...values) as number | NDArray;
  const w = weight(typeof outValue === "number" ? [] : outValue.shape);
  const cost = pt.sum(pt.mul(out, pt.constant(w)));
  const grads = pt.grad(cost, vars);
  const f = pt.fn(vars, [cost, ...grads]);
  const at = values.map((v) => fromFlat(shapeOf(v), Float64Array.from(flat(v))));
  const [, ...g] = f(...at) as (number | NDArray)[];
  values.forEach((v, i) => {
    const shape = shapeOf(v);
    const costAt = (x: Float64Array) => (f(...at.map((a, j) => (j === i ? fromFlat(shape, x) : a))) as (number | NDArray)[])[0] as number;
    const fd = finiteDiffGrad(costAt, Float64Array.from(flat(v)));
    const got = data(g[i]);
    expect(got.length, `gradient ${i} size`).to.equal(fd.length);
    got.forEach((gk, k) => expect(gk, `d cost / d input ${i} [${k}]`).to.be.closeTo(fd[k], rel * Math.max(1, Math.abs(fd[k]))));
  });
}
