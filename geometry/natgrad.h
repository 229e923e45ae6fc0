/// @file Parameter-space descent of J(theta) = F_f(P_theta||Q): Euclidean, Otto and Gauss-Newton natural gradients, inertial variant (THEORY.md 7).
#pragma once
#include "geometry/metric.h"
#include "divergences/divergence.h"

typedef enum { W2_NATGRAD_EUCLID, W2_NATGRAD_OTTO, W2_NATGRAD_GAUSS_NEWTON, W2_NATGRAD_INERTIAL } W2NatgradMethod;
extern const char *const W2NatgradMethods[]; /* "euclid", "otto", "gauss_newton", "inertial" */
typedef enum { W2_NATGRAD_CHOLESKY, W2_NATGRAD_CG } W2NatgradSolver;

/* The plan: the family, the target q on the grid, the work vectors and the Otto metric's KSP, built once. */
typedef struct {
  const W2Grid       *grid;
  W2Family            fam;
  const W2Divergence *div;
  Vec                 q, rho, phi, drho[W2_FAMILY_MAX_PARAMS];
  W2Metric           *metric;
  PetscReal           eta, beta, damping, tol; /* step, momentum (inertial), lambda in (g + lambda I), stop when J < tol */
  PetscInt            max_it;
  W2NatgradSolver     solver;
} W2Natgrad;

/* q is copied. Defaults eta 0.02, beta 0.5, damping 0, tol 1e-10, max_it 500, Cholesky. */
PetscErrorCode W2NatgradCreate(const W2Grid *grid, W2Family fam, const W2Divergence *div, Vec q, W2Natgrad **ng);
PetscErrorCode W2NatgradDestroy(W2Natgrad **ng);
/* J(theta) = int q f(rho_theta/q) and, by the chain rule, d_i J = int phi d_i rho with phi = f'(rho/q) (grad may be NULL) */
PetscErrorCode W2NatgradObjective(W2Natgrad *ng, const PetscReal theta[], PetscReal *J, PetscReal grad[]);
/* the metric of a method at theta (n x n, row-major): I; Otto pull-back by the KSP; Gauss-Newton E[J^T J] (+ damping for all but euclid) */
PetscErrorCode W2NatgradMetric(W2Natgrad *ng, W2NatgradMethod method, const PetscReal theta[], PetscReal G[]);
/* x = (G + lambda I)^-1 b by Cholesky (LAPACK potrf/potrs via MATSEQDENSE) or by conjugate gradients (relative residual 1e-14) */
PetscErrorCode W2NatgradSolve(PetscInt n, const PetscReal G[], PetscReal lambda, const PetscReal b[], W2NatgradSolver solver, PetscReal x[]);
/* Def. 13.1 / Prop. 8.2: theta_k = theta_{k-1} + beta (theta_{k-1} - theta_{k-2}) - eta g^-1 grad J (beta = 0 unless inertial),
   from theta (overwritten by the last iterate) until J < tol or max_it steps; its = steps taken. Jhist (max_it + 1 entries) and
   path (n (max_it + 1)) may be NULL. */
PetscErrorCode W2NatgradRun(W2Natgrad *ng, W2NatgradMethod method, PetscReal theta[], PetscInt *its, PetscReal Jhist[], PetscReal path[]);
