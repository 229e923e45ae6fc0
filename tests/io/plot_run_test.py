#!/usr/bin/python3
"""tools/plot_run.py on a tiny 1-D and 2-D result: three PNGs each, real images, and a clean refusal of a non-result."""
import argparse
import os
import subprocess
import sys

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--w2flow", required=True)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--tool", required=True)
    ap.add_argument("--workdir", default=".")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    os.chdir(args.workdir)
    runs = {"tiny1d": ["-grid_Nx", "64", "-output_every", "10"],
            "tiny2d": ["-grid_Nx", "32", "-grid_Ny", "32", "-init_mean", "0.3,0.6", "-output_every", "5"]}
    for base, extra in runs.items():
        subprocess.run([args.w2flow, "run", *extra, "-ts_max_time", "0.005", "-output", base, "-overwrite"], check=True, timeout=120)
        for kind in ("energy", "edi", "rho"):
            path = os.path.join("plots", f"{base}_{kind}.png")
            if os.path.exists(path):
                os.remove(path)
        proc = subprocess.run([args.python, args.tool, base + ".h5", "-o", "plots"], capture_output=True, text=True, timeout=120)
        sys.stdout.write(proc.stdout + proc.stderr)
        check(proc.returncode == 0, f"plot_run.py {base}.h5 exits 0 (got {proc.returncode})")
        for kind in ("energy", "edi", "rho"):
            path = os.path.join("plots", f"{base}_{kind}.png")
            head = open(path, "rb").read(24) if os.path.exists(path) else b""
            # a PNG's IHDR gives width and height (big-endian) at bytes 16..23
            size = (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")) if len(head) == 24 else (0, 0)
            check(head.startswith(PNG_SIGNATURE) and os.path.getsize(path) > 5000 and min(size) >= 200,
                  f"{path}: PNG of {os.path.getsize(path) if head else 0} bytes, {size[0]} x {size[1]} pixels")
    with open("not_a_result.h5", "w") as fh:
        fh.write("text\n")
    proc = subprocess.run([args.python, args.tool, "not_a_result.h5", "-o", "plots"], capture_output=True, text=True, timeout=60)
    check(proc.returncode == 1 and "plot_run: error:" in proc.stderr and "Traceback" not in proc.stderr,
          f"a non-HDF5 file is refused with one error line: {proc.stderr.strip()!r}")
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
