"""SciPy reference values for Censored and Truncated (test/censored-truncated.test.ts).

Run once by hand with Debian's python3-scipy:  python3 test/reference/gen_censored.py
It writes censored.json beside this file; commit both. CI does not run Python.
Each case: the wrapper, the family with its PyMC parameters, the bounds (None for a missing one),
a value x and the logp (and the logcdf for Truncated), from SciPy's distribution of the family:
  Censored: log F(lower) at lower, log P(X >= upper) at upper, the log density between, -inf outside;
  Truncated: the log density minus log(F(upper) - F(lower)) (F(lower - 1) for a discrete family),
  -inf outside. Each `moments` entry: the mean and variance of the wrapped variable.
"""
import json
import os

import numpy as np
from scipy import stats

FAMILIES = {
    "Normal": lambda p: stats.norm(p["mu"], p["sigma"]),
    "Gamma": lambda p: stats.gamma(p["alpha"], scale=1 / p["beta"]),
    "Exponential": lambda p: stats.expon(scale=1 / p["lam"]),
    "Poisson": lambda p: stats.poisson(p["mu"]),
}
DISCRETE = {"Poisson"}

cases = []
moments = []


def lower_cdf(d, lower, discrete):
    """F just below the support kept: F(lower) (continuous) or F(lower - 1) (discrete)."""
    if lower is None:
        return 0.0, 1.0
    at = lower - 1 if discrete else lower
    return d.cdf(at), d.sf(at)


def log_mass(d, lower, upper, discrete):
    """log P(lower <= X <= upper) without cancellation in either tail."""
    cl, sl = lower_cdf(d, lower, discrete)
    cu, su = (1.0, 0.0) if upper is None else (d.cdf(upper), d.sf(upper))
    with np.errstate(divide="ignore"):  # log 0 = -inf for an empty interval
        return np.log(sl - su) if cl > 0.5 else np.log(cu - cl)


def censored_logp(d, lower, upper, x, discrete):
    logpdf = d.logpmf if discrete else d.logpdf
    if lower is not None and x < lower or upper is not None and x > upper:
        return -np.inf
    if lower is not None and x == lower:
        return d.logcdf(lower)
    if upper is not None and x == upper:
        return d.logsf(upper - 1) if discrete else d.logsf(upper)
    return logpdf(x)


def truncated(d, lower, upper, x, discrete):
    logpdf = d.logpmf if discrete else d.logpdf
    if lower is not None and x < lower:
        return -np.inf, -np.inf
    if upper is not None and x > upper:
        return -np.inf, 0.0
    norm = log_mass(d, lower, upper, discrete)
    # near 1 through the mass above x: 1 - P(x < X <= upper) / P(lower <= X <= upper)
    su = 0.0 if upper is None else d.sf(upper)
    above = (d.sf(x) - su) / np.exp(norm)
    return logpdf(x) - norm, np.log1p(-above) if above < 0.5 else log_mass(d, lower, x, discrete) - norm


def add(wrapper, family, params, lower, upper, xs):
    d = FAMILIES[family](params)
    discrete = family in DISCRETE
    for x in xs:
        row = {"wrapper": wrapper, "family": family, "params": params, "lower": lower, "upper": upper, "x": x}
        if wrapper == "Censored":
            row["logp"] = censored_logp(d, lower, upper, x, discrete)
        else:
            row["logp"], row["logcdf"] = truncated(d, lower, upper, x, discrete)
        cases.append(row)


def add_moments(wrapper, family, params, lower, upper):
    d = FAMILIES[family](params)
    discrete = family in DISCRETE
    lo = -np.inf if lower is None else lower
    hi = np.inf if upper is None else upper
    if wrapper == "Truncated":
        m1 = d.expect(lambda x: x, lb=lo, ub=hi, conditional=True)
        m2 = d.expect(lambda x: x * x, lb=lo, ub=hi, conditional=True)
    else:
        # E[clip(X, lower, upper)^k]: the masses at the bounds and the density between them
        pl = 0.0 if lower is None else d.cdf(lower)
        pu = 0.0 if upper is None else (d.sf(upper - 1) if discrete else d.sf(upper))
        inner_lo = lo + 1 if discrete and lower is not None else lo
        inner_hi = hi - 1 if discrete and upper is not None else hi
        mid = [d.expect(lambda x, k=k: x**k, lb=inner_lo, ub=inner_hi) for k in (1, 2)]
        bl = 0.0 if lower is None else lower
        bu = 0.0 if upper is None else upper
        m1 = bl * pl + mid[0] + bu * pu
        m2 = bl * bl * pl + mid[1] + bu * bu * pu
    moments.append({"wrapper": wrapper, "family": family, "params": params, "lower": lower, "upper": upper, "mean": m1, "var": m2 - m1 * m1})


N = {"mu": 0.5, "sigma": 2.0}
G = {"alpha": 2.0, "beta": 1.5}
E = {"lam": 2.0}
P = {"mu": 3.0}

add("Censored", "Normal", N, -1.0, 3.0, [-2.0, -1.0, -0.5, 0.5, 2.9, 3.0, 3.5])
add("Censored", "Normal", N, -1.0, None, [-1.5, -1.0, 0.0, 10.0])
add("Censored", "Normal", N, None, 3.0, [-30.0, 0.0, 3.0, 3.1])
add("Censored", "Normal", N, None, 40.0, [0.0, 40.0])
add("Censored", "Gamma", G, 0.5, 3.0, [0.2, 0.5, 1.0, 2.5, 3.0, 4.0])
add("Censored", "Gamma", G, None, 3.0, [0.1, 3.0, 3.5])
add("Censored", "Exponential", E, 0.25, None, [0.1, 0.25, 1.0])
add("Censored", "Poisson", P, 1, 6, [0, 1, 2, 3, 5, 6, 7])
add("Censored", "Poisson", P, None, 4, [0, 2, 4, 5])
add("Censored", "Poisson", P, 2, None, [1, 2, 8])

add("Truncated", "Normal", N, -1.0, 3.0, [-2.0, -1.0, 0.0, 2.5, 3.0, 3.5])
add("Truncated", "Normal", N, 1.0, None, [0.0, 1.0, 4.0, 20.0])
add("Truncated", "Normal", N, None, 0.0, [-5.0, 0.0, 0.5])
add("Truncated", "Gamma", G, 0.5, 3.0, [0.2, 0.5, 1.0, 2.9, 3.0, 3.1])
add("Truncated", "Gamma", G, 2.0, None, [1.0, 2.0, 5.0])
add("Truncated", "Gamma", G, None, 1.0, [0.3, 1.0, 1.5])
add("Truncated", "Gamma", G, 20.0, 25.0, [19.0, 20.0, 22.0, 25.0])
add("Truncated", "Exponential", E, 1.0, 3.0, [0.5, 1.0, 2.0, 3.0, 4.0])
add("Truncated", "Exponential", E, 30.0, None, [30.0, 31.5])
add("Truncated", "Poisson", P, 2, 5, [1, 2, 3, 5, 6])
add("Truncated", "Poisson", P, 2, None, [1, 2, 10])
add("Truncated", "Poisson", P, None, 4, [0, 4, 5])

add_moments("Censored", "Normal", N, -1.0, 3.0)
add_moments("Censored", "Gamma", G, None, 2.0)
add_moments("Censored", "Poisson", P, 1, 6)
add_moments("Truncated", "Normal", N, -1.0, 3.0)
add_moments("Truncated", "Gamma", G, 0.5, 3.0)
add_moments("Truncated", "Exponential", E, 1.0, None)
add_moments("Truncated", "Poisson", P, 2, 5)


def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if np.isnan(v):
            return "nan"
        if np.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "censored.json")
with open(out, "w") as f:
    json.dump({"cases": [clean(c) for c in cases], "moments": [clean(m) for m in moments]}, f, indent=1)
    f.write("\n")
print(f"wrote {len(cases)} cases and {len(moments)} moments to {out}")
