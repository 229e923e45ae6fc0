#!/usr/bin/python3
"""One malformed-input case of w2flow: it must fail cleanly, say why, and leave existing results alone.

A case file in bad_input/ carries its own specification in comment lines (PETSc options files and
YAML both take '#' comments):
  # command: the arguments after `w2flow` (shell syntax). {case} is the case file itself;
  #          the working directory holds existing.{h5,xmf,csv} (a finished result, also meant to be
  #          passed as -output) and input.h5 (a copy of it to read from).
  # expect:  a regular expression that the single stderr line must match (the key and/or value at fault)
  # before:  optional; a command that must succeed first (e.g. a run creating the result to protect)
  # then:    optional; a command that must succeed afterwards (e.g. the same output with -overwrite)
Checks: exit status in 1..127 (an error, not a signal or an abort), exactly one stderr line
"w2flow: error: ..." matching `expect`, the existing result byte-identical and no file created.
"""
import argparse
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys


def parse_case(path):
    spec = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*#\s*(command|expect|before|then):\s?(.*?)\s*$", line)
            if m:
                spec[m.group(1)] = m.group(2)
    for key in ("command", "expect"):
        if key not in spec:
            sys.exit(f"{path}: no '# {key}:' line")
    return spec


def snapshot(directory):
    """name -> sha256 of every file in the directory"""
    out = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            out[name] = hashlib.sha256(f.read()).hexdigest()
    return out


def argv_of(command, case_name):
    return [a.replace("{case}", case_name) for a in shlex.split(command)]


def run_ok(w2flow, command, case_name, work, what):
    argv = [w2flow] + argv_of(command, case_name)
    print(f"$ {shlex.join(argv)}   ({what})")
    proc = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=120)
    sys.stdout.write(proc.stdout + proc.stderr)
    return proc.returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--w2flow", required=True)
    ap.add_argument("--case", required=True, help="the case file")
    ap.add_argument("--reference", required=True, help="base name of a finished result (.h5/.xmf/.csv)")
    ap.add_argument("--workdir", required=True, help="scratch directory for this case (emptied first)")
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
    if "before" in spec and not run_ok(args.w2flow, spec["before"], case_name, work, "must succeed"):
        print("FAIL: the '# before:' command failed")
        return 1
    before = snapshot(work)

    argv = [args.w2flow] + argv_of(spec["command"], case_name)
    print("$", shlex.join(argv))
    proc = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=120)
    sys.stdout.write(proc.stdout)
    sys.stdout.write("stderr:\n" + proc.stderr)
    failures = []
    if not 0 < proc.returncode < 128:
        failures.append(f"exit status {proc.returncode}: wanted an error status in 1..127 (negative or >= 128: a signal)")
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    if len(lines) != 1 or not lines[0].startswith("w2flow: error: "):
        failures.append(f"stderr has {len(lines)} non-empty lines: wanted exactly one 'w2flow: error: ...'")
    if not re.search(spec["expect"], proc.stderr):
        failures.append(f"stderr does not match /{spec['expect']}/")
    after = snapshot(work)
    for name in sorted(set(before) | set(after)):
        if name not in after:
            failures.append(f"{name} was removed")
        elif name not in before:
            failures.append(f"{name} was created")
        elif before[name] != after[name]:
            failures.append(f"{name} was modified")
    if "then" in spec and not failures and not run_ok(args.w2flow, spec["then"], case_name, work, "must succeed"):
        failures.append("the '# then:' command failed")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
