/// @file The PETSc TS around the flow: explicit (step-limited SSP) or implicit (Newton) with positivity checks.
#include <fftw3-mpi.h>
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

/* The flow as an implicit function F(t, rho, rho') = rho' - G(rho), with no RHS: IMEX methods (arkimex, rosw,
   eimex) would treat an RHS explicitly, and for implicit methods IJacobian writes shift I - J in one pass. */
static PetscErrorCode IFunction(TS ts, PetscReal t, Vec rho, Vec rhodot, Vec F, void *ctx)
{
  PetscFunctionBeginUser;
  PetscCall(RHSFunction(ts, t, rho, F, ctx));
  PetscCall(VecAYPX(F, -1.0, rhodot));
  PetscFunctionReturn(0);
}

/* The Newton operator shift I - J as a MATSHELL: MatMult is a stencil sweep over the first-order face derivatives
   (W2FlowShiftedApply), so a Newton iteration computes those instead of assembling a matrix. */
typedef struct {
  W2Flow   *fl;
  PetscReal shift;
} ShiftedOperator;

static PetscErrorCode ShiftedOperatorMult(Mat A, Vec x, Vec y)
{
  ShiftedOperator *op;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &op));
  PetscCall(W2FlowShiftedApply(op->fl, op->shift, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode ShiftedOperatorDestroy(Mat A)
{
  ShiftedOperator *op;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &op));
  PetscCall(PetscFree(op));
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowCreateShiftedOperator(W2Flow *fl, Mat *A)
{
  ShiftedOperator *op;
  W2Box            b;
  const PetscInt   n = fl->grid->N[0] * fl->grid->N[1];

  PetscFunctionBeginUser;
  PetscCall(W2GridOwnedBox(fl->grid, &b));
  PetscCall(PetscNew(&op));
  op->fl = fl;
  PetscCall(MatCreateShell(fl->grid->comm, b.xm * b.ym, b.xm * b.ym, n, n, op, A));
  PetscCall(MatShellSetOperation(*A, MATOP_MULT, (void (*)(void))ShiftedOperatorMult));
  PetscCall(MatShellSetOperation(*A, MATOP_DESTROY, (void (*)(void))ShiftedOperatorDestroy));
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowShiftedOperatorGetShift(Mat A, PetscBool *is, PetscReal *shift)
{
  PetscBool        shell;
  void (*mult)(void) = NULL;
  ShiftedOperator *op;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare((PetscObject)A, MATSHELL, &shell));
  if (shell) PetscCall(MatShellGetOperation(A, MATOP_MULT, &mult));
  *is = (PetscBool)(mult == (void (*)(void))ShiftedOperatorMult);
  if (*is) {
    PetscCall(MatShellGetContext(A, &op));
    *shift = op->shift;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowShiftedOperatorSet(Mat A, Vec rho, PetscReal shift)
{
  ShiftedOperator *op;
  PetscBool        is;
  PetscReal        old;

  PetscFunctionBeginUser;
  PetscCall(W2FlowShiftedOperatorGetShift(A, &is, &old));
  PetscCheck(is, PetscObjectComm((PetscObject)A), PETSC_ERR_ARG_WRONG, "not a W2FlowCreateShiftedOperator matrix");
  PetscCall(MatShellGetContext(A, &op));
  PetscCall(W2FlowLinearise(op->fl, rho));
  op->shift = shift;
  /* a new operator: assembly raises its state, which KSP and PC check (PCSetUp skips an unchanged operator) */
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* dF/drho + shift dF/drho' = shift I - dG/drho; with -flow_jacobian mf, A is the matrix-free operator */
static PetscErrorCode IJacobian(TS ts, PetscReal t, Vec rho, Vec rhodot, PetscReal shift, Mat A, Mat P, void *ctx)
{
  W2Flow   *fl = (W2Flow *)ctx;
  PetscBool stencil;
  PetscReal old;

  PetscFunctionBeginUser;
  (void)ts;
  (void)t;
  (void)rhodot;
  PetscCall(W2FlowShiftedOperatorGetShift(P, &stencil, &old));
  if (stencil) PetscCall(W2FlowShiftedOperatorSet(P, rho, shift));
  else PetscCall(W2FlowShiftedJacobian(fl, rho, shift, PETSC_TRUE, P));
  if (A != P) {
    PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  }
  PetscFunctionReturn(0);
}

/* -flow_pc fft: the inverse of the frozen constant-coefficient operator shift I - c Lap_h by FFTW, with
   Lap_h the 5-point (3-point in 1-D) periodic Laplacian (eigenvalues -4/h^2 sin^2(pi k/N) per axis) and
   c the mean of the local diffusivity rho f''(rho/q)/q (THEORY.md section 3: the linearised flow is
   d_t v = div(rho f''(rho/q)/q grad v) + transport). One r2c and one c2r transform per application.
   Layouts: one rank: serial FFTW on the owned array. 2-D on several ranks whose DMDA boxes are FFTW-MPI's
   row slabs (one process column, same row split): FFTW-MPI on the slabs in place (transposed spectrum,
   which saves two global transposes). Otherwise (1-D in parallel, other process grids): the vector is
   gathered to every rank in natural order and each rank transforms the whole grid (correct, not scalable). */
typedef enum { FFTPC_SERIAL, FFTPC_SLABS, FFTPC_GATHER } FFTPCLayout;
static const char *const FFTPCLayoutNames[] = {"serial", "FFTW-MPI slabs", "gathered to every rank"};

typedef struct {
  W2Flow       *fl;
  FFTPCLayout   layout;
  unsigned      planner;  /* FFTW_ESTIMATE (reproducible plans) or FFTW_MEASURE */
  ptrdiff_t     n0, n1;   /* rows (y, slowest) and columns (x) of the real array */
  ptrdiff_t     ln0, l0s, ln1, l1s, nspec; /* FFTW-MPI local sizes; nspec: local complex entries */
  double       *real;     /* serial and gather: n0 x n1; slabs: ln0 x 2(n1/2+1), padded in place */
  fftw_complex *spec;
  fftw_plan     fwd, bwd;
  PetscReal    *lap;      /* mu_k, the eigenvalue of -Lap_h, per local spectral entry: fixed by the grid */
  PetscReal    *inv;      /* 1 / (N (shift + c mu_k)) per local spectral entry: per set-up */
  PetscReal     shift, c;
  Vec           ones, work, natural, all;
  VecScatter    gather;
} FFTPC;

static PetscErrorCode FFTPCDestroy(PC pc)
{
  FFTPC *f;

  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &f));
  if (f->fwd) fftw_destroy_plan(f->fwd);
  if (f->bwd) fftw_destroy_plan(f->bwd);
  if (f->spec) fftw_free(f->spec);
  if (f->real && f->layout != FFTPC_SLABS) fftw_free(f->real); /* slabs: real is the spectrum's buffer */
  PetscCall(PetscFree2(f->lap, f->inv));
  PetscCall(VecDestroy(&f->ones));
  PetscCall(VecDestroy(&f->work));
  PetscCall(VecDestroy(&f->natural));
  PetscCall(VecDestroy(&f->all));
  PetscCall(VecScatterDestroy(&f->gather));
  PetscCall(PetscFree(f));
  PetscFunctionReturn(0);
}

/* Plans and buffers, once: the layout (see FFTPC) decided collectively. */
static PetscErrorCode FFTPCCreatePlans(FFTPC *f, MPI_Comm comm)
{
  const W2Grid *g = f->fl->grid;
  PetscMPIInt   size;
  W2Box         b;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(W2GridOwnedBox(g, &b));
  f->n0 = g->dim > 1 ? g->N[1] : 1;
  f->n1 = g->N[0];
  f->layout = size == 1 ? FFTPC_SERIAL : FFTPC_GATHER;
  if (size > 1 && g->dim == 2) {
    static PetscBool fftw_mpi_ready = PETSC_FALSE;
    PetscMPIInt      match;
    if (!fftw_mpi_ready) fftw_mpi_init();
    fftw_mpi_ready = PETSC_TRUE;
    f->nspec = fftw_mpi_local_size_2d_transposed(f->n0, f->n1 / 2 + 1, comm, &f->ln0, &f->l0s, &f->ln1, &f->l1s);
    match    = (PetscMPIInt)(b.xs == 0 && b.xm == f->n1 && b.ys == f->l0s && b.ym == f->ln0);
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &match, 1, MPI_INT, MPI_LAND, comm));
    if (match) f->layout = FFTPC_SLABS;
  }
  if (f->layout == FFTPC_SLABS) {
    f->spec = fftw_alloc_complex((size_t)f->nspec);
    f->real = (double *)f->spec;
    f->fwd  = fftw_mpi_plan_dft_r2c_2d(f->n0, f->n1, f->real, f->spec, comm, f->planner | FFTW_MPI_TRANSPOSED_OUT);
    f->bwd  = fftw_mpi_plan_dft_c2r_2d(f->n0, f->n1, f->spec, f->real, comm, f->planner | FFTW_MPI_TRANSPOSED_IN);
  } else {
    f->nspec = f->n0 * (f->n1 / 2 + 1);
    f->ln1   = f->n1 / 2 + 1;
    f->l1s   = 0;
    f->real  = fftw_alloc_real((size_t)(f->n0 * f->n1));
    f->spec  = fftw_alloc_complex((size_t)f->nspec);
    f->fwd   = fftw_plan_dft_r2c_2d((int)f->n0, (int)f->n1, f->real, f->spec, f->planner);
    f->bwd   = fftw_plan_dft_c2r_2d((int)f->n0, (int)f->n1, f->spec, f->real, f->planner);
  }
  PetscCheck(f->fwd && f->bwd && f->real, comm, PETSC_ERR_LIB, "-flow_pc fft: FFTW could not plan the %d x %d transforms", (int)f->n0, (int)f->n1);
  if (f->layout == FFTPC_GATHER) {
    PetscCall(DMDACreateNaturalVector(g->da, &f->natural));
    PetscCall(VecScatterCreateToAll(f->natural, &f->gather, &f->all));
  }
  PetscCall(PetscCalloc2(f->nspec, &f->lap, f->nspec, &f->inv)); /* entries beyond the local modes (FFTW-MPI padding): 0, unused */
  /* spectral entry (row ky, column kx); transposed (slabs): kx slowest */
  for (ptrdiff_t a = 0; a < f->ln1; a++) {
    const ptrdiff_t kx  = f->l1s + a;
    const PetscReal mux = 4.0 / (g->h[0] * g->h[0]) * PetscSqr(PetscSinReal(PETSC_PI * (PetscReal)kx / (PetscReal)f->n1));
    for (ptrdiff_t ky = 0; ky < f->n0; ky++) {
      const ptrdiff_t k   = f->layout == FFTPC_SLABS ? a * f->n0 + ky : ky * (f->n1 / 2 + 1) + kx;
      const PetscReal muy = g->dim > 1 ? 4.0 / (g->h[1] * g->h[1]) * PetscSqr(PetscSinReal(PETSC_PI * (PetscReal)ky / (PetscReal)f->n0)) : 0.0;
      f->lap[k]           = mux + muy;
    }
  }
  PetscCall(PetscInfo(NULL, "-flow_pc fft: %d x %d grid, layout %s\n", (int)f->n1, (int)f->n0, FFTPCLayoutNames[f->layout]));
  PetscFunctionReturn(0);
}

static PetscErrorCode FFTPCView(PC pc, PetscViewer viewer)
{
  FFTPC    *f;
  PetscBool ascii;

  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &f));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &ascii));
  if (ascii && f->fwd) PetscCall(PetscViewerASCIIPrintf(viewer, "FFTW layout %s, shift %g, c %g\n", FFTPCLayoutNames[f->layout], (double)f->shift, (double)f->c));
  PetscFunctionReturn(0);
}

/* Frozen coefficients: c from the last Jacobian, the shift from the operator P = shift I - J (assembled or the
   stencil shell): a conservative J has zero column sums, so 1^T P 1 = shift N. (The shell knows its shift; the
   mat-vec is kept for both because adaptive steps are sensitive to round-off here: an exact shift moved the dt
   of the bdf run of tests/hostile mpi.implicit_1d by 1e-12 relative, the size of that test's tolerance.) */
static PetscErrorCode FFTPCSetUp(PC pc)
{
  FFTPC        *f;
  Mat           P;
  PetscScalar   total;
  PetscReal     ntot;

  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &f));
  PetscCall(PCGetOperators(pc, NULL, &P));
  if (!f->fwd) PetscCall(FFTPCCreatePlans(f, PetscObjectComm((PetscObject)pc)));
  if (!f->ones) {
    PetscCall(MatCreateVecs(P, &f->ones, &f->work));
    PetscCall(VecSet(f->ones, 1.0));
  }
  ntot = (PetscReal)f->n0 * (PetscReal)f->n1;
  PetscCall(MatMult(P, f->ones, f->work));
  PetscCall(VecSum(f->work, &total));
  f->shift = PetscRealPart(total) / ntot;
  f->c     = f->fl->mean_diffusivity;
  PetscCheck(f->shift > 0 && PetscIsNormalReal(f->shift), PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_INCOMP, "-flow_pc fft: the operator is not shift I - J with shift > 0 (got shift %g); use it with implicit -ts_type only", (double)f->shift);
  /* FFTW's transforms are unnormalised: 1/ntot */
  for (ptrdiff_t k = 0; k < f->nspec; k++) f->inv[k] = 1.0 / (ntot * (f->shift + f->c * f->lap[k]));
  PetscFunctionReturn(0);
}

/* the spectrum times the inverse symbol (and 1/N for FFTW's unnormalised pair) */
static void FFTPCMultiply(FFTPC *f)
{
  for (ptrdiff_t k = 0; k < f->ln1 * f->n0; k++) {
    f->spec[k][0] *= f->inv[k];
    f->spec[k][1] *= f->inv[k];
  }
}

static PetscErrorCode FFTPCApply(PC pc, Vec x, Vec y)
{
  FFTPC             *f;
  const PetscScalar *xa;
  PetscScalar       *ya;
  W2Box              b;
  ptrdiff_t          rowlen;

  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &f));
  PetscCall(W2GridOwnedBox(f->fl->grid, &b));
  rowlen = f->layout == FFTPC_SLABS ? 2 * (f->n1 / 2 + 1) : f->n1;
  if (f->layout == FFTPC_SERIAL) {
    /* one rank: the plans run on the vectors' arrays (new-array execution, allowed when their SIMD alignment
       is the planned one; the r2c plan keeps its input), no copies in and out */
    PetscBool direct;
    PetscCall(VecGetArrayRead(x, &xa));
    PetscCall(VecGetArray(y, &ya));
    direct = (PetscBool)(fftw_alignment_of((double *)xa) == fftw_alignment_of(f->real) && fftw_alignment_of(ya) == fftw_alignment_of(f->real));
    if (direct) {
      fftw_execute_dft_r2c(f->fwd, (double *)xa, f->spec);
      FFTPCMultiply(f);
      fftw_execute_dft_c2r(f->bwd, f->spec, ya);
    }
    PetscCall(VecRestoreArray(y, &ya));
    PetscCall(VecRestoreArrayRead(x, &xa));
    if (direct) PetscFunctionReturn(0);
  }
  if (f->layout == FFTPC_GATHER) {
    PetscCall(DMDAGlobalToNaturalBegin(f->fl->grid->da, x, INSERT_VALUES, f->natural));
    PetscCall(DMDAGlobalToNaturalEnd(f->fl->grid->da, x, INSERT_VALUES, f->natural));
    PetscCall(VecScatterBegin(f->gather, f->natural, f->all, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(f->gather, f->natural, f->all, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecGetArrayRead(f->all, &xa));
    PetscCall(PetscArraycpy(f->real, xa, f->n0 * f->n1));
    PetscCall(VecRestoreArrayRead(f->all, &xa));
  } else {
    /* the owned box is whole rows: row-major with n1 entries per row */
    PetscCall(VecGetArrayRead(x, &xa));
    for (PetscInt j = 0; j < b.ym; j++) PetscCall(PetscArraycpy(f->real + j * rowlen, xa + j * b.xm, b.xm));
    PetscCall(VecRestoreArrayRead(x, &xa));
  }
  fftw_execute(f->fwd);
  FFTPCMultiply(f);
  fftw_execute(f->bwd);
  PetscCall(VecGetArray(y, &ya));
  if (f->layout == FFTPC_GATHER)
    for (PetscInt j = 0; j < b.ym; j++) PetscCall(PetscArraycpy(ya + j * b.xm, f->real + (b.ys + j) * f->n1 + b.xs, b.xm));
  else
    for (PetscInt j = 0; j < b.ym; j++) PetscCall(PetscArraycpy(ya + j * b.xm, f->real + j * rowlen, b.xm));
  PetscCall(VecRestoreArray(y, &ya));
  PetscFunctionReturn(0);
}

/* Turn a PCSHELL into the FFT preconditioner of the flow. */
static PetscErrorCode FFTPCInstall(PC pc, W2Flow *fl, unsigned planner)
{
  FFTPC *f;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&f));
  f->fl      = fl;
  f->planner = planner;
  PetscCall(PCShellSetContext(pc, f));
  PetscCall(PCShellSetSetUp(pc, FFTPCSetUp));
  PetscCall(PCShellSetApply(pc, FFTPCApply));
  PetscCall(PCShellSetDestroy(pc, FFTPCDestroy));
  PetscCall(PCShellSetView(pc, FFTPCView));
  PetscCall(PCShellSetName(pc, "w2flow FFT: (shift I - c Lap_h)^-1, c = mean rho f''(rho/q)/q"));
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
  if (fl->stage_increments) PetscFunctionReturn(0); /* rosw: the vector is a stage increment, not a density */
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
  KSP         ksp;
  PC          pc;
  Mat         J;
  Vec         r;
  char        jac[32] = "", pcname[32] = "fft", plan[32] = "estimate", oper[32] = "";
  const char *explicit_types[] = {TSEULER, TSRK, TSSSP}, *implicit_types[] = {TSARKIMEX, TSROSW, TSEIMEX, TSBEULER, TSBDF, TSTHETA, TSCN};
  PetscBool   is_explicit = PETSC_FALSE, is_implicit = PETSC_FALSE, fft, shell;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(jac, fl->order == 1 ? "analytic" : "mf", sizeof(jac)));
  PetscOptionsBegin(comm, "flow_", "W2 gradient flow time stepping", NULL);
  PetscCall(PetscOptionsReal("-cfl", "Explicit steps: fraction of the forward-Euler positivity/stability limit", NULL, fl->cfl, &fl->cfl, NULL));
  PetscCall(PetscOptionsString("-jacobian", "Implicit steps: analytic (exact for order 1) or mf (matrix-free operator, first-order Jacobian as preconditioner)", NULL, jac, jac, sizeof(jac), NULL));
  PetscCall(PetscOptionsString("-pc", "Implicit steps: fft (default: FFTW solve of shift I - c Lap_h, c the mean diffusivity) or hypre (BoomerAMG); any -pc_type overrides", NULL, pcname, pcname, sizeof(pcname), NULL));
  PetscCall(PetscOptionsString("-pc_fft_plan", "-flow_pc fft: FFTW planner, estimate (reproducible) or measure", NULL, plan, plan, sizeof(plan), NULL));
  PetscCall(PetscOptionsString("-operator", "Implicit steps: the Newton operator shift I - J as a stencil (shell: the default with the FFT PC) or an assembled matrix (assembled: what every other PC needs)", NULL, oper, oper, sizeof(oper), NULL));
  PetscOptionsEnd();
  PetscCheck(fl->cfl > 0 && fl->cfl <= 1, comm, PETSC_ERR_USER_INPUT, "-flow_cfl must lie in (0, 1], got %g", (double)fl->cfl);
  PetscCheck(!strcmp(jac, "analytic") || !strcmp(jac, "mf"), comm, PETSC_ERR_USER_INPUT, "-flow_jacobian must be analytic or mf, got %s", jac);
  PetscCheck(strcmp(jac, "analytic") || fl->order == 1, comm, PETSC_ERR_USER_INPUT, "-flow_jacobian analytic is exact for -flow_order 1 only; use mf with -flow_order 2");
  PetscCheck(!strcmp(pcname, "fft") || !strcmp(pcname, "hypre"), comm, PETSC_ERR_USER_INPUT, "-flow_pc must be fft or hypre, got %s", pcname);
  PetscCheck(!strcmp(plan, "estimate") || !strcmp(plan, "measure"), comm, PETSC_ERR_USER_INPUT, "-flow_pc_fft_plan must be estimate or measure, got %s", plan);
  PetscCheck(!oper[0] || !strcmp(oper, "shell") || !strcmp(oper, "assembled"), comm, PETSC_ERR_USER_INPUT, "-flow_operator must be shell or assembled, got %s", oper);
  fft = (PetscBool)!strcmp(pcname, "fft");

  PetscCall(TSCreate(comm, &ts));
  *out = ts; /* the caller owns it from here, so a bad option found below does not leak it (nor the DM it holds) */
  PetscCall(TSSetDM(ts, fl->grid->da));
  PetscCall(TSSetApplicationContext(ts, fl));
  PetscCall(TSSetProblemType(ts, TS_NONLINEAR));
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
  /* mass is exact for the converged implicit step: the sum of the residual is the change of mass over
     dt, and after a Newton update it is the sum of that update's linear residual. rtol 1e-10: quadratic
     convergence passes it at the iteration that reaches the round-off floor of ||F|| (1e-12..1e-11 of
     the initial residual at 512^2..1024^2, docs/benchmarks.md), so no iteration below the floor is asked
     for; atol and stol stop the iteration at round-off on small grids. */
  PetscCall(SNESSetTolerances(snes, 1e-12, 1e-10, 1e-13, 50, PETSC_DEFAULT));
  /* one preconditioner per step (rebuilt at the first Newton iteration of every solve), and
     Eisenstat-Walker: early Newton systems are solved only as accurately as Newton can use */
  PetscCall(SNESSetLagPreconditioner(snes, 100));
  PetscCall(SNESKSPSetUseEW(snes, PETSC_TRUE));
  /* first linear tolerance 1e-2 instead of 0.3: the jsd 512^2 step takes 3 Newton iterations (23 GMRES)
     instead of 5 (21), two Jacobians and line searches fewer (docs/benchmarks.md) */
  PetscCall(SNESKSPSetParametersEW(snes, PETSC_DEFAULT, 1e-2, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscCall(SNESGetKSP(snes, &ksp));
  PetscCall(KSPSetType(ksp, KSPGMRES));
  PetscCall(KSPSetTolerances(ksp, 1e-10, 1e-16, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, fft ? PCSHELL : PCHYPRE));
  PetscCall(TSSetFromOptions(ts));
  PetscCall(TSGetType(ts, &type));
  for (size_t k = 0; k < sizeof(explicit_types) / sizeof(explicit_types[0]); k++) is_explicit = (PetscBool)(is_explicit || !strcmp(type, explicit_types[k]));
  for (size_t k = 0; k < sizeof(implicit_types) / sizeof(implicit_types[0]); k++) is_implicit = (PetscBool)(is_implicit || !strcmp(type, implicit_types[k]));
  /* the functions once the method is known: implicit and IMEX methods take the implicit form (IFunction); their
     Newton operator is the stencil shell when the FFT PC (a PCSHELL: -flow_pc fft or -pc_type shell) is all that
     needs it, since that PC reads only the shift and c */
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCSHELL, &shell));
  PetscCheck(strcmp(oper, "shell") || shell, comm, PETSC_ERR_USER_INPUT, "-flow_operator shell needs -flow_pc fft (the other preconditioners need the assembled matrix)");
  PetscCall(DMCreateGlobalVector(fl->grid->da, &r));
  if (is_implicit && shell && strcmp(oper, "assembled")) PetscCall(W2FlowCreateShiftedOperator(fl, &J));
  else PetscCall(DMCreateMatrix(fl->grid->da, &J));
  if (is_implicit) {
    PetscCall(TSSetIFunction(ts, r, IFunction, fl));
    PetscCall(TSSetIJacobian(ts, J, J, IJacobian, fl));
  } else {
    PetscCall(TSSetRHSFunction(ts, r, RHSFunction, fl));
    PetscCall(TSSetRHSJacobian(ts, J, J, RHSJacobian, fl));
  }
  PetscCall(MatDestroy(&J));
  PetscCall(VecDestroy(&r));
  if (!strcmp(jac, "mf")) PetscCall(SNESSetUseMatrixFree(snes, PETSC_TRUE, PETSC_FALSE));
  /* -flow_pc fft, or -pc_type shell: the FFT preconditioner (a -pc_type naming another PC wins) */
  if (shell) PetscCall(FFTPCInstall(pc, fl, !strcmp(plan, "measure") ? FFTW_MEASURE : FFTW_ESTIMATE));
  fl->explicit_ts = is_explicit;
  /* Rosenbrock stages hold increments; a negative result is caught by the next function evaluation
     (domain error: the linear solve fails and TS retries the step smaller) */
  fl->stage_increments = (PetscBool)!strcmp(type, TSROSW);
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
  PetscFunctionReturn(0);
}
