#!/usr/bin/python3
"""Redraw the paper's GAN figures over several seeds (issue #5, THEORY.md 8).

usage: tools/gan_figures.py --w2flow BUILD/w2flow [--seeds 5] [--iterations 1000] [--outdir docs/figures] [--doc docs/gan.md]
                            [--workdir DIR] [--jobs 2]

Runs `w2flow gan examples/gan_gaussian1d.yaml` with the generator optimisers sgd, adam, natgrad and natgrad_momentum (momentum 0.85) for
seeds S = 1..N (-gan_seed S, -gen_seed 100+S, -disc_seed 200+S), then writes
  OUTDIR/gan_fig1_loss.png     generator loss against iteration: per optimiser the median over seeds and the interquartile band
  OUTDIR/gan_fig2_density.png  final generated density (Gaussian KDE of 2000 samples) against the target N(2, 0.5^2): median and IQR over seeds
and replaces the section `## GAN training figures (issue #5)` of DOC with the settings, the figures and a table of the final W2 (and JSD)
per optimiser: median and IQR over the seeds. Needs Debian's python3-h5py, python3-numpy, python3-matplotlib (run with /usr/bin/python3).
"""
import argparse
import concurrent.futures
import os
import pathlib
import subprocess
import sys
import tempfile

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
SECTION = "## GAN training figures (issue #5)"
# the generator optimiser and its settings; the discriminator is adam (lr 2e-3) in every run (examples/gan_gaussian1d.yaml)
OPTIMISERS = {
    "sgd": ["-gen_optim_lr", "0.05"],
    "adam": ["-gen_optim_lr", "2e-3"],
    "natgrad": ["-gen_optim_lr", "0.02", "-gen_optim_damping", "1e-2"],
    "natgrad_momentum": ["-gen_optim_lr", "0.02", "-gen_optim_damping", "1e-2", "-gen_optim_momentum", "0.85"],
}


def run_one(w2flow, workdir, opt, seed, iterations):
    out = os.path.join(workdir, f"{opt}_s{seed}")
    cmd = [w2flow, "gan", str(ROOT / "examples" / "gan_gaussian1d.yaml"), "-gan_optimizer", opt, *OPTIMISERS[opt], "-gan_seed", str(seed), "-gen_seed", str(100 + seed), "-disc_seed", str(200 + seed),
           "-gan_iterations", str(iterations), "-gan_log_every", str(max(1, iterations // 100)), "-output", out, "-overwrite"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stderr[-2000:]}")
    with h5py.File(out + ".h5", "r") as f:
        cols = [c.strip() for c in f.attrs["columns:history"].decode().split(",")]
        h = np.array(f["history"])
        dens = np.array(f["density"])
    return opt, seed, cols, h, dens


def quartiles(a, axis=0):
    return np.percentile(a, [25, 50, 75], axis=axis)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--w2flow", required=True)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--outdir", default=str(ROOT / "docs" / "figures"))
    ap.add_argument("--doc", default=str(ROOT / "docs" / "gan.md"))
    ap.add_argument("--workdir", default=None, help="where the runs write (default: a temporary directory)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    if args.seeds < 1 or args.iterations < 1:
        sys.exit("gan_figures.py: --seeds and --iterations must be >= 1")
    workdir = args.workdir or tempfile.mkdtemp(prefix="w2gan_figures_")
    os.makedirs(workdir, exist_ok=True)
    os.makedirs(args.outdir, exist_ok=True)
    seeds = list(range(1, args.seeds + 1))
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        futures = [ex.submit(run_one, args.w2flow, workdir, opt, s, args.iterations) for opt in OPTIMISERS for s in seeds]
        for fut in futures:
            opt, seed, cols, h, dens = fut.result()
            results[(opt, seed)] = (cols, h, dens)

    colours = {"sgd": "tab:gray", "adam": "tab:blue", "natgrad": "tab:orange", "natgrad_momentum": "tab:red"}
    table = []
    fig1, ax1 = plt.subplots(figsize=(7, 4.2))
    fig2, ax2 = plt.subplots(figsize=(7, 4.2))
    for opt in OPTIMISERS:
        cols = results[(opt, seeds[0])][0]
        hs = np.array([results[(opt, s)][1] for s in seeds])  # seeds x rows x columns
        it = hs[0, 1:, cols.index("iteration")]
        lg = hs[:, 1:, cols.index("loss_g")]  # row 0 is before training (no loss)
        q1, med, q3 = quartiles(lg)
        ax1.plot(it, med, color=colours[opt], label=opt)
        ax1.fill_between(it, q1, q3, color=colours[opt], alpha=0.25, linewidth=0)
        dens = np.array([results[(opt, s)][2] for s in seeds])  # seeds x bins x (x, histogram, target, KDE)
        d1, dm, d3 = quartiles(dens[:, :, 3])
        ax2.plot(dens[0, :, 0], dm, color=colours[opt], label=opt)
        ax2.fill_between(dens[0, :, 0], d1, d3, color=colours[opt], alpha=0.2, linewidth=0)
        w2 = hs[:, -1, cols.index("W2_quantile")]
        jsd = hs[:, -1, cols.index("jsd_kde")]
        w2_0 = hs[:, 0, cols.index("W2_quantile")]
        table.append((opt, quartiles(w2), quartiles(jsd), np.median(w2_0)))
    target = results[(list(OPTIMISERS)[0], seeds[0])][2]
    ax2.plot(target[:, 0], target[:, 2], "k--", label="target N(2, 0.5^2)")
    ax1.set_xlabel("iteration")
    ax1.set_ylabel("generator loss (mean per history row)")
    ax1.set_title(f"Fig. 1: generator loss, median and IQR over {len(seeds)} seeds")
    ax1.legend()
    ax2.set_xlabel("x")
    ax2.set_ylabel("density")
    ax2.set_title(f"Fig. 2: final generated density (KDE), median and IQR over {len(seeds)} seeds")
    ax2.legend()
    fig1.tight_layout()
    fig2.tight_layout()
    f1 = os.path.join(args.outdir, "gan_fig1_loss.png")
    f2 = os.path.join(args.outdir, "gan_fig2_density.png")
    fig1.savefig(f1, dpi=110)
    fig2.savefig(f2, dpi=110)

    rel1 = os.path.relpath(f1, os.path.dirname(os.path.abspath(args.doc)))
    rel2 = os.path.relpath(f2, os.path.dirname(os.path.abspath(args.doc)))
    lines = [SECTION, "",
             f"Written by `tools/gan_figures.py --seeds {args.seeds} --iterations {args.iterations}` (do not edit by hand). Each run is",
             "`w2flow gan examples/gan_gaussian1d.yaml -gan_optimizer OPT -gan_seed S` (generator 16 -> 32 relu -> 1, discriminator 1 -> 32 relu -> 1",
             "trained by adam, lr 2e-3; non-saturating loss; batch 64; target N(2, 0.5^2)) with the generator settings below, seeds "
             f"S = {seeds[0]}..{seeds[-1]} (data and latent draws -gan_seed S, initial weights -gen_seed 100+S, -disc_seed 200+S), {args.iterations} iterations, a history row every {max(1, args.iterations // 100)}.",
             "Generator settings: " + "; ".join(f"{o}: {' '.join(v)}" for o, v in OPTIMISERS.items()) + ".",
             "Final W2: to the target from quantiles, 2000 samples from fixed latents; JSD: between the Gaussian KDE (Scott's rule) of those",
             "samples and the target smoothed by the same kernel, on 256 cells (nats).",
             "",
             f"![Fig. 1: generator loss against iteration]({rel1})",
             "",
             f"![Fig. 2: final generated density against the target]({rel2})",
             "",
             "| optimiser | final W2, median | W2 IQR (q25 - q75) | final JSD, median | JSD IQR (q25 - q75) | initial W2, median |",
             "|---|---|---|---|---|---|"]
    for opt, w2q, jq, w20 in table:
        lines.append(f"| {opt} | {w2q[1]:.4f} | {w2q[0]:.4f} - {w2q[2]:.4f} | {jq[1]:.4f} | {jq[0]:.4f} - {jq[2]:.4f} | {w20:.4f} |")
    lines.append("")
    section = "\n".join(lines)
    doc = pathlib.Path(args.doc)
    text = doc.read_text() if doc.exists() else "# GAN training mode (issue #5)\n\n"
    if SECTION in text:
        start = text.index(SECTION)
        nxt = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[nxt + 1:] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text)
    print(f"wrote {f1}, {f2} and the table in {doc} ({len(OPTIMISERS)} optimisers x {len(seeds)} seeds; runs in {workdir})")
    for opt, w2q, jq, _ in table:
        print(f"  {opt:18s} final W2 median {w2q[1]:.4f} IQR {w2q[0]:.4f}-{w2q[2]:.4f}; JSD median {jq[1]:.4f}")


if __name__ == "__main__":
    main()
