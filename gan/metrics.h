/// @file Metrics of GAN training (THEORY.md 6, 8) on a fixed set of generated samples: W1/W2 to the target from quantiles (1-D) or
/// sliced along fixed directions (2-D), KL and JSD of kernel density estimates on a grid, mode coverage, the discriminator potential.
#pragma once
#include "divergences/divergence.h"
#include "gan/loss.h"
#include "gan/target.h"

typedef struct {
  const W2GanTarget *target;
  PetscInt           dim, n;    /* samples per evaluation */
  PetscInt           ndir;      /* projections: 1 in 1-D (the identity), else equispaced angles pi p / ndir */
  PetscReal         *dirs;      /* ndir x dim */
  PetscReal         *tq;        /* ndir x n: target quantiles at (k + 1/2)/n of each projection */
  PetscReal         *proj;      /* n */
  PetscInt           G;         /* KDE grid points per axis */
  PetscReal          bandwidth; /* > 0: fixed, isotropic; 0: Scott's rule per axis, h_a = std_a n^(-1/(dim + 4)) */
  /* the grid of the last KDE evaluation */
  PetscReal  lo[2], dx[2], h[2];
  PetscReal *E[2];       /* G x n kernel values per axis */
  PetscReal *rho, *logq; /* G^dim: normalised KDE; log of the exact target density (not smoothed), normalised on the grid */
  PetscReal *pts, *v;    /* dim x G^dim grid points; discriminator outputs */
} W2GanMetrics;

PetscErrorCode W2GanMetricsCreate(const W2GanTarget *t, PetscInt n, PetscInt ndir, PetscInt G, PetscReal bandwidth, W2GanMetrics **m);
PetscErrorCode W2GanMetricsDestroy(W2GanMetrics **m);
/* 1-D: W_p^p = (1/n) sum_k |x_(k) - F^-1((k - 1/2)/n)|^p (the quantile coupling at midpoints); 2-D: sliced, the mean of the 1-D values over
   the ndir projections, then the p-th root. x: dim x n (not changed). */
PetscErrorCode W2GanMetricsWasserstein(W2GanMetrics *m, const PetscReal x[], PetscReal *w1, PetscReal *w2);
/* Gaussian KDE rho_h of x on a grid of G^dim cell centres covering the target (5 sigma) and the samples (4 h); the target convolved with
   the same kernel, q_h = q * N(0, diag h^2) (exact for a mixture); both normalised on the grid. KL(rho_h || q_h), JSD(rho_h, q_h) (nats). */
PetscErrorCode W2GanMetricsKDE(W2GanMetrics *m, const PetscReal x[], PetscReal *kl, PetscReal *jsd);
/* ring/grid: a sample is high quality within 3 sigma of its nearest mode; a mode is covered when it holds >= n / (5 K) high-quality
   samples (a fifth of its fair share) */
PetscErrorCode W2GanMetricsModes(W2GanMetrics *m, const PetscReal x[], PetscInt *covered, PetscReal *hq);
/* After W2GanMetricsKDE: phi^ = f'(r^) with r^ = exp(-v) (minimax, non-saturating: D = sigmoid(v), D* = q/(q + rho)) or r^ = 1 / (f')^-1(T)
   (f-GAN: T* = f'(q/rho)) from the discriminator on the grid, against phi = f'(rho_h / q) (KDE, exact q); ratios clamped to [1e-300, 1e300].
   l2 = sqrt(sum q (phi^ - phi)^2 / sum q) over the grid (the L2(Q) norm). */
PetscErrorCode W2GanMetricsPotential(W2GanMetrics *m, W2MLP *disc, const W2GanLoss *loss, const W2Divergence *div, PetscReal *l2);
/* phi^ = f'(r^) from discriminator outputs v as W2GanMetricsPotential computes it (r^ = exp(-v), or 1 / (f')^-1(g_f(v)) for the f-GAN) */
PetscErrorCode W2GanPotentialFromOutputs(const W2GanLoss *loss, const W2Divergence *div, PetscInt n, const PetscReal v[], PetscReal phi[]);
/* After W2GanMetricsKDE, for u on its grid: max over cells and axes of |d_a u| (central differences inside, one-sided at the ends:
   the grid is not periodic); max |u| and the L2(Q) norm sqrt(sum q u^2 / sum q) (either may be NULL) */
PetscErrorCode W2GanMetricsGradientMax(const W2GanMetrics *m, const PetscReal u[], PetscReal *max);
PetscErrorCode W2GanMetricsNorms(const W2GanMetrics *m, const PetscReal u[], PetscReal *max, PetscReal *l2q);
