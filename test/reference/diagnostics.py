"""Reference values for tsmc's convergence diagnostics.

A NumPy-only re-implementation of ArviZ's formulas (arviz/stats/diagnostics.py as of ArviZ 0.14+,
whose mcse_sd uses the ESS of the sd, and the HDI of arviz/stats/stats.py; Vehtari et al. 2021), run once on small fixed arrays. The output,
diagnostics.json, is committed; test/diagnostics.test.ts compares tsmc's numbers with it.

    python3 test/reference/diagnostics.py
"""
import json
import os
from statistics import NormalDist

import numpy as np

PPF = NormalDist().inv_cdf


def rankdata(a):
    """Average ranks of ties, 1-based (scipy.stats.rankdata(method="average"))."""
    a = np.asarray(a, dtype=float).ravel()
    order = np.argsort(a, kind="mergesort")
    ranks = np.empty(len(a))
    i = 0
    while i < len(a):
        j = i
        while j + 1 < len(a) and a[order[j + 1]] == a[order[i]]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def z_scale(ary):
    ary = np.asarray(ary, dtype=float)
    rank = rankdata(ary).reshape(ary.shape)
    return np.vectorize(PPF)((rank - 0.375) / (ary.size + 0.25))


def split_chains(ary):
    half = ary.shape[1] // 2
    return np.vstack((ary[:, :half], ary[:, -half:]))


def rhat_basic(ary):
    n = ary.shape[1]
    chain_mean = ary.mean(axis=1)
    chain_var = ary.var(axis=1, ddof=1)
    between = n * np.var(chain_mean, ddof=1)
    within = np.mean(chain_var)
    return np.sqrt((between / within + n - 1) / n)


def rhat_rank(ary):
    split = split_chains(ary)
    bulk = rhat_basic(z_scale(split))
    folded = np.abs(split - np.median(split))
    tail = rhat_basic(z_scale(folded))
    return max(bulk, tail)


def autocov(ary):
    n = ary.shape[1]
    m = 2 * n
    x = ary - ary.mean(axis=1, keepdims=True)
    f = np.fft.rfft(x, n=m, axis=1)
    f *= np.conjugate(f)
    return np.fft.irfft(f, n=m, axis=1)[:, :n] / n


def ess(ary):
    ary = np.asarray(ary, dtype=float)
    if np.max(ary) - np.min(ary) < np.finfo(float).resolution:
        return ary.size
    n_chain, n_draw = ary.shape
    acov = autocov(ary)
    chain_mean = ary.mean(axis=1)
    mean_var = np.mean(acov[:, 0]) * n_draw / (n_draw - 1.0)
    var_plus = mean_var * (n_draw - 1.0) / n_draw
    if n_chain > 1:
        var_plus += np.var(chain_mean, ddof=1)
    rho = np.zeros(n_draw)
    rho_even = 1.0
    rho[0] = rho_even
    rho_odd = 1.0 - (mean_var - np.mean(acov[:, 1])) / var_plus
    rho[1] = rho_odd
    t = 1
    while t < (n_draw - 3) and (rho_even + rho_odd) > 0.0:
        rho_even = 1.0 - (mean_var - np.mean(acov[:, t + 1])) / var_plus
        rho_odd = 1.0 - (mean_var - np.mean(acov[:, t + 2])) / var_plus
        if (rho_even + rho_odd) >= 0:
            rho[t + 1] = rho_even
            rho[t + 2] = rho_odd
        t += 2
    max_t = t - 2
    if rho_even > 0:
        rho[max_t + 1] = rho_even
    t = 1
    while t <= max_t - 2:
        if (rho[t + 1] + rho[t + 2]) > (rho[t - 1] + rho[t]):
            rho[t + 1] = (rho[t - 1] + rho[t]) / 2.0
            rho[t + 2] = rho[t + 1]
        t += 2
    n = n_chain * n_draw
    tau = -1.0 + 2.0 * np.sum(rho[: max_t + 1]) + np.sum(rho[max_t + 1 : max_t + 2])
    tau = max(tau, 1 / np.log10(n))
    return n / tau


def ess_bulk(ary):
    return ess(z_scale(split_chains(ary)))


def ess_mean(ary):
    return ess(split_chains(ary))


def ess_quantile(ary, prob):
    q = np.quantile(ary, prob)  # linear interpolation = mquantiles(alphap=1, betap=1)
    return ess(split_chains((ary <= q).astype(float)))


def ess_tail(ary):
    return min(ess_quantile(ary, 0.05), ess_quantile(ary, 0.95))


def mcse_mean(ary):
    return np.std(ary, ddof=1) / np.sqrt(ess_mean(ary))


def ess_sd(ary):
    split = split_chains(ary)
    return min(ess(split), ess(split**2))


def mcse_sd(ary):
    e = ess_sd(ary)
    return np.std(ary, ddof=1) * np.sqrt(np.exp(1) * (1 - 1 / e) ** (e - 1) - 1)


def rhat_summary(ary):
    """az.summary's R-hat: folded around the median of all draws, not of the split chains."""
    bulk = rhat_basic(z_scale(split_chains(ary)))
    tail = rhat_basic(z_scale(split_chains(np.abs(ary - np.median(ary)))))
    return max(bulk, tail)


def hdi(ary, prob=0.94):
    s = np.sort(ary.ravel())
    n = len(s)
    inc = int(np.floor(prob * n))
    widths = s[inc:] - s[: n - inc]
    i = np.argmin(widths)
    return [s[i], s[i + inc]]


def ar1(rng, chains, draws, phi, offsets):
    out = np.empty((chains, draws))
    for c in range(chains):
        x = rng.normal()
        for i in range(draws):
            x = phi * x + np.sqrt(1 - phi**2) * rng.normal()
            out[c, i] = x + offsets[c]
    return out


def main():
    rng = np.random.default_rng(20240611)
    cases = {
        "ar1_4x50": ar1(rng, 4, 50, 0.6, [0, 0, 0, 0]),
        "shifted_chain_4x40": ar1(rng, 4, 40, 0.3, [0, 0, 0, 1.5]),
        "ties_odd_2x101": np.round(ar1(rng, 2, 101, 0.8, [0, 0.2]), 1),
        "heavy_tail_3x60": rng.standard_t(2, size=(3, 60)),
        "antithetic_2x30": ar1(rng, 2, 30, -0.7, [0, 0]),
    }
    out = {}
    for name, ary in cases.items():
        out[name] = {
            "draws": ary.tolist(),
            "mean": float(ary.mean()),
            "sd": float(ary.std(ddof=1)),
            "r_hat": float(rhat_rank(ary)),
            "r_hat_summary": float(rhat_summary(ary)),
            "ess_bulk": float(ess_bulk(ary)),
            "ess_tail": float(ess_tail(ary)),
            "ess_mean": float(ess_mean(ary)),
            "ess_sd": float(ess_sd(ary)),
            "mcse_mean": float(mcse_mean(ary)),
            "mcse_sd": float(mcse_sd(ary)),
            "hdi_3%": float(hdi(ary)[0]),
            "hdi_97%": float(hdi(ary)[1]),
        }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "diagnostics.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
