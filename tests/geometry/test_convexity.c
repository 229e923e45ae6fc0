/// @file Local convexity (THEORY.md 5, Thm. 5.7): analytic second variation against finite differences in t; 1-D uniform q is
/// displacement convex for every convex f; at rho = q the second variation is f''(1) int (div(q grad psi))^2 / q >= 0; lambda(delta).
#include "geometry/convexity.h"
#include "tests/geometry/geotest.h"

static const char *const Fs[] = {"jsd", "kl", "reverse_kl", "chi2", "hellinger", "alpha"};

static PetscErrorCode Plan(PetscInt dim, PetscInt N, const char opts[], W2Grid **grid, W2Convexity **cx)
{
  PetscInt  Ns[2] = {N, N};
  PetscReal L[2]  = {1, 1};

  PetscFunctionBeginUser;
  PetscCall(W2TestOptions(opts));
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, Ns, L, 1, grid));
  PetscCall(W2ConvexityCreate(*grid, "convexity_", cx));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy(W2Grid **grid, W2Convexity **cx)
{
  PetscFunctionBeginUser;
  PetscCall(W2ConvexityDestroy(cx));
  PetscCall(W2GridDestroy(grid));
  PetscFunctionReturn(0);
}

/* analytic F''(0) against the 5-point difference of the off-grid Lagrangian energy at steps h and h/2 */
static PetscErrorCode FiniteDifference(PetscInt dim, PetscInt N)
{
  W2Grid       *grid;
  W2Convexity  *cx;
  W2Divergence *div;
  PetscReal     a[64], fd[2], e[2], h = 0.04;

  PetscFunctionBeginUser;
  PetscCall(Plan(dim, N, "-convexity_samples 4 -convexity_kappa 1 -convexity_amplitude 1", &grid, &cx));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, "jsd", 0, &div));
  PetscCall(W2ConvexitySecondVariation(cx, div, 0.3, a, NULL, NULL));
  for (int k = 0; k < 2; k++) {
    PetscCall(W2ConvexitySecondVariationFD(cx, div, 0.3, 1, h / (1 << k), &fd[k]));
    e[k] = PetscAbsReal(fd[k] - a[1]) / PetscAbsReal(a[1]);
  }
  /* the 5-point formula has error h^4 F^(6)/90: order 4 until roundoff eps |F| / h^2 ~ 1e-13 */
  W2_CHECK((W2OrderRatio(e[0], e[1], 2) > 3.5 || e[1] < 1e-10) && e[1] < 1e-6, "%" PetscInt_FMT "-D N = %" PetscInt_FMT ", jsd, delta = 0.3: F''(0) analytic %.10e, 5-point FD in t at h = 0.04, 0.02: rel. errors %.2e %.2e, order %.2f (> 3.5: fourth-order stencil, the Lagrangian formula's t-derivatives are right)", dim, N,
           (double)a[1], (double)e[0], (double)e[1], (double)W2OrderRatio(e[0], e[1], 2));
  PetscCall(W2DivergenceDestroy(&div));
  PetscCall(Destroy(&grid, &cx));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  W2Grid       *grid, *grid2;
  W2Convexity  *cx, *cx2;
  W2Divergence *div;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(FiniteDifference(1, 128));
  PetscCall(FiniteDifference(2, 32));
  {
    /* 1-D, q uniform: Q_t = 1 + t psi'', so F''(0) = int s^2 f''(s) psi''^2 >= 0 cell by cell (F is convex in J_t, J_t affine in t) */
    const PetscReal deltas[] = {0, 0.1, 0.3, 0.6, 0.9};
    PetscCall(Plan(1, 128, "-convexity_kappa 0 -convexity_samples 32 -convexity_modes 4", &grid, &cx));
    PetscCall(Plan(1, 256, "-convexity_kappa 0 -convexity_samples 32 -convexity_modes 4", &grid2, &cx2));
    for (size_t k = 0; k < sizeof(Fs) / sizeof(Fs[0]); k++) {
      PetscReal lmin = PETSC_MAX_REAL, dmax = 0;
      PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, Fs[k], 0.5, &div));
      for (size_t d = 0; d < sizeof(deltas) / sizeof(deltas[0]); d++) {
        PetscReal lg, lh, lg2, lh2;
        PetscCall(W2ConvexityLambda(cx, div, deltas[d], &lg, &lh));
        PetscCall(W2ConvexityLambda(cx2, div, deltas[d], &lg2, &lh2));
        lmin = PetscMin(lmin, lg);
        dmax = PetscMax(dmax, PetscAbsReal(lg - lg2) / PetscAbsReal(lg2));
      }
      /* the grid enters only through the midpoint rule, spectral for these trigonometric integrands: N = 128 vs 256 agree to 1e-10 */
      W2_CHECK(lmin >= 0 && dmax < 1e-10, "1-D uniform q, f = %-10s: min over 32 psi and delta in {0, .1, .3, .6, .9} of lambda = %.4e (>= 0: displacement convex); |lambda_N=128 - lambda_N=256| / lambda <= %.1e (discretisation error, < 1e-10)", Fs[k], (double)lmin, (double)dmax);
      PetscCall(W2DivergenceDestroy(&div));
    }
    PetscCall(Destroy(&grid, &cx));
    PetscCall(Destroy(&grid2, &cx2));
  }
  for (PetscInt dim = 1; dim <= 2; dim++) {
    /* at rho = q: s = 1, h'(q) = -f'(1) is constant and int Q'' dx = d^2/dt^2 int q(y) dy = 0, so F''(0) = f''(1) int Q'^2 / q */
    PetscReal a[64], rest, emax = 0, amin = PETSC_MAX_REAL;
    PetscCall(Plan(dim, dim == 1 ? 128 : 32, "-convexity_kappa 1 -convexity_samples 16", &grid, &cx));
    for (size_t k = 0; k < sizeof(Fs) / sizeof(Fs[0]); k++) {
      PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, Fs[k], 0.5, &div));
      PetscCall(W2ConvexitySecondVariation(cx, div, 0, a, NULL, NULL));
      for (PetscInt s = 0; s < cx->samples; s++) {
        PetscCall(W2ConvexityRestForm(cx, s, &rest));
        amin = PetscMin(amin, a[s]);
        emax = PetscMax(emax, PetscAbsReal(a[s] - div->d2f(div, 1) * rest) / a[s]);
      }
      PetscCall(W2DivergenceDestroy(&div));
    }
    W2_CHECK(amin > 0 && emax < 1e-10, "%" PetscInt_FMT "-D, kappa = 1, rho = q, 6 f's x 16 psi: min F''(0) = %.4e (> 0), max |F'' - f''(1) int (div(q grad psi))^2/q| / F'' = %.1e (< 1e-10: int Q'' = 0 by the midpoint rule, spectral)", dim, (double)amin, (double)emax);
    PetscCall(Destroy(&grid, &cx));
  }
  {
    /* lambda(delta): Thm. 5.7 claims lambda >= -C delta near Q. F''(0) is smooth in delta for each psi, so the min over the sampled psi is
       Lipschitz: lambda(delta) = lambda(0) - C delta + O(delta^2) on each branch. Measure C by secants and the curvature of the branch. */
    const char     *names[] = {"jsd", "kl", "chi2"};
    const PetscReal deltas[] = {0.0125, 0.025, 0.05, 0.1, 0.2};
    PetscCall(Plan(2, 32, "-convexity_kappa 1 -convexity_samples 32", &grid, &cx));
    for (int k = 0; k < 3; k++) {
      PetscReal l0, h0, lg[5], lh[5], Cg[5], Ch[5];
      PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, names[k], 0, &div));
      PetscCall(W2ConvexityLambda(cx, div, 0, &l0, &h0));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-5s delta: lambda_grad (C = (lambda(0)-lambda)/delta) | lambda_hess (C)\n", names[k]));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "        %6.4f: %.5e | %.5e\n", 0.0, (double)l0, (double)h0));
      for (int d = 0; d < 5; d++) {
        PetscCall(W2ConvexityLambda(cx, div, deltas[d], &lg[d], &lh[d]));
        Cg[d] = (l0 - lg[d]) / deltas[d];
        Ch[d] = (h0 - lh[d]) / deltas[d];
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "        %6.4f: %.5e (C = %.4f) | %.5e (C = %.4f)\n", (double)deltas[d], (double)lg[d], (double)Cg[d], (double)lh[d], (double)Ch[d]));
      }
      /* Thm. 5.7 asks lambda >= -C delta; at rho = q, F'' = f''(1) int (div(q grad psi))^2/q > 0 (q > 0, psi not constant), so near Q
         the stronger lambda(delta) > 0 should hold while |lambda(delta) - lambda(0)| = O(delta) */
      W2_CHECK(l0 > 0 && h0 > 0 && lg[4] > 0 && lh[4] > 0 && PetscAbsReal(Cg[0]) < PetscAbsReal(l0) && PetscAbsReal(Ch[0]) < PetscAbsReal(h0),
               "2-D kappa = 1, f = %s: lambda(0) = %.4e, lambda_hess(0) = %.4e > 0; at delta = 0.2 still %.4e, %.4e > 0; secant C = (lambda(0) - lambda(delta))/delta at delta = 0.0125: %.4f, %.4f (|C| < lambda(0): an O(delta) shift, no loss of convexity)",
               names[k], (double)l0, (double)h0, (double)lg[4], (double)lh[4], (double)Cg[0], (double)Ch[0]);
      PetscCall(W2DivergenceDestroy(&div));
    }
    PetscCall(Destroy(&grid, &cx));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
