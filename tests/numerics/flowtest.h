/// @file Test helpers: run a flow problem from an options string and collect what the theorems constrain.
#pragma once
#include "tests/w2check.h"
#include <petscts.h>
#include "solver/problem.h"


typedef struct {
  PetscReal E0, E, dissipated, edi, edi_relative;
  PetscReal max_energy_rise; /* largest E_{n+1} - E_n, relative to E0 */
  PetscReal max_mass_error;  /* largest |mass - 1| */
  PetscReal min_rho;         /* smallest density seen after any step */
  PetscReal t_prev, D_prev, E_prev, t;
  PetscInt  steps;
  PetscBool started;
} W2RunRecord;

static inline PetscErrorCode W2TestMonitor(TS ts, PetscInt step, PetscReal t, Vec rho, void *ctx)
{
  W2RunRecord      *r = (W2RunRecord *)ctx;
  W2Flow           *fl;
  W2FlowDiagnostics d;
  PetscBool         valid;

  PetscFunctionBeginUser;
  if (r->started && step <= r->steps) PetscFunctionReturn(0); /* a step taken back is monitored once */
  r->started = PETSC_TRUE;
  PetscCall(TSGetApplicationContext(ts, &fl));
  PetscCall(W2FlowEvaluate(fl, rho, NULL, &d, &valid));
  if (step == 0) {
    r->E0 = r->E_prev = d.energy;
    r->min_rho        = d.min_rho;
  } else {
    r->dissipated += 0.5 * (t - r->t_prev) * (d.dissipation + r->D_prev);
    r->max_energy_rise = PetscMax(r->max_energy_rise, (d.energy - r->E_prev) / r->E0);
  }
  r->min_rho        = PetscMin(r->min_rho, d.min_rho);
  r->max_mass_error = PetscMax(r->max_mass_error, PetscAbsReal(d.mass - 1.0));
  r->E              = d.energy;
  r->E_prev         = d.energy;
  r->t_prev         = t;
  r->t              = t;
  r->D_prev         = d.dissipation;
  r->steps          = step;
  r->edi            = r->E0 - r->E - r->dissipated;
  r->edi_relative   = r->edi / (r->E0 - r->E);
  PetscFunctionReturn(0);
}

/* Replace the options database by opts, build the problem, integrate; the caller destroys *pb. */
static inline PetscErrorCode W2TestRun(const char opts[], W2FlowProblem **pb, W2RunRecord *rec)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(W2FlowProblemCreate(PETSC_COMM_WORLD, pb));
  PetscCall(PetscMemzero(rec, sizeof(*rec)));
  PetscCall(TSMonitorSet((*pb)->ts, W2TestMonitor, rec, NULL));
  PetscCall(TSSolve((*pb)->ts, (*pb)->rho));
  PetscFunctionReturn(0);
}

/* Observed order from errors at successive refinements by 2. */
static inline PetscReal W2Order(PetscReal coarse, PetscReal fine) { return PetscLog2Real(coarse / fine); }

/* L1 norm of rho - exact(x,y) on the grid */
typedef PetscReal (*W2Exact)(PetscReal x, PetscReal y, void *ctx);
static inline PetscErrorCode W2TestL1Error(const W2Grid *g, Vec rho, W2Exact exact, void *ctx, PetscReal *err)
{
  W2Box              b;
  const PetscScalar *a;
  PetscReal          sum = 0;

  PetscFunctionBeginUser;
  PetscCall(W2GridOwnedBox(g, &b));
  PetscCall(VecGetArrayRead(rho, &a));
  for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) sum += PetscAbsReal(a[(j - b.ys) * b.xm + (i - b.xs)] - exact(W2GridX(g, i), W2GridY(g, j), ctx));
  PetscCall(VecRestoreArrayRead(rho, &a));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, g->comm));
  *err = sum * g->dV;
  PetscFunctionReturn(0);
}
