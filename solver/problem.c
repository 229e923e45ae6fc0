/// @file Assemble a flow problem from the options database.
#include "solver/problem.h"
#include "grid/profile.h"

static PetscErrorCode Build(MPI_Comm comm, PetscInt order, W2FlowProblem *p)
{
  PetscFunctionBeginUser;
  PetscCall(W2GridCreate(comm, order, &p->grid));
  PetscCall(W2DivergenceCreate(comm, &p->div));
  PetscCall(DMCreateGlobalVector(p->grid->da, &p->q));
  PetscCall(VecDuplicate(p->q, &p->rho));
  PetscCall(W2ProfileCreateDensity(p->grid, "target_", "uniform", PETSC_TRUE, p->q, &p->q_mass, p->q_source, sizeof(p->q_source)));
  PetscCall(W2ProfileCreateDensity(p->grid, "init_", "gaussian", p->div->needs_positive, p->rho, &p->rho_mass, p->rho_source, sizeof(p->rho_source)));
  PetscCall(W2FlowCreate(p->grid, p->div, p->q, order, &p->flow));
  PetscCall(W2FlowCreateTS(p->flow, &p->ts));
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowProblemCreate(MPI_Comm comm, W2FlowProblem **problem)
{
  W2FlowProblem *p;
  PetscInt       order = 1;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  *problem = NULL;
  PetscOptionsBegin(comm, "flow_", "W2 gradient flow discretisation", NULL);
  PetscCall(PetscOptionsInt("-order", "Spatial order: 1 (upwind) or 2 (minmod-limited reconstruction)", NULL, order, &order, NULL));
  PetscOptionsEnd();
  PetscCheck(order == 1 || order == 2, comm, PETSC_ERR_USER_INPUT, "-flow_order must be 1 or 2, got %" PetscInt_FMT, order);
  PetscCall(PetscNew(&p));
  ierr = Build(comm, order, p);
  if (ierr) PetscCall(W2FlowProblemDestroy(&p)); /* bad input found while building: free what was built */
  PetscCall(ierr);
  *problem = p;
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowProblemDestroy(W2FlowProblem **problem)
{
  W2FlowProblem *p = *problem;

  PetscFunctionBeginUser;
  if (!p) PetscFunctionReturn(0);
  PetscCall(TSDestroy(&p->ts));
  PetscCall(W2FlowDestroy(&p->flow));
  PetscCall(VecDestroy(&p->rho));
  PetscCall(VecDestroy(&p->q));
  PetscCall(W2DivergenceDestroy(&p->div));
  PetscCall(W2GridDestroy(&p->grid));
  PetscCall(PetscFree(*problem));
  PetscFunctionReturn(0);
}
