/// @file GAN training mode (gan/quantile.c, gan/cmd_gan.c): normal quantiles, W2 to a Gaussian from quantiles, and a short training run
/// of `w2flow gan` whose W2 to the target must fall.
#include <math.h>
#include <unistd.h>
#include "gan/gan.h"
#include "io/options.h"
#include "tests/gan/gantest.h"
#include <petscvec.h>
#include <petscviewerhdf5.h>

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  {
    /* Phi^-1 against Phi (erfc) at 9 points from 1e-10 to 1 - 1e-10, and the tabulated 1.959963984540054 at 0.975 */
    const PetscReal ps[9] = {1e-10, 1e-4, 0.02, 0.3, 0.5, 0.7, 0.98, 1 - 1e-4, 1 - 1e-10};
    PetscReal       err = 0;
    for (int k = 0; k < 9; k++) {
      const PetscReal x = W2NormalQuantile(ps[k]), p = ps[k] < 0.5 ? 0.5 * erfc(-x / PetscSqrtReal(2.0)) : 1 - 0.5 * erfc(x / PetscSqrtReal(2.0));
      err = PetscMax(err, PetscAbsReal(p - ps[k]) / PetscMin(ps[k], 1 - ps[k]));
    }
    W2_CHECK(err < 1e-6 && PetscAbsReal(W2NormalQuantile(0.975) - 1.959963984540054) < 1e-14 && W2NormalQuantile(0.5) == 0, "normal quantile: max relative error of Phi(Phi^-1(p)) in min(p, 1-p) = %.2e (< 1e-6: near p = 1 the test itself loses digits in 1 - p), Phi^-1(0.975) - 1.959963984540054 = %.1e",
             (double)err, (double)(W2NormalQuantile(0.975) - 1.959963984540054));
  }
  {
    /* exact quantiles of N(mu + a, (c sigma)^2), shuffled: W2 = sqrt(a^2 + (c - 1)^2 sigma^2 m2), m2 = mean z_k^2 = 1 - O(log n / n) */
    const PetscInt  n = 1000;
    const PetscReal mu = 2, s = 0.5, a = 0.3, c = 1.4;
    PetscReal       x[1000], w2, m2 = 0, mz = 0;
    for (PetscInt k = 0; k < n; k++) {
      const PetscReal zk = W2NormalQuantile((k + 0.5) / n);
      m2 += zk * zk / n;
      mz += zk / n;
      x[(k * 617) % n] = mu + a + c * s * zk; /* 617 is prime to 1000: a permutation */
    }
    PetscCall(W2GanW2ToGaussian(n, x, mu, s, &w2));
    W2_CHECK(PetscAbsReal(w2 - PetscSqrtReal(a * a + PetscSqr((c - 1) * s) * m2)) < 1e-14 && PetscAbsReal(mz) < 1e-15 && m2 < 1 && m2 > 1 - 3 * PetscLogReal(n) / n, "W2 of shifted and scaled quantiles: %.15f, closed form sqrt(a^2 + (c-1)^2 sigma^2 m2) = %.15f (m2 = %.6f in (1 - 3 log n / n, 1), mean z = %.1e: symmetry)", (double)w2, (double)PetscSqrtReal(a * a + PetscSqr((c - 1) * s) * m2), (double)m2, (double)mz);
  }
  {
    /* short training runs: W2 to N(2, 0.5^2) must fall below half its initial value (a generator that ignores the discriminator stays at its initial W2) */
    const char *opts[4] = {"-gen_optim_type adam", "-gen_optim_type natgrad_momentum -gen_optim_lr 0.02 -gen_optim_damping 1e-2", "examples/gan_gaussian1d.yaml", "-gen_optim_type adam"};
    PetscReal   w2_ends[4];
    for (int k = 0; k < 4; k++) {
      char        cmd[512];
      PetscViewer v;
      Vec         hist;
      PetscReal   w2_0 = NAN, w2_end = NAN;
      PetscCall(PetscOptionsClear(NULL));
      if (k != 2) {
        PetscCall(PetscSNPrintf(cmd, sizeof(cmd), "-output gan_test_%d -overwrite -gan_iterations 600 -gan_eval_every 600 -gan_eval_samples 1000 -disc_optim_lr 2e-3 -gen_optim_lr 2e-3 %s", k, opts[k]));
        PetscCall(PetscOptionsInsertString(NULL, cmd));
      } else {
        /* the example parameter file as `w2flow gan FILE -gan_iterations 600 -output gan_test_2` reads it: every key must be used */
        char  a0[] = "test_gan", a1[] = "-gan_iterations", a2[] = "600", a3[] = "-output", a4[] = "gan_test_2";
        char *args[] = {a0, a1, a2, a3, a4, NULL}, **pargs = args;
        int   nargs  = 5;
        PetscCall(W2OptionsInsertParameterFile(W2_GAN_EXAMPLE, &nargs, &pargs));
      }
      PetscCall(W2CommandGan(PETSC_COMM_WORLD, NULL));
      PetscCall(PetscSNPrintf(cmd, sizeof(cmd), "gan_test_%d.h5", k));
      PetscCall(PetscViewerHDF5Open(PETSC_COMM_WORLD, cmd, FILE_MODE_READ, &v));
      for (int d = 0; d < 2; d++) {
        const PetscScalar *h;
        PetscInt           len;
        PetscCall(VecCreate(PETSC_COMM_WORLD, &hist));
        PetscCall(VecSetBlockSize(hist, d ? 1 : 14)); /* iteration, wall_s, loss_d, loss_g, grad_norm_d, grad_norm_g, W1_quantile, W2_quantile, ... */
        PetscCall(PetscObjectSetName((PetscObject)hist, d ? "w2_initial" : "history"));
        PetscCall(VecLoad(hist, v));
        PetscCall(VecGetSize(hist, &len));
        PetscCall(VecGetArrayRead(hist, &h));
        if (d) w2_0 = h[0];
        else w2_end = h[len - 14 + 7];
        PetscCall(VecRestoreArrayRead(hist, &h));
        PetscCall(VecDestroy(&hist));
      }
      PetscCall(PetscViewerDestroy(&v));
      w2_ends[k] = w2_end;
      if (k < 3) W2_CHECK(w2_end < 0.5 * w2_0, "training with %s: W2 to N(2, 0.5^2) from %.4f to %.4f after 600 steps (< half: the generator learns)", opts[k], (double)w2_0, (double)w2_end);
      else W2_CHECK(w2_ends[3] == w2_ends[0], "the adam run repeated: final W2 %.17g and %.17g are identical (own PRNG, fixed seeds, serial BLAS: bit-for-bit reproducible)", (double)w2_ends[0], (double)w2_ends[3]);
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
