/// @file The family registry: lookup by name, the parameter option, evaluation of rho_theta and d_i rho on the grid.
#include "geometry/family.h"

static PetscFunctionList W2FamilyFunctions  = NULL;
static PetscBool         W2FamilyRegistered = PETSC_FALSE;

PetscErrorCode W2FamilyRegister(const char name[], W2FamilyCtor ctor)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFunctionListAdd(&W2FamilyFunctions, name, ctor));
  PetscFunctionReturn(0);
}

PetscErrorCode W2FamilyRegisterAll(void)
{
  PetscFunctionBeginUser;
  if (W2FamilyRegistered) PetscFunctionReturn(0);
  W2FamilyRegistered = PETSC_TRUE;
  PetscCall(W2FamilyRegister("gaussian", W2FamilyCreate_Gaussian));
  PetscCall(W2FamilyRegister("mixture", W2FamilyCreate_Mixture));
  PetscCall(W2FamilyRegister("tilt", W2FamilyCreate_Tilt));
  PetscCall(W2FamilyRegister("pushforward", W2FamilyCreate_Pushforward));
  PetscCall(W2FamilyRegister("latent_gaussian", W2FamilyCreate_LatentGaussian));
  PetscFunctionReturn(0);
}

static const char W2FamilyKnown[] = "gaussian, mixture, tilt, pushforward, latent_gaussian";

PetscErrorCode W2FamilyCreateByName(const W2Grid *g, const char prefix[], const char type[], W2Family *fam)
{
  W2FamilyCtor ctor;
  W2Family     f;

  PetscFunctionBeginUser;
  PetscCall(W2FamilyRegisterAll());
  PetscCall(PetscFunctionListFind(W2FamilyFunctions, type, &ctor));
  PetscCheck(ctor, g->comm, PETSC_ERR_USER_INPUT, "-%stype %s is not a known family (known: %s)", prefix, type, W2FamilyKnown);
  PetscCall(PetscNew(&f));
  PetscCall(PetscStrncpy(f->type, type, sizeof(f->type)));
  f->comm = g->comm;
  f->dim  = g->dim;
  f->L[0] = g->L[0];
  f->L[1] = g->L[1];
  PetscCall((*ctor)(f, prefix));
  PetscCheck(f->n >= 1 && f->n <= W2_FAMILY_MAX_PARAMS, g->comm, PETSC_ERR_USER_INPUT, "family %s: %" PetscInt_FMT " parameters (1 to %d allowed)", type, f->n, W2_FAMILY_MAX_PARAMS);
  *fam = f;
  PetscFunctionReturn(0);
}

PetscErrorCode W2FamilyCreate(const W2Grid *g, const char prefix[], const char default_type[], W2Family *fam)
{
  char type[32];

  PetscFunctionBeginUser;
  PetscCall(W2FamilyRegisterAll());
  PetscCall(PetscStrncpy(type, default_type, sizeof(type)));
  PetscOptionsBegin(g->comm, prefix, "Parametric family theta -> rho_theta", NULL);
  PetscCall(PetscOptionsFList("-type", W2FamilyKnown, NULL, W2FamilyFunctions, type, type, sizeof(type), NULL));
  PetscOptionsEnd();
  PetscCall(W2FamilyCreateByName(g, prefix, type, fam));
  PetscFunctionReturn(0);
}

PetscErrorCode W2FamilyDestroy(W2Family *fam)
{
  PetscFunctionBeginUser;
  if (!*fam) PetscFunctionReturn(0);
  PetscCall(PetscFree((*fam)->data));
  PetscCall(PetscFree(*fam));
  PetscFunctionReturn(0);
}

PetscErrorCode W2FamilyGetTheta(W2Family fam, const char prefix[], PetscReal theta[])
{
  PetscInt  n = fam->n;
  PetscBool set;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < fam->n; i++) theta[i] = fam->theta0[i];
  PetscOptionsBegin(fam->comm, prefix, "Family parameters", NULL);
  PetscCall(PetscOptionsRealArray("-theta", "Parameter vector theta (comma-separated)", NULL, theta, &n, &set));
  PetscOptionsEnd();
  PetscCheck(!set || n == fam->n, fam->comm, PETSC_ERR_USER_INPUT, "-%stheta needs %" PetscInt_FMT " values for family %s, got %" PetscInt_FMT, prefix, fam->n, fam->type, n);
  PetscFunctionReturn(0);
}

PetscErrorCode W2FamilyPrepare(W2Family fam, const W2Grid *g, const PetscReal theta[])
{
  PetscFunctionBeginUser;
  if (fam->prepare) PetscCall(fam->prepare(fam, g, theta));
  PetscFunctionReturn(0);
}

PetscErrorCode W2FamilyEvaluate(W2Family fam, const W2Grid *g, const PetscReal theta[], Vec rho, Vec drho[])
{
  W2Box        b;
  PetscScalar *r, *d[W2_FAMILY_MAX_PARAMS];
  PetscReal    dv[W2_FAMILY_MAX_PARAMS];

  PetscFunctionBeginUser;
  PetscCall(W2FamilyPrepare(fam, g, theta));
  PetscCall(W2GridOwnedBox(g, &b));
  PetscCall(VecGetArray(rho, &r));
  if (drho)
    for (PetscInt i = 0; i < fam->n; i++) PetscCall(VecGetArray(drho[i], &d[i]));
  for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) {
      const PetscInt k = (j - b.ys) * b.xm + (i - b.xs);
      PetscReal      v;
      fam->point(fam, theta, W2GridX(g, i), W2GridY(g, j), &v, drho ? dv : NULL);
      r[k] = v;
      if (drho)
        for (PetscInt p = 0; p < fam->n; p++) d[p][k] = dv[p];
    }
  PetscCall(VecRestoreArray(rho, &r));
  if (drho)
    for (PetscInt i = 0; i < fam->n; i++) PetscCall(VecRestoreArray(drho[i], &d[i]));
  PetscFunctionReturn(0);
}
