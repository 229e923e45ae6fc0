/// @file Test helpers for gan/: checks that print their measured numbers and their reason.
#pragma once
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

static inline PetscReal W2RelErr(PetscReal a, PetscReal b, PetscReal scale) { return PetscAbsReal(a - b) / PetscMax(scale, 1e-300); }
