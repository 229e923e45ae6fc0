/// @file The finite-volume W2 gradient flow d_t rho = div(rho grad f'(rho/q)) (THEORY.md section 3).
#pragma once
#include <signal.h>
#include <petscts.h>
#include "grid/grid.h"
#include "divergences/divergence.h"

/* Semi-discrete quantities of one state: E_h = sum q f(rho/q) dV, D_h = sum_faces u F dV. */
typedef struct {
  PetscReal energy, dissipation, mass, min_rho;
  PetscReal max_speed[2]; /* max |u| over the faces normal to each axis */
  PetscReal max_diffusivity; /* max rho f''(rho/q)/q: the linearised diffusion coefficient */
} W2FlowDiagnostics;

typedef struct {
  W2Grid       *grid;
  W2Divergence *div;
  Vec           q;              /* target density (global) */
  Vec           qloc;           /* target with ghosts */
  PetscInt      order;          /* 1: upwind; 2: minmod-limited reconstruction */
  Vec           rholoc, philoc; /* work vectors with ghosts */
  Vec           qinvloc;        /* 1/q with ghosts: a product per cell instead of a division */
  PetscReal    *dphi;           /* Jacobian work: f''(rho/q)/q per ghosted cell */
  PetscReal    *sweep;          /* RHS work: face fluxes, speeds and slopes of a row (8 xm + 4) */
  PetscScalar  *coo_v;          /* Jacobian values in the order of the COO pattern */
  PetscObjectId coo_mat;        /* id of the matrix whose COO pattern is set (W2FlowJacobian) */
  PetscReal     mean_diffusivity; /* mean of rho f''(rho/q)/q at the last W2FlowJacobian or W2FlowLinearise */
  /* the Newton operator without a matrix (W2FlowLinearise, W2FlowShiftedApply) */
  PetscReal    *lin;            /* first-order dF/drho_a, dF/drho_b per x face ((xm + 1) per owned row), per y face ((ym + 1) rows of xm) */
  PetscInt      halo_mode;      /* 0 not chosen yet, 1 whole rows (neighbour rows by halo_scatter), 2 ghosted copy xloc */
  Vec           xloc, halo;     /* ghosted copy of the argument; the rows ys - 1 and ys + ym of it */
  VecScatter    halo_scatter;
  PetscReal     cfl;            /* explicit steps: fraction of the forward-Euler limit */
  PetscReal     ssp_coefficient; /* explicit SSP methods: steps c times the forward-Euler limit */
  PetscReal     dt_max;         /* the step asked for (-ts_dt) before the explicit limit */
  PetscBool     explicit_ts;
  PetscBool     stage_increments; /* the TS checks stage increments, not densities (rosw) */
  PetscReal     positivity_tol; /* negative values above -tol * max rho count as round-off */
  PetscInt      rhs_evaluations, rejected_stages;
  /* explicit steps that lose positivity are taken back: the state before the step, and the step scale */
  Vec           saved;
  PetscReal     saved_time, step_scale;
  PetscInt      saved_step;
  PetscBool     stage_failed;
  /* set asynchronously (a signal handler) to end the integration at the next step boundary */
  volatile sig_atomic_t *interrupt;
  int                    interrupted; /* the value seen, agreed by all ranks */
} W2Flow;

PetscErrorCode W2FlowCreate(W2Grid *grid, W2Divergence *div, Vec q, PetscInt order, W2Flow **flow);
PetscErrorCode W2FlowDestroy(W2Flow **flow);

/* G = div_h(rho grad_h phi) (G may be NULL) and the diagnostics of rho (diag may be NULL).
   valid is false when rho leaves the divergence's domain (rho < 0, or rho = 0 where f'(0) is infinite). */
PetscErrorCode W2FlowEvaluate(W2Flow *flow, Vec rho, Vec G, W2FlowDiagnostics *diag, PetscBool *valid);
/* phi = f'(rho/q) on the owned cells */
PetscErrorCode W2FlowPotential(W2Flow *flow, Vec rho, Vec phi);
/* cell-centred velocity -grad phi (central differences) into a Vec with dof = dim per cell */
PetscErrorCode W2FlowVelocity(W2Flow *flow, Vec phi, Vec velocity);
/* analytic Jacobian dG/drho of the first-order scheme (for order 2: its preconditioner). The first call
   with a matrix sets its COO pattern (replacing any preallocation); later calls only write values. Also
   records mean_diffusivity (for -flow_pc fft). */
PetscErrorCode W2FlowJacobian(W2Flow *flow, Vec rho, Mat J);
/* J = shift I - dG/drho (the Newton matrix of an implicit step) when shifted, else as W2FlowJacobian: written
   in one pass (TS's MatScale and MatShift of an RHS Jacobian are two more passes over the matrix) */
PetscErrorCode W2FlowShiftedJacobian(W2Flow *flow, Vec rho, PetscReal shift, PetscBool shifted, Mat J);
/* The first-order face derivatives at rho, kept for W2FlowShiftedApply; records mean_diffusivity as W2FlowJacobian */
PetscErrorCode W2FlowLinearise(W2Flow *flow, Vec rho);
/* y = shift x - J x, J the first-order Jacobian at the rho of the last W2FlowLinearise: the action of the matrix
   W2FlowShiftedJacobian writes (to round-off), by a stencil sweep over the stored face derivatives */
PetscErrorCode W2FlowShiftedApply(W2Flow *flow, PetscReal shift, Vec x, Vec y);
/* The same as a MATSHELL (MatMult only); W2FlowShiftedOperatorSet linearises it at rho with the given shift.
   GetShift: whether A is such an operator, and its shift. */
PetscErrorCode W2FlowCreateShiftedOperator(W2Flow *flow, Mat *A);
PetscErrorCode W2FlowShiftedOperatorSet(Mat A, Vec rho, PetscReal shift);
PetscErrorCode W2FlowShiftedOperatorGetShift(Mat A, PetscBool *is, PetscReal *shift);
/* the largest stable, positivity-preserving forward-Euler step for the state of diag */
PetscReal W2FlowExplicitStepLimit(const W2Flow *flow, const W2FlowDiagnostics *diag);

/* Create a TS for the flow: RHS function and Jacobian (IFunction/IJacobian for IMEX methods: arkimex, rosw,
   eimex), positivity checks, defaults (ssp explicit; implicit: Newton rtol 1e-10, PC built once per step,
   Eisenstat-Walker), then TSSetFromOptions. -flow_jacobian analytic|mf, -flow_pc fft|hypre,
   -flow_pc_fft_plan estimate|measure, -flow_operator shell|assembled (the Newton operator: a stencil MATSHELL,
   the default with the FFT preconditioner, or the assembled AIJ matrix, which every other PC needs). */
PetscErrorCode W2FlowCreateTS(W2Flow *flow, TS *ts);
