/// @file The JKO curve against the PDE: piecewise-constant JKO densities converge to the finite-volume solution at first order in tau (THEORY.md 4).
#include <petscts.h>
#include "solver/problem.h"
#include "tests/jko/jkotest.h"

/* Fokker-Planck: kl toward q = exp(cos 2 pi x)/Z from a Gaussian; the PDE reference by second-order finite
   volumes with small SSP steps (its time and space errors are far below the JKO's O(tau)). */
static const char *const base = "-grid_Nx 512 -div_type kl -init_expr exp(2*cos(2*pi*(x-0.3))) -target_expr exp(cos(2*pi*x)) -flow_order 2 -ts_type ssp -ts_ssp_type rks2 -flow_cfl 0.25";

int main(int argc, char **argv)
{
  const PetscReal T = 0.02;
  const PetscInt  K[4] = {2, 4, 8, 16};
  W2FlowProblem  *pb;
  Vec             rho0, ref;
  PetscReal       err[4], ref_l1;
  char            opts[1024];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscSNPrintf(opts, sizeof(opts), "%s -ts_max_time %g", base, (double)T));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(W2FlowProblemCreate(PETSC_COMM_WORLD, &pb));
  PetscCall(VecDuplicate(pb->rho, &rho0));
  PetscCall(VecCopy(pb->rho, rho0));
  PetscCall(TSSolve(pb->ts, pb->rho));
  ref = pb->rho;
  PetscCall(VecNorm(ref, NORM_1, &ref_l1));
  ref_l1 *= pb->grid->dV;
  for (PetscInt k = 0; k < 4; k++) {
    W2JKO           jko;
    W2JKOFlowRecord rec;
    Vec             rho;
    PetscCall(VecDuplicate(rho0, &rho));
    PetscCall(VecCopy(rho0, rho));
    PetscCall(W2JKOCreate(pb->grid, pb->div, pb->q, &jko));
    PetscCall(W2JKOSetTau(jko, T / K[k]));
    PetscCall(W2JKOSetTolerances(jko, 1e-12, 1e-15, 2000));
    PetscCall(W2JKOFlowSolve(jko, rho, T, K[k], NULL, NULL, &rec));
    PetscCall(W2TestL1(pb->grid, rho, ref, &err[k]));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  tau = T/%2" PetscInt_FMT ": %2" PetscInt_FMT " JKO steps to t = %.4f, |rho_JKO - rho_PDE|_1 = %.4e, %" PetscInt_FMT " bfm iterations, max rel gap %.1e\n", K[k], rec.steps, (double)rec.t, (double)err[k], rec.iterations, (double)rec.max_rel_gap));
    PetscCall(W2JKODestroy(&jko));
    PetscCall(VecDestroy(&rho));
  }
  /* JKO is backward Euler in the W2 metric: the error at fixed T is O(tau) */
  W2_CHECK(W2Order(err[0], err[1]) > 0.8 && W2Order(err[0], err[1]) < 1.25 && W2Order(err[1], err[2]) > 0.8 && W2Order(err[1], err[2]) < 1.25 && W2Order(err[2], err[3]) > 0.8 && W2Order(err[2], err[3]) < 1.25,
           "JKO vs PDE at T = %g: L1 errors %.3e %.3e %.3e %.3e as tau halves, observed orders %.2f %.2f %.2f (in (0.8, 1.25): first order, the minimising-movement scheme is implicit Euler)", (double)T, (double)err[0], (double)err[1], (double)err[2], (double)err[3],
           (double)W2Order(err[0], err[1]), (double)W2Order(err[1], err[2]), (double)W2Order(err[2], err[3]));
  W2_CHECK(err[3] < 0.05 * ref_l1, "finest JKO curve within %.1e of the PDE in L1 (< 5%% of |rho|_1 = %.3f)", (double)err[3], (double)ref_l1);
  PetscCall(VecDestroy(&rho0));
  PetscCall(W2FlowProblemDestroy(&pb));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
