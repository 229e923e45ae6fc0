/// @file The state of one `w2flow gan` run, shared by the loop (gan/cmd_gan.c) and its files (gan/history.c): settings, networks, optimisers,
/// random streams, the history rows.
#pragma once
#include <stdio.h>
#include "gan/carry.h"
#include "gan/gan.h"
#include "gan/metrics.h"
#include "gan/optim.h"
#include "gan/target.h"

/* the history columns (one row every -gan_log_every iterations); the carried-discriminator columns follow only with -gan_curvature_every */
enum { C_IT, C_TIME, C_LOSS_D, C_LOSS_G, C_GNORM_D, C_GNORM_G, C_W1, C_W2, C_KL, C_JSD, C_MODES, C_HQ, C_KFRO, C_POT, C_COLS };
enum { C_CURV = C_COLS, C_HOL_MAX, C_HOL_L2, C_HOL_NET, C_AREA, C_COLS_MAX };

typedef struct {
  char      output[PETSC_MAX_PATH_LEN];
  PetscBool overwrite;
  PetscInt  latent, hidden, depth, batch, iters, dsteps, seed, log_every, neval, nbins, kde_points, ndir, planes, checkpoint_every;
  PetscReal kde_bw, jac_h;
  char      restart[PETSC_MAX_PATH_LEN]; /* "" : a fresh run */
  /* the carried discriminator (gan/carry.h): every curv_every iterations (0: off), side curv_h, curv_k steps per move, plane coordinates
     curv_ij (-1: random from curv_seed) */
  PetscInt  curv_every, curv_k, curv_seed, curv_ij[2];
  PetscReal curv_h;
} W2GanSettings;

typedef struct {
  W2GanSettings s;
  W2GanTarget  *target;
  W2MLP        *gen, *disc;
  W2Optimizer  *gopt, *dopt; /* dopt: NULL when gopt is a joint (game) optimiser */
  W2Divergence *div, *pdiv;  /* f-GAN divergence; the divergence of the reported potential */
  W2GanLoss     loss;
  W2GanBatch    train, probe; /* the training minibatch; the fixed batch on which the game Jacobian is measured */
  W2Game        game, probe_game;
  W2GanMetrics *metrics;
  W2GanCarry   *carry; /* NULL unless -gan_curvature_every */
  PetscReal    *cw;    /* its two grid fields */
  W2Rng         rng, erng, krng;
  PetscInt      ngen, ndisc, n, dim;
  PetscReal    *x, *gG, *gD, *xi, *J, *dir, *zeval, *xeval; /* dir: the natural-gradient direction when it is computed without J */
  /* the loop: iterations done, the loss sums of the open history window, wall seconds before this process (restarts) */
  PetscInt  it, count;
  PetscReal sum_d, sum_g, wall0;
  /* history */
  PetscReal *rows; /* nrows x ncols */
  PetscInt   nrows, maxrows, ncols;
  char       names[C_COLS_MAX][32];
  FILE      *csv;
} W2GanRun;

/* x = (generator parameters, discriminator parameters) and back into the networks */
PetscErrorCode W2GanRunPack(W2GanRun *g);
PetscErrorCode W2GanRunUnpack(W2GanRun *g);
/* one history row into memory and (rank 0) a flushed line of <output>.csv */
PetscErrorCode W2GanRunAppendRow(W2GanRun *g, MPI_Comm comm, const PetscReal row[]);
/* <output>.h5 with the rows so far, status, descriptions; the final density/samples when final; /checkpoint unless status is a divergence */
PetscErrorCode W2GanRunWrite(W2GanRun *g, MPI_Comm comm, const char status[], PetscBool final);
/* the state of -restart FILE (every rank reads it) */
PetscErrorCode W2GanRunReadCheckpoint(W2GanRun *g);
