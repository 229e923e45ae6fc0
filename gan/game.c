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
