// Checks every hand-written gradient (bench/handwritten.mjs) against central finite differences of
// its own logp, at three points per model, and logpGrad's logp against logp's.
//   node bench/check-handwritten.mjs
import * as handwritten from "./handwritten.mjs";
import { ar1Data, hmmData, linregData, loadData } from "./gen-data.mjs";

const cases = ["seed", "eight_schools", "linreg", "logistic", "radon", "poisson"].map((id) => [id, loadData(id)]);
cases.push(["grw", { T: 50 }]);
cases.push(["linreg_N", linregData(100)]);
cases.push(["ar1", ar1Data(200)]);
cases.push(["hmm", hmmData(200)]);
let bad = 0;
for (const [id, data] of cases) {
  const m = handwritten[id](data);
  for (const base of [0.1, -0.3, 0.45]) {
    // Not all elements equal, so that a gradient entry written to the wrong index shows.
    const x = Float64Array.from({ length: m.size }, (_, i) => base + 0.01 * ((i * 7) % 5));
    const g = new Float64Array(m.size),
      lp = m.logpGrad(x, g);
    if (Math.abs(lp - m.logp(x)) > 1e-9 * Math.max(1, Math.abs(lp))) {
      bad++;
      console.log(`${id}: logpGrad and logp disagree`);
    }
    for (let i = 0; i < m.size; i++) {
      const h = 1e-6 * Math.max(1, Math.abs(x[i])),
        up = Float64Array.from(x),
        down = Float64Array.from(x);
      up[i] += h;
      down[i] -= h;
      const fd = (m.logp(up) - m.logp(down)) / (2 * h);
      if (Math.abs(fd - g[i]) / Math.max(1, Math.abs(fd)) > 1e-6) {
        bad++;
        console.log(`${id} at ${base}: grad[${i}] ${g[i]} vs finite difference ${fd}`);
      }
    }
  }
}
console.log(bad ? `${bad} mismatches` : "all hand-written gradients agree with finite differences");
process.exit(bad ? 1 : 0);
