/// @file Named density profiles on the grid (initial densities and targets), expressions and HDF5 inputs.
#pragma once
#include <hdf5.h>
#include "grid/grid.h"

/* A profile fills v (owned cells) from options under its prefix, e.g. -init_sigma. */
typedef PetscErrorCode (*W2ProfileFn)(const W2Grid *, const char prefix[], Vec);

PetscErrorCode W2ProfileRegisterAll(void);
PetscErrorCode W2ProfileRegister(const char name[], W2ProfileFn fn);

/* Fill v from exactly one of -<prefix>profile, -<prefix>expr, -<prefix>file (default: the profile
   named default_profile), check it is finite and >= 0 (> 0 when positive is true), normalise it to
   unit mass. mass receives the integral before normalisation; source a one-line description. */
PetscErrorCode W2ProfileCreateDensity(const W2Grid *grid, const char prefix[], const char default_profile[], PetscBool positive, Vec v, PetscReal *mass, char source[], size_t source_len);

/* Shape of the m = 2 Barenblatt solution of d_t rho = Lap(rho^2) with unit mass, at time t,
   centred at c: t^-al (C - k |x-c|^2 t^(-2 al/d))_+ with al = d/(d+2), k = al/(4d). */
PetscReal W2Barenblatt(PetscInt dim, PetscReal t, PetscReal r2);

/* Read dataset of file (2-D [Ny][Nx], 1-D [Nx], optionally with a leading time axis, of which
   step is taken; step < 0: the last) into the owned cells of v. */
PetscErrorCode W2ReadGridDataset(const W2Grid *grid, const char file[], const char dataset[], PetscInt step, const char option[], Vec v);

/* 1 when the storage of dataset d of file f cannot hold what the selection start, count (rank
   entries each) reads: a chunk or contiguous block outside the file or of the wrong size, compact
   data too short, a virtual dataset. HDF5 1.10 would read past its buffers. */
int W2H5StorageDamaged(hid_t f, hid_t d, int rank, const hsize_t start[], const hsize_t count[]);

/* the registered profiles */
PetscErrorCode W2Profile_Uniform(const W2Grid *, const char[], Vec);
PetscErrorCode W2Profile_Gaussian(const W2Grid *, const char[], Vec);
PetscErrorCode W2Profile_Mixture(const W2Grid *, const char[], Vec);
PetscErrorCode W2Profile_VonMises(const W2Grid *, const char[], Vec);
PetscErrorCode W2Profile_Cosine(const W2Grid *, const char[], Vec);
PetscErrorCode W2Profile_Barenblatt(const W2Grid *, const char[], Vec);
