#!/usr/bin/python3
"""ParaView 5.11's XDMF2 reader on w2flow's .xmf sidecar gives back exactly what h5py reads.

A small run (2-D: 32 x 24 on [0,1) x [0,0.75), off-centre, so a swapped axis shows; 1-D: 64 cells),
then pvpython (xdmf_read_pv.py) opens the .xmf by absolute path. Checks: the time steps are
/fields/time, every step's rho, phi and velocity components equal the HDF5 values (max |diff| = 0,
VTK's point order is x fastest, like [Ny][Nx]), and the image is the grid of cell centres.
Exits 77 (skip) when pvpython is not installed.
"""
import argparse
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--w2flow", required=True)
    ap.add_argument("--pvpython", default="pvpython")
    ap.add_argument("--dim", type=int, choices=(1, 2), required=True)
    ap.add_argument("--workdir", default=".")
    args = ap.parse_args()
    pvpython = shutil.which(args.pvpython) or shutil.which("pvpython")
    if not pvpython:
        print("SKIP: pvpython not found (Debian: apt-get install python3-paraview)")
        return 77
    os.makedirs(args.workdir, exist_ok=True)
    os.chdir(args.workdir)
    base = f"xdmf{args.dim}d"
    if args.dim == 2:
        N, L = (32, 24), (1.0, 0.75)
        run = ["-grid_Nx", "32", "-grid_Ny", "24", "-grid_Ly", "0.75", "-init_mean", "0.3,0.45", "-output_every", "5"]
    else:
        N, L = (64, 1), (1.0, 1.0)
        run = ["-grid_Nx", "64", "-init_mean", "0.3", "-output_every", "10"]
    argv = [args.w2flow, "run", *run, "-ts_max_time", "0.01", "-output", base, "-overwrite"]
    print("$", " ".join(argv))
    subprocess.run(argv, check=True, timeout=120)
    xmf = os.path.abspath(base + ".xmf")
    argv = [pvpython, os.path.join(os.path.dirname(os.path.abspath(__file__)), "xdmf_read_pv.py"), xmf, os.path.abspath(base + ".npz")]
    print("$", " ".join(argv))
    subprocess.run(argv, check=True, timeout=150)
    pv = np.load(base + ".npz")

    with h5py.File(base + ".h5", "r") as f:
        t = f["fields/time"][()]
        fields = {"rho": f["fields/rho"][()], "phi": f["fields/phi"][()]}
        vel = f["fields/velocity"][()]
    if args.dim == 2:
        fields["velocity_x"], fields["velocity_y"] = vel[..., 0], vel[..., 1]
    else:
        fields["velocity"] = vel  # one component in 1-D: a scalar named velocity
    check(len(t) >= 3 and np.array_equal(pv["times"], t), f"TimestepValues {pv['times'].tolist()} equal /fields/time {t.tolist()}")
    check(sorted(fields) == pv["names"].tolist(), f"point arrays {pv['names'].tolist()}")
    h = (L[0] / N[0], L[1] / N[1])
    for k in range(min(len(t), len(pv["times"]))):
        check(str(pv[f"class{k}"]) == "vtkImageData" and tuple(pv[f"dims{k}"]) == (N[0], N[1], 1),
              f"step {k}: {pv[f'class{k}']} of dimensions {tuple(pv[f'dims{k}'])}")
        check(float(pv[f"time{k}"]) == t[k], f"step {k}: data time {float(pv[f'time{k}'])!r}")
        origin, spacing = pv[f"origin{k}"], pv[f"spacing{k}"]
        want_origin = (0.5 * h[0], 0.5 * h[1] if args.dim == 2 else 0.0, 0.0)
        check(np.allclose(origin, want_origin, rtol=0, atol=1e-15) and np.allclose(spacing[:args.dim], h[:args.dim], rtol=1e-15, atol=0),
              f"step {k}: origin {tuple(origin)} spacing {tuple(spacing)}: cell centres")
        for name, data in fields.items():
            got = pv.get(f"pd{k}_{name}")
            want = data[k].ravel()
            ok = got is not None and got.shape == want.shape and np.max(np.abs(got - want)) == 0
            check(ok, f"step {k}: {name} equals h5py" + ("" if got is None or got.shape != want.shape else f" (max |diff| {np.max(np.abs(got - want)):.1e})"))
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
