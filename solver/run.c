/// @file `w2flow run`: set up grid, divergence, densities and TS; monitor E, D, mass and the EDI balance.
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <signal.h>
#include <unistd.h>
#include "solver/run.h"
#include "solver/problem.h"
#include "jko/jko.h"
#include "io/options.h"
#include "io/output.h"
#include "w2version.h"

typedef struct {
  W2Flow        *flow;
  W2Output       out;
  DM             vdm;
  Vec            phi, velocity, q;
  PetscInt       output_every, checkpoint_every, last_written, last_step;
  PetscReal      E0, dissipated, t_prev, D_prev, t_start, t_max;
  PetscInt       max_steps;
  PetscLogDouble wall_start, last_progress;
  PetscBool      progress;
  W2FlowDiagnostics last;
  PetscReal      last_edi, last_edi_rel;
} RunMonitor;

static volatile sig_atomic_t w2_signal = 0;
static int                   w2_exit_signal = 0;

static void OnSignal(int sig) { w2_signal = sig; }

int W2RunInterruptSignal(void) { return w2_exit_signal; }

/* SIGINT and SIGTERM end the run at the next step boundary, with a checkpoint */
static PetscErrorCode CatchSignals(void)
{
  struct sigaction sa;

  PetscFunctionBeginUser;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  PetscCheck(sigaction(SIGINT, &sa, NULL) == 0 && sigaction(SIGTERM, &sa, NULL) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot install the signal handlers");
  PetscFunctionReturn(0);
}

static PetscErrorCode Checkpoint(RunMonitor *m, TS ts, PetscInt step, PetscReal t, Vec rho)
{
  W2Checkpoint ck = {0};

  PetscFunctionBeginUser;
  ck.step         = step;
  ck.time         = t;
  ck.step_scale   = m->flow->step_scale;
  ck.E0           = m->E0;
  ck.dissipated   = m->dissipated;
  ck.D_prev       = m->D_prev;
  ck.last_written = m->last_written;
  PetscCall(TSGetTimeStep(ts, &ck.dt));
  PetscCall(W2OutputWriteCheckpoint(m->out, rho, &ck));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFields(RunMonitor *m, PetscReal t, Vec rho)
{
  PetscFunctionBeginUser;
  PetscCall(W2FlowPotential(m->flow, rho, m->phi));
  PetscCall(W2FlowVelocity(m->flow, m->phi, m->velocity));
  PetscCall(W2OutputWriteFields(m->out, t, rho, m->phi, m->velocity, m->q));
  m->q = NULL; /* the target is written once */
  PetscFunctionReturn(0);
}

/* Per accepted step: E_h, D_h, mass, min rho and the EDI residual E(0) - E(t) - int_0^t D (trapezoid). */
static PetscErrorCode Monitor(TS ts, PetscInt step, PetscReal t, Vec rho, void *ctx)
{
  RunMonitor       *m = (RunMonitor *)ctx;
  W2FlowDiagnostics d;
  PetscBool         valid;
  PetscReal         row[W2D_COUNT], drop;
  PetscLogDouble    now;

  PetscFunctionBeginUser;
  if (step <= m->last_step) PetscFunctionReturn(0); /* a step taken back is monitored once */
  m->last_step = step;
  PetscCall(W2FlowEvaluate(m->flow, rho, NULL, &d, &valid));
  if (step == 0) {
    m->E0         = d.energy;
    m->dissipated = 0;
  } else m->dissipated += 0.5 * (t - m->t_prev) * (d.dissipation + m->D_prev);
  drop                   = m->E0 - d.energy;
  row[W2D_STEP]          = (PetscReal)step;
  row[W2D_TIME]          = t;
  row[W2D_DT]            = step ? t - m->t_prev : 0.0;
  row[W2D_ENERGY]        = d.energy;
  row[W2D_DISSIPATION]   = d.dissipation;
  row[W2D_MASS]          = d.mass;
  row[W2D_MIN_RHO]       = d.min_rho;
  row[W2D_EDI_RESIDUAL]  = drop - m->dissipated;
  row[W2D_EDI_RELATIVE]  = drop > 0 ? (drop - m->dissipated) / drop : 0.0;
  PetscCall(W2OutputAppendDiagnostics(m->out, row));
  m->t_prev       = t;
  m->D_prev       = d.dissipation;
  m->last         = d;
  m->last_edi     = row[W2D_EDI_RESIDUAL];
  m->last_edi_rel = row[W2D_EDI_RELATIVE];
  if (step % m->output_every == 0) {
    PetscCall(WriteFields(m, t, rho));
    m->last_written = step;
  }
  if (m->checkpoint_every && step % m->checkpoint_every == 0 && step) {
    PetscCall(Checkpoint(m, ts, step, t, rho));
    PetscCall(W2OutputCommit(m->out));
  }
  PetscCall(PetscTime(&now));
  if (m->progress && (now - m->last_progress > 0.25 || step == 0)) {
    const PetscReal frac = PetscMax((t - m->t_start) / (m->t_max - m->t_start), (PetscReal)step / m->max_steps);
    const double    eta  = frac > 0 ? (now - m->wall_start) * (1 - frac) / frac : 0.0;
    PetscCall(PetscFPrintf(PETSC_COMM_WORLD, stderr, "\r  step %7" PetscInt_FMT "  t %.4e  E %.6e  D %.4e  EDI %+.2e  ETA %6.1f s ", step, (double)t, (double)d.energy, (double)d.dissipation, (double)row[W2D_EDI_RESIDUAL], eta));
    m->last_progress = now;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteRunAttributes(W2Output out, const W2Grid *g, const W2Divergence *div, PetscInt order, TS ts, W2JKO jko, const char init[], const char target[])
{
  PetscInt     n;
  const char **names, **values;
  char         buf[256];
  TSType       type;

  PetscFunctionBeginUser;
  PetscCall(W2OptionsRecorded(&n, &names, &values));
  for (PetscInt k = 0; k < n; k++) {
    char name[256];
    PetscCall(PetscSNPrintf(name, sizeof(name), "option:%s", names[k]));
    PetscCall(W2OutputWriteAttribute(out, name, values[k]));
  }
  PetscCall(W2OutputWriteAttribute(out, "w2flow_version", W2FLOW_VERSION));
  PetscCall(W2OutputWriteAttribute(out, "command", "run"));
  if (!strcmp(div->type, "alpha")) PetscCall(PetscSNPrintf(buf, sizeof(buf), "alpha (a = %g)", (double)div->alpha));
  else PetscCall(PetscStrncpy(buf, div->type, sizeof(buf)));
  PetscCall(W2OutputWriteAttribute(out, "divergence", buf));
  PetscCall(W2GridView(g, buf, sizeof(buf)));
  PetscCall(W2OutputWriteAttribute(out, "grid", buf));
  PetscCall(TSGetType(ts, &type));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "finite volumes, upwind order %" PetscInt_FMT ", TS %s", order, type));
  if (jko) {
    const char *jtype;
    PetscReal   tau, rtol, atol;
    PetscInt    max_it;
    PetscCall(W2JKOGetType(jko, &jtype));
    PetscCall(W2JKOGetTau(jko, &tau));
    PetscCall(W2JKOGetTolerances(jko, &rtol, &atol, &max_it));
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "JKO minimising movements (THEORY.md 4) by %s: -jko_tau %.17g -jko_rtol %.17g -jko_atol %.17g -jko_max_it %" PetscInt_FMT, jtype, (double)tau, (double)rtol, (double)atol, max_it));
  }
  PetscCall(W2OutputWriteAttribute(out, "method", buf));
  {
    /* the values in force, defaults included, of what decides the numbers */
    PetscReal dt, tmax;
    PetscInt  maxsteps;
    W2Flow   *fl;
    PetscCall(TSGetApplicationContext(ts, &fl));
    PetscCall(TSGetMaxTime(ts, &tmax));
    PetscCall(TSGetMaxSteps(ts, &maxsteps));
    dt = fl->dt_max;
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "-grid_Nx %" PetscInt_FMT " -grid_Ny %" PetscInt_FMT " -grid_Lx %.17g -grid_Ly %.17g -div_type %s -div_alpha %.17g -flow_order %" PetscInt_FMT " -flow_cfl %.17g -ts_type %s -ts_dt %.17g -ts_max_time %.17g -ts_max_steps %" PetscInt_FMT,
                            g->N[0], g->N[1], (double)g->L[0], (double)g->L[1], div->type, (double)div->alpha, order, (double)fl->cfl, type, (double)dt, (double)tmax, maxsteps));
    PetscCall(W2OutputWriteAttribute(out, "in_force", buf));
  }
  PetscCall(W2OutputWriteAttribute(out, "initial", init));
  PetscCall(W2OutputWriteAttribute(out, "target", target));
  PetscFunctionReturn(0);
}

/* -flow_method jko: the per-step records of issue 3, extra columns of /diagnostics and the CSV (NaN in the
   row of the initial state, which no step produced) */
static const char *const JKOColumns[] = {"jko_w2sq", "jko_slack", "jko_iterations", "jko_gap", "jko_rel_gap", "jko_residual", "jko_converged"};
#define W2_JKO_COLUMNS 7

/* Steps of exactly tau from (step0, t0) up to -ts_max_time (the last one ends at or past it: a JKO step has
   no partial length) or -ts_max_steps; every step goes through the PDE path's monitor (E, D, mass, EDI,
   fields, checkpoints) and an interrupt ends the loop at a step boundary, as TSSolve does. */
static PetscErrorCode RunJKO(W2JKO jko, RunMonitor *m, TS ts, Vec rho, PetscInt step0, PetscReal t0, PetscInt *unconverged, PetscInt *steps, W2JKOFlowRecord *rec)
{
  PetscInt k;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(rec, sizeof(*rec)));
  rec->t = t0;
  if (step0 == 0) PetscCall(Monitor(ts, 0, t0, rho, m));
  for (k = step0 + 1; (m->max_steps <= 0 || k <= m->max_steps) && rec->t < m->t_max * (1 - 1e-12); k++) {
    W2JKOInfo info;
    PetscReal row[W2_JKO_COLUMNS];
    int       sig;
    PetscCall(W2JKOFlowStep(jko, rho, &info, rec));
    PetscCall(Monitor(ts, k, rec->t, rho, m));
    row[0] = info.w2sq;
    row[1] = info.slack;
    row[2] = (PetscReal)info.iterations;
    row[3] = info.gap;
    row[4] = info.rel_gap;
    row[5] = info.residual;
    row[6] = info.converged ? 1.0 : 0.0;
    PetscCall(W2OutputSetExtra(m->out, row));
    if (!info.converged) {
      char msg[256];
      (*unconverged)++;
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "%" PetscInt_FMT, *unconverged));
      PetscCall(W2OutputWriteAttribute(m->out, "jko_unconverged_steps", msg));
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "%" PetscInt_FMT " JKO steps (the last: step %" PetscInt_FMT ") stopped at -jko_max_it before -jko_rtol; see /diagnostics/jko_converged and jko_rel_gap", *unconverged, k));
      PetscCall(W2OutputWriteAttribute(m->out, "jko_warning", msg));
    }
    sig = (int)w2_signal;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sig, 1, MPI_INT, MPI_MAX, m->flow->grid->comm));
    if (sig) {
      m->flow->interrupted = sig;
      k++;
      break;
    }
  }
  *steps = k - 1;
  PetscFunctionReturn(0);
}

/* -restart continues a result with the method that wrote it (the JKO records are columns of its diagnostics);
   returns the count of unconverged JKO steps stored so far */
static PetscErrorCode CheckRestartMethod(MPI_Comm comm, const char file[], PetscBool jko, PetscInt *unconverged)
{
  PetscViewer v;
  PetscBool   has, hasattr;

  PetscFunctionBeginUser;
  *unconverged = 0;
  PetscCall(PetscViewerHDF5Open(comm, file, FILE_MODE_READ, &v));
  PetscCall(PetscViewerHDF5HasDataset(v, "/diagnostics/jko_w2sq", &has));
  PetscCall(PetscViewerHDF5HasAttribute(v, "/", "jko_unconverged_steps", &hasattr));
  if (hasattr) {
    char *count;
    PetscCall(PetscViewerHDF5ReadAttribute(v, "/", "jko_unconverged_steps", PETSC_STRING, NULL, &count));
    *unconverged = (PetscInt)atol(count);
    PetscCall(PetscFree(count));
  }
  PetscCall(PetscViewerDestroy(&v));
  PetscCheck(has == jko, comm, PETSC_ERR_USER_INPUT, "-restart %s: the result was written by -flow_method %s; continue it with -flow_method %s", file, has ? "jko" : "pde", has ? "jko" : "pde");
  PetscFunctionReturn(0);
}

/* After a failed step: record the failure in the result, commit it under its own name (fields and
   diagnostics up to the last step that completed; no checkpoint is added, so -restart continues from the
   last one stored) and say where it is. */
static PetscErrorCode FinishFailed(MPI_Comm comm, RunMonitor *m, PetscErrorCode err)
{
  const char *text = NULL, *h5;
  char        msg[512];
  PetscInt    nfields, rows;

  PetscFunctionBeginUser;
  PetscCall(PetscErrorMessage(err, &text, NULL));
  PetscCall(PetscSNPrintf(msg, sizeof(msg), "the run stopped with PETSc error %d%s%s%s after step %" PetscInt_FMT ", t = %.17g", (int)err, text ? " (" : "", text ? text : "", text ? ")" : "", m->last_step, (double)m->t_prev));
  PetscCall(W2OutputWriteAttribute(m->out, "run_failed", msg));
  PetscCall(W2OutputGetPath(m->out, &h5));
  PetscCall(W2OutputGetSteps(m->out, &nfields, &rows));
  PetscCall(PetscFPrintf(comm, stderr, "w2flow run: %s; %s keeps the %" PetscInt_FMT " field steps and %" PetscInt_FMT " diagnostic rows written before it (root attribute run_failed)\n", msg, h5, nfields, rows));
  PetscCall(W2OutputClose(&m->out));
  PetscFunctionReturn(0);
}

/* what needs the problem before anything is written: the restart state, the JKO solver, the unused-option check */
static PetscErrorCode SetUp(MPI_Comm comm, const char method[], PetscBool has_restart, PetscBool help, const char restart[], W2FlowProblem *pb, W2Checkpoint *ck, PetscInt *jko_unconverged, W2JKO *jko)
{
  PetscFunctionBeginUser;
  if (has_restart && !help) {
    TSType type;
    PetscCall(TSGetType(pb->ts, &type));
    PetscCheck(strcmp(type, TSBDF) || !strcmp(method, "jko"), comm, PETSC_ERR_SUP, "-restart with -ts_type bdf: the BDF history lives inside PETSc and is not checkpointed; use beuler, arkimex, rk or ssp");
    PetscCall(W2OutputReadCheckpoint(pb->grid, restart, pb->rho, ck));
    PetscCall(CheckRestartMethod(comm, restart, (PetscBool)!strcmp(method, "jko"), jko_unconverged));
  }
  if (!strcmp(method, "jko")) {
    PetscCall(W2JKOCreate(pb->grid, pb->div, pb->q, jko));
    PetscCall(W2JKOSetFromOptions(*jko));
  }
  if (!help) PetscCall(W2OptionsCheckUnused(comm, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode W2CommandRun(MPI_Comm comm)
{
  W2FlowProblem *pb = NULL;
  W2Flow        *flow;
  RunMonitor     mon = {0};
  W2Checkpoint   ck  = {0};
  char           method[32] = "pde", output[PETSC_MAX_PATH_LEN] = "w2flow_out", restart[PETSC_MAX_PATH_LEN] = "";
  PetscInt       output_every = 10, checkpoint_every = 0, steps;
  PetscBool      overwrite = PETSC_FALSE, help, has_output, has_restart, in_place = PETSC_FALSE;
  PetscReal      t_final;
  PetscMPIInt    rank;
  PetscLogDouble wall_end;
  const char    *h5;
  W2JKO          jko = NULL;
  PetscInt       jko_unconverged = 0;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  PetscOptionsBegin(comm, NULL, "w2flow run: W2 gradient flow of an f-divergence", NULL);
  PetscCall(PetscOptionsString("-flow_method", "Time discretisation of the flow: pde (finite volumes + TS) or jko (minimising movements with -jko_tau, -jko_type)", NULL, method, method, sizeof(method), NULL));
  PetscCall(PetscOptionsString("-output", "Result base name: writes <output>.h5, .xmf, .csv", NULL, output, output, sizeof(output), &has_output));
  PetscCall(PetscOptionsBool("-overwrite", "Replace an existing result", NULL, overwrite, &overwrite, NULL));
  PetscCall(PetscOptionsInt("-output_every", "Write fields every this many steps (and the last)", NULL, output_every, &output_every, NULL));
  PetscCall(PetscOptionsInt("-checkpoint_every", "Store a restartable state and commit the result every this many steps (0: only on interrupts and at the end)", NULL, checkpoint_every, &checkpoint_every, NULL));
  PetscCall(PetscOptionsString("-restart", "Continue from the checkpoint in this result file (into the same file unless -output names another)", NULL, restart, restart, sizeof(restart), &has_restart));
  PetscOptionsEnd();
  PetscCheck(!strcmp(method, "pde") || !strcmp(method, "jko"), comm, PETSC_ERR_USER_INPUT, "-flow_method %s is not available (known: pde, jko)", method);
  PetscCheck(output_every >= 1, comm, PETSC_ERR_USER_INPUT, "-output_every must be >= 1, got %" PetscInt_FMT, output_every);
  PetscCheck(checkpoint_every >= 0, comm, PETSC_ERR_USER_INPUT, "-checkpoint_every must be >= 0, got %" PetscInt_FMT, checkpoint_every);
  if (has_restart) {
    size_t len;
    PetscCall(PetscStrlen(restart, &len));
    PetscCheck(len > 3 && !strcmp(restart + len - 3, ".h5"), comm, PETSC_ERR_USER_INPUT, "-restart %s: give the result file, FILE.h5", restart);
    if (!has_output) {
      PetscCall(PetscStrncpy(output, restart, PetscMin(sizeof(output), len - 2)));
      in_place = PETSC_TRUE;
    } else {
      char same[PETSC_MAX_PATH_LEN];
      PetscCall(PetscSNPrintf(same, sizeof(same), "%s.h5", output));
      in_place = (PetscBool)!strcmp(same, restart);
    }
  }
  /* continuing a result in place replaces it by design */
  if (!help) PetscCall(W2OutputCheckTarget(comm, output, (PetscBool)(overwrite || in_place)));
  PetscCall(W2FlowProblemCreate(comm, &pb));
  flow = pb->flow;
  ierr = SetUp(comm, method, has_restart, help, restart, pb, &ck, &jko_unconverged, &jko);
  if (ierr) { /* bad input: free the problem before the error reaches main */
    PetscCall(W2JKODestroy(&jko));
    PetscCall(W2FlowProblemDestroy(&pb));
  }
  PetscCall(ierr);
  if (help) goto cleanup;

  /* set-up succeeded: only now is anything written */
  mon.flow             = flow;
  mon.output_every     = output_every;
  mon.checkpoint_every = checkpoint_every;
  mon.q                = pb->q;
  mon.last_written     = -1;
  mon.last_step        = -1;
  mon.progress         = (PetscBool)(rank == 0 && isatty(STDERR_FILENO));
  PetscCall(TSGetMaxTime(pb->ts, &mon.t_max));
  PetscCall(TSGetMaxSteps(pb->ts, &mon.max_steps));
  PetscCall(DMDACreateCompatibleDMDA(pb->grid->da, pb->grid->dim, &mon.vdm));
  PetscCall(DMCreateGlobalVector(mon.vdm, &mon.velocity));
  PetscCall(VecDuplicate(pb->q, &mon.phi));
  PetscCall(W2OutputCreate(pb->grid, output, restart, has_restart ? &ck : NULL, &mon.out));
  if (jko) PetscCall(W2OutputAddColumns(mon.out, W2_JKO_COLUMNS, JKOColumns));
  if (has_restart) {
    /* the state, the stepper and the running balance as they were after step ck.step */
    PetscCall(TSSetTime(pb->ts, ck.time));
    PetscCall(TSSetStepNumber(pb->ts, ck.step));
    PetscCall(TSSetTimeStep(pb->ts, ck.dt));
    flow->step_scale = ck.step_scale;
    mon.E0           = ck.E0;
    mon.dissipated   = ck.dissipated;
    mon.D_prev       = ck.D_prev;
    mon.t_prev       = ck.time;
    mon.t_start      = ck.time;
    mon.last_written = ck.last_written;
    mon.last_step    = ck.step;
    mon.q            = NULL;
    {
      PetscBool valid;
      PetscCall(W2FlowEvaluate(flow, pb->rho, NULL, &mon.last, &valid));
      mon.last_edi     = ck.E0 - mon.last.energy - ck.dissipated;
      mon.last_edi_rel = ck.E0 > mon.last.energy ? mon.last_edi / (ck.E0 - mon.last.energy) : 0.0;
    }
    PetscCall(PetscPrintf(comm, "w2flow run: continuing %s from step %" PetscInt_FMT ", t = %.6g\n", restart, ck.step, (double)ck.time));
  } else {
    PetscCall(WriteRunAttributes(mon.out, pb->grid, pb->div, flow->order, pb->ts, jko, pb->rho_source, pb->q_source));
    if (jko) PetscCall(W2OutputWriteAttribute(mon.out, "jko_unconverged_steps", "0"));
    PetscCall(PetscPrintf(comm, "w2flow run: %s toward %s, from %s; initial mass %.6g and target mass %.6g normalised to 1\n", pb->div->type, pb->q_source, pb->rho_source, (double)pb->rho_mass, (double)pb->q_mass));
  }
  PetscCall(CatchSignals());
  flow->interrupt = &w2_signal;
  PetscCall(PetscTime(&mon.wall_start));
  if (jko) {
    W2JKOFlowRecord jrec;
    const char     *jtype;
    PetscReal       tau;
    ierr = RunJKO(jko, &mon, pb->ts, pb->rho, has_restart ? ck.step : 0, has_restart ? ck.time : 0.0, &jko_unconverged, &steps, &jrec);
    if (ierr) goto failed;
    t_final = jrec.t;
    PetscCall(W2JKOGetType(jko, &jtype));
    PetscCall(W2JKOGetTau(jko, &tau));
    PetscCall(PetscPrintf(comm, "w2flow run: JKO by %s, tau %g: %" PetscInt_FMT " steps in this run, %" PetscInt_FMT " dual iterations, largest relative duality gap %.2e, smallest energy-inequality slack %.3e, sum W2^2/(2 tau) %.6e, %" PetscInt_FMT " unconverged steps in the result\n", jtype, (double)tau, jrec.steps, jrec.iterations,
                          (double)jrec.max_rel_gap, (double)(jrec.steps ? jrec.min_slack : 0.0), (double)jrec.sum_w2_over_2tau, jko_unconverged));
  } else {
    PetscCall(TSMonitorSet(pb->ts, Monitor, &mon, NULL));
    ierr = TSSolve(pb->ts, pb->rho);
    if (ierr) goto failed;
    PetscCall(TSGetSolveTime(pb->ts, &t_final));
    PetscCall(TSGetStepNumber(pb->ts, &steps));
  }
  /* the end of a run is a checkpoint too: a later -restart extends it as if it had not stopped,
     so the checkpoint does not count the extra field step written for the final state */
  PetscCall(Checkpoint(&mon, pb->ts, steps, t_final, pb->rho));
  if (mon.last_written != steps) PetscCall(WriteFields(&mon, t_final, pb->rho));
  PetscCall(PetscTime(&wall_end));
  if (mon.progress) PetscCall(PetscFPrintf(comm, stderr, "\n"));
  PetscCall(W2OutputGetPath(mon.out, &h5));
  if (flow->interrupted) {
    PetscCall(PetscPrintf(comm, "w2flow run: interrupted by signal %d at step %" PetscInt_FMT ", t = %.6g; %s holds every step so far and a checkpoint. Resume with:\n  w2flow run <same parameters> -restart %s\n", flow->interrupted, steps, (double)t_final, h5, h5));
  } else {
    PetscInt nfields, rows;
    PetscCall(W2OutputGetSteps(mon.out, &nfields, &rows));
    PetscCall(PetscPrintf(comm,
                          "w2flow run: %" PetscInt_FMT " steps to t = %.6g in %.2f s (%" PetscInt_FMT " right-hand sides, %" PetscInt_FMT " rejected stages). "
                          "Energy %.10e -> %.10e, dissipated %.10e; EDI residual %.3e (%.3e of the drop); mass %.15f; min rho %.3e. "
                          "Wrote %" PetscInt_FMT " field steps and %" PetscInt_FMT " diagnostic rows to %s (+ .xmf, .csv).\n",
                          steps, (double)t_final, wall_end - mon.wall_start, flow->rhs_evaluations, flow->rejected_stages, (double)mon.E0, (double)mon.last.energy, (double)mon.dissipated, (double)mon.last_edi, (double)mon.last_edi_rel,
                          (double)mon.last.mass, (double)mon.last.min_rho, nfields, rows, h5));
  }
  PetscCall(W2OutputClose(&mon.out));
  w2_exit_signal = flow->interrupted;
  if (!flow->interrupted) PetscCall(W2OptionsCheckUnused(comm, PETSC_FALSE));

  goto cleanup;

failed:
  /* the stepper stopped with an error (a Newton or JKO solve that failed, a state outside the domain): the
     message is printed already; the result keeps every step monitored before it, marked as failed */
  PetscCall(FinishFailed(comm, &mon, ierr));

cleanup:
  PetscCall(W2JKODestroy(&jko));
  PetscCall(VecDestroy(&mon.phi));
  PetscCall(VecDestroy(&mon.velocity));
  PetscCall(DMDestroy(&mon.vdm));
  PetscCall(W2FlowProblemDestroy(&pb));
  PetscFunctionReturn(ierr);
}
