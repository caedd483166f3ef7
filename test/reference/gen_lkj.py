"""Independent references for LKJCorr and LKJCholeskyCov (PyMC 5's parameterisations).

Run once by hand with Debian's python3-scipy:  python3 test/reference/gen_lkj.py
It writes lkj.json beside this file; commit both. CI does not run Python.

- The LKJ normalising constant from Lewandowski, Kurowicka and Joe (2009), eq. (16):
  c_n(eta) = 2^{sum_k (2 eta - 2 + n - k)(n - k)} * prod_k B(eta + (n - k - 1)/2, eta + (n - k - 1)/2)^{n - k},
  k = 1 .. n-1, in logs with scipy.special.betaln (not PyMC's gammaln expression); for n = 3 it is
  also integrated numerically over the correlations that give a positive definite matrix.
- LKJCorr logp at packed upper-triangular correlations: -log c_n + (eta - 1) log det C.
- LKJCholeskyCov logp of a packed Cholesky factor L (rows of the lower triangle): the density of
  (sigma, C) pushed through L = diag(sigma) chol(C), divided by |det J| of that map, with J taken by
  central differences (independent of PyMC's closed form).
"""
import json
import os

import numpy as np
from scipy import integrate, special, stats


def log_c(n, eta):
    k = np.arange(1, n)
    a = eta + (n - k - 1) / 2.0
    return float(np.sum((2 * eta - 2 + n - k) * (n - k)) * np.log(2.0) + np.sum((n - k) * special.betaln(a, a)))


def corr_from_packed(n, r):
    c = np.eye(n)
    iu = np.triu_indices(n, 1)
    c[iu] = r
    c[(iu[1], iu[0])] = r
    return c


def lkj_logp(n, eta, r):
    c = corr_from_packed(n, r)
    sign, logdet = np.linalg.slogdet(c)
    if sign <= 0 or np.any(np.abs(r) > 1):
        return -np.inf
    return -log_c(n, eta) + (eta - 1) * logdet


norm = []
for n in [2, 3, 4, 5, 10]:
    for eta in [1.0, 0.5, 2.0, 4.5]:
        norm.append({"n": n, "eta": eta, "logc": log_c(n, eta)})

# n = 3 by integration: the set of (r12, r13, r23) giving a positive definite matrix
integrated = []
for eta in [1.0, 2.0]:
    def f(r23, r13, r12):
        d = 1 - r12 * r12 - r13 * r13 - r23 * r23 + 2 * r12 * r13 * r23
        return d ** (eta - 1) if d > 0 else 0.0

    def lo(r12, r13):
        return r12 * r13 - np.sqrt((1 - r12 * r12) * (1 - r13 * r13))

    def hi(r12, r13):
        return r12 * r13 + np.sqrt((1 - r12 * r12) * (1 - r13 * r13))

    val, err = integrate.tplquad(f, -1, 1, -1, 1, lo, hi, epsabs=1e-11, epsrel=1e-11)
    integrated.append({"n": 3, "eta": eta, "logc": float(np.log(val)), "formula": log_c(3, eta)})
    assert abs(np.log(val) - log_c(3, eta)) < 1e-8, (eta, np.log(val), log_c(3, eta))

corr_cases = []
for n, eta, r in [
    (2, 1.0, [0.3]),
    (2, 2.5, [-0.7]),
    (3, 1.0, [0.2, -0.1, 0.4]),
    (3, 0.7, [0.5, 0.3, -0.2]),
    (3, 3.0, [0.05, 0.1, 0.15]),
    (4, 2.0, [0.1, -0.2, 0.3, 0.25, 0.0, -0.15]),
    (3, 2.0, [0.9, -0.9, 0.9]),  # not positive definite
]:
    lp = lkj_logp(n, eta, np.array(r))
    corr_cases.append({"n": n, "eta": eta, "value": r, "logp": lp if np.isfinite(lp) else None})  # null: -inf


def packed_chol(n, sigma, r):
    c = corr_from_packed(n, r)
    l = np.diag(sigma) @ np.linalg.cholesky(c)
    return l[np.tril_indices(n)]


def chol_cov_logp(n, eta, sd_logpdf, packed):
    l = np.zeros((n, n))
    l[np.tril_indices(n)] = packed
    cov = l @ l.T
    sigma = np.sqrt(np.diag(cov))
    c = cov / np.outer(sigma, sigma)
    r = c[np.triu_indices(n, 1)]
    theta = np.concatenate([sigma, r])
    m = len(theta)
    jac = np.zeros((m, m))
    h = 1e-6
    for i in range(m):
        tp = theta.copy()
        tm = theta.copy()
        tp[i] += h
        tm[i] -= h
        jac[:, i] = (packed_chol(n, tp[:n], tp[n:]) - packed_chol(n, tm[:n], tm[n:])) / (2 * h)
    _, logabsdet = np.linalg.slogdet(jac)
    return float(np.sum(sd_logpdf(sigma)) + lkj_logp(n, eta, r) - logabsdet)


chol_cases = []
sd_dists = {
    "Exponential(1.5)": ({"family": "Exponential", "params": {"lam": 1.5}}, stats.expon(scale=1 / 1.5).logpdf),
    "HalfNormal(2)": ({"family": "HalfNormal", "params": {"sigma": 2.0}}, stats.halfnorm(scale=2.0).logpdf),
}
for n, eta, sd, packed in [
    (2, 1.0, "Exponential(1.5)", [0.8, 0.3, 1.1]),
    (2, 2.0, "HalfNormal(2)", [1.3, -0.4, 0.7]),
    (3, 1.0, "Exponential(1.5)", [0.9, 0.2, 1.2, -0.3, 0.4, 0.6]),
    (3, 3.5, "HalfNormal(2)", [1.1, 0.5, 0.8, 0.1, -0.6, 1.4]),
    (4, 0.8, "HalfNormal(2)", [0.7, 0.1, 0.9, -0.2, 0.3, 1.1, 0.4, 0.2, -0.5, 0.8]),
]:
    spec, lpdf = sd_dists[sd]
    chol_cases.append({"n": n, "eta": eta, "sd_dist": spec, "value": packed, "logp": chol_cov_logp(n, eta, lpdf, np.array(packed))})

out = {"normalising_constant": norm, "integrated": integrated, "lkjcorr": corr_cases, "lkjcholeskycov": chol_cases}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "lkj.json"), "w") as fh:
    json.dump(out, fh, indent=1, allow_nan=False)
    fh.write("\n")
