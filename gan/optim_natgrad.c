/// @file Natural gradient with the Gauss-Newton metric (1/N) sum J_i^T J_i + lambda I of the generator (THEORY.md 7, 8), with or without momentum.
#include "gan/optim.h"

/* d = G^-1 g; m = mu m + d; x -= lr m (mu = 0: plain natural gradient) */
static PetscErrorCode Step(W2Optimizer *o, PetscReal x[], const PetscReal g[], PetscInt rows, PetscInt N, const PetscReal J[])
{
  PetscFunctionBeginUser;
  PetscCall(W2GaussNewtonDirection(rows, o->n, N, J, o->damping, o->solver, o->cg_rtol, o->cg_max_it, g, o->d, NULL));
  for (PetscInt i = 0; i < o->n; i++) {
    o->m[i] = o->momentum * o->m[i] + o->d[i];
    x[i] -= o->lr * o->m[i];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerCreate_Natgrad(W2Optimizer *o)
{
  PetscFunctionBeginUser;
  o->step           = Step;
  o->needs_jacobian = PETSC_TRUE;
  o->momentum       = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerCreate_NatgradMomentum(W2Optimizer *o)
{
  PetscFunctionBeginUser;
  o->step           = Step;
  o->needs_jacobian = PETSC_TRUE;
  o->momentum       = 0.85;
  PetscFunctionReturn(0);
}
