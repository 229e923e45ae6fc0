/// @file The c-transforms against brute force: semi-discrete dual and its gradient (1-D, 2-D), the interpolated transform of the backward step, exact mass.
#include "jko/jkoimpl.h"
#include "tests/jko/jkotest.h"

static void MakeTorus(PetscInt dim, PetscInt N, W2Torus *t)
{
  t->dim  = dim;
  t->N[0] = N;
  t->N[1] = dim == 2 ? N : 1;
  t->n    = t->N[0] * t->N[1];
  for (PetscInt a = 0; a < 2; a++) {
    t->L[a] = 1.0;
    t->h[a] = 1.0 / t->N[a];
  }
  t->dV = t->h[0] * t->h[1];
}

/* a smooth potential of amplitude amp plus a small deterministic roughness, a positive density */
static void Fields(const W2Torus *t, PetscReal amp, PetscReal phi[], PetscReal mu[], PetscReal dir[])
{
  for (PetscInt p = 0; p < t->n; p++) {
    const PetscReal x = (p % t->N[0] + 0.5) * t->h[0], y = (p / t->N[0] + 0.5) * t->h[1];
    phi[p] = amp * (PetscSinReal(2 * PETSC_PI * x + 1.0) * PetscCosReal(2 * PETSC_PI * y) + 0.05 * PetscSinReal(37.0 * p));
    mu[p]  = 1.0 + 0.5 * PetscCosReal(2 * PETSC_PI * (x - 0.3)) + 0.2 * PetscSinReal(2 * PETSC_PI * y);
    dir[p] = PetscCosReal(11.0 * p + 0.3);
  }
}

/* int mu(x) min_k phi_k + d_T(x, y_k)^2/(2 tau) dx by the midpoint rule on S points per cell and axis */
static PetscReal BruteDual(const W2Torus *t, PetscReal tau, const PetscReal phi[], const PetscReal mu[], PetscInt S)
{
  PetscReal D = 0;
  const PetscInt S1 = t->dim == 2 ? S : 1;
  for (PetscInt p = 0; p < t->n; p++) {
    const PetscInt i = p % t->N[0], j = p / t->N[0];
    for (PetscInt a = 0; a < S; a++)
      for (PetscInt b = 0; b < S1; b++) {
        const PetscReal x = (i + (a + 0.5) / S) * t->h[0], y = t->dim == 2 ? (j + (b + 0.5) / S) * t->h[1] : 0.5;
        PetscReal       best = PETSC_MAX_REAL;
        for (PetscInt q = 0; q < t->n; q++) {
          const PetscReal dx = W2PeriodicDelta(x, (q % t->N[0] + 0.5) * t->h[0], 1.0), dy = t->dim == 2 ? W2PeriodicDelta(y, (q / t->N[0] + 0.5) * t->h[1], 1.0) : 0.0;
          best = PetscMin(best, phi[q] + (dx * dx + dy * dy) / (2.0 * tau));
        }
        D += mu[p] * best * t->dV / (S * S1);
      }
  }
  return D;
}

static PetscErrorCode SemiDiscreteCase(PetscInt dim, PetscInt N, PetscReal tau, PetscReal amp, PetscInt S)
{
  W2Torus         t;
  W2SemiDiscrete *sd;
  PetscReal      *phi, *mu, *dir, *push, *work, *pw;
  PetscReal       D, C, Db, mass = 0, pmass = 0, pred = 0, fd[3], Dp, Dm, dd[3] = {1e-3, 1e-4, 1e-5};

  PetscFunctionBeginUser;
  MakeTorus(dim, N, &t);
  PetscCall(W2SemiDiscreteCreate(&t, &sd));
  PetscCall(PetscMalloc6(t.n, &phi, t.n, &mu, t.n, &dir, t.n, &push, t.n, &work, t.n, &pw));
  Fields(&t, amp, phi, mu, dir);
  PetscCall(W2SemiDiscreteEvaluate(sd, tau, phi, mu, &D, push, &C, NULL));
  for (PetscInt p = 0; p < t.n; p++) {
    mass += mu[p] * t.dV;
    pmass += push[p] * t.dV;
    pred += push[p] * dir[p] * t.dV;
  }
  Db = BruteDual(&t, tau, phi, mu, S);
  /* the midpoint rule on S points is exact to O(S^-2) relative to the spread of Q over a cell, about h^2/(8 tau) */
  W2_CHECK(PetscAbsReal(D - Db) <= 4.0 * t.h[0] * t.h[0] / (8.0 * tau) / (S * S) * mass + 1e-14, "%" PetscInt_FMT "-D N %" PetscInt_FMT " tau %g amp %g: semi-discrete dual %.12e vs brute force %.12e on %" PetscInt_FMT "^%" PetscInt_FMT " points per cell (|diff| %.2e <= quadrature bound %.2e)", dim, N,
           (double)tau, (double)amp, (double)D, (double)Db, S, dim, (double)PetscAbsReal(D - Db), (double)(4.0 * t.h[0] * t.h[0] / (8.0 * tau) / (S * S) * mass));
  W2_CHECK(PetscAbsReal(pmass - mass) <= 1e-14 * mass, "%" PetscInt_FMT "-D: the Laguerre cells carry mass %.17g = %.17g (|diff| %.1e <= 1e-14: the cells tile each source cell)", dim, (double)pmass, (double)mass, (double)PetscAbsReal(pmass - mass));
  /* C^1: central differences of D along dir converge to <push, dir> at second order */
  for (PetscInt k = 0; k < 3; k++) {
    for (PetscInt p = 0; p < t.n; p++) work[p] = phi[p] + dd[k] * dir[p];
    PetscCall(W2SemiDiscreteEvaluate(sd, tau, work, mu, &Dp, pw, &C, NULL));
    for (PetscInt p = 0; p < t.n; p++) work[p] = phi[p] - dd[k] * dir[p];
    PetscCall(W2SemiDiscreteEvaluate(sd, tau, work, mu, &Dm, pw, &C, NULL));
    fd[k] = PetscAbsReal((Dp - Dm) / (2 * dd[k]) - pred);
  }
  W2_CHECK(fd[2] <= 1e-8 * (PetscAbsReal(pred) + 1e-3) && fd[1] <= 1e-6 * (PetscAbsReal(pred) + 1e-3), "%" PetscInt_FMT "-D: gradient = the cell masses (Danskin): |central difference - <push, e>| = %.1e %.1e %.1e for steps 1e-3 1e-4 1e-5 (second order, the dual is C^1)", dim, (double)fd[0],
           (double)fd[1], (double)fd[2]);
  PetscCall(PetscFree6(phi, mu, dir, push, work, pw));
  PetscCall(W2SemiDiscreteDestroy(&sd));
  PetscFunctionReturn(0);
}

/* the interpolated transform of the backward step: exact minimum over y of the linear interpolant */
static PetscErrorCode LinearCase(PetscReal tau)
{
  W2Torus       t;
  W2CTransform *ct;
  W2CTResult    r;
  PetscReal    *phi, *mu, *dir, *out, maxerr = 0, below = 0, cost, mass = 0, pmass = 0;
  const PetscInt S = 400;

  PetscFunctionBeginUser;
  MakeTorus(1, 24, &t);
  PetscCall(W2CTransformCreate(&t, &ct));
  PetscCall(W2CTResultCreate(&t, &r));
  PetscCall(PetscMalloc4(t.n, &phi, t.n, &mu, t.n, &dir, t.n, &out));
  Fields(&t, 0.3, phi, mu, dir);
  PetscCall(W2CTransformApply(ct, tau, PETSC_FALSE, phi, &r));
  for (PetscInt i = 0; i < t.n; i++) {
    const PetscReal x = (i + 0.5) * t.h[0];
    PetscReal       best = PETSC_MAX_REAL;
    for (PetscInt k = 0; k < t.n; k++)
      for (PetscInt s = 0; s <= S; s++) {
        const PetscReal w = (PetscReal)s / S, y = (k + 0.5 + w) * t.h[0], dx = W2PeriodicDelta(x, y, 1.0);
        best = PetscMin(best, (1 - w) * phi[k] + w * phi[(k + 1) % t.n] + dx * dx / (2 * tau));
      }
    maxerr = PetscMax(maxerr, best - r.value[i]);
    below  = PetscMin(below, best - r.value[i]);
  }
  /* sampling 400 points per cell overestimates the minimum by at most (h/400)^2/(2 tau) + slope * h/400 */
  W2_CHECK(below >= -1e-14 && maxerr <= 2e-5, "1-D interpolated transform (backward step), tau %g: the exact minimum lies below every sample (min diff %.1e >= -1e-14) and within %.1e of the best of 400 samples per cell", (double)tau, (double)below, (double)maxerr);
  PetscCall(W2CTransformPush(ct, &r, mu, out, &cost, NULL));
  for (PetscInt i = 0; i < t.n; i++) {
    mass += mu[i];
    pmass += out[i];
  }
  W2_CHECK(PetscAbsReal(mass - pmass) <= 1e-14 * mass, "1-D interpolated push-forward keeps the mass: %.17g -> %.17g (linear weights sum to 1, wrapped indices)", (double)mass, (double)pmass);
  PetscCall(PetscFree4(phi, mu, dir, out));
  PetscCall(W2CTResultDestroy(&r));
  PetscCall(W2CTransformDestroy(&ct));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(SemiDiscreteCase(1, 16, 0.01, 0.3, 2000));
  PetscCall(SemiDiscreteCase(1, 16, 1.0, 0.3, 2000));
  PetscCall(SemiDiscreteCase(2, 12, 0.05, 0.3, 60));
  PetscCall(SemiDiscreteCase(2, 12, 0.05, 3.0, 60)); /* strongly irregular potential: Laguerre cells far from their sites */
  PetscCall(SemiDiscreteCase(2, 12, 0.01, 0.1, 60));
  PetscCall(LinearCase(0.01));
  PetscCall(LinearCase(1.0));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
