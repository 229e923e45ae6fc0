#!/usr/bin/python3
"""compare_h5.py can fail: equal files pass; a dataset perturbed by 1e-10 of its max-norm, a missing dataset,
a changed integer or a NaN moved to another place fail; a perturbation of 1e-14 passes."""
import pathlib
import subprocess
import sys

import h5py
import numpy as np

here = pathlib.Path(__file__).resolve().parent
rng = np.random.default_rng(1)
base = {"a/x": rng.standard_normal((4, 5)), "y": np.arange(6, dtype=np.int64), "z": np.array([1.0, np.nan, 3.0])}


def write(path, change=None):
    with h5py.File(path, "w") as f:
        for k, v in base.items():
            v = v.copy()
            if change and change[0] == k:
                v = change[1](v)
                if v is None:
                    continue
            f[k] = v


def bump(rel):
    def f(v):
        v.flat[3] += rel * np.max(np.abs(v))
        return v
    return f


cases = [("equal", None, 0), ("1e-14 relative", ("a/x", bump(1e-14)), 0), ("1e-10 relative", ("a/x", bump(1e-10)), 1),
         ("missing dataset", ("a/x", lambda v: None), 1), ("integer changed", ("y", lambda v: v + (np.arange(6) == 2)), 1),
         ("NaN moved", ("z", lambda v: np.array([np.nan, 2.0, 3.0])), 1)]
write("ref.h5")
failures = 0
for label, change, want in cases:
    write("other.h5", change)
    r = subprocess.run([sys.executable, str(here / "compare_h5.py"), "ref.h5", "other.h5", "--rtol", "1e-12"], capture_output=True, text=True)
    ok = r.returncode == want
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {label}: exit {r.returncode} (want {want})")
sys.exit(1 if failures else 0)
