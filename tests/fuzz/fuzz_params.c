/// @file Fuzz target: a parameter file (first byte odd: plain PETSc options, even: YAML) through what
/// `w2flow run` does with it before the time loop: insertion with the NUL/-options_file scan and the
/// value checks, the size/partition/memory pre-flight, then grid, divergence, target and initial
/// density from the options, and the unused-option check.
#define _XOPEN_SOURCE 700 /* getpid, unlink, fileno */
#include <stdint.h>
#include "fuzz_common.h"
#include "divergences/divergence.h"
#include "grid/profile.h"
#include "io/options.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  W2FuzzInitialize();
  return 0;
}

/* Every error is an answer (returned); what was made is released whatever happens. */
static PetscErrorCode SetUp(MPI_Comm comm)
{
  PetscInt       N[2] = {64, 1}, order = 1;
  W2Grid        *grid = NULL;
  W2Divergence  *div  = NULL;
  Vec            q = NULL, rho = NULL;
  PetscReal      mass;
  char           source[1200];
  PetscBool      help;
  PetscErrorCode ierr;

  ierr = PetscOptionsHasHelp(NULL, &help);
  if (ierr || help) return ierr; /* -help prints every option: no set-up */
  ierr = W2OptionsCheckRunResources(comm);
  /* the pre-flight lets through what fits this machine; the fuzzer wants many small inputs */
  if (!ierr) ierr = PetscOptionsGetInt(NULL, "grid_", "-Nx", &N[0], NULL);
  if (!ierr) ierr = PetscOptionsGetInt(NULL, "grid_", "-Ny", &N[1], NULL);
  if (!ierr) ierr = PetscOptionsGetInt(NULL, "flow_", "-order", &order, NULL); /* read as W2FlowProblemCreate does */
  if (ierr || (double)N[0] * (double)N[1] > 4096 || (order != 1 && order != 2)) return ierr;
  /* W2FlowProblemCreate without the TS */
  ierr = W2GridCreate(comm, order, &grid);
  if (!ierr) ierr = W2DivergenceCreate(comm, &div);
  if (!ierr) ierr = DMCreateGlobalVector(grid->da, &q);
  if (!ierr) ierr = VecDuplicate(q, &rho);
  if (!ierr) ierr = W2ProfileCreateDensity(grid, "target_", "uniform", PETSC_TRUE, q, &mass, source, sizeof(source));
  if (!ierr) ierr = W2ProfileCreateDensity(grid, "init_", "gaussian", div->needs_positive, rho, &mass, source, sizeof(source));
  if (!ierr) ierr = W2OptionsCheckUnused(comm, PETSC_TRUE);
  W2FUZZ_CHECK(VecDestroy(&rho));
  W2FUZZ_CHECK(VecDestroy(&q));
  W2FUZZ_CHECK(W2DivergenceDestroy(&div));
  W2FUZZ_CHECK(W2GridDestroy(&grid));
  return ierr;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char        arg0[] = "w2flow", *args[] = {arg0, NULL}, **argv = args;
  int         argc   = 1;
  const char  *path;
  PetscOptions options;

  if (!size) return 0;
  path = W2FuzzWriteFile(data[0] & 1 ? ".opts" : ".yaml", data + 1, size - 1);
  /* a fresh options database per input: W2OptionsInsertParameterFile adds a monitor to it */
  W2FUZZ_CHECK(PetscOptionsCreate(&options));
  W2FUZZ_CHECK(PetscOptionsPush(options));
  if (!W2OptionsInsertParameterFile(path, &argc, &argv)) (void)SetUp(PETSC_COMM_WORLD);
  W2FUZZ_CHECK(W2OptionsFinalize());
  W2FUZZ_CHECK(PetscOptionsPop());
  W2FUZZ_CHECK(PetscOptionsDestroy(&options));
  unlink(path);
  return 0;
}
