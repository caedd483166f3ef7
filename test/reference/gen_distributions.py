"""SciPy reference values for the distribution catalogue (PyMC's parameterisations).

Run once by hand with Debian's python3-scipy:  python3 test/reference/gen_distributions.py
It writes distributions.json beside this file; commit both. CI does not run Python.
Each case: the family, its parameters by PyMC's names, a value x, and SciPy's logp / logcdf.
"""
import json
import os

import numpy as np
from scipy import special, stats

cases = []


def add(family, params, dist, xs, discrete=False, cdf=True):
    for x in xs:
        lp = dist.logpmf(x) if discrete else dist.logpdf(x)
        row = {"family": family, "params": params, "x": x, "logp": lp}
        if cdf:
            # in the upper tail through the survival function: SciPy's logcdf rounds to 0 there
            sf = dist.sf(x)
            row["logcdf"] = np.log1p(-sf) if sf < 0.5 else dist.logcdf(x)
        cases.append(row)


# ---- discrete ---------------------------------------------------------------------------------
for p in [0.3, 1e-10, 0.999]:
    add("Bernoulli", {"p": p}, stats.bernoulli(p), [0, 1], True)
for lp in [-3.0, 0.5, 30.0, -40.0]:
    # log p = -log(1 + e^-l), log(1 - p) = -log(1 + e^l): exact, unlike log(1 - expit(l))
    cases.append({"family": "Bernoulli", "params": {"logit_p": lp}, "x": 0, "logp": -np.logaddexp(0, lp), "logcdf": -np.logaddexp(0, lp)})
    cases.append({"family": "Bernoulli", "params": {"logit_p": lp}, "x": 1, "logp": -np.logaddexp(0, -lp), "logcdf": 0.0})
for mu in [0.5, 3.0, 100.0]:
    add("Poisson", {"mu": mu}, stats.poisson(mu), [0, 1, 2, 5, 20, 150, 400], True)
for n, p in [(10, 0.3), (1000, 0.01), (5, 0.999)]:
    add("Binomial", {"n": n, "p": p}, stats.binom(n, p), [0, 1, 3, 5, 10, 60], True)
for n, lp in [(10, -1.5), (30, 4.0)]:
    add("Binomial", {"n": n, "logit_p": lp}, stats.binom(n, special.expit(lp)), [0, 2, 7, 10, 29], True)
for mu, alpha in [(5.0, 2.0), (100.0, 0.5), (0.1, 50.0)]:
    add("NegativeBinomial", {"mu": mu, "alpha": alpha}, stats.nbinom(alpha, alpha / (mu + alpha)), [0, 1, 3, 10, 200], True)
for n, p in [(3.0, 0.4), (0.7, 0.9)]:
    add("NegativeBinomial", {"n": n, "p": p}, stats.nbinom(n, p), [0, 1, 4, 30], True)
for p in [[0.2, 0.3, 0.5], [0.05, 0.9, 0.05]]:
    for x in [0, 1, 2]:
        pp = np.asarray(p)
        cases.append({"family": "Categorical", "params": {"p": p}, "x": x, "logp": np.log(pp[x]), "logcdf": np.log(pp[: x + 1].sum())})
for lp in [[0.0, 1.0, 2.0], [-20.0, 0.0, 30.0]]:
    pp = special.softmax(lp)
    for x in [0, 1, 2]:
        lcdf = 0.0 if x == 2 else np.log(pp[: x + 1].sum())
        cases.append({"family": "Categorical", "params": {"logit_p": lp}, "x": x, "logp": special.log_softmax(lp)[x], "logcdf": lcdf})

# ---- continuous -------------------------------------------------------------------------------
for beta in [0.5, 2.0]:
    add("HalfCauchy", {"beta": beta}, stats.halfcauchy(0, beta), [1e-6, 0.3, 1.0, 10.0, 1e6])
for alpha, beta in [(0.0, 1.0), (2.0, 0.5)]:
    add("Cauchy", {"alpha": alpha, "beta": beta}, stats.cauchy(alpha, beta), [-1e6, -10.0, 0.0, 2.5, 1e6])
for lam in [0.5, 3.0]:
    add("Exponential", {"lam": lam}, stats.expon(scale=1 / lam), [1e-8, 0.5, 3.0, 50.0])
add("Exponential", {"scale": 2.0}, stats.expon(scale=2.0), [1e-8, 0.5, 3.0, 50.0])
for a, b in [(2.0, 3.0), (0.5, 1.0), (50.0, 0.1)]:
    add("Gamma", {"alpha": a, "beta": b}, stats.gamma(a, scale=1 / b), [1e-6, 0.1, 1.0, 5.0, 100.0, 1000.0])
add("Gamma", {"mu": 2.0, "sigma": 1.0}, stats.gamma(4.0, scale=1 / 2.0), [0.1, 2.0, 9.0])
for a, b in [(2.0, 3.0), (0.5, 0.5), (1.0, 1.0), (20.0, 5.0)]:
    add("Beta", {"alpha": a, "beta": b}, stats.beta(a, b), [1e-8, 0.01, 0.3, 0.7, 0.999999])
k = 0.3 * 0.7 / 0.1**2 - 1
add("Beta", {"mu": 0.3, "sigma": 0.1}, stats.beta(0.3 * k, 0.7 * k), [0.1, 0.3, 0.6])
add("Beta", {"mu": 0.3, "nu": 10.0}, stats.beta(3.0, 7.0), [0.1, 0.3, 0.6])
for lo, hi in [(0.0, 1.0), (-2.0, 5.0)]:
    add("Uniform", {"lower": lo, "upper": hi}, stats.uniform(lo, hi - lo), [lo + 1e-9, (lo + hi) / 2, hi - 0.1])
for nu, mu, sigma in [(3.0, 0.0, 1.0), (1.0, 2.0, 0.5), (30.0, -1.0, 2.0)]:
    add("StudentT", {"nu": nu, "mu": mu, "sigma": sigma}, stats.t(nu, mu, sigma), [-1e4, -10.0, -1.0, 0.0, 0.5, 3.0, 1e4])
add("StudentT", {"nu": 4.0, "mu": 1.0, "lam": 4.0}, stats.t(4.0, 1.0, 0.5), [-3.0, 1.0, 2.5])
for nu, sigma in [(3.0, 1.0), (1.0, 2.0), (10.0, 0.5)]:
    d = stats.t(nu, 0, sigma)
    for x in [1e-6, 0.5, 2.0, 50.0, 1e5]:
        cases.append({"family": "HalfStudentT", "params": {"nu": nu, "sigma": sigma}, "x": x,
                      "logp": np.log(2) + d.logpdf(x),
                      # P(|T| <= x) = 1 - 2 P(T > x)
                      # (near 0 as I_{t²/(ν+t²)}(1/2, ν/2): cdf - 1/2 cancels)
                      "logcdf": np.log1p(-2 * d.sf(x)) if 2 * d.sf(x) < 0.5
                      else np.log(special.betainc(0.5, nu / 2, (x / sigma) ** 2 / (nu + (x / sigma) ** 2)))})
for mu, sigma in [(0.0, 1.0), (1.5, 0.3)]:
    add("LogNormal", {"mu": mu, "sigma": sigma}, stats.lognorm(sigma, scale=np.exp(mu)), [1e-10, 0.1, 1.0, 5.0, 1e4])
add("LogNormal", {"mu": 0.5, "tau": 4.0}, stats.lognorm(0.5, scale=np.exp(0.5)), [0.3, 1.6, 4.0])

for mu, b in [(0.0, 1.0), (2.0, 0.3)]:
    add("Laplace", {"mu": mu, "b": b}, stats.laplace(mu, b), [-50.0, -1.0, 0.0, 2.2, 40.0])
for mu, sc in [(0.0, 1.0), (1.0, 0.4)]:
    add("Logistic", {"mu": mu, "s": sc}, stats.logistic(mu, sc), [-300.0, -2.0, 0.0, 1.5, 300.0])
for mu, beta in [(0.0, 1.0), (2.0, 3.0)]:
    add("Gumbel", {"mu": mu, "beta": beta}, stats.gumbel_r(mu, beta), [-3.0, 0.0, 2.0, 10.0, 60.0])
for a, b in [(1.5, 2.0), (0.5, 1.0), (5.0, 0.3)]:
    add("Weibull", {"alpha": a, "beta": b}, stats.weibull_min(a, scale=b), [1e-6, 0.2, 1.0, 3.0, 20.0])
for a, m in [(3.0, 1.0), (0.5, 2.0)]:
    add("Pareto", {"alpha": a, "m": m}, stats.pareto(a, scale=m), [m * (1 + 1e-9), m * 1.5, m * 10, m * 1e6])
for a, b in [(2.0, 1.0), (0.7, 3.0), (30.0, 10.0)]:
    add("InverseGamma", {"alpha": a, "beta": b}, stats.invgamma(a, scale=b), [0.01, 0.3, 1.0, 5.0, 1e4])
add("InverseGamma", {"mu": 2.0, "sigma": 1.0}, stats.invgamma(6.0, scale=10.0), [0.5, 2.0, 6.0])
for nu in [1.0, 4.0, 30.0]:
    add("ChiSquared", {"nu": nu}, stats.chi2(nu), [1e-6, 0.5, 3.0, 30.0, 300.0])
for p_ in [0.3, 0.01, 0.9]:
    add("Geometric", {"p": p_}, stats.geom(p_), [1, 2, 5, 50, 2000], True)
for lo, hi in [(0, 5), (-3, 10)]:
    add("DiscreteUniform", {"lower": lo, "upper": hi}, stats.randint(lo, hi + 1), [lo, lo + 1, hi - 1, hi], True)

# ---- continuous, second group ---------------------------------------------------------------------
for mu, sigma, lo, hi in [(0.0, 1.0, -1.0, 2.0), (1.0, 2.0, 3.0, 9.0), (0.0, 1.0, -40.0, -35.0), (2.0, 0.5, 10.0, 12.0)]:
    add("TruncatedNormal", {"mu": mu, "sigma": sigma, "lower": lo, "upper": hi},
        stats.truncnorm((lo - mu) / sigma, (hi - mu) / sigma, loc=mu, scale=sigma),
        [lo + 1e-9 * (hi - lo), lo + 0.3 * (hi - lo), (lo + hi) / 2, hi - 1e-3 * (hi - lo)])
add("TruncatedNormal", {"mu": 0.5, "sigma": 1.5, "lower": 0.0}, stats.truncnorm(-0.5 / 1.5, np.inf, loc=0.5, scale=1.5), [1e-6, 1.0, 5.0, 30.0])
add("TruncatedNormal", {"mu": 0.5, "sigma": 1.5, "upper": 1.0}, stats.truncnorm(-np.inf, 0.5 / 1.5, loc=0.5, scale=1.5), [-30.0, -2.0, 0.0, 0.999])
add("TruncatedNormal", {"mu": 0.5, "tau": 4.0, "lower": -1.0, "upper": 1.0}, stats.truncnorm(-3.0, 1.0, loc=0.5, scale=0.5), [-0.9, 0.5, 0.99])
for alpha, mu, sigma in [(1.0, 0.0, 1.0), (-4.0, 1.0, 2.0), (10.0, -1.0, 0.5)]:
    add("SkewNormal", {"alpha": alpha, "mu": mu, "sigma": sigma}, stats.skewnorm(alpha, mu, sigma), [-20.0, -3.0, -0.5, 0.0, 1.0, 4.0, 30.0], cdf=False)
add("SkewNormal", {"alpha": 2.0, "mu": 0.5, "tau": 0.25}, stats.skewnorm(2.0, 0.5, 2.0), [-3.0, 0.5, 4.0], cdf=False)
for kappa, mu, b in [(1.0, 0.0, 1.0), (0.5, 2.0, 3.0), (2.0, -1.0, 0.5)]:
    add("AsymmetricLaplace", {"kappa": kappa, "mu": mu, "b": b}, stats.laplace_asymmetric(kappa, loc=mu, scale=1 / b), [-50.0, -2.0, mu, 0.5, 3.0, 40.0], cdf=False)
add("AsymmetricLaplace", {"q": 0.2, "mu": 0.0, "b": 2.0}, stats.laplace_asymmetric(np.sqrt(0.2 / 0.8), scale=0.5), [-2.0, 0.3, 1.5], cdf=False)
for mu, sigma in [(0.0, 1.0), (1.0, 0.5), (-2.0, 2.0)]:
    for x in [1e-8, 0.1, 0.5, 0.9, 1 - 1e-8]:
        lp = stats.norm(mu, sigma).logpdf(special.logit(x)) - np.log(x) - np.log1p(-x)
        cases.append({"family": "LogitNormal", "params": {"mu": mu, "sigma": sigma}, "x": x, "logp": lp})
cases.append({"family": "LogitNormal", "params": {"mu": 0.3, "tau": 4.0}, "x": 0.6,
              "logp": stats.norm(0.3, 0.5).logpdf(special.logit(0.6)) - np.log(0.6) - np.log1p(-0.6)})
for mu, sigma, nu in [(0.0, 1.0, 1.0), (1.0, 2.0, 0.5), (-1.0, 0.5, 3.0), (0.0, 1.0, 0.01)]:
    add("ExGaussian", {"mu": mu, "sigma": sigma, "nu": nu}, stats.exponnorm(nu / sigma, loc=mu, scale=sigma), [-8.0, -1.0, 0.0, 1.5, 6.0, 40.0])
for mu, sigma in [(0.0, 1.0), (2.0, 3.0)]:
    add("Moyal", {"mu": mu, "sigma": sigma}, stats.moyal(mu, sigma), [-5.0, -1.0, 0.0, 2.0, 10.0, 60.0])
for a, b in [(2.0, 3.0), (0.5, 0.5), (5.0, 1.0)]:
    for x in [1e-6, 0.2, 0.5, 0.9, 0.999999]:
        # a b x^(a-1) (1 - x^a)^(b-1); cdf 1 - (1 - x^a)^b
        lp = np.log(a) + np.log(b) + (a - 1) * np.log(x) + (b - 1) * np.log1p(-x**a)
        t = b * np.log1p(-x**a)  # log(1 - exp(t)), exact at both ends
        lc = np.log(-np.expm1(t)) if t > -np.log(2) else np.log1p(-np.exp(t))
        cases.append({"family": "Kumaraswamy", "params": {"a": a, "b": b}, "x": x, "logp": lp, "logcdf": lc})
for lo, hi, c in [(0.0, 1.0, 0.5), (-2.0, 5.0, 0.0), (1.0, 3.0, 1.0)]:
    d = stats.triang((c - lo) / (hi - lo), loc=lo, scale=hi - lo)
    for x in [x for x in [lo + 1e-6, (lo + c) / 2, c, (c + hi) / 2, hi - 1e-6] if d.pdf(x) > 0]:
        # the upper tail of the cdf by log1p: SciPy's logcdf rounds there
        lc = np.log((x - lo) ** 2 / ((hi - lo) * (c - lo))) if x <= c and c > lo else np.log1p(-((hi - x) ** 2) / ((hi - lo) * (hi - c)))
        cases.append({"family": "Triangular", "params": {"lower": lo, "upper": hi, "c": c}, "x": x, "logp": d.logpdf(x), "logcdf": lc})
for mu, lam, alpha in [(1.0, 1.0, 0.0), (2.0, 0.5, 0.0), (0.5, 4.0, 1.0)]:
    add("Wald", {"mu": mu, "lam": lam, "alpha": alpha}, stats.invgauss(mu / lam, loc=alpha, scale=lam), [alpha + 1e-3, alpha + 0.3, alpha + 1.0, alpha + 4.0, alpha + 50.0])
add("Wald", {"mu": 2.0, "phi": 3.0}, stats.invgauss(2.0 / 6.0, scale=6.0), [0.5, 2.0, 5.0])
add("Wald", {"lam": 2.0, "phi": 4.0}, stats.invgauss(0.5 / 2.0, scale=2.0), [0.1, 0.5, 2.0])
add("Wald", {"mu": 1.5}, stats.invgauss(1.5, scale=1.0), [0.2, 1.5, 6.0])
for mu, kappa in [(0.0, 1.0), (1.0, 0.01), (-2.0, 50.0), (0.5, 800.0)]:
    for x in [-3.0, -1.0, 0.0, 0.5, 3.1]:
        cases.append({"family": "VonMises", "params": {"mu": mu, "kappa": kappa}, "x": x, "logp": stats.vonmises(kappa, loc=mu).logpdf(x)})
for nu, sigma in [(0.0, 1.0), (2.0, 1.0), (4.0, 0.5), (50.0, 2.0)]:
    for x in [1e-4, 0.5, 2.0, 5.0, 60.0]:
        # log(x/σ²) - (x - ν)²/2σ² + log i0e(xν/σ²): SciPy's logpdf underflows far in the tail
        lp = np.log(x / sigma**2) - (x - nu) ** 2 / (2 * sigma**2) + np.log(special.i0e(x * nu / sigma**2))
        assert x > 50 or abs(lp - stats.rice(nu / sigma, scale=sigma).logpdf(x)) < 1e-9 * abs(lp)
        cases.append({"family": "Rice", "params": {"nu": nu, "sigma": sigma}, "x": x, "logp": lp})
cases.append({"family": "Rice", "params": {"b": 2.0, "sigma": 1.5}, "x": 2.5, "logp": stats.rice(2.0, scale=1.5).logpdf(2.5)})
for x in [-1e10, -1.0, 0.0, 3.5]:
    cases.append({"family": "Flat", "params": {}, "x": x, "logp": 0.0, "logcdf": np.log(0.5)})
for x in [0.0, 1.0, 1e10]:
    cases.append({"family": "HalfFlat", "params": {}, "x": x, "logp": 0.0, "logcdf": -np.inf})

# ---- discrete, second group -------------------------------------------------------------------
for a, b, n in [(2.0, 3.0, 10), (0.5, 0.5, 5), (20.0, 1.0, 30)]:
    add("BetaBinomial", {"alpha": a, "beta": b, "n": n}, stats.betabinom(n, a, b), [0, 1, n // 2, n - 1, n], True)
for N, k, n in [(20, 7, 12), (50, 25, 10), (10, 9, 4)]:
    d = stats.hypergeom(N, k, n)
    add("HyperGeometric", {"N": N, "k": k, "n": n}, d, [x for x in range(0, n + 1, max(1, n // 4)) if d.pmf(x) > 0] + [n], True)
for q, beta in [(0.5, 1.0), (0.9, 0.5), (0.2, 2.5)]:
    for x in [0, 1, 3, 10]:
        a, b = x**beta * np.log(q), (x + 1) ** beta * np.log(q)
        lp = a + (np.log(-np.expm1(b - a)) if b - a > -np.log(2) else np.log1p(-np.exp(b - a)))
        lc = np.log(-np.expm1(b)) if b > -np.log(2) else np.log1p(-np.exp(b))
        cases.append({"family": "DiscreteWeibull", "params": {"q": q, "beta": beta}, "x": x, "logp": lp, "logcdf": lc})


def zero_inflated(family, params, psi, base, xs):
    for x in xs:
        pmf0 = (1 - psi) * (x == 0)
        lp = np.log(pmf0 + psi * base.pmf(x)) if x == 0 else np.log(psi) + base.logpmf(x)
        lc = np.log1p(-psi * base.sf(x)) if psi * base.sf(x) < 0.5 else np.log((1 - psi) + psi * base.cdf(x))
        cases.append({"family": family, "params": params, "x": x, "logp": lp, "logcdf": lc})


for psi, mu in [(0.7, 3.0), (0.2, 0.5), (0.95, 40.0)]:
    zero_inflated("ZeroInflatedPoisson", {"psi": psi, "mu": mu}, psi, stats.poisson(mu), [0, 1, 4, 30, 90])
for psi, n, p in [(0.6, 10, 0.3), (0.9, 40, 0.8)]:
    zero_inflated("ZeroInflatedBinomial", {"psi": psi, "n": n, "p": p}, psi, stats.binom(n, p), [0, 1, 5, n - 1, n])
for psi, mu, alpha in [(0.5, 4.0, 2.0), (0.85, 20.0, 0.7)]:
    zero_inflated("ZeroInflatedNegativeBinomial", {"psi": psi, "mu": mu, "alpha": alpha}, psi, stats.nbinom(alpha, alpha / (mu + alpha)), [0, 1, 6, 50])
zero_inflated("ZeroInflatedNegativeBinomial", {"psi": 0.4, "n": 3.0, "p": 0.25}, 0.4, stats.nbinom(3.0, 0.25), [0, 2, 15])
for eta, cut in [(0.0, [-1.0, 0.5, 2.0]), (1.5, [-2.0, 0.0]), (-3.0, [-1.0, 1.0, 1.5, 4.0])]:
    cdf = np.concatenate([[0.0], special.expit(np.asarray(cut) - eta), [1.0]])
    p = np.diff(cdf)
    for x in range(len(p)):
        cases.append({"family": "OrderedLogistic", "params": {"eta": eta, "cutpoints": cut}, "x": x, "logp": np.log(p[x]),
                      "logcdf": np.log(p[: x + 1].sum()) if x < len(p) - 1 else 0.0})

# ---- multivariate -----------------------------------------------------------------------------
for a, x in [([1.0, 2.0, 3.0], [0.2, 0.3, 0.5]), ([0.5, 0.5], [0.01, 0.99]), ([10.0, 1.0, 0.3, 2.0], [0.5, 0.1, 0.05, 0.35])]:
    cases.append({"family": "Dirichlet", "params": {"a": a}, "x": x, "logp": stats.dirichlet(a).logpdf(x)})

cov = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.3], [0.1, 0.3, 1.5]])
chol = np.array([[1.2, 0.0, 0.0], [0.3, 0.8, 0.0], [-0.2, 0.4, 1.1]])
for mu, x in [([0.1, -0.2, 0.3], [0.5, 0.2, -1.0]), ([0.0, 0.0, 0.0], [10.0, -8.0, 3.0]), ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])]:
    cases.append({"family": "MvNormal", "params": {"mu": mu, "cov": cov.tolist()}, "x": x, "logp": stats.multivariate_normal(mu, cov).logpdf(x)})
    cases.append({"family": "MvNormal", "params": {"mu": mu, "chol": chol.tolist()}, "x": x, "logp": stats.multivariate_normal(mu, chol @ chol.T).logpdf(x)})
    cases.append({"family": "MvNormal", "params": {"mu": mu, "tau": cov.tolist()}, "x": x, "logp": stats.multivariate_normal(mu, np.linalg.inv(cov)).logpdf(x)})
cases.append({"family": "MvNormal", "params": {"mu": [0.5, -0.5], "cov": [[1e-4, 0.0], [0.0, 1e4]]}, "x": [0.51, 100.0],
              "logp": stats.multivariate_normal([0.5, -0.5], [[1e-4, 0.0], [0.0, 1e4]]).logpdf([0.51, 100.0])})
for nu, mu, x in [(3.0, [0.1, -0.2, 0.3], [0.5, 0.2, -1.0]), (30.0, [0.0, 0.0, 0.0], [10.0, -8.0, 3.0]), (0.7, [1.0, 2.0, 3.0], [1.0, 2.0, 3.5])]:
    cases.append({"family": "MvStudentT", "params": {"nu": nu, "mu": mu, "scale": cov.tolist()}, "x": x, "logp": stats.multivariate_t(mu, cov, df=nu).logpdf(x)})
    cases.append({"family": "MvStudentT", "params": {"nu": nu, "mu": mu, "chol": chol.tolist()}, "x": x, "logp": stats.multivariate_t(mu, chol @ chol.T, df=nu).logpdf(x)})
cases.append({"family": "MvStudentT", "params": {"nu": 4.0, "mu": [0.0, 1.0, 0.0], "Sigma": cov.tolist()}, "x": [1.0, 1.0, 1.0],
              "logp": stats.multivariate_t([0.0, 1.0, 0.0], cov, df=4.0).logpdf([1.0, 1.0, 1.0])})
for n, p, x in [(10, [0.2, 0.3, 0.5], [2, 3, 5]), (10, [0.2, 0.3, 0.5], [0, 0, 10]), (200, [0.01, 0.99], [5, 195]), (7, [0.1, 0.2, 0.3, 0.4], [1, 1, 2, 3])]:
    cases.append({"family": "Multinomial", "params": {"n": n, "p": p}, "x": x, "logp": stats.multinomial(n, p).logpmf(x)})
for n, a, x in [(10, [1.0, 2.0, 3.0], [2, 3, 5]), (10, [0.2, 0.3, 0.5], [0, 0, 10]), (50, [10.0, 0.5], [45, 5])]:
    cases.append({"family": "DirichletMultinomial", "params": {"n": n, "a": a}, "x": x, "logp": stats.dirichlet_multinomial(a, n).logpmf(x)})

special_values = {
    "gammainc": [[s, x, special.gammainc(s, x)] for s, x in [(0.5, 0.1), (2.0, 3.0), (30.0, 25.0), (1e-3, 1e-3), (100.0, 150.0)]],
    "gammaincc": [[s, x, special.gammaincc(s, x)] for s, x in [(0.5, 0.1), (2.0, 3.0), (30.0, 25.0), (5.0, 80.0)]],
    "betainc": [[a, b, x, special.betainc(a, b, x)] for a, b, x in [(0.5, 0.5, 0.3), (2.0, 3.0, 0.9), (50.0, 40.0, 0.5), (1e-2, 2.0, 1e-5)]],
    "betaln": [[a, b, special.betaln(a, b)] for a, b in [(0.5, 0.5), (2.0, 3.0), (1e3, 2e3), (1e-5, 4.0)]],
    "i0e": [[x, special.i0e(x)] for x in [0.0, 1e-4, 0.5, 3.0, 29.9, 30.1, 100.0, 1e4, -2.0]],
    "i1e": [[x, special.i1e(x)] for x in [0.0, 1e-4, 0.5, 3.0, 29.9, 30.1, 100.0, 1e4, -2.0]],
}


def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, (bool, str)):
        return v
    v = float(v)
    return v if np.isfinite(v) else ("-inf" if v < 0 else ("inf" if v > 0 else "nan"))


with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "distributions.json"), "w") as f:
    json.dump(clean({"cases": cases, "special": special_values}), f, indent=0)
