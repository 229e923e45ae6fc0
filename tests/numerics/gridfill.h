/// @file Test helper: a density rho and a target q filled cell by cell from formulas in (x, y) on the owned cells.
#pragma once
#include "grid/grid.h"

/* rho at (x, y) given q there (y = 0 on 1-D grids) */
typedef PetscReal (*W2TestProfile)(PetscReal x, PetscReal y, PetscReal q);

/* q = 1 + sin(2 pi x) cos(2 pi y)/2 (smooth, in [1/2, 3/2]) and rho = profile(x, y, q) */
static inline PetscErrorCode W2TestFill(const W2Grid *g, W2TestProfile profile, Vec rho, Vec q)
{
  W2Box        b;
  PetscScalar *r, *s;

  PetscFunctionBeginUser;
  PetscCall(W2GridOwnedBox(g, &b));
  PetscCall(VecGetArray(rho, &r));
  PetscCall(VecGetArray(q, &s));
  for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) {
      const PetscReal x = W2GridX(g, i), y = g->dim > 1 ? W2GridY(g, j) : 0.0;
      const PetscInt  k = (j - b.ys) * b.xm + (i - b.xs);
      s[k] = 1.0 + 0.5 * PetscSinReal(2 * PETSC_PI * x) * PetscCosReal(2 * PETSC_PI * y);
      r[k] = profile(x, y, s[k]);
    }
  PetscCall(VecRestoreArray(q, &s));
  PetscCall(VecRestoreArray(rho, &r));
  PetscFunctionReturn(0);
}
