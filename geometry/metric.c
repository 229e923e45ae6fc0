/// @file The exact Otto pull-back metric (elliptic solves on the periodic DMDA), its 1-D closed form, and Gauss-Newton metrics.
#include "geometry/metric.h"
#include <petscblaslapack.h>

PetscErrorCode W2MetricCreate(const W2Grid *g, W2Metric **mm)
{
  W2Metric *m;
  PC        pc;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&m));
  m->grid = g;
  PetscCall(DMCreateMatrix(g->da, &m->A));
  PetscCall(MatSetOption(m->A, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatNullSpaceCreate(g->comm, PETSC_TRUE, 0, NULL, &m->nullsp));
  PetscCall(MatSetNullSpace(m->A, m->nullsp));
  PetscCall(MatDuplicate(m->A, MAT_DO_NOT_COPY_VALUES, &m->Apin));
  PetscCall(DMCreateGlobalVector(g->da, &m->b));
  PetscCall(VecDuplicate(m->b, &m->Aphi));
  PetscCall(KSPCreate(g->comm, &m->ksp));
  PetscCall(KSPSetOptionsPrefix(m->ksp, "metric_"));
  PetscCall(KSPSetType(m->ksp, KSPCG));
  PetscCall(KSPGetPC(m->ksp, &pc));
  /* BoomerAMG: 4-6 CG iterations where GAMG needs 30-80 on these weighted Laplacians (measured in test_metric) */
  PetscCall(PCSetType(pc, PCHYPRE));
  PetscCall(KSPSetTolerances(m->ksp, 1e-11, 1e-30, PETSC_DEFAULT, 2000));
  PetscCall(KSPSetFromOptions(m->ksp));
  *mm = m;
  PetscFunctionReturn(0);
}

PetscErrorCode W2MetricDestroy(W2Metric **m)
{
  PetscFunctionBeginUser;
  if (!*m) PetscFunctionReturn(0);
  PetscCall(MatDestroy(&(*m)->A));
  PetscCall(MatDestroy(&(*m)->Apin));
  PetscCall(KSPDestroy(&(*m)->ksp));
  PetscCall(MatNullSpaceDestroy(&(*m)->nullsp));
  PetscCall(VecDestroy(&(*m)->b));
  PetscCall(VecDestroy(&(*m)->Aphi));
  PetscCall(PetscFree(*m));
  PetscFunctionReturn(0);
}

/* (A Phi)_c = sum over the faces of c of rho_face (Phi_c - Phi_nb) / h^2, rho_face the mean of the two cells:
   the conservative discretisation of -div(rho grad Phi), symmetric, constants in its kernel */
static PetscErrorCode AssembleWeightedLaplacian(W2Metric *m, Vec rho)
{
  const W2Grid *g = m->grid;
  Vec           loc;
  W2Box         b;

  PetscFunctionBeginUser;
  PetscCall(DMGetLocalVector(g->da, &loc));
  PetscCall(DMGlobalToLocal(g->da, rho, INSERT_VALUES, loc));
  PetscCall(W2GridOwnedBox(g, &b));
  PetscCall(MatZeroEntries(m->A));
  if (g->dim == 1) {
    const PetscScalar *r;
    const PetscReal    ih2 = 1.0 / (g->h[0] * g->h[0]);
    PetscCall(DMDAVecGetArrayRead(g->da, loc, &r));
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) {
      MatStencil      row = {.i = i}, col[3] = {{.i = i - 1}, {.i = i}, {.i = i + 1}};
      const PetscReal cw = 0.5 * (r[i] + r[i - 1]) * ih2, ce = 0.5 * (r[i] + r[i + 1]) * ih2;
      PetscScalar     v[3] = {-cw, cw + ce, -ce};
      PetscCall(MatSetValuesStencil(m->A, 1, &row, 3, col, v, INSERT_VALUES));
    }
    PetscCall(DMDAVecRestoreArrayRead(g->da, loc, &r));
  } else {
    const PetscScalar **r;
    const PetscReal     ix2 = 1.0 / (g->h[0] * g->h[0]), iy2 = 1.0 / (g->h[1] * g->h[1]);
    PetscCall(DMDAVecGetArrayRead(g->da, loc, &r));
    for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
      for (PetscInt i = b.xs; i < b.xs + b.xm; i++) {
        MatStencil      row = {.i = i, .j = j}, col[5] = {{.i = i - 1, .j = j}, {.i = i + 1, .j = j}, {.i = i, .j = j - 1}, {.i = i, .j = j + 1}, {.i = i, .j = j}};
        const PetscReal cw = 0.5 * (r[j][i] + r[j][i - 1]) * ix2, ce = 0.5 * (r[j][i] + r[j][i + 1]) * ix2;
        const PetscReal cs = 0.5 * (r[j][i] + r[j - 1][i]) * iy2, cn = 0.5 * (r[j][i] + r[j + 1][i]) * iy2;
        PetscScalar     v[5] = {-cw, -ce, -cs, -cn, cw + ce + cs + cn};
        PetscCall(MatSetValuesStencil(m->A, 1, &row, 5, col, v, INSERT_VALUES));
      }
    PetscCall(DMDAVecRestoreArrayRead(g->da, loc, &r));
  }
  PetscCall(MatAssemblyBegin(m->A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(m->A, MAT_FINAL_ASSEMBLY));
  PetscCall(DMRestoreLocalVector(g->da, &loc));
  PetscFunctionReturn(0);
}

PetscErrorCode W2MetricOtto(W2Metric *m, Vec rho, PetscInt n, Vec drho[], Vec Phi[], PetscReal g[])
{
  Vec       phi[W2_FAMILY_MAX_PARAMS];
  PetscReal rmin, rmax;
  PetscInt  pin;

  PetscFunctionBeginUser;
  PetscCall(VecMin(rho, NULL, &rmin));
  PetscCall(VecMax(rho, &pin, &rmax));
  PetscCheck(rmin > 0, m->grid->comm, PETSC_ERR_ARG_OUTOFRANGE, "the Otto metric needs rho bounded below by a positive number; min rho = %g", (double)rmin);
  PetscCall(AssembleWeightedLaplacian(m, rho));
  /* the solver sees A with the row and column of the densest cell replaced by the identity: symmetric positive
     definite, no null space for the multigrid to trip on (measured: CG + AMG on the singular A stops with
     DIVERGED_INDEFINITE_PC once min rho / max rho < 1e-8). The dropped equation holds because sum b = 0. */
  PetscCall(MatCopy(m->A, m->Apin, SAME_NONZERO_PATTERN));
  PetscCall(MatZeroRowsColumns(m->Apin, 1, &pin, 1.0, NULL, NULL));
  PetscCall(KSPSetOperators(m->ksp, m->Apin, m->Apin));
  m->iterations = 0;
  for (PetscInt i = 0; i < n; i++) {
    KSPConvergedReason reason;
    PetscInt           its;
    if (Phi) phi[i] = Phi[i];
    else PetscCall(VecDuplicate(rho, &phi[i]));
    PetscCall(VecCopy(drho[i], m->b));
    PetscCall(MatNullSpaceRemove(m->nullsp, m->b)); /* the right side has zero mean up to round-off: make it exact */
    PetscCall(VecSetValue(m->b, pin, 0.0, INSERT_VALUES)); /* Phi = 0 at the pinned cell */
    PetscCall(VecAssemblyBegin(m->b));
    PetscCall(VecAssemblyEnd(m->b));
    PetscCall(VecSet(phi[i], 0.0));
    PetscCall(KSPSolve(m->ksp, m->b, phi[i]));
    PetscCall(KSPGetConvergedReason(m->ksp, &reason));
    PetscCall(KSPGetIterationNumber(m->ksp, &its));
    PetscCheck(reason > 0, m->grid->comm, PETSC_ERR_NOT_CONVERGED, "metric solve %" PetscInt_FMT " did not converge (%s after %" PetscInt_FMT " iterations); min rho / max rho = %.1e: below about 1e-12 the weighted Laplacian is too ill-conditioned", i, KSPConvergedReasons[reason], its, (double)(rmin / rmax));
    PetscCall(MatNullSpaceRemove(m->nullsp, phi[i]));
    m->iterations += its;
  }
  /* g_ij = (Phi_i . b_j + Phi_j . b_i - Phi_i . A Phi_j) dV, b = d rho: equal to Phi_i . A Phi_j dV (the discrete
     int rho grad Phi_i . grad Phi_j) at the exact solutions, but with an error quadratic, not linear, in the solver's
     error e (it is -e_i . A e_j): the CG iterates depend on the layout, and so would g at the -metric_ksp_rtol level.
     The sums are taken in natural order (W2GridOrderedDots): the same bits on every layout. */
  {
    const PetscInt npair = n * (n + 1) / 2;
    Vec           *Aphi, x[3 * W2_FAMILY_MAX_PARAMS * (W2_FAMILY_MAX_PARAMS + 1) / 2], y[3 * W2_FAMILY_MAX_PARAMS * (W2_FAMILY_MAX_PARAMS + 1) / 2];
    PetscReal      dots[3 * W2_FAMILY_MAX_PARAMS * (W2_FAMILY_MAX_PARAMS + 1) / 2];
    PetscInt       k = 0;
    PetscCall(VecDuplicateVecs(rho, n, &Aphi));
    for (PetscInt j = 0; j < n; j++) PetscCall(MatMult(m->A, phi[j], Aphi[j]));
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt i = 0; i <= j; i++, k++) {
        x[3 * k]     = phi[i];
        y[3 * k]     = drho[j];
        x[3 * k + 1] = phi[j];
        y[3 * k + 1] = drho[i];
        x[3 * k + 2] = phi[i];
        y[3 * k + 2] = Aphi[j];
      }
    PetscCall(W2GridOrderedDots(m->grid, 3 * npair, x, y, dots));
    k = 0;
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt i = 0; i <= j; i++, k++) g[i * n + j] = g[j * n + i] = (dots[3 * k] + dots[3 * k + 1] - dots[3 * k + 2]) * m->grid->dV;
    PetscCall(VecDestroyVecs(n, &Aphi));
  }
  if (!Phi)
    for (PetscInt i = 0; i < n; i++) PetscCall(VecDestroy(&phi[i]));
  PetscFunctionReturn(0);
}

PetscErrorCode W2MetricOtto1DClosedForm(W2Family fam, const W2Grid *grid, const PetscReal th[], PetscInt M, PetscReal g[])
{
  const PetscInt  n = fam->n;
  const PetscReal L = fam->L[0], h = L / M;
  PetscReal      *F, *r, d0[W2_FAMILY_MAX_PARAMS], dm[W2_FAMILY_MAX_PARAMS], d1[W2_FAMILY_MAX_PARAMS], c[W2_FAMILY_MAX_PARAMS] = {0}, inv = 0, r0, rm, r1;

  PetscFunctionBeginUser;
  PetscCheck(fam->dim == 1, fam->comm, PETSC_ERR_SUP, "the closed-form metric is 1-D only");
  PetscCall(W2FamilyPrepare(fam, grid, th));
  PetscCall(PetscMalloc2(M * n, &F, M, &r));
  /* F_i at the nodes x_k = k h by Simpson on each cell (fourth order) */
  fam->point(fam, th, 0.0, 0.0, &r0, d0);
  for (PetscInt i = 0; i < n; i++) F[i] = 0;
  r[0] = r0;
  for (PetscInt k = 0; k + 1 < M; k++) {
    fam->point(fam, th, (k + 0.5) * h, 0.0, &rm, dm);
    fam->point(fam, th, (k + 1) * h, 0.0, &r1, d1);
    for (PetscInt i = 0; i < n; i++) {
      F[(k + 1) * n + i] = F[k * n + i] + h / 6 * (d0[i] + 4 * dm[i] + d1[i]);
      d0[i]              = d1[i];
    }
    r[k + 1] = r1;
  }
  /* periodic integrands: the trapezoid rule on the nodes */
  for (PetscInt k = 0; k < M; k++) {
    inv += h / r[k];
    for (PetscInt i = 0; i < n; i++) c[i] += h * F[k * n + i] / r[k];
  }
  for (PetscInt i = 0; i < n; i++) c[i] /= inv;
  for (PetscInt i = 0; i < n * n; i++) g[i] = 0;
  for (PetscInt k = 0; k < M; k++)
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) g[i * n + j] += h * (F[k * n + i] - c[i]) * (F[k * n + j] - c[j]) / r[k];
  PetscCall(PetscFree2(F, r));
  PetscFunctionReturn(0);
}

static PetscReal Normal(PetscRandom rnd)
{
  PetscScalar u1, u2;
  PetscRandomGetValue(rnd, &u1);
  PetscRandomGetValue(rnd, &u2);
  return PetscSqrtReal(-2 * PetscLogReal(1 - PetscRealPart(u1))) * PetscCosReal(2 * PETSC_PI * PetscRealPart(u2));
}

PetscErrorCode W2MetricGaussNewton(W2Family fam, const PetscReal th[], PetscInt N, PetscRandom rnd, PetscReal g[])
{
  const PetscInt n = fam->n;
  PetscReal      z[2], x, J[W2_FAMILY_MAX_PARAMS];

  PetscFunctionBeginUser;
  PetscCheck(fam->generator, fam->comm, PETSC_ERR_SUP, "family %s has no generator: no Gauss-Newton metric", fam->type);
  for (PetscInt i = 0; i < n * n; i++) g[i] = 0;
  for (PetscInt s = 0; s < N; s++) {
    for (PetscInt a = 0; a < fam->latent; a++) z[a] = Normal(rnd);
    fam->generator(fam, th, z, &x, J);
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) g[i * n + j] += J[i] * J[j] / N;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2MetricGaussNewtonExact(W2Family fam, const PetscReal th[], PetscReal g[])
{
  const PetscInt  n = fam->n, Q = fam->latent == 1 ? 2401 : 401, Q2 = fam->latent == 1 ? 1 : Q;
  const PetscReal zmax = 12, dz = 2 * zmax / (Q - 1);
  PetscReal       z[2], x, J[W2_FAMILY_MAX_PARAMS];

  PetscFunctionBeginUser;
  PetscCheck(fam->generator && fam->latent <= 2, fam->comm, PETSC_ERR_SUP, "family %s: Gauss-Newton quadrature needs a generator with latent dimension 1 or 2", fam->type);
  for (PetscInt i = 0; i < n * n; i++) g[i] = 0;
  /* the trapezoid rule on [-12, 12]: spectrally accurate for Gaussian-weighted smooth integrands */
  for (PetscInt a = 0; a < Q; a++)
    for (PetscInt b = 0; b < Q2; b++) {
      PetscReal w;
      z[0] = -zmax + a * dz;
      z[1] = fam->latent == 2 ? -zmax + b * dz : 0;
      w    = dz * PetscExpReal(-0.5 * z[0] * z[0]) / PetscSqrtReal(2 * PETSC_PI);
      if (fam->latent == 2) w *= dz * PetscExpReal(-0.5 * z[1] * z[1]) / PetscSqrtReal(2 * PETSC_PI);
      fam->generator(fam, th, z, &x, J);
      for (PetscInt i = 0; i < n; i++)
        for (PetscInt j = 0; j < n; j++) g[i * n + j] += w * J[i] * J[j];
    }
  PetscFunctionReturn(0);
}

/* LAPACK dsyev, eigenvalues only; returned in ascending order */
PetscErrorCode W2SymEigenvalues(PetscInt n, const PetscReal A[], PetscReal eig[])
{
  PetscReal    a[W2_FAMILY_MAX_PARAMS * W2_FAMILY_MAX_PARAMS], work[8 * W2_FAMILY_MAX_PARAMS];
  PetscBLASInt bn, lwork = 8 * W2_FAMILY_MAX_PARAMS, info;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && n <= W2_FAMILY_MAX_PARAMS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "matrix size %" PetscInt_FMT " outside 1..%d", n, W2_FAMILY_MAX_PARAMS);
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCall(PetscArraycpy(a, A, n * n));
  PetscCallBLAS("LAPACKsyev", LAPACKsyev_("N", "L", &bn, a, &bn, eig, work, &lwork, &info));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK dsyev failed (info %d)", (int)info);
  PetscFunctionReturn(0);
}

/* (A + lambda I) x = b by LAPACK Cholesky (dpotrf + dpotrs); A symmetric, n small */
PetscErrorCode W2SymSolve(PetscInt n, const PetscReal A[], PetscReal lambda, const PetscReal b[], PetscReal x[])
{
  PetscReal    l[W2_FAMILY_MAX_PARAMS * W2_FAMILY_MAX_PARAMS];
  PetscBLASInt bn, one = 1, info;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && n <= W2_FAMILY_MAX_PARAMS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "matrix size %" PetscInt_FMT " outside 1..%d", n, W2_FAMILY_MAX_PARAMS);
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCall(PetscArraycpy(l, A, n * n));
  for (PetscInt i = 0; i < n; i++) l[i * n + i] += lambda;
  PetscCall(PetscArraycpy(x, b, n));
  PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("L", &bn, l, &bn, &info));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_MAT_CH_ZRPVT, "metric not positive definite (leading minor %d): add damping", (int)info);
  PetscCallBLAS("LAPACKpotrs", LAPACKpotrs_("L", &bn, &one, l, &bn, x, &bn, &info));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK dpotrs failed (info %d)", (int)info);
  PetscFunctionReturn(0);
}
