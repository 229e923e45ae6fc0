/// @file Jensen-Shannon: f(t) = [t log t - (1+t) log((1+t)/2)] / 2, so F_f(P||Q) = JSD(P||Q).
#include "divergences/divergence.h"
#include "divergences/simd.h"

static PetscReal F(const W2Divergence *d, PetscReal t)
{
  (void)d;
  if (t < 0 || PetscIsNanReal(t)) return NAN;
  return 0.5 * ((t > 0 ? t * PetscLogReal(t) : 0.0) - (1.0 + t) * PetscLogReal(0.5 * (1.0 + t)));
}
static PetscReal DF(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? 0.5 * PetscLogReal(2.0 * t / (1.0 + t)) : NAN; }
static PetscReal D2F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? 0.5 / (t * (1.0 + t)) : NAN; }
static PetscReal D3F(const W2Divergence *d, PetscReal t) { (void)d; return t >= 0 ? 0.5 * (1.0 / ((1.0 + t) * (1.0 + t)) - 1.0 / (t * t)) : NAN; }
static PetscReal DFInv(const W2Divergence *d, PetscReal s)
{
  PetscReal e = PetscExpReal(2.0 * s);
  (void)d;
  return e < 2.0 ? e / (2.0 - e) : NAN;
}
static PetscReal Conj(const W2Divergence *d, PetscReal s)
{
  PetscReal e = PetscExpReal(2.0 * s);
  (void)d;
  return e < 2.0 ? -0.5 * PetscLogReal(2.0 - e) : (PetscReal)INFINITY;
}

/* Branch-free so that it vectorises: t < 0 is replaced by NaN before the formula, which then gives NaN
   where DF does; log through libmvec (for t < -1 the argument 2t/(1+t) would be positive, hence the select). */
static W2_DIV_ARRAY void DFArray(const W2Divergence *d, PetscInt n, const PetscReal t[], PetscReal out[])
{
  (void)d;
#pragma omp simd
  for (PetscInt k = 0; k < n; k++) {
    const PetscReal x = t[k] >= 0 ? t[k] : (PetscReal)NAN;
    out[k] = 0.5 * PetscLogReal(2.0 * x / (1.0 + x));
  }
}

PetscErrorCode W2DivergenceCreate_JSD(MPI_Comm comm, W2Divergence *d)
{
  PetscFunctionBeginUser;
  (void)comm;
  d->f = F; d->df = DF; d->d2f = D2F; d->d3f = D3F; d->dfinv = DFInv; d->conj = Conj;
  d->dfv = DFArray;
  d->conj_sup       = 0.5 * PetscLogReal(2.0);
  d->needs_positive = PETSC_TRUE;
  PetscFunctionReturn(0);
}
