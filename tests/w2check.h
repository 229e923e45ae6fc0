/// @file The one check every test uses: it prints its measured numbers and its reason, and counts failures.
#pragma once
#include <petscsys.h>

/* The test fails (non-zero exit) if any check fails; main prints "N failed" at its end. */
static int w2_failures = 0;
#define W2_CHECK(cond, ...) \
  do { \
    PetscBool ok_ = (PetscBool)(cond); \
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: ", ok_ ? "pass" : "FAIL")); \
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, __VA_ARGS__)); \
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n")); \
    if (!ok_) w2_failures++; \
  } while (0)
