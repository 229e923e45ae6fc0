/// @file Curvature and holonomy of the GAN discriminator carried along training (THEORY.md 6: Alg. 1, Prop. 9.8 (ii)): on copies of the two
/// networks, the generator is moved in a 2-D plane of its parameters and the copied discriminator is trained k steps after each move.
#pragma once
#include "gan/gan.h"
#include "gan/metrics.h"
#include "gan/optim.h"
#include "gan/target.h"

/* Per discriminator step of the copy, a fresh batch from the caller's stream, in the order of training: nb data samples
   (W2GanTargetSample), then latent x nb normals. The corners of the square are theta, theta + D u, theta + (D u + D v), theta + D v,
   the far corner the same numbers on both paths. */
typedef struct {
  const W2GanTarget  *target;
  const W2GanLoss    *loss;
  const W2Divergence *div; /* of the reported potential phi^ = f'(r^) */
  W2MLP              *gen, *disc;
  W2Optimizer        *opt; /* the copied discriminator's optimiser */
  W2GanBatch          batch;
  PetscInt            ngen, ndisc, k, npts;
  PetscReal           D;
  PetscBool           reset; /* a control, off by default: every move restarts the copy from the start state, so phi^ is a function of the
                                corner (and of the move's samples) alone and Alg. 1 telescopes to 0 up to round-off (THEORY.md 6) */
  PetscReal          *u, *v;   /* orthonormal plane in generator parameters */
  PetscReal          *corner;  /* 4 x ngen */
  PetscReal          *psi, *state; /* the start: discriminator parameters; its optimiser's m, v, d (3 ndisc) */
  PetscInt            t0;          /* and step count */
  PetscReal          *gD, *out, *s0, *p[4]; /* gradients; grid outputs; potentials at the start and after moves */
} W2GanCarry;

/* Copies of gen and disc (sizes, activation); the copy's optimiser has dopt's type and settings, or is sgd with step lr when dopt is NULL
   (joint optimisers). D > 0 the side of the square, k >= 0 discriminator steps per move, nb samples per step. */
PetscErrorCode W2GanCarryCreate(const W2MLP *gen, const W2MLP *disc, const W2Optimizer *dopt, PetscReal lr, const W2GanLoss *loss, const W2Divergence *div, const W2GanTarget *target, PetscInt latent, PetscInt nb, PetscReal D, PetscInt k, W2GanCarry **c);
PetscErrorCode W2GanCarryDestroy(W2GanCarry **c);
/* the plane span{u, v}, made orthonormal (Gram-Schmidt, u first); coordinates i, j of the generator parameters; or two Gaussian
   directions from rng */
PetscErrorCode W2GanCarrySetPlane(W2GanCarry *c, const PetscReal u[], const PetscReal v[]);
PetscErrorCode W2GanCarrySetCoordinatePlane(W2GanCarry *c, PetscInt i, PetscInt j);
PetscErrorCode W2GanCarrySetRandomPlane(W2GanCarry *c, W2Rng *rng);
/* The start: the generator's parameters theta, the discriminator and the state of dopt (NULL: zero state) are copied; the corners and
   phi^ of the start on the grid of m (after W2GanMetricsKDE) are computed. The training networks are only read. */
PetscErrorCode W2GanCarryStart(W2GanCarry *c, const W2MLP *gen, const W2MLP *disc, const W2Optimizer *dopt, const W2GanMetrics *m);
/* Alg. 1 on the grid of m: both paths restart from the start and take the same samples on their first move and the same on their
   second (rng is left after them), so w = F^ potential = ((p_ij - p_i) - (p_ji - p_j) - ((p_j - s0) - (p_i - s0))) / D = (p_ij - p_ji)/D
   with F^ = grad w, exactly antisymmetric in (u, v). */
PetscErrorCode W2GanCarryCurvature(W2GanCarry *c, const W2GanMetrics *m, W2Rng *rng, PetscReal w[]);
/* The square loop theta -> + D u -> + D v -> - D u -> - D v from the start, k steps per move on fresh samples: res = phi^_end - phi^_start.
   net (may be NULL) = phi^_end - phi^_stay, the copy trained the same 4k steps on the same samples with the generator kept at theta
   (training drift removed; 0 when D -> 0). */
PetscErrorCode W2GanCarryHolonomy(W2GanCarry *c, const W2GanMetrics *m, W2Rng *rng, PetscReal res[], PetscReal net[]);
