/// @file Squared Hellinger: f(t) = (sqrt t - 1)^2.
#include "divergences/divergence.h"

static PetscReal F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? (PetscSqrtReal(t) - 1.0) * (PetscSqrtReal(t) - 1.0) : NAN; }
static PetscReal DF(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? 1.0 - 1.0 / PetscSqrtReal(t) : NAN; }
static PetscReal D2F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? 0.5 / (t * PetscSqrtReal(t)) : NAN; }
static PetscReal D3F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? -0.75 / (t * t * PetscSqrtReal(t)) : NAN; }
static PetscReal DFInv(const W2Divergence *d, PetscReal s) { (void)d; return s < 1 ? 1.0 / ((1.0 - s) * (1.0 - s)) : NAN; }
static PetscReal Conj(const W2Divergence *d, PetscReal s) { (void)d; return s < 1 ? s / (1.0 - s) : (PetscReal)INFINITY; }

PetscErrorCode W2DivergenceCreate_Hellinger(MPI_Comm comm, W2Divergence *d)
{
  PetscFunctionBeginUser;
  (void)comm;
  d->f = F; d->df = DF; d->d2f = D2F; d->d3f = D3F; d->dfinv = DFInv; d->conj = Conj;
  d->conj_sup       = 1.0;
  d->needs_positive = PETSC_TRUE;
  PetscFunctionReturn(0);
}
