/// @file The JKO flow: repeated JKO steps with -jko_tau, and what THEORY.md 4 says every step must satisfy.
#include "jko/jkoimpl.h"

PetscErrorCode W2JKOFlowStep(W2JKO jko, Vec rho, W2JKOInfo *info, W2JKOFlowRecord *record)
{
  Vec       next;
  W2JKOInfo in;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(rho, &next));
  PetscCall(W2JKOStep(jko, rho, next, &in));
  PetscCall(VecCopy(next, rho));
  PetscCall(VecDestroy(&next));
  if (record) {
    if (record->steps == 0) {
      record->energy0   = in.energy_prev;
      record->min_slack = PETSC_MAX_REAL;
      record->min_rho   = PETSC_MAX_REAL;
    }
    record->steps++;
    record->t += jko->tau;
    record->iterations += in.iterations;
    record->unconverged += in.converged ? 0 : 1;
    record->energy = in.energy;
    record->sum_w2_over_2tau += in.w2sq / (2.0 * jko->tau);
    record->min_slack      = PetscMin(record->min_slack, in.slack);
    record->max_gap        = PetscMax(record->max_gap, in.gap);
    record->max_rel_gap    = PetscMax(record->max_rel_gap, in.rel_gap);
    record->max_residual   = PetscMax(record->max_residual, in.residual);
    record->max_mass_error = PetscMax(record->max_mass_error, PetscAbsReal(in.mass - 1.0));
    record->min_rho        = PetscMin(record->min_rho, in.min_rho);
  }
  if (info) *info = in;
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOFlowSolve(W2JKO jko, Vec rho, PetscReal t_final, PetscInt max_steps, W2JKOMonitor monitor, void *ctx, W2JKOFlowRecord *record)
{
  W2JKOFlowRecord rec;
  PetscInt        k;

  PetscFunctionBeginUser;
  PetscCheck(t_final > 0 || max_steps > 0, jko->comm, PETSC_ERR_USER_INPUT, "a JKO flow needs a final time or a number of steps");
  PetscCall(PetscMemzero(&rec, sizeof(rec)));
  if (monitor) PetscCall((*monitor)(jko, 0, 0.0, rho, NULL, ctx));
  /* steps of exactly tau; the last one ends at or past t_final (a JKO step has no partial length) */
  for (k = 1; (max_steps <= 0 || k <= max_steps) && (t_final <= 0 || rec.t < t_final * (1 - 1e-12)); k++) {
    W2JKOInfo info;
    PetscCall(W2JKOFlowStep(jko, rho, &info, &rec));
    if (monitor) PetscCall((*monitor)(jko, k, rec.t, rho, &info, ctx));
  }
  if (record) *record = rec;
  PetscFunctionReturn(0);
}
