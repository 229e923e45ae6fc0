/// @file The Hessian of the semi-discrete dual (facet triplets of jko/ctransform.c) against central differences of the Laguerre cell masses, 1-D and 2-D.
#include "jko/jkoimpl.h"
#include "tests/jko/jkotest.h"

/* a reproducible pseudo-random number in [0, 1) (xorshift), so the test sees the same fields on every run */
static PetscReal Uniform(unsigned long long *state)
{
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return (PetscReal)(*state >> 11) / 9007199254740992.0;
}

/* y = H x from the facet triplets: each stands for v (e_r e_c^T + e_c e_r^T - e_r e_r^T - e_c e_c^T) */
static void ApplyHessian(const W2SemiDiscrete *sd, PetscInt n, const PetscReal x[], PetscReal y[])
{
  for (PetscInt p = 0; p < n; p++) y[p] = 0;
  for (PetscInt k = 0; k < sd->nh; k++) {
    const PetscInt  r = sd->hrow[k], c = sd->hcol[k];
    const PetscReal v = sd->hval[k];
    y[r] += v * (x[c] - x[r]);
    y[c] += v * (x[r] - x[c]);
  }
}

static PetscErrorCode Case(PetscInt dim, PetscInt N, PetscReal Lx, PetscReal tau, PetscReal amp, unsigned long long seed)
{
  W2Torus         t;
  W2SemiDiscrete *sd;
  PetscReal      *phi, *mu, *dir, *push, *pp, *pm, *hx, *work, D, C, err[3] = {0, 0, 0}, scale = 0;
  const PetscReal steps[3] = {1e-4, 1e-5, 1e-6};
  PetscInt        nh;

  PetscFunctionBeginUser;
  t.dim  = dim;
  t.N[0] = N;
  t.N[1] = dim == 2 ? N : 1;
  t.n    = t.N[0] * t.N[1];
  t.L[0] = Lx;
  t.L[1] = 1.0;
  t.h[0] = Lx / N; /* h[0] != h[1] in 2-D: the facet lengths and site distances must be physical */
  t.h[1] = 1.0 / t.N[1];
  t.dV   = t.h[0] * (dim == 2 ? t.h[1] : 1.0);
  PetscCall(W2SemiDiscreteCreate(&t, &sd));
  PetscCall(PetscMalloc6(t.n, &phi, t.n, &mu, t.n, &dir, t.n, &push, t.n, &pp, t.n, &pm));
  PetscCall(PetscMalloc2(t.n, &hx, t.n, &work));
  /* random positive mu, random phi of amplitude amp (in units of h^2/tau: Laguerre cells well away from the grid cells) */
  for (PetscInt p = 0; p < t.n; p++) {
    mu[p]  = 0.2 + Uniform(&seed);
    phi[p] = amp * t.h[0] * t.h[0] / tau * (Uniform(&seed) - 0.5);
    dir[p] = Uniform(&seed) - 0.5;
  }
  PetscCall(W2SemiDiscreteSetHessian(sd, PETSC_TRUE));
  PetscCall(W2SemiDiscreteEvaluate(sd, tau, phi, mu, &D, push, &C, NULL));
  nh = sd->nh;
  ApplyHessian(sd, t.n, dir, hx);
  for (PetscInt p = 0; p < t.n; p++) scale = PetscMax(scale, PetscAbsReal(hx[p]));
  PetscCall(W2SemiDiscreteSetHessian(sd, PETSC_FALSE));
  for (PetscInt k = 0; k < 3; k++) {
    for (PetscInt p = 0; p < t.n; p++) work[p] = phi[p] + steps[k] * dir[p];
    PetscCall(W2SemiDiscreteEvaluate(sd, tau, work, mu, &D, pp, &C, NULL));
    for (PetscInt p = 0; p < t.n; p++) work[p] = phi[p] - steps[k] * dir[p];
    PetscCall(W2SemiDiscreteEvaluate(sd, tau, work, mu, &D, pm, &C, NULL));
    for (PetscInt p = 0; p < t.n; p++) err[k] = PetscMax(err[k], PetscAbsReal((pp[p] - pm[p]) / (2 * steps[k]) - hx[p]));
    err[k] /= scale;
  }
  /* the cell masses are piecewise C^2 in phi (C^2 away from the potentials where a facet crosses a grid line, where
     mu jumps): the central difference errs by O(step^2) plus round-off |push| eps / step (~1e-10 at 1e-6); 1e-7
     relative at the best step is far below the O(1) error a missing or wrongly scaled facet would give */
  W2_CHECK(PetscMin(err[0], PetscMin(err[1], err[2])) <= 1e-7 && sd->nh == 0, "%" PetscInt_FMT "-D N %" PetscInt_FMT " (h %.3g x %.3g) tau %g: |H e - central difference of the cell masses| / |H e| = %.1e %.1e %.1e at steps 1e-4 1e-5 1e-6 (%" PetscInt_FMT " facet triplets; none recorded when not asked)", dim, N,
           (double)t.h[0], (double)t.h[1], (double)tau, (double)err[0], (double)err[1], (double)err[2], nh);
  PetscCall(PetscFree6(phi, mu, dir, push, pp, pm));
  PetscCall(PetscFree2(hx, work));
  PetscCall(W2SemiDiscreteDestroy(&sd));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(Case(1, 24, 1.0, 0.01, 3.0, 12345));
  PetscCall(Case(1, 17, 2.0, 1.0, 20.0, 777)); /* large tau: cells of sites half a period away */
  PetscCall(Case(2, 10, 1.0, 0.05, 3.0, 4242));
  PetscCall(Case(2, 12, 1.7, 0.01, 8.0, 99)); /* h[0] != h[1], strongly irregular cells */
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
