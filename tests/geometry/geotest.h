/// @file Test helpers for geometry/: checks that print their measured numbers and their reason.
#pragma once
#include <stdlib.h>
#include <petscsys.h>

static int w2_failures = 0;
#define W2_CHECK(cond, ...) \
  do { \
    PetscBool ok_ = (PetscBool)(cond); \
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: ", ok_ ? "pass" : "FAIL")); \
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, __VA_ARGS__)); \
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n")); \
    if (!ok_) w2_failures++; \
  } while (0)

/* Observed order from errors at parameters differing by the factor ratio. */
static inline PetscReal W2OrderRatio(PetscReal coarse, PetscReal fine, PetscReal ratio) { return PetscLogReal(coarse / fine) / PetscLogReal(ratio); }

/* Replace the options database by opts, then the environment's W2_TEST_OPTIONS (to try solver options). */
static inline PetscErrorCode W2TestOptions(const char opts[])
{
  const char *extra = getenv("W2_TEST_OPTIONS");

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  if (extra) PetscCall(PetscOptionsInsertString(NULL, extra));
  PetscFunctionReturn(0);
}
