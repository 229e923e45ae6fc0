/// @file Game-aware optimisers (gan/optim_game.c) and game Jacobian-vector products (gan/game.c), THEORY.md 6, 8: on the bilinear
/// game and the Dirac-GAN, SGA and consensus converge at their closed-form rates where simultaneous gradient descent spirals out;
/// H v and H^T v by central differences against explicit matrices; |K|_F in full and on random planes.
#include "gan/game.h"
#include "gan/optim.h"
#include "tests/gan/gantest.h"

/* a linear game of n parameters: grad L_G = MG x, grad L_D = MD x (MG, MD symmetric, column-major) */
typedef struct {
  PetscInt         n;
  const PetscReal *MG, *MD;
} LinearGame;

static PetscErrorCode LinearGradients(void *ctx, const PetscReal x[], PetscReal gG[], PetscReal gD[])
{
  const LinearGame *L = (const LinearGame *)ctx;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < L->n; i++) {
    PetscReal a = 0, b = 0;
    for (PetscInt j = 0; j < L->n; j++) {
      a += L->MG[i + L->n * j] * x[j];
      b += L->MD[i + L->n * j] * x[j];
    }
    if (gG) gG[i] = a;
    if (gD) gD[i] = b;
  }
  PetscFunctionReturn(0);
}

/* steps of a joint optimiser (or simultaneous gradient descent: type NULL) on a game from x0; worst |ratio - factor| of the radius per step
   while the radius is below rmax (rmax = inf: every step), and the final radius */
static PetscErrorCode Run(W2Game *game, const char *type, PetscReal lr, PetscReal gamma, PetscInt steps, const PetscReal x0[2], PetscReal factor, PetscReal rmax, PetscReal *worst, PetscReal *rend)
{
  W2Optimizer *o = NULL;
  PetscReal    x[2] = {x0[0], x0[1]}, xi[2];

  PetscFunctionBeginUser;
  if (type) {
    PetscCall(W2OptimizerCreateByName(type, 2, &o));
    o->lr    = lr;
    o->gamma = gamma;
    PetscCall(W2OptimizerSetGame(o, game));
  }
  *worst = 0;
  for (PetscInt k = 0; k < steps; k++) {
    const PetscReal r = PetscHypotReal(x[0], x[1]);
    PetscCall(W2GameXi(game, x, xi));
    if (o) PetscCall(W2OptimizerStep(o, x, xi, 0, 0, NULL));
    else {
      x[0] -= lr * xi[0];
      x[1] -= lr * xi[1];
    }
    if (r < rmax) *worst = PetscMax(*worst, PetscAbsReal(PetscHypotReal(x[0], x[1]) / r - factor));
  }
  *rend = PetscHypotReal(x[0], x[1]);
  PetscCall(W2OptimizerDestroy(&o));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  {
    /* bilinear game L_G = theta psi = -L_D: xi = (psi, -theta), H = [[0, 1], [-1, 0]], H^T H = I. Simultaneous steps multiply the radius by
       sqrt(1 + lr^2); consensus x -= lr (H x + gamma x) and SGA (A = H, A^T xi = x, <xi, H^T xi> = 0 so the aligned lambda is +gamma)
       by sqrt((1 - lr gamma)^2 + lr^2) < 1 for lr < 2 gamma / (1 + gamma^2). */
    const PetscReal MG[4] = {0, 1, 1, 0}, MD[4] = {0, -1, -1, 0}, x0[2] = {1, 0.5}, lr = 0.1, gamma = 1;
    LinearGame      lin   = {2, MG, MD};
    W2Game          game  = {LinearGradients, &lin, 2, 1, 0.1}; /* the field is linear: any h is exact up to round-off eps |x| / h */
    PetscReal       w_sim, w_con, w_sga, r_sim, r_con, r_sga;
    const PetscReal f_sim = PetscSqrtReal(1 + lr * lr), f_game = PetscSqrtReal(PetscSqr(1 - lr * gamma) + lr * lr);
    PetscCall(Run(&game, NULL, lr, 0, 100, x0, f_sim, PETSC_INFINITY, &w_sim, &r_sim));
    PetscCall(Run(&game, "consensus", lr, gamma, 100, x0, f_game, PETSC_INFINITY, &w_con, &r_con));
    PetscCall(Run(&game, "sga", lr, gamma, 100, x0, f_game, PETSC_INFINITY, &w_sga, &r_sga));
    W2_CHECK(w_sim < 1e-14 && w_con < 1e-10 && w_sga < 1e-10 && r_sim > PetscHypotReal(x0[0], x0[1]) && r_con < 1e-2 && r_sga < 1e-2,
             "bilinear game, lr = %.1f, gamma = lambda = %.0f, 100 steps: per-step radius ratio - closed form: simultaneous %.1e (sqrt(1 + lr^2) = %.6f, radius %.3f -> %.3f), consensus %.1e, sga %.1e (sqrt((1 - lr gamma)^2 + lr^2) = %.6f, radius -> %.2e, %.2e); < 1e-10: differences of a linear field are exact up to round-off",
             (double)lr, (double)gamma, (double)w_sim, (double)f_sim, (double)PetscHypotReal(x0[0], x0[1]), (double)r_sim, (double)w_con, (double)w_sga, (double)f_game, (double)r_con, (double)r_sga);
  }
  {
    /* Dirac-GAN, f(t) = -log(1 + e^-t): near 0, H = f'(0) [[0, 1], [-1, 0]] + O(|x|^2), so the per-step radius ratio tends to
       sqrt((1 - lr gamma f'(0)^2)^2 + lr^2 f'(0)^2) for consensus and SGA, sqrt(1 + lr^2 f'(0)^2) for simultaneous steps */
    W2DiracGan      dg   = {PETSC_FALSE, W2_DIRAC_PLAIN, 0};
    W2Game          game = {W2DiracGanGradients, &dg, 2, 1, 1e-5};
    const PetscReal x0[2] = {1, 0.5}, lr = 0.2, gamma = 2, fp = W2DiracDF(0);
    const PetscReal f_game = PetscSqrtReal(PetscSqr(1 - lr * gamma * fp * fp) + PetscSqr(lr * fp));
    PetscReal       w_sim, w_con, w_sga, r_sim, r_con, r_sga;
    PetscCall(Run(&game, NULL, lr, 0, 400, x0, 0, 0, &w_sim, &r_sim));
    PetscCall(Run(&game, "consensus", lr, gamma, 400, x0, f_game, 1e-4, &w_con, &r_con));
    PetscCall(Run(&game, "sga", lr, gamma, 400, x0, f_game, 1e-4, &w_sga, &r_sga));
    /* below radius 1e-4 the nonlinearity changes the ratio by O(r^2) = 1e-8, the differences (h = 1e-5) by O(h^2 + eps/h) ~ 1e-10 */
    W2_CHECK(r_sim > 1.1 * PetscHypotReal(x0[0], x0[1]) && r_con < 1e-6 && r_sga < 1e-6 && w_con < 1e-7 && w_sga < 1e-7,
             "Dirac-GAN, lr = %.1f, gamma = lambda = %.0f, 400 steps from (1, 0.5): simultaneous steps spiral out (radius %.3f -> %.3f); consensus -> %.2e, sga -> %.2e; below radius 1e-4 the per-step ratio matches sqrt((1 - lr gamma f'(0)^2)^2 + lr^2 f'(0)^2) = %.9f to %.1e, %.1e (< 1e-7: O(r^2) nonlinearity)",
             (double)lr, (double)gamma, (double)PetscHypotReal(x0[0], x0[1]), (double)r_sim, (double)r_con, (double)r_sga, (double)f_game, (double)w_con, (double)w_sga);
  }
  {
    /* consensus direction on the nonlinear Dirac-GAN against dirac.c's field with the exact Jacobian: xi + gamma H^T xi = -(v - gamma J^T v) */
    W2DiracGan      dg   = {PETSC_FALSE, W2_DIRAC_CONSENSUS, 0.7};
    W2Game          game = {W2DiracGanGradients, &dg, 2, 1, 1e-5};
    const PetscReal x[2] = {0.7, -0.4};
    PetscReal       xi[2], d[2], v[2], e;
    W2Optimizer    *o;
    PetscCall(W2OptimizerCreateByName("consensus", 2, &o));
    o->gamma = dg.gamma;
    PetscCall(W2OptimizerSetGame(o, &game));
    PetscCall(W2GameXi(&game, x, xi));
    PetscCall(W2OptimizerStep(o, (PetscReal[]){x[0], x[1]}, xi, 0, 0, NULL));
    d[0] = o->d[0];
    d[1] = o->d[1];
    PetscCall(W2DiracGanField(&dg, x, v));
    e = PetscMax(PetscAbsReal(d[0] + v[0]), PetscAbsReal(d[1] + v[1]));
    W2_CHECK(e < 1e-9, "consensus direction at (0.7, -0.4), gamma 0.7: (%.12f, %.12f), closed form -(v - gamma J^T v) with the exact Jacobian (%.12f, %.12f); error %.1e (< 1e-9: O(h^2) differences, h = 1e-5)", (double)d[0], (double)d[1], (double)-v[0], (double)-v[1], (double)e);
    PetscCall(W2OptimizerDestroy(&o));
  }
  {
    /* a general linear game: H = [rows of MG for theta; rows of MD for psi]; H v, H^T v, |K|_F and one SGA step against explicit products.
       The numbers make <xi, H^T xi> <A^T xi, H^T xi> / n + 1/10 < 0: the aligned lambda must be -gamma. */
    const PetscInt  n = 2;
    const PetscReal MG[4] = {3, 1, 1, 0.5}, MD[4] = {0.5, 3, 3, -1}, x[2] = {-1, 2}, gamma = 0.3, lr = 0.05;
    const PetscReal H[4] = {MG[0], MD[1], MG[2], MD[3]}; /* column-major: H_00 = MG_00, H_10 = MD_10, H_01 = MG_01, H_11 = MD_11 */
    LinearGame      lin  = {n, MG, MD};
    W2Game          game = {LinearGradients, &lin, n, 1, 0.1};
    PetscReal       xi[2], Hv[2], HTv[2], v[2] = {0.3, -1.2}, eJ = 0, nK, nKp, ATxi[2], HTxi[2], Hxi[2], a = 0, b = 0, lam, xs[2] = {x[0], x[1]}, es = 0;
    W2Rng           rng;
    W2Optimizer    *o;
    PetscCall(W2GameXi(&game, x, xi));
    PetscCall(W2GameJVP(&game, x, v, Hv));
    PetscCall(W2GameVJP(&game, x, v, HTv));
    for (PetscInt i = 0; i < n; i++) {
      eJ = PetscMax(eJ, PetscAbsReal(Hv[i] - (H[i] * v[0] + H[i + 2] * v[1])));
      eJ = PetscMax(eJ, PetscAbsReal(HTv[i] - (H[2 * i] * v[0] + H[2 * i + 1] * v[1])));
    }
    W2RngSeed(&rng, 4);
    PetscCall(W2GameAntisymmetricNorm(&game, x, 0, NULL, &nK));
    PetscCall(W2GameAntisymmetricNorm(&game, x, 1, &rng, &nKp));
    W2_CHECK(eJ < 1e-13 && PetscAbsReal(nK - PetscAbsReal(H[2] - H[1]) / PetscSqrtReal(2.0)) < 1e-13 && PetscAbsReal(nKp - nK) < 1e-13,
             "linear game: |H v - explicit|, |H^T v - explicit| <= %.1e; |K|_F = %.15f full, %.15f from one random plane, closed form |H_01 - H_10| / sqrt 2 = %.15f (n = 2: one plane is all of R^2); round-off", (double)eJ, (double)nK, (double)nKp, (double)(PetscAbsReal(H[2] - H[1]) / PetscSqrtReal(2.0)));
    for (PetscInt i = 0; i < n; i++) {
      Hxi[i]  = H[i] * xi[0] + H[i + 2] * xi[1];
      HTxi[i] = H[2 * i] * xi[0] + H[2 * i + 1] * xi[1];
    }
    for (PetscInt i = 0; i < n; i++) {
      ATxi[i] = 0.5 * (HTxi[i] - Hxi[i]);
      a += xi[i] * HTxi[i];
      b += ATxi[i] * HTxi[i];
    }
    lam = (a * b / n + 0.1 >= 0 ? 1 : -1) * gamma;
    PetscCall(W2OptimizerCreateByName("sga", n, &o));
    o->lr    = lr;
    o->gamma = gamma;
    PetscCall(W2OptimizerSetGame(o, &game));
    PetscCall(W2OptimizerStep(o, xs, xi, 0, 0, NULL));
    for (PetscInt i = 0; i < n; i++) es = PetscMax(es, PetscAbsReal(xs[i] - (x[i] - lr * (xi[i] + lam * ATxi[i]))));
    W2_CHECK(lam < 0 && o->last_lambda == lam && es < 1e-14, "sga with alignment: <xi, grad Ham> <A^T xi, grad Ham> / n + 0.1 = %.4f < 0, so lambda = %.2f (optimiser: %.2f); step - explicit formula %.1e (round-off)", (double)(a * b / n + 0.1), (double)lam, (double)o->last_lambda, (double)es);
    PetscCall(W2OptimizerDestroy(&o));
  }
  {
    /* |K|_F of a random 6 x 6 linear game: full against explicit, and the plane estimator sqrt(n (n - 1) mean k^2) over 4000 planes */
    enum { n = 6 };
    PetscReal  MG[n * n], MD[n * n], H[n * n], K[n * n], x[n], nK, nKp, ex;
    W2Rng      rng;
    LinearGame lin  = {n, MG, MD};
    W2Game     game = {LinearGradients, &lin, n, 3, 0.1};
    W2RngSeed(&rng, 11);
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j <= i; j++) {
        MG[i + n * j] = MG[j + n * i] = W2RngNormal(&rng);
        MD[i + n * j] = MD[j + n * i] = W2RngNormal(&rng);
      }
    for (PetscInt i = 0; i < n; i++) {
      x[i] = W2RngNormal(&rng);
      for (PetscInt j = 0; j < n; j++) H[i + n * j] = i < 3 ? MG[i + n * j] : MD[i + n * j];
    }
    PetscCall(W2GameSplit(n, H, NULL, K));
    ex = W2GameNorm(n, K);
    PetscCall(W2GameAntisymmetricNorm(&game, x, 0, NULL, &nK));
    PetscCall(W2GameAntisymmetricNorm(&game, x, 4000, &rng, &nKp));
    /* the estimate of |K|_F^2 averages 4000 values k^2 whose relative spread is O(1): standard error ~ 2 %; 10 % is 5 of them */
    W2_CHECK(PetscAbsReal(nK - ex) < 1e-12 * ex && PetscAbsReal(nKp / ex - 1) < 0.1, "6 x 6 linear game: |K|_F full %.15f, explicit %.15f; from 4000 random planes %.4f (ratio %.4f, within 10 %%: sampling error)", (double)nK, (double)ex, (double)nKp, (double)(nKp / ex));
  }
  {
    char list[256];
    PetscCall(W2OptimizerList(list, sizeof(list)));
    W2_CHECK(strstr(list, "sga") && strstr(list, "consensus"), "registry lists %s", list);
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
