/// @file Private to jko/: the serial kernels on whole fields and the JKO object the methods fill in.
#pragma once
#include <fftw3.h>
#include "jko/jko.h"

/* The whole periodic grid as the serial kernels see it: field value (i, j) at j*N[0] + i, x fastest. */
typedef struct {
  PetscInt  dim, N[2], n;
  PetscReal h[2], L[2], dV;
} W2Torus;

/* ---- interpolated c-transforms (ctransform.c), used by the backward step of bfm ---------------------
   Q[f](x) = min over y in T^d of f_I(y) + d_T(x,y)^2/(2 tau) at every grid point x, where f_I is the
   interpolant of the grid values f that is linear along each axis in turn (exactly: linear in y_1 on
   each row, then linear in y_2 between rows). The minimisers are kept: pos0[j*N0+i] is the y_1 of the
   row-j minimiser for x_1 = i, pos1[j*N0+i] the y_2 minimiser for the point (i,j), both in unwrapped
   index units. Pushing mass along them with the interpolation weights is the exact supergradient of
   f -> sum_x m(x) Q[f](x) (Danskin), and conserves mass by construction. */
typedef struct {
  PetscReal *value, *pos0, *pos1;
} W2CTResult;

typedef struct {
  W2Torus    t;
  PetscInt  *hull;  /* lower-envelope scratch, one line */
  PetscReal *z, *line; /* line: one column and its two results, contiguous */
  PetscReal *stage; /* row transforms before the column pass */
} W2CTransform;

PetscErrorCode W2CTransformCreate(const W2Torus *t, W2CTransform **ct);
PetscErrorCode W2CTransformDestroy(W2CTransform **ct);
PetscErrorCode W2CTResultCreate(const W2Torus *t, W2CTResult *r);
PetscErrorCode W2CTResultDestroy(W2CTResult *r);
/* negate false: value = Q[f]; negate true: value = -Q[-f] (the c-bar transform max_y f_I(y) - c). */
PetscErrorCode W2CTransformApply(W2CTransform *ct, PetscReal tau, PetscBool negate, const PetscReal f[], W2CTResult *r);
/* out = the push-forward of the density m along the minimisers of r (out is overwritten);
   cost = sum_x m(x) dV * (transport cost |displacement|^2 of its parcels); disp (may be NULL; dim per
   point) = the barycentric map back: the out-weighted mean of (source point - receiving node), 0 where out = 0. */
PetscErrorCode W2CTransformPush(const W2CTransform *ct, const W2CTResult *r, const PetscReal m[], PetscReal out[], PetscReal *cost, PetscReal disp[]);

/* ---- semi-discrete transform (ctransform.c): mu constant on each cell, the new density atomic at the sites.
   For node potentials phi: dual = sum_i mu_i int_{cell i} Q[phi](x) dx with Q[phi](x) = min_k phi_k +
   |x - y_k|^2/(2 tau) (exact: Laguerre intervals in 1-D, Laguerre polygons clipped to each cell in 2-D,
   candidates from the O(N)-per-line node transforms at the centres and corners); push = masses of the
   Laguerre cells (as densities, sum push dV = sum mu dV up to round-off); cost = int mu |x - T(x)|^2;
   bary = S(y_k) - y_k, the mu-weighted barycentre of each cell minus its site (the barycentric map from
   the new density back to mu); centre_value (may be NULL) = Q[phi] at the cell centres.
   The dual is C^1 and concave in phi, its gradient push - (d/dphi) of the rest, by Danskin. */
typedef struct {
  PetscReal A, X, Y, XX, YY; /* area and moments of a piece, local index units */
  PetscInt  c;               /* its candidate */
} W2Piece;
typedef struct {
  W2Torus    t;
  PetscInt  *hull, *row_arg, *centre, *corner;
  PetscReal *z, *stage, *bary;
  PetscInt   rowcap, *rowhull, *rowm; /* 2-D: the lower envelope of every row of sites */
  PetscReal *rowz, *celllb, *colmin; /* per cell (row, column) a lower bound of the row envelope, per column the least */
  PetscInt  *cellg;                   /* per cell the row envelope's piece at its left end */
  PetscInt  *rows, nrows;             /* the rows that can win in the cell being clipped */
  PetscInt   ncap, nc; /* 2-D clipping workspace: candidates, polygons, pieces */
  PetscInt  *cand1, *cand2;
  PetscReal *cphi, *px, *py, *wx, *wy;
  W2Piece   *piece;
} W2SemiDiscrete;
PetscErrorCode W2SemiDiscreteCreate(const W2Torus *t, W2SemiDiscrete **sd);
PetscErrorCode W2SemiDiscreteDestroy(W2SemiDiscrete **sd);
PetscErrorCode W2SemiDiscreteEvaluate(W2SemiDiscrete *sd, PetscReal tau, const PetscReal phi[], const PetscReal mu[], PetscReal *dual, PetscReal push[], PetscReal *cost, PetscReal centre_value[]);

/* ---- H^1 preconditioner by FFT (poisson.c): out = (theta + kappa (-Lap_h))^-1 g ----------------
   Planned once per grid (FFTW_ESTIMATE: the same plan on every rank, so redundant parallel solves
   stay bitwise identical). theta = 0: the zero mode of out is set to 0. */
typedef struct {
  W2Torus       t;
  double       *real;
  fftw_complex *spec;
  fftw_plan     forward, backward;
  PetscReal    *lambda; /* symbol of -Lap_h on the half spectrum */
  PetscInt      nspec;
} W2Poisson;
PetscErrorCode W2PoissonCreate(const W2Torus *t, W2Poisson **p);
PetscErrorCode W2PoissonDestroy(W2Poisson **p);
PetscErrorCode W2PoissonSolve(W2Poisson *p, PetscReal theta, PetscReal kappa, const PetscReal g[], PetscReal out[]);

/* ---- energies (jko.c): E(rho) = sum q f(rho/q) dV, E*(phi) = sum q f*(phi) dV, rho_phi = q (f')^-1(phi) */
PetscReal W2JKOEnergy(const W2Divergence *div, const W2Torus *t, const PetscReal q[], const PetscReal rho[]);
PetscReal W2JKOConjEnergy(const W2Divergence *div, const W2Torus *t, const PetscReal q[], const PetscReal phi[]);
/* rho = q (f')^-1(phi) and, when drho is not NULL, drho = d rho / d phi = q / f''(rho/q) (0 where rho = 0) */
void      W2JKODensityOf(const W2Divergence *div, const W2Torus *t, const PetscReal q[], const PetscReal phi[], PetscReal rho[], PetscReal drho[]);
/* Fenchel-Young gap sum q [f(rho/q) + f*(phi) - phi rho/q] dV >= 0, summed pointwise */
PetscReal W2JKOFenchelGap(const W2Divergence *div, const W2Torus *t, const PetscReal q[], const PetscReal rho[], const PetscReal phi[]);
/* relative residual of S(y) = y + tau grad_h f'(rho/q)(y) in L2(rho); disp = S(y) - y (dim per point) */
PetscReal W2JKOOptimalityResidual(const W2Divergence *div, const W2Torus *t, const PetscReal q[], const PetscReal rho[], const PetscReal disp[], PetscReal tau);

/* ---- the object -------------------------------------------------------------------------------- */
struct W2JKO_s {
  MPI_Comm      comm;
  W2Grid       *grid;
  W2Divergence *div;
  W2Torus       torus;
  char          type[32];
  PetscReal     tau, rtol, atol, marginal_tol;
  PetscInt      max_it;
  PetscBool     error_if_not_converged, monitor, setup;
  PetscInt      unconverged;
  PetscReal    *q, *mu, *nu, *rho; /* whole fields, on every rank */
  Vec           natural, all;
  VecScatter    toall;
  /* filled by the type's constructor */
  void *data;
  PetscErrorCode (*setfromoptions)(PetscOptionItems *, W2JKO);
  /* rho receives P_k; disp the displacement of the map S from P_k back to P_{k-1} (dim per point) */
  PetscErrorCode (*step)(W2JKO, const PetscReal mu[], PetscReal rho[], PetscReal disp[], W2JKOInfo *);
  PetscErrorCode (*distance)(W2JKO, const PetscReal mu[], const PetscReal nu[], W2JKOInfo *);
  PetscErrorCode (*destroy)(W2JKO);
};

/* whole field of a global Vec on every rank (natural order), and back to the owned part */
PetscErrorCode W2JKOGather(W2JKO jko, Vec v, PetscReal full[]);
PetscErrorCode W2JKOScatter(W2JKO jko, const PetscReal full[], Vec v);
/* Report a solve that ran out of iterations: an error, or a warning on stderr that is counted. */
PetscErrorCode W2JKOReportUnconverged(W2JKO jko, const char what[], const W2JKOInfo *info);
/* Print one monitor line (-jko_monitor). */
PetscErrorCode W2JKOMonitorLine(W2JKO jko, const char method[], PetscInt it, PetscReal dual, PetscReal gap, PetscReal rel, PetscReal step);

PetscErrorCode W2JKOCreate_BFM(W2JKO);
PetscErrorCode W2JKOCreate_Entropic(W2JKO);
/* entropic.c, for tests and benchmarks: out_j = LSE_i in_i - c_ij/eps by the -jko_entropic_kernel in force (FFT values kept where their error bound <= delta); nlog: points summed in the log domain; worst: largest bound kept */
PetscErrorCode W2JKOEntropicGibbs(W2JKO jko, PetscReal eps, PetscReal delta, const PetscReal in[], PetscReal out[], PetscInt64 *nlog, PetscReal *worst);
