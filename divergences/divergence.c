/// @file The divergence registry: lookup by name, options, checked evaluation.
#include "divergences/divergence.h"

static PetscFunctionList W2DivergenceFunctions = NULL;
static PetscBool         W2DivergenceRegistered = PETSC_FALSE;

PetscErrorCode W2DivergenceRegister(const char name[], W2DivergenceCtor ctor)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFunctionListAdd(&W2DivergenceFunctions, name, ctor));
  PetscFunctionReturn(0);
}

/* the registry lives until PetscFinalize */
static PetscErrorCode W2DivergenceFinalizePackage(void)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFunctionListDestroy(&W2DivergenceFunctions));
  W2DivergenceRegistered = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode W2DivergenceRegisterAll(void)
{
  PetscFunctionBeginUser;
  if (W2DivergenceRegistered) PetscFunctionReturn(0);
  W2DivergenceRegistered = PETSC_TRUE;
  PetscCall(PetscRegisterFinalize(W2DivergenceFinalizePackage));
  PetscCall(W2DivergenceRegister("kl", W2DivergenceCreate_KL));
  PetscCall(W2DivergenceRegister("reverse_kl", W2DivergenceCreate_ReverseKL));
  PetscCall(W2DivergenceRegister("chi2", W2DivergenceCreate_Chi2));
  PetscCall(W2DivergenceRegister("hellinger", W2DivergenceCreate_Hellinger));
  PetscCall(W2DivergenceRegister("jsd", W2DivergenceCreate_JSD));
  PetscCall(W2DivergenceRegister("alpha", W2DivergenceCreate_Alpha));
  PetscFunctionReturn(0);
}

PetscErrorCode W2DivergenceList(char *buf, size_t len)
{
  const char *names[] = {"kl", "reverse_kl", "chi2", "hellinger", "jsd", "alpha"};

  PetscFunctionBeginUser;
  buf[0] = 0;
  for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
    PetscCall(PetscStrlcat(buf, k ? ", " : "", len));
    PetscCall(PetscStrlcat(buf, names[k], len));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2DivergenceCreateByName(MPI_Comm comm, const char type[], PetscReal alpha, W2Divergence **div)
{
  W2DivergenceCtor ctor;
  W2Divergence    *d;
  char             known[256];
  PetscErrorCode   ierr;

  PetscFunctionBeginUser;
  PetscCall(W2DivergenceRegisterAll());
  PetscCall(PetscFunctionListFind(W2DivergenceFunctions, type, &ctor));
  PetscCall(W2DivergenceList(known, sizeof(known)));
  PetscCheck(ctor, comm, PETSC_ERR_USER_INPUT, "-div_type %s is not a known divergence (known: %s)", type, known);
  PetscCall(PetscNew(&d));
  PetscCall(PetscStrncpy(d->type, type, sizeof(d->type)));
  d->alpha = alpha;
  ierr     = (*ctor)(comm, d);
  if (ierr) PetscCall(PetscFree(d)); /* a rejected parameter (-div_alpha 1) must not leak the struct */
  PetscCall(ierr);
  if (!d->dfv) d->dfv = W2DivergenceDFArrayGeneric;
  *div = d;
  PetscFunctionReturn(0);
}

void W2DivergenceDFArrayGeneric(const W2Divergence *d, PetscInt n, const PetscReal t[], PetscReal out[])
{
  for (PetscInt k = 0; k < n; k++) out[k] = d->df(d, t[k]);
}

PetscErrorCode W2DivergenceCreate(MPI_Comm comm, W2Divergence **div)
{
  char      type[32] = "jsd", known[256];
  PetscReal alpha    = 2.0;

  PetscFunctionBeginUser;
  PetscCall(W2DivergenceRegisterAll());
  PetscCall(W2DivergenceList(known, sizeof(known)));
  PetscOptionsBegin(comm, "div_", "f-divergence", NULL);
  PetscCall(PetscOptionsFList("-type", known, NULL, W2DivergenceFunctions, type, type, sizeof(type), NULL));
  PetscCall(PetscOptionsReal("-alpha", "Exponent a of the alpha divergence (a != 0, 1)", NULL, alpha, &alpha, NULL));
  PetscOptionsEnd();
  PetscCall(W2DivergenceCreateByName(comm, type, alpha, div));
  PetscFunctionReturn(0);
}

PetscErrorCode W2DivergenceDestroy(W2Divergence **div)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(*div));
  PetscFunctionReturn(0);
}

PetscErrorCode W2DivergenceEvalF(const W2Divergence *d, PetscReal t, PetscReal *value)
{
  PetscFunctionBeginUser;
  *value = d->f(d, t);
  PetscCheck(!PetscIsNanReal(*value), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "divergence %s: f(t) is undefined at t = %g (t must be >= 0)", d->type, (double)t);
  PetscFunctionReturn(0);
}

PetscErrorCode W2DivergenceEvalDFInv(const W2Divergence *d, PetscReal s, PetscReal *t)
{
  PetscFunctionBeginUser;
  *t = d->dfinv(d, s);
  PetscCheck(!PetscIsNanReal(*t) && !PetscIsInfReal(*t), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "divergence %s: (f')^-1(s) is undefined at s = %g (need s < %g)", d->type, (double)s, (double)d->conj_sup);
  PetscFunctionReturn(0);
}

PetscErrorCode W2DivergenceEvalConj(const W2Divergence *d, PetscReal s, PetscReal *value)
{
  PetscFunctionBeginUser;
  *value = d->conj(d, s);
  PetscCheck(!PetscIsNanReal(*value) && !PetscIsInfReal(*value), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "divergence %s: f*(s) is infinite at s = %g (need s < %g)", d->type, (double)s, (double)d->conj_sup);
  PetscFunctionReturn(0);
}
