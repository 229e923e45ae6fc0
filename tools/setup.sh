#!/usr/bin/env bash
# Fresh Debian 12, as root: install the Debian packages w2flow needs, build, then run the default
# example (`setup.sh example`) or the whole test suite (`setup.sh test`).
set -euo pipefail
mode=${1:-example}
case $mode in example | test) ;; *) echo "usage: $0 example|test" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake pkg-config petsc-dev libfftw3-dev libfftw3-mpi-dev hdf5-tools libmatheval-dev liblapack-dev libblas-dev
      libopenblas0-serial python3-numpy python3-h5py python3-matplotlib)
# libopenblas0-serial: Debian's alternatives then resolve libblas.so.3/liblapack.so.3 (PETSc's, LAPACK's and gan/'s matrix
# products) to single-threaded OpenBLAS instead of the reference BLAS: about 2x on the GAN steps (docs/benchmarks.md); serial,
# so one MPI rank per core does not oversubscribe.
[ "$mode" = test ] && pkgs+=(paraview python3-paraview) # pvpython, for the ParaView reader test
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# OpenMPI refuses root without these (../shared/PLATFORM.md)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
if [ "$mode" = example ]; then
  cd build && mpiexec -n 2 ./w2flow run ../examples/jsd2d.yaml -overwrite
  echo "result: build/jsd2d.h5 (open build/jsd2d.xmf in ParaView; plot: /usr/bin/python3 tools/plot_run.py build/jsd2d.h5)"
else
  cd build && ctest --output-on-failure -j2
fi
