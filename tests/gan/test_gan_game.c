/// @file The GAN minibatch as a game (gan/batch.c, gan/game.c): gradients of both losses over all parameters against central differences
/// of the losses, and the two independent routes to the game Jacobian, H v (differences of xi) and H^T u (differences of each player's full
/// gradient), meet in <u, H v> = <H^T u, v>, for every loss.
#include "gan/gan.h"
#include "gan/game.h"
#include "tests/gan/gantest.h"

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (int lt = 0; lt < 3; lt++) {
    /* tanh networks (smooth: differences see no kinks), 2-D data, latent 3, batch 16 */
    W2GanLoss     loss = {(W2GanLossType)lt, NULL};
    W2Divergence *div  = NULL;
    W2MLP        *gen, *disc;
    W2GanBatch    b;
    W2Rng         r;
    W2Game        game;
    PetscInt      n;
    PetscReal    *x, *gG, *gD, *u, *v, *Hv, *HTu, eg = 0, gmax = 0, uHv = 0, HTuv = 0;
    if (lt == W2_GAN_FGAN) {
      PetscCall(W2DivergenceCreateByName(PETSC_COMM_SELF, "kl", 0, &div));
      loss.div = div;
    }
    PetscCall(W2MLPCreateWithSizes(3, 2, 1, 6, W2_ACT_TANH, &gen));
    PetscCall(W2MLPCreateWithSizes(2, 1, 1, 5, W2_ACT_TANH, &disc));
    PetscCall(W2MLPInitialize(gen, 1));
    PetscCall(W2MLPInitialize(disc, 2));
    PetscCall(W2GanBatchSetUp(&b, gen, disc, &loss, 2, 3, 16));
    n    = gen->nparams + disc->nparams;
    game = (W2Game){W2GanBatchGradients, &b, n, gen->nparams, 1e-5};
    W2RngSeed(&r, 9);
    for (PetscInt k = 0; k < 2 * 16; k++) b.xr[k] = 0.5 * W2RngNormal(&r);
    for (PetscInt k = 0; k < 3 * 16; k++) b.z[k] = W2RngNormal(&r);
    PetscCall(PetscMalloc7(n, &x, n, &gG, n, &gD, n, &u, n, &v, n, &Hv, n, &HTu));
    PetscCall(PetscArraycpy(x, gen->params, gen->nparams));
    PetscCall(PetscArraycpy(x + gen->nparams, disc->params, disc->nparams));
    for (PetscInt i = 0; i < n; i++) x[i] += 0.1 * W2RngNormal(&r); /* biases away from 0 */
    PetscCall(W2GanBatchGradients(&b, x, gG, gD));
    for (PetscInt i = 0; i < n; i++) gmax = PetscMax(gmax, PetscMax(PetscAbsReal(gG[i]), PetscAbsReal(gD[i])));
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal h = 1e-6, x0 = x[i];
      PetscReal       ldp, lgp, ldm, lgm;
      x[i] = x0 + h;
      PetscCall(W2GanBatchGradients(&b, x, NULL, NULL));
      ldp  = b.ld;
      lgp  = b.lg;
      x[i] = x0 - h;
      PetscCall(W2GanBatchGradients(&b, x, NULL, NULL));
      ldm  = b.ld;
      lgm  = b.lg;
      x[i] = x0;
      eg   = PetscMax(eg, PetscMax(PetscAbsReal((lgp - lgm) / (2 * h) - gG[i]), PetscAbsReal((ldp - ldm) / (2 * h) - gD[i])) / gmax);
    }
    for (PetscInt i = 0; i < n; i++) {
      u[i] = W2RngNormal(&r);
      v[i] = W2RngNormal(&r);
    }
    PetscCall(W2GameJVP(&game, x, v, Hv));
    PetscCall(W2GameVJP(&game, x, u, HTu));
    for (PetscInt i = 0; i < n; i++) {
      uHv += u[i] * Hv[i];
      HTuv += HTu[i] * v[i];
    }
    W2_CHECK(eg < 1e-7 && PetscAbsReal(uHv - HTuv) < 1e-7 * PetscMax(PetscAbsReal(uHv), 1), "%s loss, %" PetscInt_FMT " parameters: gradients of L_G and L_D over all parameters vs central differences, max error / max |g| = %.1e (< 1e-7: O(h^2) + eps/h, h = 1e-6); <u, H v> = %.12f, <H^T u, v> = %.12f (two difference routes, h = 1e-5: agree to 1e-7)",
             W2GanLossTypes[lt], n, (double)eg, (double)uHv, (double)HTuv);
    PetscCall(PetscFree7(x, gG, gD, u, v, Hv, HTu));
    PetscCall(W2GanBatchDestroy(&b));
    PetscCall(W2MLPDestroy(&gen));
    PetscCall(W2MLPDestroy(&disc));
    PetscCall(W2DivergenceDestroy(&div));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
