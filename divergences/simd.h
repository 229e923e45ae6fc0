/// @file Vector variants for the array members (dfv) of the divergences; included by divergences/*.c only.
#pragma once
#include <petscmath.h>

/* glibc's math-vector.h declares the libmvec variants (_ZGVbN2v_log, _ZGVdN4v_log, ...) only under
   -ffast-math, which would also fold away the NaN tests the solver relies on. The divergence sources are
   compiled with -fopenmp-simd -fno-math-errno -fno-trapping-math (top-level CMakeLists.txt), so with these declarations the
   `omp simd` loops call the vector log and pow (documented accuracy: a few ulp; tests/numerics/test_dfv). */
#if defined(PETSC_USE_REAL_DOUBLE) && defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
  #pragma omp declare simd notinbranch
double log(double);
  #pragma omp declare simd notinbranch
double pow(double, double);
#endif

/* An AVX2 copy of each array loop next to the baseline (SSE2) one, picked at load time (ifunc): the
   default build still runs on any x86-64. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
  #define W2_DIV_ARRAY __attribute__((target_clones("avx2", "default")))
#else
  #define W2_DIV_ARRAY
#endif
