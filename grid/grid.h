/// @file The periodic cell-centred grid on the torus [0,Lx) x [0,Ly) (THEORY.md section 1).
#pragma once
#include <petscdmda.h>

/* A uniform periodic grid: N[a] cells of width h[a] = L[a]/N[a] on axis a; cell (i,j) has its
   centre at ((i + 1/2) hx, (j + 1/2) hy). In 1-D, N[1] = 1 and L[1] = h[1] = 1. */
typedef struct {
  MPI_Comm  comm;
  DM        da;      /* dof 1, periodic on every axis, star stencil */
  PetscInt  dim;     /* 1 or 2 */
  PetscInt  N[2];
  PetscReal L[2], h[2];
  PetscReal dV;      /* cell volume: h[0] h[1] */
  PetscInt  stencil; /* ghost width of da */
} W2Grid;

/* Reads -grid_Nx -grid_Ny -grid_Lx -grid_Ly (1-D when Ny is absent or 1). */
PetscErrorCode W2GridCreate(MPI_Comm comm, PetscInt stencil_width, W2Grid **grid);
PetscErrorCode W2GridCreateWithSizes(MPI_Comm comm, PetscInt dim, const PetscInt N[], const PetscReal L[], PetscInt stencil_width, W2Grid **grid);
PetscErrorCode W2GridDestroy(W2Grid **grid);
PetscErrorCode W2GridView(const W2Grid *grid, char *buf, size_t len);

/* integral of v over the torus: sum v dV */
PetscErrorCode W2GridIntegrate(const W2Grid *grid, Vec v, PetscReal *integral);
/* out[k] = sum over the cells of x[k] y[k] (y[k] NULL: of x[k]), summed in natural (row-major) order on rank 0 and
   broadcast: the same bits on any number of ranks (a VecDot's partial sums depend on the layout) */
PetscErrorCode W2GridOrderedDots(const W2Grid *grid, PetscInt n, Vec x[], Vec y[], PetscReal out[]);
/* Rescale v >= 0 to unit integral; mass receives the integral before rescaling (summed by W2GridOrderedDots:
   the same normalised density on any number of ranks). */
PetscErrorCode W2GridNormalize(const W2Grid *grid, Vec v, PetscReal *mass);

static inline PetscReal W2GridX(const W2Grid *g, PetscInt i) { return (i + 0.5) * g->h[0]; }
static inline PetscReal W2GridY(const W2Grid *g, PetscInt j) { return g->dim > 1 ? (j + 0.5) * g->h[1] : 0.0; }
/* Shortest periodic displacement x - c on a circle of length L: in [-L/2, L/2). */
static inline PetscReal W2PeriodicDelta(PetscReal x, PetscReal c, PetscReal L)
{
  PetscReal d = x - c;
  return d - L * PetscFloorReal(d / L + 0.5);
}

/* The owned box of this rank: cells xs..xs+xm-1 by ys..ys+ym-1 (ys = 0, ym = 1 in 1-D). The owned
   part of a global Vec is row-major in this box: entry (i,j) is at (j-ys)*xm + (i-xs). */
typedef struct {
  PetscInt xs, ys, xm, ym;
} W2Box;
PetscErrorCode W2GridOwnedBox(const W2Grid *grid, W2Box *box);
