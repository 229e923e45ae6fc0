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
/* Before `run` allocates anything: the grid (-grid_Nx, -grid_Ny) must fit PETSc's index range, split
   among the ranks with at least the stencil width (-flow_order) of cells per rank and axis, and, at an
   estimated peak of bytes per cell for the stepper (-ts_type), fit the memory the ranks' nodes have
   available (MemAvailable, cgroup limit) and ulimit -v. Errors name the sizes: no OOM kill, no hang. */
PetscErrorCode W2OptionsCheckRunResources(MPI_Comm comm);
PetscErrorCode W2OptionsFinalize(void);
