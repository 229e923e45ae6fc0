/// @file Exact and finite-difference connections, Alg. 1 curvature with a lagging discriminator (THEORY.md section 6).
#include "geometry/connection.h"

PetscErrorCode W2Potential(W2Family fam, const W2Grid *g, const W2Divergence *div, const PetscReal theta[], Vec q, Vec phi)
{
  PetscScalar       *p;
  const PetscScalar *qa;
  PetscInt           n;

  PetscFunctionBeginUser;
  PetscCall(W2FamilyEvaluate(fam, g, theta, phi, NULL));
  PetscCall(VecGetLocalSize(phi, &n));
  PetscCall(VecGetArray(phi, &p));
  PetscCall(VecGetArrayRead(q, &qa));
  for (PetscInt k = 0; k < n; k++) p[k] = div->df(div, p[k] / qa[k]);
  PetscCall(VecRestoreArrayRead(q, &qa));
  PetscCall(VecRestoreArray(phi, &p));
  PetscFunctionReturn(0);
}

PetscErrorCode W2ConnectionExactPotential(W2Family fam, const W2Grid *g, const W2Divergence *div, const PetscReal theta[], Vec q, PetscInt i, Vec u)
{
  Vec                rho, d[W2_FAMILY_MAX_PARAMS];
  PetscScalar       *ua;
  const PetscScalar *ra, *da, *qa;
  PetscInt           n;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(u, &rho));
  for (PetscInt k = 0; k < fam->n; k++) PetscCall(VecDuplicate(u, &d[k]));
  PetscCall(W2FamilyEvaluate(fam, g, theta, rho, d));
  PetscCall(VecGetLocalSize(u, &n));
  PetscCall(VecGetArray(u, &ua));
  PetscCall(VecGetArrayRead(rho, &ra));
  PetscCall(VecGetArrayRead(d[i], &da));
  PetscCall(VecGetArrayRead(q, &qa));
  for (PetscInt k = 0; k < n; k++) ua[k] = div->d2f(div, ra[k] / qa[k]) * da[k] / qa[k];
  PetscCall(VecRestoreArrayRead(q, &qa));
  PetscCall(VecRestoreArrayRead(d[i], &da));
  PetscCall(VecRestoreArrayRead(rho, &ra));
  PetscCall(VecRestoreArray(u, &ua));
  for (PetscInt k = 0; k < fam->n; k++) PetscCall(VecDestroy(&d[k]));
  PetscCall(VecDestroy(&rho));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GradientMagnitude(const W2Grid *g, Vec u, Vec out)
{
  Vec          loc;
  W2Box        b;
  PetscScalar *o;

  PetscFunctionBeginUser;
  PetscCall(DMGetLocalVector(g->da, &loc));
  PetscCall(DMGlobalToLocal(g->da, u, INSERT_VALUES, loc));
  PetscCall(W2GridOwnedBox(g, &b));
  PetscCall(VecGetArray(out, &o));
  if (g->dim == 1) {
    const PetscScalar *a;
    PetscCall(DMDAVecGetArrayRead(g->da, loc, &a));
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) o[i - b.xs] = PetscAbsReal(a[i + 1] - a[i - 1]) / (2 * g->h[0]);
    PetscCall(DMDAVecRestoreArrayRead(g->da, loc, &a));
  } else {
    const PetscScalar **a;
    PetscCall(DMDAVecGetArrayRead(g->da, loc, &a));
    for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
      for (PetscInt i = b.xs; i < b.xs + b.xm; i++)
        o[(j - b.ys) * b.xm + (i - b.xs)] = PetscMax(PetscAbsReal(a[j][i + 1] - a[j][i - 1]) / (2 * g->h[0]), PetscAbsReal(a[j + 1][i] - a[j - 1][i]) / (2 * g->h[1]));
    PetscCall(DMDAVecRestoreArrayRead(g->da, loc, &a));
  }
  PetscCall(VecRestoreArray(out, &o));
  PetscCall(DMRestoreLocalVector(g->da, &loc));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GradientMaxNorm(const W2Grid *g, Vec u, PetscReal *norm)
{
  Vec m;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(u, &m));
  PetscCall(W2GradientMagnitude(g, u, m));
  PetscCall(VecMax(m, NULL, norm));
  PetscCall(VecDestroy(&m));
  PetscFunctionReturn(0);
}

/* one move of the lagging discriminator: hat <- star + c (hat - star) */
static PetscErrorCode LagMove(Vec hat, Vec star, PetscReal c)
{
  PetscFunctionBeginUser;
  PetscCall(VecAXPBY(hat, 1.0 - c, c, star));
  PetscFunctionReturn(0);
}

PetscErrorCode W2CurvatureLag(W2Family fam, const W2Grid *g, const W2Divergence *div, const PetscReal theta[], Vec q, PetscInt i, PetscInt j, PetscReal D, PetscReal c, Vec w, Vec closed)
{
  PetscReal th[W2_FAMILY_MAX_PARAMS];
  Vec       s0, si, sj, sij, hi, hj, hij, hji, A;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(w, &s0));
  PetscCall(VecDuplicate(w, &si));
  PetscCall(VecDuplicate(w, &sj));
  PetscCall(VecDuplicate(w, &sij));
  PetscCall(VecDuplicate(w, &hi));
  PetscCall(VecDuplicate(w, &hj));
  PetscCall(VecDuplicate(w, &hij));
  PetscCall(VecDuplicate(w, &hji));
  PetscCall(VecDuplicate(w, &A));
  /* the optimal potentials at the four corners; theta_i + D and theta_j + D are the same numbers on either path */
  PetscCall(PetscArraycpy(th, theta, fam->n));
  PetscCall(W2Potential(fam, g, div, th, q, s0));
  th[i] = theta[i] + D;
  PetscCall(W2Potential(fam, g, div, th, q, si));
  th[j] = theta[j] + D;
  PetscCall(W2Potential(fam, g, div, th, q, sij));
  th[i] = theta[i];
  PetscCall(W2Potential(fam, g, div, th, q, sj));
  /* carried values: path i then j, and path j then i, both from the trained phi^ = phi*(theta) */
  PetscCall(VecCopy(s0, hi));
  PetscCall(LagMove(hi, si, c));
  PetscCall(VecCopy(hi, hij));
  PetscCall(LagMove(hij, sij, c));
  PetscCall(VecCopy(s0, hj));
  PetscCall(LagMove(hj, sj, c));
  PetscCall(VecCopy(hj, hji));
  PetscCall(LagMove(hji, sij, c));
  /* Alg. 1: F^ = A^_{theta+De_i}(e_j) - A^_theta(e_j) - A^_{theta+De_j}(e_i) + A^_theta(e_i), each A^ a difference quotient along its move */
  PetscCall(VecWAXPY(w, -1.0, hi, hij)); /* A^_{theta+De_i}(e_j) D */
  PetscCall(VecWAXPY(A, -1.0, s0, hj));  /* A^_theta(e_j) D */
  PetscCall(VecAXPY(w, -1.0, A));
  PetscCall(VecWAXPY(A, -1.0, hj, hji)); /* A^_{theta+De_j}(e_i) D */
  PetscCall(VecAXPY(w, -1.0, A));
  PetscCall(VecWAXPY(A, -1.0, s0, hi)); /* A^_theta(e_i) D */
  PetscCall(VecAXPY(w, 1.0, A));
  PetscCall(VecScale(w, 1.0 / D));
  if (closed) {
    PetscCall(VecWAXPY(closed, -1.0, si, sj));
    PetscCall(VecScale(closed, -c * (1 - c) / D));
  }
  PetscCall(VecDestroy(&s0));
  PetscCall(VecDestroy(&si));
  PetscCall(VecDestroy(&sj));
  PetscCall(VecDestroy(&sij));
  PetscCall(VecDestroy(&hi));
  PetscCall(VecDestroy(&hj));
  PetscCall(VecDestroy(&hij));
  PetscCall(VecDestroy(&hji));
  PetscCall(VecDestroy(&A));
  PetscFunctionReturn(0);
}
