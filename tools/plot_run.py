#!/usr/bin/python3
"""Plot a w2flow result: energy and dissipation, the energy-dissipation balance, snapshots of rho.

usage: tools/plot_run.py RESULT.h5 [-o OUTDIR] [--snapshots N]

Writes, into OUTDIR (default: RESULT's directory), with RESULT's stem as prefix:
  <stem>_energy.png  E(t) and D(t) against t, log y
  <stem>_edi.png     E(0) - E(t) against int_0^t D (trapezoid over the diagnostic rows), and their
                     difference: the energy-dissipation residual, also as stored in /diagnostics
  <stem>_rho.png     rho at N stored times (default 4): lines in 1-D (with the target q), images in 2-D
Needs Debian's python3-h5py and python3-matplotlib (run with /usr/bin/python3).
"""
import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
import numpy as np  # noqa: E402


def attribute(f, name, default=""):
    value = f.attrs.get(name, default)
    return value.decode() if isinstance(value, bytes) else str(value)


def cumulative_trapezoid(t, y):
    out = np.zeros_like(t)
    if len(t) > 1:
        out[1:] = np.cumsum(0.5 * np.diff(t) * (y[1:] + y[:-1]))
    return out


def positive(y):
    """log axes: hide zeros and negatives instead of failing"""
    return np.where(y > 0, y, np.nan)


def plot_energy(d, title, path):
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.semilogy(d["time"], positive(d["energy"]), label="energy $E_h$")
    ax.semilogy(d["time"], positive(d["dissipation"]), label="dissipation $D_h$")
    ax.set_xlabel("t")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_edi(d, title, path):
    t = d["time"]
    drop = d["energy"][0] - d["energy"]
    dissipated = cumulative_trapezoid(t, d["dissipation"])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 6.0), sharex=True)
    top.plot(t, drop, label="$E(0) - E(t)$")
    top.plot(t, dissipated, "--", label=r"$\int_0^t D\,ds$ (trapezoid)")
    top.set_title(title)
    top.grid(True, alpha=0.3)
    top.legend()
    bottom.plot(t, drop - dissipated, label="residual (recomputed)")
    if "edi_residual" in d:
        bottom.plot(t, d["edi_residual"], ":", label="/diagnostics/edi_residual")
    bottom.axhline(0.0, color="k", lw=0.5)
    bottom.set_xlabel("t")
    bottom.set_ylabel("$E(0) - E(t) - \\int_0^t D$")
    bottom.grid(True, alpha=0.3)
    bottom.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def period(f, axis):
    """Lx or Ly as run (recorded as option:grid_L*; 1 when left at its default)"""
    try:
        return float(attribute(f, f"option:grid_L{axis}", "1"))
    except ValueError:
        return 1.0


def plot_rho(f, title, count, path):
    rho, times = f["fields/rho"], f["fields/time"][()]
    Lx, Ly = period(f, "x"), period(f, "y")
    q = f["fields/q"][()] if "fields/q" in f else None
    picks = sorted(set(np.linspace(0, len(times) - 1, min(count, len(times))).round().astype(int).tolist()))
    if rho.ndim == 2:  # 1-D: [t][Nx]
        n = rho.shape[1]
        x = (np.arange(n) + 0.5) * Lx / n  # cell centres
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for k in picks:
            ax.plot(x, rho[k], label=f"t = {times[k]:.4g}")
        if q is not None:
            ax.plot(x, q, "k--", lw=1, label="target q")
        ax.set_xlabel("x")
        ax.set_ylabel(r"$\rho$")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend()
    else:  # 2-D: [t][Ny][Nx], shown with x to the right and y up
        frames = [rho[k] for k in picks]
        lo, hi = min(a.min() for a in frames), max(a.max() for a in frames)
        fig, axes = plt.subplots(1, len(picks), figsize=(3.2 * len(picks) + 1.0, 3.4), squeeze=False)
        for ax, k, a in zip(axes[0], picks, frames):
            image = ax.imshow(a, origin="lower", extent=(0, Lx, 0, Ly), vmin=lo, vmax=hi, cmap="viridis", aspect="equal")
            ax.set_title(f"t = {times[k]:.4g}")
            ax.set_xlabel("x")
        axes[0][0].set_ylabel("y")
        fig.colorbar(image, ax=axes[0].tolist(), shrink=0.85, label=r"$\rho$")
        fig.suptitle(title)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("result", help="a w2flow result (.h5)")
    ap.add_argument("-o", "--outdir", help="directory for the PNGs (default: the result's directory)")
    ap.add_argument("--snapshots", type=int, default=4, help="number of rho snapshots (default 4)")
    args = ap.parse_args()
    if args.snapshots < 1:
        ap.error("--snapshots must be at least 1")
    try:
        f = h5py.File(args.result, "r")
    except OSError as e:
        sys.exit(f"plot_run: error: cannot read '{args.result}' as HDF5 ({e})")
    with f:
        missing = [p for p in ("diagnostics/time", "diagnostics/energy", "diagnostics/dissipation", "fields/rho", "fields/time") if p not in f]
        if missing:
            sys.exit(f"plot_run: error: '{args.result}' is not a w2flow result (missing {', '.join('/' + m for m in missing)})")
        d = {k: f["diagnostics/" + k][()] for k in f["diagnostics"]}
        if len(d["time"]) == 0 or f["fields/rho"].shape[0] == 0:
            sys.exit(f"plot_run: error: '{args.result}' holds no steps")
        stem = os.path.splitext(os.path.basename(args.result))[0]
        outdir = args.outdir or os.path.dirname(os.path.abspath(args.result))
        os.makedirs(outdir, exist_ok=True)
        title = f"{stem}: {attribute(f, 'divergence', '?')}, {attribute(f, 'grid')}"
        paths = [os.path.join(outdir, f"{stem}_{kind}.png") for kind in ("energy", "edi", "rho")]
        plot_energy(d, title, paths[0])
        plot_edi(d, title, paths[1])
        plot_rho(f, title, args.snapshots, paths[2])
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
