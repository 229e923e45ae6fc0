#!/usr/bin/python3
"""W2 on the periodic N x N grid by bfm or newton (bench_jko -bench_w2 -jko_type METHOD, in-process timing) beside POT's exact
linear program ot.emd2 on the periodic cost matrix of the cell centres (docs/benchmarks.md).

Two wrapped Gaussians of sigma 0.1, A centred (0.35, 0.4) and B its translate by v = (0.25, 0.15). On the
torus there is no closed form (a translation is not optimal there: its potential v.x is not periodic, and
W2^2 < |v|^2 in general; |v|^2 = 0.085 is printed as a scale only, column *_err). The reference is POT at
the same N; the discretisation error is the change of POT's value between N/2 and N.

usage: bench_jko_pot.py [--method bfm|newton] BUILD_DIR [N ...]   (default bfm; N: 32 64; POT is run at N <= 64)
"""
import os, subprocess, sys, tempfile, time

import h5py
import numpy as np
import ot

CA, SA, CB, SB = (0.35, 0.4), 0.1, (0.6, 0.55), 0.1
EXACT = (CA[0] - CB[0]) ** 2 + (CA[1] - CB[1]) ** 2


RTOL = os.environ.get("W2_BENCH_RTOL", "1e-4")  # relative duality gap of the bfm W2


def density(n, c, s):
    x = (np.arange(n) + 0.5) / n
    dx = (x - c[0] + 0.5) % 1.0 - 0.5
    dy = (x - c[1] + 0.5) % 1.0 - 0.5
    r = np.exp(-(dy[:, None] ** 2 + dx[None, :] ** 2) / (2 * s * s))  # [y][x], x fastest
    return r / (r.sum() / (n * n))


def periodic_cost(n):
    x = (np.arange(n) + 0.5) / n
    X, Y = np.meshgrid(x, x)  # [y][x]
    px, py = X.ravel(), Y.ravel()
    dx = np.abs(px[:, None] - px[None, :])
    dy = np.abs(py[:, None] - py[None, :])
    dx, dy = np.minimum(dx, 1 - dx), np.minimum(dy, 1 - dy)
    return dx * dx + dy * dy


def main():
    args, method = sys.argv[1:], "bfm"
    if args[:1] == ["--method"]:
        method, args = args[1], args[2:]
    if method not in ("bfm", "newton"):
        sys.exit(f"bench_jko_pot.py: --method must be bfm or newton, got {method}")
    build = args[0]
    sizes = [int(a) for a in args[1:]] or [32, 64]
    bench = os.path.join(build, "benchmarks", "bench_jko")
    print(f"|v|^2 = {EXACT:.10e} (a scale, not the torus W2^2)")
    m = method[:3]
    print(f"    N  {m}_W2^2           {m}_err    {m}_s      its  POT_W2^2           POT_err    POT_s      POT/{m}  |{m}-POT|/POT")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            a, b = density(n, CA, SA), density(n, CB, SB)
            fa, fb = os.path.join(tmp, f"a{n}.h5"), os.path.join(tmp, f"b{n}.h5")
            for f, d in ((fa, a), (fb, b)):
                with h5py.File(f, "w") as h:
                    h["rho"] = d
            out = subprocess.run([bench, "-bench_w2", f"{fa},{fb}", "-bench_w2_repeats", "1", "-jko_rtol", RTOL, "-jko_w2_marginal_tol", "1e-4", "-jko_max_it", "50000", "-jko_type", method],
                                 capture_output=True, text=True, check=True).stdout.split()
            w2, its, secs = float(out[1]), int(out[3]), float(out[-1])
            line = f"{n:5d}  {w2:.10e}  {abs(w2 - EXACT) / EXACT:.2e}  {secs:.3e}  {its:4d}"
            if n <= 64:
                C, wa, wb = periodic_cost(n), a.ravel() / a.sum(), b.ravel() / b.sum()
                t0 = time.perf_counter()  # ot.emd2 only: the cost matrix is built before
                m = ot.emd2(wa, wb, C, numItermax=10**8)
                pt = time.perf_counter() - t0
                line += f"  {m:.10e}  {abs(m - EXACT) / EXACT:.2e}  {pt:.3e}  {pt / secs:7.1f}  {abs(w2 - m) / m:.2e}"
            print(line, flush=True)


main()
