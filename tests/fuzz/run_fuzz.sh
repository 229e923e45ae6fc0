#!/bin/bash
# Build the libFuzzer targets (clang, ASan + UBSan + libFuzzer, in build-fuzz/) and run them.
#
#   tests/fuzz/run_fuzz.sh [SECONDS [TARGET ...]]      default: 600 s each for params hdf5 expr
#
# Each target keeps its corpus in build-fuzz/fuzz-work/<target>/corpus (seeded from tests/fuzz/seeds/
# <target>) and writes crashing, leaking or slow inputs to build-fuzz/fuzz-work/<target>/artifacts/.
# Copy such an input to tests/fuzz/corpus-regressions/<target>/ once fixed: ctest fuzz.replay.<target>
# replays it in every build. Runs under nice -n 19 so as not to starve other work on the machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-600}
shift || true
targets=${*:-params hdf5 expr}
build=${W2FUZZ_BUILD:-$root/build-fuzz}

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang cmake -S "$root" -B "$build" -DW2FLOW_FUZZ=ON -DW2FLOW_SANITIZE=ON
fi
# W2FUZZ_NO_BUILD=1: fuzz the binaries as they are (e.g. while other parts of the tree do not compile)
if [ -z "${W2FUZZ_NO_BUILD:-}" ]; then
  for t in $targets; do nice -n 19 cmake --build "$build" -j2 --target fuzz_$t; done
fi

export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# OpenMPI catches SIGABRT/SIGSEGV in MPI_Init and would report crashes before libFuzzer can keep the input
export OMPI_MCA_opal_signal=""
for t in $targets; do
  work=$build/fuzz-work/$t
  mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
  cp -n "$here/seeds/$t/"* "$work/corpus/" 2>/dev/null || true
  dict=()
  case $t in
    params) max_len=4096; dict=(-dict="$here/params.dict") ;;
    expr) max_len=1024; dict=(-dict="$here/expr.dict") ;;
    hdf5) max_len=100000 ;;
  esac
  # HDF5 1.10 loses memory on many error paths of damaged files: leak checks there would stop every run
  # at HDF5's leaks (w2flow's own HDF5 handles are checked by the harness, H5Fget_obj_count), and the
  # exact stacks the suppressions need make every malloc slow
  leaks=1
  [ "$t" = hdf5 ] && leaks=0
  echo "== fuzz_$t for $seconds s (corpus $work/corpus)"
  (cd "$work" && ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=$leaks" TMPDIR=$work/tmp nice -n 19 "$build/tests/fuzz/fuzz_$t" corpus \
     -max_total_time="$seconds" -max_len=$max_len "${dict[@]}" -timeout=20 -rss_limit_mb=4096 \
     -close_fd_mask=1 -print_final_stats=1 -artifact_prefix=artifacts/ 2>&1 | tee "$work/last_run.log" | tail -25)
done
