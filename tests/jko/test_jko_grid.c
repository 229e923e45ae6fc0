/// @file bfm JKO steps with -jko_bfm_ctransform grid (interpolated c-transforms, mu at the nodes): weak duality, exact mass and primal - dual = the Fenchel-Young gap (its translations: test_jko_w2).
#include "tests/jko/jkotest.h"

/* 1 + a cos(2 pi (x - c0)) (times cos(2 pi (y - c1)) in 2-D) */
typedef struct {
  PetscReal c[2], a;
} W2TestWave;
static PetscReal Wave(PetscReal x, PetscReal y, void *ctx)
{
  const W2TestWave *m = (const W2TestWave *)ctx;
  return 1.0 + m->a * PetscCosReal(2 * PETSC_PI * (x - m->c[0])) * (y != 0 ? PetscCosReal(2 * PETSC_PI * (y - m->c[1])) : 1.0);
}
static PetscReal Bump(PetscReal x, PetscReal y, void *ctx)
{
  const W2TestWave *m = (const W2TestWave *)ctx;
  return PetscExpReal(0.8 * (PetscCosReal(2 * PETSC_PI * (x - m->c[0])) + (y != 0 ? PetscCosReal(2 * PETSC_PI * (y - m->c[1])) : 0.0)));
}

/* JKO steps to a loose gap (the grid dual is not C^1 at its optimum, docs/theory.md 4): weak duality
   F(P_k-1) - F(P_k) - W2^2/(2 tau) >= -gap, mass exact to round-off, and primal - dual equal to the
   Fenchel-Young sum: true only if the push-forward and its cost are exactly the supergradient of the
   interpolated transform (Danskin), which this checks */
static PetscErrorCode Steps(PetscInt dim, PetscInt N, const char type[], PetscReal tau, PetscInt steps)
{
  W2Grid       *g;
  W2Divergence *div;
  Vec           q, rho, next;
  W2JKO         jko;
  W2TestWave    target = {{0.6, 0.3}, 0}, init = {{0.25, 0.55}, 0.7};
  PetscReal     worst = PETSC_MAX_REAL, mass_err = 0, ident = 0, max_rel = 0;
  PetscInt      its = 0;
  PetscBool     conv = PETSC_TRUE;

  PetscFunctionBeginUser;
  PetscCall(W2TestUnitGrid(dim, N, &g));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, type, 2.0, &div));
  PetscCall(DMCreateGlobalVector(g->da, &q));
  PetscCall(VecDuplicate(q, &rho));
  PetscCall(VecDuplicate(q, &next));
  PetscCall(W2TestFill(g, Bump, &target, q));
  PetscCall(W2TestFill(g, Wave, &init, rho));
  PetscCall(W2JKOCreate(g, div, q, &jko));
  PetscCall(W2JKOSetTau(jko, tau));
  PetscCall(W2JKOSetTolerances(jko, 1e-2, 1e-15, 2000));
  PetscCall(W2JKOSetFromOptions(jko));
  for (PetscInt k = 0; k < steps; k++) {
    W2JKOInfo info;
    PetscCall(W2JKOStep(jko, rho, next, &info));
    worst    = PetscMin(worst, info.slack + info.gap);
    mass_err = PetscMax(mass_err, PetscAbsReal(info.mass - 1.0));
    ident    = PetscMax(ident, PetscAbsReal(info.primal - info.dual - info.gap) / (PetscAbsReal(info.primal) + PetscAbsReal(info.dual)));
    max_rel  = PetscMax(max_rel, info.rel_gap);
    its += info.iterations;
    conv = (PetscBool)(conv && info.converged);
    PetscCall(VecCopy(next, rho));
  }
  W2_CHECK(conv && worst >= -1e-15, "grid: %" PetscInt_FMT "-D %-4s %" PetscInt_FMT " steps of tau %g to rel gap 1e-2: slack + gap >= -1e-15 every step (min %.2e; weak duality, staying put is feasible; round-off), max rel gap %.1e, %" PetscInt_FMT " iterations", dim, type, steps, (double)tau, (double)worst, (double)max_rel, its);
  W2_CHECK(mass_err <= 1e-12, "grid: %" PetscInt_FMT "-D %-4s max |mass - 1| = %.1e <= 1e-12 (weights 1 - w and w of each parcel; no renormalisation)", dim, type, (double)mass_err);
  W2_CHECK(ident <= 1e-12, "grid: %" PetscInt_FMT "-D %-4s |primal - dual - Fenchel-Young gap| / (|primal| + |dual|) = %.1e <= 1e-12 (the push is the exact supergradient: <mu, Q[phi]> = <phi, T#mu> + cost/(2 tau); round-off of sums)", dim, type, (double)ident);
  PetscCall(W2JKODestroy(&jko));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&rho));
  PetscCall(VecDestroy(&next));
  PetscCall(W2DivergenceDestroy(&div));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsSetValue(NULL, "-jko_bfm_ctransform", "grid"));
  PetscCall(Steps(1, 128, "kl", 5e-3, 3));
  PetscCall(Steps(2, 32, "jsd", 1e-2, 2));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
