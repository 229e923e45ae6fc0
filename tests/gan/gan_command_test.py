#!/usr/bin/python3
"""`w2flow gan` as a user runs it (issue #5): a diverging run stops naming the iteration and the optimiser and keeps its history; a fixed seed
reproduces the history bit for bit; mpiexec -n 2 writes the same numbers as one rank; -gan_optimizer is the generator optimiser and unknown
values list the registry; bad input never destroys an existing result; 2-D targets write their own columns; -restart continues a run bit for
bit (weights, optimiser moments, random streams and the open loss window are in /checkpoint); the carried-discriminator diagnostic
(-gan_curvature_every) leaves the training columns byte-identical, is exactly 0 with no discriminator steps per move, is the same on 2 ranks
and across a restart, and rejects bad values naming the option."""
import argparse, csv, os, pathlib, subprocess, sys

import h5py
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--w2flow", required=True)
ap.add_argument("--mpiexec", default="mpiexec")
ap.add_argument("--workdir", required=True)
ap.add_argument("--case", required=True, choices=["diverge", "reproduce", "mpi", "options", "targets2d", "restart", "curvature"])
args = ap.parse_args()
work = pathlib.Path(args.workdir)
work.mkdir(parents=True, exist_ok=True)
failures, passes = [], 0
SHORT = ["-gan_iterations", "60", "-gan_log_every", "10", "-gan_eval_samples", "500", "-overwrite"]


def check(ok, msg):
    global passes
    print(("pass: " if ok else "FAIL: ") + msg)
    if ok:
        passes += 1
    else:
        failures.append(msg)


def gan(*opts, np_=1):
    cmd = [args.w2flow, "gan", *opts]
    if np_ > 1:
        cmd = [args.mpiexec, "-n", str(np_), *cmd]
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    return subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=env)


def history(name):
    with h5py.File(work / f"{name}.h5", "r") as f:
        cols = [c.strip() for c in f.attrs["columns:history"].decode().split(",")]
        return cols, np.array(f["history"]), f.attrs["status"].decode(), {k: np.array(f[k]) for k in f.keys()}


def without_time(cols, h):
    """the history without its wall-clock column (the only column that may differ between identical runs)"""
    return np.delete(h, cols.index("wall_s"), axis=1)


if args.case == "diverge":
    # sgd with a step of 1e12: the generator's outputs overflow within a few dozen iterations
    r = gan("-gen_optim_type", "sgd", "-gen_optim_lr", "1e12", "-gan_iterations", "400", "-gan_log_every", "5", "-gan_eval_samples", "500", "-output", "div", "-overwrite")
    msg = r.stdout + r.stderr
    check(r.returncode != 0, f"huge -gen_optim_lr exits non-zero ({r.returncode})")
    check("diverged at iteration" in msg and "sgd" in msg and "adam" in msg, "the message names the iteration and both optimisers: " + next((l for l in msg.splitlines() if "diverged" in l), "(none)")[:300])
    cols, h, status, _ = history("div")
    rows = list(csv.reader(open(work / "div.csv")))
    check(status.startswith("diverged at iteration") and h.shape[0] >= 2 and h.shape[0] == len(rows) - 1, f"div.h5 kept {h.shape[0]} history rows (status: {status[:60]}...), div.csv {len(rows) - 1} rows")
    check(np.all(np.isfinite(h[0, cols.index("W2_quantile")])) and h[0, 0] == 0, f"row 0 (before training) is intact: W2 {h[0, cols.index('W2_quantile')]:.4f}")
    # joint optimisers diverge the same way
    r = gan("-gen_optim_type", "sga", "-gen_optim_lr", "1e6", "-gan_iterations", "200", "-gan_log_every", "5", "-gan_eval_samples", "500", "-output", "div_sga", "-overwrite")
    msg = r.stdout + r.stderr
    check(r.returncode != 0 and "diverged at iteration" in msg and "sga" in msg and (work / "div_sga.h5").exists(), "sga with lr 1e6: " + next((l for l in msg.splitlines() if "diverged" in l), "(none)")[:200])

elif args.case == "reproduce":
    # two runs with one seed: every history column but wall_s, the final samples and the density agree bit for bit (own PRNG, fixed order)
    for opt in ["natgrad_momentum", "consensus"]:
        for k in range(2):
            r = gan("-gan_optimizer", opt, "-gan_seed", "3", *SHORT, "-output", f"rep_{opt}_{k}")
            check(r.returncode == 0, f"{opt} run {k} exits 0" + ("" if r.returncode == 0 else r.stderr[-500:]))
        c0, h0, _, d0 = history(f"rep_{opt}_0")
        c1, h1, _, d1 = history(f"rep_{opt}_1")
        same = without_time(c0, h0).tobytes() == without_time(c1, h1).tobytes() and all(d0[k].tobytes() == d1[k].tobytes() for k in d0 if k != "history")
        check(same, f"{opt}, seed 3: history ({h0.shape[0]} rows x {h0.shape[1] - 1} columns without wall_s) and {sorted(k for k in d0 if k != 'history')} identical byte for byte")
        r = gan("-gan_optimizer", opt, "-gan_seed", "4", *SHORT, "-output", f"rep_{opt}_seed4")
        c2, h2, _, _ = history(f"rep_{opt}_seed4")
        check(without_time(c2, h2).tobytes() != without_time(c0, h0).tobytes(), f"{opt}: seed 4 gives another history (the comparison can fail)")

elif args.case == "mpi":
    # every rank computes the same run and rank 0 writes: 2 ranks write the numbers of 1, bit for bit
    for opt, extra in [("natgrad_momentum", []), ("sga", ["-gan_target", "ring"])]:
        r1 = gan("-gan_optimizer", opt, *extra, *SHORT, "-output", f"mpi_{opt}_1")
        r2 = gan("-gan_optimizer", opt, *extra, *SHORT, "-output", f"mpi_{opt}_2", np_=2)
        check(r1.returncode == 0 and r2.returncode == 0, f"{opt}: 1 and 2 ranks exit 0" + ("" if r2.returncode == 0 else r2.stderr[-500:]))
        c1, h1, _, d1 = history(f"mpi_{opt}_1")
        c2, h2, _, d2 = history(f"mpi_{opt}_2")
        check(without_time(c1, h1).tobytes() == without_time(c2, h2).tobytes() and d1["final_samples"].tobytes() == d2["final_samples"].tobytes(), f"{opt} {' '.join(extra)}: history and final samples of 2 ranks = 1 rank, byte for byte ({h1.shape[0]} rows)")
        rows = list(csv.reader(open(work / f"mpi_{opt}_2.csv")))
        check(len(rows) - 1 == h2.shape[0], f"{opt}: the CSV of the 2-rank run has one header and {len(rows) - 1} rows (rank 0 alone writes it)")

elif args.case == "options":
    r = gan("-gan_optimizer", "natgrad_momentum", *SHORT, "-output", "alias")
    with h5py.File(work / "alias.h5", "r") as f:
        summary = f.attrs["summary"].decode()
    check(r.returncode == 0 and "generator optimiser natgrad_momentum" in summary, f"-gan_optimizer natgrad_momentum sets the generator optimiser: {summary[:120]}")
    r = gan("-gan_optimizer", "rmsprop", *SHORT, "-output", "bad")
    msg = r.stdout + r.stderr
    check(r.returncode != 0 and "-gan_optimizer rmsprop" in msg and all(n in msg for n in ["sgd", "adam", "natgrad_momentum", "sga", "consensus"]), "unknown -gan_optimizer lists the registry: " + next((l for l in msg.splitlines() if "rmsprop" in l), "(none)")[:200])
    r = gan("-gen_optim_type", "rmsprop", *SHORT, "-output", "bad")
    msg = r.stdout + r.stderr
    check(r.returncode != 0 and "-gen_optim_type rmsprop" in msg and "consensus" in msg, "unknown -gen_optim_type names the option and lists the registry")
    r = gan("-gan_optimizer", "adam", "-gen_optim_type", "sgd", *SHORT, "-output", "bad")
    check(r.returncode != 0 and "disagree" in r.stdout + r.stderr, "-gan_optimizer adam with -gen_optim_type sgd is refused")
    r = gan("-gan_target", "moon", *SHORT, "-output", "bad")
    check(r.returncode != 0 and "-gan_target" in r.stdout + r.stderr, "unknown -gan_target is refused naming the option")
    r = gan("-gan_target", "ring", "-gan_ring_sigma", "-1", *SHORT, "-output", "bad")
    check(r.returncode != 0 and "-gan_ring_sigma" in r.stdout + r.stderr, "-gan_ring_sigma -1 is refused naming the option")
    r = gan("-gan_ring_radius", "2", *SHORT, "-output", "bad")
    check(r.returncode != 0 and "gan_ring_radius" in r.stdout + r.stderr, "-gan_ring_radius with the Gaussian target is an unused option: refused")
    r = gan("-gen_optim_type", "sga", "-gan_disc_steps", "2", *SHORT, "-output", "bad")
    check(r.returncode != 0 and "-gan_disc_steps" in r.stdout + r.stderr, "sga with -gan_disc_steps 2 is refused (joint steps are simultaneous)")
    before = (work / "alias.h5").read_bytes()
    r = gan("-gan_iterations", "10", "-output", "alias")  # no -overwrite
    check(r.returncode != 0 and "exists" in r.stdout + r.stderr and (work / "alias.h5").read_bytes() == before, "without -overwrite an existing result is refused and left unchanged")
    r = gan("-gan_log_every", "0", "-gan_iterations", "10", "-output", "alias", "-overwrite")
    check(r.returncode != 0 and "-gan_log_every" in r.stdout + r.stderr and (work / "alias.h5").read_bytes() == before, "-gan_log_every 0 with -overwrite is refused before anything is written: " + (r.stdout + r.stderr).strip().splitlines()[-1][:120])

elif args.case == "targets2d":
    for target, K in [("ring", 8), ("grid", 25), ("mixture2d", 3), ("mixture1d", 2)]:
        r = gan("-gan_target", target, "-gen_optim_type", "consensus" if target == "ring" else "adam", *SHORT, "-output", f"t_{target}")
        check(r.returncode == 0, f"{target} runs" + ("" if r.returncode == 0 else r.stderr[-500:]))
        cols, h, status, d = history(f"t_{target}")
        dim = 1 if target == "mixture1d" else 2
        want = ["W1_quantile", "W2_quantile"] if dim == 1 else ["SW1_16dirs", "SW2_16dirs"]
        modes = h[:, cols.index("modes_covered")]
        ok_modes = (np.all((modes >= 0) & (modes <= K) & (modes == np.round(modes))) and np.all((h[:, cols.index("hq_fraction")] >= 0) & (h[:, cols.index("hq_fraction")] <= 1))) if target in ("ring", "grid") else np.all(np.isnan(modes))
        check(all(w in cols for w in want) and d["final_samples"].shape == (500 * dim,) or d["final_samples"].shape == (500, dim), f"{target}: columns {want}, final samples {d['final_samples'].shape}")
        check(ok_modes and d["target_means"].size == K * dim and status == "complete", f"{target}: {K} modes; modes_covered {modes[-1]:.0f}, hq_fraction {h[-1, cols.index('hq_fraction')]:.3f} (NaN unless ring/grid)")
        finite = [c for c in cols if c not in ("loss_d", "loss_g", "grad_norm_d", "grad_norm_g", "modes_covered", "hq_fraction")]
        check(all(np.all(np.isfinite(h[:, cols.index(c)])) for c in finite), f"{target}: metric columns finite on every row ({', '.join(finite[2:])})")

elif args.case == "restart":
    # A: 60 iterations in one go; B: 35 (an off-grid last row), then C continues B to 60: C's history = A's, byte for byte (except wall_s)
    for opt, extra in [("natgrad_momentum", []), ("sga", ["-gan_target", "ring", "-gen_optim_lr", "0.01", "-gen_optim_gamma", "0.1"])]:
        base = ["-gan_optimizer", opt, *extra, "-gan_log_every", "10", "-gan_eval_samples", "500", "-overwrite"]
        # natgrad_momentum: checkpoints every 25 and a 1-rank continuation; sga: a 2-rank continuation
        variants = [f"A25_{opt}", f"C_{opt}"] if opt == "natgrad_momentum" else [f"C2_{opt}"]
        runs = [gan(*base, "-gan_iterations", "60", "-output", f"A_{opt}"), gan(*base, "-gan_iterations", "35", "-output", f"B_{opt}")]
        for name in variants:
            if name.startswith("A25"):
                runs.append(gan(*base, "-gan_iterations", "60", "-checkpoint_every", "25", "-output", name))
            else:
                runs.append(gan(*base, "-gan_iterations", "60", "-restart", f"B_{opt}.h5", "-output", name, np_=2 if name.startswith("C2") else 1))
        check(all(r.returncode == 0 for r in runs), f"{opt}: {len(runs)} runs exit 0" + "".join(r.stderr[-400:] for r in runs if r.returncode))
        ca, ha, _, da = history(f"A_{opt}")
        for name in variants:
            c, h, status, d = history(name)
            check(without_time(ca, ha).tobytes() == without_time(c, h).tobytes() and da["final_samples"].tobytes() == d["final_samples"].tobytes() and status == "complete",
                  f"{opt}: {name} ({'checkpoints every 25' if name.startswith('A25') else 'continued from iteration 35' + (' on 2 ranks' if name.startswith('C2') else '')}) = the uninterrupted run, byte for byte ({h.shape[0]} rows)")
        rows = list(csv.reader(open(work / f"{variants[-1]}.csv")))
        check(len(rows) - 1 == ha.shape[0], f"{opt}: the continued CSV holds all {len(rows) - 1} rows")
    # continuing into the same file replaces it (no -overwrite needed), and a complete run can be extended
    r = gan("-gan_optimizer", "natgrad_momentum", "-gan_log_every", "10", "-gan_eval_samples", "500", "-gan_iterations", "60", "-restart", "B_natgrad_momentum.h5", "-output", "B_natgrad_momentum")
    c, h, status, _ = history("B_natgrad_momentum")
    check(r.returncode == 0 and without_time(c, h).tobytes() == without_time(*history("A_natgrad_momentum")[:2]).tobytes(), "-restart B.h5 -output B continues into the same file")
    r = gan("-gan_optimizer", "adam", "-gan_log_every", "10", "-gan_iterations", "80", "-restart", "A_natgrad_momentum.h5", "-output", "bad", "-overwrite")
    check(r.returncode != 0 and "natgrad_momentum" in r.stdout + r.stderr and "-restart" in r.stdout + r.stderr, "restarting with another optimiser is refused naming both")
    r = gan("-gan_iterations", "80", "-restart", "nothing.h5", "-output", "bad", "-overwrite")
    check(r.returncode != 0 and "-restart nothing.h5" in r.stdout + r.stderr, "a missing restart file is refused naming the option")
    r = gan("-gan_optimizer", "natgrad_momentum", "-gan_iterations", "30", "-restart", "A_natgrad_momentum.h5", "-output", "bad", "-overwrite")
    check(r.returncode != 0 and "leaves nothing to do" in r.stdout + r.stderr, "-gan_iterations not beyond the checkpoint is refused")

elif args.case == "curvature":
    CARRIED = ["curvature_max", "holonomy_max", "holonomy_l2", "holonomy_net_max", "loop_area"]
    # on copies with streams of their own: every training column (and the final samples) of a run with the diagnostic = the run without
    for opt, extra in [("adam", []), ("consensus", ["-gan_target", "ring"])]:
        r0 = gan("-gan_optimizer", opt, *extra, *SHORT, "-output", f"cv_off_{opt}")
        r1 = gan("-gan_optimizer", opt, *extra, *SHORT, "-gan_curvature_every", "20", "-gan_curvature_disc_steps", "3", "-output", f"cv_on_{opt}")
        check(r0.returncode == 0 and r1.returncode == 0, f"{opt}: runs with and without -gan_curvature_every exit 0" + r1.stderr[-400:])
        c0, h0, _, d0 = history(f"cv_off_{opt}")
        c1, h1, _, d1 = history(f"cv_on_{opt}")
        n0 = len(c0)
        check(c1[:n0] == c0 and c1[n0:] == CARRIED, f"{opt}: the diagnostic appends the columns {c1[n0:]}")
        check(without_time(c0, h0).tobytes() == without_time(c0, h1[:, :n0]).tobytes() and d0["final_samples"].tobytes() == d1["final_samples"].tobytes(),
              f"{opt}: the {n0 - 1} training columns (without wall_s) of {h0.shape[0]} rows and the final samples identical byte for byte with the diagnostic on")
        it = h1[:, 0]
        on = it % 20 == 0
        cv = h1[:, n0:]
        check(np.all(np.isfinite(cv[on])) and np.all(np.isnan(cv[~on])) and np.all(cv[on, 0] > 0) and np.all(cv[on, -1] == 0.1 ** 2),
              f"{opt}: carried columns finite on iterations {it[on].astype(int).tolist()}, NaN on the others; curvature_max > 0 ({cv[on, 0].min():.2e} .. {cv[on, 0].max():.2e}); loop_area = D^2 = 0.01")
        rows = list(csv.reader(open(work / f"cv_on_{opt}.csv")))
        check(rows[0][n0:] == CARRIED and len(rows) - 1 == h1.shape[0], f"{opt}: the CSV has the same columns and rows")
    # no discriminator steps per move: every corner holds the start discriminator, curvature and holonomy are 0 exactly
    r = gan(*SHORT, "-gan_curvature_every", "10", "-gan_curvature_disc_steps", "0", "-output", "cv_k0")
    c, h, _, _ = history("cv_k0")
    check(r.returncode == 0 and np.all(h[:, len(c) - 5:len(c) - 1] == 0), "-gan_curvature_disc_steps 0: curvature_max, holonomy_max, holonomy_l2, holonomy_net_max = 0 exactly on every row")
    # a coordinate plane, 1 rank against 2: the same numbers
    opts = [*SHORT, "-gan_curvature_every", "20", "-gan_curvature_coords", "5,576", "-gan_curvature_h", "0.3"]
    r1, r2 = gan(*opts, "-output", "cv_np1"), gan(*opts, "-output", "cv_np2", np_=2)
    c1, h1, _, _ = history("cv_np1")
    c2, h2, _, _ = history("cv_np2")
    check(r1.returncode == 0 and r2.returncode == 0 and without_time(c1, h1).tobytes() == without_time(c2, h2).tobytes(), "coordinate plane 5,576, D = 0.3: 2 ranks = 1 rank, byte for byte")
    # the copies' samples come from a stream seeded by (seed, iteration): a continued run reproduces the uninterrupted one
    base = ["-gan_log_every", "10", "-gan_eval_samples", "500", "-gan_curvature_every", "10", "-overwrite"]
    ra = gan(*base, "-gan_iterations", "60", "-output", "cv_A")
    rb = gan(*base, "-gan_iterations", "35", "-output", "cv_B")
    rc = gan(*base, "-gan_iterations", "60", "-restart", "cv_B.h5", "-output", "cv_C")
    ca, ha, _, _ = history("cv_A")
    cc, hc, _, _ = history("cv_C")
    check(ra.returncode == 0 and rb.returncode == 0 and rc.returncode == 0 and without_time(ca, ha).tobytes() == without_time(cc, hc).tobytes(), "restart from iteration 35 with the diagnostic = the uninterrupted run, byte for byte" + rc.stderr[-300:])
    r = gan("-gan_log_every", "10", "-gan_eval_samples", "500", "-gan_iterations", "60", "-restart", "cv_B.h5", "-output", "bad", "-overwrite")
    check(r.returncode != 0 and "-gan_curvature_every" in r.stdout + r.stderr, "continuing a run that had the diagnostic without it is refused naming -gan_curvature_every")
    # bad input: refused naming the option, the existing result untouched
    before = (work / "cv_k0.h5").read_bytes()
    for bad, name in [(["-gan_curvature_h", "0"], "-gan_curvature_h"), (["-gan_curvature_h", "-0.1"], "-gan_curvature_h"),
                      (["-gan_curvature_disc_steps", "-1"], "-gan_curvature_disc_steps"), (["-gan_curvature_coords", "3,3"], "-gan_curvature_coords"),
                      (["-gan_curvature_coords", "0,577"], "-gan_curvature_coords"), (["-gan_curvature_seed", "1", "-gan_curvature_coords", "0,1"], "-gan_curvature_coords")]:
        r = gan(*SHORT, "-gan_curvature_every", "10", *bad, "-output", "cv_k0")
        msg = r.stdout + r.stderr
        check(r.returncode != 0 and name in msg and (work / "cv_k0.h5").read_bytes() == before, f"{' '.join(bad)} refused naming {name}: " + next((l.strip() for l in msg.splitlines() if name in l), "(none)")[:150])
    for bad, name in [(["-gan_curvature_every", "15"], "-gan_curvature_every"), (["-gan_curvature_h", "0.1"], "gan_curvature_h")]:
        r = gan(*SHORT, *bad, "-output", "cv_k0")
        msg = r.stdout + r.stderr
        check(r.returncode != 0 and name in msg and (work / "cv_k0.h5").read_bytes() == before, f"{' '.join(bad)} (log every 10) refused naming {name}: " + next((l.strip() for l in msg.splitlines() if name in l), "(none)")[:150])

print(f"{passes} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
