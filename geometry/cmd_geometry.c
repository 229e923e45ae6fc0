/// @file `w2flow geometry`: Otto metric, finite-difference connection error and lag-model curvature at one point of a family.
#include "geometry/commands.h"
#include "geometry/metric.h"
#include "geometry/connection.h"
#include "geometry/holonomy.h"
#include "geometry/h5table.h"
#include "io/options.h"
#include "io/xdmf.h"
#include "io/output.h"
#include "w2version.h"

#define W2_MAX_LAGS 16
#define W2_MAX_LOOPS 8
#define W2_HOL_COLS 9

PetscErrorCode W2CommandGeometry(MPI_Comm comm, const char *file)
{
  W2Grid       *g = NULL;
  W2Family      fam = NULL, target = NULL;
  W2Divergence *div = NULL;
  W2Metric     *metric = NULL;
  Vec           rho = NULL, q = NULL, a = NULL, b = NULL, u = NULL, w = NULL, cl = NULL, d[W2_FAMILY_MAX_PARAMS] = {NULL}, maps[W2_MAX_LAGS] = {NULL};
  PetscReal     th[W2_FAMILY_MAX_PARAMS], qth[W2_FAMILY_MAX_PARAMS] = {0}, G[W2_FAMILY_MAX_PARAMS * W2_FAMILY_MAX_PARAMS], eig[W2_FAMILY_MAX_PARAMS];
  PetscReal     D = 1e-3, lags[W2_MAX_LAGS] = {0, 0.25, 0.5, 0.75, 1}, conn[2 * W2_FAMILY_MAX_PARAMS], curv[3 * W2_MAX_LAGS], qmass;
  PetscInt      nlag = 5, pair[2] = {0, 1}, npair = 2, n;
  PetscReal     sizes[W2_MAX_LOOPS] = {0.05, 0.1}, dstep = 0, *hol = NULL;
  PetscInt      nsize = 2, Ms[W2_MAX_LOOPS] = {16, 32, 64}, nM = 3, ks[W2_MAX_LOOPS] = {1, 4, 16}, nk = 3, nhol = 0;
  char          output[PETSC_MAX_PATH_LEN] = "w2geometry_out", h5[PETSC_MAX_PATH_LEN], buf[512];
  PetscBool     overwrite = PETSC_FALSE, help, set;
  PetscViewer   v;

  PetscFunctionBeginUser;
  (void)file; /* the parameter file was inserted by main */
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  PetscOptionsBegin(comm, NULL, "w2flow geometry: pull-back metric, connection and curvature of a parametric family", NULL);
  PetscCall(PetscOptionsString("-output", "Result base name: writes <output>.h5", NULL, output, output, sizeof(output), NULL));
  PetscCall(PetscOptionsBool("-overwrite", "Replace an existing result", NULL, overwrite, &overwrite, NULL));
  PetscCall(PetscOptionsReal("-geometry_D", "Finite-difference step D in theta (Alg. 1)", NULL, D, &D, NULL));
  PetscCall(PetscOptionsRealArray("-geometry_lags", "Per-move contractions c of the lagging discriminator", NULL, lags, &nlag, &set));
  if (!set) nlag = 5; /* absent: PETSc sets the count to 0; keep the defaults */
  PetscCall(PetscOptionsIntArray("-geometry_plane", "The two parameter indices i,j of the curvature plane", NULL, pair, &npair, &set));
  if (!set) npair = 2; /* absent: PETSc sets the count to 0; keep the defaults */
  PetscCall(PetscOptionsRealArray("-geometry_loop_sizes", "Holonomy loops: square sides and circle radii in the plane", NULL, sizes, &nsize, &set));
  if (!set) nsize = 2; /* absent: PETSc sets the count to 0; keep the defaults */
  PetscCall(PetscOptionsIntArray("-geometry_loop_steps", "Holonomy loops: steps M around each loop (multiples of 4)", NULL, Ms, &nM, &set));
  if (!set) nM = 3; /* absent: PETSc sets the count to 0; keep the defaults */
  PetscCall(PetscOptionsIntArray("-geometry_train_steps", "Holonomy loops: discriminator gradient steps k per move", NULL, ks, &nk, &set));
  if (!set) nk = 3; /* absent: PETSc sets the count to 0; keep the defaults */
  PetscCall(PetscOptionsReal("-geometry_disc_step", "Discriminator gradient step size (0: 4/max(q + rho) at theta)", NULL, dstep, &dstep, NULL));
  PetscOptionsEnd();
  for (PetscInt k = 0; k < nsize; k++) PetscCheck(sizes[k] > 0, comm, PETSC_ERR_USER_INPUT, "-geometry_loop_sizes must be positive, got %g", (double)sizes[k]);
  for (PetscInt k = 0; k < nM; k++) PetscCheck(Ms[k] >= 4 && Ms[k] % 4 == 0, comm, PETSC_ERR_USER_INPUT, "-geometry_loop_steps must be multiples of 4, got %" PetscInt_FMT, Ms[k]);
  for (PetscInt k = 0; k < nk; k++) PetscCheck(ks[k] >= 0, comm, PETSC_ERR_USER_INPUT, "-geometry_train_steps must be >= 0, got %" PetscInt_FMT, ks[k]);
  PetscCheck(dstep >= 0, comm, PETSC_ERR_USER_INPUT, "-geometry_disc_step must be >= 0, got %g", (double)dstep);
  PetscCheck(D > 0, comm, PETSC_ERR_USER_INPUT, "-geometry_D must be positive, got %g", (double)D);
  PetscCheck(npair == 2 && pair[0] != pair[1], comm, PETSC_ERR_USER_INPUT, "-geometry_plane needs two different indices i,j");
  for (PetscInt k = 0; k < nlag; k++) PetscCheck(lags[k] >= 0 && lags[k] <= 1, comm, PETSC_ERR_USER_INPUT, "-geometry_lags must lie in [0, 1], got %g", (double)lags[k]);
  if (!help) PetscCall(W2OutputCheckTarget(comm, output, overwrite)); /* before anything is allocated: this error leaks nothing */
  PetscCall(W2GridCreate(comm, 1, &g));
  PetscCall(W2FamilyCreate(g, "family_", "mixture", &fam));
  PetscCall(W2FamilyGetTheta(fam, "family_", th));
  PetscCall(W2FamilyCreate(g, "target_", "tilt", &target));
  PetscCall(W2FamilyGetTheta(target, "target_", qth));
  PetscCall(W2DivergenceCreate(comm, &div));
  PetscCall(W2MetricCreate(g, &metric));
  n = fam->n;
  PetscCheck(pair[0] >= 0 && pair[0] < n && pair[1] >= 0 && pair[1] < n, comm, PETSC_ERR_USER_INPUT, "-geometry_plane indices must lie in [0, %" PetscInt_FMT ")", n);
  if (help) goto cleanup;
  PetscCall(W2OptionsCheckUnused(comm, PETSC_TRUE));

  PetscCall(DMCreateGlobalVector(g->da, &rho));
  for (PetscInt i = 0; i < n; i++) PetscCall(VecDuplicate(rho, &d[i]));
  PetscCall(VecDuplicate(rho, &q));
  PetscCall(VecDuplicate(rho, &a));
  PetscCall(VecDuplicate(rho, &b));
  PetscCall(VecDuplicate(rho, &u));
  PetscCall(VecDuplicate(rho, &w));
  PetscCall(VecDuplicate(rho, &cl));
  PetscCall(W2FamilyEvaluate(target, g, qth, q, NULL));
  PetscCall(W2GridNormalize(g, q, &qmass)); /* layout-independent sum: q enters every J */
  PetscCall(W2FamilyEvaluate(fam, g, th, rho, d));
  /* THEORY.md 7: the exact Otto pull-back metric */
  PetscCall(W2MetricOtto(metric, rho, n, d, NULL, G));
  PetscCall(W2SymEigenvalues(n, G, eig));
  PetscCall(PetscPrintf(comm, "w2flow geometry: family %s (n = %" PetscInt_FMT ") toward target %s, f = %s; grid %" PetscInt_FMT " x %" PetscInt_FMT "\n", fam->type, n, target->type, div->type, g->N[0], g->N[1]));
  PetscCall(PetscPrintf(comm, "Otto metric g (%" PetscInt_FMT " CG iterations), eigenvalues %.4e .. %.4e:\n", metric->iterations, (double)eig[0], (double)eig[n - 1]));
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(PetscPrintf(comm, "  %-12s", fam->names[i]));
    for (PetscInt j = 0; j < n; j++) PetscCall(PetscPrintf(comm, " %11.4e", (double)G[i * n + j]));
    PetscCall(PetscPrintf(comm, "\n"));
  }
  /* THEORY.md 6: finite-difference connection against Lemma 6.6 */
  PetscCall(PetscPrintf(comm, "connection at D = %g: parameter, max|A(e_i)|, max|A^(e_i) - A(e_i)|\n", (double)D));
  PetscCall(W2Potential(fam, g, div, th, q, a));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal t2[W2_FAMILY_MAX_PARAMS];
    PetscCall(PetscArraycpy(t2, th, n));
    t2[i] += D;
    PetscCall(W2Potential(fam, g, div, t2, q, b));
    PetscCall(VecAXPY(b, -1.0, a));
    PetscCall(VecScale(b, 1.0 / D));
    PetscCall(W2ConnectionExactPotential(fam, g, div, th, q, i, u));
    PetscCall(W2GradientMaxNorm(g, u, &conn[2 * i]));
    PetscCall(VecAXPY(b, -1.0, u));
    PetscCall(W2GradientMaxNorm(g, b, &conn[2 * i + 1]));
    PetscCall(PetscPrintf(comm, "  %-12s %11.4e %11.4e\n", fam->names[i], (double)conn[2 * i], (double)conn[2 * i + 1]));
  }
  /* Alg. 1 curvature with a lagging discriminator */
  PetscCall(PetscPrintf(comm, "curvature in the plane (%s, %s), D = %g: c, max|F^|, max|-c(1-c) grad(phi*_j - phi*_i)/D|\n", fam->names[pair[0]], fam->names[pair[1]], (double)D));
  for (PetscInt k = 0; k < nlag; k++) {
    PetscCall(W2CurvatureLag(fam, g, div, th, q, pair[0], pair[1], D, lags[k], w, cl));
    PetscCall(VecDuplicate(w, &maps[k]));
    PetscCall(W2GradientMagnitude(g, w, maps[k])); /* the heat map |F^|(x) */
    curv[3 * k] = lags[k];
    PetscCall(W2GradientMaxNorm(g, w, &curv[3 * k + 1]));
    PetscCall(W2GradientMaxNorm(g, cl, &curv[3 * k + 2]));
    PetscCall(PetscPrintf(comm, "  %5.3f %11.4e %11.4e\n", (double)lags[k], (double)curv[3 * k + 1], (double)curv[3 * k + 2]));
  }
  /* Prop. 9.8: holonomy around squares and circles in the plane, by the connection (Euler) and by the grid discriminator */
  if (dstep == 0) PetscCall(W2DiscriminatorSafeStep(q, rho, &dstep));
  PetscCall(PetscMalloc1(2 * nsize * nM * nk * W2_HOL_COLS, &hol));
  PetscCall(PetscPrintf(comm, "holonomy in the plane (%s, %s), discriminator step %.4g: shape (0 square, 1 circle), size, area, M, max ds, k, max|res| by the connection (Euler), by the discriminator, by the per-cell lag model\n", fam->names[pair[0]], fam->names[pair[1]], (double)dstep));
  for (PetscInt sh = 0; sh < 2; sh++)
    for (PetscInt a = 0; a < nsize; a++)
      for (PetscInt m = 0; m < nM; m++) {
        W2Loop    loop = {(W2LoopShape)sh, pair[0], pair[1], Ms[m], sizes[a]};
        PetscReal rc;
        PetscCall(W2HolonomyConnection(fam, g, div, th, q, &loop, W2_TRANSPORT_EULER, u));
        PetscCall(VecNorm(u, NORM_INFINITY, &rc));
        for (PetscInt k = 0; k < nk; k++) {
          PetscReal *row = hol + W2_HOL_COLS * nhol++;
          PetscCall(W2HolonomyDiscriminator(fam, g, div, th, q, &loop, dstep, ks[k], w, cl));
          row[0] = sh;
          row[1] = sizes[a];
          row[2] = W2LoopArea(&loop);
          row[3] = Ms[m];
          row[4] = W2LoopMaxStep(&loop);
          row[5] = ks[k];
          row[6] = rc;
          PetscCall(VecNorm(w, NORM_INFINITY, &row[7]));
          PetscCall(VecNorm(cl, NORM_INFINITY, &row[8]));
          PetscCall(PetscPrintf(comm, "  %1.0f %7.4f %9.3e %5.0f %9.3e %4.0f %11.4e %11.4e %11.4e\n", (double)row[0], (double)row[1], (double)row[2], (double)row[3], (double)row[4], (double)row[5], (double)row[6], (double)row[7], (double)row[8]));
        }
      }
  PetscCall(PetscSNPrintf(h5, sizeof(h5), "%s.h5", output));
  PetscCall(PetscViewerHDF5Open(comm, h5, FILE_MODE_WRITE, &v));
  PetscCall(W2H5WriteTable(v, "theta", n, 1, th));
  PetscCall(W2H5WriteTable(v, "metric", n, n, G));
  PetscCall(W2H5WriteTable(v, "metric_eigenvalues", n, 1, eig));
  PetscCall(W2H5WriteTable(v, "connection", n, 2, conn));
  PetscCall(W2H5WriteTable(v, "curvature", nlag, 3, curv));
  PetscCall(W2H5WriteTable(v, "holonomy", nhol, W2_HOL_COLS, hol));
  /* |F^|(x) for each lag c as /curvature_map [c][Ny][Nx] (1-D: [c][Nx]); the XDMF "time" axis is c */
  PetscCall(PetscViewerHDF5PushTimestepping(v));
  for (PetscInt k = 0; k < nlag; k++) {
    PetscCall(PetscViewerHDF5SetTimestep(v, k));
    PetscCall(PetscObjectSetName((PetscObject)maps[k], "curvature_map"));
    PetscCall(VecView(maps[k], v));
  }
  PetscCall(PetscViewerHDF5PopTimestepping(v));
  PetscCall(PetscObjectSetName((PetscObject)rho, "rho"));
  PetscCall(VecView(rho, v));
  PetscCall(PetscObjectSetName((PetscObject)q, "q"));
  PetscCall(VecView(q, v));
  PetscCall(W2H5WriteString(v, "command", "geometry"));
  PetscCall(W2H5WriteString(v, "w2flow_version", W2FLOW_VERSION));
  PetscCall(W2H5WriteString(v, "family", fam->type));
  PetscCall(W2H5WriteString(v, "target", target->type));
  PetscCall(W2H5WriteString(v, "divergence", div->type));
  PetscCall(W2GridView(g, buf, sizeof(buf)));
  PetscCall(W2H5WriteString(v, "grid", buf));
  PetscCall(W2H5WriteString(v, "columns:connection", "max|A(e_i)|, max|A^(e_i) - A(e_i)|"));
  PetscCall(W2H5WriteString(v, "columns:curvature", "c, max|F^|, max|closed form|"));
  PetscCall(W2H5WriteString(v, "columns:holonomy", "shape (0 square, 1 circle), size, area, M, max ds, k, max|res connection Euler|, max|res discriminator|, max|res lag model|"));
  PetscCall(PetscViewerDestroy(&v));
  {
    const W2XdmfField field = {"curvature_norm", "/curvature_map", 1, 0};
    char              xmf[PETSC_MAX_PATH_LEN + 8];
    const char       *h5name = strrchr(h5, '/') ? strrchr(h5, '/') + 1 : h5;
    PetscMPIInt       rank;
    int               status = 0;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    PetscCall(PetscSNPrintf(xmf, sizeof(xmf), "%s.xmf", output));
    if (!rank) status = W2XdmfWriteFile(xmf, g, h5name, nlag, lags, 1, &field);
    PetscCallMPI(MPI_Bcast(&status, 1, MPI_INT, 0, comm));
    PetscCheck(!status, comm, PETSC_ERR_FILE_WRITE, "cannot write %s: %s", xmf, strerror(status));
    PetscCall(PetscPrintf(comm, "wrote %s and %s (|F^|(x) against the lag c, for ParaView)\n", h5, xmf));
  }
  PetscCall(W2OptionsCheckUnused(comm, PETSC_FALSE));

cleanup:
  PetscCall(PetscFree(hol));
  for (PetscInt k = 0; k < W2_MAX_LAGS; k++) PetscCall(VecDestroy(&maps[k]));
  for (PetscInt i = 0; i < W2_FAMILY_MAX_PARAMS; i++) PetscCall(VecDestroy(&d[i]));
  PetscCall(VecDestroy(&rho));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&a));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&cl));
  PetscCall(W2MetricDestroy(&metric));
  PetscCall(W2DivergenceDestroy(&div));
  PetscCall(W2FamilyDestroy(&fam));
  PetscCall(W2FamilyDestroy(&target));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}
