/// @file How far one FFTW r2c+c2r pair itself speeds up on K ranks: the 2-D FFTW-MPI slab transforms with transposed
/// spectra (the layout -flow_pc fft uses in parallel) against the same call on one rank. The backward-Euler step's
/// 2-rank speed-up (issue #2, goal (c)) cannot exceed what its preconditioner's transforms allow.
/// Usage: mpiexec -n K bench_fftw_mpi [-bench_sizes 512,1024] [-bench_reps 31] [-bench_plan estimate|measure]
#include <fftw3-mpi.h>
#include <petscsys.h>
#include "bench_common.h"
#include "io/options.h"

static PetscErrorCode TimePair(PetscInt n, PetscInt reps, unsigned planner, double *median, double *fastest)
{
  ptrdiff_t     ln0, l0s, ln1, l1s, nspec;
  fftw_complex *spec;
  double       *real, *t;
  fftw_plan     fwd, bwd;

  PetscFunctionBeginUser;
  nspec = fftw_mpi_local_size_2d_transposed(n, n / 2 + 1, PETSC_COMM_WORLD, &ln0, &l0s, &ln1, &l1s);
  spec  = fftw_alloc_complex((size_t)nspec);
  real  = (double *)spec; /* in place, rows padded to 2 (n/2 + 1) */
  fwd   = fftw_mpi_plan_dft_r2c_2d(n, n, real, spec, PETSC_COMM_WORLD, planner | FFTW_MPI_TRANSPOSED_OUT);
  bwd   = fftw_mpi_plan_dft_c2r_2d(n, n, spec, real, PETSC_COMM_WORLD, planner | FFTW_MPI_TRANSPOSED_IN);
  PetscCheck(fwd && bwd, PETSC_COMM_WORLD, PETSC_ERR_LIB, "FFTW-MPI could not plan %d x %d", (int)n, (int)n);
  for (ptrdiff_t i = 0; i < 2 * nspec; i++) real[i] = (double)((l0s * n + i) % 97) / 97.0;
  PetscCall(PetscMalloc1(reps, &t));
  for (PetscInt r = 0; r < reps; r++) {
    double t0;
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    t0 = MPI_Wtime();
    fftw_execute(fwd);
    fftw_execute(bwd);
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    t[r] = MPI_Wtime() - t0;
    for (ptrdiff_t i = 0; i < 2 * nspec; i++) real[i] /= (double)n * (double)n; /* undo the unnormalised pair */
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, t, (PetscMPIInt)reps, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD)); /* the slowest rank */
  *median  = W2BenchMedian(t, reps);
  *fastest = t[0];
  PetscCall(PetscFree(t));
  fftw_destroy_plan(fwd);
  fftw_destroy_plan(bwd);
  fftw_free(spec);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt    sizes[8] = {512, 1024}, nsizes = 8, reps = 31;
  char        plan[16] = "estimate";
  PetscMPIInt size;
  PetscBool   given;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "FFTW-MPI pair timings"));
  fftw_mpi_init();
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "FFTW-MPI pair", NULL);
  PetscCall(PetscOptionsIntArray("-bench_sizes", "N of the N x N grids", NULL, sizes, &nsizes, &given));
  PetscCall(PetscOptionsInt("-bench_reps", "timed repeats (the median is reported)", NULL, reps, &reps, NULL));
  PetscCall(PetscOptionsString("-bench_plan", "FFTW planner: estimate (what -flow_pc fft uses by default) or measure", NULL, plan, plan, sizeof plan, NULL));
  PetscOptionsEnd();
  PetscCall(W2OptionsCheckUnused(PETSC_COMM_WORLD, PETSC_TRUE)); /* a misspelt option is an error, before any timing */
  if (!given) nsizes = 2; /* the defaults */
  for (PetscInt s = 0; s < nsizes; s++) PetscCheck(sizes[s] >= 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-bench_sizes: each N must be >= 2, got %d", (int)sizes[s]);
  PetscCheck(reps > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-bench_reps must be > 0, got %d", (int)reps);
  PetscCheck(!strcmp(plan, "estimate") || !strcmp(plan, "measure"), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-bench_plan: estimate or measure, got %s", plan);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "#     N ranks plan      median_ms fastest_ms\n"));
  for (PetscInt s = 0; s < nsizes; s++) {
    double med = 0, fast = 0;
    PetscCall(TimePair(sizes[s], reps, !strcmp(plan, "measure") ? FFTW_MEASURE : FFTW_ESTIMATE, &med, &fast));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%7d %5d %-9s %9.3f %10.3f\n", (int)sizes[s], size, plan, med * 1e3, fast * 1e3));
  }
  fftw_mpi_cleanup();
  PetscCall(PetscFinalize());
  return 0;
}
