/// @file Result files: HDF5 fields and diagnostics, an XDMF sidecar for ParaView, a CSV of the diagnostics.
#pragma once
#include <petscviewerhdf5.h>
#include "grid/grid.h"

/* The per-step diagnostics, in file order (/diagnostics/<name> and the CSV columns). */
typedef enum { W2D_STEP, W2D_TIME, W2D_DT, W2D_ENERGY, W2D_DISSIPATION, W2D_MASS, W2D_MIN_RHO, W2D_EDI_RESIDUAL, W2D_EDI_RELATIVE, W2D_COUNT } W2DiagColumn;
extern const char *const W2DiagNames[W2D_COUNT];

typedef struct W2Output_s *W2Output;

/* Refuses (naming the file) when <base>.h5, .xmf or .csv exists and overwrite is false. */
PetscErrorCode W2OutputCheckTarget(MPI_Comm comm, const char base[], PetscBool overwrite);
PetscErrorCode W2OutputCreate(const W2Grid *grid, const char base[], PetscBool overwrite, W2Output *out);
/* q (written once) may be NULL after the first call; velocity has dof = dim. */
PetscErrorCode W2OutputWriteFields(W2Output out, PetscReal t, Vec rho, Vec phi, Vec velocity, Vec q);
PetscErrorCode W2OutputAppendDiagnostics(W2Output out, const PetscReal row[W2D_COUNT]);
PetscErrorCode W2OutputWriteAttribute(W2Output out, const char name[], const char value[]);
/* Flush diagnostics and the XDMF sidecar: the file is readable at every committed output. */
PetscErrorCode W2OutputFlush(W2Output out);
PetscErrorCode W2OutputClose(W2Output *out);
PetscErrorCode W2OutputGetSteps(W2Output out, PetscInt *field_steps, PetscInt *diag_rows);
