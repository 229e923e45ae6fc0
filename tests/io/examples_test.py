#!/usr/bin/python3
"""Every parameter file in examples/ runs (a few steps) and its diagnostics obey the scheme's invariants."""
import argparse, csv, pathlib, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--w2flow", required=True)
ap.add_argument("--example", required=True)
ap.add_argument("--workdir", required=True)
args = ap.parse_args()

name = pathlib.Path(args.example).stem
cmd = [args.w2flow, "run", args.example, "-ts_max_steps", "4", "-output", name, "-overwrite"]
run = subprocess.run(cmd, cwd=args.workdir, capture_output=True, text=True)
if run.returncode != 0:
    sys.exit(f"FAIL: {' '.join(cmd)} exited {run.returncode}\n{run.stderr}")
rows = list(csv.DictReader(open(pathlib.Path(args.workdir) / f"{name}.csv")))
energy = [float(r["energy"]) for r in rows]
mass = [float(r["mass"]) for r in rows]
low = min(float(r["min_rho"]) for r in rows)
failures = []
# flux form: mass is exact up to round-off accumulated over a few steps
if max(abs(m - 1) for m in mass) > 1e-12:
    failures.append(f"mass drifts by {max(abs(m - 1) for m in mass):.2e} (> 1e-12)")
# the schemes dissipate: E_{n+1} <= E_n up to round-off of the sum
rise = max((b - a) / abs(energy[0]) for a, b in zip(energy, energy[1:]))
if rise > 1e-14:
    failures.append(f"energy rises by {rise:.2e} of E0 in one step")
if low < 0:
    failures.append(f"negative density {low:.2e}")
print(f"{name}: {len(rows) - 1} steps, E {energy[0]:.6e} -> {energy[-1]:.6e}, max |mass-1| {max(abs(m - 1) for m in mass):.1e}, min rho {low:.2e}")
if failures:
    sys.exit("FAIL: " + "; ".join(failures))
print("1 passed, 0 failed")
