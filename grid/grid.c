/// @file Creation, integration and normalisation on the periodic cell-centred DMDA grid.
#include "grid/grid.h"

PetscErrorCode W2GridCreateWithSizes(MPI_Comm comm, PetscInt dim, const PetscInt N[], const PetscReal L[], PetscInt stencil_width, W2Grid **grid)
{
  W2Grid *g;

  PetscFunctionBeginUser;
  PetscCheck(dim == 1 || dim == 2, comm, PETSC_ERR_USER_INPUT, "grid dimension must be 1 or 2, got %" PetscInt_FMT, dim);
  for (PetscInt a = 0; a < dim; a++) {
    const char *axis = a ? "y" : "x";
    PetscCheck(N[a] >= 3, comm, PETSC_ERR_USER_INPUT, "-grid_N%s must be at least 3, got %" PetscInt_FMT, axis, N[a]);
    PetscCheck(L[a] > 0 && PetscIsNormalReal(L[a]), comm, PETSC_ERR_USER_INPUT, "-grid_L%s must be a positive finite length, got %g", axis, (double)L[a]);
  }
  PetscCall(PetscNew(&g));
  g->comm    = comm;
  g->dim     = dim;
  g->stencil = stencil_width;
  for (PetscInt a = 0; a < 2; a++) {
    g->N[a] = a < dim ? N[a] : 1;
    g->L[a] = a < dim ? L[a] : 1.0;
    g->h[a] = g->L[a] / (PetscReal)g->N[a];
  }
  g->dV = g->h[0] * g->h[1];
  if (dim == 1) {
    PetscCall(DMDACreate1d(comm, DM_BOUNDARY_PERIODIC, g->N[0], 1, stencil_width, NULL, &g->da));
  } else {
    PetscCall(DMDACreate2d(comm, DM_BOUNDARY_PERIODIC, DM_BOUNDARY_PERIODIC, DMDA_STENCIL_STAR, g->N[0], g->N[1], PETSC_DECIDE, PETSC_DECIDE, 1, stencil_width, NULL, NULL, &g->da));
  }
  PetscCall(DMSetUp(g->da));
  PetscCall(DMDASetUniformCoordinates(g->da, 0.5 * g->h[0], g->L[0] - 0.5 * g->h[0], 0.5 * g->h[1], g->L[1] - 0.5 * g->h[1], 0, 0));
  *grid = g;
  PetscFunctionReturn(0);
}

PetscErrorCode W2GridCreate(MPI_Comm comm, PetscInt stencil_width, W2Grid **grid)
{
  PetscInt  N[2] = {64, 1};
  PetscReal L[2] = {1.0, 1.0};
  PetscBool set_ly;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, "grid_", "Periodic grid on [0,Lx) x [0,Ly)", NULL);
  PetscCall(PetscOptionsInt("-Nx", "Cells along x", NULL, N[0], &N[0], NULL));
  PetscCall(PetscOptionsInt("-Ny", "Cells along y (1 or absent: a 1-D grid)", NULL, N[1], &N[1], NULL));
  PetscCall(PetscOptionsReal("-Lx", "Period along x", NULL, L[0], &L[0], NULL));
  PetscCall(PetscOptionsReal("-Ly", "Period along y", NULL, L[1], &L[1], &set_ly));
  PetscOptionsEnd();
  PetscCheck(N[1] >= 1, comm, PETSC_ERR_USER_INPUT, "-grid_Ny must be 1 (1-D) or at least 3, got %" PetscInt_FMT, N[1]);
  PetscCheck(N[1] > 1 || !set_ly, comm, PETSC_ERR_USER_INPUT, "-grid_Ly %g is given but the grid is 1-D (-grid_Ny 1)", (double)L[1]);
  PetscCall(W2GridCreateWithSizes(comm, N[1] > 1 ? 2 : 1, N, L, stencil_width, grid));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GridDestroy(W2Grid **grid)
{
  PetscFunctionBeginUser;
  if (!*grid) PetscFunctionReturn(0);
  PetscCall(DMDestroy(&(*grid)->da));
  PetscCall(PetscFree(*grid));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GridView(const W2Grid *g, char *buf, size_t len)
{
  PetscFunctionBeginUser;
  if (g->dim == 1) PetscCall(PetscSNPrintf(buf, len, "1-D periodic, Nx = %" PetscInt_FMT ", Lx = %g", g->N[0], (double)g->L[0]));
  else PetscCall(PetscSNPrintf(buf, len, "2-D periodic, %" PetscInt_FMT " x %" PetscInt_FMT ", [0,%g) x [0,%g)", g->N[0], g->N[1], (double)g->L[0], (double)g->L[1]));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GridOwnedBox(const W2Grid *g, W2Box *box)
{
  PetscInt zs, zm;

  PetscFunctionBeginUser;
  PetscCall(DMDAGetCorners(g->da, &box->xs, &box->ys, &zs, &box->xm, &box->ym, &zm));
  if (g->dim == 1) {
    box->ys = 0;
    box->ym = 1;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2GridIntegrate(const W2Grid *g, Vec v, PetscReal *integral)
{
  PetscScalar s;

  PetscFunctionBeginUser;
  PetscCall(VecSum(v, &s));
  *integral = PetscRealPart(s) * g->dV;
  PetscFunctionReturn(0);
}

PetscErrorCode W2GridOrderedDots(const W2Grid *g, PetscInt n, Vec x[], Vec y[], PetscReal out[])
{
  Vec         w, nat, seq;
  VecScatter  sc;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(g->comm, &rank));
  PetscCall(DMGetGlobalVector(g->da, &w));
  PetscCall(DMDACreateNaturalVector(g->da, &nat));
  PetscCall(VecScatterCreateToZero(nat, &sc, &seq));
  for (PetscInt k = 0; k < n; k++) {
    if (y[k]) PetscCall(VecPointwiseMult(w, x[k], y[k]));
    else PetscCall(VecCopy(x[k], w));
    PetscCall(DMDAGlobalToNaturalBegin(g->da, w, INSERT_VALUES, nat));
    PetscCall(DMDAGlobalToNaturalEnd(g->da, w, INSERT_VALUES, nat));
    PetscCall(VecScatterBegin(sc, nat, seq, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(sc, nat, seq, INSERT_VALUES, SCATTER_FORWARD));
    out[k] = 0;
    if (rank == 0) {
      const PetscScalar *a;
      PetscInt           len;
      PetscCall(VecGetLocalSize(seq, &len));
      PetscCall(VecGetArrayRead(seq, &a));
      for (PetscInt c = 0; c < len; c++) out[k] += PetscRealPart(a[c]);
      PetscCall(VecRestoreArrayRead(seq, &a));
    }
  }
  PetscCallMPI(MPI_Bcast(out, (PetscMPIInt)n, MPIU_REAL, 0, g->comm));
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&seq));
  PetscCall(VecDestroy(&nat));
  PetscCall(DMRestoreGlobalVector(g->da, &w));
  PetscFunctionReturn(0);
}

/* the mass summed in natural order (W2GridOrderedDots), so that the normalised density, which every later
   step starts from, has the same bits on any number of ranks */
PetscErrorCode W2GridNormalize(const W2Grid *g, Vec v, PetscReal *mass)
{
  Vec x[1] = {v}, y[1] = {NULL};

  PetscFunctionBeginUser;
  PetscCall(W2GridOrderedDots(g, 1, x, y, mass));
  *mass *= g->dV;
  PetscCheck(*mass > 0 && PetscIsNormalReal(*mass), g->comm, PETSC_ERR_USER_INPUT, "a density must have positive finite mass to be normalised, got %g", (double)*mass);
  PetscCall(VecScale(v, 1.0 / *mass));
  PetscFunctionReturn(0);
}
