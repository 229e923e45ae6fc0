/// @file GAN losses and their gradients with respect to the discriminator outputs.
#include <math.h>
#include "gan/loss.h"

const char *const W2GanLossTypes[] = {"minimax", "nonsaturating", "fgan", "W2GanLossType", "W2_GAN_", NULL};

/* log(1 + e^x) and 1 / (1 + e^-x) without overflow */
static inline PetscReal Softplus(PetscReal x) { return x > 0 ? x + log1p(PetscExpReal(-x)) : log1p(PetscExpReal(x)); }
static inline PetscReal Sigmoid(PetscReal x) { return x >= 0 ? 1 / (1 + PetscExpReal(-x)) : PetscExpReal(x) / (1 + PetscExpReal(x)); }

/* Softplus(x) and Sigmoid(x), and (if spm) Softplus(-x) and Sigmoid(-x), with the same operations as above, from one exp(-|x|) and
   one log1p; with_softplus false: no log1p, only the sigmoids are meaningful */
static inline void SoftplusSigmoid(PetscReal x, PetscBool with_softplus, PetscReal *sp, PetscReal *sg, PetscReal *spm, PetscReal *sgm)
{
  const PetscReal e = PetscExpReal(-PetscAbsReal(x)), l = with_softplus ? log1p(e) : 0, big = 1 / (1 + e), small = e / (1 + e);

  *sp = x > 0 ? x + l : l;
  *sg = x >= 0 ? big : small;
  if (spm) {
    *spm = -x > 0 ? -x + l : l;
    *sgm = -x >= 0 ? big : small;
  }
}

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
    /* loss_d = -E_P log D - E_Q log(1 - D); log D = -softplus(-v), log(1 - D) = -softplus(v). softplus(+-v) and sigmoid(+-v) all
       come from e = exp(-|v|) and log1p(e) (SoftplusSigmoid: the values of Softplus and Sigmoid), one exp and one log1p per output
       instead of up to four and two; no log1p when no loss is asked for. */
    const PetscBool losses = (PetscBool)(loss_d || loss_g);
    for (PetscInt i = 0; i < nr; i++) {
      PetscReal sp, sg;
      SoftplusSigmoid(-vr[i], losses, &sp, &sg, NULL, NULL);
      ld += sp / nr;
      if (dd_dvr) dd_dvr[i] = -sg / nr;
    }
    for (PetscInt i = 0; i < nf; i++) {
      PetscReal sp, sg, spm, sgm; /* at vf and at -vf */
      SoftplusSigmoid(vf[i], losses, &sp, &sg, &spm, &sgm);
      ld += sp / nf;
      if (dd_dvf) dd_dvf[i] = sg / nf;
      if (loss->type == W2_GAN_MINIMAX) { /* loss_g = E_Q log(1 - D) */
        lg -= sp / nf;
        if (dg_dvf) dg_dvf[i] = -sg / nf;
      } else { /* loss_g = -E_Q log D */
        lg += spm / nf;
        if (dg_dvf) dg_dvf[i] = -sgm / nf;
      }
    }
  }
  if (loss_d) *loss_d = ld;
  if (loss_g) *loss_g = lg;
  PetscFunctionReturn(0);
}
