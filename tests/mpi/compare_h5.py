#!/usr/bin/python3
"""Every numeric dataset of two w2flow HDF5 results agrees to a relative tolerance.

usage: compare_h5.py A.h5 B.h5 [--rtol 1e-12] [--ignore DATASET:INDEX ...]

The norm: for each dataset, max_i |a_i - b_i| <= rtol * max_i |a_i| (the max-norm of the
difference relative to the max-norm of the dataset in A; NaN must sit at the same places, as must
infinities of the same sign). Integer datasets must be equal. Both files must hold the same datasets
with the same shapes; strings and attributes (which record the command line) are not compared.
--ignore DATASET:INDEX leaves out index INDEX of the last axis of DATASET (a wall-clock column).
"""
import argparse
import sys

import h5py
import numpy as np


def numeric_datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "fiuc":
                out[name] = obj[()]
        f.visititems(visit)
    return out


def compare(a, b, rtol):
    """(ok, relative difference, text) for one dataset pair"""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
        return False, float("inf"), f"shape/type {a.shape} {a.dtype} vs {b.shape} {b.dtype}"
    if a.dtype.kind in "iu":
        same = bool(np.array_equal(a, b))
        return same, 0.0 if same else float("inf"), "integers " + ("equal" if same else "differ")
    a, b = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64), b.astype(np.complex128 if b.dtype.kind == "c" else np.float64)
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return False, float("inf"), "NaN at different places"
    inf_a, inf_b = np.isinf(a), np.isinf(b)
    if not np.array_equal(inf_a, inf_b) or not np.array_equal(a[inf_a], b[inf_b]):
        return False, float("inf"), "infinities differ"
    finite = np.isfinite(a)
    if not finite.any():
        return True, 0.0, "no finite entries"
    diff = float(np.max(np.abs(a[finite] - b[finite])))
    scale = float(np.max(np.abs(a[finite])))
    rel = diff / scale if scale > 0 else (0.0 if diff == 0 else float("inf"))
    return rel <= rtol, rel, f"max|a-b| {diff:.3e}, max|a| {scale:.3e}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rtol", type=float, default=1e-12)
    ap.add_argument("--ignore", action="append", default=[], help="DATASET:INDEX, an index of the last axis not compared")
    args = ap.parse_args()
    A, B = numeric_datasets(args.a), numeric_datasets(args.b)
    for spec in args.ignore:
        name, index = spec.rsplit(":", 1)
        for D in (A, B):
            if name in D and D[name].ndim >= 1 and int(index) < D[name].shape[-1]:
                D[name] = np.delete(D[name], int(index), axis=-1)
        print(f"not compared: {name}[..., {index}]")
    failures = []
    if sorted(A) != sorted(B):
        print(f"FAIL datasets differ: only in {args.a}: {sorted(set(A) - set(B))}, only in {args.b}: {sorted(set(B) - set(A))}")
        failures.append("layout")
    if not A:
        print(f"FAIL {args.a} holds no numeric dataset")
        failures.append("empty")
    for name in sorted(set(A) & set(B)):
        ok, rel, text = compare(A[name], B[name], args.rtol)
        print(f"{'ok  ' if ok else 'FAIL'} {name:32s} {str(A[name].shape):14s} relative {rel:.2e} ({text})")
        if not ok:
            failures.append(name)
    print(f"{args.a} vs {args.b}: {len(A)} datasets, {len(failures)} failure(s) at rtol {args.rtol:g}" + (": " + ", ".join(failures) if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
