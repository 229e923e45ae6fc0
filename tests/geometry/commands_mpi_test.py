#!/usr/bin/python3
"""The geometry commands (and gan) give the same numbers on 1 and 2 MPI ranks: every dataset of
their HDF5 results agrees relative to its largest entry to 1e-12 where only reduction order
differs, and to 1e-9 where an Otto metric is solved by CG (geometry, natgrad): the Krylov iterates
differ between layouts, and the metric solve stops at a relative residual of 1e-11, amplified by
the condition number of the metric and, in natgrad, over the descent iterations."""
import argparse, os, pathlib, subprocess, sys

import h5py
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--w2flow", required=True)
ap.add_argument("--mpiexec", required=True)
ap.add_argument("--examples", required=True)
ap.add_argument("--workdir", required=True)
a = ap.parse_args()
wd = pathlib.Path(a.workdir)
runs = [("geometry", "curvature_mixture2d.yaml", ["-geometry_loop_steps", "16"], 1e-9), ("convexity", "convexity_jsd.yaml", [], 1e-12),
        ("natgrad", "natgrad_gaussian1d.yaml", [], 1e-9), ("gan", "gan_gaussian1d.yaml", ["-gan_iterations", "50"], 1e-12)]
failures = 0


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f" else None)
    return out


for command, example, extra, tol in runs:
    for np_ in (1, 2):
        cmd = ([a.mpiexec, "-n", "2"] if np_ == 2 else []) + [a.w2flow, command, f"{a.examples}/{example}", *extra, "-output", f"{command}_np{np_}", "-overwrite"]
        r = subprocess.run(cmd, cwd=wd, capture_output=True, text=True)
        if r.returncode:
            print(f"FAIL {' '.join(cmd)} exited {r.returncode}: {r.stderr[-300:]}")
            failures += 1
            break
    else:
        one, two = datasets(wd / f"{command}_np1.h5"), datasets(wd / f"{command}_np2.h5")
        worst, where = 0.0, ""
        for k in one:
            if k not in two or one[k].shape != two[k].shape:
                worst, where = float("inf"), k
                break
            e = float(np.max(np.abs(one[k] - two[k]), initial=0)) / max(float(np.max(np.abs(one[k]), initial=0)), 1e-300)
            if e > worst:
                worst, where = e, k
        ok = worst <= tol
        failures += not ok
        print(("ok   " if ok else "FAIL ") + f"{command}: {len(one)} datasets, 1 vs 2 ranks max relative difference {worst:.1e} (in {where or '-'}; <= {tol:g})")
print(f"{failures} failed")
sys.exit(1 if failures else 0)
