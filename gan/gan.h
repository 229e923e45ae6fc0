/// @file GAN training mode (THEORY.md 8): the `w2flow gan` command, the normal quantile, and the two networks on a minibatch as a game.
#pragma once
#include <petscsys.h>
#include "gan/loss.h"
#include "gan/mlp.h"

/* Phi^-1(p) of the standard normal, 0 < p < 1 (Acklam's rational approximation, one Halley step: ~1e-15) */
PetscReal W2NormalQuantile(PetscReal p);
/* W2 between the empirical law of n samples (sorted in place) and N(mu, sigma^2) from quantiles:
   W2^2 = (1/n) sum_k (x_(k) - mu - sigma Phi^-1((k - 1/2)/n))^2 */
PetscErrorCode W2GanW2ToGaussian(PetscInt n, PetscReal x[], PetscReal mu, PetscReal sigma, PetscReal *w2);
/* `w2flow gan [PARAMS.yaml]`: train a generator toward a 1-D or 2-D target (gan/target.h); HDF5 + CSV history of losses, gradient norms, metrics */
PetscErrorCode W2CommandGan(MPI_Comm comm, const char *file);

/* The two networks on one minibatch as a game (gan/game.h): x = (generator parameters, discriminator parameters), both players minimise. */
typedef struct {
  W2MLP           *gen, *disc;
  const W2GanLoss *loss;
  PetscInt         dim, latent, nb;
  PetscReal       *xr, *z;                     /* data (dim x nb) and latent draws (latent x nb) */
  PetscReal       *xall, *vall, *dv, *dg, *dx, *gx; /* work: inputs and outputs of D on data and generated samples, their gradients */
  PetscReal        ld, lg;                     /* losses of the last evaluation */
} W2GanBatch;

PetscErrorCode W2GanBatchSetUp(W2GanBatch *b, W2MLP *gen, W2MLP *disc, const W2GanLoss *loss, PetscInt dim, PetscInt latent, PetscInt nb);
PetscErrorCode W2GanBatchDestroy(W2GanBatch *b);
/* a W2GameGradients (ctx = W2GanBatch): the networks take x = (generator, discriminator parameters) if x is not NULL, then gG = grad L_G and
   gD = grad L_D over all parameters on the batch (xr, z), either may be NULL; b->ld, b->lg receive the losses */
PetscErrorCode W2GanBatchGradients(void *ctx, const PetscReal x[], PetscReal gG[], PetscReal gD[]);
