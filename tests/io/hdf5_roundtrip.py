#!/usr/bin/python3
"""The HDF5 result of a small 2-D flow: layout, invariants, and a restart that reproduces it bit for bit.

Run: JSD toward the uniform density on a 32 x 24 torus [0,1) x [0,0.75) (Nx != Ny and Lx != Ly so
that a transposed axis cannot go unnoticed), explicit SSP steps, fields every 5 steps.
"""
import argparse
import csv
import os
import re
import subprocess
import sys

import h5py
import numpy as np

NX, NY, LX, LY = 32, 24, 1.0, 0.75
T_END, EVERY = 0.01, 5
DIAGNOSTICS = ["step", "time", "dt", "energy", "dissipation", "mass", "min_rho", "edi_residual", "edi_relative"]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(w2flow, *args):
    argv = [w2flow, *args]
    print("$", " ".join(argv))
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    sys.stdout.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        sys.exit(f"FAIL: {argv[1]} exited with {proc.returncode}")
    return proc.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--w2flow", required=True)
    ap.add_argument("--workdir", default=".")
    args = ap.parse_args()
    os.chdir(args.workdir)
    common = ["-grid_Nx", str(NX), "-grid_Ny", str(NY), "-grid_Ly", str(LY), "-div_type", "jsd", "-overwrite"]
    run(args.w2flow, "run", *common, "-init_mean", "0.3,0.45", "-ts_max_time", str(T_END),
        "-output_every", str(EVERY), "-output", "flow")
    dV = (LX / NX) * (LY / NY)

    with h5py.File("flow.h5", "r") as f:
        rho, phi, vel, q = (f["fields/" + k][()] for k in ("rho", "phi", "velocity", "q"))
        t = f["fields/time"][()]
        diag = {k: f["diagnostics/" + k][()] for k in DIAGNOSTICS}
        attrs = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in f.attrs.items()}
    T, R = len(t), len(diag["step"])
    check(rho.shape == (T, NY, NX) and phi.shape == (T, NY, NX), f"rho, phi are [t][Ny][Nx] = [{T}][{NY}][{NX}]: {rho.shape}, {phi.shape}")
    check(vel.shape == (T, NY, NX, 2), f"velocity is [t][Ny][Nx][2]: {vel.shape}")
    check(q.shape == (NY, NX), f"q is [Ny][Nx]: {q.shape}")
    check(all(diag[k].shape == (R,) for k in DIAGNOSTICS), f"every /diagnostics series has one entry per step ({R})")
    check(T >= 3 and np.all(np.diff(t) > 0), f"/fields/time has one entry per field step ({T}) and increases: {t}")
    check(t[0] == 0.0 and abs(t[-1] - T_END) <= 1e-14, f"fields span [0, {T_END}]: {t[0]} .. {t[-1]}")
    # fields are written every EVERY steps and at the last step, at the times of those diagnostic rows
    steps = diag["step"].astype(int)
    check(np.array_equal(steps, np.arange(R)), "diagnostic rows are steps 0, 1, 2, ...")
    written = [s for s in steps if s % EVERY == 0]
    if written[-1] != steps[-1]:
        written.append(steps[-1])
    check(T == len(written) and np.array_equal(t, diag["time"][written]), f"field times are the diagnostic times of steps {written}")

    # mass: the finite-volume fluxes cancel in pairs, so sum rho dV = 1 to round-off at every step
    masses = rho.reshape(T, -1).sum(axis=1) * dV
    check(np.max(np.abs(masses - 1)) <= 1e-12, f"stored rho has unit mass at every step to 1e-12: max |m-1| = {np.max(np.abs(masses - 1)):.2e}")
    check(abs(q.sum() * dV - 1) <= 1e-12, "q has unit mass")
    check(np.max(np.abs(diag["mass"] - 1)) <= 1e-12, "/diagnostics/mass is 1 to 1e-12")
    check(rho.min() >= 0 and diag["min_rho"].min() >= 0, f"rho >= 0: min stored {rho.min():.3e}, min diagnostic {diag['min_rho'].min():.3e}")
    check(np.array_equal(diag["min_rho"][written], rho.reshape(T, -1).min(axis=1)), "/diagnostics/min_rho is the minimum of the stored fields")
    # the energy of a W2 gradient flow decreases (dE/dt = -D <= 0); the explicit steps are bounded so that
    # the discrete scheme keeps it, up to round-off in summing E over the grid
    rise = np.max(np.diff(diag["energy"]))
    check(rise <= 1e-14 * abs(diag["energy"][0]), f"energy is non-increasing: largest step-to-step change {rise:.3e}")
    check(np.all(diag["dissipation"] >= 0), "dissipation >= 0")

    # the CSV holds the same numbers as /diagnostics (written with 17 significant digits)
    with open("flow.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    check(rows[0] == DIAGNOSTICS, f"CSV header: {rows[0]}")
    table = np.array(rows[1:], dtype=float)
    check(table.shape == (R, len(DIAGNOSTICS)) and all(np.array_equal(table[:, c], diag[k]) for c, k in enumerate(DIAGNOSTICS)),
          "CSV rows equal /diagnostics exactly")
    check(attrs.get("divergence") == "jsd" and attrs.get("option:grid_Nx") == str(NX) and "w2flow_version" in attrs,
          f"run attributes: divergence={attrs.get('divergence')!r}, option:grid_Nx={attrs.get('option:grid_Nx')!r}")

    # restart: the stored field read back (last step by default, then step 1) is the new initial state,
    # bit for bit; zero steps store just that state, and its potential and velocity are recomputed identically
    for label, extra, k in (("last", [], T - 1), ("step 1", ["-init_file_step", "1"], 1)):
        run(args.w2flow, "run", *common, "-init_file", "flow.h5:/fields/rho", *extra, "-ts_max_steps", "0", "-output", "restart")
        with h5py.File("restart.h5", "r") as f:
            r = {key: f["fields/" + key][()] for key in ("rho", "phi", "velocity", "time")}
            e0 = f["diagnostics/energy"][0]
        check(r["rho"].shape == (1, NY, NX) and np.array_equal(r["rho"][0], rho[k]), f"restart from the {label} stored rho reproduces it bitwise")
        check(np.array_equal(r["phi"][0], phi[k]) and np.array_equal(r["velocity"][0], vel[k]), f"... and its phi and velocity bitwise")
        check(r["time"].tolist() == [0.0], "... stored once, at t = 0")
        if k == T - 1:
            check(e0 == diag["energy"][-1], f"... with the stored final energy {diag['energy'][-1]!r} (got {e0!r})")

    out = run(args.w2flow, "info", "flow.h5")
    check(re.search(r"divergence\s+jsd", out) is not None, "w2flow info prints the divergence")
    check(re.search(rf"{T} time steps", out) is not None, f"w2flow info counts {T} field steps")

    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
