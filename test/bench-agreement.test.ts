// Every benchmark model, written as a user writes it (bench/models.mjs) and compiled, agrees with
// the benchmark's hand-written analytic JavaScript (bench/handwritten.mjs): at the harness's fixed
// point (all 0.1) and at random points, logp to 1e-9 and the gradient to 1e-7, with data bound
// either way.
import { expect } from "chai";
import fc from "fast-check";
// @ts-expect-error -- plain JavaScript modules without declarations
import * as handwritten from "../bench/handwritten.mjs";
// @ts-expect-error -- plain JavaScript modules without declarations
import { adapter, constants, runtimeData } from "../bench/models.mjs";
import { mulberry32 } from "./helpers/random.js";

/** Small data sets of the benchmark's shapes, from a fixed seed (bench/gen-data.mjs's recipe). */
const u = mulberry32(7);
const normal = () => Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u());
const matrix = (n: number, k: number) => Array.from({ length: n }, () => Array.from({ length: k }, normal));
const data: Record<string, unknown> = {
  seed: {},
  eight_schools: { J: 8, y: [28, 8, -3, 7, -1, 1, 18, 12], sigma: [15, 10, 16, 11, 9, 11, 10, 18] },
  linreg: { N: 50, K: 5, X: matrix(50, 5), y: Array.from({ length: 50 }, normal) },
  logistic: { N: 60, K: 4, X: matrix(60, 4), y: Array.from({ length: 60 }, () => (u() < 0.5 ? 0 : 1)) },
  radon: {
    J: 6,
    N: 40,
    group: Array.from({ length: 40 }, (_, i) => (i < 6 ? i : Math.floor(u() * 6))),
    x: Array.from({ length: 40 }, () => (u() < 0.8 ? 0 : 1)),
    y: Array.from({ length: 40 }, normal),
  },
  poisson: { N: 30, K: 3, X: matrix(30, 3), y: Array.from({ length: 30 }, () => Math.floor(u() * 6)) },
  ar1: { N: 40, y: Array.from({ length: 40 }, normal) },
  hmm: {
    N: 30,
    K: 3,
    A: [
      [0.7, 0.2, 0.1],
      [0.15, 0.8, 0.05],
      [0.3, 0.1, 0.6],
    ],
    y: Array.from({ length: 30 }, () => 2 * normal()),
  },
};

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

describe("bench models against the hand-written reference", () => {
  for (const [label, bind] of [
    ["constants", constants],
    ["data()", runtimeData],
  ] as const) {
    for (const id of Object.keys(data)) {
      it(`${id}, data as ${label}: logp and gradient at the fixed point and at random points`, () => {
        const ours = adapter(bind)[id](data[id]);
        const ref = (handwritten as any)[id](data[id]);
        expect(ours.size).to.equal(ref.size);
        const check = (x: Float64Array) => {
          const g = new Float64Array(ref.size);
          const gRef = new Float64Array(ref.size);
          const lp = ours.logpGrad(x, g);
          const lpRef = ref.logpGrad(x, gRef);
          expect(rel(lp, lpRef), `logp ${lp} vs ${lpRef}`).to.be.lessThan(1e-9);
          expect(rel(ours.logp(x), lpRef)).to.be.lessThan(1e-9);
          g.forEach((v, i) => expect(rel(v, gRef[i]), `grad[${i}] ${v} vs ${gRef[i]}`).to.be.lessThan(1e-7));
        };
        check(new Float64Array(ref.size).fill(0.1));
        fc.assert(
          fc.property(fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: ref.size, maxLength: ref.size }), (xs) =>
            check(Float64Array.from(xs)),
          ),
          { numRuns: 15 },
        );
      });
    }
  }
});
