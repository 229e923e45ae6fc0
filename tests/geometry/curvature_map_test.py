#!/usr/bin/python3
"""The |F^|(x) heat maps of `w2flow geometry`: stored per lag c as /curvature_map, their maxima are
the printed max|F^| column, and ParaView's XDMF reader gives back the same values at every c."""
import argparse, os, pathlib, shutil, subprocess, sys

import h5py
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--w2flow", required=True)
ap.add_argument("--example", required=True)
ap.add_argument("--pvpython", required=True)
ap.add_argument("--reader", required=True)
ap.add_argument("--workdir", required=True)
a = ap.parse_args()
wd = pathlib.Path(a.workdir).resolve()
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


cmd = [a.w2flow, "geometry", a.example, "-output", "geo", "-overwrite", "-geometry_loop_steps", "16", "-geometry_train_steps", "1"]
r = subprocess.run(cmd, cwd=wd, capture_output=True, text=True)
if r.returncode:
    sys.exit(f"FAIL: {' '.join(cmd)}\n{r.stderr}")
with h5py.File(wd / "geo.h5", "r") as f:
    maps, curv, rho = f["curvature_map"][()], f["curvature"][()], f["rho"][()]
check(maps.shape == (curv.shape[0],) + rho.shape, f"/curvature_map is [lags][Ny][Nx] = {maps.shape}")
# the table's max|F^| is the max over the map (the same central differences)
err = np.max(np.abs(maps.reshape(maps.shape[0], -1).max(axis=1) - curv[:, 1]) / np.maximum(curv[:, 1], 1e-300))
check(err < 1e-14, f"max of each map equals the printed max|F^| (relative {err:.1e}; round-off)")
check(np.all(maps[curv[:, 0] == 0] < 1e-8 * curv[:, 1].max()) and np.all(maps[curv[:, 0] == 1] == 0), "the maps vanish at c = 0 (to round-off) and c = 1 (exactly): the exact section is flat")
if not shutil.which(a.pvpython):
    print("pvpython absent: ParaView part skipped")
    sys.exit(77 if not failures else 1)
r = subprocess.run([a.pvpython, a.reader, str(wd / "geo.xmf"), str(wd / "pv.npz")], cwd=wd, capture_output=True, text=True)
check(r.returncode == 0, "pvpython opens geo.xmf by absolute path" + ("" if r.returncode == 0 else ": " + r.stderr[-400:]))
if r.returncode == 0:
    pv = np.load(wd / "pv.npz")
    check(np.allclose(pv["times"], curv[:, 0], rtol=0, atol=0), f"ParaView's time values are the lags c: {pv['times']}")
    worst = max(float(np.max(np.abs(pv[f"pd{k}_curvature_norm"] - maps[k].ravel()))) for k in range(len(pv["times"])))
    check(worst == 0, f"ParaView's curvature_norm equals h5py's at every c (max |diff| {worst:.1e})")
print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
