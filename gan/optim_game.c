/// @file Game-aware joint optimisers (THEORY.md 6, 8): symplectic gradient adjustment (Balduzzi et al. 2018) and consensus
/// optimisation (Mescheder et al. 2017), on x = (generator, discriminator) with Jacobian-vector products of xi by central differences.
#include "gan/optim.h"

/* sga: A = (H - H^T)/2, x -= lr (xi + lambda A^T xi); with alignment (Alg. 1) lambda = gamma sign(<xi, grad Ham> <A^T xi, grad Ham> / n
   + 1/10), grad Ham = grad |xi|^2/2 = H^T xi. */
static PetscErrorCode StepSGA(W2Optimizer *o, PetscReal x[], const PetscReal g[], PetscInt rows, PetscInt N, const PetscReal J[])
{
  const PetscInt n = o->n;
  PetscReal     *HTxi, *Hxi, lambda = o->gamma;

  PetscFunctionBeginUser;
  (void)rows; (void)N; (void)J;
  PetscCall(PetscMalloc2(n, &HTxi, n, &Hxi));
  PetscCall(W2GameVJP(o->game, x, g, HTxi));
  PetscCall(W2GameJVP(o->game, x, g, Hxi));
  for (PetscInt i = 0; i < n; i++) o->d[i] = 0.5 * (HTxi[i] - Hxi[i]); /* A^T xi */
  if (o->align) {
    PetscReal a = 0, b = 0;
    for (PetscInt i = 0; i < n; i++) {
      a += g[i] * HTxi[i];
      b += o->d[i] * HTxi[i];
    }
    lambda = (a * b / n + 0.1 >= 0 ? 1 : -1) * o->gamma;
  }
  o->last_lambda = lambda;
  for (PetscInt i = 0; i < n; i++) {
    o->d[i] = g[i] + lambda * o->d[i];
    x[i] -= o->lr * o->d[i];
  }
  PetscCall(PetscFree2(HTxi, Hxi));
  PetscFunctionReturn(0);
}

/* consensus: x -= lr grad(L + gamma/2 |xi|^2) read player-wise, i.e. x -= lr (xi + gamma H^T xi) */
static PetscErrorCode StepConsensus(W2Optimizer *o, PetscReal x[], const PetscReal g[], PetscInt rows, PetscInt N, const PetscReal J[])
{
  const PetscInt n = o->n;

  PetscFunctionBeginUser;
  (void)rows; (void)N; (void)J;
  PetscCall(W2GameVJP(o->game, x, g, o->d));
  for (PetscInt i = 0; i < n; i++) {
    o->d[i] = g[i] + o->gamma * o->d[i];
    x[i] -= o->lr * o->d[i];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerCreate_SGA(W2Optimizer *o)
{
  PetscFunctionBeginUser;
  o->step       = StepSGA;
  o->needs_game = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerCreate_Consensus(W2Optimizer *o)
{
  PetscFunctionBeginUser;
  o->step       = StepConsensus;
  o->needs_game = PETSC_TRUE;
  PetscFunctionReturn(0);
}
