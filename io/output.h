/// @file Result files: HDF5 fields and diagnostics, an XDMF sidecar for ParaView, a CSV of the diagnostics.
#pragma once
#include <petscviewerhdf5.h>
#include "grid/grid.h"

/* The per-step diagnostics, in file order (/diagnostics/<name> and the CSV columns). */
typedef enum { W2D_STEP, W2D_TIME, W2D_DT, W2D_ENERGY, W2D_DISSIPATION, W2D_MASS, W2D_MIN_RHO, W2D_EDI_RESIDUAL, W2D_EDI_RELATIVE, W2D_COUNT } W2DiagColumn;
extern const char *const W2DiagNames[W2D_COUNT];

/* Everything a run needs to continue from a step boundary as if it had never stopped. */
typedef struct {
  PetscInt  step, nfields, nrows, last_written, N[2];
  PetscReal time, dt, step_scale;       /* the stepper */
  PetscReal E0, dissipated, D_prev;     /* the running EDI balance */
} W2Checkpoint;

typedef struct W2Output_s *W2Output;

/* Refuses (naming -output) when the directory of the result base does not exist, is not a directory or is not writable (a
   file is created there and removed). base NULL: the value of -output, if set. */
PetscErrorCode W2OutputCheckDirectory(MPI_Comm comm, const char base[]);
/* Checks the directory, then refuses (naming the file) when <base>.h5, .xmf or .csv exists and overwrite is false. */
PetscErrorCode W2OutputCheckTarget(MPI_Comm comm, const char base[], PetscBool overwrite);
/* Writing goes to <base>.h5.partial; <base>.h5 (+ .xmf, .csv) only ever changes by an atomic
   rename at a commit, so a run killed at any moment leaves the last committed result readable.
   With restart (read by W2OutputReadCheckpoint from restart_file), the new result starts as a copy
   of restart_file cut back to the checkpoint. */
PetscErrorCode W2OutputCreate(const W2Grid *grid, const char base[], const char restart_file[], const W2Checkpoint *restart, W2Output *out);
/* q (written once) may be NULL after the first call; velocity has dof = dim. */
PetscErrorCode W2OutputWriteFields(W2Output out, PetscReal t, Vec rho, Vec phi, Vec velocity, Vec q);
PetscErrorCode W2OutputAppendDiagnostics(W2Output out, const PetscReal row[W2D_COUNT]);
/* Extra per-step columns after the standard ones (/diagnostics/<name> and the CSV), e.g. the JKO records.
   Declare them once, before the next row, on a new result or on a restarted one (whose stored columns are
   then kept up to the checkpoint; a missing one is an error). A row starts with NaN in every extra column;
   W2OutputSetExtra fills the extra columns of the last row appended. */
PetscErrorCode W2OutputAddColumns(W2Output out, PetscInt n, const char *const names[]);
PetscErrorCode W2OutputSetExtra(W2Output out, const PetscReal values[]);
PetscErrorCode W2OutputWriteAttribute(W2Output out, const char name[], const char value[]);
/* Store the state to continue from (in /checkpoint); it is durable at the next commit or close. */
PetscErrorCode W2OutputWriteCheckpoint(W2Output out, Vec rho, W2Checkpoint *ck);
PetscErrorCode W2OutputReadCheckpoint(const W2Grid *grid, const char file[], Vec rho, W2Checkpoint *ck);
/* Make <base>.h5, .xmf, .csv the state written so far, atomically. */
PetscErrorCode W2OutputCommit(W2Output out);
/* Final commit (a rename, no copy) and release. */
PetscErrorCode W2OutputClose(W2Output *out);
PetscErrorCode W2OutputGetSteps(W2Output out, PetscInt *field_steps, PetscInt *diag_rows);
PetscErrorCode W2OutputGetPath(W2Output out, const char **h5);
