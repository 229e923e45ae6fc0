/// @file MLPs (gan/mlp.c): reproducible initialisation; parameter and input gradients and per-sample Jacobians against central differences.
#include "gan/mlp.h"
#include "tests/gan/gantest.h"

/* L = sum c .* mlp(x) */
static PetscErrorCode Objective(W2MLP *m, PetscInt n, const PetscReal x[], const PetscReal c[], PetscReal *L)
{
  const PetscInt nout = m->widths[m->nlayers];
  PetscReal     *y;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nout * n, &y));
  PetscCall(W2MLPForward(m, n, x, y));
  *L = 0;
  for (PetscInt k = 0; k < nout * n; k++) *L += c[k] * y[k];
  PetscCall(PetscFree(y));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const PetscInt nin = 3, nout = 2, n = 4;
  PetscReal      x[3 * 4], c[2 * 4];
  W2Rng          r;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  W2RngSeed(&r, 7);
  for (PetscInt k = 0; k < nin * n; k++) x[k] = W2RngNormal(&r);
  for (PetscInt k = 0; k < nout * n; k++) c[k] = W2RngNormal(&r);
  {
    /* the stream: same seed, same bits; N(0,1) moments within 5 standard errors (CLT: sd of the mean 1/sqrt(N), of the 2nd moment sqrt(2/N)) */
    W2Rng          a, b;
    const PetscInt N = 200000;
    PetscReal      s1 = 0, s2 = 0;
    PetscBool      same = PETSC_TRUE;
    W2RngSeed(&a, 42);
    W2RngSeed(&b, 42);
    for (PetscInt k = 0; k < 1000; k++) same = (PetscBool)(same && W2RngNext(&a) == W2RngNext(&b));
    for (PetscInt k = 0; k < N; k++) {
      PetscReal z = W2RngNormal(&a);
      s1 += z;
      s2 += z * z;
    }
    s1 /= N;
    s2 /= N;
    W2_CHECK(same, "two streams from seed 42 agree bit for bit over 1000 draws");
    W2_CHECK(PetscAbsReal(s1) < 5 / PetscSqrtReal(N) && PetscAbsReal(s2 - 1) < 5 * PetscSqrtReal(2.0 / N), "Box-Muller normals, N = %" PetscInt_FMT ": mean %.2e (bound %.2e), second moment - 1 = %.2e (bound %.2e): 5 standard errors", N, (double)s1, (double)(5 / PetscSqrtReal(N)), (double)(s2 - 1), (double)(5 * PetscSqrtReal(2.0 / N)));
  }
  for (int act = 0; act < 3; act++) {
    W2MLP    *m, *m2;
    PetscReal L, *g, *gx, *J, errp = 0, errx = 0, gmax = 0, gxmax = 0, errJ = 0;
    PetscBool same = PETSC_TRUE;
    PetscCall(W2MLPCreateWithSizes(nin, nout, 2, 5, (W2Activation)act, &m));
    PetscCall(W2MLPCreateWithSizes(nin, nout, 2, 5, (W2Activation)act, &m2));
    PetscCall(W2MLPInitialize(m, 3));
    PetscCall(W2MLPInitialize(m2, 3));
    for (PetscInt p = 0; p < m->nparams; p++) same = (PetscBool)(same && m->params[p] == m2->params[p]);
    W2_CHECK(same && m->nparams == 5 * 4 + 5 * 6 + 2 * 6, "%s: two networks from seed 3 have identical parameters (%" PetscInt_FMT " = 5*4 + 5*6 + 2*6)", W2Activations[act], m->nparams);
    /* biases away from 0 so that relu units are not all at the kink for zero-mean data */
    for (PetscInt l = 0; l < m->nlayers; l++)
      for (PetscInt o = 0; o < m->widths[l + 1]; o++) m->params[m->offsets[l] + m->widths[l + 1] * m->widths[l] + o] = 0.1 * W2RngNormal(&r);
    PetscCall(PetscCalloc3(m->nparams, &g, nin * n, &gx, nout * n * m->nparams, &J));
    PetscCall(W2MLPForward(m, n, x, NULL));
    PetscCall(W2MLPBackward(m, c, g, gx));
    for (PetscInt p = 0; p < m->nparams; p++) gmax = PetscMax(gmax, PetscAbsReal(g[p]));
    for (PetscInt k = 0; k < nin * n; k++) gxmax = PetscMax(gxmax, PetscAbsReal(gx[k]));
    for (PetscInt p = 0; p < m->nparams; p++) {
      const PetscReal h = 1e-6, p0 = m->params[p];
      PetscReal       Lp, Lm;
      m->params[p] = p0 + h;
      PetscCall(Objective(m, n, x, c, &Lp));
      m->params[p] = p0 - h;
      PetscCall(Objective(m, n, x, c, &Lm));
      m->params[p] = p0;
      errp = PetscMax(errp, PetscAbsReal((Lp - Lm) / (2 * h) - g[p]) / gmax);
    }
    for (PetscInt k = 0; k < nin * n; k++) {
      const PetscReal h = 1e-6, x0 = x[k];
      PetscReal       Lp, Lm;
      x[k] = x0 + h;
      PetscCall(Objective(m, n, x, c, &Lp));
      x[k] = x0 - h;
      PetscCall(Objective(m, n, x, c, &Lm));
      x[k] = x0;
      errx = PetscMax(errx, PetscAbsReal((Lp - Lm) / (2 * h) - gx[k]) / gxmax);
    }
    PetscCall(Objective(m, n, x, c, &L));
    /* per-sample Jacobians: sum_k,j c_jk J_(k,j),p is the batch gradient (linearity of back-propagation) */
    PetscCall(W2MLPJacobian(m, n, x, J));
    for (PetscInt p = 0; p < m->nparams; p++) {
      PetscReal s = 0;
      for (PetscInt row = 0; row < nout * n; row++) s += c[row] * J[row + nout * n * p];
      errJ = PetscMax(errJ, PetscAbsReal(s - g[p]) / gmax);
    }
    W2_CHECK(errp <= 1e-6 && errx <= 1e-6, "%s: max |dL/dparams - central difference| / max|dL/dparams| = %.2e, same for dL/dx = %.2e (L = %.4f, h = 1e-6; <= 1e-6: truncation O(h^2 L''') ~ 1e-12 plus round-off eps |L| / h ~ 1e-10; relu kinks are crossed with probability ~ h)", W2Activations[act], (double)errp, (double)errx, (double)L);
    W2_CHECK(errJ <= 1e-13, "%s: per-sample Jacobians contracted with the output weights reproduce the batch gradient, relative error %.2e (<= 1e-13: the same sums in another order)", W2Activations[act], (double)errJ);
    PetscCall(PetscFree3(g, gx, J));
    PetscCall(W2MLPDestroy(&m));
    PetscCall(W2MLPDestroy(&m2));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
