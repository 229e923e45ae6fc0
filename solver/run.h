/// @file The `w2flow run` command: a flow from a parameter file to an HDF5/XDMF/CSV result.
#pragma once
#include <petscsys.h>

PetscErrorCode W2CommandRun(MPI_Comm comm);
