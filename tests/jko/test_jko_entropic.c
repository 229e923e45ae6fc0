/// @file Entropic JKO: duality gap, exact mass, positivity, and convergence to the bfm step as epsilon decreases (1-D and 2-D).
#include "tests/jko/jkotest.h"

static PetscReal Wave(PetscReal x, PetscReal y, void *ctx)
{
  (void)ctx;
  return 1.0 + 0.5 * PetscCosReal(2 * PETSC_PI * (x - 0.2)) * (y != 0 ? PetscCosReal(2 * PETSC_PI * (y - 0.6)) : 1.0);
}
static PetscReal Target(PetscReal x, PetscReal y, void *ctx)
{
  (void)ctx;
  return PetscExpReal(0.8 * (PetscCosReal(2 * PETSC_PI * (x - 0.6)) + (y != 0 ? PetscSinReal(2 * PETSC_PI * y) : 0.0)));
}

/* The entropic step is (eps/(2 tau))-strongly convex in the plan for KL: P(pi) - P(pi*) >= (eps/(2 tau)) KL(pi|pi*), and the
   reported gap bounds P(pi) - P(pi*); by Pinsker |pi - pi*|_1 <= sqrt(4 tau gap/eps), and |rho - rho*|_L1 <= |pi - pi*|_1. */
static PetscReal PinskerRadius(PetscReal tau, PetscReal eps, PetscReal gap) { return PetscSqrtReal(4 * tau * PetscMax(gap, 0.0) / eps); }

/* the step of the kernel in force (rho, info) against -jko_entropic_kernel log (and fft where the FFT keeps its
   digits at every point, with_fft) from the same P_0: the same minimiser, so the densities agree within the two Pinsker radii */
static PetscErrorCode SameStep(const W2Grid *g, W2JKO jko, PetscReal tau, PetscReal eps, Vec mu, Vec rho, const W2JKOInfo *info, PetscBool with_fft)
{
  const char *modes[2] = {"log", "fft"};
  Vec         other;
  W2JKOInfo   oi;
  PetscReal   d, tol;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(rho, &other));
  for (PetscInt m = 0; m < (with_fft ? 2 : 1); m++) {
    char opt[64];
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-jko_entropic_kernel %s", modes[m]));
    PetscCall(PetscOptionsInsertString(NULL, opt));
    PetscCall(W2JKOSetFromOptions(jko));
    PetscCall(W2JKOStep(jko, mu, other, &oi));
    PetscCall(W2TestL1(g, rho, other, &d));
    tol = PinskerRadius(tau, eps, info->gap) + PinskerRadius(tau, eps, oi.gap);
    W2_CHECK(d <= tol, "%" PetscInt_FMT "-D eps %.3g: kernel auto (%" PetscInt_FMT " iterations, gap %.2e) vs %s (%" PetscInt_FMT " iterations, gap %.2e): |rho_auto - rho_%s|_1 = %.2e <= %.2e (sum of the Pinsker radii sqrt(4 tau gap / eps))", g->dim, (double)eps,
             info->iterations, (double)info->gap, modes[m], oi.iterations, (double)oi.gap, modes[m], (double)d, (double)tol);
  }
  PetscCall(PetscOptionsInsertString(NULL, "-jko_entropic_kernel auto"));
  PetscCall(W2JKOSetFromOptions(jko));
  PetscCall(VecDestroy(&other));
  PetscFunctionReturn(0);
}

/* one step from the same P_0 by bfm and by entropic with each eps; |rho_eps - rho_bfm|_1 must shrink like eps */
static PetscErrorCode Case(PetscInt dim, PetscInt N, const char type[], PetscReal tau, PetscInt neps, const PetscReal eps[], PetscBool with_fft)
{
  PetscInt      n[2] = {N, N};
  PetscReal     L[2] = {1.0, 1.0}, dist[4];
  W2Grid       *g;
  W2Divergence *div;
  Vec           q, mu, ref, rho;
  W2JKO         jko;
  W2JKOInfo     info;
  PetscBool     set;

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, n, L, 1, &g));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, type, 2.0, &div));
  PetscCall(DMCreateGlobalVector(g->da, &q));
  PetscCall(VecDuplicate(q, &mu));
  PetscCall(VecDuplicate(q, &ref));
  PetscCall(VecDuplicate(q, &rho));
  PetscCall(W2TestFill(g, Target, NULL, q));
  PetscCall(W2TestFill(g, Wave, NULL, mu));
  PetscCall(W2JKOCreate(g, div, q, &jko));
  PetscCall(W2JKOSetTau(jko, tau));
  /* the reference: bfm with the exact semi-discrete c-transform, whose gap reaches 1e-11 (the command line may override) */
  PetscCall(PetscOptionsHasName(NULL, NULL, "-jko_bfm_ctransform", &set));
  if (!set) PetscCall(PetscOptionsSetValue(NULL, "-jko_bfm_ctransform", "exact"));
  PetscCall(W2JKOSetFromOptions(jko));
  PetscCall(W2JKOSetTolerances(jko, 1e-11, 1e-15, 20000));
  PetscCall(W2JKOStep(jko, mu, ref, &info));
  PetscCall(W2JKOSetType(jko, "entropic"));
  for (PetscInt k = 0; k < neps; k++) {
    char opt[64];
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-jko_epsilon %g -jko_epsilon_start %g", (double)eps[k], (double)(8 * eps[k])));
    PetscCall(PetscOptionsInsertString(NULL, opt));
    PetscCall(W2JKOSetFromOptions(jko));
    PetscCall(W2JKOStep(jko, mu, rho, &info));
    PetscCall(W2TestL1(g, rho, ref, &dist[k]));
    if (k == 0) PetscCall(SameStep(g, jko, tau, eps[k], mu, rho, &info, with_fft));
    W2_CHECK(info.converged && info.gap <= 1e-11 * (info.w2sq / (2 * tau) + PetscAbsReal(info.energy_prev - info.energy)) + 1e-15 && PetscAbsReal(info.mass - 1) <= 1e-12 && info.min_rho > 0,
             "%" PetscInt_FMT "-D %s entropic eps %.3g: duality gap %.2e (relative %.1e <= 1e-11) after %" PetscInt_FMT " iterations; |mass - 1| %.1e <= 1e-12 (pi 1 = m exactly after each u-update); min rho %.3e > 0 (Gibbs kernel is positive); |rho_eps - rho_bfm|_1 = %.3e", dim, type,
             (double)eps[k], (double)info.gap, (double)info.rel_gap, info.iterations, (double)PetscAbsReal(info.mass - 1), (double)info.min_rho, (double)dist[k]);
  }
  for (PetscInt k = 1; k < neps; k++)
    W2_CHECK(W2Order(dist[k - 1], dist[k]) > 0.7, "%" PetscInt_FMT "-D %s: entropic -> bfm as eps %.3g -> %.3g: |rho_eps - rho_bfm|_1 %.3e -> %.3e, order %.2f in eps (> 0.7: the entropy adds a diffusion of strength eps/(2 tau) over a step of tau, an O(eps) change while eps >> h^2)", dim, type,
             (double)eps[k - 1], (double)eps[k], (double)dist[k - 1], (double)dist[k], (double)W2Order(dist[k - 1], dist[k]));
  PetscCall(W2JKODestroy(&jko));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&mu));
  PetscCall(VecDestroy(&ref));
  PetscCall(VecDestroy(&rho));
  PetscCall(W2DivergenceDestroy(&div));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

/* 1-D W2^2 between two wrapped Gaussians: the entropic plan's cost -> the exact circle value as eps -> 0 */
static PetscErrorCode CircleCase(PetscInt N, PetscInt neps, const PetscReal eps[])
{
  PetscInt   n[2] = {N, 1};
  PetscReal  L[2] = {1.0, 1.0}, exact, err[8];
  W2TestBump ba = {{0.3, 0}, 0.08, {1, 1}, 1e-3}, bb = {{0.6, 0}, 0.12, {1, 1}, 1e-3};
  W2Grid    *g;
  Vec        a, b;
  W2JKO      jko;
  W2JKOInfo  info;

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, 1, n, L, 1, &g));
  PetscCall(DMCreateGlobalVector(g->da, &a));
  PetscCall(VecDuplicate(a, &b));
  PetscCall(W2TestFill(g, W2TestGaussian, &ba, a));
  PetscCall(W2TestFill(g, W2TestGaussian, &bb, b));
  PetscCall(W2CircleW2Vec(g, a, b, &exact));
  PetscCall(W2JKOCreate(g, NULL, NULL, &jko));
  PetscCall(W2JKOSetType(jko, "entropic"));
  PetscCall(W2JKOSetTolerances(jko, 1e-10, 1e-15, 100000));
  for (PetscInt k = 0; k < neps; k++) {
    char opt[96];
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-jko_epsilon %g -jko_epsilon_start %g -jko_w2_marginal_tol 1e-10", (double)eps[k], (double)(8 * eps[k])));
    PetscCall(PetscOptionsInsertString(NULL, opt));
    PetscCall(W2JKOSetFromOptions(jko));
    PetscCall(W2JKODistance(jko, a, b, &info));
    err[k] = PetscAbsReal(info.w2sq - exact);
    W2_CHECK(info.converged, "1-D W2 entropic eps %.3g: W2^2 %.10f (exact circle %.10f, error %.2e) after %" PetscInt_FMT " iterations, marginal %.1e <= 1e-10", (double)eps[k], (double)info.w2sq, (double)exact, (double)err[k], info.iterations, (double)info.marginal);
  }
  for (PetscInt k = 1; k < neps; k++)
    W2_CHECK(W2Order(err[k - 1], err[k]) > 0.7, "1-D W2: entropic -> exact circle W2^2 as eps %.3g -> %.3g: error %.3e -> %.3e, order %.2f in eps (> 0.7: the plan's blur adds O(eps) to its cost while eps >> h^2)", (double)eps[k - 1], (double)eps[k], (double)err[k - 1], (double)err[k], (double)W2Order(err[k - 1], err[k]));
  PetscCall(W2JKODestroy(&jko));
  PetscCall(VecDestroy(&a));
  PetscCall(VecDestroy(&b));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  /* eps from 16 h^2 down to 4 h^2: the plan's blur sqrt(eps) spans several cells, where the entropic
     problem on the grid approximates the continuous one; as eps -> 0 on a fixed grid it tends instead to
     the cell-to-cell linear program, which sticks for displacements below a cell */
  const PetscReal e1[3] = {1e-3, 5e-4, 2.5e-4}, e2[3] = {1.6e-2, 8e-3, 4e-3};
  const PetscReal e3[4] = {4e-3, 2e-3, 1e-3, 5e-4}; /* 1-D W2 at 256 cells: 128 h^2 .. 32 h^2 */

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(Case(1, 128, "kl", 1e-2, 3, e1, PETSC_FALSE));
  PetscCall(Case(1, 128, "chi2", 1e-2, 3, e1, PETSC_FALSE));
  PetscCall(Case(2, 32, "kl", 1e-2, 3, e2, PETSC_TRUE));
  PetscCall(CircleCase(256, 4, e3));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
