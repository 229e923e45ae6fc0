/// @file A flow problem assembled from the options: grid, divergence, target, initial density, TS.
#pragma once
#include "solver/flow.h"

typedef struct {
  W2Grid       *grid;
  W2Divergence *div;
  Vec           q, rho; /* target and initial density, each normalised to unit mass */
  PetscReal     q_mass, rho_mass; /* integrals before normalisation */
  char          q_source[1200], rho_source[1200];
  W2Flow       *flow;
  TS            ts;
} W2FlowProblem;

/* Reads -flow_order, -grid_*, -div_*, -target_*, -init_* and the TS options. */
PetscErrorCode W2FlowProblemCreate(MPI_Comm comm, W2FlowProblem **problem);
PetscErrorCode W2FlowProblemDestroy(W2FlowProblem **problem);
