/// @file Game Jacobians by central differences, their symmetric and antisymmetric parts, and their spectra.
#include "gan/game.h"
#include <petscblaslapack.h>

PetscErrorCode W2GameJacobianFD(W2GameField field, void *ctx, PetscInt n, const PetscReal x[], PetscReal h, PetscReal H[])
{
  PetscReal *xp, *vp, *vm;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(n, &xp, n, &vp, n, &vm));
  for (PetscInt j = 0; j < n; j++) {
    PetscCall(PetscArraycpy(xp, x, n));
    xp[j] = x[j] + h;
    PetscCall(field(ctx, xp, vp));
    xp[j] = x[j] - h;
    PetscCall(field(ctx, xp, vm));
    for (PetscInt i = 0; i < n; i++) H[i + n * j] = (vp[i] - vm[i]) / (2 * h);
  }
  PetscCall(PetscFree3(xp, vp, vm));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GameSplit(PetscInt n, const PetscReal H[], PetscReal S[], PetscReal K[])
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < n; j++) {
      if (S) S[i + n * j] = 0.5 * (H[i + n * j] + H[j + n * i]);
      if (K) K[i + n * j] = 0.5 * (H[i + n * j] - H[j + n * i]);
    }
  PetscFunctionReturn(0);
}

PetscErrorCode W2GameEigenvalues(PetscInt n, const PetscReal H[], PetscReal re[], PetscReal im[])
{
  PetscReal   *A, *work, dummy;
  PetscBLASInt bn, lwork, one = 1, info;

  PetscFunctionBeginUser;
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCall(PetscBLASIntCast(4 * n, &lwork));
  PetscCall(PetscMalloc2(n * n, &A, 4 * n, &work));
  PetscCall(PetscArraycpy(A, H, n * n));
  PetscCallBLAS("LAPACKgeev", LAPACKgeev_("N", "N", &bn, A, &bn, re, im, &dummy, &one, &dummy, &one, work, &lwork, &info));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK dgeev failed with info %d", (int)info);
  PetscCall(PetscFree2(A, work));
  PetscFunctionReturn(0);
}

PetscReal W2GameNorm(PetscInt n, const PetscReal A[])
{
  PetscReal s = 0;
  for (PetscInt k = 0; k < n * n; k++) s += A[k] * A[k];
  return PetscSqrtReal(s);
}

PetscErrorCode W2GameXi(const W2Game *g, const PetscReal x[], PetscReal xi[])
{
  PetscReal *gG, *gD;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(g->n, &gG, g->n, &gD));
  PetscCall(g->grads(g->ctx, x, gG, gD));
  for (PetscInt i = 0; i < g->n; i++) xi[i] = i < g->n_first ? gG[i] : gD[i];
  PetscCall(PetscFree2(gG, gD));
  PetscFunctionReturn(0);
}

static PetscReal Norm2(PetscInt n, const PetscReal a[])
{
  PetscReal s = 0;
  for (PetscInt i = 0; i < n; i++) s += a[i] * a[i];
  return PetscSqrtReal(s);
}

/* out = (F(x + t v) - F(x - t v)) / (2 t), t = h / |v|, where F is xi (which = 0), grad L_G (1) or grad L_D (2) */
static PetscErrorCode CentralDifference(const W2Game *g, int which, const PetscReal x[], const PetscReal v[], PetscReal out[])
{
  const PetscInt  n  = g->n;
  const PetscReal nv = Norm2(n, v);
  PetscReal      *xp, *fp, *fm, t;

  PetscFunctionBeginUser;
  if (nv == 0) {
    PetscCall(PetscArrayzero(out, n));
    PetscFunctionReturn(0);
  }
  t = g->h / nv;
  PetscCall(PetscMalloc3(n, &xp, n, &fp, n, &fm));
  for (int s = 0; s < 2; s++) {
    PetscReal *f = s ? fm : fp;
    for (PetscInt i = 0; i < n; i++) xp[i] = x[i] + (s ? -t : t) * v[i];
    if (which == 0) PetscCall(W2GameXi(g, xp, f));
    else PetscCall(g->grads(g->ctx, xp, which == 1 ? f : NULL, which == 2 ? f : NULL));
  }
  for (PetscInt i = 0; i < n; i++) out[i] = (fp[i] - fm[i]) / (2 * t);
  PetscCall(PetscFree3(xp, fp, fm));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GameJVP(const W2Game *g, const PetscReal x[], const PetscReal v[], PetscReal Hv[])
{
  PetscFunctionBeginUser;
  PetscCall(CentralDifference(g, 0, x, v, Hv));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GameVJP(const W2Game *g, const PetscReal x[], const PetscReal v[], PetscReal HTv[])
{
  const PetscInt n = g->n;
  PetscReal     *w, *a;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(n, &w, n, &a));
  for (PetscInt i = 0; i < n; i++) w[i] = i < g->n_first ? v[i] : 0;
  PetscCall(CentralDifference(g, 1, x, w, HTv));
  for (PetscInt i = 0; i < n; i++) w[i] = i < g->n_first ? 0 : v[i];
  PetscCall(CentralDifference(g, 2, x, w, a));
  for (PetscInt i = 0; i < n; i++) HTv[i] += a[i];
  PetscCall(PetscFree2(w, a));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GameAntisymmetricNorm(const W2Game *g, const PetscReal x[], PetscInt planes, W2Rng *rng, PetscReal *norm)
{
  const PetscInt n = g->n;

  PetscFunctionBeginUser;
  PetscCheck(n >= 2 && planes >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "the antisymmetric part needs n >= 2 parameters and planes >= 0, got %" PetscInt_FMT ", %" PetscInt_FMT, n, planes);
  if (planes == 0) {
    PetscReal *H, *e, *K;
    PetscCall(PetscMalloc3(n * n, &H, n, &e, n * n, &K));
    PetscCall(PetscArrayzero(e, n));
    for (PetscInt j = 0; j < n; j++) {
      e[j] = 1;
      PetscCall(W2GameJVP(g, x, e, H + n * j));
      e[j] = 0;
    }
    PetscCall(W2GameSplit(n, H, NULL, K));
    *norm = W2GameNorm(n, K);
    PetscCall(PetscFree3(H, e, K));
  } else {
    PetscReal *u, *v, *Hu, *Hv, s = 0;
    PetscCheck(rng, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "random planes need a random stream");
    PetscCall(PetscMalloc4(n, &u, n, &v, n, &Hu, n, &Hv));
    for (PetscInt p = 0; p < planes; p++) {
      PetscReal nu, nv, uv = 0, uHv = 0, vHu = 0;
      /* Gram-Schmidt of two Gaussian vectors: a Haar-random orthonormal pair */
      for (PetscInt i = 0; i < n; i++) u[i] = W2RngNormal(rng);
      for (PetscInt i = 0; i < n; i++) v[i] = W2RngNormal(rng);
      nu = Norm2(n, u);
      for (PetscInt i = 0; i < n; i++) u[i] /= nu;
      for (PetscInt i = 0; i < n; i++) uv += u[i] * v[i];
      for (PetscInt i = 0; i < n; i++) v[i] -= uv * u[i];
      nv = Norm2(n, v);
      for (PetscInt i = 0; i < n; i++) v[i] /= nv;
      PetscCall(W2GameJVP(g, x, u, Hu));
      PetscCall(W2GameJVP(g, x, v, Hv));
      for (PetscInt i = 0; i < n; i++) {
        uHv += u[i] * Hv[i];
        vHu += v[i] * Hu[i];
      }
      s += PetscSqr(0.5 * (uHv - vHu));
    }
    *norm = PetscSqrtReal((PetscReal)n * (n - 1) * s / planes);
    PetscCall(PetscFree4(u, v, Hu, Hv));
  }
  PetscFunctionReturn(0);
}
