#!/bin/bash
# Issue #5: GAN training steps per second, bench_gan (C, through gan/) beside bench_gan_torch.py (PyTorch CPU, float64),
# alternating which runs first, with the load average before every run; prints per-round tables and the C / PyTorch ratios.
# Builds nothing; first checks that both codes compute the same steps (bench_gan_torch.py --check).
# Usage: benchmarks/run_gan_benchmarks.sh BUILD_DIR [OUT_FILE]
# Environment: ROUNDS (3), OPTIMS (all six and proto_woodbury: PyTorch runs natgrad_woodbury under that name), REPEATS (5), BUDGET (0.5 s per repeat), WARMUP (5), TORCH_THREADS ("1 default").
# Method and results: docs/benchmarks.md, section "GAN optimiser steps vs PyTorch". Timings are never pass/fail tests.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR [OUT_FILE]}
out=${2:-bench_gan_results.txt}
bench="$build/benchmarks/bench_gan"
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3 # Debian's interpreter, the one with python3-torch (../shared/PLATFORM.md)
rounds=${ROUNDS:-3}
optims=${OPTIMS:-sgd,adam,natgrad_cholesky,natgrad_woodbury,natgrad,natgrad_momentum,proto_woodbury}
repeats=${REPEATS:-5}
budget=${BUDGET:-0.5}
warmup=${WARMUP:-5}
torch_threads=${TORCH_THREADS:-1 default}
[ -x "$bench" ] || { echo "$0: $bench not found: build the bench_gan target first" >&2; exit 1; }
"$py" -c 'import torch' 2>/dev/null || { echo "$0: $py cannot import torch: apt-get install python3-torch" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the networks, initial weights and hyper-parameters the PyTorch side uses: bench_gan's own
"$bench" -bench_export "$tmp/config.txt" -bench_export_steps 1 -bench_optims "$optims"
echo "correctness check ..." >&2
if ! "$py" "$here/bench_gan_torch.py" --check --bench-exe "$bench" --workdir "$tmp" --optims "$optims" > "$tmp/check" 2>&1; then
  cat "$tmp/check" >&2
  echo "$0: the two codes do not compute the same steps: no timing" >&2
  exit 1
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }
run_c() {
  echo "# round $1 bench_gan, load average before: $(load)"
  "$bench" -bench_optims "$optims" -bench_repeats "$repeats" -bench_budget "$budget" -bench_warmup "$warmup" | sed "/^[a-z]/s/^/c $1 - /"
}
run_torch() {
  for t in $torch_threads; do
    echo "# round $1 bench_gan_torch.py --threads $t, load average before: $(load)"
    "$py" "$here/bench_gan_torch.py" --config "$tmp/config.txt" --optims "$optims" --threads "$t" --repeats "$repeats" --budget "$budget" --warmup "$warmup" | sed "/^[a-z]/s/^/torch $1 $t /"
  done
}

{
  echo "# bench_gan vs bench_gan_torch.py, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "# BLAS of both sides (libblas.so.3 as loaded, LD_LIBRARY_PATH included): $(readlink -f "$(ldd "$bench" | awk '/libblas.so.3/ {print $3}')"); $("$py" -c 'import torch; print("torch", torch.__version__)')"
  echo "# $rounds rounds (C first in odd rounds, PyTorch first in even ones), $repeats repeats of ~$budget s per optimiser, $warmup warm-up steps"
  sed 's/^/# check: /' "$tmp/check"
} > "$tmp/all"
for r in $(seq 1 "$rounds"); do
  echo "round $r of $rounds ..." >&2
  if [ $((r % 2)) -eq 1 ]; then
    run_c "$r" >> "$tmp/all"
    run_torch "$r" >> "$tmp/all"
  else
    run_torch "$r" >> "$tmp/all"
    run_c "$r" >> "$tmp/all"
  fi
done
echo "# load average after: $(load)" >> "$tmp/all"

# ratios C / PyTorch of the medians over rounds (each round's number is itself a median over repeats)
"$py" - "$tmp/all" "$optims" "$torch_threads" >> "$tmp/all" <<'EOF'
import statistics, sys
rows, optims, threads = {}, sys.argv[2].split(","), sys.argv[3].split()
for line in open(sys.argv[1]):
    f = line.split()
    if not f or f[0] not in ("c", "torch") or f[3] == "optim":
        continue
    side = "c" if f[0] == "c" else "torch_" + f[2]
    p = 10 if side == "c" else 11  # the phase columns: sample, disc_step, gen_grad, jacobian, gen_update (wall us per step)
    rate, cpu = (float(f[4]), float(f[7])) if side == "c" else (float(f[5]), float(f[8]))
    rows.setdefault((side, f[3]), []).append((rate, cpu, sum(float(x) for x in f[p + 1:p + 5])))
med = lambda side, o, k: statistics.median(v[k] for v in rows[(side, o)])
print("# summary: steps/s (wall) and steps per processor second (cpu), medians over rounds; ratio = C / PyTorch;")
print("# nosamp = ratio of the wall microseconds per step without drawing the samples (sum of the other phase columns)")
print("# %-18s %10s %10s" % ("optim", "C_wall", "C_cpu") + "".join(" %12s %7s %12s %7s %7s" % (f"torch{t}_wall", "ratio", f"torch{t}_cpu", "ratio", "nosamp") for t in threads))
for o in optims:
    cw, cc, cn = med("c", o, 0), med("c", o, 1), med("c", o, 2)
    line = "# %-18s %10.2f %10.2f" % (o, cw, cc)
    for t in threads:
        tw, tc, tn = med("torch_" + t, o, 0), med("torch_" + t, o, 1), med("torch_" + t, o, 2)
        line += " %12.2f %7.2f %12.2f %7.2f %7.2f" % (tw, cw / tw, tc, cc / tc, tn / cn)
    print(line)
goals = {"adam": 5.0, "natgrad": 2.0, "natgrad_cholesky": 2.0, "natgrad_woodbury": 2.0, "natgrad_momentum": 2.0, "proto_woodbury": 2.0}
for o in optims:
    if o in goals:
        worst = min(min(med("c", o, k) / med("torch_" + t, o, k) for k in (0, 1)) for t in threads)
        print(f"# goal {o}: C / PyTorch >= {goals[o]:g}: smallest ratio (wall or cpu, any thread count) {worst:.2f}: {'met' if worst >= goals[o] else 'MISSED'}")
EOF
cp "$tmp/all" "$out"
sed -n '/^# summary/,$p' "$out"
echo "wrote $out" >&2
