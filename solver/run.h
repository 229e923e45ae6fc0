/// @file The `w2flow run` command: a flow from a parameter file to an HDF5/XDMF/CSV result.
#pragma once
#include <petscsys.h>

PetscErrorCode W2CommandRun(MPI_Comm comm);
/* The signal (SIGINT, SIGTERM) that ended the last run at a step boundary, 0 if none. */
int W2RunInterruptSignal(void);
