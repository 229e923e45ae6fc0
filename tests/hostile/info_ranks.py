#!/usr/bin/python3
"""`w2flow info` gives the same summary on 1, 2 and 4 ranks (and prints it once, from rank 0).

usage: info_ranks.py --w2flow W2FLOW --mpiexec MPIEXEC RESULT.h5 [RESULT.h5 ...]
"""
import argparse
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--w2flow", required=True)
    ap.add_argument("--mpiexec", required=True)
    ap.add_argument("results", nargs="+")
    args = ap.parse_args()
    failures = 0
    for result in args.results:
        outs = {}
        for n in (1, 2, 4):
            argv = [args.mpiexec, "-n", str(n), args.w2flow, "info", result]
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
            outs[n] = proc.stdout
            if proc.returncode != 0 or proc.stderr.strip():
                print(f"FAIL: {' '.join(argv)}: exit {proc.returncode}, stderr {proc.stderr!r}")
                failures += 1
        print(outs[1], end="")
        for n in (2, 4):
            same = outs[n] == outs[1]
            print(f"{'ok  ' if same else 'FAIL'} {result}: info on {n} ranks {'equals' if same else 'differs from'} 1 rank")
            if not same:
                print(outs[n], end="")
                failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
