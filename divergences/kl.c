/// @file Kullback-Leibler: f(t) = t log t; its W2 flow toward uniform q is the heat equation.
#include "divergences/divergence.h"
#include "divergences/simd.h"

static PetscReal F(const W2Divergence *d, PetscReal t) { (void)d; return t > 0 ? t * PetscLogReal(t) : (t == 0 ? 0.0 : NAN); }
static PetscReal DF(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? PetscLogReal(t) + 1.0 : NAN; }
static PetscReal D2F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? 1.0 / t : NAN; }
static PetscReal D3F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? -1.0 / (t * t) : NAN; }
static PetscReal DFInv(const W2Divergence *d, PetscReal s) { (void)d; return PetscExpReal(s - 1.0); }
static PetscReal Conj(const W2Divergence *d, PetscReal s) { (void)d; return PetscExpReal(s - 1.0); }

/* log gives NaN for t < 0 and for NaN as DF does, so the loop needs no branch (and vectorises) */
static W2_DIV_ARRAY void DFArray(const W2Divergence *d, PetscInt n, const PetscReal t[], PetscReal out[])
{
  (void)d;
#pragma omp simd
  for (PetscInt k = 0; k < n; k++) out[k] = PetscLogReal(t[k]) + 1.0;
}

PetscErrorCode W2DivergenceCreate_KL(MPI_Comm comm, W2Divergence *d)
{
  PetscFunctionBeginUser;
  (void)comm;
  d->f = F; d->df = DF; d->d2f = D2F; d->d3f = D3F; d->dfinv = DFInv; d->conj = Conj;
  d->dfv = DFArray;
  d->conj_sup       = PETSC_INFINITY;
  d->needs_positive = PETSC_TRUE;
  PetscFunctionReturn(0);
}
