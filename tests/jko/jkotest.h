/// @file Test helpers for jko/: checks that print their measured numbers and reason, densities on a grid, L1 distances.
#pragma once
#include "tests/w2check.h"
#include <petscdmda.h>
#include "grid/grid.h"
#include "divergences/divergence.h"
#include "jko/jko.h"


typedef PetscReal (*W2TestDensity)(PetscReal x, PetscReal y, void *ctx);

/* the unit torus with N cells per axis, 1-D or 2-D */
static inline PetscErrorCode W2TestUnitGrid(PetscInt dim, PetscInt N, W2Grid **g)
{
  PetscInt  n[2] = {N, N};
  PetscReal L[2] = {1.0, 1.0};

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, n, L, 1, g));
  PetscFunctionReturn(0);
}

/* v = d(x, y) at the cell centres, normalised to unit mass (sum v dV = 1) */
static inline PetscErrorCode W2TestFill(const W2Grid *g, W2TestDensity d, void *ctx, Vec v)
{
  W2Box        b;
  PetscScalar *a;
  PetscReal    mass;

  PetscFunctionBeginUser;
  PetscCall(W2GridOwnedBox(g, &b));
  PetscCall(VecGetArray(v, &a));
  for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) a[(j - b.ys) * b.xm + (i - b.xs)] = d(W2GridX(g, i), W2GridY(g, j), ctx);
  PetscCall(VecRestoreArray(v, &a));
  PetscCall(W2GridNormalize(g, v, &mass));
  PetscFunctionReturn(0);
}

/* sum |a - b| dV */
static inline PetscErrorCode W2TestL1(const W2Grid *g, Vec a, Vec b, PetscReal *d)
{
  Vec w;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(a, &w));
  PetscCall(VecWAXPY(w, -1.0, b, a));
  PetscCall(VecNorm(w, NORM_1, d));
  *d *= g->dV;
  PetscCall(VecDestroy(&w));
  PetscFunctionReturn(0);
}

static inline PetscReal W2Order(PetscReal coarse, PetscReal fine) { return PetscLog2Real(coarse / fine); }

/* wrapped Gaussian exp(-|x - c|_T^2 / (2 s^2)) (unnormalised; W2TestFill normalises) */
typedef struct {
  PetscReal c[2], s, L[2], floor;
} W2TestBump;
static inline PetscReal W2TestGaussian(PetscReal x, PetscReal y, void *ctx)
{
  const W2TestBump *b  = (const W2TestBump *)ctx;
  const PetscReal   dx = W2PeriodicDelta(x, b->c[0], b->L[0]), dy = W2PeriodicDelta(y, b->c[1], b->L[1]);
  return b->floor + PetscExpReal(-(dx * dx + dy * dy) / (2.0 * b->s * b->s));
}

/* the indicator of the box |x - c|_T <= w/2 on each axis (a grid-aligned box when c and w are multiples of h) */
static inline PetscReal W2TestBox(PetscReal x, PetscReal y, void *ctx)
{
  const W2TestBump *b  = (const W2TestBump *)ctx;
  const PetscReal   dx = W2PeriodicDelta(x, b->c[0], b->L[0]), dy = W2PeriodicDelta(y, b->c[1], b->L[1]);
  return b->floor + ((PetscAbsReal(dx) <= b->s && PetscAbsReal(dy) <= b->s) ? 1.0 : 0.0);
}
