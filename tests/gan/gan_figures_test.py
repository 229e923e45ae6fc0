#!/usr/bin/python3
"""tools/gan_figures.py on 2 seeds x 20 iterations into a scratch directory: both PNGs exist and are PNG images, and the table in the
markdown section has one row per optimiser whose numbers parse with q25 <= median <= q75."""
import argparse, pathlib, re, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--w2flow", required=True)
ap.add_argument("--python", default="/usr/bin/python3")
ap.add_argument("--tool", required=True)
ap.add_argument("--workdir", required=True)
args = ap.parse_args()
work = pathlib.Path(args.workdir)
work.mkdir(parents=True, exist_ok=True)
doc = work / "gan.md"
doc.write_text("# scratch\n\n## GAN training figures (issue #5)\n\nold text to be replaced\n\n## Another section\n\nkept\n")
failures, passes = [], 0


def check(ok, msg):
    global passes
    print(("pass: " if ok else "FAIL: ") + msg)
    if ok:
        passes += 1
    else:
        failures.append(msg)


r = subprocess.run([args.python, args.tool, "--w2flow", args.w2flow, "--seeds", "2", "--iterations", "20", "--outdir", str(work / "figures"),
                    "--doc", str(doc), "--workdir", str(work / "runs"), "--jobs", "2"], capture_output=True, text=True)
check(r.returncode == 0, "gan_figures.py exits 0" + ("" if r.returncode == 0 else "\n" + r.stderr[-3000:]))
for name in ["gan_fig1_loss.png", "gan_fig2_density.png"]:
    p = work / "figures" / name
    check(p.exists() and p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000, f"{name}: a PNG of {p.stat().st_size if p.exists() else 0} bytes")
text = doc.read_text()
check("old text to be replaced" not in text and "## Another section\n\nkept" in text and text.count("## GAN training figures (issue #5)") == 1, "the section is replaced, the rest of the document kept")
rows = [l for l in text.splitlines() if l.startswith("| ") and not l.startswith("| optimiser")]
parsed = {}
for l in rows:
    cells = [c.strip() for c in l.strip("|").split("|")]
    try:
        med, (lo, hi) = float(cells[1]), map(float, cells[2].split(" - "))
        jmed, (jlo, jhi) = float(cells[3]), map(float, cells[4].split(" - "))
        parsed[cells[0]] = (lo <= med <= hi and jlo <= jmed <= jhi and med > 0, med)
    except (ValueError, IndexError):
        parsed[cells[0]] = (False, None)
check(sorted(parsed) == sorted(["sgd", "adam", "natgrad", "natgrad_momentum"]) and all(ok for ok, _ in parsed.values()), f"table rows parse, q25 <= median <= q75: {parsed}")
check(all(re.search(rf"\]\(figures/{n}\)", text) for n in ["gan_fig1_loss.png", "gan_fig2_density.png"]), "the section links both figures by relative path")
print(f"{passes} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
