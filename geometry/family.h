/// @file Parametric families theta -> rho_theta on the torus with analytic d_i rho (THEORY.md sections 6, 7).
#pragma once
#include "grid/grid.h"

#define W2_FAMILY_MAX_PARAMS 64

typedef struct W2Family_s *W2Family;

/* rho_theta(x) and, when drho is not NULL, d rho / d theta_i for i < n, at one point (x, y). */
typedef void (*W2FamilyPointFn)(W2Family, const PetscReal theta[], PetscReal x, PetscReal y, PetscReal *rho, PetscReal drho[]);
/* theta-dependent constants computed on the grid (the normalisation of a tilt); may be NULL */
typedef PetscErrorCode (*W2FamilyPrepareFn)(W2Family, const W2Grid *, const PetscReal theta[]);
/* a generator x = G_theta(z) of a push-forward family, z ~ N(0,1)^latent, and J = dG/dtheta (n entries) */
typedef void (*W2FamilyGeneratorFn)(W2Family, const PetscReal theta[], const PetscReal z[], PetscReal *x, PetscReal J[]);

struct W2Family_s {
  char                type[32];
  MPI_Comm            comm;
  PetscInt            dim;    /* of the torus: 1 or 2 */
  PetscReal           L[2];
  PetscInt            n;      /* number of parameters */
  PetscInt            latent; /* generator families: dimension of z (0: no generator) */
  PetscReal           theta0[W2_FAMILY_MAX_PARAMS]; /* a sensible default point */
  char                names[W2_FAMILY_MAX_PARAMS][16];
  W2FamilyPointFn     point;
  W2FamilyPrepareFn   prepare;
  W2FamilyGeneratorFn generator;
  void               *data; /* freed with PetscFree */
};

/* A constructor reads its options under prefix (e.g. -family_components) and fills n, names, theta0, functions. */
typedef PetscErrorCode (*W2FamilyCtor)(W2Family, const char prefix[]);

PetscErrorCode W2FamilyRegisterAll(void);
PetscErrorCode W2FamilyRegister(const char name[], W2FamilyCtor ctor);
/* Reads -<prefix>type and the family's own options; dim and L from the grid. */
PetscErrorCode W2FamilyCreate(const W2Grid *grid, const char prefix[], const char default_type[], W2Family *fam);
PetscErrorCode W2FamilyCreateByName(const W2Grid *grid, const char prefix[], const char type[], W2Family *fam);
PetscErrorCode W2FamilyDestroy(W2Family *fam);
/* Reads -<prefix>theta (n comma-separated values; default theta0) into theta. */
PetscErrorCode W2FamilyGetTheta(W2Family fam, const char prefix[], PetscReal theta[]);

/* rho_theta on the owned cells, and d_i rho into drho[i] (drho may be NULL). */
PetscErrorCode W2FamilyEvaluate(W2Family fam, const W2Grid *grid, const PetscReal theta[], Vec rho, Vec drho[]);
/* rho_theta at an arbitrary point (after W2FamilyEvaluate or W2FamilyPrepare at the same theta). */
PetscErrorCode W2FamilyPrepare(W2Family fam, const W2Grid *grid, const PetscReal theta[]);
static inline PetscReal W2FamilyPoint(W2Family fam, const PetscReal theta[], PetscReal x, PetscReal y)
{
  PetscReal r;
  fam->point(fam, theta, x, y, &r, NULL);
  return r;
}

/* 1-D wrapped Gaussian density with mean m and standard deviation s, with its derivatives in m and log s */
void W2WrappedGaussian(PetscReal x, PetscReal m, PetscReal s, PetscReal L, PetscReal *g, PetscReal *dg_dm, PetscReal *dg_dlogs);

/* the registered families, one constructor each */
PetscErrorCode W2FamilyCreate_Gaussian(W2Family, const char[]);
PetscErrorCode W2FamilyCreate_Mixture(W2Family, const char[]);
PetscErrorCode W2FamilyCreate_Tilt(W2Family, const char[]);
PetscErrorCode W2FamilyCreate_Pushforward(W2Family, const char[]);
PetscErrorCode W2FamilyCreate_LatentGaussian(W2Family, const char[]);
