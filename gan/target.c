/// @file GAN targets: isotropic Gaussian mixtures (1-D Gaussian, 1-D and 2-D mixtures, ring of 8, grid of 25), their sampling,
/// exact (smoothed) densities and the quantiles of their 1-D projections.
#include <math.h>
#include "gan/target.h"
#include "gan/gan.h"

const char *const W2GanTargetTypes[] = {"gaussian", "mixture1d", "mixture2d", "ring", "grid", "W2GanTargetType", "W2_GAN_TARGET_", NULL};

#define W2_GAN_MAX_COMPONENTS 64

PetscErrorCode W2GanTargetCreateMixture(PetscInt dim, PetscInt K, const PetscReal mean[], const PetscReal sigma[], const PetscReal weight[], W2GanTarget **target)
{
  W2GanTarget *t;
  PetscReal    sw = 0;

  PetscFunctionBeginUser;
  PetscCheck((dim == 1 || dim == 2) && K >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "a target mixture needs dim 1 or 2 and at least one component, got %" PetscInt_FMT ", %" PetscInt_FMT, dim, K);
  PetscCall(PetscNew(&t));
  t->type = dim == 1 ? W2_GAN_TARGET_MIXTURE1D : W2_GAN_TARGET_MIXTURE2D;
  t->dim  = dim;
  t->K    = K;
  PetscCall(PetscMalloc4(K * dim, &t->mean, K, &t->sigma, K, &t->weight, K, &t->cumw));
  PetscCall(PetscArraycpy(t->mean, mean, K * dim));
  PetscCall(PetscArraycpy(t->sigma, sigma, K));
  for (PetscInt k = 0; k < K; k++) sw += weight ? weight[k] : 1;
  for (PetscInt k = 0; k < K; k++) {
    t->weight[k] = (weight ? weight[k] : 1) / sw;
    t->cumw[k]   = (k ? t->cumw[k - 1] : 0) + t->weight[k];
  }
  t->cumw[K - 1] = 1;
  *target        = t;
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanTargetDestroy(W2GanTarget **t)
{
  PetscFunctionBeginUser;
  if (!*t) PetscFunctionReturn(0);
  PetscCall(PetscFree4((*t)->mean, (*t)->sigma, (*t)->weight, (*t)->cumw));
  PetscCall(PetscFree(*t));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanTargetCreate(MPI_Comm comm, W2GanTarget **target)
{
  W2GanTargetType type = W2_GAN_TARGET_GAUSSIAN;
  PetscReal       mean[2 * W2_GAN_MAX_COMPONENTS], sigma[W2_GAN_MAX_COMPONENTS], weight[W2_GAN_MAX_COMPONENTS];
  PetscInt        K = 0, dim = 1;
  PetscBool       has_w = PETSC_FALSE;
  W2GanTarget    *t;
  char            desc[256];

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "GAN target", NULL);
  PetscCall(PetscOptionsEnum("-gan_target", "Target law", NULL, W2GanTargetTypes, (PetscEnum)type, (PetscEnum *)&type, NULL));
  if (type == W2_GAN_TARGET_GAUSSIAN) {
    PetscReal mu = 2.0, sd = 0.5;
    PetscCall(PetscOptionsReal("-gan_target_mean", "Mean of the Gaussian target", NULL, mu, &mu, NULL));
    PetscCall(PetscOptionsReal("-gan_target_std", "Standard deviation of the Gaussian target", NULL, sd, &sd, NULL));
    PetscCheck(sd > 0 && PetscIsNormalReal(sd), comm, PETSC_ERR_USER_INPUT, "-gan_target_std must be positive, got %g", (double)sd);
    PetscCheck(PetscIsNormalReal(mu) || mu == 0, comm, PETSC_ERR_USER_INPUT, "-gan_target_mean must be finite, got %g", (double)mu);
    K        = 1;
    mean[0]  = mu;
    sigma[0] = sd;
    PetscCall(PetscSNPrintf(desc, sizeof(desc), "N(%g, %g^2)", (double)mu, (double)sd));
  } else if (type == W2_GAN_TARGET_MIXTURE1D || type == W2_GAN_TARGET_MIXTURE2D) {
    const PetscReal dm1[] = {-1, 2}, ds1[] = {0.4, 0.4}, dm2[] = {-1, 0, 1, 0, 0, 1.5}, ds2[] = {0.2, 0.2, 0.2};
    PetscInt        nm = 2 * W2_GAN_MAX_COMPONENTS, ns = W2_GAN_MAX_COMPONENTS, nw = W2_GAN_MAX_COMPONENTS;
    PetscBool       set_m, set_s;
    dim = type == W2_GAN_TARGET_MIXTURE1D ? 1 : 2;
    PetscCall(PetscOptionsRealArray("-gan_mixture_means", dim == 1 ? "Component means" : "Component means, x,y pairs", NULL, mean, &nm, &set_m));
    PetscCall(PetscOptionsRealArray("-gan_mixture_stds", "Component standard deviations (one value: all)", NULL, sigma, &ns, &set_s));
    PetscCall(PetscOptionsRealArray("-gan_mixture_weights", "Component weights (default equal)", NULL, weight, &nw, &has_w));
    if (!set_m) {
      nm = dim == 1 ? 2 : 6;
      PetscCall(PetscArraycpy(mean, dim == 1 ? dm1 : dm2, nm));
    }
    PetscCheck(nm >= dim && nm % dim == 0, comm, PETSC_ERR_USER_INPUT, "-gan_mixture_means needs %s, got %" PetscInt_FMT " values", dim == 1 ? "at least one value" : "x,y pairs", nm);
    K = nm / dim;
    if (!set_s) {
      ns = K;
      for (PetscInt k = 0; k < K; k++) sigma[k] = (dim == 1 ? ds1 : ds2)[PetscMin(k, dim == 1 ? 1 : 2)];
    }
    PetscCheck(ns == 1 || ns == K, comm, PETSC_ERR_USER_INPUT, "-gan_mixture_stds needs 1 or %" PetscInt_FMT " values (one per component), got %" PetscInt_FMT, K, ns);
    for (PetscInt k = 1; k < K && ns == 1; k++) sigma[k] = sigma[0];
    PetscCheck(!has_w || nw == K, comm, PETSC_ERR_USER_INPUT, "-gan_mixture_weights needs %" PetscInt_FMT " values (one per component), got %" PetscInt_FMT, K, nw);
    for (PetscInt k = 0; k < K; k++) {
      PetscCheck(sigma[k] > 0 && PetscIsNormalReal(sigma[k]), comm, PETSC_ERR_USER_INPUT, "-gan_mixture_stds: value %" PetscInt_FMT " is %g, must be positive", k, (double)sigma[k]);
      PetscCheck(!has_w || (weight[k] > 0 && PetscIsNormalReal(weight[k])), comm, PETSC_ERR_USER_INPUT, "-gan_mixture_weights: value %" PetscInt_FMT " is %g, must be positive", k, (double)weight[k]);
    }
    for (PetscInt k = 0; k < K * dim; k++) PetscCheck(PetscIsNormalReal(mean[k]) || mean[k] == 0, comm, PETSC_ERR_USER_INPUT, "-gan_mixture_means: value %" PetscInt_FMT " is %g, must be finite", k, (double)mean[k]);
    PetscCall(PetscSNPrintf(desc, sizeof(desc), "%" PetscInt_FMT "-component %" PetscInt_FMT "-D Gaussian mixture", K, dim));
  } else if (type == W2_GAN_TARGET_RING) {
    PetscReal r = 1, s = 0.01;
    PetscCall(PetscOptionsReal("-gan_ring_radius", "Radius of the ring of 8 Gaussians", NULL, r, &r, NULL));
    PetscCall(PetscOptionsReal("-gan_ring_sigma", "Standard deviation of each of the 8 Gaussians", NULL, s, &s, NULL));
    PetscCheck(r > 0 && PetscIsNormalReal(r), comm, PETSC_ERR_USER_INPUT, "-gan_ring_radius must be positive, got %g", (double)r);
    PetscCheck(s > 0 && PetscIsNormalReal(s), comm, PETSC_ERR_USER_INPUT, "-gan_ring_sigma must be positive, got %g", (double)s);
    dim = 2;
    K   = 8;
    for (PetscInt k = 0; k < K; k++) {
      mean[2 * k]     = r * PetscCosReal(2 * PETSC_PI * k / K);
      mean[2 * k + 1] = r * PetscSinReal(2 * PETSC_PI * k / K);
      sigma[k]        = s;
    }
    PetscCall(PetscSNPrintf(desc, sizeof(desc), "ring of 8 Gaussians, radius %g, sigma %g", (double)r, (double)s));
  } else {
    PetscReal h = 2, s = 0.05;
    PetscCall(PetscOptionsReal("-gan_grid_spacing", "Spacing of the 5 x 5 grid of Gaussians", NULL, h, &h, NULL));
    PetscCall(PetscOptionsReal("-gan_grid_sigma", "Standard deviation of each of the 25 Gaussians", NULL, s, &s, NULL));
    PetscCheck(h > 0 && PetscIsNormalReal(h), comm, PETSC_ERR_USER_INPUT, "-gan_grid_spacing must be positive, got %g", (double)h);
    PetscCheck(s > 0 && PetscIsNormalReal(s), comm, PETSC_ERR_USER_INPUT, "-gan_grid_sigma must be positive, got %g", (double)s);
    dim = 2;
    K   = 25;
    for (PetscInt k = 0; k < K; k++) {
      mean[2 * k]     = h * (k % 5 - 2);
      mean[2 * k + 1] = h * (k / 5 - 2);
      sigma[k]        = s;
    }
    PetscCall(PetscSNPrintf(desc, sizeof(desc), "5 x 5 grid of Gaussians, spacing %g, sigma %g", (double)h, (double)s));
  }
  PetscOptionsEnd();
  PetscCall(W2GanTargetCreateMixture(dim, K, mean, sigma, has_w ? weight : NULL, &t));
  t->type  = type;
  t->modes = (PetscBool)(type == W2_GAN_TARGET_RING || type == W2_GAN_TARGET_GRID);
  PetscCall(PetscStrncpy(t->description, desc, sizeof(t->description)));
  *target = t;
  PetscFunctionReturn(0);
}

void W2GanTargetSample(const W2GanTarget *t, W2Rng *rng, PetscInt n, PetscReal x[])
{
  if (t->K == 1) { /* no component draws between the normals: one batch, the same numbers */
    W2RngNormals(rng, n * t->dim, x);
    for (PetscInt i = 0; i < n * t->dim; i++) x[i] = t->mean[i % t->dim] + t->sigma[0] * x[i];
    return;
  }
  for (PetscInt i = 0; i < n; i++) {
    PetscInt k = 0;
    if (t->K > 1) {
      const PetscReal u = W2RngUniform(rng);
      while (k < t->K - 1 && u > t->cumw[k]) k++;
    }
    for (PetscInt a = 0; a < t->dim; a++) x[t->dim * i + a] = t->mean[t->dim * k + a] + t->sigma[k] * W2RngNormal(rng);
  }
}

PetscReal W2GanTargetLogDensity(const W2GanTarget *t, const PetscReal x[], const PetscReal extra_var[])
{
  PetscReal lk[W2_GAN_MAX_COMPONENTS], m = -PETSC_INFINITY, s = 0;

  for (PetscInt k = 0; k < t->K; k++) {
    PetscReal l = PetscLogReal(t->weight[k]);
    for (PetscInt a = 0; a < t->dim; a++) {
      const PetscReal v = PetscSqr(t->sigma[k]) + (extra_var ? extra_var[a] : 0);
      l -= 0.5 * PetscSqr(x[a] - t->mean[t->dim * k + a]) / v + 0.5 * PetscLogReal(2 * PETSC_PI * v);
    }
    lk[k] = l;
    m     = PetscMax(m, l);
  }
  for (PetscInt k = 0; k < t->K; k++) s += PetscExpReal(lk[k] - m); /* log-sum-exp: no underflow far from the modes */
  return m + PetscLogReal(s);
}

PetscReal W2GanTargetProjectedCDF(const W2GanTarget *t, const PetscReal u[], PetscReal x)
{
  PetscReal F = 0;
  for (PetscInt k = 0; k < t->K; k++) {
    PetscReal mk = 0;
    for (PetscInt a = 0; a < t->dim; a++) mk += u[a] * t->mean[t->dim * k + a];
    F += t->weight[k] * 0.5 * erfc(-(x - mk) / (t->sigma[k] * PetscSqrtReal(2.0)));
  }
  return F;
}

static PetscReal ProjectedDensity(const W2GanTarget *t, const PetscReal u[], PetscReal x)
{
  PetscReal r = 0;
  for (PetscInt k = 0; k < t->K; k++) {
    PetscReal mk = 0;
    for (PetscInt a = 0; a < t->dim; a++) mk += u[a] * t->mean[t->dim * k + a];
    r += t->weight[k] * PetscExpReal(-0.5 * PetscSqr((x - mk) / t->sigma[k])) / (t->sigma[k] * PetscSqrtReal(2 * PETSC_PI));
  }
  return r;
}

PetscErrorCode W2GanTargetProjectedQuantiles(const W2GanTarget *t, const PetscReal u[], PetscInt n, const PetscReal p[], PetscReal q[])
{
  PetscReal lo0 = PETSC_INFINITY, hi0 = -PETSC_INFINITY, x;

  PetscFunctionBeginUser;
  if (t->K == 1) { /* one Gaussian: the normal quantile directly */
    PetscReal m = 0;
    for (PetscInt a = 0; a < t->dim; a++) m += u[a] * t->mean[a];
    for (PetscInt i = 0; i < n; i++) q[i] = m + t->sigma[0] * W2NormalQuantile(p[i]);
    PetscFunctionReturn(0);
  }
  for (PetscInt k = 0; k < t->K; k++) {
    PetscReal mk = 0;
    for (PetscInt a = 0; a < t->dim; a++) mk += u[a] * t->mean[t->dim * k + a];
    lo0 = PetscMin(lo0, mk - 40 * t->sigma[k]); /* Phi(-40) ~ 1e-350: below every representable p */
    hi0 = PetscMax(hi0, mk + 40 * t->sigma[k]);
  }
  x = 0.5 * (lo0 + hi0);
  for (PetscInt i = 0; i < n; i++) {
    PetscReal lo = i ? q[i - 1] : lo0, hi = hi0; /* p increasing: the previous quantile brackets from below */
    PetscCheck(p[i] > 0 && p[i] < 1 && (i == 0 || p[i] >= p[i - 1]), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "quantile levels must increase in (0, 1), got p[%" PetscInt_FMT "] = %g", i, (double)p[i]);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    for (int it = 0; it < 200; it++) {
      const PetscReal F = W2GanTargetProjectedCDF(t, u, x) - p[i], f = ProjectedDensity(t, u, x);
      PetscReal       xn;
      if (F > 0) hi = x;
      else lo = x;
      xn = f > 0 ? x - F / f : 0.5 * (lo + hi);
      if (!(xn > lo && xn < hi)) xn = 0.5 * (lo + hi); /* Newton left the bracket: bisect */
      if (PetscAbsReal(xn - x) <= 1e-13 * (1 + PetscAbsReal(x)) || hi - lo <= 1e-13 * (1 + PetscAbsReal(x))) {
        x = xn;
        break;
      }
      x = xn;
    }
    q[i] = x;
  }
  PetscFunctionReturn(0);
}

void W2GanTargetBox(const W2GanTarget *t, PetscReal c, PetscReal lo[], PetscReal hi[])
{
  for (PetscInt a = 0; a < t->dim; a++) {
    lo[a] = PETSC_INFINITY;
    hi[a] = -PETSC_INFINITY;
    for (PetscInt k = 0; k < t->K; k++) {
      lo[a] = PetscMin(lo[a], t->mean[t->dim * k + a] - c * t->sigma[k]);
      hi[a] = PetscMax(hi[a], t->mean[t->dim * k + a] + c * t->sigma[k]);
    }
  }
}
