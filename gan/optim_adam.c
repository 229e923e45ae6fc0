/// @file Adam (Kingma and Ba 2015): bias-corrected first and second moments, x -= lr m^ / (sqrt(v^) + eps).
#include "gan/optim.h"

static PetscErrorCode Step(W2Optimizer *o, PetscReal x[], const PetscReal g[], PetscInt rows, PetscInt N, const PetscReal J[])
{
  const PetscReal c1 = 1 - PetscPowReal(o->beta1, (PetscReal)o->t), c2 = 1 - PetscPowReal(o->beta2, (PetscReal)o->t);

  PetscFunctionBeginUser;
  (void)rows; (void)N; (void)J;
  for (PetscInt i = 0; i < o->n; i++) {
    o->m[i] = o->beta1 * o->m[i] + (1 - o->beta1) * g[i];
    o->v[i] = o->beta2 * o->v[i] + (1 - o->beta2) * g[i] * g[i];
    x[i] -= o->lr * (o->m[i] / c1) / (PetscSqrtReal(o->v[i] / c2) + o->eps);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerCreate_Adam(W2Optimizer *o)
{
  PetscFunctionBeginUser;
  o->step = Step;
  PetscFunctionReturn(0);
}
