/// @file `w2flow gan`: train an MLP generator against an MLP discriminator toward a 1-D or 2-D target (THEORY.md 8); history of losses,
/// gradient norms and metrics in HDF5 and CSV, written as it grows, kept when a run diverges.
#include <math.h>
#include "gan/carry.h"
#include "gan/gan.h"
#include "gan/loss.h"
#include "gan/metrics.h"
#include "gan/mlp.h"
#include "gan/optim.h"
#include "gan/run.h"
#include "gan/target.h"
#include "io/options.h"
#include "io/output.h"

static PetscReal Norm2(PetscInt n, const PetscReal a[])
{
  PetscReal s = 0;
  for (PetscInt i = 0; i < n; i++) s += a[i] * a[i];
  return PetscSqrtReal(s);
}

static PetscBool AllFinite(PetscInt n, const PetscReal a[])
{
  for (PetscInt i = 0; i < n; i++)
    if (PetscIsInfOrNanReal(a[i])) return PETSC_FALSE;
  return PETSC_TRUE;
}

static PetscErrorCode DrawBatch(W2GanRun *g, PetscBool data)
{
  PetscFunctionBeginUser;
  if (data) W2GanTargetSample(g->target, &g->rng, g->s.batch, g->train.xr);
  for (PetscInt k = 0; k < g->s.latent * g->s.batch; k++) g->train.z[k] = W2RngNormal(&g->rng);
  PetscFunctionReturn(0);
}

/* One training iteration. *bad names the first non-finite quantity (then no step was taken with it), NULL if none. */
static PetscErrorCode Iterate(W2GanRun *g, PetscReal *ld, PetscReal *lg, PetscReal *gnd, PetscReal *gng, const char **bad)
{
  const PetscInt ng = g->ngen;

  PetscFunctionBeginUser;
  *bad = NULL;
  if (!g->dopt) {
    /* simultaneous joint step on x = (generator, discriminator) by a game-aware optimiser */
    PetscCall(DrawBatch(g, PETSC_TRUE));
    PetscCall(W2GanRunPack(g));
    PetscCall(W2GanBatchGradients(&g->train, g->x, g->gG, g->gD));
    *ld  = g->train.ld;
    *lg  = g->train.lg;
    *gnd = Norm2(g->ndisc, g->gD + ng);
    *gng = Norm2(ng, g->gG);
    for (PetscInt i = 0; i < g->n; i++) g->xi[i] = i < ng ? g->gG[i] : g->gD[i];
    if (PetscIsInfOrNanReal(*ld) || PetscIsInfOrNanReal(*lg) || !AllFinite(g->n, g->xi)) {
      *bad = "a loss or the joint gradient";
      PetscFunctionReturn(0);
    }
    PetscCall(W2OptimizerStep(g->gopt, g->x, g->xi, 0, 0, NULL));
    PetscCall(W2GanRunUnpack(g));
    if (!AllFinite(g->n, g->x)) *bad = "the joint parameters after the step";
    PetscFunctionReturn(0);
  }
  for (PetscInt s = 0; s < g->s.dsteps; s++) {
    PetscCall(DrawBatch(g, PETSC_TRUE));
    PetscCall(W2GanBatchGradients(&g->train, NULL, NULL, g->gD));
    *ld  = g->train.ld;
    *gnd = Norm2(g->ndisc, g->gD + ng);
    if (PetscIsInfOrNanReal(*ld) || PetscIsInfOrNanReal(*gnd)) {
      *bad = "the discriminator loss or gradient";
      PetscFunctionReturn(0);
    }
    PetscCall(W2OptimizerStep(g->dopt, g->disc->params, g->gD + ng, 0, 0, NULL));
    if (!AllFinite(g->ndisc, g->disc->params)) {
      *bad = "the discriminator parameters after its step";
      PetscFunctionReturn(0);
    }
  }
  /* generator: fresh latent draws against the last data batch (the f-GAN data term needs one) */
  PetscCall(DrawBatch(g, PETSC_FALSE));
  PetscCall(W2GanBatchGradients(&g->train, NULL, g->gG, NULL));
  *lg  = g->train.lg;
  *gng = Norm2(ng, g->gG);
  if (PetscIsInfOrNanReal(*lg) || PetscIsInfOrNanReal(*gng)) {
    *bad = "the generator loss or gradient";
    PetscFunctionReturn(0);
  }
  if (g->gopt->needs_jacobian && W2OptimizerUsesWoodbury(g->gopt, g->s.batch * g->dim)) {
    /* the same Woodbury direction without forming J (per-layer Gram matrices; equal to round-off) */
    PetscCall(W2MLPGaussNewtonWoodbury(g->gen, g->s.batch, g->train.z, g->gopt->damping, g->gG, g->dir));
    PetscCall(W2OptimizerStepDirection(g->gopt, g->gen->params, g->dir));
  } else {
    if (g->J) PetscCall(W2MLPJacobian(g->gen, g->s.batch, g->train.z, g->J));
    PetscCall(W2OptimizerStep(g->gopt, g->gen->params, g->gG, g->s.batch * g->dim, g->s.batch, g->J));
  }
  if (!AllFinite(ng, g->gen->params)) *bad = "the generator parameters after its step";
  PetscFunctionReturn(0);
}

/* the carried-discriminator columns (gan/carry.h) on the KDE grid of this row; copies of the networks, and a stream of its own seeded by
   (-gan_curvature_seed, iteration), so the training and a restart see nothing of it */
static PetscErrorCode Carry(W2GanRun *g, PetscReal row[])
{
  const PetscInt npts = g->dim == 1 ? g->metrics->G : g->metrics->G * g->metrics->G;
  W2Rng          r;

  PetscFunctionBeginUser;
  W2RngSeed(&r, (((uint64_t)g->s.curv_seed << 32) | (uint64_t)row[C_IT]) ^ 0xca77ed0000000000ULL);
  PetscCall(W2GanCarryStart(g->carry, g->gen, g->disc, g->dopt, g->metrics));
  PetscCall(W2GanCarryCurvature(g->carry, g->metrics, &r, g->cw));
  PetscCall(W2GanMetricsGradientMax(g->metrics, g->cw, &row[C_CURV]));
  PetscCall(W2GanCarryHolonomy(g->carry, g->metrics, &r, g->cw, g->cw + npts));
  PetscCall(W2GanMetricsNorms(g->metrics, g->cw, &row[C_HOL_MAX], &row[C_HOL_L2]));
  PetscCall(W2GanMetricsNorms(g->metrics, g->cw + npts, &row[C_HOL_NET], NULL));
  row[C_AREA] = PetscSqr(g->s.curv_h);
  PetscFunctionReturn(0);
}

/* the metric columns of a history row, on the fixed evaluation latents */
static PetscErrorCode Evaluate(W2GanRun *g, PetscReal row[], const char **bad)
{
  PetscInt covered;

  PetscFunctionBeginUser;
  *bad = NULL;
  PetscCall(W2MLPForward(g->gen, g->s.neval, g->zeval, g->xeval));
  for (PetscInt k = 0; k < g->dim * g->s.neval; k++)
    if (!(PetscAbsReal(g->xeval[k]) <= 1e150)) { /* NaN, inf, or squares that overflow in the metrics */
      *bad = "the generated samples overflowed (|x| > 1e150 or NaN)";
      PetscFunctionReturn(0);
    }
  PetscCall(W2GanMetricsWasserstein(g->metrics, g->xeval, &row[C_W1], &row[C_W2]));
  PetscCall(W2GanMetricsKDE(g->metrics, g->xeval, &row[C_KL], &row[C_JSD]));
  row[C_MODES] = row[C_HQ] = NAN;
  if (g->target->modes) {
    PetscCall(W2GanMetricsModes(g->metrics, g->xeval, &covered, &row[C_HQ]));
    row[C_MODES] = covered;
  }
  PetscCall(W2GanMetricsPotential(g->metrics, g->disc, &g->loss, g->pdiv, &row[C_POT]));
  /* |K|_F on the fixed probe batch; the perturbed evaluations leave the networks at x, which is put back after */
  PetscCall(W2GanRunPack(g));
  PetscCall(W2GameAntisymmetricNorm(&g->probe_game, g->x, g->s.planes, &g->krng, &row[C_KFRO]));
  PetscCall(W2GanRunUnpack(g));
  if (g->carry && (PetscInt)row[C_IT] % g->s.curv_every == 0) PetscCall(Carry(g, row));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadSettings(MPI_Comm comm, W2GanSettings *s, char gen_type[], size_t len)
{
  char      list[256];
  PetscBool set, has, help, cseed = PETSC_FALSE, kset = PETSC_FALSE;
  PetscInt  every = -1;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(s->output, "w2gan_out", sizeof(s->output)));
  s->overwrite = PETSC_FALSE;
  s->latent = 16, s->hidden = 32, s->depth = 1, s->batch = 64, s->iters = 2000, s->dsteps = 1, s->seed = 0, s->log_every = 10, s->neval = 2000, s->nbins = 100;
  s->kde_points = 0, s->ndir = 16, s->planes = 8, s->kde_bw = 0, s->jac_h = 1e-5, s->checkpoint_every = 0, s->restart[0] = 0;
  s->curv_every = 0, s->curv_h = 0.1, s->curv_k = -1, s->curv_seed = -1, s->curv_ij[0] = s->curv_ij[1] = -1;
  PetscCall(W2OptimizerList(list, sizeof(list)));
  PetscOptionsBegin(comm, NULL, "w2flow gan: MLP generator vs MLP discriminator toward a 1-D or 2-D target", NULL);
  PetscCall(PetscOptionsString("-output", "Result base name: writes <output>.h5 and <output>.csv", NULL, s->output, s->output, sizeof(s->output), NULL));
  PetscCall(PetscOptionsBool("-overwrite", "Replace an existing result", NULL, s->overwrite, &s->overwrite, NULL));
  PetscCall(PetscOptionsInt("-gan_latent", "Latent dimension of the generator", NULL, s->latent, &s->latent, NULL));
  PetscCall(PetscOptionsInt("-gan_hidden", "Default width of both networks (-gen_width, -disc_width)", NULL, s->hidden, &s->hidden, NULL));
  PetscCall(PetscOptionsInt("-gan_depth", "Default hidden layers of both networks (-gen_depth, -disc_depth)", NULL, s->depth, &s->depth, NULL));
  PetscCall(PetscOptionsInt("-gan_batch", "Samples per step (data and generated)", NULL, s->batch, &s->batch, NULL));
  PetscCall(PetscOptionsInt("-gan_iterations", "Generator steps", NULL, s->iters, &s->iters, NULL));
  PetscCall(PetscOptionsInt("-gan_disc_steps", "Discriminator steps per generator step", NULL, s->dsteps, &s->dsteps, NULL));
  PetscCall(PetscOptionsInt("-gan_seed", "Seed of the data and latent samples", NULL, s->seed, &s->seed, NULL));
  PetscCall(PetscOptionsInt("-gan_log_every", "Iterations between history rows (metrics)", NULL, s->log_every, &s->log_every, NULL));
  PetscCall(PetscOptionsInt("-gan_eval_every", "Alias of -gan_log_every", NULL, every, &every, &set));
  PetscCall(PetscOptionsInt("-gan_eval_samples", "Generated samples per evaluation", NULL, s->neval, &s->neval, NULL));
  PetscCall(PetscOptionsInt("-gan_bins", "Bins of the final density histogram (1-D)", NULL, s->nbins, &s->nbins, NULL));
  PetscCall(PetscOptionsInt("-gan_kde_points", "KDE grid cells per axis (0: 256 in 1-D, 64 in 2-D)", NULL, s->kde_points, &s->kde_points, NULL));
  PetscCall(PetscOptionsReal("-gan_kde_bandwidth", "KDE bandwidth (0: Scott's rule, std n^(-1/(d+4)) per axis)", NULL, s->kde_bw, &s->kde_bw, NULL));
  PetscCall(PetscOptionsInt("-gan_sliced_directions", "2-D: projections of the sliced W1, W2", NULL, s->ndir, &s->ndir, NULL));
  PetscCall(PetscOptionsInt("-gan_jacobian_planes", "Random 2-D planes for |K|_F of the game Jacobian (0: the full Jacobian)", NULL, s->planes, &s->planes, NULL));
  PetscCall(PetscOptionsReal("-gan_jacobian_h", "Central-difference step of the game Jacobian-vector products (metric, sga, consensus)", NULL, s->jac_h, &s->jac_h, NULL));
  PetscCall(PetscOptionsString("-gan_optimizer", list, NULL, gen_type, gen_type, len, &has));
  PetscCall(PetscOptionsInt("-checkpoint_every", "Write the result with a restartable state every this many iterations (0: only at the end)", NULL, s->checkpoint_every, &s->checkpoint_every, NULL));
  PetscCall(PetscOptionsString("-restart", "Continue the run whose result file (with /checkpoint) this is, to -gan_iterations", NULL, s->restart, s->restart, sizeof(s->restart), NULL));
  PetscCall(PetscOptionsInt("-gan_curvature_every", "Curvature and holonomy of the carried discriminator every this many iterations, a multiple of -gan_log_every (0: off)", NULL, s->curv_every, &s->curv_every, NULL));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (s->curv_every > 0 || help) { /* otherwise left unread: given without -gan_curvature_every they are unused options, hence errors */
    PetscInt  n = 2;
    PetscBool coords;
    PetscCall(PetscOptionsReal("-gan_curvature_h", "Side D of the square in generator parameters (unit directions)", NULL, s->curv_h, &s->curv_h, NULL));
    PetscCall(PetscOptionsInt("-gan_curvature_disc_steps", "Steps of the copied discriminator after each move (default: -gan_disc_steps)", NULL, s->curv_k, &s->curv_k, &kset));
    PetscCall(PetscOptionsInt("-gan_curvature_seed", "Seed of the random plane and of the samples of the copies (default: -gan_seed)", NULL, s->curv_seed, &s->curv_seed, &cseed));
    PetscCall(PetscOptionsIntArray("-gan_curvature_coords", "Two generator parameters i,j spanning the plane instead of a random one", NULL, s->curv_ij, &n, &coords));
    PetscCheck(!coords || n == 2, comm, PETSC_ERR_USER_INPUT, "-gan_curvature_coords takes two parameter indices i,j, got %" PetscInt_FMT " values", n);
    if (!coords) s->curv_ij[0] = s->curv_ij[1] = -1;
  }
  PetscOptionsEnd();
  if (set) {
    PetscBool both;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-gan_log_every", &both));
    PetscCheck(!both || every == s->log_every, comm, PETSC_ERR_USER_INPUT, "-gan_eval_every %" PetscInt_FMT " and -gan_log_every %" PetscInt_FMT " disagree: give one", every, s->log_every);
    s->log_every = every;
  }
  if (has) {
    /* -gan_optimizer is the generator optimiser (-gen_optim_type) */
    char      other[32];
    PetscBool both, known = PETSC_FALSE;
    size_t    m = strlen(gen_type);
    for (const char *e = list; e && !known; e = strchr(e, ',') ? strchr(e, ',') + 2 : NULL) known = (PetscBool)(!strncmp(e, gen_type, m) && (e[m] == ',' || e[m] == 0) && m > 0);
    PetscCheck(known, comm, PETSC_ERR_USER_INPUT, "-gan_optimizer %s: unknown optimiser; choose one of: %s", gen_type, list);
    PetscCall(PetscOptionsGetString(NULL, "gen_", "-optim_type", other, sizeof(other), &both));
    PetscCheck(!both || !strcmp(other, gen_type), comm, PETSC_ERR_USER_INPUT, "-gan_optimizer %s and -gen_optim_type %s disagree: give one", gen_type, other);
  }
  PetscCheck(s->latent >= 1 && s->hidden >= 1 && s->depth >= 0, comm, PETSC_ERR_USER_INPUT, "-gan_latent and -gan_hidden must be >= 1 and -gan_depth >= 0, got %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT, s->latent, s->hidden, s->depth);
  PetscCheck(s->batch >= 1 && s->iters >= 1 && s->dsteps >= 1, comm, PETSC_ERR_USER_INPUT, "-gan_batch, -gan_iterations and -gan_disc_steps must be >= 1, got %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT, s->batch, s->iters, s->dsteps);
  PetscCheck(s->checkpoint_every >= 0, comm, PETSC_ERR_USER_INPUT, "-checkpoint_every must be >= 0 (0: only at the end), got %" PetscInt_FMT, s->checkpoint_every);
  PetscCheck(s->log_every >= 1, comm, PETSC_ERR_USER_INPUT, "-gan_log_every must be >= 1, got %" PetscInt_FMT, s->log_every);
  PetscCheck(s->neval >= 2 && s->nbins >= 1, comm, PETSC_ERR_USER_INPUT, "-gan_eval_samples >= 2 and -gan_bins >= 1 required, got %" PetscInt_FMT ", %" PetscInt_FMT, s->neval, s->nbins);
  PetscCheck(s->kde_points == 0 || s->kde_points >= 4, comm, PETSC_ERR_USER_INPUT, "-gan_kde_points must be 0 (automatic) or >= 4, got %" PetscInt_FMT, s->kde_points);
  PetscCheck(s->kde_bw >= 0 && !PetscIsInfOrNanReal(s->kde_bw), comm, PETSC_ERR_USER_INPUT, "-gan_kde_bandwidth must be >= 0 (0: Scott's rule), got %g", (double)s->kde_bw);
  PetscCheck(s->ndir >= 1, comm, PETSC_ERR_USER_INPUT, "-gan_sliced_directions must be >= 1, got %" PetscInt_FMT, s->ndir);
  PetscCheck(s->planes >= 0, comm, PETSC_ERR_USER_INPUT, "-gan_jacobian_planes must be >= 0 (0: the full Jacobian), got %" PetscInt_FMT, s->planes);
  PetscCheck(s->jac_h > 0 && PetscIsNormalReal(s->jac_h), comm, PETSC_ERR_USER_INPUT, "-gan_jacobian_h must be positive, got %g", (double)s->jac_h);
  PetscCheck(s->curv_every >= 0 && (s->curv_every == 0 || s->curv_every % s->log_every == 0), comm, PETSC_ERR_USER_INPUT, "-gan_curvature_every must be 0 (off) or a positive multiple of -gan_log_every %" PetscInt_FMT ", got %" PetscInt_FMT, s->log_every, s->curv_every);
  PetscCheck(s->curv_h > 0 && PetscIsNormalReal(s->curv_h), comm, PETSC_ERR_USER_INPUT, "-gan_curvature_h must be positive and finite, got %g", (double)s->curv_h);
  if (!kset) s->curv_k = s->dsteps;
  PetscCheck(s->curv_k >= 0, comm, PETSC_ERR_USER_INPUT, "-gan_curvature_disc_steps must be >= 0, got %" PetscInt_FMT, s->curv_k);
  if (!cseed) s->curv_seed = s->seed;
  PetscCheck(s->curv_seed >= 0, comm, PETSC_ERR_USER_INPUT, "-gan_curvature_seed must be >= 0, got %" PetscInt_FMT, s->curv_seed);
  PetscCheck(!(cseed && s->curv_ij[0] >= 0), comm, PETSC_ERR_USER_INPUT, "-gan_curvature_seed chooses a random plane, -gan_curvature_coords a coordinate plane: give one");
  PetscFunctionReturn(0);
}

static PetscErrorCode GanSetUp(MPI_Comm comm, W2GanRun *g, PetscBool *help)
{
  char gen_type[32] = "adam";

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsHasHelp(NULL, help));
  PetscCall(ReadSettings(comm, &g->s, gen_type, sizeof(gen_type)));
  PetscOptionsBegin(comm, NULL, "GAN loss", NULL);
  PetscCall(PetscOptionsEnum("-gan_loss", "GAN loss", NULL, W2GanLossTypes, (PetscEnum)g->loss.type, (PetscEnum *)&g->loss.type, NULL));
  PetscOptionsEnd();
  if (g->loss.type == W2_GAN_FGAN) {
    PetscCall(W2DivergenceCreate(comm, &g->div));
    g->loss.div = g->div;
    g->pdiv     = g->div;
  } else PetscCall(W2DivergenceCreateByName(comm, "jsd", 0, &g->pdiv)); /* D* = q/(q + rho) for minimax and non-saturating: report the JSD potential */
  PetscCall(W2GanTargetCreate(comm, &g->target));
  g->dim = g->target->dim;
  PetscCall(W2MLPCreate(comm, "gen_", g->s.latent, g->dim, g->s.depth, g->s.hidden, &g->gen));
  PetscCall(W2MLPCreate(comm, "disc_", g->dim, 1, g->s.depth, g->s.hidden, &g->disc));
  g->ngen  = g->gen->nparams;
  g->ndisc = g->disc->nparams;
  g->n     = g->ngen + g->ndisc;
  for (int a = 0; a < 2; a++)
    PetscCheck(g->s.curv_ij[0] < 0 || (g->s.curv_ij[a] >= 0 && g->s.curv_ij[a] < g->ngen && g->s.curv_ij[0] != g->s.curv_ij[1]), comm, PETSC_ERR_USER_INPUT, "-gan_curvature_coords %" PetscInt_FMT ",%" PetscInt_FMT ": need two different generator parameters in [0, %" PetscInt_FMT ")", g->s.curv_ij[0], g->s.curv_ij[1], g->ngen);
  PetscCall(W2OptimizerCreate(comm, "gen_", gen_type, g->ngen, &g->gopt));
  if (g->gopt->needs_game) {
    /* sga, consensus: one optimiser on the joint parameters (generator, discriminator), simultaneous steps */
    PetscCall(PetscStrncpy(gen_type, g->gopt->type, sizeof(gen_type)));
    PetscCall(W2OptimizerDestroy(&g->gopt));
    PetscCall(W2OptimizerCreate(comm, "gen_", gen_type, g->n, &g->gopt));
    PetscCheck(g->s.dsteps == 1, comm, PETSC_ERR_USER_INPUT, "-gen_optim_type %s takes simultaneous joint steps: -gan_disc_steps must be 1, got %" PetscInt_FMT, gen_type, g->s.dsteps);
  } else {
    PetscCall(W2OptimizerCreate(comm, "disc_", "adam", g->ndisc, &g->dopt));
    PetscCheck(!g->dopt->needs_jacobian && !g->dopt->needs_game, comm, PETSC_ERR_USER_INPUT, "-disc_optim_type %s: the discriminator takes sgd or adam (natgrad's metric is the generator's; sga and consensus are set with -gen_optim_type)", g->dopt->type);
  }
  if (!g->s.kde_points) g->s.kde_points = g->dim == 1 ? 256 : 64;
  PetscFunctionReturn(0);
}

static PetscErrorCode GanAllocate(W2GanRun *g)
{
  PetscFunctionBeginUser;
  PetscCall(W2GanBatchSetUp(&g->train, g->gen, g->disc, &g->loss, g->dim, g->s.latent, g->s.batch));
  PetscCall(W2GanBatchSetUp(&g->probe, g->gen, g->disc, &g->loss, g->dim, g->s.latent, g->s.batch));
  PetscCall(PetscMalloc6(g->n, &g->x, g->n, &g->gG, g->n, &g->gD, g->n, &g->xi, g->s.latent * g->s.neval, &g->zeval, g->dim * g->s.neval, &g->xeval));
  if (g->gopt->needs_jacobian && W2OptimizerUsesWoodbury(g->gopt, g->s.batch * g->dim)) PetscCall(PetscMalloc1(g->ngen, &g->dir));
  else if (g->gopt->needs_jacobian) PetscCall(PetscMalloc1(g->s.batch * g->dim * g->ngen, &g->J));
  g->game       = (W2Game){W2GanBatchGradients, &g->train, g->n, g->ngen, g->s.jac_h};
  g->probe_game = (W2Game){W2GanBatchGradients, &g->probe, g->n, g->ngen, g->s.jac_h};
  if (g->gopt->needs_game) PetscCall(W2OptimizerSetGame(g->gopt, &g->game));
  W2RngSeed(&g->rng, (uint64_t)g->s.seed);
  W2RngSeed(&g->erng, (uint64_t)g->s.seed + 0x5eedULL); /* evaluation latents and the probe batch: fixed for the whole run */
  W2RngSeed(&g->krng, (uint64_t)g->s.seed + 0x9a3eULL); /* random planes of |K|_F */
  for (PetscInt k = 0; k < g->s.latent * g->s.neval; k++) g->zeval[k] = W2RngNormal(&g->erng);
  W2GanTargetSample(g->target, &g->erng, g->s.batch, g->probe.xr);
  for (PetscInt k = 0; k < g->s.latent * g->s.batch; k++) g->probe.z[k] = W2RngNormal(&g->erng);
  PetscCall(W2GanMetricsCreate(g->target, g->s.neval, g->s.ndir, g->s.kde_points, g->s.kde_bw, &g->metrics));
  g->ncols = C_COLS;
  if (g->s.curv_every) {
    /* the carried discriminator: the copy's optimiser is the discriminator's, or sgd at the joint step for sga and consensus */
    PetscCall(W2GanCarryCreate(g->gen, g->disc, g->dopt, g->gopt->lr, &g->loss, g->pdiv, g->target, g->s.latent, g->s.batch, g->s.curv_h, g->s.curv_k, &g->carry));
    if (g->s.curv_ij[0] >= 0) PetscCall(W2GanCarrySetCoordinatePlane(g->carry, g->s.curv_ij[0], g->s.curv_ij[1]));
    else {
      W2Rng prng;
      W2RngSeed(&prng, ((uint64_t)g->s.curv_seed << 32) ^ 0x91a4e0000000000ULL);
      PetscCall(W2GanCarrySetRandomPlane(g->carry, &prng));
    }
    PetscCall(PetscMalloc1(2 * (g->dim == 1 ? g->s.kde_points : g->s.kde_points * g->s.kde_points), &g->cw));
    g->ncols = C_COLS_MAX;
  }
  {
    const char *base[C_COLS] = {"iteration", "wall_s", "loss_d", "loss_g", "grad_norm_d", "grad_norm_g", "", "", "kl_kde", "jsd_kde", "modes_covered", "hq_fraction", "", "potential_l2"};
    const char *carried[C_COLS_MAX - C_COLS] = {"curvature_max", "holonomy_max", "holonomy_l2", "holonomy_net_max", "loop_area"};
    for (int c = 0; c < C_COLS; c++) PetscCall(PetscStrncpy(g->names[c], base[c], sizeof(g->names[c])));
    for (int c = C_COLS; c < C_COLS_MAX; c++) PetscCall(PetscStrncpy(g->names[c], carried[c - C_COLS], sizeof(g->names[c])));
    if (g->dim == 1) {
      PetscCall(PetscStrncpy(g->names[C_W1], "W1_quantile", sizeof(g->names[C_W1])));
      PetscCall(PetscStrncpy(g->names[C_W2], "W2_quantile", sizeof(g->names[C_W2])));
    } else {
      PetscCall(PetscSNPrintf(g->names[C_W1], sizeof(g->names[C_W1]), "SW1_%" PetscInt_FMT "dirs", g->s.ndir));
      PetscCall(PetscSNPrintf(g->names[C_W2], sizeof(g->names[C_W2]), "SW2_%" PetscInt_FMT "dirs", g->s.ndir));
    }
    if (g->s.planes) PetscCall(PetscSNPrintf(g->names[C_KFRO], sizeof(g->names[C_KFRO]), "K_fro_%" PetscInt_FMT "planes", g->s.planes));
    else PetscCall(PetscStrncpy(g->names[C_KFRO], "K_fro_full", sizeof(g->names[C_KFRO])));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode GanDestroy(W2GanRun *g)
{
  PetscFunctionBeginUser;
  if (g->csv) fclose(g->csv);
  g->csv = NULL;
  if (g->x) {
    PetscCall(W2GanBatchDestroy(&g->train));
    PetscCall(W2GanBatchDestroy(&g->probe));
    PetscCall(PetscFree6(g->x, g->gG, g->gD, g->xi, g->zeval, g->xeval));
  }
  PetscCall(PetscFree(g->J));
  PetscCall(PetscFree(g->dir));
  PetscCall(PetscFree(g->rows));
  PetscCall(PetscFree(g->cw));
  PetscCall(W2GanCarryDestroy(&g->carry));
  PetscCall(W2GanMetricsDestroy(&g->metrics));
  PetscCall(W2OptimizerDestroy(&g->gopt));
  PetscCall(W2OptimizerDestroy(&g->dopt));
  PetscCall(W2MLPDestroy(&g->gen));
  PetscCall(W2MLPDestroy(&g->disc));
  PetscCall(W2GanTargetDestroy(&g->target));
  if (g->pdiv != g->div) PetscCall(W2DivergenceDestroy(&g->pdiv));
  PetscCall(W2DivergenceDestroy(&g->div));
  PetscFunctionReturn(0);
}

/* every rank ran the same arithmetic; rank 0's verdict (0: fine, 1: a non-finite value, 2: an error, reported above) decides for all */
static PetscErrorCode Verdict(MPI_Comm comm, PetscErrorCode ierr, const char *bad, PetscInt *status)
{
  PetscFunctionBeginUser;
  *status = ierr ? 2 : bad ? 1 : 0;
  PetscCallMPI(MPI_Bcast(status, 1, MPIU_INT, 0, comm));
  PetscFunctionReturn(0);
}

/* a diverged run: keep the history so far (<output>.h5 with its status; the CSV has every row already), release, and fail naming the iteration
   and the optimisers */
static PetscErrorCode Stop(MPI_Comm comm, W2GanRun *g, PetscInt it, PetscInt status, const char *bad, const PetscReal row[])
{
  char     msg[768], output[PETSC_MAX_PATH_LEN];
  PetscInt last = g->nrows ? (PetscInt)g->rows[g->ncols * (g->nrows - 1) + C_IT] : -1;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(msg, sizeof(msg), "diverged at iteration %" PetscInt_FMT ": %s (loss_d %g, loss_g %g, |grad_d| %g, |grad_g| %g) with generator optimiser %s (lr %g)%s%s", it, status == 2 ? "an error in the step or the metrics (reported above)" : bad ? bad : "a non-finite value on rank 0", (double)row[C_LOSS_D], (double)row[C_LOSS_G],
                          (double)row[C_GNORM_D], (double)row[C_GNORM_G], g->gopt->type, (double)g->gopt->lr, g->dopt ? " and discriminator optimiser " : ", joint step", g->dopt ? g->dopt->type : ""));
  PetscCall(W2GanRunWrite(g, comm, msg, PETSC_FALSE));
  PetscCall(PetscStrncpy(output, g->s.output, sizeof(output)));
  PetscCall(GanDestroy(g));
  if (last >= 0) SETERRQ(comm, PETSC_ERR_NOT_CONVERGED, "w2flow gan %s; lower the learning rates. The history up to iteration %" PetscInt_FMT " is kept in %s.h5 and %s.csv", msg, last, output, output);
  SETERRQ(comm, PETSC_ERR_NOT_CONVERGED, "w2flow gan %s: the initial generator already overflows; no history written to %s.h5", msg, output);
}

PetscErrorCode W2CommandGan(MPI_Comm comm, const char *file)
{
  W2GanRun       g;
  PetscBool      help;
  PetscMPIInt    rank;
  PetscReal      row[C_COLS_MAX];
  PetscInt       status;
  PetscErrorCode ierr;
  const char    *bad = NULL;

  PetscFunctionBeginUser;
  (void)file; /* the parameter file was inserted by main */
  PetscCall(PetscMemzero(&g, sizeof(g)));
  g.loss.type = W2_GAN_NONSATURATING;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(GanSetUp(comm, &g, &help));
  if (help) {
    PetscCall(GanDestroy(&g));
    PetscFunctionReturn(0);
  }
  if (g.s.restart[0]) {
    char      h5[PETSC_MAX_PATH_LEN + 4];
    PetscBool exists;
    PetscCall(PetscTestFile(g.s.restart, 'r', &exists));
    PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "-restart %s: no such readable file", g.s.restart);
    PetscCall(PetscSNPrintf(h5, sizeof(h5), "%s.h5", g.s.output));
    if (strcmp(h5, g.s.restart)) PetscCall(W2OutputCheckTarget(comm, g.s.output, g.s.overwrite)); /* continuing into the same file replaces it */
  } else PetscCall(W2OutputCheckTarget(comm, g.s.output, g.s.overwrite));
  PetscCall(W2OptionsCheckUnused(comm, PETSC_TRUE));
  PetscCall(GanAllocate(&g));
  if (g.s.restart[0]) PetscCall(W2GanRunReadCheckpoint(&g));
  if (!rank) {
    char csv[PETSC_MAX_PATH_LEN + 4];
    PetscCall(PetscSNPrintf(csv, sizeof(csv), "%s.csv", g.s.output));
    g.csv = fopen(csv, "w");
    PetscCheck(g.csv, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-output %s: cannot create %s", g.s.output, csv);
    for (int c = 0; c < g.ncols; c++) fprintf(g.csv, c ? ",%s" : "%s", g.names[c]);
    fprintf(g.csv, "\n");
    for (PetscInt r = 0; r < g.nrows; r++) /* a restart: the rows so far */
      for (int c = 0; c < g.ncols; c++) fprintf(g.csv, c ? ",%.17g%s" : "%.17g%s", (double)g.rows[g.ncols * r + c], c == g.ncols - 1 ? "\n" : "");
  }
  PetscCall(PetscPrintf(comm, "w2flow gan: target %s; generator %" PetscInt_FMT " -> %" PetscInt_FMT " x %" PetscInt_FMT " %s -> %" PetscInt_FMT " (%" PetscInt_FMT " parameters, %s%s), discriminator (%" PetscInt_FMT " parameters, %s); loss %s%s%s; batch %" PetscInt_FMT "; every rank computes the same run, rank 0 writes\n", g.target->description, g.s.latent,
                        g.gen->nlayers - 1, g.gen->nlayers > 1 ? g.gen->widths[1] : 0, W2Activations[g.gen->act], g.dim, g.ngen, g.gopt->type, g.dopt ? "" : ", joint step", g.ndisc, g.dopt ? g.dopt->type : "joint", W2GanLossTypes[g.loss.type], g.div ? " " : "", g.div ? g.div->type : "", g.s.batch));
  if (g.carry)
    PetscCall(PetscPrintf(comm, "  carried discriminator every %" PetscInt_FMT " iterations: square of side %g in a %s plane of the generator, %" PetscInt_FMT " discriminator steps per move (copies)\n", g.s.curv_every, (double)g.s.curv_h, g.s.curv_ij[0] >= 0 ? "coordinate" : "random", g.s.curv_k));
  if (g.s.restart[0]) PetscCall(PetscPrintf(comm, "  continuing from iteration %" PetscInt_FMT " of %s (%" PetscInt_FMT " history rows)\n", g.it, g.s.restart, g.nrows));
  PetscCall(PetscPrintf(comm, "  iteration    loss_d       loss_g      |grad_d|    |grad_g|    %-12s %-12s %s\n", g.names[C_W2], "jsd_kde", g.names[C_KFRO]));
  if (!g.s.restart[0]) {
    g.wall0 = MPI_Wtime();
    for (int c = 0; c < C_COLS_MAX; c++) row[c] = NAN;
    row[C_IT]   = 0;
    row[C_TIME] = 0;
    ierr        = Evaluate(&g, row, &bad);
    PetscCall(Verdict(comm, ierr, bad, &status));
    if (status) PetscCall(Stop(comm, &g, 0, status, bad, row));
    PetscCall(W2GanRunAppendRow(&g, comm, row));
  }
  for (PetscInt it = g.it; it < g.s.iters; it++) {
    PetscReal ld = NAN, lg = NAN, gnd = NAN, gng = NAN;
    ierr = Iterate(&g, &ld, &lg, &gnd, &gng, &bad);
    PetscCall(Verdict(comm, ierr, bad, &status));
    for (int c = 0; c < C_COLS_MAX; c++) row[c] = NAN;
    row[C_IT]      = it + 1;
    row[C_GNORM_D] = gnd;
    row[C_GNORM_G] = gng;
    row[C_LOSS_D]  = ld;
    row[C_LOSS_G]  = lg;
    if (status) PetscCall(Stop(comm, &g, it + 1, status, bad, row));
    g.it = it + 1;
    g.sum_d += ld;
    g.sum_g += lg;
    g.count++;
    if ((it + 1) % g.s.log_every == 0 || it + 1 == g.s.iters) {
      row[C_TIME]   = MPI_Wtime() - g.wall0;
      row[C_LOSS_D] = g.sum_d / g.count;
      row[C_LOSS_G] = g.sum_g / g.count;
      if ((it + 1) % g.s.log_every == 0) { /* an off-grid last row leaves the window open: a restart continues it */
        g.sum_d = g.sum_g = 0;
        g.count           = 0;
      }
      {
        const W2Rng krng = g.krng; /* an off-grid last row leaves the random planes' stream where a continued run expects it */
        ierr = Evaluate(&g, row, &bad);
        if ((it + 1) % g.s.log_every) g.krng = krng;
      }
      PetscCall(Verdict(comm, ierr, bad, &status));
      if (status) PetscCall(Stop(comm, &g, it + 1, status, bad, row));
      PetscCall(W2GanRunAppendRow(&g, comm, row));
      if ((it + 1) / PetscMax(1, g.s.iters / 10) != (it + 1 - g.s.log_every) / PetscMax(1, g.s.iters / 10) || it + 1 == g.s.iters) /* about ten lines */
        PetscCall(PetscPrintf(comm, "  %9" PetscInt_FMT "  %11.4e  %11.4e  %10.3e  %10.3e  %.6e %.6e %.4e\n", it + 1, (double)row[C_LOSS_D], (double)row[C_LOSS_G], (double)gnd, (double)gng, (double)row[C_W2], (double)row[C_JSD], (double)row[C_KFRO]));
    }
    if (g.s.checkpoint_every && (it + 1) % g.s.checkpoint_every == 0 && it + 1 < g.s.iters) {
      char msg[128];
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "running: checkpoint at iteration %" PetscInt_FMT " of %" PetscInt_FMT, it + 1, g.s.iters));
      PetscCall(W2GanRunWrite(&g, comm, msg, PETSC_FALSE));
    }
  }
  PetscCall(W2GanRunWrite(&g, comm, "complete", PETSC_TRUE));
  PetscCall(PetscPrintf(comm, "wrote %s.h5 and %s.csv\n", g.s.output, g.s.output));
  PetscCall(GanDestroy(&g));
  PetscCall(W2OptionsCheckUnused(comm, PETSC_FALSE));
  PetscFunctionReturn(0);
}
