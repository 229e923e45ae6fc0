/// @file GAN training mode (THEORY.md 8): the `w2flow gan` command and its 1-D Gaussian diagnostics.
#pragma once
#include <petscsys.h>

/* Phi^-1(p) of the standard normal, 0 < p < 1 (Acklam's rational approximation, one Halley step: ~1e-15) */
PetscReal W2NormalQuantile(PetscReal p);
/* W2 between the empirical law of n samples (sorted in place) and N(mu, sigma^2) from quantiles:
   W2^2 = (1/n) sum_k (x_(k) - mu - sigma Phi^-1((k - 1/2)/n))^2 */
PetscErrorCode W2GanW2ToGaussian(PetscInt n, PetscReal x[], PetscReal mu, PetscReal sigma, PetscReal *w2);
/* `w2flow gan [PARAMS.yaml]`: train a generator toward a 1-D Gaussian; HDF5 history of losses, gradient norms and W2 */
PetscErrorCode W2CommandGan(MPI_Comm comm, const char *file);
