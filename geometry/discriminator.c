/// @file The grid discriminator: logit per cell, gradient descent on the GAN discriminator loss, potential f'(exp(-l)).
#include <math.h>
#include "geometry/discriminator.h"

static inline PetscReal Sigmoid(PetscReal l) { return l >= 0 ? 1.0 / (1.0 + PetscExpReal(-l)) : PetscExpReal(l) / (1.0 + PetscExpReal(l)); }
/* log(sigmoid(l)) without overflow */
static inline PetscReal LogSigmoid(PetscReal l) { return l >= 0 ? -log1p(PetscExpReal(-l)) : l - log1p(PetscExpReal(l)); }

PetscErrorCode W2DiscriminatorCreate(const W2Grid *g, const W2Divergence *div, Vec q, PetscReal step, W2Discriminator **d)
{
  PetscFunctionBeginUser;
  PetscCheck(step > 0, g->comm, PETSC_ERR_ARG_OUTOFRANGE, "discriminator step size must be positive, got %g", (double)step);
  PetscCall(PetscNew(d));
  (*d)->grid = g;
  (*d)->div  = div;
  (*d)->q    = q;
  (*d)->step = step;
  PetscCall(VecDuplicate(q, &(*d)->l));
  PetscCall(VecDuplicate(q, &(*d)->work));
  PetscCall(VecSet((*d)->l, 0.0));
  PetscFunctionReturn(0);
}

PetscErrorCode W2DiscriminatorDestroy(W2Discriminator **d)
{
  PetscFunctionBeginUser;
  if (!*d) PetscFunctionReturn(0);
  PetscCall(VecDestroy(&(*d)->l));
  PetscCall(VecDestroy(&(*d)->work));
  PetscCall(PetscFree(*d));
  PetscFunctionReturn(0);
}

PetscErrorCode W2DiscriminatorSafeStep(Vec q, Vec rho, PetscReal *step)
{
  Vec       s;
  PetscReal mx;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(q, &s));
  PetscCall(VecWAXPY(s, 1.0, q, rho));
  PetscCall(VecMax(s, NULL, &mx));
  PetscCall(VecDestroy(&s));
  *step = 4.0 / mx;
  PetscFunctionReturn(0);
}

PetscErrorCode W2DiscriminatorSetOptimal(W2Discriminator *d, Vec rho)
{
  PetscScalar       *l;
  const PetscScalar *q, *r;
  PetscInt           n;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(d->l, &n));
  PetscCall(VecGetArray(d->l, &l));
  PetscCall(VecGetArrayRead(d->q, &q));
  PetscCall(VecGetArrayRead(rho, &r));
  for (PetscInt k = 0; k < n; k++) {
    PetscCheck(r[k] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "optimal discriminator needs rho > 0, got %g", (double)r[k]);
    l[k] = PetscLogReal(q[k] / r[k]);
  }
  PetscCall(VecRestoreArrayRead(rho, &r));
  PetscCall(VecRestoreArrayRead(d->q, &q));
  PetscCall(VecRestoreArray(d->l, &l));
  PetscFunctionReturn(0);
}

PetscErrorCode W2DiscriminatorTrain(W2Discriminator *d, Vec rho, PetscInt k, PetscReal *gnorm)
{
  PetscScalar       *l;
  const PetscScalar *q, *r;
  PetscInt           n;
  PetscReal          gm = 0;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(d->l, &n));
  PetscCall(VecGetArray(d->l, &l));
  PetscCall(VecGetArrayRead(d->q, &q));
  PetscCall(VecGetArrayRead(rho, &r));
  /* the loss is pointwise: each cell runs its own k steps, no communication */
  for (PetscInt c = 0; c < n; c++) {
    for (PetscInt it = 0; it < k; it++) l[c] -= d->step * (r[c] * Sigmoid(l[c]) - q[c] * Sigmoid(-l[c]));
    gm = PetscMax(gm, PetscAbsReal(r[c] * Sigmoid(l[c]) - q[c] * Sigmoid(-l[c])));
  }
  PetscCall(VecRestoreArrayRead(rho, &r));
  PetscCall(VecRestoreArrayRead(d->q, &q));
  PetscCall(VecRestoreArray(d->l, &l));
  if (gnorm) {
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &gm, 1, MPIU_REAL, MPIU_MAX, d->grid->comm));
    *gnorm = gm;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2DiscriminatorLoss(W2Discriminator *d, Vec rho, PetscReal *loss)
{
  const PetscScalar *l, *q, *r;
  PetscInt           n;
  PetscReal          s = 0;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(d->l, &n));
  PetscCall(VecGetArrayRead(d->l, &l));
  PetscCall(VecGetArrayRead(d->q, &q));
  PetscCall(VecGetArrayRead(rho, &r));
  for (PetscInt c = 0; c < n; c++) s -= q[c] * LogSigmoid(l[c]) + r[c] * LogSigmoid(-l[c]);
  PetscCall(VecRestoreArrayRead(rho, &r));
  PetscCall(VecRestoreArrayRead(d->q, &q));
  PetscCall(VecRestoreArrayRead(d->l, &l));
  s *= d->grid->dV;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &s, 1, MPIU_REAL, MPIU_SUM, d->grid->comm));
  *loss = s;
  PetscFunctionReturn(0);
}

PetscErrorCode W2DiscriminatorPotential(W2Discriminator *d, Vec phi)
{
  PetscScalar       *p;
  const PetscScalar *l;
  PetscInt           n;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(phi, &n));
  PetscCall(VecGetArray(phi, &p));
  PetscCall(VecGetArrayRead(d->l, &l));
  for (PetscInt c = 0; c < n; c++) p[c] = d->div->df(d->div, PetscExpReal(-l[c]));
  PetscCall(VecRestoreArrayRead(d->l, &l));
  PetscCall(VecRestoreArray(phi, &p));
  PetscFunctionReturn(0);
}

PetscErrorCode W2DiscriminatorErrorEstimate(W2Discriminator *d, Vec rho, Vec est)
{
  PetscScalar       *e;
  const PetscScalar *l, *q, *r;
  PetscInt           n;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(est, &n));
  PetscCall(VecGetArray(est, &e));
  PetscCall(VecGetArrayRead(d->l, &l));
  PetscCall(VecGetArrayRead(d->q, &q));
  PetscCall(VecGetArrayRead(rho, &r));
  for (PetscInt c = 0; c < n; c++) {
    const PetscReal t = PetscExpReal(-l[c]), D = Sigmoid(l[c]);
    const PetscReal g = r[c] * D - q[c] * (1 - D), h = (q[c] + r[c]) * D * (1 - D);
    e[c] = PetscAbsReal(d->div->d2f(d->div, t) * t * g / h); /* |d f'(e^-l)/dl| |l - l*|, the Newton estimate l - l* ~ g/h */
  }
  PetscCall(VecRestoreArrayRead(rho, &r));
  PetscCall(VecRestoreArrayRead(d->q, &q));
  PetscCall(VecRestoreArrayRead(d->l, &l));
  PetscCall(VecRestoreArray(est, &e));
  PetscFunctionReturn(0);
}

PetscErrorCode W2DiscriminatorContraction(W2Discriminator *d, Vec rho, PetscInt k, Vec cv)
{
  PetscScalar       *c;
  const PetscScalar *q, *r;
  PetscInt           n;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(cv, &n));
  PetscCall(VecGetArray(cv, &c));
  PetscCall(VecGetArrayRead(d->q, &q));
  PetscCall(VecGetArrayRead(rho, &r));
  for (PetscInt m = 0; m < n; m++) c[m] = PetscPowRealInt(1.0 - d->step * q[m] * r[m] / (q[m] + r[m]), k);
  PetscCall(VecRestoreArrayRead(rho, &r));
  PetscCall(VecRestoreArrayRead(d->q, &q));
  PetscCall(VecRestoreArray(cv, &c));
  PetscFunctionReturn(0);
}

PetscErrorCode W2CurvatureDiscriminator(W2Family fam, const W2Grid *g, const W2Divergence *div, const PetscReal theta[], Vec q, PetscInt i, PetscInt j, PetscReal D, PetscReal step, PetscInt k, Vec w, Vec closed)
{
  PetscReal        th[W2_FAMILY_MAX_PARAMS];
  Vec              r0, ri, rj, rij, s0, hi, hj, hij, hji, A;
  W2Discriminator *d;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(w, &r0));
  PetscCall(VecDuplicate(w, &ri));
  PetscCall(VecDuplicate(w, &rj));
  PetscCall(VecDuplicate(w, &rij));
  PetscCall(VecDuplicate(w, &s0));
  PetscCall(VecDuplicate(w, &hi));
  PetscCall(VecDuplicate(w, &hj));
  PetscCall(VecDuplicate(w, &hij));
  PetscCall(VecDuplicate(w, &hji));
  PetscCall(VecDuplicate(w, &A));
  PetscCall(PetscArraycpy(th, theta, fam->n));
  PetscCall(W2FamilyEvaluate(fam, g, th, r0, NULL));
  th[i] = theta[i] + D;
  PetscCall(W2FamilyEvaluate(fam, g, th, ri, NULL));
  th[j] = theta[j] + D;
  PetscCall(W2FamilyEvaluate(fam, g, th, rij, NULL));
  th[i] = theta[i];
  PetscCall(W2FamilyEvaluate(fam, g, th, rj, NULL));
  PetscCall(W2DiscriminatorCreate(g, div, q, step, &d));
  /* path i then j */
  PetscCall(W2DiscriminatorSetOptimal(d, r0));
  PetscCall(W2DiscriminatorPotential(d, s0));
  PetscCall(W2DiscriminatorTrain(d, ri, k, NULL));
  PetscCall(W2DiscriminatorPotential(d, hi));
  PetscCall(W2DiscriminatorTrain(d, rij, k, NULL));
  PetscCall(W2DiscriminatorPotential(d, hij));
  /* path j then i */
  PetscCall(W2DiscriminatorSetOptimal(d, r0));
  PetscCall(W2DiscriminatorTrain(d, rj, k, NULL));
  PetscCall(W2DiscriminatorPotential(d, hj));
  PetscCall(W2DiscriminatorTrain(d, rij, k, NULL));
  PetscCall(W2DiscriminatorPotential(d, hji));
  /* Alg. 1, each A^ a difference quotient along its move (as in W2CurvatureLag) */
  PetscCall(VecWAXPY(w, -1.0, hi, hij));
  PetscCall(VecWAXPY(A, -1.0, s0, hj));
  PetscCall(VecAXPY(w, -1.0, A));
  PetscCall(VecWAXPY(A, -1.0, hj, hji));
  PetscCall(VecAXPY(w, -1.0, A));
  PetscCall(VecWAXPY(A, -1.0, s0, hi));
  PetscCall(VecAXPY(w, 1.0, A));
  PetscCall(VecScale(w, 1.0 / D));
  if (closed) {
    /* -c(1-c)(phi*_j - phi*_i)/D with c(x) per cell at theta */
    PetscCall(W2Potential(fam, g, div, th, q, closed)); /* th = theta + D e_j */
    th[j] = theta[j];
    th[i] = theta[i] + D;
    PetscCall(W2Potential(fam, g, div, th, q, A));
    PetscCall(VecAXPY(closed, -1.0, A));
    PetscCall(W2DiscriminatorContraction(d, r0, k, A));
    PetscCall(VecPointwiseMult(closed, closed, A));
    PetscCall(VecShift(A, -1.0));
    PetscCall(VecPointwiseMult(closed, closed, A)); /* times c(c - 1) = -c(1 - c) */
    PetscCall(VecScale(closed, 1.0 / D));
  }
  PetscCall(W2DiscriminatorDestroy(&d));
  PetscCall(VecDestroy(&r0));
  PetscCall(VecDestroy(&ri));
  PetscCall(VecDestroy(&rj));
  PetscCall(VecDestroy(&rij));
  PetscCall(VecDestroy(&s0));
  PetscCall(VecDestroy(&hi));
  PetscCall(VecDestroy(&hj));
  PetscCall(VecDestroy(&hij));
  PetscCall(VecDestroy(&hji));
  PetscCall(VecDestroy(&A));
  PetscFunctionReturn(0);
}
