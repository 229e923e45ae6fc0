/// @file The stencil Newton operator (-flow_operator shell): its action equals the assembled shift I - J's MatMult
/// to round-off (orders 1 and 2, 1-D and 2-D, every halo layout), and implicit runs with it match the assembled path.
#include <float.h>
#include "tests/numerics/flowtest.h"
#include "tests/numerics/gridfill.h"

/* rho with vacuum (rho = 0: the masked derivatives), a plateau and extrema (the profile of test_sweep) */
static PetscReal Vacuum(PetscReal x, PetscReal y, PetscReal q)
{
  (void)q;
  return PetscMin(0.6, PetscMax(0.0, 0.3 + 0.5 * PetscSinReal(2 * PETSC_PI * x) * PetscCosReal(4 * PETSC_PI * y) + 0.1 * PetscCosReal(6 * PETSC_PI * x)));
}

/* rho positive with no symmetry: a smooth profile plus noise added by the caller */
static PetscReal Positive(PetscReal x, PetscReal y, PetscReal q) { return 0.3 + 0.2 * q * PetscCosReal(2 * PETSC_PI * (x + 2 * y)); }

/* MatMult of the shell against MatMult of the assembled W2FlowShiftedJacobian at the same rho, for shift 7 and 0 */
static PetscErrorCode CompareOperators(PetscInt dim, const PetscInt N[], PetscInt order, const char div[], W2TestProfile profile)
{
  const PetscReal L[2] = {1.0, 1.0}, shifts[2] = {7.0, 0.0};
  W2Grid         *g;
  W2Divergence   *d;
  W2Flow         *fl;
  Mat             J, S;
  Vec             rho, q, x, y, z;
  PetscRandom     rnd;

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, N, L, order, &g));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, div, 0.0, &d));
  PetscCall(DMCreateGlobalVector(g->da, &rho));
  PetscCall(VecDuplicate(rho, &q));
  PetscCall(VecDuplicate(rho, &x));
  PetscCall(VecDuplicate(rho, &y));
  PetscCall(VecDuplicate(rho, &z));
  PetscCall(W2TestFill(g, profile, rho, q));
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  PetscCall(PetscRandomSetSeed(rnd, 314159));
  PetscCall(PetscRandomSeed(rnd));
  if (profile == Positive) {
    PetscCall(VecSetRandom(x, rnd));
    PetscCall(VecAXPY(rho, 0.05, x));
  }
  PetscCall(VecSetRandom(x, rnd));
  PetscCall(VecShift(x, -0.5)); /* both signs: the sums cancel as in a Krylov direction */
  PetscCall(W2FlowCreate(g, d, q, order, &fl));
  PetscCall(DMCreateMatrix(g->da, &J));
  PetscCall(W2FlowCreateShiftedOperator(fl, &S));
  for (int s = 0; s < 2; s++) {
    PetscReal err, pnorm, xnorm, kappa, shift;
    PetscBool is;
    PetscCall(W2FlowShiftedJacobian(fl, rho, shifts[s], PETSC_TRUE, J));
    kappa = fl->mean_diffusivity;
    PetscCall(W2FlowShiftedOperatorSet(S, rho, shifts[s]));
    PetscCall(W2FlowShiftedOperatorGetShift(S, &is, &shift));
    W2_CHECK(is && shift == shifts[s], "%dD %s: the shell reports its shift (%g, expected %g)", (int)dim, div, (double)shift, (double)shifts[s]);
    W2_CHECK(fl->mean_diffusivity == kappa, "%dD %s: the same mean diffusivity from both paths (%.17g vs %.17g: the same sum)", (int)dim, div, (double)fl->mean_diffusivity, (double)kappa);
    PetscCall(MatMult(J, x, y));
    PetscCall(MatMult(S, x, z));
    PetscCall(MatNorm(J, NORM_INFINITY, &pnorm));
    PetscCall(VecNorm(x, NORM_INFINITY, &xnorm));
    PetscCall(VecAXPY(z, -1.0, y));
    PetscCall(VecNorm(z, NORM_INFINITY, &err));
    /* the same products of the same face derivatives (and 1/h), summed in another order: the assembled row is 5
       (3) products summed, the stencil sums the face fluxes then their differences; at most about 10 roundings
       of terms whose absolute sum is the row's |P| |x| <= ||P||_inf ||x||_inf per cell (the off-diagonal entries
       and the parts of the diagonal have one sign each, so |P| |x| is the sum of the absolute terms): 20 eps */
    W2_CHECK(err <= 20 * DBL_EPSILON * pnorm * xnorm, "%dD %d x %d order %d %s shift %g: max |S x - P x| = %.2f eps ||P||_inf ||x||_inf (<= 20: same terms, other order)", (int)dim, (int)N[0], (int)(dim > 1 ? N[1] : 1), (int)order, div, (double)shifts[s], (double)(err / (DBL_EPSILON * pnorm * xnorm)));
  }
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(MatDestroy(&S));
  PetscCall(MatDestroy(&J));
  PetscCall(W2FlowDestroy(&fl));
  PetscCall(VecDestroy(&z));
  PetscCall(VecDestroy(&y));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&rho));
  PetscCall(W2DivergenceDestroy(&d));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

/* The iteration counts of a run (Newton, Krylov), its final density and whether its Newton matrix was a shell. */
static PetscErrorCode Run(const char opts[], W2RunRecord *rec, PetscInt its[2], Vec *rho, PetscBool *shell)
{
  W2FlowProblem *pb;
  SNES           snes;
  Mat            P;

  PetscFunctionBeginUser;
  PetscCall(W2TestRun(opts, &pb, rec));
  PetscCall(TSGetSNESIterations(pb->ts, &its[0]));
  PetscCall(TSGetKSPIterations(pb->ts, &its[1]));
  PetscCall(TSGetSNES(pb->ts, &snes));
  PetscCall(SNESGetJacobian(snes, NULL, &P, NULL, NULL));
  PetscCall(PetscObjectTypeCompare((PetscObject)P, MATSHELL, shell));
  PetscCall(VecDuplicate(pb->rho, rho));
  PetscCall(VecCopy(pb->rho, *rho));
  PetscCall(W2FlowProblemDestroy(&pb));
  PetscFunctionReturn(0);
}

/* The default (-flow_pc fft: the stencil operator) against -flow_operator assembled: the same Newton and Krylov
   iterations and the same diagnostics (the operators agree to round-off, so the runs do). */
static PetscErrorCode CompareRuns(const char setup[])
{
  W2RunRecord rec[2];
  PetscInt    its[2][2];
  Vec         rho[2];
  PetscBool   shell[2];
  PetscReal   diff, nrm;
  char        opts[1024];

  PetscFunctionBeginUser;
  PetscCall(Run(setup, &rec[0], its[0], &rho[0], &shell[0]));
  PetscCall(PetscSNPrintf(opts, sizeof(opts), "%s -flow_operator assembled", setup));
  PetscCall(Run(opts, &rec[1], its[1], &rho[1], &shell[1]));
  W2_CHECK(shell[0] && !shell[1], "%s: the default Newton matrix is the stencil shell, -flow_operator assembled's is not", setup);
  W2_CHECK(its[0][0] == its[1][0] && its[0][1] == its[1][1], "%s: Newton / Krylov iterations %d / %d (shell) and %d / %d (assembled): the same operator", setup, (int)its[0][0], (int)its[0][1], (int)its[1][0], (int)its[1][1]);
  /* round-off differences in the Krylov iterates are damped by Newton to its stopping tolerance (rtol 1e-10);
     the diagnostics of the two runs then agree far below 1e-10 relative */
  W2_CHECK(PetscAbsReal(rec[0].E - rec[1].E) <= 1e-10 * PetscAbsReal(rec[1].E), "%s: energy %.15e vs %.15e (1e-10 relative)", setup, (double)rec[0].E, (double)rec[1].E);
  W2_CHECK(PetscAbsReal(rec[0].dissipated - rec[1].dissipated) <= 1e-10 * PetscAbsReal(rec[1].dissipated), "%s: dissipated %.15e vs %.15e (1e-10 relative)", setup, (double)rec[0].dissipated, (double)rec[1].dissipated);
  W2_CHECK(PetscAbsReal(rec[0].E0 - rec[0].E - (rec[1].E0 - rec[1].E)) <= 1e-10 * PetscAbsReal(rec[1].E0 - rec[1].E), "%s: energy drop %.15e vs %.15e (1e-10 relative)", setup, (double)(rec[0].E0 - rec[0].E), (double)(rec[1].E0 - rec[1].E));
  W2_CHECK(rec[0].max_mass_error < 1e-12 && rec[0].steps == rec[1].steps, "%s: mass exact (max |mass - 1| = %.2e < 1e-12), %d steps", setup, (double)rec[0].max_mass_error, (int)rec[0].steps);
  PetscCall(VecAXPY(rho[0], -1.0, rho[1]));
  PetscCall(VecNorm(rho[0], NORM_INFINITY, &diff));
  PetscCall(VecNorm(rho[1], NORM_INFINITY, &nrm));
  W2_CHECK(diff <= 1e-10 * nrm, "%s: |rho_shell - rho_assembled| = %.2e of max rho (<= 1e-10)", setup, (double)(diff / nrm));
  PetscCall(VecDestroy(&rho[0]));
  PetscCall(VecDestroy(&rho[1]));
  PetscFunctionReturn(0);
}

/* Bad -flow_operator values are errors naming the option. */
static PetscErrorCode CheckBadInput(const char opts[])
{
  W2FlowProblem *pb = NULL;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = W2FlowProblemCreate(PETSC_COMM_WORLD, &pb);
  PetscCall(PetscPopErrorHandler());
  W2_CHECK(ierr == PETSC_ERR_USER_INPUT && !pb, "%s: refused as user input (error %d)", opts, (int)ierr);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  /* On 2 ranks the DMDA splits 32 x 32 into row slabs (halo rows scattered), 40 x 20 into columns and 1-D 50 into
     halves (ghosted copies); on one rank all are whole periodic rows read in place. */
  const PetscInt sizes[3][2] = {{32, 32}, {40, 20}, {50, 1}};
  const char    *beuler = "-ts_type beuler -ts_adapt_type none -ts_dt 1e-3 -ts_max_time 4e-3 -target_profile vonmises -target_kappa 1 -init_profile gaussian -init_sigma 0.15";

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (PetscInt order = 1; order <= 2; order++)
    for (int c = 0; c < 3; c++) {
      const PetscInt dim = sizes[c][1] > 1 ? 2 : 1;
      PetscCall(CompareOperators(dim, sizes[c], order, "jsd", Positive));
      PetscCall(CompareOperators(dim, sizes[c], order, "chi2", Vacuum));
    }
  {
    char opts[1024];
    /* order 1 (analytic Jacobian: the shell is the Krylov operator) and order 2 (-flow_jacobian mf: J v by
       differences of the order-2 residual, the shell only gives the PC its shift) */
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-grid_Nx 32 -grid_Ny 32 -div_type jsd -init_mean 0.3,0.4 -target_mean 0.6,0.5 %s", beuler));
    PetscCall(CompareRuns(opts));
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-grid_Nx 40 -grid_Ny 20 -div_type chi2 -init_mean 0.3,0.4 -target_mean 0.6,0.5 -flow_order 2 %s", beuler));
    PetscCall(CompareRuns(opts));
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-grid_Nx 64 -div_type kl -init_mean 0.3 -target_mean 0.6 %s", beuler));
    PetscCall(CompareRuns(opts));
  }
  PetscCall(CheckBadInput("-grid_Nx 16 -ts_type beuler -flow_operator stencil"));
  PetscCall(CheckBadInput("-grid_Nx 16 -ts_type beuler -flow_operator shell -flow_pc hypre"));
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
