"""MAP references for test/map.test.ts, by SciPy's L-BFGS-B (tight tolerances) on the same densities
written here in NumPy, without the transforms' Jacobians (as PyMC's find_MAP):

- logistic: y ~ Bernoulli(logit_p = a + X b), a ~ Normal(0, 2.5), b ~ Normal(0, 2.5) (3 coefficients)
- linreg: y ~ Normal(a + X b, sigma), a, b ~ Normal(0, 10), sigma ~ HalfNormal(5), optimized over
  (a, b, log sigma) without the log-Jacobian, so the optimum is the mode in sigma itself.

    python3 test/reference/gen_map.py > test/reference/map.json
"""
import json

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_expit

rng = np.random.default_rng(20261202)
N, K = 60, 3
X = np.round(rng.normal(size=(N, K)), 3)
true = np.array([0.8, -1.2, 0.5])
p = 1 / (1 + np.exp(-(0.3 + X @ true)))
y_bin = (rng.uniform(size=N) < p).astype(int)
y_lin = np.round(0.5 + X @ np.array([1.5, -0.7, 0.2]) + rng.normal(scale=0.8, size=N), 4)


def logistic_neg(theta):
    a, b = theta[0], theta[1:]
    eta = a + X @ b
    lp = np.sum(y_bin * log_expit(eta) + (1 - y_bin) * log_expit(-eta))
    lp += -0.5 * np.sum((theta / 2.5) ** 2)
    grad_eta = y_bin - 1 / (1 + np.exp(-eta))
    g = np.concatenate([[grad_eta.sum()], X.T @ grad_eta]) - theta / 6.25
    return -lp, -g


def linreg_neg(theta):
    a, b, log_s = theta[0], theta[1:4], theta[4]
    s = np.exp(log_s)
    r = y_lin - a - X @ b
    lp = -0.5 * np.sum((r / s) ** 2) - N * log_s - 0.5 * (a**2 + np.sum(b**2)) / 100 - 0.5 * (s / 5) ** 2
    g_ab = np.concatenate([[r.sum()], X.T @ r]) / s**2 - np.concatenate([[a], b]) / 100
    g_log_s = np.sum(r**2) / s**2 - N - (s / 5) ** 2
    return -lp, -np.concatenate([g_ab, [g_log_s]])


opts = {"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000}
lo = minimize(logistic_neg, np.zeros(K + 1), jac=True, method="L-BFGS-B", options=opts)
li = minimize(linreg_neg, np.zeros(K + 2), jac=True, method="L-BFGS-B", options=opts)
print(
    json.dumps(
        {
            "X": X.tolist(),
            "y_bin": y_bin.tolist(),
            "y_lin": y_lin.tolist(),
            "logistic": {"a": lo.x[0], "b": lo.x[1:].tolist(), "logp": -lo.fun},
            "linreg": {"a": li.x[0], "b": li.x[1:4].tolist(), "sigma": float(np.exp(li.x[4])), "logp": -li.fun},
        },
        indent=1,
    )
)
