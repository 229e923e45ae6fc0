/// @file The geometry subcommands of w2flow (app/main.c dispatches to them).
#pragma once
#include <petscsys.h>

/* `w2flow geometry [PARAMS]`: metric, connection error and Alg. 1 curvature of a family at one theta */
PetscErrorCode W2CommandGeometry(MPI_Comm comm, const char *file);
/* `w2flow convexity [PARAMS]`: lambda(delta) of F_f(.||Q) along sampled W2 geodesics near Q (THEORY.md 5) */
PetscErrorCode W2CommandConvexity(MPI_Comm comm, const char *file);
/* `w2flow natgrad [PARAMS]`: Euclidean, Otto, Gauss-Newton and inertial natural-gradient descent of F_f(P_theta||Q) (THEORY.md 7) */
PetscErrorCode W2CommandNatgrad(MPI_Comm comm, const char *file);
