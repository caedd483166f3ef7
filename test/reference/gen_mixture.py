"""SciPy reference values for Mixture and NormalMixture (PyMC's marginal mixtures).

Run once by hand with Debian's python3-scipy:  python3 test/reference/gen_mixture.py
It writes mixture.json beside this file; commit both. CI does not run Python.
PyMC's formulas: logp = logsumexp_k(log w_k + logp_k(x)), logcdf = logsumexp_k(log w_k + logcdf_k(x)),
with SciPy's component densities and CDFs (the upper tail of a CDF through its survival function).
"""
import json
import os

import numpy as np
from scipy import stats
from scipy.special import logsumexp


def logcdf(dist, x):
    sf = dist.sf(x)
    return np.log1p(-sf) if sf < 0.5 else dist.logcdf(x)


def case(name, w, comps, xs, discrete=False):
    lw = np.log(np.asarray(w, dtype=float))
    rows = []
    for x in xs:
        lp = [d.logpmf(x) if discrete else d.logpdf(x) for d in comps]
        lc = [logcdf(d, x) for d in comps]
        rows.append({"x": x, "logp": logsumexp(lw + np.array(lp)), "logcdf": logsumexp(lw + np.array(lc))})
    return {"name": name, "rows": rows}


cases = [
    # Mixture(w, [Normal.dist(0, 1), StudentT.dist(3, 2, 1)])
    case("normal_studentt", [0.3, 0.7], [stats.norm(0, 1), stats.t(3, 2, 1)], [-40.0, -3.0, 0.0, 0.5, 2.0, 10.0, 300.0]),
    # Mixture(w, [Poisson.dist(2), Poisson.dist(9)]): zero, the body and far in the tail
    case("poisson", [0.4, 0.6], [stats.poisson(2), stats.poisson(9)], [0, 1, 5, 9, 30, 120], discrete=True),
    # NormalMixture(w, mu, sigma): Normal(mu[k], sigma[k]) on the last axis
    case(
        "normal_mixture",
        [0.2, 0.5, 0.3],
        [stats.norm(-2, 0.5), stats.norm(0, 1), stats.norm(5, 2)],
        [-50.0, -2.0, 0.0, 3.0, 5.0, 60.0],
    ),
    # one component underflows: Normal(0, 1) and Normal(100, 1) far apart
    case("separated", [0.5, 0.5], [stats.norm(0, 1), stats.norm(100, 1)], [0.0, 50.0, 100.0, 140.0]),
    # positive components (both log-transformed): Exponential(2), Gamma(3, 1)
    case("positive", [0.6, 0.4], [stats.expon(scale=0.5), stats.gamma(3, scale=1.0)], [0.01, 1.0, 5.0, 40.0]),
]


def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, str):
        return v
    v = float(v)
    return v if np.isfinite(v) else ("-inf" if v < 0 else ("inf" if v > 0 else "nan"))


with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mixture.json"), "w") as f:
    json.dump(clean({"cases": cases}), f, indent=0)
