#!/usr/bin/python3
"""One hostile-input case of w2flow, with HDF5 and binary fixtures made at test time (fixtures.py).

A case file in cases/ has the format of tests/io/bad_input/ (its driver, bad_input.py, is reused):
  # command: the arguments after `w2flow`; the working directory holds the fixtures of fixtures.py,
  #          existing.{h5,xmf,csv} (a finished result, to be passed as -output) and input.h5 (a copy)
  # expect:  a regular expression that the single error line must match
  # ranks:   optional; run under mpiexec with this many ranks (the error must still be one line,
  #          from every rank agreeing: no hang, no abort)
  # valid:   optional, "yes": the input is accepted and the command must succeed (an empty parameter
  #          file runs the defaults); then `expect` matches stdout and files may be created
Checks: exit status in 1..127, exactly one stderr line "w2flow: error: ..." matching `expect` (mpiexec's
own notice about a non-zero exit is left out), no file or directory created, changed or removed.
"""
import argparse
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "io"))
import bad_input  # noqa: E402  (parse_case, argv_of: one case format for both corpora)
import fixtures  # noqa: E402


def parse_case(path):
    spec = bad_input.parse_case(path)
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*#\s*(ranks|valid):\s?(.*?)\s*$", line)
            if m:
                spec[m.group(1)] = m.group(2)
    return spec


def snapshot(top):
    """relative path -> sha256 of every file, "dir" for every directory, below top"""
    out = {}
    for root, dirs, files in os.walk(top):
        for d in dirs:
            out[os.path.relpath(os.path.join(root, d), top)] = "dir"
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                out[os.path.relpath(os.path.join(root, name), top)] = hashlib.sha256(f.read()).hexdigest()
    return out


def without_mpiexec_notices(lines):
    """drop the blocks mpiexec prints between lines of dashes when a rank exits non-zero"""
    kept, inside = [], False
    for line in lines:
        if re.fullmatch(r"-{20,}", line.strip()):
            inside = not inside
            continue
        if not inside:
            kept.append(line)
    return kept


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--w2flow", required=True)
    ap.add_argument("--case", required=True)
    ap.add_argument("--reference", required=True, help="base name of a finished 1-D 64-cell result")
    ap.add_argument("--workdir", required=True, help="scratch directory for this case (emptied first)")
    ap.add_argument("--mpiexec", default="mpiexec", help="for cases with '# ranks:'")
    args = ap.parse_args()

    spec = parse_case(args.case)
    work = os.path.abspath(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    case_name = os.path.basename(args.case)
    shutil.copyfile(args.case, os.path.join(work, case_name))
    for ext in (".h5", ".xmf", ".csv"):
        shutil.copyfile(args.reference + ext, os.path.join(work, "existing" + ext))
    shutil.copyfile(args.reference + ".h5", os.path.join(work, "input.h5"))
    fixtures.make(work, args.reference + ".h5")
    before = snapshot(work)

    argv = [args.w2flow] + bad_input.argv_of(spec["command"], case_name)
    if "ranks" in spec:
        argv = [args.mpiexec, "-n", spec["ranks"]] + argv
    print("$", shlex.join(argv))
    try:
        proc = subprocess.run(argv, cwd=work, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        print("FAIL: no answer in 120 s (a hang: ranks that disagree about an error?)")
        return 1
    out = proc.stdout.decode("utf-8", errors="replace")
    err = proc.stderr.decode("utf-8", errors="replace")
    sys.stdout.write(out + "stderr:\n" + err)
    failures = []
    try:
        proc.stderr.decode("utf-8")
    except UnicodeDecodeError:
        failures.append("stderr is not valid UTF-8")
    if spec.get("valid") == "yes":
        if proc.returncode != 0:
            failures.append(f"exit status {proc.returncode}: this input is valid and must run")
        if not re.search(spec["expect"], out):
            failures.append(f"stdout does not match /{spec['expect']}/")
    else:
        if not 0 < proc.returncode < 128:
            failures.append(f"exit status {proc.returncode}: wanted an error status in 1..127 (else a signal)")
        lines = [l for l in err.splitlines() if l.strip()]
        if "ranks" in spec:
            lines = without_mpiexec_notices(lines)
        if len(lines) != 1 or not lines[0].startswith("w2flow: error: "):
            failures.append(f"stderr has {len(lines)} non-empty lines: wanted exactly one 'w2flow: error: ...'")
        if not re.search(spec["expect"], err):
            failures.append(f"stderr does not match /{spec['expect']}/")
        after = snapshot(work)
        for name in sorted(set(before) | set(after)):
            if name not in after:
                failures.append(f"{name} was removed")
            elif name not in before:
                failures.append(f"{name} was created")
            elif before[name] != after[name]:
                failures.append(f"{name} was modified")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
