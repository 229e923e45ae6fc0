/// @file Fuzz target: an expression (-init_expr, libmatheval) evaluated on a 1-D and a 2-D grid,
/// with the checks of the density that follow (finite, >= 0, positive mass).
#define _XOPEN_SOURCE 700 /* getpid, unlink, fileno */
#include <stdint.h>
#include <string.h>
#include "fuzz_common.h"
#include "grid/profile.h"

static W2Grid *grids[2];
static Vec     vecs[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const PetscInt  N1[2] = {16, 1}, N2[2] = {4, 5};
  const PetscReal L[2]  = {1.0, 2.0};
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
  char      expr[2048], source[1200];
  size_t    n = 0;
  PetscReal mass;

  /* an option value is a C string: up to the first NUL */
  while (n < size && n < sizeof(expr) - 1 && data[n]) {
    expr[n] = (char)data[n];
    n++;
  }
  expr[n] = 0;
  for (int k = 0; k < 2; k++) {
    W2FUZZ_CHECK(PetscOptionsClear(NULL));
    W2FUZZ_CHECK(PetscOptionsSetValue(NULL, "-init_expr", expr));
    (void)W2ProfileCreateDensity(grids[k], "init_", "gaussian", (PetscBool)k, vecs[k], &mass, source, sizeof(source));
  }
  return 0;
}
