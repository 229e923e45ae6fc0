/// @file Small tables into HDF5 through PETSc's viewer: a Vec owned by rank 0, block size = columns.
#include "geometry/h5table.h"

PetscErrorCode W2H5WriteTable(PetscViewer v, const char name[], PetscInt n, PetscInt bs, const PetscReal data[])
{
  MPI_Comm    comm;
  PetscMPIInt rank;
  Vec         x;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectGetComm((PetscObject)v, &comm));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(VecCreate(comm, &x));
  PetscCall(VecSetSizes(x, rank ? 0 : n * bs, n * bs));
  PetscCall(VecSetBlockSize(x, bs));
  PetscCall(VecSetType(x, VECSTANDARD));
  PetscCall(PetscObjectSetName((PetscObject)x, name));
  if (!rank) {
    PetscScalar *a;
    PetscCall(VecGetArray(x, &a));
    for (PetscInt k = 0; k < n * bs; k++) a[k] = data[k];
    PetscCall(VecRestoreArray(x, &a));
  }
  PetscCall(VecView(x, v));
  PetscCall(VecDestroy(&x));
  PetscFunctionReturn(0);
}

PetscErrorCode W2H5WriteString(PetscViewer v, const char name[], const char value[])
{
  PetscFunctionBeginUser;
  PetscCall(PetscViewerHDF5WriteAttribute(v, "/", name, PETSC_STRING, value));
  PetscFunctionReturn(0);
}
