/// @file Test helpers for geometry/: checks that print their measured numbers and their reason.
#pragma once
#include "tests/w2check.h"
#include <stdlib.h>
#include <petscsys.h>


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
