// The checks every family goes through in test/distributions.test.ts and
// test/distributions-more.test.ts: the gradient of logp against finite differences, seeded draws
// against analytic moments and a Kolmogorov–Smirnov statistic, and -inf outside the support.
import { expect } from "chai";
import * as tsmc from "../../compiler/index.js";
import { pt, logp, logcdf, draw, Model } from "../../compiler/index.js";
import type { Distribution } from "../../compiler/distributions/distribution.js";
import { finiteDiffGrad } from "./fd.js";

/** The package's distributions by name. */
export const dists = tsmc as unknown as Record<string, Distribution>;

/**
 * Gradient of sum(logp) in every float parameter (and the value, when continuous) against central
 * differences; the parameters in `fixed` stay constants (an integer n).
 */
export function checkGradient(
  family: string,
  params: Record<string, number | number[] | number[][]>,
  value: number | number[],
  continuous: boolean,
  fixed: string[] = [],
  tol = 2e-6,
): void {
  const inputs: { name: string; v: any; x: number[]; shape: number[] }[] = [];
  const given: Record<string, any> = {};
  for (const [k, v] of Object.entries(params)) {
    if (fixed.includes(k)) {
      given[k] = v;
      continue;
    }
    const shape = Array.isArray(v) ? (Array.isArray(v[0]) ? [v.length, (v[0] as number[]).length] : [v.length]) : [];
    const sym = shape.length ? pt.tensor(k, { shape }) : pt.scalar(k);
    given[k] = sym;
    inputs.push({ name: k, v: sym, x: (Array.isArray(v) ? v.flat() : [v]) as number[], shape });
  }
  const rv = dists[family].dist(given);
  let val: any = value;
  if (continuous) {
    const shape = Array.isArray(value) ? [value.length] : [];
    val = shape.length ? pt.tensor("value", { shape }) : pt.scalar("value");
    inputs.push({ name: "value", v: val, x: Array.isArray(value) ? value : [value], shape });
  }
  const lp = pt.sum(logp(rv, val));
  const grads = pt.grad(
    lp,
    inputs.map((i) => i.v),
    { disconnectedInputs: "zero" },
  );
  const f = pt.fn(
    inputs.map((i) => i.v),
    [lp, ...grads],
  );
  const flat = Float64Array.from(inputs.flatMap((i) => i.x));
  const unflat = (x: Float64Array) => {
    let o = 0;
    return inputs.map((i) => {
      const n = i.x.length;
      const part = x.slice(o, o + n);
      o += n;
      return i.shape.length ? { shape: i.shape, data: part } : part[0];
    });
  };
  const out = f(...unflat(flat)) as any[];
  expect(Number.isFinite(out[0]), `${family} logp ${out[0]}`).to.equal(true);
  const analytic = out.slice(1).flatMap((g: any) => (typeof g === "number" ? [g] : Array.from(g.data as Float64Array)));
  const fd = finiteDiffGrad((x) => (f(...unflat(x)) as any[])[0], flat, 1e-5);
  analytic.forEach((g: number, i: number) => {
    expect(Math.abs(g - fd[i]), `${family} d/d${inputs.map((x) => x.name)}[${i}]: ${g} vs ${fd[i]}`).to.be.lessThan(tol * Math.max(1, Math.abs(fd[i])));
  });
}

/**
 * `n` seeded draws: the same again with the same seed, the mean within 5 standard errors and the
 * variance within 8% (each when known, NaN when not), integers for a discrete family, and for a
 * continuous one the Kolmogorov–Smirnov D against the CDF (the logcdf, or where PyMC has none the
 * density integrated numerically) below its 1% critical value.
 */
export function checkDraws(
  family: string,
  params: Record<string, unknown>,
  mean: number,
  variance: number,
  continuous: boolean,
  seed: number,
  n = 20_000,
): void {
  const rv = dists[family].dist({ ...params, shape: [n] });
  const x = draw(rv, { seed }).data as Float64Array;
  expect(Array.from(draw(rv, { seed }).data.slice(0, 5))).to.deep.equal(Array.from(x.slice(0, 5)));
  const m = x.reduce((a, b) => a + b, 0) / n;
  const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
  if (!Number.isNaN(mean)) {
    const sd = Number.isNaN(variance) ? Math.sqrt(v) : Math.sqrt(variance);
    expect(Math.abs(m - mean), `mean ${m} vs ${mean}`).to.be.lessThan(5 * (sd / Math.sqrt(n)));
  }
  if (!Number.isNaN(variance)) expect(Math.abs(v / variance - 1), `variance ${v} vs ${variance}`).to.be.lessThan(0.08);
  if (!continuous) {
    expect(x.every((k) => Number.isInteger(k))).to.equal(true);
    return;
  }
  const sorted = Float64Array.from(x).sort();
  const d1 = dists[family].dist(params);
  let cdf: Float64Array;
  if (dists[family].spec.logcdf) {
    cdf = pt.exp(logcdf(d1, sorted)).eval().data as Float64Array;
  } else {
    // no logcdf in PyMC: integrate the density numerically (trapezoids on a fine grid)
    const lo = sorted[0] - 1e-9;
    const hi = sorted[n - 1];
    const K = 20001;
    const grid = Float64Array.from({ length: K }, (_, i) => lo + ((hi - lo) * i) / (K - 1));
    const dens = (pt.exp(logp(d1, grid)).eval().data as Float64Array).map((d) => (Number.isFinite(d) ? d : 0));
    const cum = new Float64Array(K);
    for (let i = 1; i < K; i++) cum[i] = cum[i - 1] + ((dens[i] + dens[i - 1]) / 2) * (grid[i] - grid[i - 1]);
    cdf = new Float64Array(n);
    let j = 0;
    for (let i = 0; i < n; i++) {
      while (j < K - 2 && grid[j + 1] < sorted[i]) j++;
      const t = (sorted[i] - grid[j]) / (grid[j + 1] - grid[j]);
      cdf[i] = cum[j] + t * (cum[j + 1] - cum[j]);
    }
  }
  let d = 0;
  for (let i = 0; i < n; i++) d = Math.max(d, (i + 1) / n - cdf[i], cdf[i] - i / n);
  expect(d, "Kolmogorov–Smirnov D").to.be.lessThan(1.63 / Math.sqrt(n));
}

/** Each observed value outside its family's support makes a model's logp -Infinity. */
export function checkOutsideSupport(cases: readonly [family: string, params: Record<string, unknown>, x: number][]): void {
  for (const [family, params, x] of cases) {
    const m = Model.build(() => {
      dists[family]("y", { ...params, observed: x });
    });
    expect(m.compileLogp()({}), family).to.equal(-Infinity);
  }
}
