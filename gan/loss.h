/// @file GAN losses (THEORY.md 8): original minimax, non-saturating, and f-GAN variational bounds for every registered divergence.
#pragma once
#include "divergences/divergence.h"

typedef enum { W2_GAN_MINIMAX, W2_GAN_NONSATURATING, W2_GAN_FGAN } W2GanLossType;
extern const char *const W2GanLossTypes[];

/* The discriminator's raw outputs v: on data (nr of them) and on generated samples (nf).
   minimax/non-saturating: D = sigmoid(v). f-GAN (Nowozin et al. 2016): T = g_f(v) in dom f*, with
   g_f(v) = v when f* is finite everywhere, else conj_sup - log(1 + e^-v), and the bound
   V = E_P[T] - E_Q[f*(T)] <= F_f(P||Q). Both players minimise: the discriminator loss_d, the generator loss_g. */
typedef struct {
  W2GanLossType       type;
  const W2Divergence *div; /* f-GAN only */
} W2GanLoss;

/* g_f and its derivative */
PetscErrorCode W2GanOutputActivation(const W2Divergence *div, PetscReal v, PetscReal *T, PetscReal *dT);
/* Losses and their gradients with respect to the outputs (any gradient pointer may be NULL). */
PetscErrorCode W2GanLossEval(const W2GanLoss *loss, PetscInt nr, const PetscReal vr[], PetscInt nf, const PetscReal vf[], PetscReal *loss_d, PetscReal *loss_g, PetscReal dd_dvr[], PetscReal dd_dvf[], PetscReal dg_dvf[]);
