#!/usr/bin/python3
"""One w2flow subcommand on 1, 2 and 4 MPI ranks (4 oversubscribed on 2 cores) gives the same numbers.

usage: ranks_test.py --w2flow W2FLOW --mpiexec MPIEXEC --name NAME [--prepare "ARGS" ...] [--stdout] [--ignore D:I ...] -- SUBCOMMAND ARGS...

Each run writes NAME_npK (-output NAME_npK -overwrite is appended unless --stdout). Results with an HDF5
file: every numeric dataset of NAME_np2.h5 and NAME_np4.h5 against NAME_np1.h5, max_i |a_i - b_i| <= 1e-12
max_i |a_i| per dataset (compare_h5.py). --stdout (w2, which writes no file): the numbers it prints, W2^2 and
the dual bound (printed with 16 digits) to 1e-12 relative, the iteration count exactly, gap and marginal (printed
with 3 digits) to their printed precision. --prepare: w2flow commands run once, serially, before (the inputs).
"""
import argparse
import pathlib
import re
import shlex
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import compare_h5  # noqa: E402

# Ranks change only the order of floating-point sums (and the layout of Krylov iterates): round-off.
RTOL = 1e-12


def run(argv, timeout=600):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        print(f"FAIL {' '.join(argv)}: exit {proc.returncode}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        sys.exit(1)
    return proc.stdout


def w2_numbers(text):
    """W2^2, dual bound, gap, marginal, iterations of `w2flow w2` output"""
    num = r"([-+0-9.eE]+|nan|inf)"
    m = re.search(rf"W2\^2 {num}, dual bound {num}, gap {num}, second marginal off by {num} \(total variation\), (\d+) iterations", text)
    if not m:
        print(f"FAIL: no W2^2 line in the output:\n{text}")
        sys.exit(1)
    return [float(v) for v in m.groups()[:4]] + [int(m.group(5))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--w2flow", required=True)
    ap.add_argument("--mpiexec", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--prepare", action="append", default=[])
    ap.add_argument("--stdout", action="store_true")
    ap.add_argument("--ignore", action="append", default=[], help="passed to compare_h5.py (wall-clock columns)")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command and a.command[0] == "--" else a.command
    for prep in a.prepare:
        run([a.w2flow, *shlex.split(prep)])
    outs = {}
    for n in (1, 2, 4):
        extra = [] if a.stdout else ["-output", f"{a.name}_np{n}", "-overwrite"]
        argv = [a.mpiexec, "-n", str(n), a.w2flow, *cmd, *extra]
        print("$ " + " ".join(argv))
        outs[n] = run(argv)
    failures = 0
    for n in (2, 4):
        if a.stdout:
            one, other = w2_numbers(outs[1]), w2_numbers(outs[n])
            checks = [("W2^2", RTOL), ("dual bound", RTOL), ("gap", 5e-3), ("marginal", 5e-3)]  # 5e-3: half a unit of 3 printed digits
            for (label, tol), x, y in zip(checks, one, other):
                ok = abs(x - y) <= tol * abs(x)
                failures += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {a.name} {label}: 1 rank {x!r}, {n} ranks {y!r} (rtol {tol:g})")
            ok = one[4] == other[4]
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {a.name} iterations: 1 rank {one[4]}, {n} ranks {other[4]}")
        else:
            r = subprocess.run([sys.executable, compare_h5.__file__, f"{a.name}_np1.h5", f"{a.name}_np{n}.h5", "--rtol", str(RTOL), *(f"--ignore={i}" for i in a.ignore)], capture_output=True, text=True)
            print(r.stdout, end="")
            failures += r.returncode != 0
    print(f"{a.name}: {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
