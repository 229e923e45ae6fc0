/// @file Cost of the back-and-forth method's building blocks, of one JKO step and of one W2 distance, in units of one FFT pair on the same grid (docs/benchmarks.md).
/*
  For each N (N x N periodic grid on the unit torus), within one serial run:
    fft_pair      one fftw_execute of an r2c and of a c2r 2-D plan (FFTW_MEASURE, planned once): the unit
    sd_evaluate   one semi-discrete evaluation (jko/ctransform.c): the node c-transforms, the Laguerre cells
                  clipped to every cell, the dual value and the push-forward T#mu: the forward half of an iteration
    precond       one H^1 preconditioner solve (jko/poisson.c, FFTW_ESTIMATE plans): one FFT pair by design
    ct_back       the backward half (-jko_bfm_back; by default W2 distances make backward steps, JKO steps
                  do not): the interpolated c-bar transform of psi and the push of rho_phi along it
    ct_forward    the forward half of -jko_bfm_ctransform grid: the interpolated c-transform of phi, the
                  push of mu along it with the barycentric map
    bfm_iteration sd_evaluate + precond: one forward step of the default method (no step halvings)
    grid_iteration ct_forward + precond: the same with -jko_bfm_ctransform grid
    jko_step      one W2JKOStep (jsd toward a three-Gaussian mixture from a Gaussian, -jko_tau 1e-2,
                  -jko_rtol 1e-6) by the -jko_type given (bfm by default, newton: jko/newton.c): the whole
                  solve, with its iterations; per_iteration = jko_step / iterations (halvings, backward
                  trials and, for newton, the coarse levels included; newton counts the finest level's)
  prints one line per measurement: N what seconds ratio reps extra; seconds is the median over repeats
  (min_s, the fastest, is printed too: less sensitive to other load on the machine); ratio = seconds / fft_pair.
  Options: -bench_sizes 128,256,512  -bench_what blocks,step  -bench_budget 1.0 (seconds of repeats per block)
           -bench_exact false (blocks without the exact evaluation)
           -bench_tau 1e-2 -bench_rtol 1e-6 -bench_div jsd.
  W2 against POT (benchmarks/bench_jko_pot.py): -bench_w2 A.h5,B.h5 times W2DistanceFiles on two stored
  densities (-bench_w2_repeats 5) by the -jko_type given and prints W2^2, iterations and seconds.
*/
#include <fftw3.h>
#include "bench_common.h"
#include "jko/jkoimpl.h"
#include "io/options.h"

#define MAX_SIZES 16
#define MAX_REPEATS 1001

/* what one measurement does, repeated within the time budget */
typedef PetscErrorCode (*Block)(void *);
static PetscErrorCode Time(Block f, void *ctx, PetscReal budget, PetscInt min_reps, double *median, double *fastest, PetscInt *reps)
{
  double t[MAX_REPEATS], start = MPI_Wtime();
  PetscInt n = 0;

  PetscFunctionBeginUser;
  PetscCall((*f)(ctx)); /* warm-up: caches and first-touch */
  while (n < MAX_REPEATS && (n < min_reps || MPI_Wtime() - start < budget)) {
    const double t0 = MPI_Wtime();
    PetscCall((*f)(ctx));
    t[n++] = MPI_Wtime() - t0;
  }
  *reps    = n;
  *median  = W2BenchMedian(t, n);
  *fastest = t[0];
  PetscFunctionReturn(0);
}

typedef struct {
  W2Torus         t;
  fftw_plan       r2c, c2r;
  W2SemiDiscrete *sd;
  W2Poisson      *pc;
  W2CTransform   *ct;
  W2CTResult      back, fwd;
  PetscReal      *phi, *mu, *push, *psi, *out, *rho, *disp;
  PetscReal       tau, dual, cost;
} Blocks;

static PetscErrorCode FFTPair(void *c)
{
  Blocks *b = (Blocks *)c;
  PetscFunctionBeginUser;
  fftw_execute(b->r2c);
  fftw_execute(b->c2r);
  PetscFunctionReturn(0);
}

static PetscErrorCode Evaluate(void *c)
{
  Blocks *b = (Blocks *)c;
  PetscFunctionBeginUser;
  PetscCall(W2SemiDiscreteEvaluate(b->sd, b->tau, b->phi, b->mu, &b->dual, b->push, &b->cost, b->psi));
  PetscFunctionReturn(0);
}

static PetscErrorCode Precond(void *c)
{
  Blocks *b = (Blocks *)c;
  PetscFunctionBeginUser;
  PetscCall(W2PoissonSolve(b->pc, 1.0, b->tau, b->push, b->out));
  PetscFunctionReturn(0);
}

/* an interpolated c-transform (c-bar when negate) of f and the push of the density m along it */
static PetscErrorCode TransformPush(Blocks *b, PetscBool negate, const PetscReal f[], W2CTResult *r, const PetscReal m[], PetscReal out[], PetscReal disp[])
{
  PetscReal cost;
  PetscFunctionBeginUser;
  PetscCall(W2CTransformApply(b->ct, b->tau, negate, f, r));
  PetscCall(W2CTransformPush(b->ct, r, m, out, &cost, disp));
  PetscFunctionReturn(0);
}

static PetscErrorCode Backward(void *c)
{
  Blocks *b = (Blocks *)c;
  return TransformPush(b, PETSC_TRUE, b->psi, &b->back, b->rho, b->out, NULL);
}

static PetscErrorCode ForwardGrid(void *c)
{
  Blocks *b = (Blocks *)c;
  return TransformPush(b, PETSC_FALSE, b->phi, &b->fwd, b->mu, b->push, b->disp);
}

/* the densities of examples/jsd2d_jko.yaml: a Gaussian toward a mixture of three wrapped Gaussians */
static PetscReal Wrapped(PetscReal x, PetscReal y, PetscReal cx, PetscReal cy, PetscReal s)
{
  const PetscReal dx = W2PeriodicDelta(x, cx, 1.0), dy = W2PeriodicDelta(y, cy, 1.0);
  return PetscExpReal(-(dx * dx + dy * dy) / (2 * s * s));
}

static PetscErrorCode Fill(const W2Grid *g, Vec rho, Vec q)
{
  W2Box        bx;
  PetscScalar *r, *t;
  PetscReal    mass;

  PetscFunctionBeginUser;
  PetscCall(W2GridOwnedBox(g, &bx));
  PetscCall(VecGetArray(rho, &r));
  PetscCall(VecGetArray(q, &t));
  for (PetscInt j = bx.ys; j < bx.ys + bx.ym; j++)
    for (PetscInt i = bx.xs; i < bx.xs + bx.xm; i++) {
      const PetscReal x = W2GridX(g, i), y = W2GridY(g, j);
      const PetscInt  k = (j - bx.ys) * bx.xm + (i - bx.xs);
      r[k]              = Wrapped(x, y, 0.5, 0.5, 0.15);
      t[k]              = 0.4 / 0.0064 * Wrapped(x, y, 0.25, 0.3, 0.08) + 0.35 / 0.01 * Wrapped(x, y, 0.7, 0.35, 0.1) + 0.25 / 0.0049 * Wrapped(x, y, 0.5, 0.75, 0.07);
    }
  PetscCall(VecRestoreArray(rho, &r));
  PetscCall(VecRestoreArray(q, &t));
  PetscCall(W2GridNormalize(g, rho, &mass));
  PetscCall(W2GridNormalize(g, q, &mass));
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchSize(PetscInt N, PetscBool blocks, PetscBool exact, PetscBool step, PetscReal budget, PetscReal tau, PetscReal rtol, const char div_type[])
{
  PetscInt      n[2] = {N, N}, reps;
  PetscReal     L[2] = {1, 1};
  W2Grid       *g;
  W2Divergence *div;
  Vec           rho, q, next;
  W2JKO         jko;
  Blocks        b;
  double        unit, fast, med, sum = 0, sumfast = 0, gsum = 0, gsumfast = 0;
  double       *real;
  fftw_complex *spec;

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_SELF, 2, n, L, 1, &g));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_SELF, div_type, 2.0, &div));
  PetscCall(DMCreateGlobalVector(g->da, &rho));
  PetscCall(VecDuplicate(rho, &q));
  PetscCall(VecDuplicate(rho, &next));
  PetscCall(Fill(g, rho, q));
  PetscCall(W2JKOCreate(g, div, q, &jko));
  PetscCall(W2JKOSetTau(jko, tau));
  PetscCall(W2JKOSetTolerances(jko, rtol, 0.0, 20000));
  PetscCall(W2JKOSetFromOptions(jko));
  PetscCall(PetscMemzero(&b, sizeof(b)));
  b.t   = jko->torus;
  b.tau = tau;
  real  = fftw_alloc_real((size_t)(N * N));
  spec  = fftw_alloc_complex((size_t)(N * (N / 2 + 1)));
  b.r2c = fftw_plan_dft_r2c_2d((int)N, (int)N, real, spec, FFTW_MEASURE);
  b.c2r = fftw_plan_dft_c2r_2d((int)N, (int)N, spec, real, FFTW_MEASURE);
  for (PetscInt k = 0; k < N * N; k++) real[k] = PetscSinReal(0.1 * k);
  PetscCall(Time(FFTPair, &b, budget, 5, &unit, &fast, &reps));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%5" PetscInt_FMT " %-14s %.4e %10.1f %5" PetscInt_FMT " min_s %.4e\n", N, "fft_pair", unit, 1.0, reps, fast));
  if (blocks) {
    const PetscInt nn = N * N;
    PetscCall(W2SemiDiscreteCreate(&b.t, &b.sd));
    PetscCall(W2PoissonCreate(&b.t, &b.pc));
    PetscCall(W2CTransformCreate(&b.t, &b.ct));
    PetscCall(W2CTResultCreate(&b.t, &b.back));
    PetscCall(W2CTResultCreate(&b.t, &b.fwd));
    PetscCall(PetscMalloc6(nn, &b.phi, nn, &b.mu, nn, &b.push, nn, &b.psi, nn, &b.out, nn, &b.rho));
    PetscCall(PetscMalloc1(2 * nn, &b.disp));
    PetscCall(W2JKOGather(jko, rho, b.mu));
    /* the potential a step starts from, phi = f'(mu/q), and the density it gives back */
    for (PetscInt p = 0; p < nn; p++) b.phi[p] = div->df(div, b.mu[p] / jko->q[p]);
    W2JKODensityOf(div, &b.t, jko->q, b.phi, b.rho, NULL);
    {
      /* -bench_exact false skips the exact evaluation (seconds per call from 512^2 up) */
      const char *name[4] = {"sd_evaluate", "precond", "ct_back", "ct_forward"};
      Block       f[4]    = {Evaluate, Precond, Backward, ForwardGrid};
      for (PetscInt k = exact ? 0 : 1; k < 4; k++) {
        PetscCall(Time(f[k], &b, budget, 3, &med, &fast, &reps));
        if (k < 2) {
          sum += med;
          sumfast += fast;
        }
        if (k == 1 || k == 3) {
          gsum += med;
          gsumfast += fast;
        }
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "%5" PetscInt_FMT " %-14s %.4e %10.1f %5" PetscInt_FMT " min_s %.4e\n", N, name[k], med, med / unit, reps, fast));
      }
    }
    if (exact) PetscCall(PetscPrintf(PETSC_COMM_SELF, "%5" PetscInt_FMT " %-14s %.4e %10.1f %5s min_s %.4e\n", N, "bfm_iteration", sum, sum / unit, "-", sumfast));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%5" PetscInt_FMT " %-14s %.4e %10.1f %5s min_s %.4e\n", N, "grid_iteration", gsum, gsum / unit, "-", gsumfast));
    PetscCall(PetscFree6(b.phi, b.mu, b.push, b.psi, b.out, b.rho));
    PetscCall(PetscFree(b.disp));
    PetscCall(W2CTResultDestroy(&b.fwd));
    PetscCall(W2CTResultDestroy(&b.back));
    PetscCall(W2CTransformDestroy(&b.ct));
    PetscCall(W2PoissonDestroy(&b.pc));
    PetscCall(W2SemiDiscreteDestroy(&b.sd));
  }
  if (step) {
    W2JKOInfo info;
    double    t0 = MPI_Wtime(), t1;
    PetscCall(W2JKOStep(jko, rho, next, &info));
    t1 = MPI_Wtime() - t0;
    const char *type;
    PetscCall(W2JKOGetType(jko, &type));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%5" PetscInt_FMT " %-14s %.4e %10.1f %5d iterations %" PetscInt_FMT " rel_gap %.2e per_iteration %.1f pairs (%s, %s, tau %g, rtol %g)\n", N, "jko_step", t1, t1 / unit, 1, info.iterations, (double)info.rel_gap,
                          info.iterations ? t1 / unit / info.iterations : 0.0, type, div_type, (double)tau, (double)rtol));
  }
  fftw_destroy_plan(b.r2c);
  fftw_destroy_plan(b.c2r);
  fftw_free(real);
  fftw_free(spec);
  PetscCall(W2JKODestroy(&jko));
  PetscCall(VecDestroy(&next));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&rho));
  PetscCall(W2DivergenceDestroy(&div));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt  sizes[MAX_SIZES] = {128, 256, 512}, nsizes = 3, nwhat = 2, w2reps = 5;
  char      what[2][32] = {"blocks", "step"}, div_type[32] = "jsd", w2files[2 * PETSC_MAX_PATH_LEN] = "";
  char     *whatp[2]    = {what[0], what[1]};
  PetscReal budget = 1.0, tau = 1e-2, rtol = 1e-6;
  PetscBool blocks = PETSC_FALSE, step = PETSC_FALSE, exact = PETSC_TRUE, hasw2, whatset;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "bench_jko: BFM blocks, JKO steps and W2 in FFT pairs"));
  PetscOptionsBegin(PETSC_COMM_WORLD, "bench_", "bench_jko options", NULL);
  PetscCall(PetscOptionsIntArray("-sizes", "Grid sizes N (N x N)", NULL, sizes, &nsizes, NULL));
  PetscCall(PetscOptionsStringArray("-what", "blocks, step", NULL, whatp, &nwhat, &whatset));
  PetscCall(PetscOptionsBool("-exact", "blocks: time the exact semi-discrete evaluation too", NULL, exact, &exact, NULL));
  PetscCall(PetscOptionsReal("-budget", "Seconds of repeats per block", NULL, budget, &budget, NULL));
  PetscCall(PetscOptionsReal("-tau", "JKO step", NULL, tau, &tau, NULL));
  PetscCall(PetscOptionsReal("-rtol", "Relative duality gap of the JKO step", NULL, rtol, &rtol, NULL));
  PetscCall(PetscOptionsString("-div", "Divergence of the JKO step", NULL, div_type, div_type, sizeof(div_type), NULL));
  PetscCall(PetscOptionsString("-w2", "A.h5,B.h5: time W2 between two stored densities instead", NULL, w2files, w2files, sizeof(w2files), &hasw2));
  PetscCall(PetscOptionsInt("-w2_repeats", "Repeats of the W2 distance", NULL, w2reps, &w2reps, NULL));
  PetscOptionsEnd();
  if (hasw2) {
    char     *comma = strchr(w2files, ','), method[32];
    double    t[MAX_REPEATS];
    PetscReal w2sq = 0;
    W2JKOInfo info;
    PetscCheck(comma, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-bench_w2 needs A.h5,B.h5, got %s", w2files);
    *comma = 0;
    w2reps = PetscMin(PetscMax(w2reps, 1), MAX_REPEATS);
    for (PetscInt r = 0; r < w2reps; r++) {
      double t0 = MPI_Wtime();
      PetscCall(PetscStrncpy(method, "bfm", sizeof(method)));
      PetscCall(W2DistanceFiles(PETSC_COMM_WORLD, w2files, comma + 1, method, sizeof(method), &w2sq, &info));
      t[r] = MPI_Wtime() - t0;
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "w2 %.15e iterations %" PetscInt_FMT " rel_gap %.2e marginal %.2e seconds %.4e\n", (double)w2sq, info.iterations, (double)info.rel_gap, (double)info.marginal, W2BenchMedian(t, w2reps)));
  } else {
    for (PetscInt k = 0; k < nwhat; k++) {
      blocks = (PetscBool)(blocks || !strcmp(whatp[k], "blocks"));
      step   = (PetscBool)(step || !strcmp(whatp[k], "step"));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "    N what           seconds      ratio  reps extra\n"));
    for (PetscInt s = 0; s < nsizes; s++) PetscCall(BenchSize(sizes[s], blocks, exact, step, budget, tau, rtol, div_type));
  }
  if (whatset) /* PetscOptionsStringArray allocated the strings */
    for (PetscInt k = 0; k < nwhat; k++) PetscCall(PetscFree(whatp[k]));
  PetscCall(W2OptionsCheckUnused(PETSC_COMM_WORLD, PETSC_FALSE)); /* a misspelt option is an error, as in w2flow */
  PetscCall(PetscFinalize());
  return 0;
}
