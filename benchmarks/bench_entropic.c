/// @file Entropic JKO: one Gibbs-kernel application and one Sinkhorn sweep by FFT, auto and log-domain sums, in units of one FFT pair of the same grid (docs/benchmarks.md, "Entropic").
/*
  For each N (N x N periodic grid on the unit torus), within one serial run:
    fft_pair   one fftw_execute of an r2c and of a c2r 2-D plan (FFTW_MEASURE, planned once): the unit
    gibbs_M    one application of the Gibbs kernel exp(-d_T^2/eps) (both axes) with -jko_entropic_kernel M to the
               log-scaling a step starts from, v/eps = -2 tau f'(mu/q)/eps; extra: points summed in the log domain
    sweep_M    one Sinkhorn sweep (u-update, marginal, v-update by the scalar prox) of a JKO step:
               (time of a step of 2K sweeps - time of a step of K sweeps) / K, no eps ladder
  The step: jsd from the Gaussian of examples/jsd2d_jko.yaml (sigma 0.15) toward its three-Gaussian mixture,
  tau 1e-2, eps = -bench_eps_h2 h^2 (default 4 h^2, the entropic default); sweep_w2_M the same for W2^2(mu, q)
  (u-update, marginal, v = eps (log q dV - kappa): no prox, so the kernel's share is larger). Every time is process CPU time (the machine is shared), a median over repeats
  (min_s, the fastest, printed too); ratio = seconds / fft_pair. A forced fft that refuses (a value whose
  digits the FFT lost) is printed as refused.
  Options: -bench_sizes 64,128,256,512 -bench_budget 1.0 (seconds of repeats) -bench_sweeps 4 -bench_modes fft,auto,log
           -bench_max_reps 0 (0: no limit; 1 caps the slow log-domain runs at one repeat)

  -bench_parallel, under mpiexec -n K (docs/benchmarks.md, "Entropic on 2 ranks"): for each N and kernel mode, within
  one run and alternating repeat by repeat, the same job on one rank (rank 0 alone, on a PETSC_COMM_SELF grid, the
  others waiting at a barrier) and on all K ranks (the work split of jko/entropic.c): gibbs_M one Gibbs kernel
  application, step_M one JKO step of -bench_sweeps sweeps at one eps (no ladder). Wall time (MPI_Wtime; on K ranks
  the slowest rank's), medians over -bench_reps repeats (default 7); speedup = one rank / K ranks; the one-rank time
  also in FFT pairs (the serial 2-D r2c+c2r pair, wall time, same run); then the work: thread CPU seconds outside
  the MPI collectives (K ranks: the busiest rank's) and their ratio, which the machine's load does not distort (a
  rank waiting in an exchange for a partner descheduled by the load polls, and that CPU time is not work).
*/
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <time.h>
#include <fftw3.h>
#include "bench_common.h"
#include "jko/jkoimpl.h"
#include "grid/profile.h"
#include "io/options.h"

#define MAX_SIZES 16
#define MAX_REPEATS 1001

typedef struct {
  W2JKO      jko;
  Vec        mu, next, q;
  PetscReal  eps, *in, *out;
  PetscInt   sweeps;
  PetscBool  w2;
  PetscInt64 nlog;
  fftw_plan  r2c, c2r;
} Bench;

typedef PetscErrorCode (*Job)(Bench *, PetscBool *refused);

/* CPU time of this process: the machine is shared, and CPU time does not count the slices other processes
   take (everything timed here runs on one thread) */
static double CPUSeconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* median and fastest of repeats of job within budget seconds (at least 3, at most max_reps if > 0) */
static PetscErrorCode Repeat(Job job, Bench *b, PetscReal budget, PetscInt max_reps, double *median, double *fastest, PetscInt *reps, PetscBool *refused)
{
  double   t[MAX_REPEATS], start;
  PetscInt n = 0, cap = max_reps > 0 ? PetscMin(max_reps, MAX_REPEATS) : MAX_REPEATS;

  PetscFunctionBeginUser;
  PetscCall((*job)(b, refused)); /* warm-up: caches, first touch, the kernel's transforms for this eps */
  start = CPUSeconds();
  while (!*refused && n < cap && (n < 3 || CPUSeconds() - start < budget)) {
    const double t0 = CPUSeconds();
    PetscCall((*job)(b, refused));
    t[n++] = CPUSeconds() - t0;
  }
  *reps    = n;
  *median  = n ? W2BenchMedian(t, n) : 0.0;
  *fastest = n ? t[0] : 0.0;
  PetscFunctionReturn(0);
}

static PetscErrorCode FFTPair(Bench *b, PetscBool *refused)
{
  PetscFunctionBeginUser;
  fftw_execute(b->r2c);
  fftw_execute(b->c2r);
  *refused = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* run f with errors returned, not fatal: a forced fft refuses by an error */
static PetscErrorCode Guarded(PetscErrorCode ierr, PetscBool *refused)
{
  PetscFunctionBeginUser;
  *refused = (PetscBool)(ierr != 0);
  PetscFunctionReturn(0);
}

static PetscErrorCode GibbsJob(Bench *b, PetscBool *refused)
{
  PetscErrorCode ierr;
  PetscReal      worst;

  PetscFunctionBeginUser;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = W2JKOEntropicGibbs(b->jko, b->eps, 0.1 * b->jko->rtol, b->in, b->out, &b->nlog, &worst);
  PetscCall(PetscPopErrorHandler());
  PetscCall(Guarded(ierr, refused));
  PetscFunctionReturn(0);
}

/* a JKO step (b->w2 false) or W2^2(mu, q) (true) of b->sweeps sweeps */
static PetscErrorCode SolveJob(Bench *b, PetscBool *refused)
{
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(W2JKOSetTolerances(b->jko, PETSC_DEFAULT, PETSC_DEFAULT, b->sweeps));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = b->w2 ? W2JKODistance(b->jko, b->mu, b->q, NULL) : W2JKOStep(b->jko, b->mu, b->next, NULL);
  PetscCall(PetscPopErrorHandler());
  PetscCall(Guarded(ierr, refused));
  PetscFunctionReturn(0);
}

static PetscErrorCode Line(PetscInt N, const char what[], double med, double unit, PetscInt reps, double fast, const char extra[])
{
  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%5" PetscInt_FMT " %-12s %.4e %10.2f %5" PetscInt_FMT " min_s %.4e %s\n", N, what, med, med / unit, reps, fast, extra));
  PetscFunctionReturn(0);
}

/* ---- -bench_parallel: one rank against K ranks in the same run ---------------------------------------- */

typedef struct {
  Bench one, all; /* rank 0's serial objects (on every rank, used by rank 0), and the objects on all ranks */
} Pair;

/* CPU time of this thread */
static double ThreadSeconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds this thread spent inside the collectives of the work split (MPI profiling interface: these
   definitions stand in front of the MPI library's, for the library's calls too). A rank waiting there for a
   partner that the loaded machine has descheduled polls, so its CPU time counts waiting, not work. */
static double exchange_cpu = 0;
#undef MPI_Allgatherv /* petsclog.h's counting macros: the functions are defined here */
#undef MPI_Allreduce
int MPI_Allgatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, const int rcounts[], const int displs[], MPI_Datatype rtype, MPI_Comm comm)
{
  const double c0 = ThreadSeconds();
  const int    err = PMPI_Allgatherv(sbuf, scount, stype, rbuf, rcounts, displs, rtype, comm);
  exchange_cpu += ThreadSeconds() - c0;
  return err;
}
int MPI_Allreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm)
{
  const double c0 = ThreadSeconds();
  const int    err = PMPI_Allreduce(sbuf, rbuf, count, type, op, comm);
  exchange_cpu += ThreadSeconds() - c0;
  return err;
}

/* seconds[0]: wall seconds of job on b, seconds[1]: its thread CPU seconds outside the collectives (the work),
   each on comm's slowest rank; each rank first waits for all the others */
static PetscErrorCode WallTime(Job job, Bench *b, MPI_Comm comm, double seconds[2], PetscBool *refused)
{
  double t0, c0, x0, t[2];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Barrier(comm));
  t0 = MPI_Wtime();
  c0 = ThreadSeconds();
  x0 = exchange_cpu;
  PetscCall((*job)(b, refused));
  t[0] = MPI_Wtime() - t0;
  t[1] = ThreadSeconds() - c0 - (exchange_cpu - x0);
  PetscCall(MPIU_Allreduce(t, seconds, 2, MPI_DOUBLE, MPI_MAX, comm));
  PetscFunctionReturn(0);
}

/* a barrier that sleeps while it waits: the ranks idle during rank 0's serial run leave the machine's cores to
   the others (a blocking MPI_Barrier polls, taking a core from a loaded machine) */
static PetscErrorCode SleepingBarrier(MPI_Comm comm)
{
  MPI_Request     req;
  int             done = 0;
  struct timespec nap  = {0, 100000}; /* 0.1 ms */

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Ibarrier(comm, &req));
  for (;;) {
    PetscCallMPI(MPI_Test(&req, &done, MPI_STATUS_IGNORE));
    if (done) break;
    nanosleep(&nap, NULL);
  }
  PetscFunctionReturn(0);
}

/* median wall and CPU times of job on one rank (rank 0, the others asleep at a barrier) and on all ranks, repeats alternating */
static PetscErrorCode RepeatPair(Job job, Pair *pr, PetscInt reps, double one[2], double all[2], PetscBool *refused)
{
  double      t1[2][MAX_REPEATS], tk[2][MAX_REPEATS];
  PetscMPIInt rank;
  PetscBool   ref1 = PETSC_FALSE, refk = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  reps = PetscMin(reps, MAX_REPEATS);
  for (PetscInt r = -1; r < reps; r++) { /* r = -1: warm-up */
    double t[2] = {0, 0};
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    if (rank == 0) PetscCall(WallTime(job, &pr->one, PETSC_COMM_SELF, t, &ref1));
    PetscCall(SleepingBarrier(PETSC_COMM_WORLD));
    PetscCallMPI(MPI_Bcast(t, 2, MPI_DOUBLE, 0, PETSC_COMM_WORLD));
    for (PetscInt k = 0; k < 2 && r >= 0; k++) t1[k][r] = t[k];
    PetscCall(WallTime(job, &pr->all, PETSC_COMM_WORLD, t, &refk));
    for (PetscInt k = 0; k < 2 && r >= 0; k++) tk[k][r] = t[k];
  }
  PetscCallMPI(MPI_Bcast(&ref1, 1, MPIU_BOOL, 0, PETSC_COMM_WORLD));
  *refused = (PetscBool)(ref1 || refk);
  for (PetscInt k = 0; k < 2; k++) {
    one[k] = W2BenchMedian(t1[k], reps);
    all[k] = W2BenchMedian(tk[k], reps);
  }
  PetscFunctionReturn(0);
}

/* the densities and the entropic JKO object of bench_entropic on an N x N grid of comm */
static PetscErrorCode BenchCreate(MPI_Comm comm, PetscInt N, Bench *b, W2Grid **g, W2Divergence **div)
{
  PetscInt  n[2] = {N, N};
  PetscReal L[2] = {1, 1}, mass;
  char      src[256];

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(b, sizeof(*b)));
  PetscCall(W2GridCreateWithSizes(comm, 2, n, L, 1, g));
  PetscCall(W2DivergenceCreateByName(comm, "jsd", 2.0, div));
  PetscCall(DMCreateGlobalVector((*g)->da, &b->mu));
  PetscCall(VecDuplicate(b->mu, &b->q));
  PetscCall(VecDuplicate(b->mu, &b->next));
  PetscCall(W2ProfileCreateDensity(*g, "bench_mu_", "gaussian", PETSC_TRUE, b->mu, &mass, src, sizeof(src)));
  PetscCall(W2ProfileCreateDensity(*g, "bench_q_", "mixture", PETSC_TRUE, b->q, &mass, src, sizeof(src)));
  PetscCall(W2JKOCreate(*g, *div, b->q, &b->jko));
  PetscCall(W2JKOSetType(b->jko, "entropic"));
  PetscCall(W2JKOSetTau(b->jko, 1e-2));
  PetscCall(W2JKOSetFromOptions(b->jko));
  b->jko->error_if_not_converged = PETSC_FALSE; /* a step of K sweeps is not meant to converge */
  PetscCall(PetscMalloc2(N * N, &b->in, N * N, &b->out));
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchDestroy(Bench *b, W2Grid **g, W2Divergence **div)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(b->in, b->out));
  PetscCall(W2JKODestroy(&b->jko));
  PetscCall(VecDestroy(&b->next));
  PetscCall(VecDestroy(&b->q));
  PetscCall(VecDestroy(&b->mu));
  PetscCall(W2DivergenceDestroy(div));
  PetscCall(W2GridDestroy(g));
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchParallel(PetscInt N, PetscReal eps_h2, PetscInt reps, PetscInt sweeps, PetscInt nmodes, char *modes[])
{
  Pair          pr;
  W2Grid       *g1, *gk;
  W2Divergence *d1, *dk;
  double        unit = 0, one[2] = {0, 0}, all[2] = {0, 0};
  PetscMPIInt   size, rank;
  PetscBool     refused = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(BenchCreate(PETSC_COMM_SELF, N, &pr.one, &g1, &d1));
  PetscCall(BenchCreate(PETSC_COMM_WORLD, N, &pr.all, &gk, &dk));
  pr.one.eps = pr.all.eps = eps_h2 / (PetscReal)(N * N);
  pr.one.sweeps = pr.all.sweeps = sweeps;
  /* the log-scaling a step starts from, v/eps, v = -2 tau f'(mu/q), as in the serial mode */
  PetscCall(W2JKOGather(pr.all.jko, pr.all.mu, pr.all.jko->mu));
  for (PetscInt p = 0; p < N * N; p++) pr.one.in[p] = pr.all.in[p] = -2.0 * pr.all.jko->tau * dk->df(dk, pr.all.jko->mu[p] / pr.all.jko->q[p]) / pr.all.eps;
  if (rank == 0) { /* the unit: one serial FFT pair of the grid, wall time */
    double       *real = fftw_alloc_real((size_t)(N * N)), t[MAX_REPEATS];
    fftw_complex *spec = fftw_alloc_complex((size_t)(N * (N / 2 + 1)));
    fftw_plan     r2c  = fftw_plan_dft_r2c_2d((int)N, (int)N, real, spec, FFTW_MEASURE), c2r = fftw_plan_dft_c2r_2d((int)N, (int)N, spec, real, FFTW_MEASURE);
    for (PetscInt k = 0; k < N * N; k++) real[k] = PetscSinReal(0.1 * k);
    for (PetscInt r = 0; r < 101; r++) {
      const double t0 = MPI_Wtime();
      fftw_execute(r2c);
      fftw_execute(c2r);
      t[r] = MPI_Wtime() - t0;
    }
    unit = W2BenchMedian(t, 101);
    fftw_destroy_plan(r2c);
    fftw_destroy_plan(c2r);
    fftw_free(real);
    fftw_free(spec);
  }
  PetscCallMPI(MPI_Bcast(&unit, 1, MPI_DOUBLE, 0, PETSC_COMM_WORLD));
  for (PetscInt m = 0; m < nmodes; m++) {
    char opt[160];
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-jko_entropic_kernel %s -jko_epsilon %g -jko_epsilon_start %g", modes[m], (double)pr.all.eps, (double)pr.all.eps));
    PetscCall(PetscOptionsInsertString(NULL, opt));
    PetscCall(W2JKOSetFromOptions(pr.one.jko));
    PetscCall(W2JKOSetFromOptions(pr.all.jko));
    for (PetscInt job = 0; job < 2; job++) {
      char what[32];
      PetscCall(RepeatPair(job ? SolveJob : GibbsJob, &pr, reps, one, all, &refused));
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s_%s", job ? "step" : "gibbs", modes[m]));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%5" PetscInt_FMT " %-12s %.4e %.4e %7.2f %10.1f work %.4e %.4e %7.2f %5" PetscInt_FMT " %s\n", N, what, one[0], all[0], one[0] / all[0], one[0] / unit, one[1], all[1], one[1] / all[1], reps, refused ? "REFUSED" : ""));
    }
  }
  PetscCall(BenchDestroy(&pr.one, &g1, &d1));
  PetscCall(BenchDestroy(&pr.all, &gk, &dk));
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchSize(PetscInt N, PetscReal eps_h2, PetscReal budget, PetscInt sweeps, PetscInt max_reps, PetscInt nmodes, char *modes[])
{
  PetscInt      n[2] = {N, N}, reps;
  PetscReal     L[2] = {1, 1}, mass;
  W2Grid       *g;
  W2Divergence *div;
  Bench         b;
  double        unit, fast, med;
  double       *real;
  fftw_complex *spec;
  char          src[256], extra[128];
  PetscBool     refused = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&b, sizeof(b)));
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_SELF, 2, n, L, 1, &g));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_SELF, "jsd", 2.0, &div));
  PetscCall(DMCreateGlobalVector(g->da, &b.mu));
  PetscCall(VecDuplicate(b.mu, &b.q));
  PetscCall(VecDuplicate(b.mu, &b.next));
  PetscCall(W2ProfileCreateDensity(g, "bench_mu_", "gaussian", PETSC_TRUE, b.mu, &mass, src, sizeof(src)));
  PetscCall(W2ProfileCreateDensity(g, "bench_q_", "mixture", PETSC_TRUE, b.q, &mass, src, sizeof(src)));
  PetscCall(W2JKOCreate(g, div, b.q, &b.jko));
  PetscCall(W2JKOSetType(b.jko, "entropic"));
  PetscCall(W2JKOSetTau(b.jko, 1e-2));
  PetscCall(W2JKOSetFromOptions(b.jko));
  b.jko->error_if_not_converged = PETSC_FALSE; /* a step of K sweeps is not meant to converge */
  b.eps                         = eps_h2 / (PetscReal)(N * N);

  real  = fftw_alloc_real((size_t)(N * N));
  spec  = fftw_alloc_complex((size_t)(N * (N / 2 + 1)));
  b.r2c = fftw_plan_dft_r2c_2d((int)N, (int)N, real, spec, FFTW_MEASURE);
  b.c2r = fftw_plan_dft_c2r_2d((int)N, (int)N, spec, real, FFTW_MEASURE);
  for (PetscInt k = 0; k < N * N; k++) real[k] = PetscSinReal(0.1 * k);
  PetscCall(Repeat(FFTPair, &b, budget, 0, &unit, &fast, &reps, &refused));
  PetscCall(Line(N, "fft_pair", unit, unit, reps, fast, ""));

  /* the log-scaling a step starts from: v/eps, v = -2 tau f'(mu/q) */
  PetscCall(PetscMalloc2(N * N, &b.in, N * N, &b.out));
  PetscCall(W2JKOGather(b.jko, b.mu, b.jko->mu));
  for (PetscInt p = 0; p < N * N; p++) b.in[p] = -2.0 * b.jko->tau * div->df(div, b.jko->mu[p] / b.jko->q[p]) / b.eps;
  for (PetscInt m = 0; m < nmodes; m++) {
    char opt[160], what[32];
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-jko_entropic_kernel %s -jko_epsilon %g -jko_epsilon_start %g", modes[m], (double)b.eps, (double)b.eps));
    PetscCall(PetscOptionsInsertString(NULL, opt));
    PetscCall(W2JKOSetFromOptions(b.jko));
    PetscCall(PetscSNPrintf(what, sizeof(what), "gibbs_%s", modes[m]));
    PetscCall(Repeat(GibbsJob, &b, budget, max_reps, &med, &fast, &reps, &refused));
    PetscCall(PetscSNPrintf(extra, sizeof(extra), "%s log-domain points %" PetscInt64_FMT " of %" PetscInt_FMT " (eps %.3e)", refused ? "REFUSED" : "", b.nlog, 2 * N * N, (double)b.eps));
    PetscCall(Line(N, what, med, unit, reps, fast, extra));
  }
  for (PetscInt m = 0; m < 2 * nmodes; m++) {
    char     opt[64], what[32];
    double   medK, med2K, fastK, fast2K;
    PetscInt repsK, reps2K;
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-jko_entropic_kernel %s", modes[m % nmodes]));
    PetscCall(PetscOptionsInsertString(NULL, opt));
    PetscCall(W2JKOSetFromOptions(b.jko));
    b.w2     = (PetscBool)(m >= nmodes);
    b.sweeps = sweeps;
    PetscCall(Repeat(SolveJob, &b, budget, max_reps, &medK, &fastK, &repsK, &refused));
    b.sweeps = 2 * sweeps;
    if (!refused) PetscCall(Repeat(SolveJob, &b, budget, max_reps, &med2K, &fast2K, &reps2K, &refused));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s_%s", m < nmodes ? "sweep" : "sweep_w2", modes[m % nmodes]));
    PetscCall(PetscSNPrintf(extra, sizeof(extra), "%s (steps of %" PetscInt_FMT " and %" PetscInt_FMT " sweeps: %.4e s, %.4e s)", refused ? "REFUSED" : "", sweeps, 2 * sweeps, refused ? 0.0 : medK, refused ? 0.0 : med2K));
    if (refused) PetscCall(Line(N, what, 0.0, unit, 0, 0.0, extra));
    else PetscCall(Line(N, what, (med2K - medK) / sweeps, unit, PetscMin(repsK, reps2K), (fast2K - fastK) / sweeps, extra));
  }
  PetscCall(PetscFree2(b.in, b.out));
  fftw_destroy_plan(b.r2c);
  fftw_destroy_plan(b.c2r);
  fftw_free(real);
  fftw_free(spec);
  PetscCall(W2JKODestroy(&b.jko));
  PetscCall(VecDestroy(&b.next));
  PetscCall(VecDestroy(&b.q));
  PetscCall(VecDestroy(&b.mu));
  PetscCall(W2DivergenceDestroy(&div));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt  sizes[MAX_SIZES] = {64, 128, 256, 512}, nsizes = 4, nmodes = 3, sweeps = 4, max_reps = 0, reps = 7;
  char      mode[3][8] = {"fft", "auto", "log"};
  char     *modes[3]   = {mode[0], mode[1], mode[2]};
  PetscReal budget     = 1.0, eps_h2 = 4.0;
  PetscBool modeset, sizeset, parallel = PETSC_FALSE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "bench_entropic: the entropic Gibbs kernel by FFT and in the log domain, in FFT pairs"));
  /* the densities of examples/jsd2d_jko.yaml, unless given on the command line */
  PetscCall(PetscOptionsInsertString(NULL, "-bench_mu_mean 0.5,0.5 -bench_mu_sigma 0.15 -bench_q_means 0.25,0.3,0.7,0.35,0.5,0.75 -bench_q_sigmas 0.08,0.1,0.07 -bench_q_weights 0.4,0.35,0.25"));
  PetscCall(PetscOptionsInsert(NULL, &argc, &argv, NULL));
  PetscOptionsBegin(PETSC_COMM_WORLD, "bench_", "bench_entropic options", NULL);
  PetscCall(PetscOptionsIntArray("-sizes", "Grid sizes N (N x N)", NULL, sizes, &nsizes, &sizeset));
  PetscCall(PetscOptionsBool("-parallel", "Under mpiexec: one rank against all ranks, same run (default sizes 128,256)", NULL, parallel, &parallel, NULL));
  PetscCall(PetscOptionsInt("-reps", "-bench_parallel: repeats of each (alternating) measurement", NULL, reps, &reps, NULL));
  PetscCall(PetscOptionsReal("-eps_h2", "eps in units of h^2 (4: the entropic default)", NULL, eps_h2, &eps_h2, NULL));
  PetscCall(PetscOptionsReal("-budget", "Seconds of repeats per measurement", NULL, budget, &budget, NULL));
  PetscCall(PetscOptionsInt("-sweeps", "K: sweeps of the shorter timed step (the longer has 2K)", NULL, sweeps, &sweeps, NULL));
  PetscCall(PetscOptionsInt("-max_reps", "Most repeats per measurement (0: no limit)", NULL, max_reps, &max_reps, NULL));
  PetscCall(PetscOptionsStringArray("-modes", "Kernels to time: fft, auto, log", NULL, modes, &nmodes, &modeset));
  PetscOptionsEnd();
  if (!modeset) nmodes = 3; /* PetscOptionsStringArray sets the count to 0 when the option is absent */
  PetscCheck(sweeps >= 1, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-bench_sweeps must be >= 1, got %" PetscInt_FMT, sweeps);
  PetscCheck(reps >= 1 && reps <= MAX_REPEATS, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-bench_reps must be in [1, %d], got %" PetscInt_FMT, MAX_REPEATS, reps);
  if (parallel) {
    PetscMPIInt size;
    PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
    if (!sizeset) {
      nsizes   = 2;
      sizes[0] = 128;
      sizes[1] = 256;
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "    N what         1 rank (s) %d ranks (s) speedup 1 rank/pair work 1 rank  %d ranks   ratio  reps\n", size, size));
    for (PetscInt s = 0; s < nsizes; s++) PetscCall(BenchParallel(sizes[s], eps_h2, reps, sweeps, nmodes, modes));
  } else {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "    N what         seconds      ratio  reps extra\n"));
    for (PetscInt s = 0; s < nsizes; s++) PetscCall(BenchSize(sizes[s], eps_h2, budget, sweeps, max_reps, nmodes, modes));
  }
  if (modeset) /* PetscOptionsStringArray allocated the strings */
    for (PetscInt k = 0; k < nmodes; k++) PetscCall(PetscFree(modes[k]));
  PetscCall(W2OptionsCheckUnused(PETSC_COMM_WORLD, PETSC_FALSE)); /* a misspelt option is an error, as in w2flow */
  PetscCall(PetscFinalize());
  return 0;
}
