/// @file Second variation of F_f(.||Q) along W2 geodesics (id + t grad psi)_# rho_0 on the torus (THEORY.md section 5, Thm. 5.7).
#pragma once
#include "grid/grid.h"
#include "divergences/divergence.h"

/* The plan: a von Mises product target q = prod_a exp(kappa cos(2 pi x_a / L_a)) / Z_a with analytic gradient and Hessian,
   a perturbation p (mean zero under q, |p| <= 1) so rho_0 = q (1 + delta p), and `samples` random periodic potentials psi
   (Fourier modes 1..modes per axis, seeded) scaled so sum_k (|a_k| + |b_k|) |k|^2 = amplitude >= max |Hess psi|_F: then
   I + t Hess psi > 0 for |t| < 1/amplitude. Both scalings are independent of the grid. Everything is tabulated once on the owned cells; evaluations are cheap. */
typedef struct {
  const W2Grid *grid;
  PetscInt      nloc, samples, modes;
  PetscReal     kappa, amplitude, Z[2];
  PetscReal    *q, *dq, *hq, *p; /* per cell: q; grad q (2); Hess q (xx, xy, yy); perturbation */
  PetscReal    *g, *H;           /* per sample and cell: grad psi (2); Hess psi (xx, xy, yy) */
} W2Convexity;

/* Reads -<prefix>samples -<prefix>modes -<prefix>kappa -<prefix>amplitude -<prefix>seed (defaults 64, 3, 1, 0.5, 7). */
PetscErrorCode W2ConvexityCreate(const W2Grid *grid, const char prefix[], W2Convexity **cx);
PetscErrorCode W2ConvexityDestroy(W2Convexity **cx);
/* q at an arbitrary point (its formula: the Lagrangian energy needs q off the grid) */
PetscReal W2ConvexityTarget(const W2Convexity *cx, PetscReal x, PetscReal y);
/* Per sample s: F''(0) by the analytic t-derivatives of the Lagrangian integrand (d2F[s]), int rho_0 |grad psi|^2 (gnorm[s])
   and int rho_0 |Hess psi|_F^2 (hnorm[s]); any output may be NULL. Arrays of length samples, on every rank. */
PetscErrorCode W2ConvexitySecondVariation(W2Convexity *cx, const W2Divergence *div, PetscReal delta, PetscReal d2F[], PetscReal gnorm[], PetscReal hnorm[]);
/* lambda = min_s F''/int rho_0 |grad psi|^2 and the paper's normalisation min_s F''/int rho_0 |Hess psi|^2 */
PetscErrorCode W2ConvexityLambda(W2Convexity *cx, const W2Divergence *div, PetscReal delta, PetscReal *lambda_grad, PetscReal *lambda_hess);
/* F(rho_t) = int q(x + t grad psi) f(rho_0 / (J_t q(x + t grad psi))) J_t dx for sample s (Lagrangian form, q off-grid) */
PetscErrorCode W2ConvexityEnergy(W2Convexity *cx, const W2Divergence *div, PetscReal delta, PetscInt s, PetscReal t, PetscReal *F);
/* F''(0) by the fourth-order central difference in t with step h: error O(h^4) + O(eps |F| / h^2) */
PetscErrorCode W2ConvexitySecondVariationFD(W2Convexity *cx, const W2Divergence *div, PetscReal delta, PetscInt s, PetscReal h, PetscReal *d2F);
/* int (div(q grad psi))^2 / q for sample s: F''(0) at rho_0 = q equals f''(1) times this (THEORY.md 5) */
PetscErrorCode W2ConvexityRestForm(W2Convexity *cx, PetscInt s, PetscReal *value);
