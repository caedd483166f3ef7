"""References for pt.linalg and pt.setSubtensor / pt.incSubtensor (test/linalg.test.ts,
test/subtensor-updates.test.ts), computed with NumPy and SciPy.

Run once by hand:  python3 test/reference/gen_linalg.py
It writes linalg.json beside this file; commit both. CI does not run Python.

- linalg: scipy.linalg.solve (assume_a="gen"), scipy.linalg.solve_triangular (lower and upper,
  trans), numpy.linalg.det, slogdet and inv, scipy.linalg.cholesky(lower=True), on a non-symmetric
  3x3 matrix, a 4x4 symmetric positive definite one and a 3x3 one with a negative determinant.
- subtensor: x[idx] = y (set; with repeated indices NumPy keeps the last write) and
  np.add.at(x, idx, y) (inc; repeated indices add up), for an integer, an integer array with
  repeats, slices with steps (negative too) and values broadcast to the indexed region.
"""
import json
import os

import numpy as np
from scipy import linalg as sla

A3 = np.array([[4.0, -2.0, 1.0], [3.0, 6.0, -4.0], [2.0, 1.0, 8.0]])
S4 = np.array([[4.0, 1.2, -0.6, 0.4], [1.2, 3.0, 0.5, -0.3], [-0.6, 0.5, 2.5, 0.7], [0.4, -0.3, 0.7, 1.8]])
N3 = np.array([[1.5, -1.0, 0.5], [0.0, 2.0, 1.0], [2.0, 0.3, -3.0]])
T3 = np.array([[2.0, 0.7, -1.1], [-0.4, 1.5, 0.9], [0.8, -0.6, 3.0]])
b3 = np.array([1.0, -2.0, 0.5])
B32 = np.array([[1.0, 0.5], [-2.0, 1.5], [0.5, -0.25]])
b4 = np.array([0.3, -1.2, 2.0, 0.7])


def val(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x.tolist()


def linalg_cases():
    cases = []
    for name, a, b in [("A3 b3", A3, b3), ("A3 B32", A3, B32), ("S4 b4", S4, b4), ("N3 b3", N3, b3)]:
        cases.append({"op": "solve", "name": name, "a": val(a), "b": val(b), "out": val(sla.solve(a, b, assume_a="gen"))})
    for lower in (True, False):
        for trans in (0, 1):
            for name, b in [("b3", b3), ("B32", B32)]:
                out = sla.solve_triangular(T3, b, lower=lower, trans=trans)
                cases.append({"op": "solveTriangular", "name": f"T3 {name}", "a": val(T3), "b": val(b), "lower": lower, "trans": trans, "out": val(out)})
    for name, a in [("A3", A3), ("S4", S4), ("N3", N3)]:
        cases.append({"op": "det", "name": name, "a": val(a), "out": val(np.linalg.det(a))})
        sign, logabsdet = np.linalg.slogdet(a)
        cases.append({"op": "slogdet", "name": name, "a": val(a), "out": [float(sign), float(logabsdet)]})
        cases.append({"op": "inv", "name": name, "a": val(a), "out": val(np.linalg.inv(a))})
    cases.append({"op": "cholesky", "name": "S4", "a": val(S4), "out": val(sla.cholesky(S4, lower=True))})
    return cases


def py_index(idx):
    if isinstance(idx, dict):
        return slice(idx.get("start"), idx.get("stop"), idx.get("step"))
    return idx


def subtensor_cases():
    x5 = np.array([1.0, -2.0, 3.5, 0.25, 4.0])
    x43 = np.arange(12, dtype=float).reshape(4, 3) / 4 - 1
    specs = [
        ("vector, integer", x5, 2, 7.5),
        ("vector, negative integer", x5, -1, -3.0),
        ("vector, repeated-index array", x5, [0, 3, 0, 0], [1.0, 2.0, 3.0, 4.0]),
        ("vector, array, scalar value", x5, [4, 1, 4], 0.5),
        ("vector, slice with step", x5, {"start": 1, "step": 2}, [10.0, 20.0]),
        ("vector, negative step", x5, {"start": 4, "stop": 0, "step": -2}, [5.0, 6.0]),
        ("vector, slice, scalar value", x5, {"stop": 3}, 2.0),
        ("matrix, integer, broadcast row", x43, 1, [1.0, 2.0, 3.0]),
        ("matrix, integer, scalar value", x43, -2, 9.0),
        ("matrix, repeated-index array, broadcast row", x43, [2, 0, 2], [0.5, -1.0, 2.0]),
        ("matrix, array, column value", x43, [3, 1], [[1.0], [2.0]]),
        ("matrix, slice with step, broadcast column", x43, {"start": 0, "stop": 4, "step": 3}, [[7.0], [8.0]]),
        ("matrix, slice, full value", x43, {"start": 1, "stop": 3}, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
    ]
    cases = []
    for name, x, idx, y in specs:
        for mode in ("set", "inc"):
            out = x.copy()
            i = py_index(idx)
            if mode == "set":
                out[i] = np.asarray(y)
            elif isinstance(idx, list):
                np.add.at(out, i, np.broadcast_to(np.asarray(y), out[i].shape))
            else:
                out[i] += np.asarray(y)
            cases.append({"mode": mode, "name": name, "x": val(x), "idx": idx, "y": val(y), "out": val(out)})
    return cases


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    data = {"linalg": linalg_cases(), "subtensor": subtensor_cases()}
    # One case a line: readable in a diff, small on disk.
    parts = [f'"{key}": [\n' + ",\n".join("  " + json.dumps(c) for c in cases) + "\n]" for key, cases in data.items()]
    with open(os.path.join(here, "linalg.json"), "w") as f:
        f.write("{\n" + ",\n".join(parts) + "\n}\n")
    print(f"wrote {len(data['linalg'])} linalg and {len(data['subtensor'])} subtensor cases")
