/// @file Stochastic gradient descent with optional heavy-ball momentum: m = mu m + g, x -= lr m.
#include "gan/optim.h"

static PetscErrorCode Step(W2Optimizer *o, PetscReal x[], const PetscReal g[], PetscInt rows, PetscInt N, const PetscReal J[])
{
  PetscFunctionBeginUser;
  (void)rows; (void)N; (void)J;
  for (PetscInt i = 0; i < o->n; i++) {
    o->m[i] = o->momentum * o->m[i] + g[i];
    x[i] -= o->lr * o->m[i];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerCreate_SGD(W2Optimizer *o)
{
  PetscFunctionBeginUser;
  o->step = Step;
  PetscFunctionReturn(0);
}
