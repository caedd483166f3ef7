"""Reference log densities for imputed missing observations (PyMC's make_obs_var).

Run once by hand with Debian's python3-scipy:  python3 test/reference/gen_impute.py
It writes impute.json beside this file; commit both. CI does not run Python.

The model: mu ~ Normal(0, 10), s ~ HalfNormal(2), y ~ Normal(mu, s) observed [1.2, NaN, 0.5, NaN, 2.0].
PyMC makes y_unobserved (free, the NaN entries), y_observed (observed, the rest) and y (their
Deterministic). The joint log density in value space, at mu, s_log__ = log(s) and y_unobserved, is
logN(mu; 0, 10) + logHalfN(s; 2) + log(s) (the log transform's Jacobian) + sum_i logN(y_i; mu, s)
over the whole y with the imputed values in the missing places.
"""
import json
import os

import numpy as np
from scipy import stats

observed = [1.2, float("nan"), 0.5, float("nan"), 2.0]
cases = []
for mu, s, unobserved in [(0.3, 1.7, [0.9, -0.4]), (-2.0, 0.25, [3.0, 1.5]), (1.1, 5.0, [-7.5, 0.0])]:
    y = np.array(observed)
    y[np.isnan(y)] = unobserved
    logp = (
        stats.norm.logpdf(mu, 0, 10)
        + stats.halfnorm.logpdf(s, scale=2)
        + np.log(s)
        + stats.norm.logpdf(y, mu, s).sum()
    )
    terms = {
        "mu": stats.norm.logpdf(mu, 0, 10),
        "s": stats.halfnorm.logpdf(s, scale=2) + np.log(s),
        "y_unobserved": stats.norm.logpdf(unobserved, mu, s).sum(),
        "y_observed": stats.norm.logpdf([1.2, 0.5, 2.0], mu, s).sum(),
    }
    cases.append({"point": {"mu": mu, "s_log__": float(np.log(s)), "y_unobserved": unobserved}, "logp": float(logp), "terms": {k: float(v) for k, v in terms.items()}})

with open(os.path.join(os.path.dirname(__file__), "impute.json"), "w") as f:
    json.dump({"observed": [None if np.isnan(v) else v for v in observed], "cases": cases}, f, indent=1)
    f.write("\n")
