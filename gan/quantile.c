/// @file The standard normal quantile and the 1-D W2 distance of samples to a Gaussian by quantile matching (THEORY.md 8).
#include <math.h>
#include "gan/gan.h"

PetscReal W2NormalQuantile(PetscReal p)
{
  static const PetscReal a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const PetscReal b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01};
  static const PetscReal c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const PetscReal d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
  PetscReal              x, q, r, e, u;

  if (!(p > 0 && p < 1)) return NAN;
  if (p < 0.02425) {
    q = PetscSqrtReal(-2 * PetscLogReal(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - 0.02425) {
    q = p - 0.5;
    r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    q = PetscSqrtReal(-2 * log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  /* Halley refinement on Phi(x) - p */
  e = 0.5 * erfc(-x / PetscSqrtReal(2.0)) - p;
  u = e * PetscSqrtReal(2 * PETSC_PI) * PetscExpReal(x * x / 2);
  return x - u / (1 + x * u / 2);
}

static int CompareReal(const void *a, const void *b)
{
  const PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return (x > y) - (x < y);
}

PetscErrorCode W2GanW2ToGaussian(PetscInt n, PetscReal x[], PetscReal mu, PetscReal sigma, PetscReal *w2)
{
  PetscReal s = 0;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && sigma > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "W2 to N(mu, sigma^2) needs samples and sigma > 0, got n = %" PetscInt_FMT ", sigma = %g", n, (double)sigma);
  qsort(x, (size_t)n, sizeof(PetscReal), CompareReal);
  for (PetscInt k = 0; k < n; k++) s += PetscSqr(x[k] - mu - sigma * W2NormalQuantile((k + 0.5) / n));
  *w2 = PetscSqrtReal(s / n);
  PetscFunctionReturn(0);
}
