/// @file Summary of a result file: what ran, the grid, the steps, and the energy balance.
#include <hdf5.h>
#include "io/info.h"
#include "grid/profile.h" /* W2H5StorageDamaged */

static void ReadStringAttribute(hid_t file, const char name[], char *buf, size_t len)
{
  hid_t attr, type;
  buf[0] = 0;
  if (H5Aexists(file, name) <= 0) return;
  attr = H5Aopen(file, name, H5P_DEFAULT);
  type = H5Aget_type(attr);
  {
    /* one string only: H5Aread writes every element of an array attribute into the buffer */
    hid_t    space = H5Aget_space(attr);
    hssize_t n     = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0) H5Sclose(space);
    if (n != 1) {
      if (type >= 0) H5Tclose(type);
      if (attr >= 0) H5Aclose(attr);
      return;
    }
  }
  if (H5Tget_class(type) == H5T_STRING) {
    if (H5Tis_variable_str(type) > 0) {
      char *s = NULL;
      hid_t mt = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, H5T_VARIABLE);
      if (H5Aread(attr, mt, &s) >= 0 && s) {
        snprintf(buf, len, "%s", s);
        H5free_memory(s);
      }
      H5Tclose(mt);
    } else {
      size_t n  = H5Tget_size(type);
      char  *s  = calloc(n + 1, 1);
      hid_t  mt = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, n + 1);
      if (s && H5Aread(attr, mt, s) >= 0) snprintf(buf, len, "%s", s);
      free(s);
      H5Tclose(mt);
    }
  }
  H5Tclose(type);
  H5Aclose(attr);
}

/* first and last entries of a 1-D dataset of doubles; n = 0 when absent; the path when its storage is
   damaged (HDF5 would read past its buffers), else NULL */
static const char *ReadEnds(hid_t file, const char path[], hsize_t *n, double *first, double *last)
{
  hid_t   set, space, mem;
  hsize_t one = 1, at, zero = 0;
  *n = 0;
  if (H5Lexists(file, path, H5P_DEFAULT) <= 0) return NULL;
  set   = H5Dopen2(file, path, H5P_DEFAULT);
  space = H5Dget_space(set);
  if (H5Sget_simple_extent_ndims(space) == 1) H5Sget_simple_extent_dims(space, n, NULL);
  if (*n && W2H5StorageDamaged(file, set, 1, &zero, n)) {
    *n = 0;
    H5Sclose(space);
    H5Dclose(set);
    return path;
  }
  mem = H5Screate_simple(1, &one, NULL);
  if (*n) {
    at = 0;
    H5Sselect_hyperslab(space, H5S_SELECT_SET, &at, NULL, &one, NULL);
    H5Dread(set, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, first);
    at = *n - 1;
    H5Sselect_hyperslab(space, H5S_SELECT_SET, &at, NULL, &one, NULL);
    H5Dread(set, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, last);
  }
  H5Sclose(mem);
  H5Sclose(space);
  H5Dclose(set);
  return NULL;
}

PetscErrorCode W2CommandInfo(MPI_Comm comm, const char path[])
{
  PetscMPIInt rank;
  hid_t       file;
  char        version[64], div[128], grid[256], method[256], init[1200], target[1200], failed[512], warning[512];
  hsize_t     nt, nd;
  double      t0 = 0, t1 = 0, e0 = 0, e1 = 0, m0 = 0, m1 = 0, r0 = 0, r1 = 0, q0 = 0, q1 = 0, lo0 = 0, lo1 = 0;
  PetscBool   exists;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscTestFile(path, 'r', &exists));
  PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "info: cannot read the file '%s'", path);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(file >= 0, comm, PETSC_ERR_FILE_READ, "info: '%s' is not a readable HDF5 file", path);
  ReadStringAttribute(file, "w2flow_version", version, sizeof(version));
  ReadStringAttribute(file, "divergence", div, sizeof(div));
  ReadStringAttribute(file, "grid", grid, sizeof(grid));
  ReadStringAttribute(file, "method", method, sizeof(method));
  ReadStringAttribute(file, "initial", init, sizeof(init));
  ReadStringAttribute(file, "target", target, sizeof(target));
  ReadStringAttribute(file, "run_failed", failed, sizeof(failed));
  ReadStringAttribute(file, "jko_warning", warning, sizeof(warning));
  {
    const char *damaged[6];
    damaged[0] = ReadEnds(file, "/fields/time", &nt, &t0, &t1);
    damaged[1] = ReadEnds(file, "/diagnostics/energy", &nd, &e0, &e1);
    damaged[2] = ReadEnds(file, "/diagnostics/mass", &nd, &m0, &m1);
    damaged[3] = ReadEnds(file, "/diagnostics/edi_residual", &nd, &r0, &r1);
    damaged[4] = ReadEnds(file, "/diagnostics/edi_relative", &nd, &q0, &q1);
    damaged[5] = ReadEnds(file, "/diagnostics/min_rho", &nd, &lo0, &lo1);
    H5Fclose(file);
    for (int k = 0; k < 6; k++) PetscCheck(!damaged[k], comm, PETSC_ERR_FILE_READ, "info: '%s' is damaged: the storage of %s does not match its shape", path, damaged[k]);
  }
  PetscCheck(version[0], comm, PETSC_ERR_FILE_UNEXPECTED, "info: '%s' is not a w2flow result (no w2flow_version attribute)", path);
  PetscCall(PetscPrintf(comm, "%s: w2flow %s result\n", path, version));
  PetscCall(PetscPrintf(comm, "  divergence  %s\n  grid        %s\n  method      %s\n  initial     %s\n  target      %s\n", div, grid, method, init, target));
  PetscCall(PetscPrintf(comm, "  fields      %d time steps, t = %.6g .. %.6g\n", (int)nt, t0, t1));
  PetscCall(PetscPrintf(comm, "  steps       %d diagnostic rows\n", (int)nd));
  if (nd) {
    PetscCall(PetscPrintf(comm, "  energy      %.10e -> %.10e\n  mass        %.15f -> %.15f (relative change %.2e)\n", e0, e1, m0, m1, (m1 - m0) / m0));
    PetscCall(PetscPrintf(comm, "  EDI         residual %.3e, %.3e of the energy drop\n  min rho     %.3e at the end\n", r1, q1, lo1));
  }
  if (warning[0]) PetscCall(PetscPrintf(comm, "  warning     %s\n", warning));
  if (failed[0]) PetscCall(PetscPrintf(comm, "  FAILED      %s\n", failed));
  PetscFunctionReturn(0);
}
