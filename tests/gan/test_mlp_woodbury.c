/// @file gan/mlp.c batched paths: W2MLPJacobian's batched sweep against one-sample passes, forward passes whose batch grows
/// and shrinks against fresh networks, and W2MLPGaussNewtonWoodbury (Woodbury without forming J) against the Cholesky solve of
/// the metric assembled from J (gan/optim.c), for 1 to 3 outputs and each activation.
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
  const struct {
    W2Activation act;
    PetscInt     nin, nout, depth, width, n;
  } cases[] = {
    {W2_ACT_RELU,       16, 1, 1, 32, 64}, /* the 1-D experiment's generator shape: n < P */
    {W2_ACT_TANH,       3,  2, 2, 6,  40}, /* 2 outputs, two hidden layers: rows n nout = 80 = P */
    {W2_ACT_LEAKY_RELU, 2,  3, 2, 4,  30}, /* 3 outputs: rows 90 > P = 47, the capacitance matrix is still SPD (lambda > 0) */
  };
  W2Rng r;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  W2RngSeed(&r, 5);
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    const PetscInt  nin = cases[c].nin, nout = cases[c].nout, n = cases[c].n, rows = n * nout;
    const PetscReal lambda = 1e-3;
    W2MLP          *m, *fresh;
    PetscReal      *x, *J, *g, *d0, *d1, *G, *row, *dy, *y0, *y1, eJ = 0, sJ = 0, ey, ed, res = 0;
    PetscInt        P;
    PetscCall(W2MLPCreateWithSizes(nin, nout, cases[c].depth, cases[c].width, cases[c].act, &m));
    PetscCall(W2MLPCreateWithSizes(nin, nout, cases[c].depth, cases[c].width, cases[c].act, &fresh));
    PetscCall(W2MLPInitialize(m, 3));
    PetscCall(W2MLPInitialize(fresh, 3));
    P = m->nparams;
    PetscCall(PetscMalloc5(2 * nin * n, &x, rows * P, &J, P, &g, P, &d0, P, &d1));
    PetscCall(PetscMalloc5(P * P, &G, P, &row, nout, &dy, 2 * nout * n, &y0, 2 * nout * n, &y1));
    for (PetscInt k = 0; k < 2 * nin * n; k++) x[k] = W2RngNormal(&r);
    for (PetscInt k = 0; k < P; k++) g[k] = W2RngNormal(&r);

    /* the batched Jacobian against its definition: row k nout + j is the gradient of y_j(x_k), one sample at a time */
    PetscCall(W2MLPJacobian(m, n, x, J));
    for (PetscInt k = 0; k < n; k++) {
      PetscCall(W2MLPForward(fresh, 1, x + nin * k, NULL));
      for (PetscInt j = 0; j < nout; j++) {
        for (PetscInt o = 0; o < nout; o++) dy[o] = o == j ? 1 : 0;
        PetscCall(PetscArrayzero(row, P));
        PetscCall(W2MLPBackward(fresh, dy, row, NULL));
        for (PetscInt p = 0; p < P; p++) {
          eJ = PetscMax(eJ, PetscAbsReal(J[k * nout + j + rows * p] - row[p]));
          sJ = PetscMax(sJ, PetscAbsReal(row[p]));
        }
      }
    }
    W2_CHECK(eJ <= 1e-14 * sJ, "%s, %" PetscInt_FMT " outputs: batched W2MLPJacobian - one-sample passes, max difference %.1e of max|J| %.2e (<= 1e-14 relative: the same products and sums in"
             " the same order, only batched, so 0 is expected; a few eps would still be round-off, a wrong row is O(1))", W2Activations[cases[c].act], nout, (double)eJ, (double)sJ);

    /* buffers kept at the largest batch: 2n, then n, then 2n samples give what fresh networks give */
    PetscCall(W2MLPForward(m, 2 * n, x, y0));
    PetscCall(W2MLPForward(m, n, x + nin * n, y0));
    PetscCall(W2MLPForward(fresh, n, x + nin * n, y1));
    for (PetscInt k = 0; k < nout * n; k++) y0[k] -= y1[k];
    ey = MaxAbs(nout * n, y0) / MaxAbs(nout * n, y1);
    W2_CHECK(ey <= 1e-14, "%s: forward pass of n samples after one of 2n against a fresh network's, relative max difference %.1e (<= 1e-14: same arithmetic in reused buffers, 0"
             " expected; stale or overrun buffers would give O(1))", W2Activations[cases[c].act], (double)ey);

    /* Woodbury without J against the Cholesky solve of G = J^T J / n + lambda I */
    PetscCall(W2GaussNewtonDirection(rows, P, n, J, lambda, W2_GN_CHOLESKY, 0, 0, g, d0, NULL));
    PetscCall(W2MLPGaussNewtonWoodbury(m, n, x, lambda, g, d1));
    PetscCall(W2GaussNewtonMetric(rows, P, n, J, lambda, G));
    for (PetscInt i = 0; i < P; i++) {
      PetscReal s = -g[i];
      for (PetscInt j = 0; j < P; j++) s += G[i + P * j] * d1[j];
      res = PetscMax(res, PetscAbsReal(s));
    }
    for (PetscInt i = 0; i < P; i++) d1[i] -= d0[i];
    ed = MaxAbs(P, d1) / MaxAbs(P, d0);
    W2_CHECK(ed < 1e-8 && res < 1e-9 * MaxAbs(P, g), "%s, %" PetscInt_FMT " outputs, %" PetscInt_FMT " rows, %" PetscInt_FMT " parameters, lambda %.0e: |d_woodbury_without_J - d_cholesky| / |d_cholesky| = %.2e, residual |G d - g| / |g| = %.2e"
             " (< 1e-8 and 1e-9: two exact solves of one SPD system, differences ~ cond(G) eps with cond(G) <= (|J|_F^2/n + lambda)/lambda ~ 1e5)",
             W2Activations[cases[c].act], nout, rows, P, (double)lambda, (double)ed, (double)(res / MaxAbs(P, g)));
    PetscCall(PetscFree5(x, J, g, d0, d1));
    PetscCall(PetscFree5(G, row, dy, y0, y1));
    PetscCall(W2MLPDestroy(&m));
    PetscCall(W2MLPDestroy(&fresh));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
