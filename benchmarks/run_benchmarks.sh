#!/bin/bash
# Run bench_flow serially and under `mpiexec -n 2` from an existing build and write one table.
# Builds nothing. Usage: benchmarks/run_benchmarks.sh BUILD_DIR [OUT_FILE] [extra bench_flow options...]
# Method and results: docs/benchmarks.md. Timings are never pass/fail tests (nothing here is in CTest).
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR [OUT_FILE] [extra bench_flow options...]}
out=${2:-bench_flow_results.txt}
shift $(( $# >= 2 ? 2 : 1 ))
bench="$build/benchmarks/bench_flow"
[ -x "$bench" ] || { echo "$0: $bench not found: build the bench_flow target first" >&2; exit 1; }

# MPI as root (../shared/PLATFORM.md)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpiexec=${MPIEXEC:-mpiexec}
sizes=${BENCH_SIZES:-128,256,512,1024}
serial_configs=${BENCH_SERIAL_CONFIGS:-fft,hypre,hypre_old}
mpi_configs=${BENCH_MPI_CONFIGS:-fft,hypre}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
  echo "# bench_flow results, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other processes on the machine disturb the seconds; ratios less)"
} > "$tmp/head"

echo "serial run ..." >&2
"$bench" -bench_sizes "$sizes" -bench_configs "$serial_configs" "$@" > "$tmp/np1"
echo "mpiexec -n 2 run ..." >&2
"$mpiexec" -n 2 "$bench" -bench_sizes "$sizes" -bench_configs "$mpi_configs" "$@" > "$tmp/np2"

{
  cat "$tmp/head"
  grep '^#' "$tmp/np1"
  grep -v '^#' "$tmp/np1"
  grep -v '^#' "$tmp/np2" | grep -v '^ *N what'
  echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  # speed-up of 2 ranks over 1 (same measurement and N), and growth of each measurement from N/2 to N
  awk '!/^#/ && $1 != "N" { t[$1 " " $2 " " $3] = $4; n[$1] = 1; w[$2] = 1 }
       END {
         for (k in w) for (N in n) {
           a = t[N " " k " 1"]; b = t[N " " k " 2"]
           if (a != "" && b != "" && k != "fft_pair") printf "# speedup %6d %-24s np1/np2 = %.2f\n", N, k, a / b
         }
         for (k in w) for (N in n) {
           h = t[(N / 2) " " k " 1"]; f = t[N " " k " 1"]
           if (h != "" && f != "") printf "# growth  %6d %-24s np1 t(N)/t(N/2) = %.2f\n", N, k, f / h
         }
       }' "$tmp/np1" "$tmp/np2" | sort -k2,2n -k3,3
} > "$out"
cat "$out"
