/// @file The H^1 preconditioner of the dual ascent, (theta + kappa (-Lap_h))^-1 on the periodic grid, by FFTW planned once per grid.
#include "jko/jkoimpl.h"

PetscErrorCode W2PoissonCreate(const W2Torus *t, W2Poisson **pp)
{
  W2Poisson     *p;
  const PetscInt N0 = t->N[0], N1 = t->N[1], half = N0 / 2 + 1;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&p));
  p->t     = *t;
  p->nspec = (t->dim == 1 ? 1 : N1) * half;
  p->real  = fftw_alloc_real((size_t)t->n);
  p->spec  = fftw_alloc_complex((size_t)p->nspec);
  PetscCheck(p->real && p->spec, PETSC_COMM_SELF, PETSC_ERR_MEM, "FFTW could not allocate the preconditioner's %" PetscInt_FMT " values", t->n);
  /* rank-major (slowest first) for FFTW: [N1][N0] */
  if (t->dim == 1) {
    p->forward  = fftw_plan_dft_r2c_1d((int)N0, p->real, p->spec, FFTW_ESTIMATE);
    p->backward = fftw_plan_dft_c2r_1d((int)N0, p->spec, p->real, FFTW_ESTIMATE);
  } else {
    p->forward  = fftw_plan_dft_r2c_2d((int)N1, (int)N0, p->real, p->spec, FFTW_ESTIMATE);
    p->backward = fftw_plan_dft_c2r_2d((int)N1, (int)N0, p->spec, p->real, FFTW_ESTIMATE);
  }
  PetscCheck(p->forward && p->backward, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not plan a %" PetscInt_FMT "-D transform of %" PetscInt_FMT " x %" PetscInt_FMT, t->dim, N0, N1);
  PetscCall(PetscMalloc1(p->nspec, &p->lambda));
  /* symbol of the 3-point (5-point) periodic Laplacian: sum_a (2 - 2 cos(2 pi k_a / N_a)) / h_a^2 */
  for (PetscInt k1 = 0; k1 < (t->dim == 1 ? 1 : N1); k1++)
    for (PetscInt k0 = 0; k0 < half; k0++) {
      PetscReal l = (2.0 - 2.0 * PetscCosReal(2.0 * PETSC_PI * k0 / N0)) / (t->h[0] * t->h[0]);
      if (t->dim == 2) l += (2.0 - 2.0 * PetscCosReal(2.0 * PETSC_PI * k1 / N1)) / (t->h[1] * t->h[1]);
      p->lambda[k1 * half + k0] = l;
    }
  *pp = p;
  PetscFunctionReturn(0);
}

PetscErrorCode W2PoissonDestroy(W2Poisson **pp)
{
  W2Poisson *p = *pp;

  PetscFunctionBeginUser;
  if (!p) PetscFunctionReturn(0);
  fftw_destroy_plan(p->forward);
  fftw_destroy_plan(p->backward);
  fftw_free(p->real);
  fftw_free(p->spec);
  PetscCall(PetscFree(p->lambda));
  PetscCall(PetscFree(*pp));
  PetscFunctionReturn(0);
}

PetscErrorCode W2PoissonSolve(W2Poisson *p, PetscReal theta, PetscReal kappa, const PetscReal g[], PetscReal out[])
{
  const PetscReal scale = 1.0 / (PetscReal)p->t.n; /* FFTW's transforms are unnormalised */

  PetscFunctionBeginUser;
  PetscCheck(theta >= 0 && kappa > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "preconditioner needs theta >= 0 and kappa > 0, got %g and %g", (double)theta, (double)kappa);
  for (PetscInt k = 0; k < p->t.n; k++) p->real[k] = g[k];
  fftw_execute(p->forward);
  for (PetscInt k = 0; k < p->nspec; k++) {
    const PetscReal den = theta + kappa * p->lambda[k];
    const PetscReal f   = den > 0 ? scale / den : 0.0; /* theta = 0: drop the zero mode */
    p->spec[k][0] *= f;
    p->spec[k][1] *= f;
  }
  fftw_execute(p->backward);
  for (PetscInt k = 0; k < p->t.n; k++) out[k] = p->real[k];
  PetscFunctionReturn(0);
}
