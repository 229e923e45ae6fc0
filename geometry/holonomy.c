/// @file Closed loops in theta and the fibre value carried around them (Prop. 9.8).
#include "geometry/holonomy.h"

PetscErrorCode W2LoopVertex(const W2Loop *loop, PetscInt n, const PetscReal theta0[], PetscInt m, PetscReal th[])
{
  PetscReal di = 0, dj = 0;

  PetscFunctionBeginUser;
  PetscCheck(loop->M >= 4 && (loop->shape != W2_LOOP_RECTANGLE || loop->M % 4 == 0), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "loop needs M >= 4 (a multiple of 4 for a square), got %" PetscInt_FMT, loop->M);
  m = m % loop->M;
  if (loop->shape == W2_LOOP_RECTANGLE) {
    const PetscInt  side = m / (loop->M / 4), r = m % (loop->M / 4);
    const PetscReal t = (PetscReal)r / (PetscReal)(loop->M / 4), ci[5] = {0, 1, 1, 0, 0}, cj[5] = {0, 0, 1, 1, 0};
    di = loop->size * (ci[side] + t * (ci[side + 1] - ci[side]));
    dj = loop->size * (cj[side] + t * (cj[side + 1] - cj[side]));
  } else if (m) {
    const PetscReal a = 2 * PETSC_PI * m / loop->M;
    di = loop->size * (PetscCosReal(a) - 1);
    dj = loop->size * PetscSinReal(a);
  }
  PetscCall(PetscArraycpy(th, theta0, n));
  th[loop->i] += di;
  th[loop->j] += dj;
  PetscFunctionReturn(0);
}

PetscReal W2LoopArea(const W2Loop *loop) { return loop->shape == W2_LOOP_RECTANGLE ? loop->size * loop->size : PETSC_PI * loop->size * loop->size; }

PetscReal W2LoopMaxStep(const W2Loop *loop) { return loop->shape == W2_LOOP_RECTANGLE ? 4 * loop->size / loop->M : 2 * loop->size * PetscSinReal(PETSC_PI / loop->M); }

/* u = sum over the plane of u_p(theta) dtheta_p */
static PetscErrorCode ConnectionIncrement(W2Family fam, const W2Grid *g, const W2Divergence *div, const PetscReal th[], Vec q, const W2Loop *loop, const PetscReal dth[2], Vec u, Vec work)
{
  PetscFunctionBeginUser;
  PetscCall(W2ConnectionExactPotential(fam, g, div, th, q, loop->i, u));
  PetscCall(VecScale(u, dth[0]));
  PetscCall(W2ConnectionExactPotential(fam, g, div, th, q, loop->j, work));
  PetscCall(VecAXPY(u, dth[1], work));
  PetscFunctionReturn(0);
}

PetscErrorCode W2HolonomyConnection(W2Family fam, const W2Grid *g, const W2Divergence *div, const PetscReal theta0[], Vec q, const W2Loop *loop, W2Transport t, Vec res)
{
  PetscReal a[W2_FAMILY_MAX_PARAMS], b[W2_FAMILY_MAX_PARAMS];
  Vec       start, s0, s1, u, work;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(res, &start));
  PetscCall(VecDuplicate(res, &s0));
  PetscCall(VecDuplicate(res, &s1));
  PetscCall(VecDuplicate(res, &u));
  PetscCall(VecDuplicate(res, &work));
  PetscCall(W2Potential(fam, g, div, theta0, q, start));
  PetscCall(VecCopy(start, res)); /* the carried phi^ */
  PetscCall(VecCopy(start, s0));
  for (PetscInt m = 0; m < loop->M; m++) {
    PetscReal d[2];
    PetscCall(W2LoopVertex(loop, fam->n, theta0, m, a));
    PetscCall(W2LoopVertex(loop, fam->n, theta0, m + 1, b));
    d[0] = b[loop->i] - a[loop->i];
    d[1] = b[loop->j] - a[loop->j];
    switch (t) {
    case W2_TRANSPORT_INCREMENT:
      PetscCall(W2Potential(fam, g, div, b, q, s1));
      PetscCall(VecAXPY(res, 1.0, s1));
      PetscCall(VecAXPY(res, -1.0, s0));
      PetscCall(VecCopy(s1, s0));
      break;
    case W2_TRANSPORT_EULER:
      PetscCall(ConnectionIncrement(fam, g, div, a, q, loop, d, u, work));
      PetscCall(VecAXPY(res, 1.0, u));
      break;
    case W2_TRANSPORT_TRAPEZOID:
      PetscCall(ConnectionIncrement(fam, g, div, a, q, loop, d, u, work));
      PetscCall(VecAXPY(res, 0.5, u));
      PetscCall(ConnectionIncrement(fam, g, div, b, q, loop, d, u, work));
      PetscCall(VecAXPY(res, 0.5, u));
      break;
    }
  }
  PetscCall(VecAXPY(res, -1.0, start));
  PetscCall(VecDestroy(&start));
  PetscCall(VecDestroy(&s0));
  PetscCall(VecDestroy(&s1));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&work));
  PetscFunctionReturn(0);
}

PetscErrorCode W2HolonomyDiscriminator(W2Family fam, const W2Grid *g, const W2Divergence *div, const PetscReal theta0[], Vec q, const W2Loop *loop, PetscReal step, PetscInt k, Vec res, Vec lag)
{
  PetscReal        th[W2_FAMILY_MAX_PARAMS];
  Vec              rho, start, star, c, hat;
  W2Discriminator *d;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(res, &rho));
  PetscCall(VecDuplicate(res, &start));
  PetscCall(VecDuplicate(res, &star));
  PetscCall(VecDuplicate(res, &c));
  PetscCall(VecDuplicate(res, &hat));
  PetscCall(W2DiscriminatorCreate(g, div, q, step, &d));
  PetscCall(W2FamilyEvaluate(fam, g, theta0, rho, NULL));
  PetscCall(W2DiscriminatorSetOptimal(d, rho));
  PetscCall(W2Potential(fam, g, div, theta0, q, start));
  PetscCall(VecCopy(start, hat));
  for (PetscInt m = 1; m <= loop->M; m++) {
    PetscCall(W2LoopVertex(loop, fam->n, theta0, m, th));
    PetscCall(W2FamilyEvaluate(fam, g, th, rho, NULL));
    PetscCall(W2DiscriminatorTrain(d, rho, k, NULL));
    if (lag) {
      /* hat <- star + c (hat - star) per cell */
      PetscCall(W2Potential(fam, g, div, th, q, star));
      PetscCall(W2DiscriminatorContraction(d, rho, k, c));
      PetscCall(VecAXPY(hat, -1.0, star));
      PetscCall(VecPointwiseMult(hat, hat, c));
      PetscCall(VecAXPY(hat, 1.0, star));
    }
  }
  PetscCall(W2DiscriminatorPotential(d, res));
  PetscCall(VecAXPY(res, -1.0, start));
  if (lag) PetscCall(VecWAXPY(lag, -1.0, start, hat));
  PetscCall(W2DiscriminatorDestroy(&d));
  PetscCall(VecDestroy(&rho));
  PetscCall(VecDestroy(&start));
  PetscCall(VecDestroy(&star));
  PetscCall(VecDestroy(&c));
  PetscCall(VecDestroy(&hat));
  PetscFunctionReturn(0);
}
