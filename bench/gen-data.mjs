// The benchmark data of MODELS.md, generated from fixed seeds: the same bytes on every machine.
//
//   node bench/gen-data.mjs     (re)writes bench/data/*.json
//
// The files are not committed (about 1.1 MB, mostly logistic's 10000×10 matrix, and they take a
// fraction of a second to make): loadData(id) writes them first when they are missing.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const dataDir = new URL("./data/", import.meta.url);

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
export function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** xorshift32 uniforms in (0, 1) (the summary benchmark's and the diagnostics tests' fixed draws). */
export function xorshift32(seed) {
  let s = seed;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
}

/** A standard normal sampler (Box–Muller, cosine half) on a uniform stream. */
const normalFrom = (u) => () => {
  const a = u() || 1e-12,
    b = u();
  return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * b);
};

/**
 * The five data files as JSON text, keyed by model id. They come from one random stream, in this
 * order, so a change to one data set changes the ones after it.
 */
export function generate() {
  const u = mulberry32(20261124),
    normal = normalFrom(u);
  // Six decimals keep the files small; the rounded values are the data.
  const round = (x) => Math.round(x * 1e6) / 1e6;
  const matrix = (n, k) => Array.from({ length: n }, () => Array.from({ length: k }, () => round(normal())));
  const dot = (row, b) => row.reduce((s, v, i) => s + v * b[i], 0);
  const out = {};
  const put = (id, obj) => {
    out[id] = `${JSON.stringify(obj)}\n`;
  };

  put("eight_schools", { J: 8, y: [28, 8, -3, 7, -1, 1, 18, 12], sigma: [15, 10, 16, 11, 9, 11, 10, 18] });
  {
    const N = 1000,
      K = 5,
      beta = [0.5, -1, 2, 0, 0.25];
    const X = matrix(N, K);
    put("linreg", { N, K, X, y: X.map((r) => round(1 + dot(r, beta) + 0.5 * normal())) });
  }
  {
    const N = 10000,
      K = 10,
      beta = [0.8, -0.5, 0.3, 0, 0, 1.2, -1, 0.1, 0.4, -0.2];
    const X = matrix(N, K);
    put("logistic", { N, K, X, y: X.map((r) => (u() < 1 / (1 + Math.exp(-dot(r, beta))) ? 1 : 0)) });
  }
  {
    const J = 85,
      N = 919;
    const a = Array.from({ length: J }, () => 1.5 + 0.3 * normal());
    // The first J observations cover every group once, so no group is empty.
    const group = Array.from({ length: N }, (_, i) => (i < J ? i : Math.floor(u() * J)));
    const x = Array.from({ length: N }, () => (u() < 0.8 ? 0 : 1));
    const y = group.map((g, i) => round(a[g] - 0.7 * x[i] + 0.75 * normal()));
    put("radon", { J, N, group, x, y });
  }
  {
    const N = 2000,
      K = 3,
      beta = [0.3, -0.2, 0.5];
    const X = matrix(N, K);
    // Inversion: walk the Poisson CDF until it passes one uniform draw.
    const poisson = (lam) => {
      let k = 0,
        p = Math.exp(-lam),
        s = p;
      const r = u();
      while (r > s) {
        k++;
        p *= lam / k;
        s += p;
      }
      return k;
    };
    put("poisson", { N, K, X, y: X.map((r) => poisson(Math.exp(0.5 + dot(r, beta)))) });
  }
  return out;
}

/** linreg_N's data for the scaling curve: N rows of K normals, seeded by N, not rounded (never saved). */
export function linregData(N, K = 5) {
  const normal = normalFrom(mulberry32(N));
  const X = Array.from({ length: N }, () => Array.from({ length: K }, normal));
  const y = X.map((r) => 1 + 0.5 * r[0] - r[1] + 2 * r[2] + 0.25 * r[4] + 0.5 * normal());
  return { N, K, X, y };
}

/** ar1's data: y_0 ~ N(0, σ/√(1−ρ²)), y_t = ρ·y_{t−1} + σ·noise (ρ = 0.6, σ = 0.8), from one fixed seed
 * (so a shorter series is the start of a longer one), not rounded, never saved. */
export function ar1Data(N = 10000) {
  const normal = normalFrom(mulberry32(20261202)),
    rho = 0.6,
    sigma = 0.8;
  const y = new Array(N);
  y[0] = (sigma / Math.sqrt(1 - rho * rho)) * normal();
  for (let t = 1; t < N; t++) y[t] = rho * y[t - 1] + sigma * normal();
  return { N, y };
}

/** hmm's data: a hidden chain of K = 3 states (uniform start; stays with probability 0.8, moves to
 * each other state with 0.1) emitting N(means[z], 0.5), means = (−2, 0, 2); one fixed seed, not
 * rounded, never saved. A is the transition matrix, A[i][j] = P(z_t = j | z_{t−1} = i). */
export function hmmData(N = 1000) {
  const u = mulberry32(20261203),
    normal = normalFrom(u),
    K = 3,
    means = [-2, 0, 2];
  const A = Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, j) => (i === j ? 0.8 : 0.1)));
  const y = new Array(N);
  let z = Math.floor(u() * K);
  for (let t = 0; t < N; t++) {
    if (t > 0) {
      // The next state: walk row z of A until it passes one uniform draw.
      let r = u(),
        j = 0;
      while (j < K - 1 && r >= A[z][j]) r -= A[z][j++];
      z = j;
    }
    y[t] = means[z] + 0.5 * normal();
  }
  return { N, K, A, y };
}

/** Writes every data file; returns the model ids written. */
function writeData() {
  mkdirSync(dataDir, { recursive: true });
  const files = generate();
  for (const [id, text] of Object.entries(files)) {
    // Write then rename, so that a harness started at the same moment never reads half a file.
    const tmp = new URL(`${id}.json.${process.pid}.tmp`, dataDir);
    writeFileSync(tmp, text);
    renameSync(tmp, new URL(`${id}.json`, dataDir));
  }
  return Object.keys(files);
}

/**
 * The data of one model of MODELS.md (seed and grw have none; ar1's and hmm's are made in memory),
 * generated first if the files are missing.
 */
export function loadData(id) {
  if (id === "seed" || id === "grw") return {};
  if (id === "ar1") return ar1Data();
  if (id === "hmm") return hmmData();
  const file = new URL(`${id}.json`, dataDir);
  if (!existsSync(file)) writeData();
  return JSON.parse(readFileSync(file, "utf8"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(
    `wrote ${writeData()
      .map((id) => `bench/data/${id}.json`)
      .join(", ")}`,
  );
}
