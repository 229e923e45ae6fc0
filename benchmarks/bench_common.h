/// @file What the benchmarks share: the median of repeated timings (header only; benchmarks are single files).
#pragma once
#include <petscsys.h>
#include <stdlib.h>

static inline int W2BenchCompareDouble(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* sorts t (so t[0] is then the fastest repeat) and returns its median */
static inline double W2BenchMedian(double *t, PetscInt n)
{
  qsort(t, (size_t)n, sizeof(double), W2BenchCompareDouble);
  return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}
