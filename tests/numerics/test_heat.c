/// @file kl toward uniform q is the heat equation: rho = 1 + a cos(2 pi x) exp(-4 pi^2 t); observed orders in h.
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

static PetscReal HeatMode2d(PetscReal x, PetscReal y, void *ctx)
{
  const Mode *m = (const Mode *)ctx;
  return 1.0 + m->a * PetscCosReal(2 * PETSC_PI * x) * PetscCosReal(2 * PETSC_PI * y) * PetscExpReal(-8 * PETSC_PI * PETSC_PI * m->t);
}

int main(int argc, char **argv)
{
  const PetscInt Ns[] = {32, 64, 128};
  Mode           mode = {.a = 0.5, .t = 0.02};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (PetscInt order = 1; order <= 2; order++) {
    PetscReal err[3];
    for (int k = 0; k < 3; k++) {
      W2FlowProblem *pb;
      W2RunRecord    rec;
      char           opts[512];
      /* explicit SSP at the diffusive step limit: time error O(dt^2) = O(h^4), below the spatial error */
      PetscCall(PetscSNPrintf(opts, sizeof(opts), "-grid_Nx %" PetscInt_FMT " -div_type kl -init_profile cosine -init_amplitude 0.5 -flow_order %" PetscInt_FMT " -ts_max_time %g -flow_cfl 0.5", Ns[k], order, (double)mode.t));
      PetscCall(W2TestRun(opts, &pb, &rec));
      PetscCall(W2TestL1Error(pb->grid, pb->rho, HeatMode, &mode, &err[k]));
      W2_CHECK(rec.max_mass_error < 1e-12, "order %" PetscInt_FMT " N %3" PetscInt_FMT ": mass conserved, max |mass - 1| = %.2e (< 1e-12: flux form, round-off)", order, Ns[k], (double)rec.max_mass_error);
      W2_CHECK(rec.max_energy_rise <= 1e-14, "order %" PetscInt_FMT " N %3" PetscInt_FMT ": energy never increases (largest step change %.2e of E0 <= 1e-14: round-off of the sum)", order, Ns[k], (double)rec.max_energy_rise);
      PetscCall(W2FlowProblemDestroy(&pb));
    }
    {
      const PetscReal p1 = W2Order(err[0], err[1]), p2 = W2Order(err[1], err[2]);
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "heat 1-D order %" PetscInt_FMT ": L1 errors %.3e %.3e %.3e\n", order, (double)err[0], (double)err[1], (double)err[2]));
      /* the upwind flux is first-order consistent, the limited reconstruction second order on smooth data */
      W2_CHECK(p2 > order - 0.2 && p2 < order + 0.5, "heat 1-D, -flow_order %" PetscInt_FMT ": observed orders %.2f, %.2f (finest in [%g, %g])", order, (double)p1, (double)p2, order - 0.2, order + 0.5);
    }
  }
  {
    /* 2-D mode: 1 + a cos(2 pi x) cos(2 pi y) decays at 8 pi^2 */
    PetscReal err[2];
    mode.t = 0.01;
    for (int k = 0; k < 2; k++) {
      W2FlowProblem *pb;
      W2RunRecord    rec;
      char           opts[512];
      PetscCall(PetscSNPrintf(opts, sizeof(opts), "-grid_Nx %d -grid_Ny %d -div_type kl -init_profile cosine -init_amplitude 0.5 -init_modes 1,1 -flow_order 2 -ts_max_time %g -flow_cfl 0.5", 16 << k, 16 << k, (double)mode.t));
      PetscCall(W2TestRun(opts, &pb, &rec));
      PetscCall(W2TestL1Error(pb->grid, pb->rho, HeatMode2d, &mode, &err[k]));
      W2_CHECK(rec.max_mass_error < 1e-12, "2-D N %d: max |mass - 1| = %.2e (< 1e-12)", 16 << k, (double)rec.max_mass_error);
      PetscCall(W2FlowProblemDestroy(&pb));
    }
    W2_CHECK(W2Order(err[0], err[1]) > 1.7, "heat 2-D, -flow_order 2: L1 errors %.3e %.3e, observed order %.2f (> 1.7)", (double)err[0], (double)err[1], (double)W2Order(err[0], err[1]));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
