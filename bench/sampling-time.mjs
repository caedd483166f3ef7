// Sampling time of the README's eight-schools model (non-centred, NUTS with its defaults: 1000
// tuning + 1000 kept draws per chain), in the calling thread: one chain, and four chains one after
// the other (`cores: 1`), once warm (median of several runs, each with its own seed).
// Run after `npm run build`: node bench/sampling-time.mjs
import { model, Normal, HalfCauchy, Deterministic } from "../dist/compiler/index.js";

const y = [28, 8, -3, 7, -1, 1, 18, 12];
const sigma = [15, 10, 16, 11, 9, 11, 10, 18];

const eightSchools = model("eight_schools", () => {
  const mu = Normal("mu", 0, 5);
  const tau = HalfCauchy("tau", 5);
  const thetaT = Normal("theta_t", 0, 1, { shape: [8] });
  const theta = Deterministic("theta", mu.add(tau.mul(thetaT)));
  Normal("obs", theta, sigma, { observed: y });
});

const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];

function time(chains, runs) {
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    eightSchools.sample({ draws: 1000, tune: 1000, chains, cores: 1, seed: 100 + r });
    times.push(performance.now() - t0);
  }
  return times;
}

// Warm-up: let V8 optimise the generated code and the sampler before timing.
time(1, 5);
const one = time(1, 15);
const four = time(4, 7);
const ms = (t) => `${t.toFixed(1)} ms`;
console.log(`eight schools, 1000 tuning + 1000 kept draws per chain, Node ${process.versions.node}`);
console.log(`one chain:                  median ${ms(median(one))} (min ${ms(Math.min(...one))}, max ${ms(Math.max(...one))}, ${one.length} runs)`);
console.log(`four chains, one thread:    median ${ms(median(four))} (min ${ms(Math.min(...four))}, max ${ms(Math.max(...four))}, ${four.length} runs)`);
console.log(`per 1000 iterations:        ${ms(median(one) / 2)}`);
