"""Read a tsmc Zarr trace as ArviZ's InferenceData.from_zarr does (zarr.open, then xarray.open_zarr
per group and for the root's attrs) and compare every array with the same trace's JSON (the layout
az.from_dict reads). Prints "ok" or raises. Needs the zarr and xarray packages (ArviZ's own
dependencies for from_zarr); used by test/zarr.test.ts, which skips where they are absent.

    python3 test/reference/read_zarr.py trace.zarr trace.json
"""
import json
import sys
import warnings

import numpy as np
import xarray as xr
import zarr

try:
    import dask.array  # noqa: F401  (open_zarr imports it; its own import-time warnings are not ours)
except ImportError:
    pass
warnings.simplefilter("error", RuntimeWarning)  # a fallback from consolidated metadata would warn
store_path, json_path = sys.argv[1], sys.argv[2]
store = zarr.storage.DirectoryStore(path=store_path)
groups = {}
for key, _ in zarr.open(store, mode="r").groups():
    with xr.open_zarr(store=store, group=key) as data:
        groups[key] = data.load()
with xr.open_zarr(store=store) as root:
    attrs = dict(root.attrs)

ref = json.load(open(json_path))
assert attrs == ref["attrs"], (attrs, ref["attrs"])
expected_groups = {k for k in ref if k not in ("coords", "dims", "attrs")}
assert set(groups) == expected_groups, (set(groups), expected_groups)
sampled = {"posterior", "sample_stats", "posterior_predictive", "warmup_posterior", "warmup_sample_stats", "log_likelihood"}
for group, variables in ((g, ref[g]) for g in expected_groups):
    ds = groups[group]
    assert set(ds.data_vars) == set(variables), (group, set(ds.data_vars), set(variables))
    for name, value in variables.items():
        want = np.array([np.nan if v is None else v for v in np.ravel(value)] if np.ndim(value) else value)
        got = ds[name].values
        if want.dtype == bool:
            assert got.dtype == bool, (group, name, got.dtype)
        assert np.array_equal(np.ravel(got), np.ravel(want), equal_nan=True), (group, name)
        inner = list(ref["dims"].get(name, []))
        dims = (["chain", "draw"] if group in sampled else []) + inner
        assert list(ds[name].dims) == dims, (group, name, ds[name].dims, dims)
        for d in inner:
            assert list(ds[d].values) == ref["coords"][d], (group, name, d)
    if group in sampled:
        n_chains, n_draws = ds.sizes["chain"], ds.sizes["draw"]
        assert list(ds["chain"].values) == list(range(n_chains))
        assert list(ds["draw"].values) == list(range(n_draws))
print("ok")
