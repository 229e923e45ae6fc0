#!/usr/bin/python3
"""Every parameter file in examples/ runs: flow examples a few steps, within the scheme's invariants;
the others (their first line names the subcommand: `# w2flow geometry: ...`) to completion."""
import argparse, csv, pathlib, re, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--w2flow", required=True)
ap.add_argument("--example", required=True)
ap.add_argument("--workdir", required=True)
args = ap.parse_args()

name = pathlib.Path(args.example).stem
first = open(args.example).readline()
m = re.match(r"#\s*w2flow (\w+)", first)
command = m.group(1) if m else "run"
extra = ["-ts_max_steps", "4"] if command == "run" else []
cmd = [args.w2flow, command, args.example, *extra, "-output", name, "-overwrite"]
run = subprocess.run(cmd, cwd=args.workdir, capture_output=True, text=True)
if run.returncode != 0:
    sys.exit(f"FAIL: {' '.join(cmd)} exited {run.returncode}\n{run.stderr}")
if command != "run":
    if not (pathlib.Path(args.workdir) / f"{name}.h5").exists():
        sys.exit(f"FAIL: {' '.join(cmd)} wrote no {name}.h5")
    print(f"{name}: w2flow {command} ran and wrote {name}.h5")
    print("1 passed, 0 failed")
    sys.exit(0)
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
