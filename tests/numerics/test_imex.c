/// @file Regression: -flow_order 2 with IMEX and Rosenbrock methods (matrix-free Jacobian) ran into "No method
/// zeroentries for Mat of type mffd"; they must integrate the heat equation with exact mass and the EDI at order 2.
#include "tests/numerics/flowtest.h"

typedef struct {
  PetscReal a, t;
} Mode;

static PetscReal HeatMode(PetscReal x, PetscReal y, void *ctx)
{
  const Mode *m = (const Mode *)ctx;
  (void)y;
  return 1.0 + m->a * PetscCosReal(2 * PETSC_PI * x) * PetscExpReal(-4 * PETSC_PI * PETSC_PI * m->t);
}

int main(int argc, char **argv)
{
  const char *methods[] = {"-ts_type arkimex", "-ts_type rosw"};
  const char *dts[]     = {"4e-3", "2e-3", "1e-3"};
  Mode        mode      = {.a = 0.5, .t = 0.02};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
    PetscReal edi[3], err[3];
    for (int k = 0; k < 3; k++) {
      W2FlowProblem *pb;
      W2RunRecord    rec;
      char           opts[512];
      /* fixed steps (no adaptivity) so that the EDI residual is a function of dt alone */
      PetscCall(PetscSNPrintf(opts, sizeof(opts), "-grid_Nx 64 -div_type kl -init_profile cosine -init_amplitude 0.5 -flow_order 2 -flow_jacobian mf %s -ts_adapt_type none -ts_dt %s -ts_max_time %g", methods[m], dts[k], (double)mode.t));
      PetscCall(W2TestRun(opts, &pb, &rec));
      PetscCall(W2TestL1Error(pb->grid, pb->rho, HeatMode, &mode, &err[k]));
      edi[k] = PetscAbsReal(rec.edi_relative);
      W2_CHECK(PetscAbsReal(rec.t - mode.t) < 1e-12, "%s dt %s: reached t = %.6f (the final time, not a failed step)", methods[m], dts[k], (double)rec.t);
      W2_CHECK(rec.max_mass_error < 1e-12, "%s dt %s: max |mass - 1| = %.2e (< 1e-12: flux form, linear solves to round-off)", methods[m], dts[k], (double)rec.max_mass_error);
      W2_CHECK(rec.max_energy_rise <= 1e-14, "%s dt %s: energy never increases (largest step change %.2e of E0 <= 1e-14: round-off of the sum)", methods[m], dts[k], (double)rec.max_energy_rise);
      W2_CHECK(rec.min_rho > 0, "%s dt %s: rho > 0 throughout (min %.3e)", methods[m], dts[k], (double)rec.min_rho);
      PetscCall(W2FlowProblemDestroy(&pb));
    }
    /* the semi-discrete dE/dt = -D is exact: the residual is the integrator's error (order >= 2 for both
       defaults, ARKIMEX 3 and RA34PW2) plus the trapezoid rule of the monitor (order 2) */
    W2_CHECK(W2Order(edi[0], edi[1]) > 1.75 && W2Order(edi[1], edi[2]) > 1.75, "%s: relative EDI residuals %.2e %.2e %.2e, observed orders %.2f %.2f (> 1.75)", methods[m], (double)edi[0], (double)edi[1], (double)edi[2], (double)W2Order(edi[0], edi[1]),
             (double)W2Order(edi[1], edi[2]));
    /* against the closed form: at N = 64 the second-order space error (test_heat: about 1e-4 in L1) dominates,
       so the error must stay at that level for every dt (a broken stage would give O(1) errors) */
    W2_CHECK(err[0] < 5e-4 && err[1] < 5e-4 && err[2] < 5e-4, "%s: L1 errors against 1 + a cos(2 pi x) exp(-4 pi^2 t): %.2e %.2e %.2e (< 5e-4: the space error at N = 64)", methods[m], (double)err[0], (double)err[1], (double)err[2]);
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
