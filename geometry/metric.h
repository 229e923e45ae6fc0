/// @file Pull-back metrics on a family: exact Otto metric by an elliptic solve, its 1-D closed form, Gauss-Newton (THEORY.md section 7).
#pragma once
#include <petscksp.h>
#include "geometry/family.h"

/* The weighted Laplacian -div(rho grad .) on the periodic grid (face weights: mean of the two cells) and its KSP
   (prefix metric_; default CG + hypre BoomerAMG, constants as null space). */
typedef struct {
  const W2Grid *grid;
  Mat           A, Apin; /* the operator; the same with one cell pinned, for the solver */
  KSP           ksp;
  MatNullSpace  nullsp;
  Vec           b, Aphi;
  PetscInt      iterations; /* KSP iterations of the last W2MetricOtto, summed over its solves */
} W2Metric;

PetscErrorCode W2MetricCreate(const W2Grid *grid, W2Metric **m);
PetscErrorCode W2MetricDestroy(W2Metric **m);
/* Solve -div(rho grad Phi_i) = d_i rho (mean zero) for i < n and return g_ij = int rho grad Phi_i . grad Phi_j
   (row-major n x n, on every rank). Phi may be NULL; else it receives the n potentials. */
PetscErrorCode W2MetricOtto(W2Metric *m, Vec rho, PetscInt n, Vec drho[], Vec Phi[], PetscReal g[]);
/* 1-D closed form on the circle: g_ij = int (F_i - c_i)(F_j - c_j) / rho, F_i(x) = int_0^x d_i rho,
   c_i = int F_i/rho / int 1/rho (periodicity of Phi_i); M quadrature nodes (Simpson for F, trapezoid outside). */
PetscErrorCode W2MetricOtto1DClosedForm(W2Family fam, const W2Grid *grid, const PetscReal theta[], PetscInt M, PetscReal g[]);
/* Gauss-Newton metric of a generator family: (1/N) sum_k J(z_k)^T J(z_k), z_k ~ N(0, I) from rnd */
PetscErrorCode W2MetricGaussNewton(W2Family fam, const PetscReal theta[], PetscInt N, PetscRandom rnd, PetscReal g[]);
/* its expectation E_z[J^T J] by tensor quadrature in z */
PetscErrorCode W2MetricGaussNewtonExact(W2Family fam, const PetscReal theta[], PetscReal g[]);
/* eigenvalues (ascending) of a symmetric n x n matrix */
PetscErrorCode W2SymEigenvalues(PetscInt n, const PetscReal A[], PetscReal eig[]);
/* solve (A + lambda I) x = b for symmetric positive definite A by Cholesky (n small) */
PetscErrorCode W2SymSolve(PetscInt n, const PetscReal A[], PetscReal lambda, const PetscReal b[], PetscReal x[]);
