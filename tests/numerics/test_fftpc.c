/// @file -flow_pc fft: the preconditioner is the exact inverse of shift I - c Lap_h (c the mean diffusivity) on
/// every layout (serial, FFTW-MPI slabs, gathered), and implicit steps with it agree with BoomerAMG's.
#include "tests/numerics/flowtest.h"

/* w = shift v - c Lap_h v with the periodic 5-point (1-D: 3-point) Laplacian, from a ghosted copy of v */
static PetscErrorCode ApplyOperator(const W2Grid *g, PetscReal shift, PetscReal c, Vec v, Vec w)
{
  Vec                vl;
  const PetscScalar *a;
  PetscScalar       *o;
  W2Box              b;
  PetscInt           gxs, gys, gzs, gxm, gym, gzm;

  PetscFunctionBeginUser;
  PetscCall(W2GridOwnedBox(g, &b));
  PetscCall(DMDAGetGhostCorners(g->da, &gxs, &gys, &gzs, &gxm, &gym, &gzm));
  if (g->dim == 1) gys = 0;
  PetscCall(DMGetLocalVector(g->da, &vl));
  PetscCall(DMGlobalToLocal(g->da, v, INSERT_VALUES, vl));
  PetscCall(VecGetArrayRead(vl, &a));
  PetscCall(VecGetArray(w, &o));
  for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) {
      const PetscInt k = (j - gys) * gxm + (i - gxs);
      PetscReal      lap = (a[k - 1] - 2 * a[k] + a[k + 1]) / (g->h[0] * g->h[0]);
      if (g->dim > 1) lap += (a[k - gxm] - 2 * a[k] + a[k + gxm]) / (g->h[1] * g->h[1]);
      o[(j - b.ys) * b.xm + (i - b.xs)] = shift * a[k] - c * lap;
    }
  PetscCall(VecRestoreArray(w, &o));
  PetscCall(VecRestoreArrayRead(vl, &a));
  PetscCall(DMRestoreLocalVector(g->da, &vl));
  PetscFunctionReturn(0);
}

/* After a backward-Euler run with -flow_pc fft: re-evaluate the Jacobian at the last Newton iterate (which
   sets c and the operator the PC freezes), then check PC (shift I - c Lap_h) v = v for a random v. */
static PetscErrorCode CheckInverse(const char grid[], PetscReal dt)
{
  W2FlowProblem *pb;
  W2RunRecord    rec;
  SNES           snes;
  KSP            ksp;
  PC             pc;
  Mat            A, P;
  Vec            x, v, w, z;
  PetscRandom    rnd;
  PetscReal      err, nv;
  PCType         type;
  char           opts[512];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(opts, sizeof(opts), "%s -div_type jsd -init_profile cosine -init_amplitude 0.6 -target_profile uniform -ts_type beuler -ts_adapt_type none -ts_dt %g -ts_max_time %g -flow_pc fft", grid, (double)dt, (double)(2 * dt)));
  PetscCall(W2TestRun(opts, &pb, &rec));
  PetscCall(TSGetSNES(pb->ts, &snes));
  PetscCall(SNESGetKSP(snes, &ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCGetType(pc, &type));
  W2_CHECK(!strcmp(type, PCSHELL), "%s: -flow_pc fft gives a PCSHELL (got %s)", grid, type);
  PetscCall(SNESGetSolution(snes, &x));
  PetscCall(SNESGetJacobian(snes, &A, &P, NULL, NULL));
  PetscCall(SNESComputeJacobian(snes, x, A, P));
  PetscCall(KSPSetOperators(ksp, A, P));
  PetscCall(KSPSetReusePreconditioner(ksp, PETSC_FALSE)); /* the SNES lag left it set */
  PetscCall(PCSetUp(pc));
  PetscCall(VecDuplicate(pb->rho, &v));
  PetscCall(VecDuplicate(pb->rho, &w));
  PetscCall(VecDuplicate(pb->rho, &z));
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  PetscCall(PetscRandomSetSeed(rnd, 12345));
  PetscCall(PetscRandomSeed(rnd));
  PetscCall(VecSetRandom(v, rnd));
  PetscCall(ApplyOperator(pb->grid, 1.0 / dt, pb->flow->mean_diffusivity, v, w));
  PetscCall(PCApply(pc, w, z));
  PetscCall(VecAXPY(z, -1.0, v));
  PetscCall(VecNorm(z, NORM_INFINITY, &err));
  PetscCall(VecNorm(v, NORM_INFINITY, &nv));
  /* the symbol shift + c mu_k >= shift and the FFT pair is backward stable: round-off of a few transforms */
  W2_CHECK(err <= 1e-12 * nv, "%s: PC (1/dt I - c Lap_h) v = v to %.2e (<= 1e-12 relative: exact inverse up to FFT round-off; c = %.4f)", grid, (double)(err / nv), (double)pb->flow->mean_diffusivity);
  W2_CHECK(rec.max_mass_error < 1e-12, "%s: max |mass - 1| = %.2e (< 1e-12: flux form, Newton converged)", grid, (double)rec.max_mass_error);
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&z));
  PetscCall(W2FlowProblemDestroy(&pb));
  PetscFunctionReturn(0);
}

/* The same implicit steps preconditioned by FFT and by BoomerAMG: one nonlinear system, so the same
   solution up to the Newton tolerance. */
static PetscErrorCode CompareWithHypre(const char setup[])
{
  W2FlowProblem *pb;
  W2RunRecord    rec[2];
  Vec            rho[2];
  PetscReal      diff, nrm;
  const char    *pcs[2] = {"fft", "hypre"};

  PetscFunctionBeginUser;
  for (int k = 0; k < 2; k++) {
    char opts[512];
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "%s -flow_pc %s", setup, pcs[k]));
    PetscCall(W2TestRun(opts, &pb, &rec[k]));
    PetscCall(VecDuplicate(pb->rho, &rho[k]));
    PetscCall(VecCopy(pb->rho, rho[k]));
    PetscCall(W2FlowProblemDestroy(&pb));
    W2_CHECK(rec[k].max_mass_error < 1e-12, "%s -flow_pc %s: max |mass - 1| = %.2e (< 1e-12)", setup, pcs[k], (double)rec[k].max_mass_error);
    W2_CHECK(rec[k].max_energy_rise <= 1e-14, "%s -flow_pc %s: energy never increases (largest change %.2e of E0 <= 1e-14)", setup, pcs[k], (double)rec[k].max_energy_rise);
  }
  PetscCall(VecAXPY(rho[0], -1.0, rho[1]));
  PetscCall(VecNorm(rho[0], NORM_INFINITY, &diff));
  PetscCall(VecNorm(rho[1], NORM_INFINITY, &nrm));
  /* both Newton iterations stop at rtol 1e-10 of the first residual; the solution error is that times the
     conditioning of the step (dt ||J|| ~ 1e2 here): 1e-8 leaves a margin */
  W2_CHECK(diff <= 1e-8 * nrm, "%s: |rho_fft - rho_hypre| = %.2e of max rho (<= 1e-8: same nonlinear system, Newton tolerance)", setup, (double)(diff / nrm));
  PetscCall(VecDestroy(&rho[0]));
  PetscCall(VecDestroy(&rho[1]));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  /* layouts: serial; on 2 ranks 32 x 32 splits rows (FFTW-MPI slabs), 32 x 16 splits columns and 1-D is
     1-D (both gathered) */
  PetscCall(CheckInverse("-grid_Nx 64", 1e-3));
  PetscCall(CheckInverse("-grid_Nx 32 -grid_Ny 32 -init_modes 1,2", 1e-3));
  PetscCall(CheckInverse("-grid_Nx 32 -grid_Ny 16 -grid_Lx 2 -init_modes 2,1", 2e-3));
  PetscCall(CompareWithHypre("-grid_Nx 32 -grid_Ny 32 -div_type chi2 -init_profile gaussian -init_mean 0.3,0.4 -init_sigma 0.15 -target_profile vonmises -target_mean 0.6,0.5 -target_kappa 1 -ts_type beuler -ts_dt 2e-3 -ts_max_time 0.01"));
  PetscCall(CompareWithHypre("-grid_Nx 48 -div_type kl -init_profile gaussian -init_mean 0.3 -init_sigma 0.1 -target_profile vonmises -target_mean 0.6 -target_kappa 2 -ts_type beuler -ts_dt 2e-3 -ts_max_time 0.01"));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
