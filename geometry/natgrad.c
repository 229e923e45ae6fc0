/// @file Natural-gradient descent in parameter space (THEORY.md 7, Def. 13.1, Prop. 8.2): objective, metrics, dense solves, the iteration.
#include <petscmat.h>
#include "geometry/natgrad.h"

const char *const W2NatgradMethods[] = {"euclid", "otto", "gauss_newton", "inertial"};

PetscErrorCode W2NatgradCreate(const W2Grid *grid, W2Family fam, const W2Divergence *div, Vec q, W2Natgrad **ngo)
{
  W2Natgrad *ng;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&ng));
  ng->grid = grid;
  ng->fam  = fam;
  ng->div  = div;
  PetscCall(VecDuplicate(q, &ng->q));
  PetscCall(VecCopy(q, ng->q));
  PetscCall(VecDuplicate(q, &ng->rho));
  PetscCall(VecDuplicate(q, &ng->phi));
  for (PetscInt i = 0; i < fam->n; i++) PetscCall(VecDuplicate(q, &ng->drho[i]));
  PetscCall(W2MetricCreate(grid, &ng->metric));
  ng->eta    = 0.02;
  ng->beta   = 0.5;
  ng->tol    = 1e-10;
  ng->max_it = 500;
  *ngo       = ng;
  PetscFunctionReturn(0);
}

PetscErrorCode W2NatgradDestroy(W2Natgrad **ng)
{
  PetscFunctionBeginUser;
  if (!*ng) PetscFunctionReturn(0);
  PetscCall(VecDestroy(&(*ng)->q));
  PetscCall(VecDestroy(&(*ng)->rho));
  PetscCall(VecDestroy(&(*ng)->phi));
  for (PetscInt i = 0; i < W2_FAMILY_MAX_PARAMS; i++) PetscCall(VecDestroy(&(*ng)->drho[i]));
  PetscCall(W2MetricDestroy(&(*ng)->metric));
  PetscCall(PetscFree(*ng));
  PetscFunctionReturn(0);
}

PetscErrorCode W2NatgradObjective(W2Natgrad *ng, const PetscReal theta[], PetscReal *J, PetscReal grad[])
{
  const PetscInt     n = ng->fam->n;
  const PetscScalar *r, *qa;
  PetscScalar       *p, *e;
  PetscInt           m;
  PetscReal          acc[W2_FAMILY_MAX_PARAMS + 1];
  Vec                terms, x[W2_FAMILY_MAX_PARAMS + 1], y[W2_FAMILY_MAX_PARAMS + 1];

  PetscFunctionBeginUser;
  PetscCall(W2FamilyEvaluate(ng->fam, ng->grid, theta, ng->rho, grad ? ng->drho : NULL));
  PetscCall(DMGetGlobalVector(ng->grid->da, &terms));
  PetscCall(VecGetLocalSize(ng->rho, &m));
  PetscCall(VecGetArrayRead(ng->rho, &r));
  PetscCall(VecGetArrayRead(ng->q, &qa));
  PetscCall(VecGetArray(ng->phi, &p));
  PetscCall(VecGetArray(terms, &e));
  for (PetscInt k = 0; k < m; k++) {
    const PetscReal t = r[k] / qa[k];
    PetscCheck(t > 0 || !ng->div->needs_positive, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "rho_theta / q = %g at cell %" PetscInt_FMT ": f = %s needs it positive", (double)t, k, ng->div->type);
    e[k] = qa[k] * ng->div->f(ng->div, t) * ng->grid->dV;
    p[k] = ng->div->df(ng->div, t);
  }
  PetscCall(VecRestoreArray(terms, &e));
  PetscCall(VecRestoreArray(ng->phi, &p));
  PetscCall(VecRestoreArrayRead(ng->q, &qa));
  PetscCall(VecRestoreArrayRead(ng->rho, &r));
  /* J and d_i J = int f'(rho/q) d_i rho (the potential is phi = f'(rho/q)), summed in natural order: near the
     minimum J and the step are differences of round-off size, which a layout-dependent sum order would change */
  x[0] = terms;
  y[0] = NULL;
  for (PetscInt i = 0; grad && i < n; i++) {
    x[i + 1] = ng->phi;
    y[i + 1] = ng->drho[i];
  }
  PetscCall(W2GridOrderedDots(ng->grid, grad ? n + 1 : 1, x, y, acc));
  PetscCall(DMRestoreGlobalVector(ng->grid->da, &terms));
  for (PetscInt i = 0; grad && i < n; i++) grad[i] = acc[i + 1] * ng->grid->dV;
  *J = acc[0];
  PetscFunctionReturn(0);
}

PetscErrorCode W2NatgradMetric(W2Natgrad *ng, W2NatgradMethod method, const PetscReal theta[], PetscReal G[])
{
  const PetscInt n = ng->fam->n;

  PetscFunctionBeginUser;
  switch (method) {
  case W2_NATGRAD_EUCLID:
    PetscCall(PetscArrayzero(G, n * n));
    for (PetscInt i = 0; i < n; i++) G[i * n + i] = 1;
    break;
  case W2_NATGRAD_OTTO:
  case W2_NATGRAD_INERTIAL:
    PetscCall(W2FamilyEvaluate(ng->fam, ng->grid, theta, ng->rho, ng->drho));
    PetscCall(W2MetricOtto(ng->metric, ng->rho, n, ng->drho, NULL, G));
    break;
  case W2_NATGRAD_GAUSS_NEWTON:
    PetscCheck(ng->fam->generator, ng->grid->comm, PETSC_ERR_SUP, "family %s has no generator: no Gauss-Newton metric", ng->fam->type);
    PetscCall(W2MetricGaussNewtonExact(ng->fam, theta, G));
    break;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2NatgradSolve(PetscInt n, const PetscReal G[], PetscReal lambda, const PetscReal b[], W2NatgradSolver solver, PetscReal x[])
{
  PetscReal a[W2_FAMILY_MAX_PARAMS * W2_FAMILY_MAX_PARAMS];

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < n * n; k++) a[k] = G[k] + (k % (n + 1) == 0 ? lambda : 0);
  if (solver == W2_NATGRAD_CHOLESKY) {
    /* LAPACK potrf/potrs through PETSc's dense matrix (liblapack is not on our link line; libpetsc carries it) */
    Mat       A;
    Vec       vb, vx;
    PetscBool ok;
    PetscCall(MatCreateSeqDense(PETSC_COMM_SELF, n, n, a, &A)); /* column-major = row-major for symmetric a */
    PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, b, &vb));
    PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, x, &vx));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ok = (PetscBool)(MatCholeskyFactor(A, NULL, NULL) == 0);
    PetscCall(PetscPopErrorHandler());
    PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_MAT_CH_ZRPVT, "natural-gradient metric not positive definite (Cholesky failed): add -natgrad_damping");
    PetscCall(MatSolve(A, vb, vx));
    PetscCall(VecDestroy(&vb));
    PetscCall(VecDestroy(&vx));
    PetscCall(MatDestroy(&A));
  } else {
    PetscReal r[W2_FAMILY_MAX_PARAMS], p[W2_FAMILY_MAX_PARAMS], ap[W2_FAMILY_MAX_PARAMS], rr = 0, bb = 0;
    PetscInt  it;
    for (PetscInt i = 0; i < n; i++) {
      x[i] = 0;
      r[i] = p[i] = b[i];
      rr += r[i] * r[i];
    }
    bb = rr;
    for (it = 0; it < 10 * n && rr > 1e-28 * bb && rr > 0; it++) { /* exact in n steps in exact arithmetic */
      PetscReal pap = 0, al, rn = 0;
      for (PetscInt i = 0; i < n; i++) {
        ap[i] = 0;
        for (PetscInt j = 0; j < n; j++) ap[i] += a[i * n + j] * p[j];
        pap += p[i] * ap[i];
      }
      PetscCheck(pap > 0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "natural-gradient CG: p^T G p = %g <= 0 (metric not positive definite): add -natgrad_damping", (double)pap);
      al = rr / pap;
      for (PetscInt i = 0; i < n; i++) {
        x[i] += al * p[i];
        r[i] -= al * ap[i];
        rn += r[i] * r[i];
      }
      for (PetscInt i = 0; i < n; i++) p[i] = r[i] + rn / rr * p[i];
      rr = rn;
    }
    PetscCheck(rr <= 1e-28 * bb, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "natural-gradient CG: residual %g after %" PetscInt_FMT " iterations", (double)PetscSqrtReal(rr / bb), it);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2NatgradRun(W2Natgrad *ng, W2NatgradMethod method, PetscReal theta[], PetscInt *its, PetscReal Jhist[], PetscReal path[])
{
  const PetscInt  n    = ng->fam->n;
  const PetscReal beta = method == W2_NATGRAD_INERTIAL ? ng->beta : 0, lam = method == W2_NATGRAD_EUCLID ? 0 : ng->damping;
  PetscReal       prev[W2_FAMILY_MAX_PARAMS], grad[W2_FAMILY_MAX_PARAMS], dir[W2_FAMILY_MAX_PARAMS], G[W2_FAMILY_MAX_PARAMS * W2_FAMILY_MAX_PARAMS], J;
  PetscInt        k;

  PetscFunctionBeginUser;
  PetscCall(PetscArraycpy(prev, theta, n));
  for (k = 0;; k++) {
    PetscCall(W2NatgradObjective(ng, theta, &J, grad));
    PetscCheck(!PetscIsInfOrNanReal(J), ng->grid->comm, PETSC_ERR_NOT_CONVERGED, "%s descent diverged at step %" PetscInt_FMT ": reduce the step", W2NatgradMethods[method], k);
    if (Jhist) Jhist[k] = J;
    if (path) PetscCall(PetscArraycpy(path + n * k, theta, n));
    if (J < ng->tol || k == ng->max_it) break;
    PetscCall(W2NatgradMetric(ng, method, theta, G));
    PetscCall(W2NatgradSolve(n, G, lam, grad, ng->solver, dir));
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal t = theta[i];
      theta[i] += beta * (theta[i] - prev[i]) - ng->eta * dir[i];
      prev[i] = t;
    }
  }
  *its = k;
  PetscFunctionReturn(0);
}
