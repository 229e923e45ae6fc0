/// @file Connection and curvature of the potential bundle over a family (THEORY.md section 6, Lemma 6.6, Alg. 1).
#pragma once
#include "geometry/family.h"
#include "divergences/divergence.h"

/* phi_theta = f'(rho_theta / q) on the owned cells (rho must be > 0 where f'(0) is infinite) */
PetscErrorCode W2Potential(W2Family fam, const W2Grid *grid, const W2Divergence *div, const PetscReal theta[], Vec q, Vec phi);
/* Lemma 6.6: A_theta(e_i) = grad u_i with u_i = f''(rho/q) d_i rho / q */
PetscErrorCode W2ConnectionExactPotential(W2Family fam, const W2Grid *grid, const W2Divergence *div, const PetscReal theta[], Vec q, PetscInt i, Vec u);
/* max over cells and axes of |central-difference gradient of u| (periodic) */
/* per cell, max over axes of |d_a u| by central differences (the pointwise |F| of a curvature potential) */
PetscErrorCode W2GradientMagnitude(const W2Grid *grid, Vec u, Vec out);
PetscErrorCode W2GradientMaxNorm(const W2Grid *grid, Vec u, PetscReal *norm);
/* Alg. 1 with a discriminator carried along the two paths theta -> theta + D e_i -> theta + D e_i + D e_j (and i <-> j) by
   the lag model phi^' = phi*(theta') + c (phi^ - phi*(theta')), started trained at theta. Returns the potential w with
   F^ = grad w; with closed, the potential of the closed form -c(1-c)(phi*_{theta+De_j} - phi*_{theta+De_i})/D.
   c = 0 is the exact section (F^ = 0 identically). */
PetscErrorCode W2CurvatureLag(W2Family fam, const W2Grid *grid, const W2Divergence *div, const PetscReal theta[], Vec q, PetscInt i, PetscInt j, PetscReal D, PetscReal c, Vec w, Vec closed);
