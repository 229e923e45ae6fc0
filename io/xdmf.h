/// @file XDMF2 sidecars that ParaView 5.11's XDMF reader opens as a time series (../shared/PLATFORM.md).
#pragma once
#include <stdio.h>
#include "grid/grid.h"

/* One scalar attribute: step s is the hyperslab [s] of dataset ([T][Ny][Nx], 1-D [T][Nx]; with
   components > 1 a trailing axis of that length, of which component is taken). */
typedef struct {
  const char *name, *dataset;
  PetscInt    components, component;
} W2XdmfField;

/* Write the temporal collection to fp: times[s] of each of nsteps steps, every field a hyperslab of
   h5name (a path relative to the .xmf). Returns 0 or an errno. Serial: call it on one rank. */
int W2XdmfWrite(FILE *fp, const W2Grid *grid, const char h5name[], PetscInt nsteps, const PetscReal times[], PetscInt nfields, const W2XdmfField fields[]);
/* fp to path.tmp, then renamed over path: the reader sees the old file or the new one. */
int W2XdmfWriteFile(const char path[], const W2Grid *grid, const char h5name[], PetscInt nsteps, const PetscReal times[], PetscInt nfields, const W2XdmfField fields[]);
