/// @file Exponential tilts rho = q exp(sum theta_i psi_i) / Z(theta) of a von Mises base q, psi_i Fourier modes.
#include "geometry/family.h"

typedef struct {
  PetscInt  modes;           /* wave numbers 1..modes per axis, cos and sin each */
  PetscReal kappa;           /* base q proportional to exp(kappa sum_a cos(2 pi x_a / L_a)) */
  PetscReal logZ;            /* log of the grid normalisation at the prepared theta */
  PetscReal mean[W2_FAMILY_MAX_PARAMS]; /* E_rho psi_i on the grid at the prepared theta */
} TiltCtx;

/* psi_i(x, y): for axis a and wave number k: cos then sin of 2 pi k x_a / L_a */
static void Modes(W2Family f, const TiltCtx *c, PetscReal x, PetscReal y, PetscReal psi[], PetscReal *logq)
{
  const PetscReal p[2] = {x, y};
  PetscInt        i = 0;
  *logq             = 0;
  for (PetscInt a = 0; a < f->dim; a++) {
    const PetscReal w = 2 * PETSC_PI * p[a] / f->L[a];
    *logq += c->kappa * PetscCosReal(w);
    for (PetscInt k = 1; k <= c->modes; k++) {
      psi[i++] = PetscCosReal(k * w);
      psi[i++] = PetscSinReal(k * w);
    }
  }
}

static void TiltPoint(W2Family f, const PetscReal th[], PetscReal x, PetscReal y, PetscReal *rho, PetscReal drho[])
{
  TiltCtx  *c = (TiltCtx *)f->data;
  PetscReal psi[W2_FAMILY_MAX_PARAMS], e;

  Modes(f, c, x, y, psi, &e);
  for (PetscInt i = 0; i < f->n; i++) e += th[i] * psi[i];
  *rho = PetscExpReal(e - c->logZ);
  if (drho) /* d_i log Z = E_rho psi_i */
    for (PetscInt i = 0; i < f->n; i++) drho[i] = *rho * (psi[i] - c->mean[i]);
}

/* Z and E psi_i by the grid sum (the midpoint rule, spectrally accurate for these smooth periodic integrands):
   the family is normalised exactly on the grid and d_i rho is the exact derivative of that grid family */
static PetscErrorCode TiltPrepare(W2Family f, const W2Grid *g, const PetscReal th[])
{
  TiltCtx  *c = (TiltCtx *)f->data;
  W2Box     b;
  PetscReal acc[W2_FAMILY_MAX_PARAMS + 1] = {0}, psi[W2_FAMILY_MAX_PARAMS], shift = 0;

  PetscFunctionBeginUser;
  /* exponent bounded by |kappa| dim + sum |theta|: shift by it so no sum overflows */
  shift = PetscAbsReal(c->kappa) * f->dim;
  for (PetscInt i = 0; i < f->n; i++) shift += PetscAbsReal(th[i]);
  PetscCall(W2GridOwnedBox(g, &b));
  for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) {
      PetscReal e;
      Modes(f, c, W2GridX(g, i), W2GridY(g, j), psi, &e);
      for (PetscInt p = 0; p < f->n; p++) e += th[p] * psi[p];
      e = PetscExpReal(e - shift) * g->dV;
      acc[f->n] += e;
      for (PetscInt p = 0; p < f->n; p++) acc[p] += e * psi[p];
    }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, acc, (PetscMPIInt)(f->n + 1), MPIU_REAL, MPIU_SUM, g->comm));
  c->logZ = shift + PetscLogReal(acc[f->n]);
  for (PetscInt p = 0; p < f->n; p++) c->mean[p] = acc[p] / acc[f->n];
  PetscFunctionReturn(0);
}

PetscErrorCode W2FamilyCreate_Tilt(W2Family f, const char prefix[])
{
  TiltCtx *c;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&c));
  c->modes = 2;
  c->kappa = 0;
  PetscOptionsBegin(f->comm, prefix, "Exponential tilt q exp(theta . psi) / Z of a von Mises base", NULL);
  PetscCall(PetscOptionsInt("-modes", "Fourier wave numbers 1..modes per axis (cos and sin each)", NULL, c->modes, &c->modes, NULL));
  PetscCall(PetscOptionsReal("-kappa", "Base q ~ exp(kappa sum_a cos(2 pi x_a / L_a)) (0: uniform)", NULL, c->kappa, &c->kappa, NULL));
  PetscOptionsEnd();
  f->data = c;
  f->n    = 2 * c->modes * f->dim;
  PetscCheck(c->modes >= 1 && f->n <= W2_FAMILY_MAX_PARAMS, f->comm, PETSC_ERR_USER_INPUT, "-%smodes must be in [1, %d], got %" PetscInt_FMT, prefix, W2_FAMILY_MAX_PARAMS / (2 * (int)f->dim), c->modes);
  for (PetscInt a = 0, i = 0; a < f->dim; a++)
    for (PetscInt k = 1; k <= c->modes; k++) {
      f->theta0[i] = 0.3 / k;
      PetscCall(PetscSNPrintf(f->names[i++], sizeof(f->names[0]), "cos%" PetscInt_FMT "%c", k, a ? 'y' : 'x'));
      f->theta0[i] = 0.2 / k;
      PetscCall(PetscSNPrintf(f->names[i++], sizeof(f->names[0]), "sin%" PetscInt_FMT "%c", k, a ? 'y' : 'x'));
    }
  f->point   = TiltPoint;
  f->prepare = TiltPrepare;
  PetscFunctionReturn(0);
}
