/// @file A non-parametric grid discriminator carried along a path in theta (THEORY.md section 6): logit l per cell,
/// D = sigmoid(l), trained by k gradient steps per move on the GAN discriminator loss, potential phi^ = f'(exp(-l)).
#pragma once
#include "geometry/connection.h"

/* The loss with real = Q and fake = P: L(l) = -int q log D - int rho log(1 - D), D = sigmoid(l). It is pointwise, so its
   L2 gradient is g(x) = rho sigmoid(l) - q sigmoid(-l), its minimiser l* = log(q/rho) (D* = q/(q + rho)), and its second
   derivative h = (q + rho) D (1 - D) equals q rho/(q + rho) at l*. One step is l <- l - step g; near l* the error
   contracts per cell by 1 - step h, hence by c(x) = (1 - step q rho/(q + rho))^k over a move of k steps. */
typedef struct {
  const W2Grid       *grid;
  const W2Divergence *div;
  Vec                 q;    /* the target density (borrowed) */
  Vec                 l;    /* the logit, the state carried along the path */
  Vec                 work;
  PetscReal           step; /* gradient step size s */
} W2Discriminator;

PetscErrorCode W2DiscriminatorCreate(const W2Grid *grid, const W2Divergence *div, Vec q, PetscReal step, W2Discriminator **d);
PetscErrorCode W2DiscriminatorDestroy(W2Discriminator **d);
/* 4 / max(q + rho): the reciprocal of the largest per-cell Lipschitz constant (q + rho)/4 of g, a step that never overshoots */
PetscErrorCode W2DiscriminatorSafeStep(Vec q, Vec rho, PetscReal *step);
/* l = log(q/rho): the trained discriminator (rho must be > 0) */
PetscErrorCode W2DiscriminatorSetOptimal(W2Discriminator *d, Vec rho);
/* k gradient steps against the fake density rho, warm-started from the current l; gnorm (may be NULL) receives max|g| after */
PetscErrorCode W2DiscriminatorTrain(W2Discriminator *d, Vec rho, PetscInt k, PetscReal *gnorm);
/* the discrete loss sum dV (-q log D - rho log(1 - D)) */
PetscErrorCode W2DiscriminatorLoss(W2Discriminator *d, Vec rho, PetscReal *loss);
/* phi^ = f'(exp(-l)) */
PetscErrorCode W2DiscriminatorPotential(W2Discriminator *d, Vec phi);
/* the a-posteriori bound of |phi^ - f'(rho/q)| from the residual gradient: |dphi/dl| |g| / h per cell, h at the current l */
PetscErrorCode W2DiscriminatorErrorEstimate(W2Discriminator *d, Vec rho, Vec est);
/* the predicted per-move contraction c(x) = (1 - step q rho/(q + rho))^k at the fake density rho */
PetscErrorCode W2DiscriminatorContraction(W2Discriminator *d, Vec rho, PetscInt k, Vec c);

/* Alg. 1 curvature of the carried discriminator: started trained at theta, moved theta -> theta + D e_i -> theta + D e_i + D e_j
   (and i <-> j) with k steps of size step per move. w: the potential with F^ = grad w. closed (may be NULL): the lag-model
   closed form -c(1-c)(phi*_{theta+De_j} - phi*_{theta+De_i})/D with the per-cell c(x) of W2DiscriminatorContraction at theta. */
PetscErrorCode W2CurvatureDiscriminator(W2Family fam, const W2Grid *grid, const W2Divergence *div, const PetscReal theta[], Vec q, PetscInt i, PetscInt j, PetscReal D, PetscReal step, PetscInt k, Vec w, Vec closed);
