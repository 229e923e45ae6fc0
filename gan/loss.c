/// @file GAN losses and their gradients with respect to the discriminator outputs.
#include <math.h>
#include "gan/loss.h"

const char *const W2GanLossTypes[] = {"minimax", "nonsaturating", "fgan", "W2GanLossType", "W2_GAN_", NULL};

/* log(1 + e^x) and 1 / (1 + e^-x) without overflow */
static inline PetscReal Softplus(PetscReal x) { return x > 0 ? x + log1p(PetscExpReal(-x)) : log1p(PetscExpReal(x)); }
static inline PetscReal Sigmoid(PetscReal x) { return x >= 0 ? 1 / (1 + PetscExpReal(-x)) : PetscExpReal(x) / (1 + PetscExpReal(x)); }

PetscErrorCode W2GanOutputActivation(const W2Divergence *div, PetscReal v, PetscReal *T, PetscReal *dT)
{
  PetscFunctionBeginUser;
  if (div->conj_sup >= PETSC_INFINITY) { /* PETSC_INFINITY: f* finite everywhere */
    *T  = v;
    *dT = 1;
  } else {
    *T  = div->conj_sup - Softplus(-v);
    *dT = Sigmoid(-v);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanLossEval(const W2GanLoss *loss, PetscInt nr, const PetscReal vr[], PetscInt nf, const PetscReal vf[], PetscReal *loss_d, PetscReal *loss_g, PetscReal dd_dvr[], PetscReal dd_dvf[], PetscReal dg_dvf[])
{
  PetscReal ld = 0, lg = 0;

  PetscFunctionBeginUser;
  PetscCheck(nr >= 1 && nf >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GAN loss needs data and generated samples, got %" PetscInt_FMT " and %" PetscInt_FMT, nr, nf);
  if (loss->type == W2_GAN_FGAN) {
    const W2Divergence *div = loss->div;
    PetscCheck(div, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "the f-GAN loss needs a divergence");
    /* V = E_P[T] - E_Q[f*(T)]; (f*)' = (f')^-1 */
    for (PetscInt i = 0; i < nr; i++) {
      PetscReal T, dT;
      PetscCall(W2GanOutputActivation(div, vr[i], &T, &dT));
      ld -= T / nr;
      if (dd_dvr) dd_dvr[i] = -dT / nr;
    }
    for (PetscInt i = 0; i < nf; i++) {
      PetscReal T, dT, fs, dfs;
      PetscCall(W2GanOutputActivation(div, vf[i], &T, &dT));
      PetscCall(W2DivergenceEvalConj(div, T, &fs));
      dfs = div->dfinv(div, T);
      ld += fs / nf;
      if (dd_dvf) dd_dvf[i] = dfs * dT / nf;
      if (dg_dvf) dg_dvf[i] = -dfs * dT / nf;
    }
    lg = -ld;
  } else {
    /* loss_d = -E_P log D - E_Q log(1 - D); log D = -softplus(-v), log(1 - D) = -softplus(v) */
    for (PetscInt i = 0; i < nr; i++) {
      ld += Softplus(-vr[i]) / nr;
      if (dd_dvr) dd_dvr[i] = -Sigmoid(-vr[i]) / nr;
    }
    for (PetscInt i = 0; i < nf; i++) {
      ld += Softplus(vf[i]) / nf;
      if (dd_dvf) dd_dvf[i] = Sigmoid(vf[i]) / nf;
      if (loss->type == W2_GAN_MINIMAX) { /* loss_g = E_Q log(1 - D) */
        lg -= Softplus(vf[i]) / nf;
        if (dg_dvf) dg_dvf[i] = -Sigmoid(vf[i]) / nf;
      } else { /* loss_g = -E_Q log D */
        lg += Softplus(-vf[i]) / nf;
        if (dg_dvf) dg_dvf[i] = -Sigmoid(-vf[i]) / nf;
      }
    }
  }
  if (loss_d) *loss_d = ld;
  if (loss_g) *loss_g = lg;
  PetscFunctionReturn(0);
}
