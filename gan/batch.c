/// @file The two networks of a GAN on one minibatch as a two-player game (gan/game.h): losses and the gradients of both losses over all
/// parameters, by back-propagation through the discriminator and the generator.
#include "gan/gan.h"

PetscErrorCode W2GanBatchSetUp(W2GanBatch *b, W2MLP *gen, W2MLP *disc, const W2GanLoss *loss, PetscInt dim, PetscInt latent, PetscInt nb)
{
  PetscFunctionBeginUser;
  b->gen    = gen;
  b->disc   = disc;
  b->loss   = loss;
  b->dim    = dim;
  b->latent = latent;
  b->nb     = nb;
  PetscCall(PetscMalloc5(dim * nb, &b->xr, latent * nb, &b->z, dim * 2 * nb, &b->xall, 2 * nb, &b->vall, 2 * nb, &b->dv));
  PetscCall(PetscMalloc3(dim * 2 * nb, &b->dx, latent * nb, &b->gx, 2 * nb, &b->dg));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanBatchDestroy(W2GanBatch *b)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree5(b->xr, b->z, b->xall, b->vall, b->dv));
  PetscCall(PetscFree3(b->dx, b->gx, b->dg));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanBatchGradients(void *ctx, const PetscReal x[], PetscReal gG[], PetscReal gD[])
{
  W2GanBatch    *b = (W2GanBatch *)ctx;
  const PetscInt nb = b->nb, dim = b->dim, ng = b->gen->nparams, nd = b->disc->nparams;
  PetscReal     *dvr = b->dv, *dvf = b->dv + nb, *dg = b->dg;

  PetscFunctionBeginUser;
  if (x) {
    PetscCall(PetscArraycpy(b->gen->params, x, ng));
    PetscCall(PetscArraycpy(b->disc->params, x + ng, nd));
  }
  PetscCall(PetscArraycpy(b->xall, b->xr, dim * nb));
  PetscCall(W2MLPForward(b->gen, nb, b->z, b->xall + dim * nb));
  PetscCall(W2MLPForward(b->disc, 2 * nb, b->xall, b->vall));
  PetscCall(W2GanLossEval(b->loss, nb, b->vall, nb, b->vall + nb, &b->ld, &b->lg, dvr, dvf, dg + nb));
  if (gG) {
    /* L_G depends on the data outputs only in the f-GAN (loss_g = -loss_d there); either way not through the generator */
    for (PetscInt k = 0; k < nb; k++) dg[k] = b->loss->type == W2_GAN_FGAN ? -dvr[k] : 0;
    PetscCall(PetscArrayzero(gG, ng + nd));
    PetscCall(W2MLPBackward(b->disc, dg, gG + ng, b->dx));
    PetscCall(W2MLPBackward(b->gen, b->dx + dim * nb, gG, b->gx));
  }
  if (gD) {
    PetscCall(PetscArrayzero(gD, ng + nd));
    PetscCall(W2MLPBackward(b->disc, b->dv, gD + ng, b->dx));
    PetscCall(W2MLPBackward(b->gen, b->dx + dim * nb, gD, b->gx));
  }
  PetscFunctionReturn(0);
}

