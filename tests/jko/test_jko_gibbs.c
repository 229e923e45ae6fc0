/// @file The entropic Gibbs kernel by FFT: its error bound holds, the auto criterion keeps only values within delta, and it falls back where the FFT loses its digits (1-D and a non-square 2-D grid).
#include <petscsys.h>
#include "tests/jko/jkotest.h"
#include "jko/jkoimpl.h"

/* in(x, y) = A cos(2 pi (x + 0.3)) + A/2 sin(2 pi (x + y)): a range of about 3 A nats, not separable */
static void Fill(const W2Grid *g, PetscReal A, PetscReal in[])
{
  for (PetscInt j = 0; j < g->N[1]; j++)
    for (PetscInt i = 0; i < g->N[0]; i++) {
      const PetscReal x = W2GridX(g, i), y = g->dim == 2 ? W2GridY(g, j) : 0.0;
      in[j * g->N[0] + i] = A * PetscCosReal(2 * PETSC_PI * (x + 0.3)) + 0.5 * A * PetscSinReal(2 * PETSC_PI * (x + y));
    }
}

static PetscErrorCode Apply(W2JKO jko, const char mode[], PetscReal eps, PetscReal delta, const PetscReal in[], PetscReal out[], PetscInt64 *nlog, PetscReal *worst, PetscErrorCode *ierr)
{
  char opt[64];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-jko_entropic_kernel %s", mode));
  PetscCall(PetscOptionsInsertString(NULL, opt));
  PetscCall(W2JKOSetFromOptions(jko));
  /* a forced fft may refuse (a value <= 0): the caller sees the error code */
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  *ierr = W2JKOEntropicGibbs(jko, eps, delta, in, out, nlog, worst);
  PetscCall(PetscPopErrorHandler());
  PetscFunctionReturn(0);
}

static PetscReal MaxDiff(PetscInt n, const PetscReal a[], const PetscReal b[])
{
  PetscReal d = 0;
  for (PetscInt p = 0; p < n; p++) d = PetscMax(d, PetscAbsReal(a[p] - b[p]));
  return d;
}

static PetscErrorCode Case(PetscInt dim, PetscInt N0, PetscInt N1)
{
  PetscInt        n[2] = {N0, N1};
  PetscReal       L[2] = {1.0, 1.0}, *in, *ref, *out, worst;
  const PetscReal h = 1.0 / PetscMin(N0, dim == 2 ? N1 : N0), delta = 1e-9;
  /* the reference sums N terms in the log domain: its own relative error is about (N + 4) u < 1e-13 */
  const PetscReal refeps = 1e-13;
  const PetscInt  passes = dim;
  W2Grid         *g;
  W2JKO           jko;
  PetscInt64      nlog;
  PetscErrorCode  ierr;

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, n, L, 1, &g));
  PetscCall(W2JKOCreate(g, NULL, NULL, &jko));
  PetscCall(W2JKOSetType(jko, "entropic"));
  PetscCall(PetscMalloc3(g->N[0] * g->N[1], &in, g->N[0] * g->N[1], &ref, g->N[0] * g->N[1], &out));
  /* eps = 16 h^2 (a blur of 4 cells) and h^2/4 (the kernel's tail exp(-(L/2)^2/eps) underflows to 0) */
  for (PetscInt e = 0; e < 2; e++) {
    const PetscReal eps = e == 0 ? 16 * h * h : 0.25 * h * h;
    const PetscInt  npt = g->N[0] * g->N[1];
    PetscReal       dfft, dauto;

    /* a small range (3 nats): every FFT value is within delta, the criterion keeps them all */
    Fill(g, 1.0, in);
    PetscCall(Apply(jko, "log", eps, delta, in, ref, &nlog, &worst, &ierr));
    PetscCall(ierr);
    PetscCall(Apply(jko, "fft", eps, delta, in, out, &nlog, &worst, &ierr));
    PetscCall(ierr);
    dfft = MaxDiff(npt, out, ref);
    /* each pass has relative error <= its bound (worst); a positive sum carries the first pass's relative error over */
    W2_CHECK(dfft <= passes * worst * (1 + 1e-6) + refeps, "%" PetscInt_FMT "-D %" PetscInt_FMT "x%" PetscInt_FMT " eps %.2e range 3: forced fft vs log-domain sums: max |log difference| %.2e <= %" PetscInt_FMT " x bound %.2e + %.0e (the criterion's error bound, Higham Thm 24.2)", dim, N0, N1, (double)eps, (double)dfft, passes, (double)worst, (double)refeps);
    W2_CHECK(worst <= delta, "%" PetscInt_FMT "-D eps %.2e range 3: largest relative error bound %.2e <= delta %.0e (y >= e^-3 x kernel sum, E ~ 1e-12 kernel sum)", dim, (double)eps, (double)worst, (double)delta);
    PetscCall(Apply(jko, "auto", eps, delta, in, out, &nlog, &worst, &ierr));
    PetscCall(ierr);
    dauto = MaxDiff(npt, out, ref);
    W2_CHECK(nlog == 0 && dauto <= passes * delta + refeps, "%" PetscInt_FMT "-D eps %.2e range 3: auto keeps every FFT value (%" PetscInt64_FMT " log-domain points, expected 0), max |log difference| %.2e <= %" PetscInt_FMT " delta + %.0e", dim, (double)eps, nlog, (double)dauto, passes, (double)refeps);

    /* a range of 240 nats: y falls to e^-240 of the kernel sum, far below the FFT's absolute error */
    Fill(g, 80.0, in);
    PetscCall(Apply(jko, "log", eps, delta, in, ref, &nlog, &worst, &ierr));
    PetscCall(ierr);
    PetscCall(Apply(jko, "auto", eps, delta, in, out, &nlog, &worst, &ierr));
    PetscCall(ierr);
    dauto = MaxDiff(npt, out, ref);
    W2_CHECK(nlog > 0 && nlog < passes * npt && worst <= delta && dauto <= passes * delta + refeps,
             "%" PetscInt_FMT "-D eps %.2e range 240: auto sums %" PetscInt64_FMT " of %" PetscInt_FMT " line points in the log domain (some, not all), kept bound %.2e <= delta, max |log difference| %.2e <= %" PetscInt_FMT " delta + %.0e", dim, (double)eps, nlog, passes * npt, (double)worst, (double)dauto, passes, (double)refeps);
    PetscCall(Apply(jko, "fft", eps, delta, in, out, &nlog, &worst, &ierr));
    dfft = ierr ? PETSC_INFINITY : MaxDiff(npt, out, ref);
    /* the fallback is needed, not only by the bound: the FFT's absolute round-off (1e-16 x kernel sum) is far above delta x y
       at the smallest values, so a forced fft is either refused (a value <= 0) or wrong by much more than delta */
    W2_CHECK(dfft > 100 * delta, "%" PetscInt_FMT "-D eps %.2e range 240: forced fft where the criterion falls back: %s, max |log difference| %.2e > 100 delta", dim, (double)eps, ierr ? "refused (a value <= 0)" : "accepted", (double)dfft);
  }
  PetscCall(PetscFree3(in, ref, out));
  PetscCall(W2JKODestroy(&jko));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(Case(1, 256, 1));
  PetscCall(Case(2, 64, 48));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
