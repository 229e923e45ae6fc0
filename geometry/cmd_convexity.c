/// @file `w2flow convexity`: lambda(delta) of F_f(.||Q) along sampled geodesics (id + t grad psi)_# rho_0, rho_0 = q (1 + delta p).
#include "geometry/commands.h"
#include "geometry/convexity.h"
#include "geometry/h5table.h"
#include "io/options.h"
#include "io/output.h"
#include "w2version.h"

#define W2_MAX_LADDER 32
#define W2_MAX_FS     8

PetscErrorCode W2CommandConvexity(MPI_Comm comm, const char *file)
{
  W2Grid       *g  = NULL;
  W2Convexity  *cx = NULL;
  W2Divergence *div = NULL;
  PetscReal     deltas[W2_MAX_LADDER] = {0, 0.0125, 0.025, 0.05, 0.1, 0.2, 0.4}, alpha = 0.5, table[3 * W2_MAX_LADDER];
  PetscInt      nd = 7, nf = W2_MAX_FS;
  char          output[PETSC_MAX_PATH_LEN] = "w2convexity_out", h5[PETSC_MAX_PATH_LEN], buf[512], *fs[W2_MAX_FS] = {NULL};
  PetscBool     overwrite = PETSC_FALSE, help, set;
  PetscViewer   v = NULL;

  PetscFunctionBeginUser;
  (void)file; /* the parameter file was inserted by main */
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  PetscOptionsBegin(comm, NULL, "w2flow convexity: lambda(delta) of F_f(.||Q) along sampled W2 geodesics near Q", NULL);
  PetscCall(PetscOptionsString("-output", "Result base name: writes <output>.h5", NULL, output, output, sizeof(output), NULL));
  PetscCall(PetscOptionsBool("-overwrite", "Replace an existing result", NULL, overwrite, &overwrite, NULL));
  PetscCall(PetscOptionsRealArray("-convexity_deltas", "Ladder of delta: rho_0 = q (1 + delta p), |p| <= 1", NULL, deltas, &nd, NULL));
  PetscCall(PetscOptionsStringArray("-convexity_divergences", "The f's to tabulate", NULL, fs, &nf, &set));
  PetscCall(PetscOptionsReal("-div_alpha", "Exponent of the alpha divergence", NULL, alpha, &alpha, NULL));
  PetscOptionsEnd();
  if (!set) {
    const char *def[] = {"jsd", "kl", "chi2"};
    nf = 3;
    for (PetscInt k = 0; k < nf; k++) PetscCall(PetscStrallocpy(def[k], &fs[k]));
  }
  for (PetscInt k = 0; k < nd; k++) PetscCheck(deltas[k] >= 0 && deltas[k] < 1, comm, PETSC_ERR_USER_INPUT, "-convexity_deltas must lie in [0, 1), got %g", (double)deltas[k]);
  if (!help) { /* before the grid is allocated, so that this error frees all there is: the names */
    PetscErrorCode ierr = W2OutputCheckTarget(comm, output, overwrite);
    if (ierr)
      for (PetscInt k = 0; k < W2_MAX_FS; k++) PetscCall(PetscFree(fs[k]));
    PetscCall(ierr);
  }
  PetscCall(W2GridCreate(comm, 1, &g));
  PetscCall(W2ConvexityCreate(g, "convexity_", &cx));
  for (PetscInt k = 0; k < nf; k++) { /* fail early on an unknown name */
    PetscCall(W2DivergenceCreateByName(comm, fs[k], alpha, &div));
    PetscCall(W2DivergenceDestroy(&div));
  }
  if (help) goto cleanup;
  PetscCall(W2OptionsCheckUnused(comm, PETSC_TRUE));
  PetscCall(PetscSNPrintf(h5, sizeof(h5), "%s.h5", output));
  PetscCall(PetscViewerHDF5Open(comm, h5, FILE_MODE_WRITE, &v));
  PetscCall(PetscPrintf(comm, "w2flow convexity: %" PetscInt_FMT " random psi (modes <= %" PetscInt_FMT "), von Mises q with kappa = %g; grid %" PetscInt_FMT " x %" PetscInt_FMT "\n", cx->samples, cx->modes, (double)cx->kappa, g->N[0], g->N[1]));
  PetscCall(PetscPrintf(comm, "lambda = min_psi F''(0) / int rho_0 |grad psi|^2, lambda_hess = min_psi F''(0) / int rho_0 |Hess psi|^2 (Thm. 5.7: lambda >= -C delta)\n"));
  for (PetscInt k = 0; k < nf; k++) {
    PetscCall(W2DivergenceCreateByName(comm, fs[k], alpha, &div));
    PetscCall(PetscPrintf(comm, "  f = %-10s  delta      lambda   (lambda(0)-lambda)/delta   lambda_hess   (.. )/delta\n", fs[k]));
    for (PetscInt d = 0; d < nd; d++) {
      table[3 * d] = deltas[d];
      PetscCall(W2ConvexityLambda(cx, div, deltas[d], &table[3 * d + 1], &table[3 * d + 2]));
      if (deltas[d] > 0 && deltas[0] == 0)
        PetscCall(PetscPrintf(comm, "                %8.4f %11.4e %14.4e %17.4e %14.4e\n", (double)deltas[d], (double)table[3 * d + 1], (double)((table[1] - table[3 * d + 1]) / deltas[d]), (double)table[3 * d + 2], (double)((table[2] - table[3 * d + 2]) / deltas[d])));
      else PetscCall(PetscPrintf(comm, "                %8.4f %11.4e %14s %17.4e\n", (double)deltas[d], (double)table[3 * d + 1], "", (double)table[3 * d + 2]));
    }
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "lambda_%s", fs[k]));
    PetscCall(W2H5WriteTable(v, buf, nd, 3, table));
    PetscCall(W2DivergenceDestroy(&div));
  }
  PetscCall(W2H5WriteString(v, "command", "convexity"));
  PetscCall(W2H5WriteString(v, "w2flow_version", W2FLOW_VERSION));
  PetscCall(W2GridView(g, buf, sizeof(buf)));
  PetscCall(W2H5WriteString(v, "grid", buf));
  PetscCall(W2H5WriteString(v, "columns:lambda", "delta, min F''/int rho|grad psi|^2, min F''/int rho|Hess psi|^2"));
  PetscCall(PetscViewerDestroy(&v));
  PetscCall(PetscPrintf(comm, "wrote %s\n", h5));
  PetscCall(W2OptionsCheckUnused(comm, PETSC_FALSE));

cleanup:
  for (PetscInt k = 0; k < W2_MAX_FS; k++) PetscCall(PetscFree(fs[k]));
  PetscCall(W2ConvexityDestroy(&cx));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}
