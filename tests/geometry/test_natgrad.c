/// @file Natural gradients (THEORY.md 7): chain-rule gradient against finite differences; Cholesky and CG directions agree; coordinate
/// invariance (mu, sigma) vs (mu, log sigma) at first order in eta (Prop. 11.3); linear convergence of every method (Thm. 13.3).
#include "geometry/natgrad.h"
#include "tests/geometry/geotest.h"

typedef struct {
  W2Grid       *grid;
  W2Family      fam, target;
  W2Divergence *div;
  Vec           q;
  W2Natgrad    *ng;
} Setup;

/* 1-D grid of N cells, family gaussian with the given width coordinate, target N(0.5, 0.1^2) wrapped, f = jsd */
static PetscErrorCode SetupCreate(const char width[], PetscInt N, Setup *s)
{
  PetscReal L = 1, qth[2] = {0.5, PetscLogReal(0.1)}, mass;
  char      opts[128];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(opts, sizeof(opts), "-family_width %s -target_width log", width));
  PetscCall(W2TestOptions(opts));
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, 1, &N, &L, 1, &s->grid));
  PetscCall(W2FamilyCreateByName(s->grid, "family_", "gaussian", &s->fam));
  PetscCall(W2FamilyCreateByName(s->grid, "target_", "gaussian", &s->target));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, "jsd", 0, &s->div));
  PetscCall(DMCreateGlobalVector(s->grid->da, &s->q));
  PetscCall(W2FamilyEvaluate(s->target, s->grid, qth, s->q, NULL));
  PetscCall(W2GridNormalize(s->grid, s->q, &mass));
  PetscCall(W2NatgradCreate(s->grid, s->fam, s->div, s->q, &s->ng));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetupDestroy(Setup *s)
{
  PetscFunctionBeginUser;
  PetscCall(W2NatgradDestroy(&s->ng));
  PetscCall(VecDestroy(&s->q));
  PetscCall(W2DivergenceDestroy(&s->div));
  PetscCall(W2FamilyDestroy(&s->fam));
  PetscCall(W2FamilyDestroy(&s->target));
  PetscCall(W2GridDestroy(&s->grid));
  PetscFunctionReturn(0);
}

/* || rho_a - rho_b ||_L1 on the grid */
static PetscErrorCode L1Distance(Setup *s, const PetscReal a[], const PetscReal b[], PetscReal *d)
{
  Vec ra, rb;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(s->q, &ra));
  PetscCall(VecDuplicate(s->q, &rb));
  PetscCall(W2FamilyEvaluate(s->fam, s->grid, a, ra, NULL));
  PetscCall(W2FamilyEvaluate(s->fam, s->grid, b, rb, NULL));
  PetscCall(VecAXPY(ra, -1.0, rb));
  PetscCall(VecNorm(ra, NORM_1, d));
  *d *= s->grid->dV;
  PetscCall(VecDestroy(&ra));
  PetscCall(VecDestroy(&rb));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  Setup s, t;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(SetupCreate("log", 128, &s));
  {
    /* d_i J = int f'(rho/q) d_i rho is the exact derivative of the grid sum: central differences agree to O(h^2) + eps J / h */
    const PetscReal th[2] = {0.42, PetscLogReal(0.13)};
    PetscReal       J, g[2], e[2] = {0, 0};
    PetscCall(W2NatgradObjective(s.ng, th, &J, g));
    for (int k = 0; k < 2; k++) {
      const PetscReal h = k ? 1e-5 : 2e-5;
      for (int i = 0; i < 2; i++) {
        PetscReal tp[2] = {th[0], th[1]}, tm[2] = {th[0], th[1]}, Jp, Jm;
        tp[i] += h;
        tm[i] -= h;
        PetscCall(W2NatgradObjective(s.ng, tp, &Jp, NULL));
        PetscCall(W2NatgradObjective(s.ng, tm, &Jm, NULL));
        e[k] = PetscMax(e[k], PetscAbsReal((Jp - Jm) / (2 * h) - g[i]) / PetscAbsReal(g[i]));
      }
    }
    W2_CHECK(e[1] < 1e-6, "chain rule: J = %.6e, grad J = (%.6e, %.6e); max relative difference to central differences %.2e (h = 2e-5), %.2e (h = 1e-5) (< 1e-6: O(h^2) truncation + eps J/h roundoff)", (double)J, (double)g[0], (double)g[1], (double)e[0], (double)e[1]);
  }
  {
    /* Cholesky (LAPACK potrf/potrs) and CG solve the same 2 x 2 SPD system: agree to the conditioning times eps */
    const PetscReal th[2] = {0.42, PetscLogReal(0.13)};
    PetscReal       J, g[2], G[4], x1[2], x2[2], x3[2], x4[2], e1, e2;
    PetscCall(W2NatgradObjective(s.ng, th, &J, g));
    PetscCall(W2NatgradMetric(s.ng, W2_NATGRAD_OTTO, th, G));
    PetscCall(W2NatgradSolve(2, G, 0, g, W2_NATGRAD_CHOLESKY, x1));
    PetscCall(W2NatgradSolve(2, G, 0, g, W2_NATGRAD_CG, x2));
    PetscCall(W2NatgradMetric(s.ng, W2_NATGRAD_GAUSS_NEWTON, th, G));
    PetscCall(W2NatgradSolve(2, G, 1e-3, g, W2_NATGRAD_CHOLESKY, x3));
    PetscCall(W2NatgradSolve(2, G, 1e-3, g, W2_NATGRAD_CG, x4));
    e1 = PetscSqrtReal(PetscSqr(x1[0] - x2[0]) + PetscSqr(x1[1] - x2[1])) / PetscSqrtReal(x1[0] * x1[0] + x1[1] * x1[1]);
    e2 = PetscSqrtReal(PetscSqr(x3[0] - x4[0]) + PetscSqr(x3[1] - x4[1])) / PetscSqrtReal(x3[0] * x3[0] + x3[1] * x3[1]);
    W2_CHECK(e1 < 1e-12 && e2 < 1e-12, "natural-gradient direction, Cholesky vs CG: |d_chol - d_cg| / |d| = %.1e (Otto), %.1e (Gauss-Newton + 1e-3 I) (< 1e-12: cond ~ 1/sigma^2 ~ 60 times eps); Otto direction (%.5e, %.5e)", (double)e1, (double)e2, (double)x1[0], (double)x1[1]);
  }
  {
    /* Prop. 11.3: the natural-gradient flow in rho-space does not depend on the coordinates. Explicit Euler in (mu, sigma) and in
       (mu, log sigma) from the same rho, to the same time T = 0.2, differ by O(eta): the difference halves with eta */
    const PetscReal T = 0.2, etas[3] = {0.01, 0.005, 0.0025};
    PetscReal       d[3];
    PetscCall(SetupCreate("linear", 128, &t));
    for (int k = 0; k < 3; k++) {
      PetscReal a[2] = {0.35, PetscLogReal(0.16)}, b[2] = {0.35, 0.16}, bl[2];
      PetscInt  its;
      s.ng->eta = t.ng->eta = etas[k];
      s.ng->max_it = t.ng->max_it = (PetscInt)(T / etas[k] + 0.5);
      s.ng->tol = t.ng->tol = 0;
      PetscCall(W2NatgradRun(s.ng, W2_NATGRAD_OTTO, a, &its, NULL, NULL));
      PetscCall(W2NatgradRun(t.ng, W2_NATGRAD_OTTO, b, &its, NULL, NULL));
      bl[0] = b[0];
      bl[1] = PetscLogReal(b[1]);
      PetscCall(L1Distance(&s, a, bl, &d[k]));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  eta = %.4f, %3" PetscInt_FMT " steps: (mu, log sigma) path ends at (%.6f, %.6f), (mu, sigma) path at (%.6f, %.6f); ||rho_a - rho_b||_L1 = %.3e\n", (double)etas[k], its, (double)a[0], (double)PetscExpReal(a[1]), (double)b[0], (double)b[1], (double)d[k]));
    }
    W2_CHECK(W2OrderRatio(d[0], d[1], 2) > 0.8 && W2OrderRatio(d[1], d[2], 2) > 0.8, "coordinate invariance (Prop. 11.3): ||rho_(mu,log sigma)(T) - rho_(mu,sigma)(T)||_L1 = %.3e %.3e %.3e at eta = 0.01, 0.005, 0.0025; orders %.2f %.2f (> 0.8: explicit Euler is first order, the flows coincide)", (double)d[0], (double)d[1], (double)d[2],
             (double)W2OrderRatio(d[0], d[1], 2), (double)W2OrderRatio(d[1], d[2], 2));
    PetscCall(SetupDestroy(&t));
  }
  {
    /* Thm. 13.3: linear convergence. Near the optimum g^-1 Hess J has eigenvalues f''(1) (1/sigma^2, 2/sigma^2) = (25, 50) for
       jsd (f''(1) = 1/4, sigma = 0.1): eta = 0.02 contracts by (0.5, 0); Euclid's Hess J = (25, 0.5) needs eta < 0.08 and is then slow */
    const PetscReal etas[4] = {0.04, 0.02, 0.02, 0.02};
    PetscReal       Jh[2001];
    PetscInt        its[4];
    for (int m = 0; m < 4; m++) {
      PetscReal th[2] = {0.35, PetscLogReal(0.16)}, rate;
      s.ng->eta    = etas[m];
      s.ng->tol    = 1e-10;
      s.ng->max_it = 2000;
      PetscCall(W2NatgradRun(s.ng, (W2NatgradMethod)m, th, &its[m], Jh, NULL));
      rate = its[m] > 5 ? PetscPowReal(Jh[its[m]] / Jh[its[m] - 5], 0.2) : 0;
      W2_CHECK(Jh[its[m]] < 1e-10 && rate < 1, "%-12s eta = %.2f: J from %.3e to %.3e in %4" PetscInt_FMT " steps; observed linear rate of J over the last 5 steps %.3f (< 1: Thm. 13.3); end (mu, sigma) = (%.6f, %.6f), target (0.5, 0.1)", W2NatgradMethods[m], (double)etas[m], (double)Jh[0], (double)Jh[its[m]], its[m], (double)rate, (double)th[0],
               (double)PetscExpReal(th[1]));
    }
    W2_CHECK(its[1] < its[0] && its[2] < its[0], "natural gradients converge in fewer steps than Euclid (%" PetscInt_FMT ", %" PetscInt_FMT " vs %" PetscInt_FMT "): the metric removes the 1/sigma^2 conditioning", its[1], its[2], its[0]);
  }
  PetscCall(SetupDestroy(&s));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
