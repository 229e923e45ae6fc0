/// @file Natural gradient with the Gauss-Newton metric (1/N) sum J_i^T J_i + lambda I of the generator (THEORY.md 7, 8), with or without momentum.
#include "gan/optim.h"

/* m = mu m + d; x -= lr m (mu = 0: plain natural gradient), d = o->d */
static void Apply(W2Optimizer *o, PetscReal x[])
{
  for (PetscInt i = 0; i < o->n; i++) {
    o->m[i] = o->momentum * o->m[i] + o->d[i];
    x[i] -= o->lr * o->m[i];
  }
}

/* d = G^-1 g, then Apply */
static PetscErrorCode Step(W2Optimizer *o, PetscReal x[], const PetscReal g[], PetscInt rows, PetscInt N, const PetscReal J[])
{
  PetscFunctionBeginUser;
  PetscCall(W2GaussNewtonDirection(rows, o->n, N, J, o->damping, o->solver, o->cg_rtol, o->cg_max_it, g, o->d, NULL));
  Apply(o, x);
  PetscFunctionReturn(0);
}

PetscBool W2OptimizerUsesWoodbury(const W2Optimizer *o, PetscInt rows)
{
  if (o->step != Step || !(o->damping > 0)) return PETSC_FALSE;
  return (PetscBool)(o->solver == W2_GN_WOODBURY || (o->solver == W2_GN_AUTO && rows < o->n));
}

PetscErrorCode W2OptimizerStepDirection(W2Optimizer *o, PetscReal x[], const PetscReal d[])
{
  PetscFunctionBeginUser;
  PetscCheck(o->step == Step, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "optimiser %s does not step along a given natural-gradient direction", o->type);
  o->t++;
  PetscCall(PetscArraycpy(o->d, d, o->n));
  Apply(o, x);
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
