/// @file Test helpers for gan/: checks that print their measured numbers and their reason.
#pragma once
#include "tests/w2check.h"
#include <petscsys.h>


static inline PetscReal W2RelErr(PetscReal a, PetscReal b, PetscReal scale) { return PetscAbsReal(a - b) / PetscMax(scale, 1e-300); }
