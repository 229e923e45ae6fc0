#!/bin/bash
# AddressSanitizer + UndefinedBehaviorSanitizer over the test suite, a leak pass, and valgrind memcheck
# of the w2flow executable on a few runs (docs/robustness.md has the results).
#
#   tests/sanitizers/run.sh [asan|leaks|valgrind|all]      default: all
#
# asan:     build-asan/ (-DW2FLOW_SANITIZE=ON), ctest with leak detection off: every memory error or
#           undefined behaviour aborts the test (halt_on_error), so the suite must pass as in build/.
# leaks:    the same ctest with LeakSanitizer on and lsan.supp (third-party frames only); every test
#           that fails then fails for a leak: the leak stacks are collected into build-asan/leaks.txt
#           with their first w2flow frame.
# valgrind: memcheck of build/w2flow (the normal build) on explicit/implicit, 1-D/2-D runs, `info` and
#           an error path, with Debian's OpenMPI suppressions and valgrind.supp; any error or
#           definitely/indirectly lost block fails.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
what=${1:-all}
jobs=${JOBS:-2}
status=0

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"

asan_build() {
  cmake -S "$root" -B "$root/build-asan" -DW2FLOW_SANITIZE=ON >/dev/null && cmake --build "$root/build-asan" -j"$jobs" >/dev/null
}

if [ "$what" = asan ] || [ "$what" = all ]; then
  echo "== ASan + UBSan, leak detection off"
  asan_build || exit 1
  (cd "$root/build-asan" && ASAN_OPTIONS="detect_leaks=0:abort_on_error=0" ctest -j"$jobs" --timeout 900 2>&1 | tail -15) || status=1
  grep -q "100% tests passed" "$root/build-asan/Testing/Temporary/LastTest.log" 2>/dev/null || true
fi

if [ "$what" = leaks ] || [ "$what" = all ]; then
  echo "== ASan with LeakSanitizer (third-party leaks suppressed by lsan.supp)"
  asan_build || exit 1
  (cd "$root/build-asan" && ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0" ctest -j"$jobs" --timeout 900 2>&1 | tail -30)
  # each leak report: its size line and the first frame in w2flow's sources
  /usr/bin/python3 - "$root" "$root/build-asan/Testing/Temporary/LastTest.log" > "$root/build-asan/leaks.txt" <<'PY'
import re, sys, collections
root, log = sys.argv[1], sys.argv[2]
text = open(log, errors="replace").read()
tests = re.split(r"\n\d+/\d+ Testing: ", text)
found = collections.OrderedDict()
for chunk in tests:
    name = chunk.split("\n", 1)[0].strip()
    for block in re.split(r"\n(?=(?:Direct|Indirect) leak of )", chunk):
        m = re.match(r"(Direct|Indirect) leak of (\d+) byte", block)
        if not m:
            continue
        frame = next((l.strip() for l in block.splitlines() if root in l and "/tests/" not in l), None)
        if frame:
            frame = re.sub(r"^#\d+ 0x[0-9a-f]+ in ", "", frame)
            found.setdefault(frame, set()).add(name)
for frame, names in found.items():
    print(f"{frame}\n    in {len(names)} test(s): {', '.join(sorted(names)[:6])}{' ...' if len(names) > 6 else ''}")
PY
  echo "leak stacks by first w2flow frame: $root/build-asan/leaks.txt"
  cat "$root/build-asan/leaks.txt"
fi

if [ "$what" = valgrind ] || [ "$what" = all ]; then
  echo "== valgrind memcheck of build/w2flow"
  w2flow=$root/build/w2flow
  [ -x "$w2flow" ] || { cmake -S "$root" -B "$root/build" >/dev/null && cmake --build "$root/build" -j"$jobs" >/dev/null; }
  work=$root/build/valgrind
  rm -rf "$work" && mkdir -p "$work"
  supp=(--suppressions=/usr/share/openmpi/openmpi-valgrind.supp --suppressions="$here/valgrind.supp")
  run() { # name, expected exit status, arguments
    local name=$1 want=$2
    shift 2
    (cd "$work" && valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect \
       --error-exitcode=99 --num-callers=40 "${supp[@]}" "$w2flow" "$@" > "$name.log" 2>&1)
    local got=$?
    local summary
    summary=$(grep -E "ERROR SUMMARY" "$work/$name.log" | sed 's/==[0-9]*== //')
    if [ "$got" = "$want" ]; then echo "ok   $name: exit $got, $summary"; else echo "FAIL $name: exit $got (wanted $want), $summary"; status=1; fi
  }
  run heat1d 0 run "$root/examples/heat1d.yaml" -ts_max_steps 20 -output heat1d -overwrite
  run jsd2d_explicit 0 run -grid_Nx 32 -grid_Ny 32 -div_type jsd -init_profile mixture -init_means 0.3,0.3,0.7,0.6 -init_sigmas 0.1 -ts_max_steps 10 -output jsd2d -overwrite
  run beuler2d 0 run -grid_Nx 24 -grid_Ny 24 -div_type kl -ts_type beuler -ts_dt 1e-3 -ts_max_steps 5 -output beuler2d -overwrite
  run bdf1d_order2 0 run -grid_Nx 64 -div_type chi2 -flow_order 2 -ts_type bdf -ts_dt 1e-4 -ts_max_steps 5 -output bdf1d -overwrite
  run info 0 info jsd2d.h5
  run restart 0 run -grid_Nx 32 -grid_Ny 32 -div_type jsd -init_profile mixture -init_means 0.3,0.3,0.7,0.6 -init_sigmas 0.1 -ts_max_steps 15 -restart jsd2d.h5
  run error_nan_expr 1 run -grid_Nx 64 -init_expr "1/(x-x)" -output bad -overwrite
  run error_bad_yaml 1 run "$root/tests/io/bad_input/yaml_syntax.yaml" -output bad -overwrite
  echo "logs: $work/*.log"
fi
exit $status
