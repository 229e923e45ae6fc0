/// @file The PETSc TS around the flow: explicit (step-limited SSP) or implicit (Newton) with positivity checks.
#include "solver/flow.h"

static PetscErrorCode RHSFunction(TS ts, PetscReal t, Vec rho, Vec G, void *ctx)
{
  W2Flow   *fl = (W2Flow *)ctx;
  PetscBool valid;
  SNES      snes;

  PetscFunctionBeginUser;
  (void)t;
  PetscCall(W2FlowEvaluate(fl, rho, G, NULL, &valid));
  if (!valid && fl->explicit_ts) {
    /* an explicit stage left the domain: finish the step harmlessly, PostStep takes it back */
    fl->stage_failed = PETSC_TRUE;
    PetscCall(VecZeroEntries(G));
  } else if (!valid) {
    /* a Newton iterate left the domain: the line search backtracks */
    PetscCall(TSGetSNES(ts, &snes));
    PetscCall(SNESSetFunctionDomainError(snes));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RHSJacobian(TS ts, PetscReal t, Vec rho, Mat A, Mat P, void *ctx)
{
  W2Flow *fl = (W2Flow *)ctx;

  PetscFunctionBeginUser;
  (void)ts;
  (void)t;
  /* -flow_jacobian mf: P preconditions the matrix-free operator; it is the first-order Jacobian */
  PetscCall(W2FlowJacobian(fl, rho, P));
  if (A != P) {
    PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  }
  PetscFunctionReturn(0);
}

/* A stage (or an implicit solution) with a negative density beyond round-off is rejected: TS retries smaller. */
static PetscErrorCode CheckStage(TSAdapt adapt, TS ts, PetscReal t, Vec rho, PetscBool *accept)
{
  W2Flow   *fl;
  PetscReal lo, hi;

  PetscFunctionBeginUser;
  (void)adapt;
  (void)t;
  PetscCall(TSGetApplicationContext(ts, &fl));
  if (fl->explicit_ts) PetscFunctionReturn(0); /* explicit steps are taken back whole by PostStep */
  PetscCall(VecMin(rho, NULL, &lo));
  PetscCall(VecMax(rho, NULL, &hi));
  if (PetscIsNanReal(lo) || lo < -fl->positivity_tol * hi || (fl->div->needs_positive && lo <= 0)) {
    *accept = PETSC_FALSE;
    fl->rejected_stages++;
  }
  PetscFunctionReturn(0);
}

/* Explicit methods: dt = min(asked step, scale x cfl x c x forward-Euler limit of the current state);
   the state is kept so that PostStep can take back a step that lost positivity. */
static PetscErrorCode PreStep(TS ts)
{
  W2Flow           *fl;
  Vec               rho;
  W2FlowDiagnostics diag;
  PetscBool         valid;
  PetscReal         dt, t, tmax;

  PetscFunctionBeginUser;
  PetscCall(TSGetApplicationContext(ts, &fl));
  if (!fl->explicit_ts) PetscFunctionReturn(0);
  PetscCall(TSGetSolution(ts, &rho));
  PetscCall(TSGetTime(ts, &t));
  PetscCall(TSGetMaxTime(ts, &tmax));
  if (!fl->saved) PetscCall(VecDuplicate(rho, &fl->saved));
  PetscCall(VecCopy(rho, fl->saved));
  PetscCall(TSGetStepNumber(ts, &fl->saved_step));
  fl->saved_time   = t;
  fl->stage_failed = PETSC_FALSE;
  PetscCall(W2FlowEvaluate(fl, rho, NULL, &diag, &valid));
  dt = PetscMin(fl->dt_max, fl->step_scale * W2FlowExplicitStepLimit(fl, &diag));
  if (t + dt > tmax) dt = tmax - t; /* land on the final time */
  if (dt > 0) PetscCall(TSSetTimeStep(ts, dt));
  PetscFunctionReturn(0);
}

/* An interrupt request ends the integration here, at a step boundary, on every rank together. */
static PetscErrorCode CheckInterrupt(TS ts, W2Flow *fl)
{
  int sig;

  PetscFunctionBeginUser;
  if (!fl->interrupt) PetscFunctionReturn(0);
  sig = (int)*fl->interrupt;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sig, 1, MPI_INT, MPI_MAX, PetscObjectComm((PetscObject)ts)));
  if (sig) {
    fl->interrupted = sig;
    PetscCall(TSSetConvergedReason(ts, TS_CONVERGED_USER));
  }
  PetscFunctionReturn(0);
}

/* An explicit step whose stages or result left the domain is taken back and retried at half the step. */
static PetscErrorCode PostStep(TS ts)
{
  W2Flow   *fl;
  Vec       rho;
  PetscReal lo, hi;

  PetscFunctionBeginUser;
  PetscCall(TSGetApplicationContext(ts, &fl));
  if (!fl->explicit_ts) {
    PetscCall(CheckInterrupt(ts, fl));
    PetscFunctionReturn(0);
  }
  PetscCall(TSGetSolution(ts, &rho));
  PetscCall(VecMin(rho, NULL, &lo));
  PetscCall(VecMax(rho, NULL, &hi));
  if (fl->stage_failed || PetscIsNanReal(lo) || lo < -fl->positivity_tol * hi || (fl->div->needs_positive && lo <= 0)) {
    fl->rejected_stages++;
    fl->step_scale *= 0.5;
    PetscCheck(fl->step_scale > 1e-6, PetscObjectComm((PetscObject)ts), PETSC_ERR_NOT_CONVERGED, "explicit steps keep losing positivity at t = %g even at 1e-6 of the step limit; use an implicit -ts_type", (double)fl->saved_time);
    PetscCall(VecCopy(fl->saved, rho));
    PetscCall(TSSetTime(ts, fl->saved_time));
    PetscCall(TSSetStepNumber(ts, fl->saved_step));
    PetscCall(TSSetConvergedReason(ts, TS_CONVERGED_ITERATING));
  } else fl->step_scale = PetscMin(1.0, 1.5 * fl->step_scale);
  PetscCall(CheckInterrupt(ts, fl)); /* after a take-back: the run stops at the restored boundary */
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowCreateTS(W2Flow *fl, TS *out)
{
  MPI_Comm    comm = fl->grid->comm;
  TS          ts;
  TSAdapt     adapt;
  TSType      type;
  SNES        snes;
  Mat         J;
  char        jac[32] = "";
  const char *explicit_types[] = {TSEULER, TSRK, TSSSP};
  PetscBool   is_explicit = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(jac, fl->order == 1 ? "analytic" : "mf", sizeof(jac)));
  PetscOptionsBegin(comm, "flow_", "W2 gradient flow time stepping", NULL);
  PetscCall(PetscOptionsReal("-cfl", "Explicit steps: fraction of the forward-Euler positivity/stability limit", NULL, fl->cfl, &fl->cfl, NULL));
  PetscCall(PetscOptionsString("-jacobian", "Implicit steps: analytic (exact for order 1) or mf (matrix-free operator, first-order Jacobian as preconditioner)", NULL, jac, jac, sizeof(jac), NULL));
  PetscOptionsEnd();
  PetscCheck(fl->cfl > 0 && fl->cfl <= 1, comm, PETSC_ERR_USER_INPUT, "-flow_cfl must lie in (0, 1], got %g", (double)fl->cfl);
  PetscCheck(!strcmp(jac, "analytic") || !strcmp(jac, "mf"), comm, PETSC_ERR_USER_INPUT, "-flow_jacobian must be analytic or mf, got %s", jac);
  PetscCheck(strcmp(jac, "analytic") || fl->order == 1, comm, PETSC_ERR_USER_INPUT, "-flow_jacobian analytic is exact for -flow_order 1 only; use mf with -flow_order 2");

  PetscCall(TSCreate(comm, &ts));
  PetscCall(TSSetDM(ts, fl->grid->da));
  PetscCall(TSSetApplicationContext(ts, fl));
  PetscCall(TSSetProblemType(ts, TS_NONLINEAR));
  {
    Vec r;
    PetscCall(DMCreateGlobalVector(fl->grid->da, &r));
    PetscCall(TSSetRHSFunction(ts, r, RHSFunction, fl));
    PetscCall(VecDestroy(&r));
  }
  PetscCall(DMCreateMatrix(fl->grid->da, &J));
  PetscCall(TSSetRHSJacobian(ts, J, J, RHSJacobian, fl));
  PetscCall(MatDestroy(&J));
  PetscCall(TSSetType(ts, TSSSP));
  PetscCall(TSSetTimeStep(ts, 1e-3));
  PetscCall(TSSetMaxTime(ts, 0.1));
  PetscCall(TSSetMaxSteps(ts, 100000000));
  PetscCall(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  PetscCall(TSSetMaxSNESFailures(ts, -1));
  PetscCall(TSSetMaxStepRejections(ts, 50));
  PetscCall(TSSetPreStep(ts, PreStep));
  PetscCall(TSSetPostStep(ts, PostStep));
  PetscCall(TSGetAdapt(ts, &adapt));
  PetscCall(TSAdaptSetCheckStage(adapt, CheckStage));
  PetscCall(TSGetSNES(ts, &snes));
  {
    KSP ksp;
    PC  pc;
    /* mass is exact for the converged implicit step: sum of the residual = change of mass, so
       converge Newton to round-off (quadratic: one or two more iterations) */
    PetscCall(SNESSetTolerances(snes, 1e-12, 1e-12, 1e-13, 50, PETSC_DEFAULT));
    PetscCall(SNESGetKSP(snes, &ksp));
    PetscCall(KSPSetType(ksp, KSPGMRES));
    PetscCall(KSPSetTolerances(ksp, 1e-10, 1e-16, PETSC_DEFAULT, PETSC_DEFAULT));
    PetscCall(KSPGetPC(ksp, &pc));
    PetscCall(PCSetType(pc, PCHYPRE));
  }
  PetscCall(TSSetFromOptions(ts));
  if (!strcmp(jac, "mf")) PetscCall(SNESSetUseMatrixFree(snes, PETSC_TRUE, PETSC_FALSE));
  PetscCall(TSGetType(ts, &type));
  for (size_t k = 0; k < sizeof(explicit_types) / sizeof(explicit_types[0]); k++) is_explicit = (PetscBool)(is_explicit || !strcmp(type, explicit_types[k]));
  fl->explicit_ts = is_explicit;
  fl->ssp_coefficient = 1.0;
  if (!strcmp(type, TSSSP)) {
    /* each stage of an SSP method is a forward-Euler step of length dt / c (Ketcheson 2008) */
    TSSSPType ssp;
    PetscInt  s;
    PetscCall(TSSSPGetType(ts, &ssp));
    PetscCall(TSSSPGetNumStages(ts, &s));
    if (!strcmp(ssp, TSSSPRKS2)) fl->ssp_coefficient = s - 1;
    else if (!strcmp(ssp, TSSSPRKS3)) fl->ssp_coefficient = s - PetscSqrtReal((PetscReal)s);
    else if (!strcmp(ssp, TSSSPRK104)) fl->ssp_coefficient = 6;
  }
  PetscCall(TSGetTimeStep(ts, &fl->dt_max));
  PetscCheck(fl->dt_max > 0 && PetscIsNormalReal(fl->dt_max), comm, PETSC_ERR_USER_INPUT, "-ts_dt must be positive, got %g", (double)fl->dt_max);
  {
    PetscReal tmax;
    PetscCall(TSGetMaxTime(ts, &tmax));
    PetscCheck(tmax > 0 && !PetscIsNanReal(tmax), comm, PETSC_ERR_USER_INPUT, "-ts_max_time must be positive, got %g", (double)tmax);
  }
  *out = ts;
  PetscFunctionReturn(0);
}
