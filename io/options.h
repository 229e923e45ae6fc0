/// @file Parameter files (PETSc options files and YAML) and the rule that every option set must be used.
#pragma once
#include <petscsys.h>

/* Insert the parameter file (YAML when it ends in .yaml/.yml, else PETSc's plain format), then the
   command line again so that it overrides the file; record every option set, for the output file. */
PetscErrorCode W2OptionsInsertParameterFile(const char file[], int *argc, char ***argv);
/* Every option set so far (name without the dash, value; "" for a flag), in the order first set. */
PetscErrorCode W2OptionsRecorded(PetscInt *n, const char ***names, const char ***values);
/* Error listing the options set but never read. early: skip options PETSc reads only after set-up
   (viewers, logging, multigrid levels); the final check at exit takes none out. */
PetscErrorCode W2OptionsCheckUnused(MPI_Comm comm, PetscBool early);
PetscErrorCode W2OptionsFinalize(void);
