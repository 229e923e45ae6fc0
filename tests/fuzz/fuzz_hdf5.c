/// @file Fuzz target: an HDF5 file as an initial density (W2ReadGridDataset through -init_file, with
/// the density checks) on a 1-D 64-cell and a 2-D 8 x 8 grid, and as a result for `w2flow info`.
#define _XOPEN_SOURCE 700 /* getpid, unlink, fileno */
#include <hdf5.h>
#include <stdint.h>
#include "fuzz_common.h"
#include "grid/profile.h"
#include "io/info.h"

static W2Grid *grids[2];
static Vec     vecs[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const PetscInt  N1[2] = {64, 1}, N2[2] = {8, 8};
  const PetscReal L[2]  = {1.0, 1.0};
  (void)argc;
  (void)argv;
  W2FuzzInitialize();
  W2FUZZ_CHECK(W2GridCreateWithSizes(PETSC_COMM_WORLD, 1, N1, L, 1, &grids[0]));
  W2FUZZ_CHECK(W2GridCreateWithSizes(PETSC_COMM_WORLD, 2, N2, L, 1, &grids[1]));
  for (int k = 0; k < 2; k++) W2FUZZ_CHECK(DMCreateGlobalVector(grids[k]->da, &vecs[k]));
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = W2FuzzWriteFile(".h5", data, size);
  const char *datasets[] = {"/fields/rho", "/fields/q", "rho"};
  char        spec[512], source[1200];
  PetscReal   mass;

  for (int k = 0; k < 2; k++)
    for (size_t d = 0; d < sizeof(datasets) / sizeof(datasets[0]); d++) {
      snprintf(spec, sizeof(spec), "%s:%s", path, datasets[d]);
      W2FUZZ_CHECK(PetscOptionsClear(NULL));
      W2FUZZ_CHECK(PetscOptionsSetValue(NULL, "-init_file", spec));
      if (d == 2) W2FUZZ_CHECK(PetscOptionsSetValue(NULL, "-init_file_step", "1"));
      (void)W2ProfileCreateDensity(grids[k], "init_", "gaussian", PETSC_FALSE, vecs[k], &mass, source, sizeof(source));
    }
  (void)W2CommandInfo(PETSC_COMM_WORLD, path);
  /* whatever the file, w2flow closes every HDF5 file, dataset, dataspace, type and attribute it opened
     (LeakSanitizer cannot see those: HDF5 keeps them in its id tables) */
  W2FUZZ_CHECK(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0);
  unlink(path);
  return 0;
}
