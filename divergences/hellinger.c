/// @file Squared Hellinger: f(t) = (sqrt t - 1)^2.
#include "divergences/divergence.h"
#include "divergences/simd.h"

static PetscReal F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? (PetscSqrtReal(t) - 1.0) * (PetscSqrtReal(t) - 1.0) : NAN; }
static PetscReal DF(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? 1.0 - 1.0 / PetscSqrtReal(t) : NAN; }
static PetscReal D2F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? 0.5 / (t * PetscSqrtReal(t)) : NAN; }
static PetscReal D3F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? -0.75 / (t * t * PetscSqrtReal(t)) : NAN; }
static PetscReal DFInv(const W2Divergence *d, PetscReal s) { (void)d; return s < 1 ? 1.0 / ((1.0 - s) * (1.0 - s)) : NAN; }
static PetscReal Conj(const W2Divergence *d, PetscReal s) { (void)d; return s < 1 ? s / (1.0 - s) : (PetscReal)INFINITY; }

/* Branch-free so that it vectorises: t < 0 is replaced by NaN before the formula, which then gives NaN
   where DF does; sqrt is correctly rounded (sqrtpd): the same values as DF. */
static W2_DIV_ARRAY void DFArray(const W2Divergence *d, PetscInt n, const PetscReal t[], PetscReal out[])
{
  (void)d;
#pragma omp simd
  for (PetscInt k = 0; k < n; k++) {
    const PetscReal x = t[k] >= 0 ? t[k] : (PetscReal)NAN;
    out[k] = 1.0 - 1.0 / PetscSqrtReal(x);
  }
}

PetscErrorCode W2DivergenceCreate_Hellinger(MPI_Comm comm, W2Divergence *d)
{
  PetscFunctionBeginUser;
  (void)comm;
  d->f = F; d->df = DF; d->d2f = D2F; d->d3f = D3F; d->dfinv = DFInv; d->conj = Conj;
  d->dfv = DFArray;
  d->conj_sup       = 1.0;
  d->needs_positive = PETSC_TRUE;
  PetscFunctionReturn(0);
}
