/// @file Mixtures of isotropic wrapped Gaussians: softmax weights (first logit fixed at 0), means, log-widths.
#include "geometry/family.h"

#define W2_MIX_MAX 8

typedef struct {
  PetscInt K;
} MixtureCtx;

/* theta = (logits a_1..a_{K-1}, means K x dim, log widths K) */
static void MixturePoint(W2Family f, const PetscReal th[], PetscReal x, PetscReal y, PetscReal *rho, PetscReal drho[])
{
  const PetscInt   K = ((MixtureCtx *)f->data)->K, d = f->dim;
  const PetscReal *a = th, *m = th + (K - 1), *ls = th + (K - 1) + K * d;
  const PetscReal  p[2] = {x, y};
  PetscReal        w[W2_MIX_MAX], G[W2_MIX_MAX], g[W2_MIX_MAX][2], gm[W2_MIX_MAX][2], gs[W2_MIX_MAX][2], amax = 0, wsum = 0, r = 0;

  for (PetscInt k = 1; k < K; k++) amax = PetscMax(amax, a[k - 1]);
  for (PetscInt k = 0; k < K; k++) {
    w[k] = PetscExpReal((k ? a[k - 1] : 0.0) - amax);
    wsum += w[k];
  }
  for (PetscInt k = 0; k < K; k++) {
    const PetscReal s = PetscExpReal(ls[k]);
    w[k] /= wsum;
    G[k] = 1;
    for (PetscInt ax = 0; ax < d; ax++) {
      W2WrappedGaussian(p[ax], m[k * d + ax], s, f->L[ax], &g[k][ax], &gm[k][ax], &gs[k][ax]);
      G[k] *= g[k][ax];
    }
    r += w[k] * G[k];
  }
  *rho = r;
  if (!drho) return;
  for (PetscInt k = 1; k < K; k++) drho[k - 1] = w[k] * (G[k] - r);
  for (PetscInt k = 0; k < K; k++) {
    PetscReal ds = 0;
    for (PetscInt ax = 0; ax < d; ax++) {
      const PetscReal other = d > 1 ? g[k][1 - ax] : 1.0;
      drho[K - 1 + k * d + ax] = w[k] * gm[k][ax] * other;
      ds += gs[k][ax] * other;
    }
    drho[K - 1 + K * d + k] = w[k] * ds;
  }
}

PetscErrorCode W2FamilyCreate_Mixture(W2Family f, const char prefix[])
{
  MixtureCtx *c;
  PetscInt    K = 2;

  PetscFunctionBeginUser;
  PetscOptionsBegin(f->comm, prefix, "Mixture of wrapped Gaussians", NULL);
  PetscCall(PetscOptionsInt("-components", "Number of components K (parameters: K-1 logits, K means, K log-widths)", NULL, K, &K, NULL));
  PetscOptionsEnd();
  PetscCheck(K >= 1 && K <= W2_MIX_MAX, f->comm, PETSC_ERR_USER_INPUT, "-%scomponents must be in [1, %d], got %" PetscInt_FMT, prefix, W2_MIX_MAX, K);
  PetscCall(PetscNew(&c));
  c->K    = K;
  f->data = c;
  f->n    = (K - 1) + K * f->dim + K;
  for (PetscInt k = 1; k < K; k++) {
    f->theta0[k - 1] = 0;
    PetscCall(PetscSNPrintf(f->names[k - 1], sizeof(f->names[0]), "logit_%" PetscInt_FMT, k));
  }
  for (PetscInt k = 0; k < K; k++) {
    for (PetscInt ax = 0; ax < f->dim; ax++) {
      /* components spread along x, staggered along y */
      f->theta0[K - 1 + k * f->dim + ax] = ax ? (0.5 + 0.15 * ((k % 2) ? 1 : -1)) * f->L[1] : (k + 0.5) / K * f->L[0];
      PetscCall(PetscSNPrintf(f->names[K - 1 + k * f->dim + ax], sizeof(f->names[0]), "mean_%" PetscInt_FMT "%c", k, ax ? 'y' : 'x'));
    }
    f->theta0[K - 1 + K * f->dim + k] = PetscLogReal(0.08 * f->L[0]);
    PetscCall(PetscSNPrintf(f->names[K - 1 + K * f->dim + k], sizeof(f->names[0]), "logsigma_%" PetscInt_FMT, k));
  }
  f->point = MixturePoint;
  PetscFunctionReturn(0);
}
