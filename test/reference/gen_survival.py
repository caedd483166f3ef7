"""mpmath reference values of the upper tails of Censored and Truncated (test/survival.test.ts).

Run once by hand:  python3 test/reference/gen_survival.py
It writes survival.json beside this file; commit both. CI does not run Python.
Each case: a family with its PyMC parameters, a value x far into the upper tail (where the cdf
rounds to 1 in double precision), and at 60 digits
  upper: log P(X >= x), the logp of Censored(dist, None, x) at x;
  trunc: log p(x) - log P(X >= x), the logp of Truncated(dist, x, None) at x (null for the cases
  so far out that only Censored's is compared).
Each `ordered` entry: OrderedLogistic's eta and cutpoints and the log probability of every category,
log(σ(c_k - eta) - σ(c_{k-1} - eta)).
The closed forms below are the families' survival functions and densities (SciPy's logsf loses the
far tails of some, e.g. Cauchy's 1/2 - atan(x)/pi, so mpmath evaluates them).
"""
import json
import os

import mpmath as mp

mp.mp.dps = 60
pi = mp.pi


def gumbel_sf(x):
    t = mp.exp(-x)
    return -mp.expm1(-t)


# family: (params, values, log survival P(X >= x), log density or mass at x)
FAMILIES = {
    "HalfNormal": ({"sigma": 2.0}, [1.0, 10.0, 80.0, 1e3], lambda x: mp.log(mp.erfc(x / (2 * mp.sqrt(2)))), lambda x: mp.log(mp.sqrt(2 / pi) / 2) - x**2 / 8),
    "LogNormal": ({"mu": 0.0, "sigma": 1.0}, [2.0, 1e10, 1e100], lambda x: mp.log(mp.erfc(mp.log(x) / mp.sqrt(2)) / 2), lambda x: -mp.log(x) ** 2 / 2 - mp.log(x * mp.sqrt(2 * pi))),
    "Logistic": ({"mu": 0.0, "s": 1.0}, [5.0, 40.0, 800.0], lambda x: -mp.log1p(mp.exp(x)), lambda x: -x - 2 * mp.log1p(mp.exp(-x))),
    "Weibull": ({"alpha": 2.0, "beta": 1.0}, [2.0, 10.0, 30.0], lambda x: -(x**2), lambda x: mp.log(2 * x) - x**2),
    "Pareto": ({"alpha": 2.0, "m": 1.0}, [2.0, 1e10, 1e100], lambda x: -2 * mp.log(x), lambda x: mp.log(2) - 3 * mp.log(x)),
    "Kumaraswamy": ({"a": 2.0, "b": 3.0}, [0.5, 0.999999, 1 - 1e-15], lambda x: 3 * mp.log(1 - x**2), lambda x: mp.log(6 * x * (1 - x**2) ** 2)),
    "Laplace": ({"mu": 0.0, "b": 1.0}, [-1.0, 2.0, 40.0, 800.0], lambda x: mp.log(mp.exp(-x) / 2 if x >= 0 else 1 - mp.exp(x) / 2), lambda x: -abs(x) - mp.log(2)),
    "Gumbel": ({"mu": 0.0, "beta": 1.0}, [0.0, 5.0, 40.0, 800.0], lambda x: mp.log(gumbel_sf(x)), lambda x: -x - mp.exp(-x)),
    "Cauchy": ({"alpha": 0.0, "beta": 1.0}, [-3.0, 0.5, 2.0, 1e10, 1e300], lambda x: mp.log(mp.mpf(1) / 2 - mp.atan(x) / pi) if x < 1 else mp.log(mp.atan(1 / x) / pi), lambda x: -mp.log(pi * (1 + x**2))),
    "HalfCauchy": ({"beta": 1.0}, [0.5, 1e10, 1e300], lambda x: mp.log(2 / pi * mp.atan(1 / x)), lambda x: mp.log(2 / (pi * (1 + x**2)))),
    "ChiSquared": ({"nu": 3.0}, [2.0, 100.0, 1000.0], lambda x: mp.log(mp.gammainc(1.5, x / 2, mp.inf, regularized=True)), lambda x: mp.log(x**0.5 * mp.exp(-x / 2) / (2**1.5 * mp.gamma(1.5)))),
    "InverseGamma": ({"alpha": 3.0, "beta": 1.0}, [0.5, 1e10, 1e100], lambda x: mp.log(mp.gammainc(3, 0, 1 / x, regularized=True)), lambda x: -4 * mp.log(x) - 1 / x - mp.log(2)),
    "Geometric": ({"p": 0.5}, [1, 3, 100, 2000], lambda k: (k - 1) * mp.log(0.5), lambda k: k * mp.log(0.5)),
    "DiscreteWeibull": ({"q": 0.5, "beta": 1.0}, [1, 3, 100, 2000], lambda k: k * mp.log(0.5), lambda k: mp.log(mp.mpf(0.5) ** k - mp.mpf(0.5) ** (k + 1))),
}

def student_sf(t, nu=3):
    tail = mp.betainc(nu / mp.mpf(2), mp.mpf(1) / 2, 0, nu / (nu + t**2), regularized=True) / 2
    return tail if t >= 0 else 1 - tail


def binom_pmf(k, n=100, p=mp.mpf("0.1")):
    return mp.binomial(n, k) * p**k * (1 - p) ** (n - k)


def nbinom_pmf(k, n=2, p=mp.mpf("0.5")):
    return mp.binomial(k + n - 1, k) * p**n * (1 - p) ** k


FAMILIES.update(
    {
        "StudentT": ({"nu": 3.0, "mu": 0.0, "sigma": 1.0}, [-2.0, 3.0, 1e5, 1e50], lambda x: mp.log(student_sf(x)), lambda x: mp.log(mp.gamma(2) / (mp.sqrt(3 * pi) * mp.gamma(1.5)) * (1 + x**2 / 3) ** -2)),
        "Binomial": ({"n": 100, "p": 0.1}, [5, 60, 99], lambda k: mp.log(mp.fsum(binom_pmf(j) for j in range(int(k), 101))), lambda k: mp.log(binom_pmf(int(k)))),
        "NegativeBinomial": ({"n": 2, "p": 0.5}, [3, 200, 1000], lambda k: mp.log(mp.betainc(k, 2, 0, mp.mpf("0.5"), regularized=True)), lambda k: mp.log(nbinom_pmf(int(k)))),
        "HalfStudentT": ({"nu": 3.0, "sigma": 1.0}, [0.5, 1e5, 1e50], lambda x: mp.log(2 * student_sf(x)), lambda x: mp.log(2 * mp.gamma(2) / (mp.sqrt(3 * pi) * mp.gamma(1.5)) * (1 + x**2 / 3) ** -2)),
        "Beta": ({"alpha": 2.0, "beta": 3.0}, [0.3, 0.999999, 1 - 1e-15], lambda x: mp.log((1 - x) ** 3 * (1 + 3 * x)), lambda x: mp.log(12 * x * (1 - x) ** 2)),
        "Uniform": ({"lower": 0.0, "upper": 1.0}, [0.3, 1 - 1e-12], lambda x: mp.log(1 - x), lambda x: mp.mpf(0)),
        "Moyal": ({"mu": 0.0, "sigma": 1.0}, [-1.0, 40.0, 1000.0], lambda x: mp.log(mp.erf(mp.exp(-x / 2) / mp.sqrt(2))), lambda x: -(x + mp.exp(-x)) / 2 - mp.log(mp.sqrt(2 * pi))),
        "ExGaussian": ({"mu": 0.0, "sigma": 1.0, "nu": 2.0}, [0.0, 5.0, 40.0, 800.0], lambda x: mp.log(mp.ncdf(-x) + mp.exp(mp.mpf(1) / 8 - x / 2) * mp.ncdf(x - mp.mpf(1) / 2)), lambda x: mp.log(mp.exp(mp.mpf(1) / 8 - x / 2) * mp.ncdf(x - mp.mpf(1) / 2) / 2)),
    }
)

def wald_sf(x, mu, lam):
    # Φ(-√(λ/x)(x/μ - 1)) - e^{2λ/μ} Φ(-√(λ/x)(x/μ + 1)); at 60 digits the cancellation is harmless
    s = mp.sqrt(lam / x)
    return mp.ncdf(-s * (x / mu - 1)) - mp.exp(2 * lam / mu) * mp.ncdf(-s * (x / mu + 1))


def wald_logp(x, mu, lam):
    return mp.log(mp.sqrt(lam / (2 * pi * x**3))) - lam * (x - mu) ** 2 / (2 * mu**2 * x)


def triangular_sf(x, lo, c, up):
    return 1 - (x - lo) ** 2 / ((up - lo) * (c - lo)) if x <= c else (up - x) ** 2 / ((up - lo) * (up - c))


def triangular_logp(x, lo, c, up):
    return mp.log(2 * (x - lo) / ((up - lo) * (c - lo)) if x < c else 2 * (up - x) / ((up - lo) * (up - c)))


def betabinom_pmf(k, a, b, n):
    return mp.binomial(n, k) * mp.beta(k + a, n - k + b) / mp.beta(a, b)


def betabinom(a, b, n):
    sf = lambda k: mp.log(mp.fsum(betabinom_pmf(j, a, b, n) for j in range(int(k), n + 1)))
    return sf, lambda k: mp.log(betabinom_pmf(int(k), a, b, n))


def wald(mu, lam, alpha):
    return lambda x: mp.log(wald_sf(x - alpha, mu, lam)), lambda x: wald_logp(x - alpha, mu, lam)


def triangular(lo, c, up):
    return lambda x: mp.log(triangular_sf(x, lo, c, up)), lambda x: triangular_logp(x, lo, c, up)


# families with several parameter sets, each a (family, params, values, log survival, log density)
EXTRA = [
    ("Wald", {"mu": 2.0, "lam": 3.0, "alpha": 0.5}, [1.0, 2.5, 3.0, 150.0, 2000.0, 1e5], *wald(2, 3, mp.mpf(0.5))),
    ("Wald", {"mu": 1.0, "lam": 0.05}, [0.01, 1.0, 5.0, 1e3, 1e4], *wald(1, mp.mpf(0.05), 0)),
    ("Triangular", {"lower": -1.0, "upper": 2.0, "c": 0.5}, [-0.5, 0.5, 1.5, 2 - 1e-9, 2 - 1e-14], *triangular(-1, mp.mpf(0.5), 2)),
    ("Triangular", {"lower": 0.0, "upper": 1.0, "c": 1.0}, [0.25, 1 - 1e-9, 1 - 1e-15], *triangular(0, 1, 1)),
    # c = upper: 1 - F from log F cancels near upper (the fallback is 7e-7 off at 2 - 1e-9)
    ("Triangular", {"lower": -1.0, "upper": 2.0, "c": 2.0}, [0.5, 2 - 1e-9, 2 - 1e-14], *triangular(-1, 2, 2)),
    ("BetaBinomial", {"alpha": 1.0, "beta": 50.0, "n": 200}, [1, 10, 60, 150, 200], *betabinom(1, 50, 200)),
]

# Censored only: so far out that the logp itself rounds by more than Truncated's tolerance
FAR = [("Wald", {"mu": 2.0, "lam": 3.0}, [1e7, 1e12, 1e100, 1e300], *wald(2, 3, 0))]

cases = []
for family, params, values, logsf, logp in [(f, *v) for f, v in FAMILIES.items()] + EXTRA:
    for x in values:
        upper = logsf(mp.mpf(x))
        cases.append({"family": family, "params": params, "x": x, "upper": float(upper), "trunc": float(logp(mp.mpf(x)) - upper)})
for family, params, values, logsf, _ in FAR:
    for x in values:
        # the Wald survival function cancels to about x/mu: enough digits for that
        with mp.workdps(60 + 2 * int(mp.log10(x))):
            cases.append({"family": family, "params": params, "x": x, "upper": float(logsf(mp.mpf(x))), "trunc": None})

ordered = []
for eta, cut in ((0.3, [-40, 40]), (0.3, [-20, 20]), (0.3, [-5, 5]), (0.3, [0.5]), (0.3, [-3, -1, 2, 45]), (-2.0, [-60, -50, 10])):
    z = [-mp.inf] + [mp.mpf(c) - mp.mpf(eta) for c in cut] + [mp.inf]
    sig = [1 / (1 + mp.exp(-v)) for v in z]
    ordered.append({"eta": eta, "cutpoints": cut, "logp": [float(mp.log(sig[k + 1] - sig[k])) for k in range(len(cut) + 1)]})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "survival.json")
with open(out, "w") as f:
    json.dump({"cases": cases, "ordered": ordered}, f, indent=1)
    f.write("\n")
print(f"wrote {len(cases)} cases to {out}")
