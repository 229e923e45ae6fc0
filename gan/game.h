/// @file Two-player game dynamics (THEORY.md 6, 8): game Jacobians, their antisymmetric parts, spectra; the Dirac-GAN of Mescheder et al. 2018.
#pragma once
#include <petscsys.h>
#include "gan/mlp.h"

/* A vector field on R^n: the update direction of simultaneous gradient play, v = (-grad_theta L_G, -grad_psi L_D). */
typedef PetscErrorCode (*W2GameField)(void *ctx, const PetscReal x[], PetscReal v[]);

/* H_ij = d v_i / d x_j by central differences of step h (column-major, n x n). */
PetscErrorCode W2GameJacobianFD(W2GameField field, void *ctx, PetscInt n, const PetscReal x[], PetscReal h, PetscReal H[]);
/* S = (H + H^T)/2, K = (H - H^T)/2 (Balduzzi et al. 2018); either may be NULL. */
PetscErrorCode W2GameSplit(PetscInt n, const PetscReal H[], PetscReal S[], PetscReal K[]);
/* Eigenvalues re + i im of a general n x n matrix (LAPACK dgeev). */
PetscErrorCode W2GameEigenvalues(PetscInt n, const PetscReal H[], PetscReal re[], PetscReal im[]);
/* Frobenius norm */
PetscReal W2GameNorm(PetscInt n, const PetscReal A[]);

/* Dirac-GAN: data delta_0, generator delta_theta, D(x) = psi x; x = (theta, psi).
   L = f(psi theta) + f(0), f(t) = -log(1 + e^-t) (or the bilinear game L = theta psi);
   the generator minimises L, the discriminator maximises L - gamma/2 psi^2 (R1: |grad_x D|^2 = psi^2 on the data).
   consensus: v - gamma grad(|v|^2 / 2) = v - gamma J^T v (Mescheder et al. 2017). */
typedef enum { W2_DIRAC_PLAIN, W2_DIRAC_R1, W2_DIRAC_CONSENSUS } W2DiracRegularizer;
typedef struct {
  PetscBool          bilinear;
  W2DiracRegularizer reg;
  PetscReal          gamma;
} W2DiracGan;

PetscReal      W2DiracF(PetscReal t);   /* f(t) = -log(1 + e^-t) */
PetscReal      W2DiracDF(PetscReal t);  /* f'(t) = 1 / (1 + e^t) */
PetscReal      W2DiracD2F(PetscReal t); /* f''(t) */
PetscErrorCode W2DiracGanObjective(const W2DiracGan *g, const PetscReal x[2], PetscReal *L, PetscReal grad[2]);
/* exact Jacobian of the plain or R1 field (column-major 2 x 2); for consensus, of the underlying plain field */
PetscErrorCode W2DiracGanFieldJacobian(const W2DiracGan *g, const PetscReal x[2], PetscReal J[4]);
/* the update field, a W2GameField with ctx = W2DiracGan */
PetscErrorCode W2DiracGanField(void *ctx, const PetscReal x[], PetscReal v[]);
/* the gradient of L alone, a W2GameField: its Jacobian is the (symmetric) Hessian of a single objective */
PetscErrorCode W2DiracGanObjectiveGradient(void *ctx, const PetscReal x[], PetscReal v[]);

/* A game on joint parameters x = (theta, psi), theta = x[0 .. n_first), both players minimising their own loss:
   grads(ctx, x, gG, gD) gives gG = grad_x L_G and gD = grad_x L_D over ALL of x (either may be NULL: not wanted).
   The simultaneous gradient is xi = (gG[theta], gD[psi]); its Jacobian H = d xi / dx is the game Jacobian (THEORY.md 6). */
typedef PetscErrorCode (*W2GameGradients)(void *ctx, const PetscReal x[], PetscReal gG[], PetscReal gD[]);
typedef struct {
  W2GameGradients grads;
  void           *ctx;
  PetscInt        n, n_first;
  PetscReal       h; /* length of the central-difference perturbation */
} W2Game;

/* xi(x) */
PetscErrorCode W2GameXi(const W2Game *g, const PetscReal x[], PetscReal xi[]);
/* H v by central differences of xi along v (exact gradients; error O(h^2) + O(eps/h)) */
PetscErrorCode W2GameJVP(const W2Game *g, const PetscReal x[], const PetscReal v[], PetscReal Hv[]);
/* H^T v without a reverse pass: each player's Hessian is symmetric, so H^T v = D_(v_theta, 0) grad L_G + D_(0, v_psi) grad L_D,
   two central differences of the full gradients of the two losses */
PetscErrorCode W2GameVJP(const W2Game *g, const PetscReal x[], const PetscReal v[], PetscReal HTv[]);
/* |K|_F of K = (H - H^T)/2. planes = 0: H column by column (n JVPs). planes > 0: on random orthonormal pairs (u, v) (from rng)
   K restricted to span{u, v} is [[0, k], [-k, 0]], k = (u^T H v - v^T H u)/2, and E k^2 = |K|_F^2 / (n (n - 1)) for Haar-random
   pairs, so |K|_F is estimated by sqrt(n (n - 1) mean k^2) (unbiased in |K|_F^2; exact when n = 2). */
PetscErrorCode W2GameAntisymmetricNorm(const W2Game *g, const PetscReal x[], PetscInt planes, W2Rng *rng, PetscReal *norm);
/* The Dirac-GAN as a W2Game (ctx = W2DiracGan, n = 2, n_first = 1): L_G = L, L_D = -L (+ gamma/2 psi^2 with R1) */
PetscErrorCode W2DiracGanGradients(void *ctx, const PetscReal x[], PetscReal gG[], PetscReal gD[]);
