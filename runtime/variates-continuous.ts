// Variate generators of the continuous families: (stream, ...scalar parameters) -> one draw, in
// PyTensor's RandomVariable parameter order. Exact methods (inversion or proven rejection schemes).
import type { Stream } from "./random.js";
import { sigmoid } from "./special.js";

/** Uniform on the open interval (0, 1). */
export function openUniform(s: Stream): number {
  let u: number;
  do u = s.uniform();
  while (u === 0);
  return u;
}

/** log of a Gamma(a, 1) variate: Marsaglia and Tsang (2000), boosted by U^(1/a) for a < 1. */
export function logGammaVariate(s: Stream, a: number): number {
  if (a < 1) return logGammaVariate(s, a + 1) + Math.log(openUniform(s)) / a;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = s.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = openUniform(s);
    if (u < 1 - 0.0331 * x * x * x * x) return Math.log(d * v);
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return Math.log(d * v);
  }
}

export const uniformVariate = (s: Stream, lower: number, upper: number): number => lower + (upper - lower) * s.uniform();

export function triangularVariate(s: Stream, left: number, mode: number, right: number): number {
  const u = s.uniform();
  const f = (mode - left) / (right - left);
  return u < f ? left + Math.sqrt(u * (right - left) * (mode - left)) : right - Math.sqrt((1 - u) * (right - left) * (right - mode));
}

/** gamma_rv(shape, scale). */
export const gammaVariate = (s: Stream, shape: number, scale: number): number => scale * Math.exp(logGammaVariate(s, shape));

/** beta_rv(alpha, beta): X / (X + Y) of two gammas, in logs so that tiny shapes do not underflow. */
export function betaVariate(s: Stream, a: number, b: number): number {
  const lx = logGammaVariate(s, a);
  const ly = logGammaVariate(s, b);
  return lx >= ly ? 1 / (1 + Math.exp(ly - lx)) : Math.exp(lx - ly) / (1 + Math.exp(lx - ly));
}

export const lognormalVariate = (s: Stream, mu: number, sigma: number): number => Math.exp(mu + sigma * s.normal());
export const exponentialVariate = (s: Stream, scale: number): number => -scale * Math.log1p(-s.uniform());
export const paretoVariate = (s: Stream, alpha: number, m: number): number => m * Math.pow(openUniform(s), -1 / alpha);
export const gumbelVariate = (s: Stream, mu: number, beta: number): number => mu - beta * Math.log(-Math.log(openUniform(s)));
/** PyMC's weibull_rv(alpha, beta). */
export const weibullVariate = (s: Stream, alpha: number, beta: number): number => beta * Math.pow(-Math.log1p(-s.uniform()), 1 / alpha);
export function logisticVariate(s: Stream, mu: number, scale: number): number {
  const u = openUniform(s);
  return mu + scale * (Math.log(u) - Math.log1p(-u));
}
export const cauchyVariate = (s: Stream, alpha: number, beta: number): number => alpha + beta * Math.tan(Math.PI * (openUniform(s) - 0.5));
export const halfCauchyVariate = (s: Stream, loc: number, beta: number): number => loc + Math.abs(beta * Math.tan(Math.PI * (openUniform(s) - 0.5)));
export const invGammaVariate = (s: Stream, alpha: number, beta: number): number => beta * Math.exp(-logGammaVariate(s, alpha));
export const chiSquaredVariate = (s: Stream, nu: number): number => 2 * Math.exp(logGammaVariate(s, nu / 2));

/** t_rv(df, loc, scale): Z / sqrt(χ²_ν / ν). */
export function studentTVariate(s: Stream, nu: number, mu: number, sigma: number): number {
  const z = s.normal();
  const chi2 = 2 * Math.exp(logGammaVariate(s, nu / 2));
  return mu + (sigma * z) / Math.sqrt(chi2 / nu);
}
export const halfStudentTVariate = (s: Stream, nu: number, sigma: number): number => Math.abs(studentTVariate(s, nu, 0, sigma));

export function laplaceVariate(s: Stream, mu: number, b: number): number {
  const u = openUniform(s) - 0.5;
  return mu - b * Math.sign(u) * Math.log1p(-2 * Math.abs(u));
}

/** PyMC's asymmetriclaplace_rv(b, kappa, mu), by inversion. */
export function asymmetricLaplaceVariate(s: Stream, b: number, kappa: number, mu: number): number {
  const u = openUniform(s);
  const sw = (kappa * kappa) / (1 + kappa * kappa);
  return u <= sw ? mu + (kappa * Math.log(u / sw)) / b : mu - Math.log((1 - u) * (1 + kappa * kappa)) / (kappa * b);
}

/** skewnormal_rv(mu, sigma, alpha): Azzalini's construction from two normals. */
export function skewNormalVariate(s: Stream, mu: number, sigma: number, alpha: number): number {
  const delta = alpha / Math.sqrt(1 + alpha * alpha);
  const u0 = s.normal();
  const v = s.normal();
  const u1 = delta * u0 + Math.sqrt(1 - delta * delta) * v;
  return mu + sigma * (u0 >= 0 ? u1 : -u1);
}

export const exGaussianVariate = (s: Stream, mu: number, sigma: number, nu: number): number => mu + sigma * s.normal() - nu * Math.log1p(-s.uniform());

/** moyal_rv(mu, sigma): -log(Z²) is standard Moyal. */
export function moyalVariate(s: Stream, mu: number, sigma: number): number {
  let z: number;
  do z = s.normal();
  while (z === 0);
  return mu - sigma * Math.log(z * z);
}

export const logitNormalVariate = (s: Stream, mu: number, sigma: number): number => sigmoid(mu + sigma * s.normal());
export const kumaraswamyVariate = (s: Stream, a: number, b: number): number => Math.pow(-Math.expm1(Math.log1p(-s.uniform()) / b), 1 / a);

export function riceVariate(s: Stream, nu: number, sigma: number): number {
  const x = nu + sigma * s.normal();
  const y = sigma * s.normal();
  return Math.hypot(x, y);
}

/** wald_rv(mu, lam, alpha): Michael, Schucany and Haas (1976), shifted by alpha. */
export function waldVariate(s: Stream, mu: number, lam: number, alpha: number): number {
  const z = s.normal();
  const y = z * z;
  const x = mu + (mu * mu * y) / (2 * lam) - (mu / (2 * lam)) * Math.sqrt(4 * mu * lam * y + mu * mu * y * y);
  return alpha + (s.uniform() <= mu / (mu + x) ? x : (mu * mu) / x);
}

/** vonmises_rv(mu, kappa): Best and Fisher (1979); the result is in [-π, π). */
export function vonMisesVariate(s: Stream, mu: number, kappa: number): number {
  if (kappa < 1e-8) return wrap(mu + Math.PI * (2 * s.uniform() - 1));
  const tau = 1 + Math.sqrt(1 + 4 * kappa * kappa);
  const rho = (tau - Math.sqrt(2 * tau)) / (2 * kappa);
  const r = (1 + rho * rho) / (2 * rho);
  for (;;) {
    const z = Math.cos(Math.PI * s.uniform());
    const f = (1 + r * z) / (r + z);
    const c = kappa * (r - f);
    const u2 = s.uniform();
    if (c * (2 - c) - u2 > 0 || Math.log(c / u2) + 1 - c >= 0) {
      const theta = s.uniform() < 0.5 ? -Math.acos(f) : Math.acos(f);
      return wrap(mu + theta);
    }
  }
}
function wrap(x: number): number {
  return ((((x + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;
}

/** A standard normal truncated to [a, ∞), a >= 0: Robert's (1995) exponential proposal. */
function normalTail(s: Stream, a: number): number {
  const alpha = (a + Math.sqrt(a * a + 4)) / 2;
  for (;;) {
    const z = a - Math.log(openUniform(s)) / alpha;
    if (Math.log(openUniform(s)) <= -((z - alpha) ** 2) / 2) return z;
  }
}

/** truncated_normal_rv(mu, sigma, lower, upper): exact rejection schemes by the interval's position. */
export function truncatedNormalVariate(s: Stream, mu: number, sigma: number, lower: number, upper: number): number {
  let a = (lower - mu) / sigma;
  let b = (upper - mu) / sigma;
  let flip = 1;
  if (a < 0 && b <= 0 && b < Infinity) {
    // mirror to the right half line
    [a, b] = [-b, -a];
    flip = -1;
  }
  let z: number;
  if (a <= 0 && b >= 0) {
    if (b - a > 2.5066282746310002) {
      do z = s.normal();
      while (z < a || z > b);
    } else {
      // uniform proposal against the density, whose maximum on [a, b] is at 0
      for (;;) {
        z = a + (b - a) * s.uniform();
        if (Math.log(openUniform(s)) <= -(z * z) / 2) break;
      }
    }
  } else if (b === Infinity || b - a > 1 / a) {
    do z = normalTail(s, a);
    while (z > b);
  } else {
    for (;;) {
      z = a + (b - a) * s.uniform();
      if (Math.log(openUniform(s)) <= (a * a - z * z) / 2) break;
    }
  }
  return mu + sigma * flip * z;
}

/** Flat and HalfFlat have no distribution to draw from (PyMC refuses too). */
export function flatVariate(): number {
  throw new Error("Cannot sample from a Flat or HalfFlat variable: it has no proper distribution");
}
