#!/usr/bin/python3
"""Compare two w2flow results (e.g. 1 rank and 2 ranks): CSV diagnostics and the final rho, to rtol.

The ranks only change the order of floating-point sums, so results agree to round-off. Scales:
state quantities (time, dt, energy, dissipation, mass, min_rho) relative to their largest magnitude;
edi_residual = E(0) - E(t) - int D is a difference of energies, so relative to E(0); edi_relative =
edi_residual / (E(0) - E(t)) inherits the tolerance E(0)/(E(0) - E(t)) times that; step must be equal.
"""
import argparse
import sys

import h5py
import numpy as np


def load_csv(path):
    with open(path) as fh:
        header = fh.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return {name: data[:, c] for c, name in enumerate(header)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", help="result base name (reads BASE.csv and BASE.h5)")
    ap.add_argument("b")
    ap.add_argument("--rtol", type=float, default=1e-12)
    args = ap.parse_args()
    A, B = load_csv(args.a + ".csv"), load_csv(args.b + ".csv")
    failures = []
    if list(A) != list(B) or len(A["step"]) != len(B["step"]):
        sys.exit(f"FAIL: different CSV layouts: {list(A)} x {len(A['step'])} rows vs {list(B)} x {len(B['step'])} rows")
    E0 = abs(A["energy"][0])
    drop = A["energy"][0] - A["energy"]
    for name in A:
        # a non-finite entry (the JKO columns' NaN in the initial row, an infinite dissipation where a cell is
        # empty and f'(0+) = -inf) must be the same non-finite value in both runs; the rest is compared
        a, b = A[name], B[name]
        same_nonfinite = ~np.isfinite(a) & ((a == b) | (np.isnan(a) & np.isnan(b)))
        if not np.array_equal(~np.isfinite(a), ~np.isfinite(b)) or not np.all(same_nonfinite | np.isfinite(a)):
            print(f"FAIL {name:13s} non-finite entries differ")
            failures.append(name)
            continue
        a, b = np.where(np.isfinite(a), a, 0.0), np.where(np.isfinite(b), b, 0.0)
        diff = np.abs(a - b)
        if name == "step":
            tol = np.zeros_like(diff)
        elif name == "edi_residual":
            tol = np.full_like(diff, args.rtol * E0)
        elif name == "edi_relative":
            tol = np.where(drop > 0, args.rtol * E0 / np.where(drop > 0, drop, 1), 0.0)
        else:
            tol = np.full_like(diff, args.rtol * max(np.max(np.abs(a)), np.finfo(float).tiny))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(diff > 0, diff / tol, 0.0)
        worst = int(np.argmax(ratio))
        ok = bool(np.all(diff <= tol))
        print(f"{'ok  ' if ok else 'FAIL'} {name:13s} max |a-b| = {np.max(diff):.3e} (worst row {worst}: {diff[worst]:.3e} vs tolerance {tol[worst]:.3e})")
        if not ok:
            failures.append(name)
    with h5py.File(args.a + ".h5", "r") as fa, h5py.File(args.b + ".h5", "r") as fb:
        ra, rb = fa["fields/rho"][-1], fb["fields/rho"][-1]
        ta, tb = fa["fields/time"][-1], fb["fields/time"][-1]
    rel = np.max(np.abs(ra - rb)) / np.max(np.abs(ra))
    ok = ra.shape == rb.shape and rel <= args.rtol and abs(ta - tb) <= args.rtol * abs(ta)
    print(f"{'ok  ' if ok else 'FAIL'} final rho     shape {ra.shape}, t = {ta!r} / {tb!r}, max |a-b| / max |a| = {rel:.3e}")
    if not ok:
        failures.append("final rho")
    print(f"{len(failures)} failure(s)" + (": " + ", ".join(failures) if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
