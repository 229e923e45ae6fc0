/// @file kl toward q = exp(-V)/Z is Fokker-Planck: rho = q is the discrete equilibrium and E decays exponentially.
#include "tests/numerics/flowtest.h"

int main(int argc, char **argv)
{
  const char *base = "-grid_Nx 64 -div_type kl -init_profile gaussian -init_mean 0.2 -init_sigma 0.08 -target_expr exp(cos(2*pi*x)) -ts_type beuler -ts_dt 5e-3";
  const PetscReal T[] = {0.05, 0.1, 0.15, 0.6};
  PetscReal       E[4], gap = 0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (int k = 0; k < 4; k++) {
    W2FlowProblem *pb;
    W2RunRecord    rec;
    char           opts[512];
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "%s -ts_max_time %g", base, (double)T[k]));
    PetscCall(W2TestRun(opts, &pb, &rec));
    E[k] = rec.E;
    if (k == 3) {
      /* phi = log(rho/q) + 1 is constant exactly when rho = q: the scheme's fixed point is the target */
      PetscCall(VecAXPY(pb->rho, -1.0, pb->q));
      PetscCall(VecNorm(pb->rho, NORM_INFINITY, &gap));
    }
    W2_CHECK(rec.max_energy_rise <= 1e-14 && rec.max_mass_error < 1e-12, "T = %.1f: energy non-increasing (largest rise %.1e), max |mass - 1| %.1e (< 1e-12)", (double)T[k], (double)rec.max_energy_rise, (double)rec.max_mass_error);
    PetscCall(W2FlowProblemDestroy(&pb));
  }
  {
    const PetscReal r1 = PetscLogReal(E[0] / E[1]) / 0.05, r2 = PetscLogReal(E[1] / E[2]) / 0.05;
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "KL(rho||q) at t = 0.05, 0.1, 0.15: %.3e %.3e %.3e; decay rates %.4f %.4f\n", (double)E[0], (double)E[1], (double)E[2], (double)r1, (double)r2));
    /* once the slowest mode dominates, E ~ exp(-2 lambda t): the rate over two windows agrees */
    W2_CHECK(PetscAbsReal(r1 - r2) < 0.02 * r2 && r2 > 1, "exponential convergence: rates %.4f and %.4f agree to 2%% and are positive", (double)r1, (double)r2);
    W2_CHECK(gap < 1e-6, "rho -> q: max |rho - q| = %.2e at t = 0.6 (< 1e-6)", (double)gap);
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
