/// @file The files of a `w2flow gan` run: the history as CSV (row by row) and HDF5 (atomically replaced), and the checkpoint to restart from.
#include <math.h>
#include "gan/run.h"
#include "geometry/h5table.h"
#include "w2version.h"

PetscErrorCode W2GanRunPack(W2GanRun *g)
{
  PetscFunctionBeginUser;
  PetscCall(PetscArraycpy(g->x, g->gen->params, g->ngen));
  PetscCall(PetscArraycpy(g->x + g->ngen, g->disc->params, g->ndisc));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanRunUnpack(W2GanRun *g)
{
  PetscFunctionBeginUser;
  PetscCall(PetscArraycpy(g->gen->params, g->x, g->ngen));
  PetscCall(PetscArraycpy(g->disc->params, g->x + g->ngen, g->ndisc));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanRunAppendRow(W2GanRun *g, MPI_Comm comm, const PetscReal row[])
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (g->nrows == g->maxrows) {
    PetscReal *r;
    g->maxrows = 2 * g->maxrows + 16;
    PetscCall(PetscMalloc1(g->maxrows * g->ncols, &r));
    PetscCall(PetscArraycpy(r, g->rows, g->nrows * g->ncols));
    PetscCall(PetscFree(g->rows));
    g->rows = r;
  }
  PetscCall(PetscArraycpy(g->rows + g->ncols * g->nrows, row, g->ncols));
  g->nrows++;
  if (!rank && g->csv) {
    for (int c = 0; c < g->ncols; c++) fprintf(g->csv, c ? ",%.17g" : "%.17g", (double)row[c]);
    fprintf(g->csv, "\n");
    PetscCheck(fflush(g->csv) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s.csv", g->s.output);
  }
  PetscFunctionReturn(0);
}

/* <output>.h5: the history so far and, after a complete run, the final density (1-D) or samples (2-D) */
/* the state to continue from, in /checkpoint: everything the next iteration reads (weights, optimiser moments and step counts, the random
   streams that advance during training, the open loss window); a uint64 is stored as two exact doubles of 32 bits */
enum { K_IT, K_WALL, K_SUMD, K_SUMG, K_COUNT, K_GT, K_DT, K_RNG, K_KRNG = K_RNG + 10, K_LEN = K_KRNG + 10 };

static void PackRng(const W2Rng *r, PetscReal a[10])
{
  for (int i = 0; i < 4; i++) {
    a[2 * i]     = (PetscReal)(r->s[i] >> 32);
    a[2 * i + 1] = (PetscReal)(r->s[i] & 0xffffffffULL);
  }
  a[8] = r->has_spare ? 1 : 0;
  a[9] = r->spare;
}

static void UnpackRng(const PetscReal a[10], W2Rng *r)
{
  for (int i = 0; i < 4; i++) r->s[i] = ((uint64_t)a[2 * i] << 32) | (uint64_t)a[2 * i + 1];
  r->has_spare = a[8] != 0 ? PETSC_TRUE : PETSC_FALSE;
  r->spare     = a[9];
}

static PetscErrorCode WriteCheckpoint(W2GanRun *g, PetscViewer v)
{
  PetscReal  k[K_LEN], *o;
  PetscInt   n = g->gopt->n;

  PetscFunctionBeginUser;
  k[K_IT]    = g->it;
  k[K_WALL]  = MPI_Wtime() - g->wall0;
  k[K_SUMD]  = g->sum_d;
  k[K_SUMG]  = g->sum_g;
  k[K_COUNT] = g->count;
  k[K_GT]    = g->gopt->t;
  k[K_DT]    = g->dopt ? g->dopt->t : 0;
  PackRng(&g->rng, k + K_RNG);
  PackRng(&g->krng, k + K_KRNG);
  PetscCall(PetscViewerHDF5PushGroup(v, "/checkpoint"));
  PetscCall(W2H5WriteTable(v, "state", K_LEN, 1, k));
  PetscCall(W2GanRunPack(g));
  PetscCall(W2H5WriteTable(v, "params", g->n, 1, g->x));
  PetscCall(PetscMalloc1(3 * PetscMax(n, g->ndisc), &o));
  PetscCall(PetscArraycpy(o, g->gopt->m, n));
  PetscCall(PetscArraycpy(o + n, g->gopt->v, n));
  PetscCall(PetscArraycpy(o + 2 * n, g->gopt->d, n));
  PetscCall(W2H5WriteTable(v, "gen_optimizer", 3 * n, 1, o));
  if (g->dopt) {
    n = g->ndisc;
    PetscCall(PetscArraycpy(o, g->dopt->m, n));
    PetscCall(PetscArraycpy(o + n, g->dopt->v, n));
    PetscCall(PetscArraycpy(o + 2 * n, g->dopt->d, n));
    PetscCall(W2H5WriteTable(v, "disc_optimizer", 3 * n, 1, o));
  }
  PetscCall(PetscFree(o));
  PetscCall(PetscViewerHDF5PopGroup(v));
  PetscCall(W2H5WriteString(v, "checkpoint:optimizers", g->dopt ? g->dopt->type : "joint"));
  PetscCall(W2H5WriteString(v, "checkpoint:gen_optimizer", g->gopt->type));
  PetscFunctionReturn(0);
}

/* the history's column names, comma separated (the columns:history attribute) */
static PetscErrorCode JoinNames(const W2GanRun *g, char cols[], size_t len)
{
  PetscFunctionBeginUser;
  cols[0] = 0;
  for (int c = 0; c < g->ncols; c++) {
    if (c) PetscCall(PetscStrlcat(cols, ", ", len));
    PetscCall(PetscStrlcat(cols, g->names[c], len));
  }
  PetscFunctionReturn(0);
}

/* one dataset of a result file into a new array, on every rank (viewer on PETSC_COMM_SELF) */
static PetscErrorCode LoadArray(PetscViewer v, const char name[], PetscInt bs, PetscInt expect, PetscReal **a, PetscInt *len, const char file[])
{
  Vec                x;
  const PetscScalar *xa;
  PetscInt           n;
  PetscBool          has;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerHDF5HasDataset(v, name, &has));
  PetscCheck(has, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: no dataset %s (a run writes its checkpoint at -checkpoint_every iterations and at its end)", file, name);
  PetscCall(VecCreate(PETSC_COMM_SELF, &x));
  PetscCall(VecSetType(x, VECSEQ));
  PetscCall(VecSetBlockSize(x, bs));
  PetscCall(PetscObjectSetName((PetscObject)x, name));
  PetscCall(VecLoad(x, v));
  PetscCall(VecGetSize(x, &n));
  PetscCheck(expect < 0 || n == expect, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: %s has %" PetscInt_FMT " values, this run needs %" PetscInt_FMT ": restart with the settings of the run that wrote it", file, name, n, expect);
  PetscCall(PetscMalloc1(PetscMax(n, 1), a));
  PetscCall(VecGetArrayRead(x, &xa));
  for (PetscInt i = 0; i < n; i++) (*a)[i] = PetscRealPart(xa[i]);
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscCall(VecDestroy(&x));
  if (len) *len = n;
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanRunReadCheckpoint(W2GanRun *g)
{
  PetscViewer v;
  PetscReal  *k, *p, *o;
  PetscInt    len;
  char        type[64] = "";
  const char *file = g->s.restart;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerHDF5Open(PETSC_COMM_SELF, file, FILE_MODE_READ, &v));
  {
    char *t = NULL;
    PetscCall(PetscViewerHDF5ReadAttribute(v, "/", "checkpoint:gen_optimizer", PETSC_STRING, NULL, &t));
    PetscCall(PetscStrncpy(type, t, sizeof(type)));
    PetscCall(PetscFree(t));
  }
  PetscCheck(!strcmp(type, g->gopt->type), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-restart %s: written with generator optimiser %s, this run has %s", file, type, g->gopt->type);
  {
    char *t = NULL, cols[1024];
    PetscCall(PetscViewerHDF5ReadAttribute(v, "/", "columns:history", PETSC_STRING, NULL, &t));
    PetscCall(JoinNames(g, cols, sizeof(cols)));
    PetscCheck(!strcmp(t, cols), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-restart %s: its history has the columns %s, this run has %s (-gan_curvature_every on or off as in the run that wrote it)", file, t, cols);
    PetscCall(PetscFree(t));
  }
  PetscCall(LoadArray(v, "/checkpoint/state", 1, K_LEN, &k, NULL, file));
  PetscCall(LoadArray(v, "/checkpoint/params", 1, g->n, &p, NULL, file));
  PetscCall(PetscArraycpy(g->x, p, g->n));
  PetscCall(W2GanRunUnpack(g));
  PetscCall(PetscFree(p));
  PetscCall(LoadArray(v, "/checkpoint/gen_optimizer", 1, 3 * g->gopt->n, &o, NULL, file));
  PetscCall(PetscArraycpy(g->gopt->m, o, g->gopt->n));
  PetscCall(PetscArraycpy(g->gopt->v, o + g->gopt->n, g->gopt->n));
  PetscCall(PetscArraycpy(g->gopt->d, o + 2 * g->gopt->n, g->gopt->n));
  PetscCall(PetscFree(o));
  if (g->dopt) {
    PetscCall(LoadArray(v, "/checkpoint/disc_optimizer", 1, 3 * g->ndisc, &o, NULL, file));
    PetscCall(PetscArraycpy(g->dopt->m, o, g->ndisc));
    PetscCall(PetscArraycpy(g->dopt->v, o + g->ndisc, g->ndisc));
    PetscCall(PetscArraycpy(g->dopt->d, o + 2 * g->ndisc, g->ndisc));
    PetscCall(PetscFree(o));
    g->dopt->t = (PetscInt)k[K_DT];
  }
  g->gopt->t = (PetscInt)k[K_GT];
  g->it      = (PetscInt)k[K_IT];
  g->wall0   = MPI_Wtime() - k[K_WALL];
  g->sum_d   = k[K_SUMD];
  g->sum_g   = k[K_SUMG];
  g->count   = (PetscInt)k[K_COUNT];
  UnpackRng(k + K_RNG, &g->rng);
  UnpackRng(k + K_KRNG, &g->krng);
  PetscCall(PetscFree(k));
  /* the history rows up to the checkpoint */
  PetscCall(LoadArray(v, "/history", g->ncols, -1, &g->rows, &len, file));
  g->nrows = g->maxrows = len / g->ncols;
  /* rows up to the checkpoint; an off-grid last row (iteration not a multiple of -gan_log_every) is dropped: its window is still open */
  while (g->nrows > 1 && (g->rows[g->ncols * (g->nrows - 1) + C_IT] > g->it || (PetscInt)g->rows[g->ncols * (g->nrows - 1) + C_IT] % g->s.log_every)) g->nrows--;
  PetscCall(PetscViewerDestroy(&v));
  PetscCheck(g->it < g->s.iters, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-restart %s: the checkpoint is at iteration %" PetscInt_FMT ", -gan_iterations %" PetscInt_FMT " leaves nothing to do", file, g->it, g->s.iters);
  PetscFunctionReturn(0);
}

/* <output>.h5 is written as <output>.h5.partial and renamed by rank 0: a reader (or a restart) never sees half a file */
PetscErrorCode W2GanRunWrite(W2GanRun *g, MPI_Comm comm, const char status[], PetscBool final)
{
  char        h5[PETSC_MAX_PATH_LEN + 4], tmp[PETSC_MAX_PATH_LEN + 16], buf[1024], cols[1024] = "";
  PetscViewer v;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(h5, sizeof(h5), "%s.h5", g->s.output));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.h5.partial", g->s.output));
  PetscCall(PetscViewerHDF5Open(comm, tmp, FILE_MODE_WRITE, &v));
  PetscCall(W2H5WriteTable(v, "history", g->nrows, g->ncols, g->rows));
  if (g->nrows) PetscCall(W2H5WriteTable(v, "w2_initial", 1, 1, &g->rows[C_W2]));
  if (final && g->dim == 1) {
    /* histogram and KDE (the bandwidth of the last evaluation) of the evaluation samples against the target density */
    const PetscInt nb = g->s.nbins;
    PetscReal      lo, hi, w, *dens, h = g->metrics->h[0];
    PetscCall(PetscMalloc1(4 * nb, &dens));
    W2GanTargetBox(g->target, 5, &lo, &hi);
    w = (hi - lo) / nb;
    for (PetscInt b = 0; b < nb; b++) {
      const PetscReal x = lo + (b + 0.5) * w;
      PetscReal       kde = 0;
      for (PetscInt k = 0; k < g->s.neval; k++) kde += PetscExpReal(-0.5 * PetscSqr((x - g->xeval[k]) / h)) / (h * PetscSqrtReal(2 * PETSC_PI) * g->s.neval);
      dens[4 * b]     = x;
      dens[4 * b + 1] = 0;
      dens[4 * b + 2] = PetscExpReal(W2GanTargetLogDensity(g->target, &x, NULL));
      dens[4 * b + 3] = kde;
    }
    for (PetscInt k = 0; k < g->s.neval; k++) {
      const PetscInt b = (PetscInt)PetscFloorReal((g->xeval[k] - lo) / w);
      if (b >= 0 && b < nb) dens[4 * b + 1] += 1.0 / (g->s.neval * w);
    }
    PetscCall(W2H5WriteTable(v, "density", nb, 4, dens));
    PetscCall(PetscFree(dens));
    PetscCall(W2H5WriteString(v, "columns:density", "x, generated density (histogram of the evaluation samples), target density, generated density (Gaussian KDE, the bandwidth of the last history row)"));
  }
  if (final) {
    PetscCall(W2H5WriteTable(v, "final_samples", g->s.neval, g->dim, g->xeval));
    PetscCall(W2H5WriteTable(v, "target_means", g->target->K, g->dim, g->target->mean));
  }
  PetscCall(JoinNames(g, cols, sizeof(cols)));
  PetscCall(W2H5WriteString(v, "command", "gan"));
  PetscCall(W2H5WriteString(v, "w2flow_version", W2FLOW_VERSION));
  PetscCall(W2H5WriteString(v, "status", status));
  PetscCall(W2H5WriteString(v, "columns:history", cols));
  PetscCall(PetscSNPrintf(buf, sizeof(buf),
                          "one row every %" PetscInt_FMT " iterations and at the last (row 0: before training). wall_s: seconds since the loop started (rank 0). loss_d, loss_g: means over the iterations since the previous row. "
                          "grad_norm_*: of the last iteration. %s, %s: %s over %" PetscInt_FMT " generated samples from fixed latents. kl_kde, jsd_kde (nats): KL(rho_h || q_h) and JSD between the Gaussian KDE rho_h of the samples (bandwidth %s) "
                          "and the target convolved with the same kernel q_h, on %" PetscInt_FMT "^%" PetscInt_FMT " grid cells. modes_covered, hq_fraction (ring, grid; else NaN): nearest mode within 3 sigma = high quality; a mode with >= n/(5K) of them is covered. "
                          "%s: Frobenius norm of the antisymmetric part of the game Jacobian on a fixed batch (exact gradients, central differences h = %g%s). potential_l2: L2(Q) norm of f'(r^) - f'(rho_h/q) on the KDE grid, f = %s.",
                          g->s.log_every, g->names[C_W1], g->names[C_W2], g->dim == 1 ? "W1, W2 to the target from quantiles" : "sliced W1, W2 (mean over equispaced angles pi p / P of the 1-D quantile distances to the exact projected target)", g->s.neval,
                          g->s.kde_bw > 0 ? "fixed" : "Scott's rule std n^(-1/(d+4)) per axis", g->metrics->G, g->dim, g->names[C_KFRO], (double)g->s.jac_h, g->s.planes ? "; random planes, sqrt(n(n-1) mean k^2)" : "; the full Jacobian", g->pdiv->type));
  PetscCall(W2H5WriteString(v, "description:history", buf));
  if (g->carry) {
    PetscCall(PetscSNPrintf(buf, sizeof(buf),
                            "every %" PetscInt_FMT " iterations (else NaN), on copies of the networks (training untouched): the generator moved by D = %g along unit directions u, v of its parameters (%s), "
                            "the copied discriminator (%s) trained %" PetscInt_FMT " steps of batch %" PetscInt_FMT " after each move on fresh samples. curvature_max: max over the KDE grid of |grad_x (phi^_(u then v) - phi^_(v then u))| / D "
                            "(Alg. 1; both paths on the same samples per move). holonomy_max, holonomy_l2: max and L2(Q) over the KDE grid of phi^_end - phi^_start around the square theta, +Du, +Dv, -Du, -Dv. "
                            "holonomy_net_max: max of phi^_end - phi^_stay, the copy trained on the same samples with the generator kept at theta. loop_area: D^2. phi^ = f'(r^), f = %s.",
                            g->s.curv_every, (double)g->s.curv_h, g->s.curv_ij[0] >= 0 ? "coordinates -gan_curvature_coords" : "random, orthonormalised, from -gan_curvature_seed", g->dopt ? "with a copy of its optimiser and its state" : "sgd at the joint step", g->s.curv_k, g->s.batch, g->pdiv->type));
    PetscCall(W2H5WriteString(v, "description:curvature", buf));
  }
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "target %s; loss %s%s%s; generator optimiser %s (lr %g)%s%s; generator %" PetscInt_FMT " parameters, discriminator %" PetscInt_FMT "; seed %" PetscInt_FMT, g->target->description, W2GanLossTypes[g->loss.type], g->div ? " " : "", g->div ? g->div->type : "", g->gopt->type,
                          (double)g->gopt->lr, g->dopt ? "; discriminator optimiser " : " (joint step on generator and discriminator)", g->dopt ? g->dopt->type : "", g->ngen, g->ndisc, g->s.seed));
  PetscCall(W2H5WriteString(v, "summary", buf));
  if (!strncmp(status, "complete", 8) || !strncmp(status, "running", 7)) PetscCall(WriteCheckpoint(g, v)); /* not after a divergence */
  PetscCall(PetscViewerDestroy(&v));
  PetscCallMPI(MPI_Barrier(comm));
  if (!rank) PetscCheck(rename(tmp, h5) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s", tmp, h5);
  PetscCallMPI(MPI_Barrier(comm));
  PetscFunctionReturn(0);
}

