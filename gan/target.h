/// @file Targets of GAN training mode (THEORY.md 8): isotropic Gaussian mixtures in 1-D and 2-D, chosen by -gan_target: the 1-D
/// Gaussian of the paper's experiment, 1-D and 2-D mixtures, the ring of 8 and the 5 x 5 grid of 25 Gaussians (Mescheder et al.).
#pragma once
#include "gan/mlp.h"

typedef enum { W2_GAN_TARGET_GAUSSIAN, W2_GAN_TARGET_MIXTURE1D, W2_GAN_TARGET_MIXTURE2D, W2_GAN_TARGET_RING, W2_GAN_TARGET_GRID } W2GanTargetType;
extern const char *const W2GanTargetTypes[];

/* sum_k w_k N(m_k, s_k^2 I_dim) */
typedef struct {
  W2GanTargetType type;
  PetscInt        dim, K;
  PetscReal      *mean;   /* K x dim, component-major */
  PetscReal      *sigma;  /* K */
  PetscReal      *weight; /* K, summing to 1 */
  PetscReal      *cumw;   /* K, cumulative weights (sampling) */
  PetscBool       modes;  /* ring and grid: mode coverage and sample quality are reported */
  char            description[256];
} W2GanTarget;

/* Reads -gan_target and the chosen target's own options (-gan_target_mean, -gan_target_std; -gan_mixture_means, _stds, _weights;
   -gan_ring_radius, -gan_ring_sigma; -gan_grid_spacing, -gan_grid_sigma) */
PetscErrorCode W2GanTargetCreate(MPI_Comm comm, W2GanTarget **t);
/* a mixture from arrays (means K x dim); weights NULL: equal */
PetscErrorCode W2GanTargetCreateMixture(PetscInt dim, PetscInt K, const PetscReal mean[], const PetscReal sigma[], const PetscReal weight[], W2GanTarget **t);
PetscErrorCode W2GanTargetDestroy(W2GanTarget **t);
/* n samples, dim x n column-major */
void W2GanTargetSample(const W2GanTarget *t, W2Rng *rng, PetscInt n, PetscReal x[]);
/* log of the density at x of the target convolved with N(0, diag(extra_var)) (extra_var NULL: the target itself); exact */
PetscReal W2GanTargetLogDensity(const W2GanTarget *t, const PetscReal x[], const PetscReal extra_var[]);
/* the law of <u, X> for a unit vector u is the 1-D mixture sum_k w_k N(<u, m_k>, s_k^2): its CDF, and quantiles at p[0..n) (increasing)
   by safeguarded Newton on the CDF (to 1e-13 |x|) */
PetscReal      W2GanTargetProjectedCDF(const W2GanTarget *t, const PetscReal u[], PetscReal x);
PetscErrorCode W2GanTargetProjectedQuantiles(const W2GanTarget *t, const PetscReal u[], PetscInt n, const PetscReal p[], PetscReal q[]);
/* per axis a, [lo_a, hi_a] = [min_k m_ka - c s_k, max_k m_ka + c s_k] */
void W2GanTargetBox(const W2GanTarget *t, PetscReal c, PetscReal lo[], PetscReal hi[]);
