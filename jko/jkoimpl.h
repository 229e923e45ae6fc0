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
  PetscInt  *plab, *wlab; /* per polygon edge the candidate whose half-plane made it, -1 on the cell boundary */
  W2Piece   *piece;
  /* Hessian (W2SemiDiscreteSetHessian): after each evaluation, nh facet triplets (hrow, hcol, hval), each
     standing for hval (e_r e_c^T + e_c e_r^T - e_r e_r^T - e_c e_c^T) in d push / d phi (push as a density):
     int over the facet of mu dsigma / (|y_r - y_c| / tau), per dV (Kitagawa, Merigot, Thibert 2019) */
  PetscBool  hessian;
  PetscInt   nh, hcap, nf, fcap;
  PetscInt  *hrow, *hcol, *fc, *fe; /* fc, fe, flen: the labelled edges of the cell being clipped */
  PetscReal *hval, *flen;
  /* W2SemiDiscreteSetComm: 2-D cells clipped by rows split over the ranks, results combined on every rank */
  MPI_Comm    comm;
  PetscMPIInt rank, size;
  PetscInt    nr, rcap, *rw; /* this rank's pieces: site, and mass, moments, cost, dual term (rv, 5 each) */
  PetscReal  *rv;
} W2SemiDiscrete;
PetscErrorCode W2SemiDiscreteCreate(const W2Torus *t, W2SemiDiscrete **sd);
PetscErrorCode W2SemiDiscreteDestroy(W2SemiDiscrete **sd);
PetscErrorCode W2SemiDiscreteSetHessian(W2SemiDiscrete *sd, PetscBool hessian);
/* every rank of comm calls each evaluation with the same arguments and receives the same results; the
   clipping of 2-D cells is split by rows (default PETSC_COMM_SELF: all on one rank) */
PetscErrorCode W2SemiDiscreteSetComm(W2SemiDiscrete *sd, MPI_Comm comm);
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
  PetscBool     zero_source_ok; /* the type takes a P_{k-1} with empty cells when f(0) is finite (bfm, newton) */
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

/* ---- the semi-discrete dual problem shared by bfm.c and newton.c (dual.c; see the top of bfm.c) -------
   A JKO step (nu NULL): D(phi) = int mu Q[phi] - E*(phi); a W2 distance: E*(phi) = <phi, nu>, tau = 1. */
typedef struct {
  const PetscReal *mu, *nu; /* nu: the W2 target, NULL for a JKO step */
  PetscReal        tau;
  const W2Torus   *t;       /* the grid and target density q of the problem (newton.c also solves coarsened copies) */
  const PetscReal *q;
} W2DualProblem;
PetscReal W2DualConj(W2JKO jko, const W2DualProblem *pb, const PetscReal phi[]);
/* rho_phi and d rho_phi / d phi (W2: nu and 0) */
void      W2DualDensity(W2JKO jko, const W2DualProblem *pb, const PetscReal phi[], PetscReal rho[], PetscReal drho[]);
/* the start of a JKO step: the potential of P_{k-1}, phi = f'(mu/q), the solution when tau -> 0 */
void      W2DualJKOStart(W2JKO jko, const PetscReal mu[], PetscReal phi[]);
/* int mu |x - centre|^2 over the cells: the constant the semi-discrete cost carries and W2^2 is reported without */
PetscReal W2DualSpread(const W2Torus *t, const PetscReal mu[]);
/* info's w2sq, primal, dual, gap, rel_gap, marginal from one evaluation (push, cost, dual value D(phi)) */
void      W2DualMeasure(W2JKO jko, const W2DualProblem *pb, const PetscReal phi[], const PetscReal push[], PetscReal cost, PetscReal dual, PetscReal energy_mu, PetscReal spread, W2JKOInfo *info);
/* the stopping rule of W2JKOStep / W2JKODistance (jko.h) */
PetscBool W2DualConverged(W2JKO jko, const W2DualProblem *pb, const W2JKOInfo *info);

PetscErrorCode W2JKOCreate_BFM(W2JKO);
PetscErrorCode W2JKOCreate_Newton(W2JKO);
PetscErrorCode W2JKOCreate_Entropic(W2JKO);
/* entropic.c, for tests and benchmarks: out_j = LSE_i in_i - c_ij/eps by the -jko_entropic_kernel in force (FFT values kept where their error bound <= delta); nlog: points summed in the log domain; worst: largest bound kept.
   Collective on jko->comm: in whole on every rank, out whole on every rank on return, nlog and worst over all ranks. */
PetscErrorCode W2JKOEntropicGibbs(W2JKO jko, PetscReal eps, PetscReal delta, const PetscReal in[], PetscReal out[], PetscInt64 *nlog, PetscReal *worst);

/* ---- the work split across the ranks of jko->comm (jko.c). The fields stay whole on every rank (O(N) memory per
   rank); each rank computes one block (of lines, columns or points) and the blocks are then shared, so every rank
   holds the same bits and sums them in the same order as one rank does. */
/* the block [lo, hi) of n items rank `rank` of `size` computes (balanced; empty when n < size) */
void           W2JKOBlock(PetscInt n, PetscMPIInt size, PetscMPIInt rank, PetscInt *lo, PetscInt *hi);
/* field holds n items of bs contiguous values; each rank has written its W2JKOBlock of the items: now all of them */
PetscErrorCode W2JKOShareBlocks(MPI_Comm comm, PetscInt n, PetscInt bs, PetscReal field[]);
/* field is N0 x N1 (x fastest); each rank has written its W2JKOBlock of the N0 columns: now all of them (scratch: N0 N1 values) */
PetscErrorCode W2JKOShareColumns(MPI_Comm comm, PetscInt N0, PetscInt N1, PetscReal field[], PetscReal scratch[]);
/* terms[2p] = q f(rho/q), terms[2p+1] = the Fenchel-Young summand of W2JKOFenchelGap, for p in [p0, p1) */
void           W2JKOEnergyGapTerms(const W2Divergence *div, const PetscReal q[], const PetscReal rho[], const PetscReal phi[], PetscInt p0, PetscInt p1, PetscReal terms[]);
/* sum_p terms[bs p + k] dV in the order of p (+inf at the first +inf term): the serial sums' bits on every rank */
PetscReal      W2JKOSumTerms(const W2Torus *t, PetscInt bs, PetscInt k, const PetscReal terms[]);
