/// @file Reverse Kullback-Leibler: f(t) = -log t.
#include "divergences/divergence.h"

static PetscReal F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? -PetscLogReal(t) : NAN; }
static PetscReal DF(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? -1.0 / t : NAN; }
static PetscReal D2F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? 1.0 / (t * t) : NAN; }
static PetscReal D3F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? -2.0 / (t * t * t) : NAN; }
static PetscReal DFInv(const W2Divergence *d, PetscReal s) { (void)d; return s < 0 ? -1.0 / s : NAN; }
static PetscReal Conj(const W2Divergence *d, PetscReal s) { (void)d; return s < 0 ? -1.0 - PetscLogReal(-s) : (PetscReal)INFINITY; }

PetscErrorCode W2DivergenceCreate_ReverseKL(MPI_Comm comm, W2Divergence *d)
{
  PetscFunctionBeginUser;
  (void)comm;
  d->f = F; d->df = DF; d->d2f = D2F; d->d3f = D3F; d->dfinv = DFInv; d->conj = Conj;
  d->conj_sup       = 0.0;
  d->needs_positive = PETSC_TRUE;
  PetscFunctionReturn(0);
}
