/// @file The geometry subcommands of w2flow (app/main.c dispatches to them).
#pragma once
#include <petscsys.h>

/* `w2flow geometry [PARAMS]`: metric, connection error and Alg. 1 curvature of a family at one theta */
PetscErrorCode W2CommandGeometry(MPI_Comm comm, const char *file);
