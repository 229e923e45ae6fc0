/// @file A small HDF5 writer for the geometry commands: named arrays and tables (rank 0 holds the data) and string attributes.
#pragma once
#include <petscvec.h>
#include <petscviewerhdf5.h>

/* a dataset /name of n rows by bs columns (bs = 1: a vector); data significant on rank 0 */
PetscErrorCode W2H5WriteTable(PetscViewer v, const char name[], PetscInt n, PetscInt bs, const PetscReal data[]);
PetscErrorCode W2H5WriteString(PetscViewer v, const char name[], const char value[]);
