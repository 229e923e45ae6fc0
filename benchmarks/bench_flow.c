/// @file Cost of the flow's building blocks in units of one FFT pair on the same grid (docs/benchmarks.md).
/*
  For each N (N x N periodic grid on the unit torus) this measures, within one run:
    fft_pair         one fftw_execute of an r2c and of a c2r 2-D plan (FFTW_MEASURE, planned once): the unit
    rhs_order1/2     one W2FlowEvaluate(flow, rho, G, NULL, &valid) of the jsd flow toward a smooth target
    jacobian_order1  one W2FlowJacobian into the DMDA matrix (done at every Newton iteration of a BE step with
                     -flow_operator assembled)
    linearise_order1 one W2FlowLinearise (what a Newton iteration does instead with the stencil operator)
    matmult_aij, matmult_shell  one MatMult of the Newton operator shift I - J, assembled and as the stencil shell
    be_<config>      one TSStep of backward Euler (-bench_div, default jsd; order 1, analytic Jacobian, Newton + GMRES with the
                     options of a named set, see Configs below); the first (set-up) step is not timed, each
                     timed repeat redoes the same step from the same state
  and prints one line per measurement: N what np seconds ratio reps extra. seconds is the median over
  repeats of the time of the slowest rank (barrier before, MPI_Wtime around, max over ranks), extra holds
  min_s (the fastest repeat: less sensitive to other load on the machine), cpu_s (median CPU time of the
  process, slowest rank: leaves out the time other programs hold the core) and, for be_, cpu_ratio (cpu_s
  over the FFT pair's), the Newton and GMRES iterations of the step and its mass change. ratio = seconds / fft_pair seconds. The FFT pair is
  always serial FFTW on rank 0 (the other ranks wait): under mpiexec the unit stays the one-rank FFT
  pair, so ratios (and seconds) of a serial and a parallel run compare wall-clock times.

  Options: -bench_sizes 128,256,512,1024  -bench_what rhs,jac,be  -bench_configs fft,hypre,gamg,mg,...  -bench_div jsd
           -bench_dt 1e-3  -bench_budget 1.0 (seconds of repeats per fft/rhs/jac measurement)
           -bench_max_repeats 51  -bench_be_repeats 3. Other options (-log_view, -snes_monitor) reach PETSc.
*/
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <time.h>
#include <fftw3.h>
#include "bench_common.h"
#include "grid/grid.h"
#include "divergences/divergence.h"
#include "solver/flow.h"
#include "io/options.h"

#define MAX_SIZES 16
#define MAX_CONFIGS 16
#define MAX_REPEATS 1001

/* Named option sets for the backward-Euler step; set before W2FlowCreateTS, cleared after. */
typedef struct {
  const char *name, *options;
} Config;

static const Config Configs[] = {
  {"fft", "-flow_pc fft"},                             /* FFTW solve of shift I - c Lap_h, one transform pair per GMRES iteration */
  {"fft_assembled", "-flow_pc fft -flow_operator assembled"}, /* the same with the assembled Newton matrix (the default until the stencil shell) */
  {"fft_bcgs", "-flow_pc fft -ksp_type bcgs"},         /* BiCGStab: two operator and PC applications per iteration, no orthogonalisation */
  {"fft_assembled_bcgs", "-flow_pc fft -flow_operator assembled -ksp_type bcgs"},
  {"fft_fbcgs", "-flow_pc fft -ksp_type fbcgs"},       /* flexible BiCGStab: right preconditioning, true residual norm */
  {"fft_measure", "-flow_pc fft -flow_pc_fft_plan measure"}, /* the same with FFTW_MEASURE plans (as the unit) */
  {"fft_noew", "-flow_pc fft -snes_ksp_ew false"},     /* exact (rtol 1e-10) Newton systems */
  {"fft_mf", "-flow_pc fft -snes_mf_operator"},        /* matrix-free operator: the Jacobian only feeds c and the shift */
  {"hypre", "-flow_pc hypre"},                         /* BoomerAMG with the W2FlowCreateTS Newton defaults (lag, EW, rtol 1e-10) */
  /* the Newton defaults before the lag/EW/rtol change: BoomerAMG rebuilt at every Newton iteration */
  {"hypre_old", "-flow_pc hypre -snes_lag_preconditioner 1 -snes_ksp_ew false -snes_rtol 1e-12"},
  {"hypre_nolag", "-pc_type hypre -snes_lag_preconditioner 1"}, /* BoomerAMG rebuilt at every Newton iteration */
  {"hypre_noew", "-pc_type hypre -snes_ksp_ew false"},           /* exact (rtol 1e-10) Newton systems */
  /* the _lag variants below predate the lagged default (W2FlowCreateTS lags now): kept so old result files stay comparable */
  {"hypre_agg", "-pc_type hypre -pc_hypre_boomeramg_agg_nl 1 -pc_hypre_boomeramg_coarsen_type HMIS -pc_hypre_boomeramg_interp_type ext+i -pc_hypre_boomeramg_P_max 4"},
  {"hypre_agg_lag", "-pc_type hypre -pc_hypre_boomeramg_agg_nl 1 -pc_hypre_boomeramg_coarsen_type HMIS -pc_hypre_boomeramg_interp_type ext+i -pc_hypre_boomeramg_P_max 4 -snes_lag_preconditioner 100"},
  {"gamg", "-pc_type gamg -pc_gamg_sym_graph true"},
  {"gamg_lag", "-pc_type gamg -pc_gamg_sym_graph true -snes_lag_preconditioner 100"},
  /* geometric multigrid on the DMDA hierarchy with Galerkin coarse operators; levels set from N */
  {"mg", "-pc_type mg -pc_mg_galerkin pmat -mg_levels_ksp_type richardson -mg_levels_pc_type sor"},
  {"mg_lag", "-pc_type mg -pc_mg_galerkin pmat -mg_levels_ksp_type richardson -mg_levels_pc_type sor -snes_lag_preconditioner 100"},
  {"bjacobi_ilu", "-pc_type bjacobi -sub_pc_type ilu"},
};

static double Now(void) { return MPI_Wtime(); }

/* CPU time of this process: on a shared machine it leaves out the time other programs hold the core */
static double CpuNow(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Smooth positive densities of unit mass: rho0 a few cosine modes, q a floor plus three wrapped Gaussians. */
static PetscErrorCode FillDensities(const W2Grid *g, Vec rho, Vec q)
{
  const PetscReal c[3][2] = {{0.3, 0.3}, {0.7, 0.4}, {0.45, 0.75}}, s[3] = {0.08, 0.12, 0.1}, w[3] = {1.0, 0.6, 0.8};
  PetscScalar    *r, *t;
  W2Box           b;
  PetscReal       mass;

  PetscFunctionBeginUser;
  PetscCall(W2GridOwnedBox(g, &b));
  PetscCall(VecGetArray(rho, &r));
  PetscCall(VecGetArray(q, &t));
  for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) {
      const PetscReal x = W2GridX(g, i), y = W2GridY(g, j);
      const PetscInt  k = (j - b.ys) * b.xm + (i - b.xs);
      PetscReal       v = 0.05;
      r[k] = 1.0 + 0.4 * PetscCosReal(2 * PETSC_PI * x) * PetscCosReal(2 * PETSC_PI * y) + 0.2 * PetscSinReal(2 * PETSC_PI * (x + 2 * y));
      for (PetscInt m = 0; m < 3; m++)
        for (PetscInt a = -1; a <= 1; a++)
          for (PetscInt bb = -1; bb <= 1; bb++) {
            const PetscReal dx = x - c[m][0] + a, dy = y - c[m][1] + bb;
            v += w[m] * PetscExpReal(-(dx * dx + dy * dy) / (2 * s[m] * s[m]));
          }
      t[k] = v;
    }
  PetscCall(VecRestoreArray(q, &t));
  PetscCall(VecRestoreArray(rho, &r));
  PetscCall(W2GridNormalize(g, rho, &mass));
  PetscCall(W2GridNormalize(g, q, &mass));
  PetscFunctionReturn(0);
}

typedef struct {
  MPI_Comm    comm;
  PetscMPIInt size, rank;
  double      budget;
  PetscInt    max_repeats;
} Bench;

/* Slowest rank's time of one call (barrier before). */
static double MaxOverRanks(const Bench *B, double t)
{
  double m = t;
  MPI_Allreduce(&t, &m, 1, MPI_DOUBLE, MPI_MAX, B->comm);
  return m;
}

static void PrintRow(const Bench *B, PetscInt N, const char *what, double seconds, double unit, PetscInt reps, const char *extra)
{
  if (B->rank == 0) {
    printf("%6d %-24s %3d %12.6e %10.3f %5d %s\n", (int)N, what, (int)B->size, seconds, seconds / unit, (int)reps, extra && extra[0] ? extra : "-");
    fflush(stdout);
  }
}

/* One r2c + c2r pair of serial FFTW on rank 0; returns the medians of wall-clock and CPU time (broadcast). */
static PetscErrorCode FFTPair(const Bench *B, PetscInt N, double *median, double *cpu_median)
{
  double   t[MAX_REPEATS], c[MAX_REPEATS], m = 0, tmin = 0, cm = 0;
  PetscInt reps = 0;
  char     extra[64];

  PetscFunctionBeginUser;
  if (B->rank == 0) {
    const size_t  nr = (size_t)N * (size_t)N, nc = (size_t)N * (size_t)(N / 2 + 1);
    double       *in  = fftw_alloc_real(nr), *out = fftw_alloc_real(nr);
    fftw_complex *hat = fftw_alloc_complex(nc);
    fftw_plan     fwd = fftw_plan_dft_r2c_2d((int)N, (int)N, in, hat, FFTW_MEASURE);
    fftw_plan     bwd = fftw_plan_dft_c2r_2d((int)N, (int)N, hat, out, FFTW_MEASURE);
    double        total = 0;
    /* planning overwrote the arrays; in is never written by the plans, so values stay bounded */
    for (size_t k = 0; k < nr; k++) in[k] = PetscSinReal(0.001 * (double)k) + 1.0;
    fftw_execute(fwd);
    fftw_execute(bwd);
    while (reps < MAX_REPEATS && (reps < 5 || (total < B->budget && reps < B->max_repeats))) {
      const double t0 = Now(), c0 = CpuNow();
      fftw_execute(fwd);
      fftw_execute(bwd);
      c[reps] = CpuNow() - c0;
      t[reps] = Now() - t0;
      total += t[reps++];
    }
    cm = W2BenchMedian(c, reps);
    m = W2BenchMedian(t, reps); /* sorts t: t[0] is the fastest */
    tmin = t[0];
    fftw_destroy_plan(fwd);
    fftw_destroy_plan(bwd);
    fftw_free(in);
    fftw_free(out);
    fftw_free(hat);
  }
  PetscCallMPI(MPI_Bcast(&m, 1, MPI_DOUBLE, 0, B->comm));
  PetscCallMPI(MPI_Bcast(&tmin, 1, MPI_DOUBLE, 0, B->comm));
  PetscCallMPI(MPI_Bcast(&cm, 1, MPI_DOUBLE, 0, B->comm));
  PetscCallMPI(MPI_Bcast(&reps, 1, MPIU_INT, 0, B->comm));
  *median     = m;
  *cpu_median = cm;
  PetscCall(PetscSNPrintf(extra, sizeof(extra), "serial_fftw_rank0,min_s=%.4e,cpu_s=%.4e", tmin, cm));
  PrintRow(B, N, "fft_pair", m, m, reps, extra);
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchRHS(const Bench *B, PetscInt N, PetscInt order, W2Divergence *div, PetscBool with_rhs, PetscBool with_jacobian, double unit)
{
  const PetscInt  Ns[2] = {N, N};
  const PetscReal L[2]  = {1.0, 1.0};
  W2Grid         *g;
  W2Flow         *flow;
  Vec             rho, q, G;
  PetscBool       valid;
  double          t[MAX_REPEATS], total = 0, med;
  PetscInt        reps = 0;
  char            what[32], extra[64];

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(B->comm, 2, Ns, L, order, &g));
  PetscCall(DMCreateGlobalVector(g->da, &rho));
  PetscCall(VecDuplicate(rho, &q));
  PetscCall(VecDuplicate(rho, &G));
  PetscCall(FillDensities(g, rho, q));
  PetscCall(W2FlowCreate(g, div, q, order, &flow));
  for (PetscInt w = 0; w < 2; w++) PetscCall(W2FlowEvaluate(flow, rho, G, NULL, &valid));
  PetscCheck(valid, B->comm, PETSC_ERR_PLIB, "the benchmark density is outside the domain");
  while (with_rhs && reps < MAX_REPEATS && (reps < 5 || (total < B->budget && reps < B->max_repeats))) {
    double t0;
    PetscCallMPI(MPI_Barrier(B->comm));
    t0 = Now();
    PetscCall(W2FlowEvaluate(flow, rho, G, NULL, &valid));
    t[reps] = MaxOverRanks(B, Now() - t0);
    total += t[reps++];
  }
  if (with_rhs) {
    PetscCall(PetscSNPrintf(what, sizeof(what), "rhs_order%d", (int)order));
    med = W2BenchMedian(t, reps);
    PetscCall(PetscSNPrintf(extra, sizeof(extra), "jsd,min_s=%.4e", t[0]));
    PrintRow(B, N, what, med, unit, reps, extra);
  }
  if (with_jacobian) {
    /* the Newton operator of a BE step (shift 1/dt = 1e3) as every Newton iteration builds it, assembled
       (W2FlowShiftedJacobian) or linearised for the stencil shell, and one mat-vec of each */
    const char *names[4] = {"jacobian_order1", "linearise_order1", "matmult_aij", "matmult_shell"};
    Mat         J, S;
    PetscCall(DMCreateMatrix(g->da, &J));
    PetscCall(W2FlowCreateShiftedOperator(flow, &S));
    PetscCall(W2FlowShiftedJacobian(flow, rho, 1e3, PETSC_TRUE, J));
    PetscCall(W2FlowShiftedOperatorSet(S, rho, 1e3));
    for (int m = 0; m < 4; m++) {
      reps  = 0;
      total = 0;
      while (reps < MAX_REPEATS && (reps < 5 || (total < B->budget && reps < B->max_repeats))) {
        double t0;
        PetscCallMPI(MPI_Barrier(B->comm));
        t0 = Now();
        if (m == 0) PetscCall(W2FlowShiftedJacobian(flow, rho, 1e3, PETSC_TRUE, J));
        else if (m == 1) PetscCall(W2FlowLinearise(flow, rho));
        else PetscCall(MatMult(m == 2 ? J : S, rho, G));
        t[reps] = MaxOverRanks(B, Now() - t0);
        total += t[reps++];
      }
      med = W2BenchMedian(t, reps);
      PetscCall(PetscSNPrintf(extra, sizeof(extra), "jsd,min_s=%.4e", t[0]));
      PrintRow(B, N, names[m], med, unit, reps, extra);
    }
    PetscCall(MatDestroy(&S));
    PetscCall(MatDestroy(&J));
  }
  PetscCall(W2FlowDestroy(&flow));
  PetscCall(VecDestroy(&G));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&rho));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

/* Set (or clear) the options of a string "-key [value] -key [value] ..." (no value starts with '-'). */
static PetscErrorCode ApplyOptions(const char *options, PetscBool set)
{
  char  buf[512], *tok[64];
  int   n = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(buf, options, sizeof(buf)));
  for (char *s = buf; *s && n < 64;) {
    while (*s == ' ') *s++ = 0;
    if (!*s) break;
    tok[n++] = s;
    while (*s && *s != ' ') s++;
  }
  for (int k = 0; k < n; k++) {
    const PetscBool has_value = (PetscBool)(k + 1 < n && tok[k + 1][0] != '-');
    if (set) PetscCall(PetscOptionsSetValue(NULL, tok[k], has_value ? tok[k + 1] : NULL));
    else PetscCall(PetscOptionsClearValue(NULL, tok[k]));
    if (has_value) k++;
  }
  PetscFunctionReturn(0);
}

static PetscLogStage be_stage = 0;

static PetscErrorCode BenchBE(const Bench *B, PetscInt N, const Config *cfg, W2Divergence *div, double dt, PetscInt repeats, double unit, double cpu_unit)
{
  const PetscInt  Ns[2] = {N, N};
  const PetscReal L[2]  = {1.0, 1.0};
  W2Grid         *g;
  W2Flow         *flow;
  Vec             rho0, q, X;
  TS              ts;
  SNES            snes;
  double          t[MAX_REPEATS], cpu[MAX_REPEATS], first = 0, med, med_min, cpu_med;
  PetscInt        nmax = 0, lmax = 0, failed = 0;
  PetscReal       dmass = 0;
  char            what[64], extra[256], opts[512], dtbuf[32], levels[64] = "";

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(B->comm, 2, Ns, L, 1, &g));
  PetscCall(DMCreateGlobalVector(g->da, &rho0));
  PetscCall(VecDuplicate(rho0, &q));
  PetscCall(VecDuplicate(rho0, &X));
  PetscCall(FillDensities(g, rho0, q));
  PetscCall(W2FlowCreate(g, div, q, 1, &flow));
  if (!strncmp(cfg->name, "mg", 2)) {
    PetscInt nl = 1;
    while ((N >> nl) >= 16 && (N >> nl) % 2 == 0) nl++; /* coarsest grid 8 x 8 .. 16 x 16 */
    PetscCall(PetscSNPrintf(levels, sizeof(levels), " -pc_mg_levels %d", (int)nl));
  }
  PetscCall(PetscSNPrintf(dtbuf, sizeof(dtbuf), "%.17g", dt));
  PetscCall(PetscSNPrintf(opts, sizeof(opts), "-ts_type beuler -ts_dt %s %s%s", dtbuf, cfg->options, levels));
  PetscCall(ApplyOptions(opts, PETSC_TRUE));
  PetscCall(W2FlowCreateTS(flow, &ts));
  PetscCall(ApplyOptions(opts, PETSC_FALSE));
  PetscCall(TSGetSNES(ts, &snes));
  PetscCall(VecCopy(rho0, X));
  PetscCall(TSSetSolution(ts, X));
  PetscCall(TSSetUp(ts));
  /* -log_view: the timed steps in a stage of their own, apart from the set-up step */
  if (!be_stage) PetscCall(PetscLogStageRegister("BE timed steps", &be_stage));
  for (PetscInt r = -1; r < repeats; r++) {
    double             t0, c0;
    PetscInt           it, lit;
    SNESConvergedReason reason;
    PetscCall(VecCopy(rho0, X));
    PetscCall(TSSetTime(ts, 0.0));
    PetscCall(TSSetStepNumber(ts, 0));
    PetscCall(TSSetTimeStep(ts, dt));
    PetscCallMPI(MPI_Barrier(B->comm));
    if (r >= 0) PetscCall(PetscLogStagePush(be_stage));
    t0 = Now();
    c0 = CpuNow();
    PetscCall(TSStep(ts));
    c0 = MaxOverRanks(B, CpuNow() - c0);
    t0 = MaxOverRanks(B, Now() - t0);
    if (r >= 0) PetscCall(PetscLogStagePop());
    PetscCall(SNESGetIterationNumber(snes, &it));
    PetscCall(SNESGetLinearSolveIterations(snes, &lit));
    PetscCall(SNESGetConvergedReason(snes, &reason));
    if (reason <= 0) failed++;
    if (r < 0) {
      first = t0; /* set-up step: matrix, preconditioner objects, Krylov work space */
      continue;
    }
    t[r]   = t0;
    cpu[r] = c0;
    if (r == 0) {
      /* mass change of the step: exact mass needs Newton converged to round-off */
      PetscReal m0, m1;
      PetscCall(VecSum(rho0, &m0));
      PetscCall(VecSum(X, &m1));
      dmass = PetscAbsReal(m1 - m0) * g->dV;
    }
    nmax = PetscMax(nmax, it);
    lmax = PetscMax(lmax, lit);
  }
  med     = W2BenchMedian(t, repeats); /* sorts t */
  med_min = t[0];
  cpu_med = W2BenchMedian(cpu, repeats);
  /* Newton and GMRES iterations of one step (the largest over the repeats, which redo the same step) */
  PetscCall(PetscSNPrintf(extra, sizeof(extra), "%s,newton=%d,linear=%d,min_s=%.4e,cpu_s=%.4e,cpu_ratio=%.1f,first_step_s=%.3f,rejected=%d,failed=%d,dmass=%.1e,dt=%g", div->type, (int)nmax, (int)lmax, med_min, cpu_med, cpu_med / cpu_unit, first, (int)flow->rejected_stages, (int)failed, (double)dmass, (double)dt));
  PetscCall(PetscSNPrintf(what, sizeof(what), "be_%s", cfg->name));
  PrintRow(B, N, what, med, unit, repeats, extra);
  PetscCall(TSDestroy(&ts));
  PetscCall(W2FlowDestroy(&flow));
  PetscCall(VecDestroy(&X));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&rho0));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  Bench         B = {.comm = MPI_COMM_WORLD, .budget = 1.0, .max_repeats = 51};
  PetscInt      sizes[MAX_SIZES] = {128, 256, 512, 1024}, nsizes = MAX_SIZES, nconf = MAX_CONFIGS, nwhat = 8, be_repeats = 3;
  char         *conf[MAX_CONFIGS], *what[8], divname[32] = "jsd";
  PetscReal     dt = 1e-3, budget = 1.0;
  PetscBool     set_sizes, set_conf, set_what, do_rhs = PETSC_TRUE, do_jac = PETSC_TRUE, do_be = PETSC_TRUE;
  W2Divergence *div, *be_div;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "bench_flow: flow costs in FFT pairs (docs/benchmarks.md)"));
  PetscCallMPI(MPI_Comm_size(B.comm, &B.size));
  PetscCallMPI(MPI_Comm_rank(B.comm, &B.rank));
  PetscOptionsBegin(B.comm, "bench_", "bench_flow", NULL);
  PetscCall(PetscOptionsIntArray("-sizes", "Grid sizes N (N x N)", NULL, sizes, &nsizes, &set_sizes));
  PetscCall(PetscOptionsStringArray("-configs", "Backward-Euler option sets (see Configs in bench_flow.c)", NULL, conf, &nconf, &set_conf));
  PetscCall(PetscOptionsStringArray("-what", "Measurements: rhs, jac, be (the FFT pair is always measured)", NULL, what, &nwhat, &set_what));
  PetscCall(PetscOptionsReal("-dt", "Backward-Euler step", NULL, dt, &dt, NULL));
  PetscCall(PetscOptionsReal("-budget", "Seconds of repeats per fft/rhs measurement (at least 5 repeats)", NULL, budget, &budget, NULL));
  PetscCall(PetscOptionsInt("-max_repeats", "Most repeats of one fft/rhs measurement", NULL, B.max_repeats, &B.max_repeats, NULL));
  PetscCall(PetscOptionsString("-div", "Divergence of the backward-Euler steps (rhs and jac rows are always jsd)", NULL, divname, divname, sizeof(divname), NULL));
  PetscCall(PetscOptionsInt("-be_repeats", "Timed backward-Euler steps (after one untimed set-up step)", NULL, be_repeats, &be_repeats, NULL));
  PetscOptionsEnd();
  if (!set_sizes) nsizes = 4; /* the defaults above */
  B.budget = budget;
  B.max_repeats = PetscMin(PetscMax(B.max_repeats, 5), MAX_REPEATS);
  PetscCheck(be_repeats >= 1 && be_repeats <= MAX_REPEATS, B.comm, PETSC_ERR_USER_INPUT, "-bench_be_repeats must lie in [1, %d]", MAX_REPEATS);
  if (!set_conf) {
    nconf = 1;
    PetscCall(PetscStrallocpy("fft", &conf[0]));
  }
  if (set_what) {
    do_rhs = do_jac = do_be = PETSC_FALSE;
    for (PetscInt k = 0; k < nwhat; k++) {
      PetscBool r, j, b;
      PetscCall(PetscStrcmp(what[k], "rhs", &r));
      PetscCall(PetscStrcmp(what[k], "jac", &j));
      PetscCall(PetscStrcmp(what[k], "be", &b));
      PetscCheck(r || j || b, B.comm, PETSC_ERR_USER_INPUT, "-bench_what: unknown measurement %s (rhs, jac, be; the FFT pair is always measured)", what[k]);
      do_rhs = (PetscBool)(do_rhs || r);
      do_jac = (PetscBool)(do_jac || j);
      do_be  = (PetscBool)(do_be || b);
      PetscCall(PetscFree(what[k]));
    }
  }
  PetscCall(W2DivergenceCreateByName(B.comm, "jsd", 0.0, &div));
  PetscCall(W2DivergenceCreateByName(B.comm, divname, 0.0, &be_div));
  if (B.rank == 0) {
    printf("# bench_flow: jsd flow costs in units of one serial FFTW r2c+c2r pair (FFTW_MEASURE) on the same N x N grid\n");
    printf("# seconds: median over reps of the slowest rank; ratio = seconds / fft_pair seconds of the same N in this run\n");
    printf("%6s %-24s %3s %12s %10s %5s %s\n", "N", "what", "np", "seconds", "ratio", "reps", "extra");
  }
  for (PetscInt s = 0; s < nsizes; s++) {
    const PetscInt N = sizes[s];
    double         unit = 1.0, cpu_unit = 1.0;
    PetscCheck(N >= 8, B.comm, PETSC_ERR_USER_INPUT, "-bench_sizes: N must be at least 8, got %d", (int)N);
    /* always measured: it is the unit of every ratio */
    PetscCall(FFTPair(&B, N, &unit, &cpu_unit));
    if (do_rhs || do_jac)
      for (PetscInt order = 1; order <= (do_rhs ? 2 : 1); order++) PetscCall(BenchRHS(&B, N, order, div, do_rhs, (PetscBool)(do_jac && order == 1), unit));
    if (do_be)
      for (PetscInt c = 0; c < nconf; c++) {
        const Config *cfg = NULL;
        for (size_t k = 0; k < sizeof(Configs) / sizeof(Configs[0]); k++)
          if (!strcmp(Configs[k].name, conf[c])) cfg = &Configs[k];
        PetscCheck(cfg, B.comm, PETSC_ERR_USER_INPUT, "-bench_configs: unknown option set %s", conf[c]);
        PetscCall(BenchBE(&B, N, cfg, be_div, dt, be_repeats, unit, cpu_unit));
      }
  }
  for (PetscInt c = 0; c < nconf; c++) PetscCall(PetscFree(conf[c]));
  PetscCall(W2DivergenceDestroy(&div));
  PetscCall(W2DivergenceDestroy(&be_div));
  PetscCall(W2OptionsCheckUnused(PETSC_COMM_WORLD, PETSC_FALSE)); /* a misspelt option is an error, as in w2flow */
  PetscCall(PetscFinalize());
  return 0;
}
