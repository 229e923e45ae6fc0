/// @file The alpha (power) family: f(t) = (t^a - 1 - a(t-1)) / (a(a-1)), a != 0, 1 (-div_alpha).
#include "divergences/divergence.h"
#include "divergences/simd.h"

static PetscReal F(const W2Divergence *d, PetscReal t)
{
  const PetscReal a = d->alpha;
  return t >= 0 ? (PetscPowReal(t, a) - 1.0 - a * (t - 1.0)) / (a * (a - 1.0)) : NAN;
}
static PetscReal DF(const W2Divergence *d, PetscReal t)
{
  const PetscReal a = d->alpha;
  return t >= 0 ? (PetscPowReal(t, a - 1.0) - 1.0) / (a - 1.0) : NAN;
}
static PetscReal D2F(const W2Divergence *d, PetscReal t) { return t >= 0 ? PetscPowReal(t, d->alpha - 2.0) : NAN; }
static PetscReal D3F(const W2Divergence *d, PetscReal t) { return t >= 0 ? (d->alpha - 2.0) * PetscPowReal(t, d->alpha - 3.0) : NAN; }
/* b = 1 + (a-1) s = t^(a-1): for a > 1 the range of f' is [-1/(a-1), inf) and smaller s map to t = 0 */
static PetscReal DFInv(const W2Divergence *d, PetscReal s)
{
  const PetscReal a = d->alpha, b = 1.0 + (a - 1.0) * s;
  if (b <= 0) return a > 1 ? 0.0 : NAN;
  return PetscPowReal(b, 1.0 / (a - 1.0));
}
static PetscReal Conj(const W2Divergence *d, PetscReal s)
{
  const PetscReal a = d->alpha, b = 1.0 + (a - 1.0) * s;
  if (b <= 0) return a > 1 ? -1.0 / a : (PetscReal)INFINITY;
  return (PetscPowReal(b, a / (a - 1.0)) - 1.0) / a;
}

/* Branch-free so that it vectorises: t < 0 is replaced by NaN before the formula, which then gives NaN
   where DF does; pow through libmvec; pow(NaN, b) is NaN since b != 0, and for integer b pow(t < 0, b) would be finite, hence the select. */
static W2_DIV_ARRAY void DFArray(const W2Divergence *d, PetscInt n, const PetscReal t[], PetscReal out[])
{
  const PetscReal b = d->alpha - 1.0;
#pragma omp simd
  for (PetscInt k = 0; k < n; k++) {
    const PetscReal x = t[k] >= 0 ? t[k] : (PetscReal)NAN;
    out[k] = (PetscPowReal(x, b) - 1.0) / b;
  }
}

PetscErrorCode W2DivergenceCreate_Alpha(MPI_Comm comm, W2Divergence *d)
{
  const PetscReal a = d->alpha;

  PetscFunctionBeginUser;
  PetscCheck(PetscIsNormalReal(a) && a != 1.0, comm, PETSC_ERR_USER_INPUT, "-div_alpha must be finite and differ from 0 and 1, got %g", (double)a);
  d->f = F; d->df = DF; d->d2f = D2F; d->d3f = D3F; d->dfinv = DFInv; d->conj = Conj;
  d->dfv = DFArray;
  d->conj_sup       = a > 1 ? PETSC_INFINITY : 1.0 / (1.0 - a);
  d->needs_positive = a < 1 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}
