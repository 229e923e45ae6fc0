/// @file `w2flow info FILE.h5`: a summary of a result file.
#pragma once
#include <petscsys.h>

PetscErrorCode W2CommandInfo(MPI_Comm comm, const char file[]);
