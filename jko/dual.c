/// @file What the semi-discrete dual methods (bfm.c, newton.c) share: E* and rho_phi of a problem, the cell spread, the convergence measures.
#include "jko/jkoimpl.h"

PetscReal W2DualConj(W2JKO jko, const W2DualProblem *pb, const PetscReal phi[])
{
  if (pb->nu) {
    PetscReal s = 0;
    for (PetscInt p = 0; p < pb->t->n; p++) s += phi[p] * pb->nu[p];
    return s * pb->t->dV;
  }
  return W2JKOConjEnergy(jko->div, pb->t, pb->q, phi);
}

void W2DualDensity(W2JKO jko, const W2DualProblem *pb, const PetscReal phi[], PetscReal rho[], PetscReal drho[])
{
  if (pb->nu) {
    for (PetscInt p = 0; p < pb->t->n; p++) {
      rho[p]  = pb->nu[p];
      drho[p] = 0;
    }
  } else W2JKODensityOf(jko->div, pb->t, pb->q, phi, rho, drho);
}

void W2DualJKOStart(W2JKO jko, const PetscReal mu[], PetscReal phi[])
{
  /* an empty cell of P_{k-1} (W2JKOStep lets one through where f(0) is finite) starts at the potential of the
     smallest positive ratio mu/q instead of f'(0+) = -inf, which would make its site win the whole torus */
  PetscReal floor = PETSC_MAX_REAL;
  for (PetscInt p = 0; p < jko->torus.n; p++)
    if (mu[p] > 0) floor = PetscMin(floor, mu[p] / jko->q[p]);
  for (PetscInt p = 0; p < jko->torus.n; p++) phi[p] = jko->div->df(jko->div, mu[p] > 0 ? mu[p] / jko->q[p] : floor);
}

PetscReal W2DualSpread(const W2Torus *t, const PetscReal mu[])
{
  PetscReal spread = 0;
  for (PetscInt p = 0; p < t->n; p++) spread += mu[p];
  return spread * t->dV * (t->h[0] * t->h[0] + (t->dim == 2 ? t->h[1] * t->h[1] : 0.0)) / 12.0;
}

void W2DualMeasure(W2JKO jko, const W2DualProblem *pb, const PetscReal phi[], const PetscReal push[], PetscReal cost, PetscReal dual, PetscReal energy_mu, PetscReal spread, W2JKOInfo *info)
{
  const W2Torus *t = pb->t;
  info->w2sq       = cost - spread;
  if (pb->nu) {
    PetscReal tv = 0;
    for (PetscInt p = 0; p < t->n; p++) tv += PetscAbsReal(push[p] - pb->nu[p]);
    info->marginal = 0.5 * tv * t->dV;
    info->primal   = info->w2sq;
    info->dual     = 2.0 * dual - spread;
    info->gap      = PetscAbsReal(info->primal - info->dual);
    /* relative to W2^2 plus the grid's resolution sum_a h_a^2/12: smaller distances are not resolved */
    info->rel_gap = info->gap / (PetscMax(info->w2sq, 0.0) + spread);
  } else {
    const PetscReal e = W2JKOEnergy(jko->div, t, pb->q, push);
    info->primal      = e + info->w2sq / (2.0 * pb->tau);
    info->dual        = dual - spread / (2.0 * pb->tau);
    info->gap         = W2JKOFenchelGap(jko->div, t, pb->q, push, phi);
    info->rel_gap     = info->gap / PetscMax(info->w2sq / (2.0 * pb->tau) + PetscAbsReal(energy_mu - e), PETSC_SMALL * PETSC_SMALL);
    info->marginal    = 0;
  }
}

PetscBool W2DualConverged(W2JKO jko, const W2DualProblem *pb, const W2JKOInfo *info)
{
  if (pb->nu) return (PetscBool)((info->rel_gap <= jko->rtol || info->gap <= jko->atol) && info->marginal <= jko->marginal_tol);
  return (PetscBool)(info->rel_gap <= jko->rtol || info->gap <= jko->atol);
}
