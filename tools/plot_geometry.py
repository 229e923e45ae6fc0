#!/usr/bin/python3
"""Figures from the geometry commands' HDF5 files (the command is read from the file's attributes).

usage: tools/plot_geometry.py RESULT.h5 [-o OUTDIR]

  w2flow convexity  -> <stem>_lambda.png     lambda(delta) for each f, both normalisations
  w2flow natgrad    -> <stem>_convergence.png J against iteration for each method (log y)
  w2flow geometry   -> <stem>_curvature.png  |F^|(x) for each lag c (maps in 2-D, curves in 1-D)
                       <stem>_holonomy.png   loop residual against max ds, by the connection and by
                                             the discriminator (one line per k)
Needs Debian's python3-h5py and python3-matplotlib (run with /usr/bin/python3).
"""
import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def text(f, name):
    v = f.attrs.get(name, b"")
    return v.decode() if isinstance(v, bytes) else str(v)


def convexity(f, out):
    names = sorted(k[len("lambda_"):] for k in f if k.startswith("lambda_"))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for name in names:
        t = f["lambda_" + name][()]
        axes[0].plot(t[:, 0], t[:, 1], "o-", label=name)
        axes[1].plot(t[:, 0], t[:, 2], "o-", label=name)
    axes[0].set(xlabel="delta = max|rho0/q - 1|", ylabel="min F'' / int rho |grad psi|^2", title="lambda(delta)")
    axes[1].set(xlabel="delta", ylabel="min F'' / int rho |Hess psi|^2", title="paper's normalisation")
    for ax in axes:
        ax.axhline(0, color="k", lw=0.5)
        ax.legend()
    return save(fig, out + "_lambda.png")


def natgrad(f, out):
    fig, ax = plt.subplots(figsize=(6, 4))
    for k in sorted(f):
        if k.startswith("J_"):
            J = f[k][()]
            ax.semilogy(np.arange(len(J)), np.maximum(J, 1e-300), label=k[2:])
    ax.set(xlabel="iteration", ylabel="J = F_f(P_theta || Q)", title=f"natural gradients, {text(f, 'family')}, f = {text(f, 'divergence')}")
    ax.legend()
    return save(fig, out + "_convergence.png")


def geometry(f, out):
    paths = []
    maps, curv = f["curvature_map"][()], f["curvature"][()]
    n = maps.shape[0]
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.2), squeeze=False)
    for k in range(n):
        ax = axes[0, k]
        if maps.ndim == 3:
            im = ax.imshow(maps[k], origin="lower", extent=(0, 1, 0, 1))
            fig.colorbar(im, ax=ax, fraction=0.046)
        else:
            ax.plot(maps[k])
        ax.set_title(f"|F^|(x), c = {curv[k, 0]:g}")
    paths.append(save(fig, out + "_curvature.png"))
    if "holonomy" in f:
        h = f["holonomy"][()]
        fig, ax = plt.subplots(figsize=(6, 4))
        for shape in (0, 1):
            rows = h[(h[:, 0] == shape) & (h[:, 1] == h[:, 1].min())]
            if not len(rows):
                continue
            label = "square" if shape == 0 else "circle"
            conn = rows[rows[:, 5] == rows[0, 5]]
            ax.loglog(conn[:, 4], conn[:, 6], "k-o" if shape == 0 else "k--o", label=f"{label}: connection (Euler)")
            for k in np.unique(rows[:, 5]):
                r = rows[rows[:, 5] == k]
                ax.loglog(r[:, 4], r[:, 7], "-s" if shape == 0 else "--s", label=f"{label}: discriminator, k = {k:g}")
        ax.set(xlabel="max ds", ylabel="max |residual| after the loop", title="holonomy")
        ax.legend(fontsize=7)
        paths.append(save(fig, out + "_holonomy.png"))
    return paths


def save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("result")
    ap.add_argument("-o", "--outdir")
    a = ap.parse_args()
    outdir = a.outdir or os.path.dirname(os.path.abspath(a.result))
    os.makedirs(outdir, exist_ok=True)
    out = os.path.join(outdir, os.path.splitext(os.path.basename(a.result))[0])
    with h5py.File(a.result, "r") as f:
        command = text(f, "command")
        plot = {"convexity": convexity, "natgrad": natgrad, "geometry": geometry}.get(command)
        if not plot:
            sys.exit(f"plot_geometry.py: {a.result} was written by '{command}', not by convexity, natgrad or geometry")
        written = plot(f, out)
    for p in written if isinstance(written, list) else [written]:
        print("wrote", p)


main()
