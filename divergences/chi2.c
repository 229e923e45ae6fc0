/// @file Pearson chi-squared: f(t) = (t-1)^2; its flow toward uniform q is the porous-medium equation m = 2.
#include "divergences/divergence.h"
#include "divergences/simd.h"

static PetscReal F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? (t - 1.0) * (t - 1.0) : NAN; }
static PetscReal DF(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? 2.0 * (t - 1.0) : NAN; }
static PetscReal D2F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? 2.0 : NAN; }
static PetscReal D3F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? 0.0 : NAN; }
static PetscReal DFInv(const W2Divergence *d, PetscReal s) { (void)d; return PetscMax(0.0, 1.0 + 0.5 * s); }
/* sup over t >= 0 of s t - (t-1)^2: interior maximum t = 1 + s/2 when s >= -2, else t = 0 */
static PetscReal Conj(const W2Divergence *d, PetscReal s) { (void)d; return s >= -2.0 ? s + 0.25 * s * s : -1.0; }

/* Branch-free so that it vectorises: t < 0 is replaced by NaN before the formula, which then gives NaN
   where DF does; the same values as DF. */
static W2_DIV_ARRAY void DFArray(const W2Divergence *d, PetscInt n, const PetscReal t[], PetscReal out[])
{
  (void)d;
#pragma omp simd
  for (PetscInt k = 0; k < n; k++) {
    const PetscReal x = t[k] >= 0 ? t[k] : (PetscReal)NAN;
    out[k] = 2.0 * (x - 1.0);
  }
}

PetscErrorCode W2DivergenceCreate_Chi2(MPI_Comm comm, W2Divergence *d)
{
  PetscFunctionBeginUser;
  (void)comm;
  d->f = F; d->df = DF; d->d2f = D2F; d->d3f = D3F; d->dfinv = DFInv; d->conj = Conj;
  d->dfv = DFArray;
  d->conj_sup       = PETSC_INFINITY;
  d->needs_positive = PETSC_FALSE;
  PetscFunctionReturn(0);
}
