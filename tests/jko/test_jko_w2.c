/// @file W2 distances: the exact circle method on closed forms, translations by bfm (1-D, 2-D), bfm against the circle method (1-D) and against sums of circle values for product densities (2-D).
#include "tests/jko/jkotest.h"

typedef struct {
  PetscReal c[2], a, k; /* 1 + a cos(2 pi k (x - c0)) on x (times the same in y when 2-D) */
} W2TestCos;
static PetscReal CosX(PetscReal x, PetscReal y, void *ctx)
{
  const W2TestCos *m = (const W2TestCos *)ctx;
  (void)y;
  return 1.0 + m->a * PetscCosReal(2 * PETSC_PI * m->k * (x - m->c[0]));
}
/* a product density: von-Mises-like bump in x times a cosine in y */
static PetscReal Product(PetscReal x, PetscReal y, void *ctx)
{
  const W2TestCos *m = (const W2TestCos *)ctx;
  return PetscExpReal(1.5 * PetscCosReal(2 * PETSC_PI * (x - m->c[0]))) * (1.0 + m->a * PetscCosReal(2 * PETSC_PI * (y - m->c[1])));
}
static PetscReal ProductX(PetscReal x, PetscReal y, void *ctx)
{
  const W2TestCos *m = (const W2TestCos *)ctx;
  (void)y;
  return PetscExpReal(1.5 * PetscCosReal(2 * PETSC_PI * (x - m->c[0])));
}

static PetscErrorCode CircleClosedForms(void)
{
  const PetscInt N = 64;
  PetscReal      a[64], b[64], w, w2, th;

  PetscFunctionBeginUser;
  /* one full cell at 5 and one at 5 + m: a translation of uniform cells, W2^2 = (m h)^2 for m h <= L/2 */
  for (PetscInt m = 1; m <= 31; m += 30) {
    for (PetscInt k = 0; k < N; k++) a[k] = b[k] = 0;
    a[5]             = N;
    b[(5 + m) % N]   = N;
    PetscCall(W2CircleW2(N, 1.0, a, b, &w, &th));
    W2_CHECK(PetscAbsReal(w - (m / (PetscReal)N) * (m / (PetscReal)N)) <= 1e-14, "circle: one cell moved by %" PetscInt_FMT " cells, W2^2 = %.16g vs (m h)^2 = %.16g (translation of a uniform cell, every point moves m h < L/2)", m, (double)w, (double)((m / (PetscReal)N) * (m / (PetscReal)N)));
  }
  /* uniform against uniform: 0 (the optimal shift theta realigns them) */
  for (PetscInt k = 0; k < N; k++) a[k] = b[k] = 1.0;
  PetscCall(W2CircleW2(N, 1.0, a, b, &w, &th));
  W2_CHECK(w <= 1e-15, "circle: W2^2(uniform, uniform) = %.2e (0)", (double)w);
  /* a box of 8 cells moved by 13 cells on a circle of length L = 2: (13 * 2/64)^2 */
  for (PetscInt k = 0; k < N; k++) a[k] = b[k] = 0;
  for (PetscInt k = 10; k < 18; k++) {
    a[k]      = 1.0;
    b[k + 13] = 1.0;
  }
  PetscCall(W2CircleW2(N, 2.0, a, b, &w, &th));
  W2_CHECK(PetscAbsReal(w - (13 * 2.0 / 64) * (13 * 2.0 / 64)) <= 1e-14, "circle of length 2: a box translated by 13 cells, W2^2 = %.16g vs %.16g", (double)w, (double)((13 * 2.0 / 64) * (13 * 2.0 / 64)));
  /* symmetry W2(a,b) = W2(b,a) for two smooth densities */
  for (PetscInt k = 0; k < N; k++) {
    a[k] = 1.0 + 0.8 * PetscCosReal(2 * PETSC_PI * (k + 0.5) / N);
    b[k] = PetscExpReal(2.0 * PetscSinReal(2 * PETSC_PI * (k + 0.5) / N));
  }
  PetscCall(W2CircleW2(N, 1.0, a, b, &w, &th));
  PetscCall(W2CircleW2(N, 1.0, b, a, &w2, &th));
  W2_CHECK(PetscAbsReal(w - w2) <= 1e-14 * w, "circle: W2^2(a,b) = %.16g, W2^2(b,a) = %.16g (symmetric)", (double)w, (double)w2);
  PetscFunctionReturn(0);
}

/* bfm: a box translated by whole cells has W2^2 = |v|^2 exactly in the semi-discrete problem (ct exact), and
   in the interpolated one (ct grid: every parcel can move by v onto a node, and no plan costs less than
   |mean displacement|^2 = |v|^2 because the linear interpolation keeps first moments) */
static PetscErrorCode Translation(const char ct[], PetscInt dim, PetscInt N, PetscInt m0, PetscInt m1, PetscReal half, PetscReal rtol)
{
  W2Grid    *g;
  Vec        a, b;
  W2JKO      jko;
  W2JKOInfo  info;
  W2TestBump A, B;
  PetscReal  v2;

  PetscFunctionBeginUser;
  PetscCall(W2TestUnitGrid(dim, N, &g));
  PetscCall(DMCreateGlobalVector(g->da, &a));
  PetscCall(VecDuplicate(a, &b));
  A.c[0]  = 0.3;
  A.c[1]  = dim == 2 ? 0.4 : 0.0;
  A.s     = half;
  A.L[0]  = A.L[1] = 1.0;
  A.floor = 0;
  B       = A;
  B.c[0] += m0 * g->h[0];
  if (dim == 2) B.c[1] += m1 * g->h[1];
  v2 = PetscSqr(m0 * g->h[0]) + (dim == 2 ? PetscSqr(m1 * g->h[1]) : 0.0);
  PetscCall(W2TestFill(g, W2TestBox, &A, a));
  PetscCall(W2TestFill(g, W2TestBox, &B, b));
  PetscCall(W2JKOCreate(g, NULL, NULL, &jko));
  PetscCall(W2JKOSetTolerances(jko, rtol, PETSC_DEFAULT, 5000));
  PetscCall(PetscOptionsSetValue(NULL, "-jko_bfm_ctransform", ct));
  PetscCall(W2JKOSetFromOptions(jko));
  PetscCall(PetscOptionsClearValue(NULL, "-jko_bfm_ctransform"));
  PetscCall(W2JKODistance(jko, a, b, &info));
  /* the dual value is a lower bound of the semi-discrete W2^2, which is |v|^2 here; the primal is the cost of the computed plan */
  W2_CHECK(info.converged && info.dual <= v2 * (1 + 1e-14) && PetscAbsReal(info.w2sq - v2) <= info.gap + 2 * rtol * v2 && v2 - info.dual <= 2 * rtol * v2,
           "%s: %" PetscInt_FMT "-D box (half width %g) translated by (%" PetscInt_FMT ",%" PetscInt_FMT ") cells on %" PetscInt_FMT "^%" PetscInt_FMT ": W2^2 %.12e, dual %.12e, |v|^2 %.12e; gap %.1e, marginal %.1e, %" PetscInt_FMT " iterations (dual <= |v|^2 by weak duality; both within 2 rtol = %.0e)", ct, dim,
           (double)half, m0, m1, N, dim, (double)info.w2sq, (double)info.dual, (double)v2, (double)info.gap, (double)info.marginal, info.iterations, (double)(2 * rtol));
  PetscCall(W2JKODestroy(&jko));
  PetscCall(VecDestroy(&a));
  PetscCall(VecDestroy(&b));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

/* bfm against the circle method on smooth positive densities: both discretise the same W2^2 to O(h^2) */
static PetscErrorCode AgainstCircle(void)
{
  const PetscInt Ns[4] = {64, 128, 256, 512};
  PetscReal      diff[4], wb[4], wc[4];

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < 4; k++) {
    W2Grid   *g;
    Vec       a, b;
    W2JKO     jko;
    W2JKOInfo info;
    W2TestCos A = {{0.2, 0}, 0.7, 1}, B = {{0.65, 0}, 0.4, 2};
    PetscCall(W2TestUnitGrid(1, Ns[k], &g));
    PetscCall(DMCreateGlobalVector(g->da, &a));
    PetscCall(VecDuplicate(a, &b));
    PetscCall(W2TestFill(g, CosX, &A, a));
    PetscCall(W2TestFill(g, CosX, &B, b));
    PetscCall(W2JKOCreate(g, NULL, NULL, &jko));
    PetscCall(W2JKOSetTolerances(jko, 1e-11, PETSC_DEFAULT, 5000));
    PetscCall(W2JKODistance(jko, a, b, &info));
    PetscCall(W2CircleW2Vec(g, a, b, &wc[k]));
    wb[k]   = info.w2sq;
    diff[k] = PetscAbsReal(wb[k] - wc[k]);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  N %4" PetscInt_FMT ": bfm W2^2 %.14e (gap %.1e, marginal %.1e, %" PetscInt_FMT " it), circle %.14e, |diff| %.3e\n", Ns[k], (double)wb[k], (double)info.gap, (double)info.marginal, info.iterations, (double)wc[k], (double)diff[k]));
    PetscCall(W2JKODestroy(&jko));
    PetscCall(VecDestroy(&a));
    PetscCall(VecDestroy(&b));
    PetscCall(W2GridDestroy(&g));
  }
  W2_CHECK(W2Order(diff[0], diff[1]) > 1.7 && W2Order(diff[1], diff[2]) > 1.7 && W2Order(diff[2], diff[3]) > 1.7, "1-D bfm vs exact circle W2^2: |diff| %.2e %.2e %.2e %.2e, observed orders %.2f %.2f %.2f (> 1.7: both are second-order discretisations of W2^2)", (double)diff[0], (double)diff[1],
           (double)diff[2], (double)diff[3], (double)W2Order(diff[0], diff[1]), (double)W2Order(diff[1], diff[2]), (double)W2Order(diff[2], diff[3]));
  PetscFunctionReturn(0);
}

/* 2-D: for product densities a(x) b(y) and c(x) d(y) the cost separates, W2^2 = W2^2(a,c) + W2^2(b,d) */
static PetscErrorCode Product2D(void)
{
  const PetscInt Ns[2] = {16, 32};
  PetscReal      diff[2];

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < 2; k++) {
    W2Grid   *g, *g1;
    Vec       a, b, a1, b1;
    W2JKO     jko;
    W2JKOInfo info;
    W2TestCos A = {{0.2, 0.3}, 0.6, 1}, B = {{0.55, 0.7}, 0.3, 1};
    PetscReal wx, wy;
    PetscCall(W2TestUnitGrid(2, Ns[k], &g));
    PetscCall(W2TestUnitGrid(1, Ns[k], &g1));
    PetscCall(DMCreateGlobalVector(g->da, &a));
    PetscCall(VecDuplicate(a, &b));
    PetscCall(DMCreateGlobalVector(g1->da, &a1));
    PetscCall(VecDuplicate(a1, &b1));
    PetscCall(W2TestFill(g, Product, &A, a));
    PetscCall(W2TestFill(g, Product, &B, b));
    PetscCall(W2JKOCreate(g, NULL, NULL, &jko));
    PetscCall(W2JKOSetTolerances(jko, 1e-9, PETSC_DEFAULT, 5000));
    PetscCall(W2JKODistance(jko, a, b, &info));
    PetscCall(W2TestFill(g1, ProductX, &A, a1));
    PetscCall(W2TestFill(g1, ProductX, &B, b1));
    PetscCall(W2CircleW2Vec(g1, a1, b1, &wx));
    {
      W2TestCos Ay = A, By = B;
      Ay.c[0] = A.c[1];
      By.c[0] = B.c[1];
      PetscCall(W2TestFill(g1, CosX, &Ay, a1));
      PetscCall(W2TestFill(g1, CosX, &By, b1));
    }
    PetscCall(W2CircleW2Vec(g1, a1, b1, &wy));
    diff[k] = PetscAbsReal(info.w2sq - (wx + wy));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  N %3" PetscInt_FMT "^2: bfm W2^2 %.12e (gap %.1e, %" PetscInt_FMT " it), circle x + y %.12e + %.12e = %.12e, |diff| %.3e\n", Ns[k], (double)info.w2sq, (double)info.gap, info.iterations, (double)wx, (double)wy, (double)(wx + wy), (double)diff[k]));
    PetscCall(W2JKODestroy(&jko));
    PetscCall(VecDestroy(&a));
    PetscCall(VecDestroy(&b));
    PetscCall(VecDestroy(&a1));
    PetscCall(VecDestroy(&b1));
    PetscCall(W2GridDestroy(&g));
    PetscCall(W2GridDestroy(&g1));
  }
  W2_CHECK(W2Order(diff[0], diff[1]) > 1.5, "2-D bfm on a product density vs the sum of the two exact 1-D circle values: |diff| %.2e %.2e, observed order %.2f (> 1.5: second order)", (double)diff[0], (double)diff[1], (double)W2Order(diff[0], diff[1]));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(CircleClosedForms());
  for (PetscInt k = 0; k < 2; k++) {
    const char *ct = k ? "grid" : "exact";
    PetscCall(Translation(ct, 1, 128, 26, 0, 0.1, 1e-10));
    PetscCall(Translation(ct, 1, 128, -40, 0, 0.05, 1e-10));
    PetscCall(Translation(ct, 2, 32, 6, 3, 0.125, 1e-5));
  }
  PetscCall(AgainstCircle());
  PetscCall(Product2D());
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
