/// @file Optimisers (gan/optim*.c): Cholesky, CG and Woodbury natural-gradient directions agree; the Gauss-Newton metric of G(z) = mu + sigma z
/// is the identity; one Gauss-Newton step solves linear least squares; sgd, adam and momentum steps against their formulas; the registry.
#include "gan/mlp.h"
#include "gan/optim.h"
#include "tests/gan/gantest.h"

static PetscReal MaxAbs(PetscInt n, const PetscReal a[])
{
  PetscReal m = 0;
  for (PetscInt i = 0; i < n; i++) m = PetscMax(m, PetscAbsReal(a[i]));
  return m;
}

int main(int argc, char **argv)
{
  W2Rng r;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  W2RngSeed(&r, 17);
  for (int c = 0; c < 2; c++) {
    /* per-sample Jacobians of an MLP generator (latent 4, one hidden layer of 8 tanh units, 1 output: 49 parameters) */
    const PetscInt N = c ? 64 : 16, nin = 4;
    const PetscReal lambda = 1e-3;
    W2MLP     *gen;
    PetscReal *z, *J, *g, *d[3], e1, e2, res = 0, *G, fro = 0, cond;
    PetscInt   n, its;
    PetscCall(W2MLPCreateWithSizes(nin, 1, 1, 8, W2_ACT_TANH, &gen));
    PetscCall(W2MLPInitialize(gen, 1));
    n = gen->nparams;
    PetscCall(PetscMalloc5(nin * N, &z, N * n, &J, n, &g, n * n, &G, 3 * n, &d[0]));
    d[1] = d[0] + n;
    d[2] = d[1] + n;
    for (PetscInt k = 0; k < nin * N; k++) z[k] = W2RngNormal(&r);
    for (PetscInt k = 0; k < n; k++) g[k] = W2RngNormal(&r);
    PetscCall(W2MLPJacobian(gen, N, z, J));
    PetscCall(W2GaussNewtonDirection(N, n, N, J, lambda, W2_GN_CHOLESKY, 0, 0, g, d[0], NULL));
    PetscCall(W2GaussNewtonDirection(N, n, N, J, lambda, W2_GN_CG, 1e-14, 10 * n, g, d[1], &its));
    PetscCall(W2GaussNewtonDirection(N, n, N, J, lambda, W2_GN_WOODBURY, 0, 0, g, d[2], NULL));
    PetscCall(W2GaussNewtonMetric(N, n, N, J, lambda, G));
    for (PetscInt k = 0; k < N * n; k++) fro += J[k] * J[k];
    cond = (fro / N + lambda) / lambda; /* bound: largest eigenvalue of J^T J / N <= |J|_F^2 / N */
    for (PetscInt i = 0; i < n; i++) {
      PetscReal s = -g[i];
      for (PetscInt j = 0; j < n; j++) s += G[i + n * j] * d[0][j];
      res = PetscMax(res, PetscAbsReal(s));
    }
    for (PetscInt i = 0; i < n; i++) {
      d[1][i] -= d[0][i];
      d[2][i] -= d[0][i];
    }
    e1 = MaxAbs(n, d[1]) / MaxAbs(n, d[0]);
    e2 = MaxAbs(n, d[2]) / MaxAbs(n, d[0]);
    W2_CHECK(e1 < 1e-8 && e2 < 1e-8 && res < 1e-10 * MaxAbs(n, g), "batch %" PetscInt_FMT " %s %" PetscInt_FMT " parameters, lambda = %.0e: |d_cg - d_chol| / |d_chol| = %.2e (%" PetscInt_FMT " CG iterations), |d_woodbury - d_chol| / |d_chol| = %.2e, Cholesky residual |G d - g| = %.2e (< 1e-8: three exact solves of one SPD system, differences ~ cond(G) eps, cond(G) <= (|J|_F^2/N + lambda) / lambda = %.1e)",
             N, N < n ? "<" : ">", n, (double)lambda, (double)e1, its, (double)e2, (double)res, (double)cond);
    PetscCall(PetscFree5(z, J, g, G, d[0]));
    PetscCall(W2MLPDestroy(&gen));
  }
  {
    /* location-scale generator G(z) = sigma z + mu as an MLP without hidden layers: J_i = (z_i, 1), metric [[E z^2, E z], [E z, 1]] */
    W2MLP     *gen;
    PetscReal  zq[4] = {-1, 1, 1, -1}, J[4 * 2], G[4], *z, *Jr, Gr[4];
    const PetscInt N = 4096;
    PetscCall(W2MLPCreateWithSizes(1, 1, 0, 0, W2_ACT_RELU, &gen));
    gen->params[0] = 0.7; /* sigma */
    gen->params[1] = 0.2; /* mu */
    PetscCall(W2MLPJacobian(gen, 4, zq, J));
    PetscCall(W2GaussNewtonMetric(4, 2, 4, J, 0, G));
    W2_CHECK(PetscAbsReal(G[0] - 1) + PetscAbsReal(G[1]) + PetscAbsReal(G[2]) + PetscAbsReal(G[3] - 1) == 0, "G(z) = mu + sigma z, nodes z = +-1 (E z = 0, E z^2 = 1 exactly): metric in (sigma, mu) = [[%.17g, %.17g], [%.17g, %.17g]] = I exactly", (double)G[0], (double)G[2], (double)G[1], (double)G[3]);
    PetscCall(PetscMalloc2(N, &z, 2 * N, &Jr));
    for (PetscInt k = 0; k < N; k++) z[k] = W2RngNormal(&r);
    PetscCall(W2MLPJacobian(gen, N, z, Jr));
    PetscCall(W2GaussNewtonMetric(N, 2, N, Jr, 0, Gr));
    W2_CHECK(PetscAbsReal(Gr[0] - 1) < 5 * PetscSqrtReal(2.0 / N) && PetscAbsReal(Gr[1]) < 5 / PetscSqrtReal(N) && Gr[1] == Gr[2] && Gr[3] == 1, "N = %" PetscInt_FMT " normal samples: metric - I = [[%.2e, %.2e], [%.2e, %.2e]] (sampling error: within 5 standard errors, sqrt(2/N) = %.3f for E z^2, 1/sqrt(N) = %.3f for E z)", N, (double)(Gr[0] - 1), (double)Gr[2], (double)Gr[1], (double)(Gr[3] - 1),
             (double)PetscSqrtReal(2.0 / N), (double)(1 / PetscSqrtReal(N)));
    PetscCall(PetscFree2(z, Jr));
    PetscCall(W2MLPDestroy(&gen));
  }
  {
    /* linear least squares J x ~ y: Gauss-Newton is Newton, one natgrad step with lr = 1 and tiny damping lands on the solution */
    const PetscInt N = 12, n = 3;
    PetscReal      J[12 * 3], y[12], x[3] = {0, 0, 0}, g[3], res[12], gn = 0;
    W2Optimizer   *o;
    for (PetscInt k = 0; k < N * n; k++) J[k] = W2RngNormal(&r);
    for (PetscInt k = 0; k < N; k++) y[k] = W2RngNormal(&r);
    PetscCall(W2OptimizerCreateByName("natgrad", n, &o));
    o->lr      = 1;
    o->damping = 1e-14;
    for (PetscInt i = 0; i < n; i++) {
      g[i] = 0;
      for (PetscInt k = 0; k < N; k++) g[i] -= J[k + N * i] * y[k] / N;
    }
    PetscCall(W2OptimizerStep(o, x, g, N, N, J));
    for (PetscInt k = 0; k < N; k++) res[k] = J[k] * x[0] + J[k + N] * x[1] + J[k + 2 * N] * x[2] - y[k];
    for (PetscInt i = 0; i < n; i++) {
      PetscReal s = 0;
      for (PetscInt k = 0; k < N; k++) s += J[k + N * i] * res[k];
      gn = PetscMax(gn, PetscAbsReal(s / N));
    }
    W2_CHECK(gn < 1e-12, "natgrad on linear least squares (12 x 3), lr = 1: gradient after one step %.2e (< 1e-12: Gauss-Newton = Newton for a linear model; damping 1e-14)", (double)gn);
    PetscCall(W2OptimizerDestroy(&o));
  }
  {
    /* closed-form steps from x = 0 with the same gradient twice */
    const PetscReal g[2] = {0.3, -2.0};
    PetscReal       x[2], e_sgd, e_adam, e_mom;
    W2Optimizer    *o;
    PetscCall(W2OptimizerCreateByName("sgd", 2, &o));
    o->lr = 0.1; o->momentum = 0.5;
    x[0] = x[1] = 0;
    PetscCall(W2OptimizerStep(o, x, g, 0, 0, NULL));
    PetscCall(W2OptimizerStep(o, x, g, 0, 0, NULL));
    e_sgd = PetscMax(PetscAbsReal(x[0] + 0.1 * 2.5 * g[0]), PetscAbsReal(x[1] + 0.1 * 2.5 * g[1])); /* g + (mu g + g) */
    PetscCall(W2OptimizerDestroy(&o));
    PetscCall(W2OptimizerCreateByName("adam", 2, &o));
    o->lr = 0.01;
    x[0] = x[1] = 0;
    PetscCall(W2OptimizerStep(o, x, g, 0, 0, NULL));
    PetscCall(W2OptimizerStep(o, x, g, 0, 0, NULL));
    e_adam = PetscMax(PetscAbsReal(x[0] + 0.02 * PetscAbsReal(g[0]) / (PetscAbsReal(g[0]) + 1e-8)), PetscAbsReal(x[1] - 0.02 * PetscAbsReal(g[1]) / (PetscAbsReal(g[1]) + 1e-8))); /* m^ = g, v^ = g^2 */
    PetscCall(W2OptimizerDestroy(&o));
    PetscCall(W2OptimizerCreateByName("natgrad_momentum", 2, &o));
    {
      /* J = I (N = 1, 2 rows): G = (1 + lambda) I, d = g / (1 + lambda); two steps: lr (1 + (1 + 0.85)) d */
      const PetscReal J[4] = {1, 0, 0, 1};
      o->lr = 0.1;
      x[0] = x[1] = 0;
      PetscCall(W2OptimizerStep(o, x, g, 2, 1, J));
      PetscCall(W2OptimizerStep(o, x, g, 2, 1, J));
      e_mom = PetscMax(PetscAbsReal(x[0] + 0.1 * 2.85 * g[0] / (1 + o->damping)), PetscAbsReal(x[1] + 0.1 * 2.85 * g[1] / (1 + o->damping)));
      W2_CHECK(o->momentum == 0.85 && e_sgd < 1e-15 && e_adam < 1e-15 && e_mom < 1e-15, "two steps with a fixed gradient: sgd (momentum 0.5) %.1e, adam %.1e (bias-corrected moments equal g and g^2), natgrad_momentum (default momentum %.2f) %.1e from their closed forms (round-off)", (double)e_sgd, (double)e_adam, (double)o->momentum, (double)e_mom);
    }
    PetscCall(W2OptimizerDestroy(&o));
  }
  {
    W2Optimizer   *o = NULL;
    PetscErrorCode ierr;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = W2OptimizerCreateByName("rmsprop", 3, &o);
    PetscCall(PetscPopErrorHandler());
    W2_CHECK(ierr == PETSC_ERR_USER_INPUT && !o, "an unknown optimiser name is a user-input error (%d)", (int)ierr);
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
