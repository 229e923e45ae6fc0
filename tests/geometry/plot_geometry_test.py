#!/usr/bin/python3
"""tools/plot_geometry.py turns each geometry command's result into its PNGs (non-empty files)."""
import argparse, pathlib, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--w2flow", required=True)
ap.add_argument("--tool", required=True)
ap.add_argument("--examples", required=True)
ap.add_argument("--workdir", required=True)
a = ap.parse_args()
wd = pathlib.Path(a.workdir)
runs = {"convexity": ("convexity_jsd.yaml", ["lambda"]), "natgrad": ("natgrad_gaussian1d.yaml", ["convergence"]),
        "geometry": ("curvature_mixture2d.yaml", ["curvature", "holonomy"])}
failures = 0
for command, (example, pngs) in runs.items():
    subprocess.run([a.w2flow, command, f"{a.examples}/{example}", "-output", command, "-overwrite"], cwd=wd, check=True, capture_output=True)
    subprocess.run(["/usr/bin/python3", a.tool, f"{command}.h5"], cwd=wd, check=True, capture_output=True)
    for p in pngs:
        path = wd / f"{command}_{p}.png"
        ok = path.exists() and path.stat().st_size > 1000
        print(("ok   " if ok else "FAIL ") + f"{path.name} ({path.stat().st_size if path.exists() else 0} bytes)")
        failures += not ok
print(f"{failures} failed")
sys.exit(1 if failures else 0)
