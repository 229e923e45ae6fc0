/// @file EDI for every divergence: the residual E(0) - E(T) - int D shrinks at the integrator's order; energy, mass, positivity.
#include "tests/numerics/flowtest.h"

static const char *const base = "-grid_Nx 64 -init_profile gaussian -init_mean 0.3 -init_sigma 0.15 -target_profile vonmises -target_mean 0.6 -target_kappa 1 -ts_max_time 0.02";

/* final densities of each run, to compare implicit with explicit */
static PetscErrorCode RunCase(const char div[], const char stepping[], W2RunRecord *rec, Vec *rho)
{
  W2FlowProblem *pb;
  char           opts[1024];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(opts, sizeof(opts), "%s %s %s", base, div, stepping));
  PetscCall(W2TestRun(opts, &pb, rec));
  if (rho) PetscCall(VecDuplicate(pb->rho, rho));
  if (rho) PetscCall(VecCopy(pb->rho, *rho));
  PetscCall(W2FlowProblemDestroy(&pb));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const char *divs[] = {"-div_type kl", "-div_type reverse_kl", "-div_type chi2", "-div_type hellinger", "-div_type jsd", "-div_type alpha -div_alpha 2", "-div_type alpha -div_alpha 0.5"};
  /* backward Euler (order 1) with fixed steps; SSP RK2 (order 2) with the step limit scaled by -flow_cfl */
  const char *implicit[] = {"-ts_type beuler -ts_dt 4e-3", "-ts_type beuler -ts_dt 2e-3", "-ts_type beuler -ts_dt 1e-3"};
  const char *explicit_[] = {"-ts_type ssp -ts_ssp_type rks2 -flow_cfl 0.8", "-ts_type ssp -ts_ssp_type rks2 -flow_cfl 0.4", "-ts_type ssp -ts_ssp_type rks2 -flow_cfl 0.2"};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (size_t d = 0; d < sizeof(divs) / sizeof(divs[0]); d++) {
    for (int kind = 0; kind < 2; kind++) {
      const char *const *steps = kind ? explicit_ : implicit;
      const PetscReal    expect = kind ? 2.0 : 1.0;
      PetscReal          res[3], worst_rise = 0, worst_mass = 0, lowest = PETSC_MAX_REAL;
      for (int k = 0; k < 3; k++) {
        W2RunRecord rec;
        PetscCall(RunCase(divs[d], steps[k], &rec, NULL));
        res[k]     = PetscAbsReal(rec.edi_relative);
        worst_rise = PetscMax(worst_rise, rec.max_energy_rise);
        worst_mass = PetscMax(worst_mass, rec.max_mass_error);
        lowest     = PetscMin(lowest, rec.min_rho);
      }
      /* the semi-discrete identity dE/dt = -D is exact; what is left is the integrator's error (order p)
         and the trapezoid rule (order 2): min(p, 2) */
      W2_CHECK(W2Order(res[0], res[1]) > expect - 0.25 && W2Order(res[1], res[2]) > expect - 0.25, "%-28s %s: relative EDI residuals %.2e %.2e %.2e, observed orders %.2f %.2f (> %.2f)", divs[d], kind ? "SSP-RK2" : "BEuler ", (double)res[0],
               (double)res[1], (double)res[2], (double)W2Order(res[0], res[1]), (double)W2Order(res[1], res[2]), (double)(expect - 0.25));
      W2_CHECK(worst_rise <= 1e-14, "%-28s %s: energy never increases (largest step change %.2e of E0 <= 1e-14: round-off of the sum)", divs[d], kind ? "SSP-RK2" : "BEuler ", (double)worst_rise);
      W2_CHECK(worst_mass < 1e-12, "%-28s %s: max |mass - 1| = %.2e (< 1e-12: conservative fluxes; Newton converged to round-off)", divs[d], kind ? "SSP-RK2" : "BEuler ", (double)worst_mass);
      W2_CHECK(lowest > 0, "%-28s %s: rho > 0 throughout (min %.3e)", divs[d], kind ? "SSP-RK2" : "BEuler ", (double)lowest);
    }
  }
  {
    /* implicit against explicit: backward Euler is first order, so its distance to an accurate explicit solution halves with dt */
    Vec         ref, v[3];
    W2RunRecord rec;
    PetscReal   dist[3];
    PetscCall(RunCase("-div_type jsd", "-ts_type ssp -ts_ssp_type rks2 -flow_cfl 0.1", &rec, &ref));
    for (int k = 0; k < 3; k++) {
      PetscCall(RunCase("-div_type jsd", implicit[k], &rec, &v[k]));
      PetscCall(VecAXPY(v[k], -1.0, ref));
      PetscCall(VecNorm(v[k], NORM_1, &dist[k]));
      dist[k] /= 64;
      PetscCall(VecDestroy(&v[k]));
    }
    PetscCall(VecDestroy(&ref));
    W2_CHECK(W2Order(dist[0], dist[1]) > 0.8 && W2Order(dist[1], dist[2]) > 0.8, "jsd: |BEuler - SSP| in L1 = %.2e %.2e %.2e as dt halves, orders %.2f %.2f (> 0.8: first order)", (double)dist[0], (double)dist[1], (double)dist[2],
             (double)W2Order(dist[0], dist[1]), (double)W2Order(dist[1], dist[2]));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
