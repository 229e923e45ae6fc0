/// @file Holonomy (Prop. 9.8, THEORY.md section 6): the fibre value phi^ carried around a closed loop in a 2-parameter plane,
/// by the connection and by the grid discriminator's own training dynamics.
#pragma once
#include "geometry/discriminator.h"

typedef enum { W2_LOOP_RECTANGLE = 0, W2_LOOP_CIRCLE = 1 } W2LoopShape;

/* A closed loop through theta0 in the plane (theta_i, theta_j), traversed counter-clockwise in M steps: a square of side size
   with corner theta0 (M a multiple of 4, M/4 steps per side), or a circle of radius size through theta0 with centre
   theta0 - size e_i (M equal angles). Vertex M is vertex 0 bit for bit. */
typedef struct {
  W2LoopShape shape;
  PetscInt    i, j, M;
  PetscReal   size;
} W2Loop;

PetscErrorCode W2LoopVertex(const W2Loop *loop, PetscInt n, const PetscReal theta0[], PetscInt m, PetscReal theta[]);
PetscReal      W2LoopArea(const W2Loop *loop);
PetscReal      W2LoopMaxStep(const W2Loop *loop);

typedef enum {
  W2_TRANSPORT_INCREMENT = 0, /* phi^ += phi*(theta_{m+1}) - phi*(theta_m): telescopes, residual is round-off */
  W2_TRANSPORT_EULER     = 1, /* phi^ += sum_p u_p(theta_m) dtheta_p, u_p = f''(rho/q) d_p rho/q (Lemma 6.6): O(max ds) */
  W2_TRANSPORT_TRAPEZOID = 2  /* phi^ += sum_p (u_p(theta_m) + u_p(theta_{m+1})) dtheta_p / 2: O(max ds^2) */
} W2Transport;

/* carries phi^ = phi*(theta0) around the loop by the connection; res = phi^(end) - phi^(start) */
PetscErrorCode W2HolonomyConnection(W2Family fam, const W2Grid *grid, const W2Divergence *div, const PetscReal theta0[], Vec q, const W2Loop *loop, W2Transport t, Vec res);
/* carries the grid discriminator, trained at theta0, around the loop with k steps of size step per move; res = phi^(end) -
   phi*(theta0). lag (may be NULL): the same residual of the linear lag model hat' = phi*(theta') + c(x)(hat - phi*(theta')),
   with the per-cell contraction c(x) = (1 - step q rho'/(q + rho'))^k at each new point theta'. */
PetscErrorCode W2HolonomyDiscriminator(W2Family fam, const W2Grid *grid, const W2Divergence *div, const PetscReal theta0[], Vec q, const W2Loop *loop, PetscReal step, PetscInt k, Vec res, Vec lag);
