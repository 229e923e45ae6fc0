#!/usr/bin/python3
"""A run whose stepper fails (a Newton solve that does not converge, a JKO solve that reaches -jko_max_it
with -jko_error_if_not_converged) exits non-zero with PETSc's message, and leaves a committed result that
holds every step monitored before the failure, marked by the root attribute run_failed: no .partial file
left behind, the .h5 opens, the .xmf and .csv describe the same steps. One and two ranks."""
import argparse, os, pathlib, subprocess, sys

import h5py

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def case(name, w2flow, example, extra, workdir, expect_msg, mpi=None):
    base = workdir / name
    for suffix in (".h5", ".xmf", ".csv", ".h5.partial"):
        pathlib.Path(str(base) + suffix).unlink(missing_ok=True)
    cmd = ([mpi, "-n", "2"] if mpi else []) + [w2flow, "run", example, "-output", str(base)] + extra
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    check(p.returncode != 0, f"{name}: non-zero exit ({p.returncode})")
    check(expect_msg in p.stderr, f"{name}: stderr names the failure ({expect_msg!r})")
    check("run_failed" in p.stderr, f"{name}: stderr says where the partial result is")
    check(not pathlib.Path(str(base) + ".h5.partial").exists(), f"{name}: no .partial file left")
    with h5py.File(str(base) + ".h5", "r") as f:
        attr = f.attrs.get("run_failed")
        attr = attr.decode() if isinstance(attr, bytes) else attr
        check(attr is not None and "after step 0" in attr, f"{name}: run_failed attribute ({attr})")
        rows = f["diagnostics/time"].shape[0]
        check(rows == 1, f"{name}: the diagnostics hold the initial state only ({rows} rows)")
        check(f["fields/rho"].shape[0] == 1 and f["fields/time"][0] == 0.0, f"{name}: the fields hold the initial state")
        mass = f["diagnostics/mass"][0]
        check(abs(mass - 1.0) < 1e-12, f"{name}: its mass is 1 ({mass!r}; normalised at set-up, round-off)")
    csv = pathlib.Path(str(base) + ".csv").read_text().strip().splitlines()
    check(len(csv) == 2, f"{name}: the CSV has a header and one row ({len(csv)} lines)")
    check(pathlib.Path(str(base) + ".xmf").exists(), f"{name}: the XDMF sidecar exists")
    info = subprocess.run([w2flow, "info", str(base) + ".h5"], capture_output=True, text=True, timeout=60)
    check(info.returncode == 0 and "FAILED" in info.stdout, f"{name}: w2flow info shows the failure")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--w2flow", required=True)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--mpiexec", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    work = pathlib.Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    heat = os.path.join(a.examples, "heat1d.yaml")
    # one Newton iteration cannot solve a backward-Euler step of dt 0.01, and one failure is allowed
    newton = ["-ts_type", "beuler", "-ts_dt", "0.01", "-ts_adapt_type", "none", "-snes_max_it", "1", "-ts_max_snes_failures", "1"]
    case("newton", a.w2flow, heat, newton, work, "DIVERGED_NONLINEAR_SOLVE")
    case("newton_np2", a.w2flow, heat, newton, work, "DIVERGED_NONLINEAR_SOLVE", mpi=a.mpiexec)
    # the first JKO step of heat1d needs 4 dual iterations (jko_run_test's examples): 2 are not enough
    jko = ["-flow_method", "jko", "-jko_tau", "0.01", "-jko_max_it", "2", "-jko_error_if_not_converged", "true"]
    case("jko", a.w2flow, heat, jko, work, "-jko_max_it")
    if failures:
        sys.exit(f"{len(failures)} checks failed")


if __name__ == "__main__":
    main()
