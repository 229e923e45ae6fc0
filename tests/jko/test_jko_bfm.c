/// @file bfm JKO steps for every divergence: energy inequality each step, the summed bound, exact mass, positivity, the optimality residual shrinking with the grid (1-D and 2-D).
#include "tests/jko/jkotest.h"

typedef struct {
  PetscReal c[2], kappa, a;
} W2TestVM;
/* exp(kappa cos(2 pi (x - c0))) (* the same in y in 2-D): a positive target */
static PetscReal VonMises(PetscReal x, PetscReal y, void *ctx)
{
  const W2TestVM *m = (const W2TestVM *)ctx;
  return PetscExpReal(m->kappa * (PetscCosReal(2 * PETSC_PI * (x - m->c[0])) + (y != 0 ? PetscCosReal(2 * PETSC_PI * (y - m->c[1])) : 0.0)));
}
/* 1 + a cos(2 pi (x - c0)) (cos(2 pi (y - c1)) in 2-D): a positive start */
static PetscReal Wave(PetscReal x, PetscReal y, void *ctx)
{
  const W2TestVM *m = (const W2TestVM *)ctx;
  return 1.0 + m->a * PetscCosReal(2 * PETSC_PI * (x - m->c[0])) * (y != 0 ? PetscCosReal(2 * PETSC_PI * (y - m->c[1])) : 1.0);
}
/* a compactly supported start for chi2 (porous medium): (0.04 - |x - c|^2)_+ */
static PetscReal Cap(PetscReal x, PetscReal y, void *ctx)
{
  const W2TestVM *m  = (const W2TestVM *)ctx;
  const PetscReal dx = W2PeriodicDelta(x, m->c[0], 1.0), dy = y != 0 ? W2PeriodicDelta(y, m->c[1], 1.0) : 0.0;
  return PetscMax(0.04 - dx * dx - dy * dy, 0.0);
}

typedef struct {
  W2Grid       *g;
  W2Divergence *div;
  Vec           q, rho;
  W2JKO         jko;
} Setup;

static PetscErrorCode SetupCreate(PetscInt dim, PetscInt N, const char type[], PetscReal alpha, W2TestDensity start, PetscReal tau, PetscReal rtol, Setup *s)
{
  PetscInt  n[2] = {N, N};
  PetscReal L[2] = {1.0, 1.0};
  W2TestVM  target = {{0.6, 0.3}, 0.8, 0}, init = {{0.25, 0.55}, 0, 0.7};

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, n, L, 1, &s->g));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, type, alpha, &s->div));
  PetscCall(DMCreateGlobalVector(s->g->da, &s->q));
  PetscCall(VecDuplicate(s->q, &s->rho));
  PetscCall(W2TestFill(s->g, VonMises, &target, s->q));
  PetscCall(W2TestFill(s->g, start, &init, s->rho));
  PetscCall(W2JKOCreate(s->g, s->div, s->q, &s->jko));
  PetscCall(W2JKOSetTau(s->jko, tau));
  PetscCall(W2JKOSetTolerances(s->jko, rtol, 1e-15, 2000));
  PetscCall(W2JKOSetFromOptions(s->jko)); /* -jko_bfm_ctransform and -jko_monitor from the command line */
  PetscFunctionReturn(0);
}

static PetscErrorCode SetupDestroy(Setup *s)
{
  PetscFunctionBeginUser;
  PetscCall(W2JKODestroy(&s->jko));
  PetscCall(VecDestroy(&s->q));
  PetscCall(VecDestroy(&s->rho));
  PetscCall(W2DivergenceDestroy(&s->div));
  PetscCall(W2GridDestroy(&s->g));
  PetscFunctionReturn(0);
}

/* steps of the flow; every step: slack >= -gap (weak duality: staying put is feasible), mass, sign */
static PetscErrorCode Flow(PetscInt dim, PetscInt N, const char type[], PetscReal alpha, W2TestDensity start, PetscReal tau, PetscInt steps)
{
  Setup           s;
  W2JKOFlowRecord rec;
  PetscReal       worst = PETSC_MAX_REAL, sum_gap = 0;
  char            name[64];

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(dim, N, type, alpha, start, tau, 1e-10, &s));
  PetscCall(PetscMemzero(&rec, sizeof(rec)));
  for (PetscInt k = 0; k < steps; k++) {
    W2JKOInfo info;
    PetscCall(W2JKOFlowStep(s.jko, s.rho, &info, &rec));
    worst = PetscMin(worst, info.slack + info.gap);
    sum_gap += info.gap;
  }
  if (!strcmp(type, "alpha")) PetscCall(PetscSNPrintf(name, sizeof(name), "alpha %g", (double)alpha));
  else PetscCall(PetscStrncpy(name, type, sizeof(name)));
  W2_CHECK(worst >= -1e-15 && rec.unconverged == 0, "%" PetscInt_FMT "-D %-10s %2" PetscInt_FMT " steps of tau %g: energy inequality F(P_k-1) - F(P_k) - W2^2/2tau >= -gap every step (min slack %.3e, min slack + gap %.2e >= -1e-15 round-off; max rel gap %.1e, %" PetscInt_FMT " iterations)", dim, name, steps, (double)tau,
           (double)rec.min_slack, (double)worst, (double)rec.max_rel_gap, rec.iterations);
  W2_CHECK(rec.sum_w2_over_2tau <= rec.energy0 - rec.energy + sum_gap + 1e-15, "%" PetscInt_FMT "-D %-10s sum W2^2/(2 tau) = %.6e <= F(P_0) - F(P_N) = %.6e (summed energy inequality; summed gaps %.1e)", dim, name, (double)rec.sum_w2_over_2tau, (double)(rec.energy0 - rec.energy), (double)sum_gap);
  W2_CHECK(rec.max_mass_error <= 1e-12 && rec.min_rho >= 0, "%" PetscInt_FMT "-D %-10s max |mass - 1| = %.1e <= 1e-12 (Laguerre cells tile the torus; no renormalisation), min rho = %.3e >= 0", dim, name, (double)rec.max_mass_error, (double)rec.min_rho);
  PetscCall(SetupDestroy(&s));
  PetscFunctionReturn(0);
}

/* one KL step on refined grids: |S(y) - y - tau grad phi| / |S(y) - y| in L2(P_k) -> 0 */
static PetscErrorCode Residual(PetscInt dim, const PetscInt Ns[3], PetscReal tau, PetscReal min_order)
{
  PetscReal res[3];

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < 3; k++) {
    Setup     s;
    Vec       next;
    W2JKOInfo info;
    PetscCall(SetupCreate(dim, Ns[k], "kl", 2.0, Wave, tau, 1e-13, &s));
    PetscCall(VecDuplicate(s.rho, &next));
    PetscCall(W2JKOStep(s.jko, s.rho, next, &info));
    res[k] = info.residual;
    PetscCall(VecDestroy(&next));
    PetscCall(SetupDestroy(&s));
  }
  W2_CHECK(W2Order(res[0], res[1]) > min_order && W2Order(res[1], res[2]) > min_order,
           "%" PetscInt_FMT "-D optimality residual of S(x) = x + tau grad phi_{P_k}(x) on N = %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT ": %.2e %.2e %.2e, observed orders %.2f %.2f (> %.1f: barycentres of Laguerre cells and centred differences are second order)", dim, Ns[0], Ns[1], Ns[2],
           (double)res[0], (double)res[1], (double)res[2], (double)W2Order(res[0], res[1]), (double)W2Order(res[1], res[2]), (double)min_order);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const char     *types[]  = {"kl", "reverse_kl", "chi2", "hellinger", "jsd", "alpha", "alpha"};
  const PetscReal alphas[] = {2, 2, 2, 2, 2, 2, 0.5};
  const PetscInt  N1[3] = {64, 128, 256}, N2[3] = {16, 32, 64};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) PetscCall(Flow(1, 128, types[k], alphas[k], Wave, 5e-3, 6));
  PetscCall(Flow(1, 128, "chi2", 2, Cap, 2e-3, 6));
  PetscCall(Flow(2, 32, "kl", 2, Wave, 2e-3, 3));
  PetscCall(Flow(2, 32, "jsd", 2, Wave, 2e-3, 3));
  PetscCall(Residual(1, N1, 1e-2, 1.5));
  PetscCall(Residual(2, N2, 5e-3, 1.5));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
