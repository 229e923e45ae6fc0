/// @file Jensen-Shannon: f(t) = [t log t - (1+t) log((1+t)/2)] / 2, so F_f(P||Q) = JSD(P||Q).
#include "divergences/divergence.h"

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

PetscErrorCode W2DivergenceCreate_JSD(MPI_Comm comm, W2Divergence *d)
{
  PetscFunctionBeginUser;
  (void)comm;
  d->f = F; d->df = DF; d->d2f = D2F; d->d3f = D3F; d->dfinv = DFInv; d->conj = Conj;
  d->conj_sup       = 0.5 * PetscLogReal(2.0);
  d->needs_positive = PETSC_TRUE;
  PetscFunctionReturn(0);
}
