#!/bin/bash
# Valgrind memcheck of every serial C unit-test executable of the ctest suite and of one small run of every
# w2flow subcommand (run pde/jko, info, w2, geometry, convexity, natgrad, gan and an error path), with Debian's
# OpenMPI suppressions and tests/sanitizers/valgrind.supp (third-party frames only). A run fails on any memcheck
# error or a definitely/indirectly lost block (--error-exitcode=99), or when its own exit status is not the
# expected one. docs/robustness.md section 4 has the results.
#
#   tests/sanitizers/valgrind.sh [BUILD_DIR] [units|commands|all]     default: build-rob, all
#   VG_TIMEOUT=900 (seconds per run), VG_ONLY=regex (names to run), logs in BUILD_DIR/valgrind/*.log
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build-rob}" && pwd) || exit 2
what=${2:-all}
timeout_s=${VG_TIMEOUT:-900}
only=${VG_ONLY:-.}
w2flow=$build/w2flow
work=$build/valgrind
mkdir -p "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
supp=(--suppressions=/usr/share/openmpi/openmpi-valgrind.supp --suppressions="$here/valgrind.supp")
pass=0 fail=0 failed=()

vg() { # name, expected exit status, directory, command...
  local name=$1 want=$2 dir=$3
  shift 3
  [[ $name =~ $only ]] || return 0
  local log=$work/$name.log
  (cd "$dir" && timeout "$timeout_s" valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect \
     --show-leak-kinds=definite,indirect --error-exitcode=99 --num-callers=40 --track-origins=yes "${supp[@]}" "$@" > "$log" 2>&1)
  local got=$? summary lost
  summary=$(grep -E "ERROR SUMMARY" "$log" | tail -1 | sed 's/==[0-9]*== //')
  lost=$(grep -E "^==[0-9]+== +(definitely|indirectly) lost:" "$log" | sed 's/==[0-9]*== *//' | tr '\n' ' ')
  if [ "$got" = "$want" ]; then
    pass=$((pass + 1)); echo "ok   $name: exit $got, $summary ${lost}"
  else
    fail=$((fail + 1)); failed+=("$name"); echo "FAIL $name: exit $got (wanted $want; 99 = memcheck, 124 = timeout), $summary ${lost}"
  fi
}

if [ "$what" = units ] || [ "$what" = all ]; then
  # every ctest case whose command is a C executable of the build tree run directly (not mpiexec, not python)
  while IFS=$'\t' read -r name dir cmd; do
    # shellcheck disable=SC2086
    vg "unit.$name" 0 "$dir" $cmd
  done < <(cd "$build" && ctest --show-only=json-v1 | /usr/bin/python3 -c '
import json, os, sys
build = sys.argv[1]
for t in json.load(sys.stdin)["tests"]:
    cmd = t.get("command") or []
    if not cmd or not cmd[0].startswith(build + "/tests/") or os.path.basename(cmd[0]).startswith("fuzz_"):
        continue
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    print(t["name"], props.get("WORKING_DIRECTORY", os.path.dirname(cmd[0])), " ".join(cmd), sep="\t")
' "$build")
fi

if [ "$what" = commands ] || [ "$what" = all ]; then
  ex=$root/examples
  vg cmd.run_explicit_1d 0 "$work" "$w2flow" run "$ex/heat1d.yaml" -grid_Nx 64 -ts_max_steps 20 -output vg_heat1d -overwrite
  vg cmd.run_explicit_2d 0 "$work" "$w2flow" run -grid_Nx 24 -grid_Ny 24 -div_type jsd -init_profile mixture -init_means 0.3,0.3,0.7,0.6 -init_sigmas 0.1 -ts_max_steps 5 -output vg_jsd2d -overwrite
  vg cmd.run_implicit_2d 0 "$work" "$w2flow" run -grid_Nx 16 -grid_Ny 16 -div_type kl -ts_type beuler -ts_dt 1e-3 -ts_max_steps 3 -output vg_beuler2d -overwrite
  vg cmd.run_bdf_order2 0 "$work" "$w2flow" run -grid_Nx 64 -div_type chi2 -flow_order 2 -ts_type bdf -ts_dt 1e-4 -ts_max_steps 3 -output vg_bdf1d -overwrite
  vg cmd.run_jko_1d 0 "$work" "$w2flow" run -grid_Nx 64 -div_type kl -init_profile cosine -init_amplitude 0.5 -flow_method jko -jko_tau 1e-3 -ts_max_steps 2 -output vg_jko1d -overwrite
  vg cmd.restart 0 "$work" "$w2flow" run -grid_Nx 24 -grid_Ny 24 -div_type jsd -init_profile mixture -init_means 0.3,0.3,0.7,0.6 -init_sigmas 0.1 -ts_max_steps 8 -restart vg_jsd2d.h5
  vg cmd.info 0 "$work" "$w2flow" info vg_jsd2d.h5
  vg cmd.w2_entropic 0 "$work" "$w2flow" w2 vg_jsd2d.h5 vg_jsd2d.h5:fields/q -w2_method entropic -jko_max_it 50 -jko_error_if_not_converged false
  vg cmd.w2_circle 0 "$work" "$w2flow" w2 vg_heat1d.h5 vg_bdf1d.h5 -w2_method circle
  vg cmd.geometry 0 "$work" "$w2flow" geometry "$ex/curvature_mixture2d.yaml" -grid_Nx 16 -grid_Ny 16 -geometry_loop_steps 4 -output vg_geometry
  vg cmd.convexity 0 "$work" "$w2flow" convexity "$ex/convexity_jsd.yaml" -grid_Nx 16 -grid_Ny 16 -convexity_samples 4 -output vg_convexity
  vg cmd.natgrad 0 "$work" "$w2flow" natgrad "$ex/natgrad_gaussian1d.yaml" -grid_Nx 32 -natgrad_max_it 20 -natgrad_tol 1e-3 -output vg_natgrad
  vg cmd.gan 0 "$work" "$w2flow" gan "$ex/gan_gaussian1d.yaml" -gan_iterations 20 -gan_eval_samples 200 -output vg_gan
  vg cmd.error_nan_expr 1 "$work" "$w2flow" run -grid_Nx 64 -init_expr "1/(x-x)" -output vg_bad -overwrite
  vg cmd.error_unknown_option 1 "$work" "$w2flow" run -grid_Nx 64 -grid_Nxx 3 -output vg_bad -overwrite
  vg cmd.error_too_large 1 "$work" "$w2flow" run -grid_Nx 1000000 -grid_Ny 1000000 -output vg_bad -overwrite
fi
echo "valgrind: $pass passed, $fail failed${failed[*]:+: ${failed[*]}}; logs in $work"
[ "$fail" = 0 ]
