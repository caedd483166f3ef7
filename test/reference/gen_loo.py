"""Reference values for tsmc's model comparison (runtime/sampler/loo.ts).

A NumPy/SciPy re-implementation of PSIS-LOO, WAIC and compare as ArviZ 0.x computes them
(arviz/stats/stats.py: loo, waic, compare, _psislw, _gpdfit, _gpinv; Vehtari, Gelman & Gabry 2017;
Zhang & Stephens 2009 for the GPD fit; Yao et al. 2018 for stacking), run once on fixed draws from a
seeded RNG. ArviZ itself is not needed. It writes loo.json beside this file; commit both.

    python3 test/reference/gen_loo.py

The draws are rounded to 12 significant digits before anything is computed, so the JSON holds the
exact inputs; the log-likelihood is recomputed from them (normal and Student-t densities written
out below) by the test as well.
"""
import json
import os
import sys

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, minimize
from scipy.special import gammaln

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diagnostics import ess_mean  # noqa: E402  (ArviZ's ess(method="mean"), already checked)

LOG_2PI = np.log(2 * np.pi)
TINY = np.finfo(float).tiny
EPS = np.finfo(float).eps


def round12(a):
    return np.array([float(f"{v:.12g}") for v in np.ravel(a)]).reshape(np.shape(a))


def normal_ll(y, mu, sigma):
    """[chains, draws, n]: log N(y_i | mu, sigma)."""
    z = (y[None, None, :] - mu[:, :, None]) / sigma[:, :, None]
    return -0.5 * LOG_2PI - np.log(sigma[:, :, None]) - 0.5 * z * z


def student_ll(y, mu, sigma, nu):
    z = (y[None, None, :] - mu[:, :, None]) / sigma[:, :, None]
    const = gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(nu * np.pi)
    return const - np.log(sigma[:, :, None]) - (nu + 1) / 2 * np.log1p(z * z / nu)


def lse(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def gpd_fit(x):
    """Zhang & Stephens (2009) posterior-mean estimate on a grid of theta, plus ArviZ's prior on k."""
    n = len(x)
    m = 30 + int(np.sqrt(n))
    theta = 1 / x[-1] + (1 - np.sqrt(m / (np.arange(1, m + 1) - 0.5))) / (3 * x[int(n / 4 + 0.5) - 1])
    k = np.array([np.mean(np.log1p(-t * x)) for t in theta])
    prof = n * (np.log(-theta / k) - k - 1)
    w = np.array([1 / np.sum(np.exp(prof - p)) for p in prof])
    keep = w >= 10 * EPS
    w, theta = w[keep], theta[keep]
    w = w / w.sum()
    theta_hat = np.sum(theta * w)
    k_hat = np.mean(np.log1p(-theta_hat * x))
    sigma = -k_hat / theta_hat
    return (n * k_hat + 10 * 0.5) / (n + 10), sigma


def gpd_quantile(p, k, sigma):
    if sigma <= 0:
        return np.full_like(p, np.nan)
    if abs(k) < EPS:
        return -sigma * np.log1p(-p)
    return sigma * np.expm1(-k * np.log1p(-p)) / k


def psis(raw, reff):
    """Smoothed normalised log weights and k of one observation (Vehtari et al. 2024, ArviZ's constants)."""
    s = len(raw)
    tail_n = int(np.ceil(min(s / 5.0, 3 * np.sqrt(s / reff))))
    x = raw - raw.max()
    order = np.argsort(x)
    cutoff = max(x[order[s - tail_n - 1]], np.log(TINY))
    idx = np.where(x > cutoff)[0]
    k = np.inf
    if len(idx) > 4:
        idx = idx[np.argsort(x[idx])]
        k, sigma = gpd_fit(np.exp(x[idx]) - np.exp(cutoff))
        if np.isfinite(k):
            q = gpd_quantile((np.arange(len(idx)) + 0.5) / len(idx), k, sigma)
            x[idx] = np.log(q + np.exp(cutoff))
            x[x > 0] = 0
    return x - lse(x), k


def reff_of(posterior):
    chains = next(iter(posterior.values())).shape[0]
    if chains == 1:
        return 1.0
    vals = []
    for v in posterior.values():
        flat = v.reshape(v.shape[0], v.shape[1], -1)
        vals += [ess_mean(flat[:, :, j]) for j in range(flat.shape[2])]
    return float(np.mean(vals)) / (v.shape[0] * v.shape[1])


def loo(ll, posterior, scale_value=1):
    c, d, n = ll.shape
    s = c * d
    flat = ll.reshape(s, n)
    reff = reff_of(posterior)
    loo_i, ks, lppd = np.empty(n), np.empty(n), 0.0
    for i in range(n):
        lw, ks[i] = psis(-flat[:, i], reff)
        loo_i[i] = scale_value * lse(lw + flat[:, i])
        lppd += lse(flat[:, i]) - np.log(s)
    good_k = min(1 - 1 / np.log10(s), 0.7)
    elpd = loo_i.sum()
    return {
        "reff": reff,
        "elpd_loo": elpd,
        "se": np.sqrt(n * np.var(loo_i)),
        "p_loo": lppd - elpd / scale_value,
        "loo_i": loo_i,
        "pareto_k": ks,
        "good_k": good_k,
        "warning": bool(np.any(ks > good_k)),
    }


def waic(ll, scale_value=1):
    c, d, n = ll.shape
    flat = ll.reshape(c * d, n)
    lppd_i = np.array([lse(flat[:, i]) for i in range(n)]) - np.log(c * d)
    v = flat.var(axis=0)
    waic_i = scale_value * (lppd_i - v)
    return {
        "elpd_waic": waic_i.sum(),
        "se": np.sqrt(n * np.var(waic_i)),
        "p_waic": v.sum(),
        "waic_i": waic_i,
        "warning": bool(np.any(v > 0.4)),
    }


def stacking(elpd_i):
    """Stacking weights (Yao et al. 2018): argmax_w sum_i log sum_k w_k exp(elpd_ik), solved tightly."""
    e = np.exp(elpd_i - elpd_i.max(axis=1, keepdims=True))
    k = e.shape[1]
    res = minimize(
        lambda w: -np.sum(np.log(e @ w)),
        np.full(k, 1.0 / k),
        jac=lambda w: -np.sum(e / (e @ w)[:, None], axis=0),
        bounds=Bounds(np.zeros(k), np.ones(k)),
        constraints=LinearConstraint(np.ones(k), 1.0, 1.0),
        method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 10000},
    )
    # SLSQP meets sum(w) = 1 only to about 1e-12, which is worth 1e-11 in the objective here.
    w = np.clip(res.x, 0, None) / np.clip(res.x, 0, None).sum()
    return w, np.sum(np.log(e @ w))


def compare(lls, posteriors):
    names = list(lls)
    res = {nm: loo(lls[nm], posteriors[nm]) for nm in names}
    order = sorted(names, key=lambda nm: -res[nm]["elpd_loo"])
    elpd_i = np.column_stack([res[nm]["loo_i"] for nm in order])
    weights, score = stacking(elpd_i)
    z = np.exp(np.array([res[nm]["elpd_loo"] for nm in order]) - res[order[0]]["elpd_loo"])
    rows = []
    for r, nm in enumerate(order):
        diff = res[order[0]]["loo_i"] - res[nm]["loo_i"]
        rows.append(
            {
                "name": nm,
                "rank": r,
                "elpd_loo": res[nm]["elpd_loo"],
                "p_loo": res[nm]["p_loo"],
                "elpd_diff": diff.sum(),
                "weight": weights[r],
                "pseudo_bma_weight": z[r] / z.sum(),
                "se": res[nm]["se"],
                "dse": np.sqrt(len(diff) * np.var(diff)),
                "warning": res[nm]["warning"],
            }
        )
    return rows, score


def ar1(rng, chains, draws, phi):
    out = np.empty((chains, draws))
    for c in range(chains):
        x = rng.normal()
        for i in range(draws):
            x = phi * x + np.sqrt(1 - phi**2) * rng.normal()
            out[c, i] = x
    return out


def jsonable(v):
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return [None if not np.isfinite(x) else float(x) for x in v.ravel()] if v.dtype.kind == "f" else v.tolist()
    if isinstance(v, (np.floating, float)):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    return v


def main():
    rng = np.random.default_rng(20260212)
    chains, draws, n = 4, 250, 20
    # Data: 19 standard normal points and one far outlier, so some Pareto k come out large.
    y = round12(np.concatenate([rng.normal(0.3, 1.0, n - 1), [7.5]]))
    ybar, sd = y.mean(), y.std(ddof=1)
    # Approximate posterior draws with autocorrelation (AR(1)), so reff differs from 1.
    models = {
        "normal": ("normal", ybar, sd, 0.5),
        "student": ("student", np.median(y), 1.0, 0.3),
        "shifted": ("normal", ybar + 0.4, sd, 0.5),
        "wide": ("normal", ybar, 2.5 * sd, 0.5),
    }
    posteriors, lls, spec = {}, {}, {}
    for name, (kind, centre, scale, phi) in models.items():
        mu = round12(centre + scale / np.sqrt(n) * ar1(rng, chains, draws, phi))
        sigma = round12(scale * np.exp(0.15 * ar1(rng, chains, draws, phi)))
        posteriors[name] = {"mu": mu, "sigma": sigma}
        lls[name] = normal_ll(y, mu, sigma) if kind == "normal" else student_ll(y, mu, sigma, 4.0)
        spec[name] = {"kind": kind, "nu": 4.0, "mu": mu, "sigma": sigma}
    out = {"y": y, "chains": chains, "draws": draws, "models": spec, "results": {}}
    for name in models:
        r = loo(lls[name], posteriors[name])
        r["deviance"] = loo(lls[name], posteriors[name], scale_value=-2)
        r["waic"] = waic(lls[name])
        r["waic_deviance"] = waic(lls[name], scale_value=-2)
        out["results"][name] = r
    # Smoothed log weights of the outlier and of an ordinary point, and a given reff.
    flat = lls["normal"].reshape(chains * draws, n)
    out["psislw"] = [
        {"obs": i, "reff": reff, "lw": lw, "k": k}
        for i in (n - 1, 0)
        for reff in (1.0, 0.7)
        for lw, k in [psis(-flat[:, i], reff)]
    ]
    # Too short a tail to fit (20 samples: 4 exceedances): k is infinite, the weights are only normalised.
    short = round12(rng.normal(size=20))
    lw, k = psis(short.copy(), 1.0)
    out["psislw_short"] = {"input": short, "lw": lw, "k": k}
    rows, score = compare(lls, posteriors)
    out["compare"] = {"rows": rows, "stacking_score": score}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "loo.json")
    with open(path, "w") as f:
        json.dump(jsonable(out), f)
        f.write("\n")


if __name__ == "__main__":
    main()
