/// @file GAN losses (gan/loss.c): gradients against central differences for every loss and divergence; the f-GAN bound is attained
/// at T = f'(p/q) and equals F_f(P||Q); the minimax discriminator loss at D* = p/(p+q) is log 4 - 2 JSD (Goodfellow et al. 2014).
#include "gan/loss.h"
#include "gan/mlp.h"
#include "tests/gan/gantest.h"

/* maximal relative error (the generator loss depends on the data outputs only in f-GAN, loss_g = -loss_d there) of the three output gradients against central differences of the two losses */
static PetscErrorCode GradientError(const W2GanLoss *loss, PetscInt nr, PetscReal vr[], PetscInt nf, PetscReal vf[], PetscReal *err)
{
  PetscReal gr[8], gf[8], gg[8], scale = 0, e = 0;
  const PetscReal h = 1e-6;

  PetscFunctionBeginUser;
  PetscCall(W2GanLossEval(loss, nr, vr, nf, vf, NULL, NULL, gr, gf, gg));
  for (PetscInt i = 0; i < nr; i++) scale = PetscMax(scale, PetscAbsReal(gr[i]));
  for (PetscInt i = 0; i < nf; i++) scale = PetscMax(scale, PetscMax(PetscAbsReal(gf[i]), PetscAbsReal(gg[i])));
  for (PetscInt i = 0; i < nr + nf; i++) {
    PetscReal *v = i < nr ? &vr[i] : &vf[i - nr], v0 = *v, dp, dm, gp, gm;
    *v = v0 + h;
    PetscCall(W2GanLossEval(loss, nr, vr, nf, vf, &dp, &gp, NULL, NULL, NULL));
    *v = v0 - h;
    PetscCall(W2GanLossEval(loss, nr, vr, nf, vf, &dm, &gm, NULL, NULL, NULL));
    *v = v0;
    e = PetscMax(e, PetscAbsReal((dp - dm) / (2 * h) - (i < nr ? gr[i] : gf[i - nr])) / scale);
    e = PetscMax(e, PetscAbsReal((gp - gm) / (2 * h) - (i < nr ? (loss->type == W2_GAN_FGAN ? -gr[i] : 0) : gg[i - nr])) / scale);
  }
  *err = e;
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const char *divs[]   = {"kl", "reverse_kl", "chi2", "hellinger", "jsd", "alpha", "alpha"};
  PetscReal   alphas[] = {0, 0, 0, 0, 0, 0.5, 2.0};
  PetscReal   vr[5], vf[6];
  /* P and Q on two atoms as multisets of 4 samples: p = (3/4, 1/4), q = (1/2, 1/2) (asymmetric, so kl and reverse_kl differ) */
  const PetscReal p[2] = {0.75, 0.25}, q[2] = {0.5, 0.5};
  const PetscInt  atom_r[4] = {0, 0, 0, 1}, atom_f[4] = {0, 0, 1, 1};
  W2Rng       r;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  W2RngSeed(&r, 11);
  for (PetscInt i = 0; i < 5; i++) vr[i] = W2RngNormal(&r);
  for (PetscInt i = 0; i < 6; i++) vf[i] = W2RngNormal(&r);
  for (int t = 0; t < 2; t++) {
    W2GanLoss loss = {(W2GanLossType)t, NULL};
    PetscReal err, ld, lg, vstar[2], wr[4], wf[4], jsd = 0;
    PetscCall(GradientError(&loss, 5, vr, 6, vf, &err));
    W2_CHECK(err <= 1e-6, "%s: output gradients of both losses vs central differences (h = 1e-6): max relative error %.2e (<= 1e-6: O(h^2) truncation of a smooth function plus eps/h round-off ~ 1e-10)", W2GanLossTypes[t], (double)err);
    for (int a = 0; a < 2; a++) {
      vstar[a] = PetscLogReal(p[a] / q[a]); /* sigmoid(v*) = p / (p + q) */
      jsd += 0.5 * (p[a] * PetscLogReal(2 * p[a] / (p[a] + q[a])) + q[a] * PetscLogReal(2 * q[a] / (p[a] + q[a])));
    }
    for (int k = 0; k < 4; k++) {
      wr[k] = vstar[atom_r[k]];
      wf[k] = vstar[atom_f[k]];
    }
    PetscCall(W2GanLossEval(&loss, 4, wr, 4, wf, &ld, &lg, NULL, NULL, NULL));
    W2_CHECK(PetscAbsReal(ld - (PetscLogReal(4.0) - 2 * jsd)) < 1e-14, "%s: discriminator loss at D* = p/(p+q) is %.15f, log 4 - 2 JSD = %.15f (closed form; to round-off)", W2GanLossTypes[t], (double)ld, (double)(PetscLogReal(4.0) - 2 * jsd));
  }
  for (int d = 0; d < 7; d++) {
    W2Divergence *div;
    W2GanLoss     loss;
    PetscReal     err, ld, lg, Fpq = 0, vstar[2], wr[4], wf[4], worst = -PETSC_MAX_REAL;
    PetscCall(W2DivergenceCreateByName(PETSC_COMM_SELF, divs[d], alphas[d], &div));
    loss.type = W2_GAN_FGAN;
    loss.div  = div;
    PetscCall(GradientError(&loss, 5, vr, 6, vf, &err));
    W2_CHECK(err <= 1e-6, "fgan %s%s: output gradients of both losses vs central differences (h = 1e-6): max relative error %.2e (<= 1e-6: as above)", divs[d], alphas[d] == 0.5 ? " 0.5" : (alphas[d] == 2 ? " 2" : ""), (double)err);
    /* optimal T = f'(p/q), v = g_f^-1(T): V = sum q (t f'(t) - f*(f'(t))) = sum q f(p/q) (Fenchel-Young equality) */
    for (int a = 0; a < 2; a++) {
      const PetscReal T = div->df(div, p[a] / q[a]);
      vstar[a] = div->conj_sup >= PETSC_INFINITY ? T : -PetscLogReal(PetscExpReal(div->conj_sup - T) - 1);
      Fpq += q[a] * div->f(div, p[a] / q[a]);
    }
    for (int k = 0; k < 4; k++) {
      wr[k] = vstar[atom_r[k]];
      wf[k] = vstar[atom_f[k]];
    }
    PetscCall(W2GanLossEval(&loss, 4, wr, 4, wf, &ld, &lg, NULL, NULL, NULL));
    /* any other discriminator gives a smaller bound */
    for (int k = 0; k < 20; k++) {
      PetscReal ur[4], uf[4], dv[2] = {0.3 * W2RngNormal(&r), 0.3 * W2RngNormal(&r)}, l2;
      for (int j = 0; j < 4; j++) {
        ur[j] = wr[j] + dv[atom_r[j]];
        uf[j] = wf[j] + dv[atom_f[j]];
      }
      PetscCall(W2GanLossEval(&loss, 4, ur, 4, uf, &l2, NULL, NULL, NULL, NULL));
      worst = PetscMax(worst, -l2 - Fpq);
    }
    W2_CHECK(PetscAbsReal(-ld - Fpq) < 1e-12 * PetscMax(1, Fpq) && worst <= 0 && lg == -ld, "fgan %s: bound at T = f'(p/q) is %.15f, F_f(P||Q) = %.15f (Fenchel-Young equality; to round-off); 20 perturbed discriminators stay below it (max excess %.2e <= 0)", div->type, (double)-ld, (double)Fpq, (double)worst);
    PetscCall(W2DivergenceDestroy(&div));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
