/// @file JKO steps P_k = argmin F_f(P||Q) + W2^2(P, P_{k-1})/(2 tau) and W2 distances on the torus (THEORY.md section 4).
#pragma once
#include "grid/grid.h"
#include "divergences/divergence.h"

/* A JKO solver for one grid, divergence and target; the method is chosen by -jko_type from a registry.
   Life cycle: W2JKOCreate -> W2JKOSetFromOptions -> W2JKOStep / W2JKODistance (any number) -> W2JKODestroy.
   Parallel runs keep whole fields on every rank (O(N) memory per rank). entropic splits its work across the
   ranks of the grid's communicator (per axis by lines, pointwise by points, blocks shared by MPI_Allgatherv,
   sums over the whole array in the serial order: K ranks give the serial bits up to FFTW's rounding of a block
   of lines; see jko/entropic.c); bfm and newton split the clipping of 2-D cells (their costly part) by rows
   of cells and add the pieces in the serial order (the serial bits on every rank); the rest of their work,
   O(N) per evaluation and newton's sparse solve, is redundant on every rank.
   bfm discretisation (jko/bfm.c): P_{k-1} is read as constant on each cell and P_k as masses at the cell
   centres (semi-discrete transport, exact Laguerre cells); W2^2 is reported without the constant cell
   spread sum_a h_a^2/12, so a translation by whole cells gives |v|^2 exactly.
   newton (jko/newton.c): the same discrete problem and stopping rule as bfm, solved by damped Newton with
   the exact Hessian of the semi-discrete dual (Kitagawa, Merigot, Thibert 2019). */
typedef struct W2JKO_s *W2JKO;

/* What one solve reports. Energies in units of F_f; lengths squared in units of the grid's L^2. */
typedef struct {
  PetscReal w2sq;        /* transport cost of the computed plan: W2^2(P_k, P_{k-1}), or W2^2(mu, nu) */
  PetscReal energy_prev; /* F(P_{k-1}) */
  PetscReal energy;      /* F(P_k) */
  PetscReal slack;       /* F(P_{k-1}) - F(P_k) - W2^2/(2 tau): bfm >= -gap by weak duality (entropic: the
                            plan's blur enters W2^2, no such bound) */
  PetscReal primal, dual;/* objective of the returned density and of the dual potentials */
  PetscReal gap;         /* duality gap primal - dual >= 0 (OT: |primal - dual|) */
  PetscReal rel_gap;     /* gap / scale, the quantity -jko_rtol bounds (see W2JKOStep) */
  PetscReal marginal;    /* OT only: total variation between the achieved and the asked second marginal */
  PetscReal residual;    /* relative optimality residual |S(x) - x - tau grad phi|/|S(x) - x| in L2(P_k) */
  PetscReal mass;        /* integral of the result */
  PetscReal min_rho;
  PetscReal epsilon;     /* entropic: the final regularisation; bfm: 0 */
  PetscInt  iterations;
  PetscBool converged;
  PetscBool stalled;     /* stopped before -jko_max_it because no step improved the dual */
} W2JKOInfo;

typedef PetscErrorCode (*W2JKOCtor)(W2JKO);

PetscErrorCode W2JKORegisterAll(void);
PetscErrorCode W2JKORegister(const char name[], W2JKOCtor ctor);

/* q is the target density (> 0); it is copied. div may be NULL for W2 distances only. */
PetscErrorCode W2JKOCreate(W2Grid *grid, W2Divergence *div, Vec q, W2JKO *jko);
PetscErrorCode W2JKOSetType(W2JKO jko, const char type[]);
/* -jko_type bfm|entropic|newton, -jko_tau, -jko_rtol, -jko_atol, -jko_max_it, -jko_error_if_not_converged,
   -jko_monitor and the options of the type (-jko_bfm_*, -jko_epsilon*, -jko_newton_*). */
PetscErrorCode W2JKOSetFromOptions(W2JKO jko);
PetscErrorCode W2JKOSetTau(W2JKO jko, PetscReal tau);
PetscErrorCode W2JKOGetTau(W2JKO jko, PetscReal *tau);
PetscErrorCode W2JKOSetTolerances(W2JKO jko, PetscReal rtol, PetscReal atol, PetscInt max_it);
PetscErrorCode W2JKOGetTolerances(W2JKO jko, PetscReal *rtol, PetscReal *atol, PetscInt *max_it);
PetscErrorCode W2JKOGetType(W2JKO jko, const char **type);
/* Number of solves that stopped at -jko_max_it without reaching the tolerance (warnings recorded). */
PetscErrorCode W2JKOGetUnconverged(W2JKO jko, PetscInt *count);
PetscErrorCode W2JKODestroy(W2JKO *jko);
/* sum v dV over the gathered field: the same number on every process layout */
PetscErrorCode W2JKOMassOf(W2JKO jko, Vec v, PetscReal *mass);

/* One JKO step from mu = P_{k-1} (unit mass, >= 0; > 0 when f'(0+) = -inf, except that bfm and newton take
   empty cells where f(0) is finite: their computed P_k can leave a Laguerre cell empty where the exact density
   is tiny) into rho = P_k.
   Stops when gap <= rtol * scale or gap <= atol, scale = W2^2/(2 tau) + |F(P_{k-1}) - F(P_k)| (the size
   of the step); otherwise an error, or with -jko_error_if_not_converged false a recorded warning.
   rho may not alias mu. */
PetscErrorCode W2JKOStep(W2JKO jko, Vec mu, Vec rho, W2JKOInfo *info);
/* W2^2(mu, nu) by the same method: the JKO dual with the energy replaced by the constraint P = nu.
   Stops when |primal - dual| <= rtol * primal (or atol) and the plan's second marginal is within
   -jko_w2_marginal_tol (default 1e-6) of nu in total variation. The dual is a lower bound. */
PetscErrorCode W2JKODistance(W2JKO jko, Vec mu, Vec nu, W2JKOInfo *info);

/* Exact W2^2 on the circle [0,L) between two densities that are constant on each of the N cells
   (each of unit mass): min over theta of int_0^1 |F^-1(t) - G^-1(t + theta)|^2 dt with G^-1 extended by
   G^-1(s + 1) = G^-1(s) + L (Delon, Salomon, Sobolevski 2010). theta (may be NULL) receives the shift. */
PetscErrorCode W2CircleW2(PetscInt N, PetscReal L, const PetscReal mu[], const PetscReal nu[], PetscReal *w2sq, PetscReal *theta);
/* The same for two Vecs of a 1-D grid (gathered on every rank). */
PetscErrorCode W2CircleW2Vec(const W2Grid *grid, Vec mu, Vec nu, PetscReal *w2sq);

/* The JKO flow: repeated steps with -jko_tau from rho up to t_final or max_steps. The monitor sees
   every step (k = 0 is the initial state, info NULL) and may be NULL. Summary in *record. */
typedef PetscErrorCode (*W2JKOMonitor)(W2JKO jko, PetscInt k, PetscReal t, Vec rho, const W2JKOInfo *info, void *ctx);
typedef struct {
  PetscInt  steps, unconverged, iterations;
  PetscReal t;
  PetscReal energy0, energy;   /* F(P_0), F(P_N) */
  PetscReal sum_w2_over_2tau;  /* sum_k W2^2(P_k, P_{k-1})/(2 tau) <= F(P_0) - F(P_N) */
  PetscReal min_slack;         /* smallest per-step energy inequality slack */
  PetscReal max_gap, max_rel_gap, max_residual;
  PetscReal max_mass_error, min_rho;
} W2JKOFlowRecord;
PetscErrorCode W2JKOFlowSolve(W2JKO jko, Vec rho, PetscReal t_final, PetscInt max_steps, W2JKOMonitor monitor, void *ctx, W2JKOFlowRecord *record);
/* One flow step in place (rho: P_{k-1} in, P_k out), for drivers that own the loop; updates *record
   (zero it before the first step; record->t advances by tau). */
PetscErrorCode W2JKOFlowStep(W2JKO jko, Vec rho, W2JKOInfo *info, W2JKOFlowRecord *record);

/* W2^2 between the densities stored in two files, each FILE.h5[:dataset] (default dataset -w2_dataset,
   else fields/rho of a `w2flow run` result, else rho; -w2_step, -w2_dim, -grid_Lx, -grid_Ly); method (in/out, -w2_method) bfm, entropic or circle.
   Both are normalised to unit mass on the grid given by the datasets' shape. */
PetscErrorCode W2DistanceFiles(MPI_Comm comm, const char spec_a[], const char spec_b[], char method[], size_t mlen, PetscReal *w2sq, W2JKOInfo *info);
/* `w2flow w2 A.h5[:dataset] B.h5[:dataset]`: W2^2 between two stored densities (dataset as in
   W2DistanceFiles, the last time step unless -w2_step). arg is the first file; the second is the first non-option
   argument left on the command line. */
PetscErrorCode W2CommandW2(MPI_Comm comm, const char *arg);
