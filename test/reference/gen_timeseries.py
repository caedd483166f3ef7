"""Independent references for ZeroSumNormal and the time series (PyMC 5's formulas).

Run once by hand with Debian's python3-scipy:  python3 test/reference/gen_timeseries.py
It writes timeseries.json beside this file; commit both. CI does not run Python.

- ZeroSumNormal: PyMC's logp, sum over the zero-sum axes of -0.5 (x / sigma)^2 - (log sqrt(2 pi) +
  log sigma) * prod(n_i - 1) / prod(n_i); for one axis also as the degenerate Gaussian
  N(0, sigma^2 (I - J/n)) on the zero-sum subspace (its pseudo-determinant, an eigen-decomposition).
  The zero-sum transform's backward (PyMC's extend_axis) of given unconstrained values.
- GaussianRandomWalk / RandomWalk / MvGaussianRandomWalk: logpdf of x[..., 0] under init_dist plus the logpdf of the
  differences under the innovation distribution (scipy.stats), in a plain loop over time.
- GARCH11: y_t ~ Normal(0, vol_t), vol_0 = initial_vol, vol_t^2 = omega + alpha_1 y_{t-1}^2 +
  beta_1 vol_{t-1}^2, in a plain loop over time.
- AR: the first ar_order values under init_dist, then x[t] ~ Normal((rho_0 if constant) +
  sum_k rho_k x[t-k], sigma), in a plain loop over time.
"""
import json
import os

import numpy as np
from scipy import stats

rng = np.random.default_rng(20261202)
LOG_SQRT_2PI = np.log(np.sqrt(2 * np.pi))


def zsn_logp(x, sigma, k):
    support = x.shape[-k:]
    ratio = np.prod([n - 1 for n in support]) / np.prod(support)
    axes = tuple(range(-k, 0))
    return np.sum(-0.5 * (x / sigma) ** 2 - (LOG_SQRT_2PI + np.log(sigma)) * ratio, axis=axes)


def zsn_degenerate(x, sigma):
    n = x.shape[-1]
    cov = sigma**2 * (np.eye(n) - np.ones((n, n)) / n)
    w, v = np.linalg.eigh(cov)
    keep = w > 1e-10
    pinv = (v[:, keep] / w[keep]) @ v[:, keep].T
    logpdet = np.sum(np.log(w[keep]))
    return -0.5 * (x @ pinv @ x) - 0.5 * logpdet - keep.sum() * LOG_SQRT_2PI


def zero_sum(shape, k):
    x = rng.normal(size=shape)
    for axis in range(k):
        x = x - x.mean(axis=-axis - 1, keepdims=True)
    return x


def extend_axis(array, axis):
    n = array.shape[axis] + 1
    sum_vals = array.sum(axis, keepdims=True)
    norm = sum_vals / (np.sqrt(n) + n)
    fill_val = norm - sum_vals / np.sqrt(n)
    out = np.concatenate([array, fill_val], axis=axis)
    return out - norm


zsn = []
for shape, k, sigma in [((5,), 1, 1.3), ((3, 4), 1, 0.7), ((3, 4), 2, 0.7), ((2, 3, 4), 2, 2.0)]:
    x = zero_sum(shape, k)
    lp = zsn_logp(x, sigma, k)
    case = {"shape": list(shape), "n_zerosum_axes": k, "sigma": sigma, "value": x.tolist(), "logp": float(np.sum(lp))}
    if k == 1 and len(shape) == 1:
        case["logp_degenerate"] = float(zsn_degenerate(x, sigma))
    v = rng.normal(size=[d - 1 if i >= len(shape) - k else d for i, d in enumerate(shape)])
    back = v
    for axis in range(-k, 0):
        back = extend_axis(back, axis)
    case["unconstrained"] = v.tolist()
    case["backward"] = back.tolist()
    zsn.append(case)


def norm_lp(x, mu, sigma):
    return stats.norm.logpdf(x, mu, sigma)


walks = []
# GaussianRandomWalk: (mu, sigma, init (mu0, sigma0) or None for PyMC's Normal(0, 100), shape)
for mu, sigma, init, shape in [(0.3, 1.5, None, (6,)), ([0.1, -0.2], [1.0, 2.0], (1.0, 2.0), (2, 5))]:
    x = np.cumsum(rng.normal(size=shape), axis=-1)
    mu_b = np.broadcast_to(np.asarray(mu, dtype=float), shape[:-1])
    sigma_b = np.broadcast_to(np.asarray(sigma, dtype=float), shape[:-1])
    m0, s0 = init if init else (0.0, 100.0)
    total = 0.0
    for b in np.ndindex(*shape[:-1]):
        total += norm_lp(x[b][0], m0, s0)
        for t in range(1, shape[-1]):
            total += norm_lp(x[b][t] - x[b][t - 1], mu_b[b], sigma_b[b])
    walks.append({"family": "GaussianRandomWalk", "mu": mu, "sigma": sigma, "init": init, "shape": list(shape), "value": x.tolist(), "logp": float(total)})

# RandomWalk with StudentT(nu=4, mu=0.2, sigma=0.5) innovations and a Normal(-1, 2) init
x = np.cumsum(rng.normal(size=7))
total = norm_lp(x[0], -1.0, 2.0) + sum(stats.t.logpdf(x[t] - x[t - 1], 4.0, 0.2, 0.5) for t in range(1, 7))
walks.append({"family": "RandomWalk", "innovation": {"nu": 4.0, "mu": 0.2, "sigma": 0.5}, "init": [-1.0, 2.0], "shape": [7], "value": x.tolist(), "logp": float(total)})

ars = []
# (rho, sigma, constant, init (mu0, sigma0) or None, shape)
for rho, sigma, constant, init, shape in [
    ([0.6], 1.2, False, None, (8,)),
    ([0.5, 0.3, -0.2], 0.8, True, (0.5, 2.0), (9,)),
    ([[0.4, 0.2, 0.1], [-0.3, 0.1, 0.05]], [1.0, 0.5], False, (0.0, 1.0), (2, 7)),
]:
    x = rng.normal(size=shape)
    rho_a = np.asarray(rho, dtype=float)
    sigma_a = np.broadcast_to(np.asarray(sigma, dtype=float), shape[:-1])
    c = 1 if constant else 0
    p = rho_a.shape[-1] - c
    m0, s0 = init if init else (0.0, 100.0)
    total = 0.0
    for b in np.ndindex(*shape[:-1]):
        r = rho_a[b] if rho_a.ndim > 1 else rho_a
        for t in range(p):
            total += norm_lp(x[b][t], m0, s0)
        for t in range(p, shape[-1]):
            mean = (r[0] if c else 0.0) + sum(r[c + k - 1] * x[b][t - k] for k in range(1, p + 1))
            total += norm_lp(x[b][t], mean, sigma_a[b])
    ars.append({"rho": rho, "sigma": sigma, "constant": constant, "init": init, "shape": list(shape), "ar_order": p, "value": x.tolist(), "logp": float(total)})

# MvGaussianRandomWalk: (mu, cov, init (mean, cov) or None for PyMC's MvNormal(0, I*100), shape)
for mu, cov, init, shape in [
    ([0.1, -0.2], [[1.0, 0.3], [0.3, 0.5]], None, (5, 2)),
    ([[0.0, 0.5, 1.0], [0.2, 0.1, 0.0]], [[2.0, 0.1, 0.0], [0.1, 1.0, -0.2], [0.0, -0.2, 0.7]], ([1.0, 0.0, -1.0], [[1.0, 0.0, 0.0], [0.0, 2.0, 0.5], [0.0, 0.5, 1.0]]), (2, 4, 3)),
]:
    x = np.cumsum(rng.normal(size=shape), axis=-2)
    mu_a = np.asarray(mu, dtype=float)
    n = shape[-1]
    m0, c0 = (np.asarray(init[0]), np.asarray(init[1])) if init else (np.zeros(n), 100 * np.eye(n))
    total = 0.0
    for b in np.ndindex(*shape[:-2]):
        xb = x[b]
        mb = mu_a[b] if mu_a.ndim > 1 else mu_a
        total += stats.multivariate_normal.logpdf(xb[0], m0, c0)
        for t in range(1, shape[-2]):
            total += stats.multivariate_normal.logpdf(xb[t] - xb[t - 1], mb, cov)
    walks.append({"family": "MvGaussianRandomWalk", "mu": mu, "cov": cov, "init": init, "shape": list(shape), "value": x.tolist(), "logp": float(total)})

garch = []
# GARCH11: (omega, alpha_1, beta_1, initial_vol, length)
for omega, alpha, beta, vol0, n in [(0.1, 0.3, 0.5, 0.4, 12), (0.05, 0.1, 0.85, 1.2, 20)]:
    y = rng.normal(size=n) * 0.6
    total, v = 0.0, vol0**2
    for t in range(n):
        if t:
            v = omega + alpha * y[t - 1] ** 2 + beta * v
        total += norm_lp(y[t], 0.0, np.sqrt(v) if t else vol0)
    garch.append({"omega": omega, "alpha_1": alpha, "beta_1": beta, "initial_vol": vol0, "value": y.tolist(), "logp": float(total)})

out = {"zerosumnormal": zsn, "walks": walks, "ar": ars, "garch11": garch}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "timeseries.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"wrote {path}")
