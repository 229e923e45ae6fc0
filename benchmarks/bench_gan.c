/// @file Issue #5: training steps per second of each generator optimiser on the paper's 1-D GAN experiment, through gan/'s API (docs/benchmarks.md).
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
/*
  The experiment (THEORY.md 8 with the defaults of `w2flow gan`): generator latent 16 -> 32 -> 1, discriminator
  1 -> 32 -> 1, hidden activation and initial weights of W2MLPCreate (relu, He normal, seed 0; -gen_activation,
  -disc_activation, -gen_seed ... as in `w2flow gan`), non-saturating loss, target N(2, 0.5^2), batch 256.
  One training step, as the loop of gan/cmd_gan.c (with -gan_disc_steps 1):
    draw the data xr ~ N(2, 0.5^2) and the latents zd, zg ~ N(0, I) (W2Rng, seed -bench_seed);
    discriminator: v = D([xr, G(zd)]), loss_d, back-propagation into D's parameters, one adam step (the default of
                   `w2flow gan`: the natural gradient is the generator's);
    generator:     v = D(G(zg)) with the updated D, loss_g, back-propagation through D into G's parameters, the
                   per-sample Jacobians of G (natgrad* only), one step of the optimiser under test.
  Optimisers (-bench_optims): sgd, adam, natgrad_cholesky, natgrad_woodbury, natgrad (auto solve: woodbury here,
  256 rows < 577 parameters), natgrad_momentum (auto), with the library's default step, damping and momentum;
  proto_woodbury: natgrad_woodbury's step with the direction computed without forming J, by gan/'s W2MLPGaussNewtonWoodbury
  (first a prototype in this file; -bench_kernels compares it with the library's Woodbury solve on J, --check with PyTorch).

  Timing: -bench_warmup untimed steps from the initial weights (the checksum is taken after them: it depends on
  no timing), then -bench_repeats repeats of S steps, S chosen so that one repeat lasts about -bench_budget
  seconds (or -bench_steps). steps/s = S / seconds of a repeat; the median over repeats is reported with the
  fastest and slowest, and the median of S / processor seconds of the process (cpu_steps_s: a shared machine
  disturbs it less). The phase columns split one step (medians of the per-repeat means, wall microseconds).

  -bench_export FILE: no timing; per optimiser, writes the configuration, the initial weights, the samples of
  -bench_export_steps steps and the weights after them, for the PyTorch cross-check (bench_gan_torch.py --check).
  Weights are in W2MLP order: per layer W (out x in, column-major) then b; samples column-major (units x batch).
  -bench_kernels: no training benchmark; the parts of one natural-gradient step (library calls, BLAS gemm against
  syrk, LAPACK potrf) and the prototypes, in processor microseconds, with their differences from the library.
*/
#include <stdio.h>
#include <time.h>
#include "bench_common.h"
#include "gan/loss.h"
#include "gan/mlp.h"
#include "gan/optim.h"
#include "io/options.h"
#include <petscblaslapack.h>

#define MAX_OPTIMS 16
#define MAX_REPEATS 1001

enum { P_SAMPLE, P_DISC, P_GRAD, P_JAC, P_UPDATE, P_COUNT };
static const char *const PhaseNames[P_COUNT] = {"sample", "disc_step", "gen_grad", "jacobian", "gen_update"};

typedef struct {
  PetscInt     batch, latent;
  PetscReal    mu, sd;
  W2MLP       *gen, *disc;
  W2Optimizer *gopt, *dopt;
  W2GanLoss    loss;
  W2Rng        rng;
  PetscReal   *xr, *zd, *zg, *xall, *vall, *dall, *vf, *dvf, *dx, *gd, *gg, *J;
  PetscBool    proto; /* proto_woodbury: the generator's natgrad step by W2MLPGaussNewtonWoodbury, not W2OptimizerStep */
  PetscReal   *d;     /* its direction */
  PetscLogDouble phase[P_COUNT]; /* accumulated seconds per phase */
} Bench;

/* A named optimiser of the benchmark: a registered type and, for natgrad, the solve of the metric. proto_woodbury is
   natgrad with the Woodbury solve computed without J by W2MLPGaussNewtonWoodbury (docs/benchmarks.md). */
static PetscErrorCode ParseOptim(const char name[], char type[], size_t len, W2GNSolver *solver, PetscBool *proto)
{
  static const char *const known[] = {"sgd", "adam", "natgrad", "natgrad_cholesky", "natgrad_woodbury", "natgrad_momentum", "proto_woodbury"};
  PetscBool chol, wood, ok = PETSC_FALSE;

  PetscFunctionBeginUser;
  /* the step structure here is a generator optimiser's: the joint game optimisers (sga, consensus) are not benchmarked */
  for (size_t k = 0; k < sizeof(known) / sizeof(known[0]) && !ok; k++) PetscCall(PetscStrcmp(name, known[k], &ok));
  PetscCheck(ok, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-bench_optims: unknown optimiser %s (sgd, adam, natgrad, natgrad_cholesky, natgrad_woodbury, natgrad_momentum, proto_woodbury)", name);
  PetscCall(PetscStrcmp(name, "natgrad_cholesky", &chol));
  PetscCall(PetscStrcmp(name, "natgrad_woodbury", &wood));
  PetscCall(PetscStrcmp(name, "proto_woodbury", proto));
  *solver = chol ? W2_GN_CHOLESKY : (wood || *proto ? W2_GN_WOODBURY : W2_GN_AUTO);
  PetscCall(PetscStrncpy(type, chol || wood || *proto ? "natgrad" : name, len));
  PetscFunctionReturn(0);
}

/* Fresh networks (weights from their seeds) and optimisers: every optimiser starts from the same state. */
static PetscErrorCode BenchSetUp(Bench *b, const char name[], PetscInt hidden, PetscInt depth, PetscInt seed)
{
  char       type[32];
  W2GNSolver solver = W2_GN_AUTO;
  PetscInt   ng, nd;

  PetscFunctionBeginUser;
  PetscCall(ParseOptim(name, type, sizeof(type), &solver, &b->proto));
  PetscCall(W2MLPCreate(PETSC_COMM_WORLD, "gen_", b->latent, 1, depth, hidden, &b->gen));
  PetscCall(W2MLPCreate(PETSC_COMM_WORLD, "disc_", 1, 1, depth, hidden, &b->disc));
  ng = b->gen->nparams;
  nd = b->disc->nparams;
  PetscCall(W2OptimizerCreateByName(type, ng, &b->gopt));
  if (solver != W2_GN_AUTO) b->gopt->solver = solver;
  PetscCall(W2OptimizerCreateByName("adam", nd, &b->dopt));
  b->loss.type = W2_GAN_NONSATURATING;
  b->loss.div  = NULL;
  W2RngSeed(&b->rng, (uint64_t)seed);
  PetscCall(PetscMalloc6(b->batch, &b->xr, b->latent * b->batch, &b->zd, b->latent * b->batch, &b->zg, 2 * b->batch, &b->xall, 2 * b->batch, &b->vall, 2 * b->batch, &b->dall));
  PetscCall(PetscMalloc6(b->batch, &b->vf, b->batch, &b->dvf, b->batch, &b->dx, nd, &b->gd, ng, &b->gg, b->gopt->needs_jacobian && !b->proto ? b->batch * ng : 1, &b->J));
  if (b->proto) PetscCall(PetscMalloc1(ng, &b->d));
  PetscCall(PetscArrayzero(b->phase, P_COUNT));
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchDestroy(Bench *b)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree6(b->xr, b->zd, b->zg, b->xall, b->vall, b->dall));
  PetscCall(PetscFree6(b->vf, b->dvf, b->dx, b->gd, b->gg, b->J));
  if (b->proto) PetscCall(PetscFree(b->d));
  PetscCall(W2OptimizerDestroy(&b->gopt));
  PetscCall(W2OptimizerDestroy(&b->dopt));
  PetscCall(W2MLPDestroy(&b->gen));
  PetscCall(W2MLPDestroy(&b->disc));
  PetscFunctionReturn(0);
}

static PetscErrorCode Sample(Bench *b)
{
  PetscFunctionBeginUser;
  W2RngNormals(&b->rng, b->batch, b->xr); /* the normals of W2RngNormal, batched */
  for (PetscInt k = 0; k < b->batch; k++) b->xr[k] = b->mu + b->sd * b->xr[k];
  W2RngNormals(&b->rng, b->latent * b->batch, b->zd);
  W2RngNormals(&b->rng, b->latent * b->batch, b->zg);
  PetscFunctionReturn(0);
}

/* One discriminator step and one generator step on the drawn samples (the loop of gan/cmd_gan.c). */
static PetscErrorCode TrainStep(Bench *b)
{
  const PetscInt B = b->batch;
  PetscLogDouble t0, t1, t2, t3, t4;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscArraycpy(b->xall, b->xr, B));
  PetscCall(W2MLPForward(b->gen, B, b->zd, b->xall + B));
  PetscCall(W2MLPForward(b->disc, 2 * B, b->xall, b->vall));
  PetscCall(W2GanLossEval(&b->loss, B, b->vall, B, b->vall + B, NULL, NULL, b->dall, b->dall + B, NULL));
  PetscCall(PetscArrayzero(b->gd, b->disc->nparams));
  PetscCall(W2MLPBackward(b->disc, b->dall, b->gd, NULL));
  PetscCall(W2OptimizerStep(b->dopt, b->disc->params, b->gd, 0, 0, NULL));
  PetscCall(PetscTime(&t1));
  /* the non-saturating generator loss reads only D on generated samples: vr (stale, unused) fills the data slot */
  PetscCall(W2MLPForward(b->gen, B, b->zg, b->xall + B));
  PetscCall(W2MLPForward(b->disc, B, b->xall + B, b->vf));
  PetscCall(W2GanLossEval(&b->loss, B, b->vall, B, b->vf, NULL, NULL, NULL, NULL, b->dvf));
  PetscCall(W2MLPBackward(b->disc, b->dvf, NULL, b->dx));
  PetscCall(PetscArrayzero(b->gg, b->gen->nparams));
  PetscCall(W2MLPBackward(b->gen, b->dx, b->gg, NULL));
  PetscCall(PetscTime(&t2));
  if (b->gopt->needs_jacobian && !b->proto) PetscCall(W2MLPJacobian(b->gen, B, b->zg, b->J));
  PetscCall(PetscTime(&t3));
  if (b->proto) { /* x -= lr d, d the Woodbury direction without J (natgrad's step with momentum 0) */
    PetscCall(W2MLPGaussNewtonWoodbury(b->gen, B, b->zg, b->gopt->damping, b->gg, b->d));
    for (PetscInt i = 0; i < b->gen->nparams; i++) b->gen->params[i] -= b->gopt->lr * b->d[i];
  } else PetscCall(W2OptimizerStep(b->gopt, b->gen->params, b->gg, B, B, b->gopt->needs_jacobian ? b->J : NULL));
  PetscCall(PetscTime(&t4));
  b->phase[P_DISC] += t1 - t0;
  b->phase[P_GRAD] += t2 - t1;
  b->phase[P_JAC] += t3 - t2;
  b->phase[P_UPDATE] += t4 - t3;
  PetscFunctionReturn(0);
}

static PetscErrorCode Steps(Bench *b, PetscInt n)
{
  PetscLogDouble t0, t1;

  PetscFunctionBeginUser;
  for (PetscInt s = 0; s < n; s++) {
    PetscCall(PetscTime(&t0));
    PetscCall(Sample(b));
    PetscCall(PetscTime(&t1));
    b->phase[P_SAMPLE] += t1 - t0;
    PetscCall(TrainStep(b));
  }
  PetscFunctionReturn(0);
}

/* sum p_i and sum |p_i| of both networks: equal in two runs of the same build and options */
static void Checksum(const Bench *b, double c[4])
{
  c[0] = c[1] = c[2] = c[3] = 0;
  for (PetscInt i = 0; i < b->gen->nparams; i++) {
    c[0] += b->gen->params[i];
    c[1] += PetscAbsReal(b->gen->params[i]);
  }
  for (PetscInt i = 0; i < b->disc->nparams; i++) {
    c[2] += b->disc->params[i];
    c[3] += PetscAbsReal(b->disc->params[i]);
  }
}

/* processor seconds of this process: less disturbed than wall time by other programs on a shared machine */
static double CPUSeconds(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void WriteVector(FILE *f, const char name[], PetscInt n, const PetscReal v[])
{
  fprintf(f, "vector %s %d\n", name, (int)n);
  for (PetscInt i = 0; i < n; i++) fprintf(f, "%.17g%c", (double)v[i], i + 1 == n ? '\n' : ' ');
}

/* Configuration, initial weights, the samples of each step and the weights after `steps` steps. */
static PetscErrorCode Export(Bench *b, const char name[], PetscInt steps, FILE *f)
{
  const W2Optimizer *g = b->gopt, *d = b->dopt;
  char               tag[64];

  PetscFunctionBeginUser;
  fprintf(f, "optim %s type %s solver %s steps %d batch %d latent %d mu %.17g sd %.17g\n", name, g->type, W2GNSolvers[g->solver], (int)steps, (int)b->batch, (int)b->latent, (double)b->mu, (double)b->sd);
  for (int k = 0; k < 2; k++) {
    const W2MLP       *m = k ? b->disc : b->gen;
    const W2Optimizer *o = k ? d : g;
    fprintf(f, "%s depth %d width %d activation %s leak %.17g lr %.17g beta1 %.17g beta2 %.17g eps %.17g momentum %.17g damping %.17g\n", k ? "disc" : "gen", (int)(m->nlayers - 1), (int)(m->nlayers > 1 ? m->widths[1] : 0), W2Activations[m->act], (double)m->leak, (double)o->lr, (double)o->beta1, (double)o->beta2, (double)o->eps,
            (double)o->momentum, (double)o->damping);
  }
  WriteVector(f, "gen_init", b->gen->nparams, b->gen->params);
  WriteVector(f, "disc_init", b->disc->nparams, b->disc->params);
  for (PetscInt s = 0; s < steps; s++) {
    PetscCall(Sample(b));
    PetscCall(PetscSNPrintf(tag, sizeof(tag), "xr_%d", (int)s));
    WriteVector(f, tag, b->batch, b->xr);
    PetscCall(PetscSNPrintf(tag, sizeof(tag), "zd_%d", (int)s));
    WriteVector(f, tag, b->latent * b->batch, b->zd);
    PetscCall(PetscSNPrintf(tag, sizeof(tag), "zg_%d", (int)s));
    WriteVector(f, tag, b->latent * b->batch, b->zg);
    PetscCall(TrainStep(b));
  }
  WriteVector(f, "gen_final", b->gen->nparams, b->gen->params);
  WriteVector(f, "disc_final", b->disc->nparams, b->disc->params);
  fprintf(f, "end\n");
  PetscFunctionReturn(0);
}

/* ---- -bench_kernels: the parts of one natural-gradient step, and prototypes of changes proposed for gan/ ---- */

/* s'(z) from the pre-activation z and the value a = s(z), as gan/mlp.c */
static inline PetscReal DActivation(const W2MLP *m, PetscReal z, PetscReal a)
{
  switch (m->act) {
  case W2_ACT_TANH: return 1 - a * a;
  case W2_ACT_LEAKY_RELU: return z > 0 ? 1 : m->leak;
  default: return z > 0 ? 1 : 0;
  }
}

/* Prototype: after W2MLPForward(m, n, x, .) of a one-output network, delta[l] (widths[l+1] x n) = dy/dz_l of every
   sample, by one batched backward sweep instead of W2MLPJacobian's n single-sample passes. */
static PetscErrorCode BatchedDeltas(W2MLP *m, PetscReal *delta[])
{
  const PetscInt  n = m->batch, L = m->nlayers;
  const PetscReal one = 1, zero = 0;

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < n; k++) delta[L - 1][k] = 1;
  for (PetscInt l = L - 1; l > 0; l--) {
    const PetscInt in = m->widths[l], out = m->widths[l + 1];
    PetscBLASInt   bi, bo, bn;
    PetscCall(PetscBLASIntCast(in, &bi));
    PetscCall(PetscBLASIntCast(out, &bo));
    PetscCall(PetscBLASIntCast(n, &bn));
    PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &bi, &bn, &bo, &one, m->params + m->offsets[l], &bo, delta[l], &bo, &zero, delta[l - 1], &bi));
    for (PetscInt k = 0; k < in * n; k++) delta[l - 1][k] *= DActivation(m, m->z[l - 1][k], m->a[l][k]);
  }
  PetscFunctionReturn(0);
}

/* J (n x P, column-major, W2MLPJacobian's layout) from the deltas: sample k's row is delta_l a_l^T, then delta_l, per layer */
static void JacobianFromDeltas(const W2MLP *m, PetscReal *const delta[], PetscReal J[])
{
  const PetscInt n = m->batch;
  for (PetscInt l = 0; l < m->nlayers; l++) {
    const PetscInt   in = m->widths[l], out = m->widths[l + 1], off = m->offsets[l];
    const PetscReal *a = m->a[l], *d = delta[l];
    for (PetscInt i = 0; i < in; i++)
      for (PetscInt o = 0; o < out; o++) {
        PetscReal *col = J + n * (off + o + out * i);
        for (PetscInt k = 0; k < n; k++) col[k] = d[o + out * k] * a[i + in * k];
      }
    for (PetscInt o = 0; o < out; o++) {
      PetscReal *col = J + n * (off + out * in + o);
      for (PetscInt k = 0; k < n; k++) col[k] = d[o + out * k];
    }
  }
}

/* Prototype: K = J J^T without J. Sample k's row in layer l is (delta_k a_k^T, delta_k), so
   K_kj = sum_l (delta_k . delta_j)(a_k . a_j + 1): Hadamard products of n x n Gram matrices of widths out and in
   (n^2 (in + out) per layer instead of n^2 in out). Lower triangle; work: 2 n^2. */
static PetscErrorCode GramFromDeltas(const W2MLP *m, PetscReal *const delta[], PetscReal K[], PetscReal work[])
{
  const PetscInt  n = m->batch;
  const PetscReal one = 1, zero = 0;
  PetscReal      *D = work, *A = work + n * n;
  PetscBLASInt    bn;

  PetscFunctionBeginUser;
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCall(PetscArrayzero(K, n * n));
  for (PetscInt l = 0; l < m->nlayers; l++) {
    PetscBLASInt bi, bo;
    PetscCall(PetscBLASIntCast(m->widths[l], &bi));
    PetscCall(PetscBLASIntCast(m->widths[l + 1], &bo));
    PetscCallBLAS("BLASsyrk", BLASsyrk_("L", "T", &bn, &bo, &one, delta[l], &bo, &zero, D, &bn));
    PetscCallBLAS("BLASsyrk", BLASsyrk_("L", "T", &bn, &bi, &one, m->a[l], &bi, &zero, A, &bn));
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt k = j; k < n; k++) K[k + n * j] += D[k + n * j] * (A[k + n * j] + 1);
  }
  PetscFunctionReturn(0);
}

/* Prototype: w = J g without J: w_k = sum_l delta_l[:,k] . (G_l a_l[:,k] + g_b,l), G_l the W part of g; work: out x n */
static PetscErrorCode JacobianTimesFromDeltas(const W2MLP *m, PetscReal *const delta[], const PetscReal g[], PetscReal w[], PetscReal work[])
{
  const PetscInt  n = m->batch;
  const PetscReal one = 1;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(w, n));
  for (PetscInt l = 0; l < m->nlayers; l++) {
    const PetscInt   in = m->widths[l], out = m->widths[l + 1];
    const PetscReal *G = g + m->offsets[l], *gb = G + out * in, *d = delta[l];
    PetscBLASInt     bi, bo, bn;
    PetscCall(PetscBLASIntCast(in, &bi));
    PetscCall(PetscBLASIntCast(out, &bo));
    PetscCall(PetscBLASIntCast(n, &bn));
    for (PetscInt k = 0; k < n; k++)
      for (PetscInt o = 0; o < out; o++) work[o + out * k] = gb[o];
    PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bo, &bn, &bi, &one, G, &bo, m->a[l], &bi, &one, work, &bo));
    for (PetscInt k = 0; k < n; k++)
      for (PetscInt o = 0; o < out; o++) w[k] += d[o + out * k] * work[o + out * k];
  }
  PetscFunctionReturn(0);
}

static PetscReal MaxAbsDiff(PetscInt n, const PetscReal a[], const PetscReal b[], PetscReal *scale)
{
  PetscReal e = 0, s = 0;
  for (PetscInt i = 0; i < n; i++) {
    e = PetscMax(e, PetscAbsReal(a[i] - b[i]));
    s = PetscMax(s, PetscAbsReal(b[i]));
  }
  *scale = s;
  return e;
}

#define TIME_MEDIAN(result, reps, stmt) \
  do { \
    double t_[MAX_REPEATS]; \
    for (PetscInt r_ = 0; r_ < (reps); r_++) { \
      const double a_ = CPUSeconds(); \
      stmt; \
      t_[r_] = 1e6 * (CPUSeconds() - a_); \
    } \
    result = W2BenchMedian(t_, reps); \
  } while (0)

/* After `warmup` natgrad training steps: the parts of the generator's natural-gradient step on its last batch (median
   processor microseconds over `reps`: other programs on the machine disturb it less than wall time), BLAS gemm against syrk for the two Gram matrices, and the prototypes against the library. */
static PetscErrorCode Kernels(PetscInt batch, PetscInt latent, PetscInt hidden, PetscInt depth, PetscInt seed, PetscInt warmup, PetscInt reps)
{
  Bench           b = {.batch = batch, .latent = latent, .mu = 2.0, .sd = 0.5};
  PetscInt        P, n = batch, wmax = 0;
  PetscReal      *J2, *G, *G0, *d1, *d2, *work, *delta[16], lambda, e, sc;
  PetscBLASInt    bn, bp, info;
  const PetscReal one = 1, zero = 0;
  double          t;

  PetscFunctionBeginUser;
  PetscCall(BenchSetUp(&b, "natgrad_woodbury", hidden, depth, seed));
  PetscCheck(b.gen->nlayers <= 16 && b.gen->widths[b.gen->nlayers] == 1, PETSC_COMM_SELF, PETSC_ERR_SUP, "-bench_kernels supports one output and up to 15 hidden layers");
  PetscCall(Steps(&b, PetscMax(warmup, 1)));
  P      = b.gen->nparams;
  lambda = b.gopt->damping;
  for (PetscInt l = 0; l <= b.gen->nlayers; l++) wmax = PetscMax(wmax, b.gen->widths[l]);
  PetscCall(PetscMalloc6(n * P, &J2, PetscMax(n, P) * PetscMax(n, P), &G, PetscMax(n, P) * PetscMax(n, P), &G0, P, &d1, P, &d2, n * n + n + PetscMax(2 * n * n, wmax * n), &work));
  for (PetscInt l = 0; l < b.gen->nlayers; l++) PetscCall(PetscMalloc1(b.gen->widths[l + 1] * n, &delta[l]));
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCall(PetscBLASIntCast(P, &bp));
  printf("# kernels of the generator's natural-gradient step: batch n = %d, P = %d parameters, damping %g; median processor microseconds of %d repeats\n", (int)n, (int)P, (double)lambda, (int)reps);
  /* the library's step: W2MLPJacobian (b.J) and the two direct solves */
  TIME_MEDIAN(t, reps, PetscCall(W2MLPJacobian(b.gen, n, b.zg, b.J)));
  printf("kernel %-36s %12.1f\n", "W2MLPJacobian", t);
  TIME_MEDIAN(t, reps, PetscCall(W2GaussNewtonDirection(n, P, n, b.J, lambda, W2_GN_CHOLESKY, 0, 0, b.gg, d1, NULL)));
  printf("kernel %-36s %12.1f\n", "W2GaussNewtonDirection_cholesky", t);
  TIME_MEDIAN(t, reps, PetscCall(W2GaussNewtonDirection(n, P, n, b.J, lambda, W2_GN_WOODBURY, 0, 0, b.gg, d1, NULL)));
  printf("kernel %-36s %12.1f\n", "W2GaussNewtonDirection_woodbury", t);
  /* where the solves spend it: the Gram matrices (gemm as in gan/optim.c, or syrk: half the products) and Cholesky */
  TIME_MEDIAN(t, reps, PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &bp, &bp, &bn, &one, b.J, &bn, b.J, &bn, &zero, G, &bp)));
  printf("kernel %-36s %12.1f\n", "gemm J^T J (P x P)", t);
  TIME_MEDIAN(t, reps, PetscCallBLAS("BLASsyrk", BLASsyrk_("L", "T", &bp, &bn, &one, b.J, &bn, &zero, G, &bp)));
  printf("kernel %-36s %12.1f\n", "syrk J^T J (P x P)", t);
  for (PetscInt i = 0; i < P; i++) G[i + P * i] += lambda; /* the metric of the Cholesky solve, times n */
  PetscCall(PetscArraycpy(G0, G, P * P));
  TIME_MEDIAN(t, reps, PetscCall(PetscArraycpy(G, G0, P * P)); PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("L", &bp, G, &bp, &info)));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "potrf of the metric failed at column %d", (int)info);
  printf("kernel %-36s %12.1f   (with a copy of the matrix)\n", "potrf P x P", t);
  TIME_MEDIAN(t, reps, PetscCallBLAS("BLASgemm", BLASgemm_("N", "T", &bn, &bn, &bp, &one, b.J, &bn, b.J, &bn, &zero, G, &bn)));
  printf("kernel %-36s %12.1f\n", "gemm J J^T (n x n)", t);
  TIME_MEDIAN(t, reps, PetscCallBLAS("BLASsyrk", BLASsyrk_("L", "N", &bn, &bp, &one, b.J, &bn, &zero, G, &bn)));
  printf("kernel %-36s %12.1f\n", "syrk J J^T (n x n)", t);
  /* prototypes (this file): batched Jacobian, and the Woodbury direction without forming J */
  TIME_MEDIAN(t, reps, PetscCall(W2MLPForward(b.gen, n, b.zg, NULL)); PetscCall(BatchedDeltas(b.gen, delta)));
  printf("kernel %-36s %12.1f\n", "prototype forward + batched deltas", t);
  TIME_MEDIAN(t, reps, PetscCall(GramFromDeltas(b.gen, delta, G, work)));
  printf("kernel %-36s %12.1f\n", "prototype Gram J J^T from deltas", t);
  TIME_MEDIAN(t, reps, PetscCall(JacobianTimesFromDeltas(b.gen, delta, b.gg, d1, work)));
  printf("kernel %-36s %12.1f\n", "prototype J g from deltas", t);
  TIME_MEDIAN(t, reps, PetscCall(PetscArrayzero(d2, P)); PetscCall(W2MLPBackward(b.gen, d1, d2, NULL)));
  printf("kernel %-36s %12.1f\n", "J^T w by W2MLPBackward", t);
  for (PetscInt i = 0; i < n; i++) G[i + n * i] += n * lambda;
  PetscCall(PetscArraycpy(G0, G, n * n));
  TIME_MEDIAN(t, reps, PetscCall(PetscArraycpy(G, G0, n * n)); PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("L", &bn, G, &bn, &info)));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "potrf of the Woodbury matrix failed at column %d", (int)info);
  printf("kernel %-36s %12.1f   (with a copy of the matrix)\n", "potrf n x n", t);
  TIME_MEDIAN(t, reps, PetscCall(W2MLPForward(b.gen, n, b.zg, NULL)); PetscCall(BatchedDeltas(b.gen, delta)); JacobianFromDeltas(b.gen, delta, J2));
  e = MaxAbsDiff(n * P, J2, b.J, &sc);
  printf("kernel %-36s %12.1f   max|J - W2MLPJacobian| = %.1e of max|J| = %.2e\n", "prototype batched Jacobian", t, (double)e, (double)sc);
  PetscCall(W2GaussNewtonDirection(n, P, n, b.J, lambda, W2_GN_WOODBURY, 0, 0, b.gg, d1, NULL));
  TIME_MEDIAN(t, reps, PetscCall(W2MLPGaussNewtonWoodbury(b.gen, n, b.zg, lambda, b.gg, d2)));
  e = MaxAbsDiff(P, d2, d1, &sc);
  printf("kernel %-36s %12.1f   max|d - woodbury d on J| = %.1e of max|d| = %.2e\n", "W2MLPGaussNewtonWoodbury (no J)", t, (double)e, (double)sc);
  for (PetscInt l = 0; l < b.gen->nlayers; l++) PetscCall(PetscFree(delta[l]));
  PetscCall(PetscFree6(J2, G, G0, d1, d2, work));
  PetscCall(BenchDestroy(&b));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt  nopt = MAX_OPTIMS, batch = 256, latent = 16, hidden = 32, depth = 1, seed = 0, warmup = 20, repeats = 7, fixed_steps = 0, export_steps = 3;
  PetscReal budget = 0.5;
  char     *optims[MAX_OPTIMS], export_file[PETSC_MAX_PATH_LEN] = "";
  PetscBool set_optims, exporting, kernels = PETSC_FALSE;
  FILE     *f = NULL;
  const char *defaults[] = {"sgd", "adam", "natgrad_cholesky", "natgrad_woodbury", "natgrad", "natgrad_momentum", "proto_woodbury"};

  PetscCall(PetscInitialize(&argc, &argv, NULL, "bench_gan: GAN training steps per second of each optimiser (issue #5, docs/benchmarks.md)"));
  PetscOptionsBegin(PETSC_COMM_WORLD, "bench_", "bench_gan", NULL);
  PetscCall(PetscOptionsStringArray("-optims", "Generator optimisers: sgd, adam, natgrad, natgrad_cholesky, natgrad_woodbury, natgrad_momentum; proto_woodbury (prototype)", NULL, optims, &nopt, &set_optims));
  PetscCall(PetscOptionsInt("-batch", "Samples per step (data and generated)", NULL, batch, &batch, NULL));
  PetscCall(PetscOptionsInt("-latent", "Latent dimension", NULL, latent, &latent, NULL));
  PetscCall(PetscOptionsInt("-hidden", "Width of the hidden layers of both networks", NULL, hidden, &hidden, NULL));
  PetscCall(PetscOptionsInt("-depth", "Hidden layers of both networks", NULL, depth, &depth, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the data and latent samples", NULL, seed, &seed, NULL));
  PetscCall(PetscOptionsInt("-warmup", "Untimed steps before the checksum and the repeats", NULL, warmup, &warmup, NULL));
  PetscCall(PetscOptionsInt("-repeats", "Timed repeats (the median is reported)", NULL, repeats, &repeats, NULL));
  PetscCall(PetscOptionsReal("-budget", "Seconds per repeat (sets the steps per repeat)", NULL, budget, &budget, NULL));
  PetscCall(PetscOptionsInt("-steps", "Steps per repeat (0: from -bench_budget)", NULL, fixed_steps, &fixed_steps, NULL));
  PetscCall(PetscOptionsString("-export", "Write weights and samples for the PyTorch cross-check to this file (no timing)", NULL, export_file, export_file, sizeof(export_file), &exporting));
  PetscCall(PetscOptionsInt("-export_steps", "Training steps in the export", NULL, export_steps, &export_steps, NULL));
  PetscCall(PetscOptionsBool("-kernels", "Time the parts of the natural-gradient step and the prototypes instead (docs/benchmarks.md)", NULL, kernels, &kernels, NULL));
  PetscOptionsEnd();
  PetscCheck(batch >= 1 && latent >= 1 && hidden >= 1 && depth >= 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-bench_batch, -bench_latent, -bench_hidden must be >= 1 and -bench_depth >= 0, got %d, %d, %d, %d", (int)batch, (int)latent, (int)hidden, (int)depth);
  PetscCheck(warmup >= 0 && repeats >= 1 && repeats <= MAX_REPEATS && fixed_steps >= 0 && budget > 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-bench_warmup >= 0, -bench_repeats in [1, %d], -bench_steps >= 0, -bench_budget > 0 required, got %d, %d, %d, %g", MAX_REPEATS, (int)warmup, (int)repeats, (int)fixed_steps, (double)budget);
  PetscCheck(export_steps >= 1, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-bench_export_steps must be >= 1, got %d", (int)export_steps);
  if (!set_optims) {
    nopt = (PetscInt)(sizeof(defaults) / sizeof(defaults[0]));
    for (PetscInt k = 0; k < nopt; k++) PetscCall(PetscStrallocpy(defaults[k], &optims[k]));
  }
  for (PetscInt k = 0; k < nopt; k++) { /* every name and network option is checked before anything runs */
    Bench b = {.batch = batch, .latent = latent, .mu = 2.0, .sd = 0.5};
    PetscCall(BenchSetUp(&b, optims[k], hidden, depth, seed));
    PetscCall(BenchDestroy(&b));
  }
  PetscCall(W2OptionsCheckUnused(PETSC_COMM_WORLD, PETSC_TRUE));
  if (kernels) {
    PetscCall(Kernels(batch, latent, hidden, depth, seed, warmup, repeats));
    for (PetscInt k = 0; k < nopt; k++) PetscCall(PetscFree(optims[k]));
    PetscCall(PetscFinalize());
    return 0;
  }
  if (exporting) {
    f = fopen(export_file, "w");
    PetscCheck(f, PETSC_COMM_WORLD, PETSC_ERR_FILE_OPEN, "-bench_export: cannot write %s", export_file);
    fprintf(f, "# bench_gan export: weights in W2MLP order (per layer W out x in column-major, then b); samples column-major (units x batch)\n");
  } else {
    printf("# bench_gan: 1-D GAN experiment, generator %d -> %d x %d -> 1, discriminator 1 -> %d x %d -> 1, non-saturating loss, batch %d; one step = discriminator adam step + generator step\n", (int)latent, (int)depth, (int)hidden, (int)depth, (int)hidden, (int)batch);
    printf("# steps/s: median over %d repeats (after %d untimed steps); cpu_steps_s: steps per processor second (median); phases: mean wall microseconds per step (median over repeats); checksum after the warm-up: sum and sum|.| of generator, discriminator parameters\n", (int)repeats, (int)warmup);
    printf("%-18s %12s %12s %12s %12s %6s %5s", "optim", "steps_per_s", "min", "max", "cpu_steps_s", "steps", "reps");
    for (int p = 0; p < P_COUNT; p++) printf(" %11s", PhaseNames[p]);
    printf("  checksum\n");
  }
  for (PetscInt k = 0; k < nopt; k++) {
    Bench          b = {.batch = batch, .latent = latent, .mu = 2.0, .sd = 0.5};
    double         rate[MAX_REPEATS], cpu[MAX_REPEATS], ph[P_COUNT][MAX_REPEATS], c[4], med;
    PetscInt       S = fixed_steps;
    PetscLogDouble t0, t1;
    double         c0;

    PetscCall(BenchSetUp(&b, optims[k], hidden, depth, seed));
    if (exporting) {
      PetscCall(Export(&b, optims[k], export_steps, f));
      PetscCall(BenchDestroy(&b));
      continue;
    }
    PetscCall(Steps(&b, warmup));
    Checksum(&b, c);
    if (!S) { /* calibrate: time a few steps, then size a repeat to the budget */
      PetscInt n = 0;
      PetscCall(PetscTime(&t0));
      do {
        PetscCall(Steps(&b, 1));
        n++;
        PetscCall(PetscTime(&t1));
      } while (t1 - t0 < 0.1 * budget && n < 1000);
      S = PetscMax(1, (PetscInt)(budget / ((t1 - t0) / n)));
    }
    for (PetscInt r = 0; r < repeats; r++) {
      PetscCall(PetscArrayzero(b.phase, P_COUNT));
      c0 = CPUSeconds();
      PetscCall(PetscTime(&t0));
      PetscCall(Steps(&b, S));
      PetscCall(PetscTime(&t1));
      cpu[r]  = S / (CPUSeconds() - c0);
      rate[r] = S / (t1 - t0);
      for (int p = 0; p < P_COUNT; p++) ph[p][r] = 1e6 * b.phase[p] / S;
    }
    med = W2BenchMedian(rate, repeats); /* sorts rate: min and max are its ends */
    printf("%-18s %12.2f %12.2f %12.2f %12.2f %6d %5d", optims[k], med, rate[0], rate[repeats - 1], W2BenchMedian(cpu, repeats), (int)S, (int)repeats);
    for (int p = 0; p < P_COUNT; p++) printf(" %11.2f", W2BenchMedian(ph[p], repeats));
    printf("  %.15e %.15e %.15e %.15e\n", c[0], c[1], c[2], c[3]);
    fflush(stdout);
    PetscCall(BenchDestroy(&b));
  }
  if (f) PetscCheck(fclose(f) == 0, PETSC_COMM_WORLD, PETSC_ERR_FILE_WRITE, "-bench_export: error writing %s", export_file);
  for (PetscInt k = 0; k < nopt; k++) PetscCall(PetscFree(optims[k]));
  PetscCall(PetscFinalize());
  return 0;
}
