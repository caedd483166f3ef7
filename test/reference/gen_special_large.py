"""mpmath reference values of the incomplete gamma and beta functions at large shapes
(test/special-large.test.ts).

Run once by hand:  python3 test/reference/gen_special_large.py
It writes special-large.json beside this file; commit both. CI does not run Python.
The values are mpmath's at 40 digits: SciPy's gammainc/gammaincc and betainc are printed beside
them (their largest relative difference), since SciPy itself is off on this grid (gammainc by 3e-2
at a = 1e7, x = a - 5 sqrt(a); betainc by 2e-4), so the tests hold tsmc to the exact values.
A value below 1e-280 is stored as null (no check: it underflows).
  gammainc rows: [a, x, P(a, x), Q(a, x)] for a in [1, 1e7], x/a in [0.5, 1.5], and tails;
  gammainc_da rows: [a, x, dP(a, x)/da]; poisson_logcdf rows: [mu, k, SciPy's logcdf];
  betainc rows: [a, b, x, I_x(a, b), 1 - I_x(a, b)] for a, b up to 3e12.
"""
import json
import math
import os

import mpmath as mp
from scipy import special, stats

mp.mp.dps = 40
TINY = 1e-280


def gamma_pq(a, x):
    a, x = mp.mpf(a), mp.mpf(x)
    if x > a:
        q = mp.gammainc(a, x, mp.inf, regularized=True)
        return 1 - q, q
    # Below x = a the lower function's hypergeometric series (mpmath's own gammainc gives up on it).
    p = mp.exp(a * mp.log(x) - x - mp.loggamma(a + 1)) * mp.hyp1f1(1, a + 1, x, maxterms=10**7)
    return p, 1 - p


def ibeta(a, b, x):
    """I_x(a, b) and 1 - I_x(a, b) at the exact float inputs: the positive power series
    x^a y^b / (a B(a, b)) 2F1(a + b, 1; a + 1; x) below the mean, its mirror above."""
    a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x)
    y = 1 - x
    if x * (a + b) > a:
        q, p = ibeta(b, a, y)
        return p, q
    logscale = a * mp.log(x) + b * mp.log(y) - mp.log(a) - mp.loggamma(a) - mp.loggamma(b) + mp.loggamma(a + b)
    p = mp.exp(logscale) * mp.hyp2f1(a + b, 1, a + 1, x, maxterms=10**8)
    return p, 1 - p


def stored(v):
    v = float(v)
    return v if v >= TINY else None


worst = {}


def compare(name, got, want):
    if want is not None:
        worst[name] = max(worst.get(name, 0), abs(got - want) / want)


gammainc = []
SHAPES = [1, 3, 10, 30, 100, 199.5, 200, 201, 300, 500, 925, 950, 1000, 1025, 1050, 1100, 3000, 1e4, 1e5, 1e6, 1e7]
for a in SHAPES:
    xs = [a * r for r in (0.5, 0.7, 0.9, 0.95, 0.99, 1, 1.01, 1.05, 1.1, 1.3, 1.5, 0.01, 0.1, 3, 10)]
    xs += [a + k * math.sqrt(a) for k in (-20, -5, -1, -0.1, 0.1, 1, 5, 20)]
    for x in sorted(set(x for x in xs if x > 0)):
        p, q = gamma_pq(a, x)
        row = [a, x, stored(p), stored(q)]
        compare("gammainc", special.gammainc(a, x), row[2])
        compare("gammaincc", special.gammaincc(a, x), row[3])
        gammainc.append(row)

betainc = []
for s_ in (1e3, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12):
    for a, b in ((s_, s_), (s_, 2 * s_), (3 * s_, s_), (s_, 3.5), (2.5, s_)):
        mean, sd = a / (a + b), math.sqrt(a * b / (a + b) ** 3)
        for k in (-10, -3, -1, 0, 1, 3, 10):
            x = mean + k * sd
            if not 0 < x < 1:
                continue
            p, q = ibeta(a, b, x)
            row = [a, b, x, stored(p), stored(q)]
            compare("betainc", special.betainc(a, b, x), row[3])
            betainc.append(row)

# dP/da by mpmath's numerical differentiation at 40 digits: the check of gammaincDs.
gammainc_da = []
for a in (300, 1000, 1025, 1e4, 1e5, 1e6):
    for x in (a - 10 * math.sqrt(a), a - 2 * math.sqrt(a), a, a + math.sqrt(a), a + 5 * math.sqrt(a)):
        gammainc_da.append([a, x, float(mp.diff(lambda t: gamma_pq(t, x)[0], mp.mpf(a)))])

# SciPy's Poisson logcdf where the audit found tsmc's wrong: [mu, k, logcdf].
poisson_logcdf = [[mu, k, float(stats.poisson(mu).logcdf(k))] for mu, k in ((1100, 1133), (1100, 1050), (1e5, 1e5), (1e6, 1003000))]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "special-large.json")
with open(out, "w") as f:
    json.dump({"gammainc": gammainc, "gammainc_da": gammainc_da, "poisson_logcdf": poisson_logcdf, "betainc": betainc}, f, indent=0)
    f.write("\n")
print("SciPy against mpmath, largest relative difference:", worst)
print(f"wrote {len(gammainc)} gammainc and {len(betainc)} betainc rows to {out}")
