/// @file `w2flow w2` on HDF5 files: the grid from the dataset shape, FILE:dataset and time axes, and the same number as the library call.
#include <petscviewerhdf5.h>
#include "tests/jko/jkotest.h"

static PetscErrorCode Write(const W2Grid *g, const char file[], Vec v, PetscBool timeaxis)
{
  PetscViewer viewer;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerHDF5Open(g->comm, file, FILE_MODE_WRITE, &viewer));
  PetscCall(PetscObjectSetName((PetscObject)v, "rho"));
  if (timeaxis) {
    /* two steps: a uniform density first, the one asked for last */
    Vec u;
    PetscCall(VecDuplicate(v, &u));
    PetscCall(VecSet(u, 1.0 / (g->L[0] * g->L[1])));
    PetscCall(PetscObjectSetName((PetscObject)u, "rho"));
    PetscCall(PetscViewerHDF5PushTimestepping(viewer));
    PetscCall(PetscViewerHDF5SetTimestep(viewer, 0));
    PetscCall(VecView(u, viewer));
    PetscCall(PetscViewerHDF5SetTimestep(viewer, 1));
    PetscCall(VecView(v, viewer));
    PetscCall(PetscViewerHDF5PopTimestepping(viewer));
    PetscCall(VecDestroy(&u));
  } else {
    PetscCall(VecView(v, viewer));
    PetscCall(PetscObjectSetName((PetscObject)v, "other"));
    PetscCall(VecView(v, viewer)); /* the same field under a second name */
  }
  PetscCall(PetscViewerDestroy(&viewer));
  PetscFunctionReturn(0);
}

static PetscErrorCode Case(PetscInt dim, PetscInt N, PetscInt m0, PetscInt m1, PetscBool timeaxis)
{
  PetscInt   n[2] = {N, N};
  PetscReal  L[2] = {1.0, 1.0}, v2, w, wc = -1;
  /* compactly supported densities converge slowly in 2-D (the dual is flat off the support): a looser tolerance there */
  const PetscReal rtol = dim == 1 ? 1e-9 : 1e-6, tol = dim == 1 ? 1e-8 : 1e-5;
  char            opts[128];
  W2Grid    *g;
  Vec        a, b;
  W2TestBump A, B;
  W2JKOInfo  info;
  char       fa[64], fb[64], sa[80], sb[256], method[32] = "bfm";
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, n, L, 1, &g));
  PetscCall(DMCreateGlobalVector(g->da, &a));
  PetscCall(VecDuplicate(a, &b));
  A.c[0]  = 0.3;
  A.c[1]  = dim == 2 ? 0.4 : 0.0;
  A.s     = 0.1;
  A.L[0]  = A.L[1] = 1.0;
  A.floor = 0;
  B       = A;
  B.c[0] += m0 * g->h[0];
  if (dim == 2) B.c[1] += m1 * g->h[1];
  v2 = PetscSqr(m0 * g->h[0]) + (dim == 2 ? PetscSqr(m1 * g->h[1]) : 0.0);
  PetscCall(W2TestFill(g, W2TestBox, &A, a));
  PetscCall(W2TestFill(g, W2TestBox, &B, b));
  /* file names carry the number of ranks: the serial and the mpiexec test may run at the same time */
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscSNPrintf(fa, sizeof(fa), "w2cmd_np%d_a_%" PetscInt_FMT "d%s.h5", size, dim, timeaxis ? "_t" : ""));
  PetscCall(PetscSNPrintf(fb, sizeof(fb), "w2cmd_np%d_b_%" PetscInt_FMT "d%s.h5", size, dim, timeaxis ? "_t" : ""));
  PetscCall(Write(g, fa, a, timeaxis));
  PetscCall(Write(g, fb, b, timeaxis));
  /* A by its default dataset name, B as FILE:dataset; a time axis takes the last step */
  PetscCall(PetscSNPrintf(sa, sizeof(sa), "%s", fa));
  PetscCall(PetscSNPrintf(sb, sizeof(sb), "%s:%s", fb, timeaxis ? "rho" : "other"));
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscSNPrintf(opts, sizeof(opts), "-jko_rtol %g -jko_w2_marginal_tol %g", (double)rtol, (double)(100 * rtol)));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  if (timeaxis && dim == 1) PetscCall(PetscOptionsInsertString(NULL, "-w2_dim 1"));
  PetscCall(W2DistanceFiles(PETSC_COMM_WORLD, sa, sb, method, sizeof(method), &w, &info));
  if (dim == 1) {
    PetscCall(PetscOptionsInsertString(NULL, "-w2_method circle"));
    PetscCall(PetscStrncpy(method, "bfm", sizeof(method)));
    PetscCall(W2DistanceFiles(PETSC_COMM_WORLD, sa, sb, method, sizeof(method), &wc, &info));
  }
  /* a box moved by whole cells: W2^2 = |v|^2 (semi-discrete bfm within its tolerance, the circle method exactly) */
  W2_CHECK(PetscAbsReal(w - v2) <= tol * v2 && (dim == 2 || PetscAbsReal(wc - v2) <= 1e-14), "w2 on %s and %s (%" PetscInt_FMT "-D%s, grid from the dataset shape): bfm W2^2 %.12e, circle %.12e (1-D only), |v|^2 %.12e (relative tolerance %g = 10 -jko_rtol; the circle method exact)", sa, sb, dim,
           timeaxis ? ", last of two time steps" : "", (double)w, (double)wc, (double)v2, (double)tol);
  /* the command itself prints; it must run without error */
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscSNPrintf(sb, sizeof(sb), "-w2_second %s:%s %s%s", fb, timeaxis ? "rho" : "other", opts, timeaxis && dim == 1 ? " -w2_dim 1" : ""));
  PetscCall(PetscOptionsInsertString(NULL, sb));
  PetscCall(W2CommandW2(PETSC_COMM_WORLD, sa));
  PetscCall(VecDestroy(&a));
  PetscCall(VecDestroy(&b));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(Case(1, 64, 13, 0, PETSC_FALSE));
  PetscCall(Case(1, 64, -9, 0, PETSC_TRUE));
  PetscCall(Case(2, 16, 3, -2, PETSC_FALSE));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
