// Central finite differences, the independent reference for gradients.
export function finiteDiffGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xp = x.slice();
    const xm = x.slice();
    const step = h * Math.max(1, Math.abs(x[i]));
    xp[i] += step;
    xm[i] -= step;
    g[i] = (f(xp) - f(xm)) / (2 * step);
  }
  return g;
}
