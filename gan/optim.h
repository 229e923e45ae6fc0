/// @file Generator and discriminator optimisers (THEORY.md 8), chosen by name from a registry: sgd, adam, natgrad, natgrad_momentum,
/// and the game-aware joint optimisers sga and consensus (THEORY.md 6, 8).
#pragma once
#include <petscsys.h>
#include "gan/game.h"

/* Solves of the Gauss-Newton system ((1/N) sum_i J_i^T J_i + lambda I) d = g. auto: woodbury when the rows of J are fewer than
   the parameters and lambda > 0, else cholesky. */
typedef enum { W2_GN_AUTO, W2_GN_CHOLESKY, W2_GN_CG, W2_GN_WOODBURY } W2GNSolver;
extern const char *const W2GNSolvers[];

typedef struct W2Optimizer_s W2Optimizer;
struct W2Optimizer_s {
  char       type[32];
  PetscInt   n;             /* parameters */
  PetscReal  lr;            /* step */
  PetscReal  beta1, beta2;  /* adam moment decays */
  PetscReal  eps;           /* adam denominator guard */
  PetscReal  momentum;      /* heavy ball (sgd; natgrad_momentum, 0.85 by default) */
  PetscReal  damping;       /* lambda of the Gauss-Newton metric */
  W2GNSolver solver;
  PetscReal  cg_rtol;
  PetscInt   cg_max_it;
  PetscBool  needs_jacobian; /* natgrad*: the step needs the per-sample generator Jacobians */
  PetscInt   t;              /* steps taken */
  PetscReal *m, *v, *d;      /* state: first and second moments / velocity; last direction */
  /* x -= step(g); J: rows x n column-major stacked per-sample Jacobians of N samples (rows = N * outputs), or NULL */
  PetscErrorCode (*step)(W2Optimizer *, PetscReal x[], const PetscReal g[], PetscInt rows, PetscInt N, const PetscReal J[]);
  /* game-aware optimisers (sga, consensus): they act on the joint parameters x = (generator, discriminator) of a game, take
     g = xi(x), the simultaneous gradient, and evaluate Jacobian-vector products of xi through the game */
  PetscBool     needs_game;
  const W2Game *game;  /* borrowed, set by W2OptimizerSetGame */
  PetscReal     gamma; /* consensus: gamma in L + gamma/2 |xi|^2; sga: lambda */
  PetscBool     align; /* sga: sign alignment of lambda (Balduzzi et al. 2018, Alg. 1) */
  PetscReal     last_lambda; /* sga: the signed lambda of the last step */
};
typedef PetscErrorCode (*W2OptimizerCtor)(W2Optimizer *);

PetscErrorCode W2OptimizerRegisterAll(void);
PetscErrorCode W2OptimizerRegister(const char name[], W2OptimizerCtor ctor);
PetscErrorCode W2OptimizerList(char *buf, size_t len);
/* Reads -<prefix>optim_type (default type), _lr, _beta1, _beta2, _eps, _momentum, _damping, _solver, _cg_rtol, _cg_max_it. */
PetscErrorCode W2OptimizerCreate(MPI_Comm comm, const char prefix[], const char type[], PetscInt n, W2Optimizer **opt);
PetscErrorCode W2OptimizerCreateByName(const char type[], PetscInt n, W2Optimizer **opt);
PetscErrorCode W2OptimizerStep(W2Optimizer *opt, PetscReal x[], const PetscReal g[], PetscInt rows, PetscInt N, const PetscReal J[]);
PetscErrorCode W2OptimizerDestroy(W2Optimizer **opt);
/* natgrad, natgrad_momentum: whether the direction is the Woodbury solve (solver woodbury, or auto with rows < parameters;
   damping > 0), so that W2MLPGaussNewtonWoodbury may compute it without forming J; and the step along such a direction */
PetscBool      W2OptimizerUsesWoodbury(const W2Optimizer *opt, PetscInt rows);
PetscErrorCode W2OptimizerStepDirection(W2Optimizer *opt, PetscReal x[], const PetscReal d[]);
/* the game a joint optimiser differentiates (n must equal game->n) */
PetscErrorCode W2OptimizerSetGame(W2Optimizer *opt, const W2Game *game);

/* G = (1/N) J^T J + lambda I (n x n, column-major) */
PetscErrorCode W2GaussNewtonMetric(PetscInt rows, PetscInt n, PetscInt N, const PetscReal J[], PetscReal lambda, PetscReal G[]);
/* d = G^-1 g by the chosen solve; *its: CG iterations (0 for the direct solves; may be NULL) */
PetscErrorCode W2GaussNewtonDirection(PetscInt rows, PetscInt n, PetscInt N, const PetscReal J[], PetscReal lambda, W2GNSolver solver, PetscReal cg_rtol, PetscInt cg_max_it, const PetscReal g[], PetscReal d[], PetscInt *its);

/* the registered constructors */
PetscErrorCode W2OptimizerCreate_SGD(W2Optimizer *);
PetscErrorCode W2OptimizerCreate_Adam(W2Optimizer *);
PetscErrorCode W2OptimizerCreate_Natgrad(W2Optimizer *);
PetscErrorCode W2OptimizerCreate_NatgradMomentum(W2Optimizer *);
PetscErrorCode W2OptimizerCreate_SGA(W2Optimizer *);
PetscErrorCode W2OptimizerCreate_Consensus(W2Optimizer *);
