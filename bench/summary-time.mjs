// Time of summary(trace) (az.summary's table: R-hat, bulk/tail ESS, MCSE, HDI) for 4 chains of
// 100 000 and of 300 000 draws of three scalars: AR(1) draws of moderate and strong
// autocorrelation, one of them log-normal and one rounded so that draws tie. Median of 3 warm runs,
// wall and CPU time (the CPU time is steadier where other jobs share the machine).
// Run after `npm run build`: node bench/summary-time.mjs
import { NDArray, Trace, summary } from "../dist/runtime/index.js";
import { xorshift32 } from "./gen-data.mjs";

/** Fixed pseudo-random AR(1) draws (xorshift32, Box–Muller), so runs are comparable. */
function makeTrace(nChains, nDraws) {
  const uniform = xorshift32(0x9e3779b9);
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const posterior = {};
  for (const [name, phi, transform] of [
    ["mu", 0.3, (x) => x],
    ["tau", 0.8, Math.exp],
    ["z", 0, (x) => Math.round(x * 4) / 4],
  ]) {
    const data = new Float64Array(nChains * nDraws);
    for (let c = 0; c < nChains; c++) {
      let x = normal();
      for (let d = 0; d < nDraws; d++) {
        x = phi * x + Math.sqrt(1 - phi * phi) * normal();
        data[c * nDraws + d] = transform(x);
      }
    }
    posterior[name] = new NDArray([nChains, nDraws], data);
  }
  return new Trace({ posterior, sampleStats: {} });
}

console.log("chains x draws x variables   summary() s, wall and CPU (median of 3)");
for (const nDraws of [100_000, 300_000]) {
  const trace = makeTrace(4, nDraws);
  summary(trace);
  const walls = [];
  const cpus = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    summary(trace);
    const c = process.cpuUsage(c0);
    walls.push((performance.now() - t0) / 1000);
    cpus.push((c.user + c.system) / 1e6);
  }
  const median = (a) => a.sort((x, y) => x - y)[1];
  console.log(`4 x ${nDraws} x 3`.padEnd(29) + median(walls).toFixed(3).padStart(10) + median(cpus).toFixed(3).padStart(10));
}
