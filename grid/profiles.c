/// @file The named profiles: uniform, wrapped Gaussian, mixture, von Mises, cosine modes, Barenblatt.
#include "grid/profile.h"

typedef PetscReal (*PointFn)(const W2Grid *, PetscReal x, PetscReal y, void *ctx);

/* v(i,j) = fn(x_i, y_j) on the owned cells */
static PetscErrorCode FillPointwise(const W2Grid *g, PointFn fn, void *ctx, Vec v)
{
  W2Box        b;
  PetscScalar *a;

  PetscFunctionBeginUser;
  PetscCall(W2GridOwnedBox(g, &b));
  PetscCall(VecGetArray(v, &a));
  for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) a[(j - b.ys) * b.xm + (i - b.xs)] = fn(g, W2GridX(g, i), W2GridY(g, j), ctx);
  PetscCall(VecRestoreArray(v, &a));
  PetscFunctionReturn(0);
}

/* A point (one coordinate per axis) option, read inside the options block into buf (n values: one
   more than fits is read, as PETSc silently drops values beyond the capacity); the default is the
   centre of the box. Checked by CheckPoint after PetscOptionsEnd: an error inside the block would
   leave PETSc's block state allocated. */
typedef struct {
  PetscReal buf[3];
  PetscInt  n;
  PetscBool set;
} PointOption;

static PetscErrorCode OptionsPoint(PetscOptionItems *PetscOptionsObject, const W2Grid *g, const char name[], const char text[], PointOption *p)
{
  PetscFunctionBeginUser;
  p->buf[0] = 0.5 * g->L[0];
  p->buf[1] = 0.5 * g->L[1];
  p->n      = 3;
  PetscCall(PetscOptionsRealArray(name, text, NULL, p->buf, &p->n, &p->set));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckPoint(const W2Grid *g, const char prefix[], const char name[], const PointOption *p, PetscReal c[2])
{
  PetscFunctionBeginUser;
  c[0] = 0.5 * g->L[0];
  c[1] = 0.5 * g->L[1];
  if (!p->set) PetscFunctionReturn(0);
  PetscCheck(p->n == g->dim, g->comm, PETSC_ERR_USER_INPUT, "-%s%s needs %" PetscInt_FMT " comma-separated coordinates, got %" PetscInt_FMT, prefix, name + 1, g->dim, p->n);
  for (PetscInt a = 0; a < g->dim; a++) {
    PetscCheck(PetscIsNormalReal(p->buf[a]) || p->buf[a] == 0, g->comm, PETSC_ERR_USER_INPUT, "-%s%s: coordinate %g is not a finite number", prefix, name + 1, (double)p->buf[a]);
    c[a] = p->buf[a];
  }
  PetscFunctionReturn(0);
}

/* 1-D wrapped Gaussian exp(-(x-c+kL)^2/(2 s^2)) summed over the images within 8 sigma; a Gaussian
   wider than L/4 by its Fourier series (Poisson summation), which needs at most 7 terms, so that a huge
   sigma neither overflows the image count nor takes forever */
static PetscReal Wrapped(PetscReal x, PetscReal c, PetscReal s, PetscReal L)
{
  PetscReal d = W2PeriodicDelta(x, c, L), sum = 0;
  if (s <= 0.25 * L) {
    PetscInt K = (PetscInt)PetscCeilReal(8.0 * s / L) + 1;
    for (PetscInt k = -K; k <= K; k++) sum += PetscExpReal(-PetscSqr(d + k * L) / (2 * s * s));
    return sum;
  }
  /* sum_k g(d + kL) = (sqrt(2 pi) s / L) (1 + 2 sum_{m>0} exp(-2 pi^2 m^2 s^2 / L^2) cos(2 pi m d / L)) */
  for (PetscInt m = 1; m <= 6; m++) sum += 2 * PetscExpReal(-2 * PETSC_PI * PETSC_PI * m * m * (s / L) * (s / L)) * PetscCosReal(2 * PETSC_PI * m * d / L);
  return PetscSqrtReal(2 * PETSC_PI) * (s / L) * (1 + sum);
}

PetscErrorCode W2Profile_Uniform(const W2Grid *g, const char prefix[], Vec v)
{
  PetscFunctionBeginUser;
  (void)prefix;
  PetscCall(VecSet(v, 1.0 / (g->L[0] * g->L[1])));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt  n;
  PetscReal mean[2 * 16], sigma[16], weight[16];
} MixtureCtx;

static PetscReal MixturePoint(const W2Grid *g, PetscReal x, PetscReal y, void *ctx)
{
  MixtureCtx *m   = (MixtureCtx *)ctx;
  PetscReal   sum = 0;
  for (PetscInt k = 0; k < m->n; k++) {
    const PetscReal s    = m->sigma[k];
    PetscReal       term = Wrapped(x, m->mean[g->dim * k], s, g->L[0]) / (PetscSqrtReal(2 * PETSC_PI) * s);
    if (g->dim > 1) term *= Wrapped(y, m->mean[g->dim * k + 1], s, g->L[1]) / (PetscSqrtReal(2 * PETSC_PI) * s);
    sum += m->weight[k] * term;
  }
  return sum;
}

PetscErrorCode W2Profile_Gaussian(const W2Grid *g, const char prefix[], Vec v)
{
  MixtureCtx  m = {.n = 1, .weight = {1.0}};
  PointOption mean;

  PetscFunctionBeginUser;
  m.sigma[0] = 0.1 * g->L[0];
  PetscOptionsBegin(g->comm, prefix, "Wrapped Gaussian profile", NULL);
  PetscCall(OptionsPoint(PetscOptionsObject, g, "-mean", "Centre (one coordinate per axis)", &mean));
  PetscCall(PetscOptionsReal("-sigma", "Standard deviation", NULL, m.sigma[0], &m.sigma[0], NULL));
  PetscOptionsEnd();
  PetscCall(CheckPoint(g, prefix, "-mean", &mean, m.mean));
  PetscCheck(m.sigma[0] > 0 && PetscIsNormalReal(m.sigma[0]), g->comm, PETSC_ERR_USER_INPUT, "-%ssigma must be positive and finite, got %g", prefix, (double)m.sigma[0]);
  PetscCall(FillPointwise(g, MixturePoint, &m, v));
  PetscFunctionReturn(0);
}

PetscErrorCode W2Profile_Mixture(const W2Grid *g, const char prefix[], Vec v)
{
  MixtureCtx m;
  /* read one value more than fits: PETSc silently drops values beyond the capacity */
  PetscReal  means[2 * 16 + 1], sigmas[16 + 1], weights[16 + 1];
  PetscInt   nmean = 2 * 16 + 1, nsig = 16 + 1, nw = 16 + 1;
  PetscBool  setm, sets, setw;

  PetscFunctionBeginUser;
  PetscOptionsBegin(g->comm, prefix, "Mixture of wrapped Gaussians", NULL);
  PetscCall(PetscOptionsRealArray("-means", "Centres, one coordinate per axis per component", NULL, means, &nmean, &setm));
  PetscCall(PetscOptionsRealArray("-sigmas", "Standard deviation of each component", NULL, sigmas, &nsig, &sets));
  PetscCall(PetscOptionsRealArray("-weights", "Weight of each component (default: equal)", NULL, weights, &nw, &setw));
  PetscOptionsEnd();
  PetscCheck(setm && nmean > 0 && nmean % g->dim == 0 && nmean <= 16 * g->dim, g->comm, PETSC_ERR_USER_INPUT, "-%smeans needs a multiple of %" PetscInt_FMT " coordinates (up to 16 components)", prefix, g->dim);
  PetscCheck(nsig <= 16 && nw <= 16, g->comm, PETSC_ERR_USER_INPUT, "-%s%s: more than 16 values (a mixture has up to 16 components)", prefix, nsig > 16 ? "sigmas" : "weights");
  for (PetscInt k = 0; k < nmean; k++) PetscCheck(PetscIsNormalReal(means[k]) || means[k] == 0, g->comm, PETSC_ERR_USER_INPUT, "-%smeans: coordinate %g is not a finite number", prefix, (double)means[k]);
  PetscCall(PetscArraycpy(m.mean, means, nmean));
  PetscCall(PetscArraycpy(m.sigma, sigmas, nsig));
  PetscCall(PetscArraycpy(m.weight, weights, nw));
  m.n = nmean / g->dim;
  PetscCheck(sets && (nsig == m.n || nsig == 1), g->comm, PETSC_ERR_USER_INPUT, "-%ssigmas needs 1 or %" PetscInt_FMT " values", prefix, m.n);
  for (PetscInt k = 0; k < m.n; k++) {
    if (nsig == 1) m.sigma[k] = m.sigma[0];
    PetscCheck(m.sigma[k] > 0 && PetscIsNormalReal(m.sigma[k]), g->comm, PETSC_ERR_USER_INPUT, "-%ssigmas must be positive and finite, got %g", prefix, (double)m.sigma[k]);
  }
  if (!setw)
    for (PetscInt k = 0; k < m.n; k++) m.weight[k] = 1.0 / m.n;
  PetscCheck(!setw || nw == m.n, g->comm, PETSC_ERR_USER_INPUT, "-%sweights needs %" PetscInt_FMT " values, got %" PetscInt_FMT, prefix, m.n, nw);
  for (PetscInt k = 0; k < m.n; k++) PetscCheck(m.weight[k] > 0 && PetscIsNormalReal(m.weight[k]), g->comm, PETSC_ERR_USER_INPUT, "-%sweights must be positive and finite, got %g", prefix, (double)m.weight[k]);
  PetscCall(FillPointwise(g, MixturePoint, &m, v));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscReal c[2], kappa;
} VonMisesCtx;

static PetscReal VonMisesPoint(const W2Grid *g, PetscReal x, PetscReal y, void *ctx)
{
  VonMisesCtx *m = (VonMisesCtx *)ctx;
  PetscReal    e = PetscCosReal(2 * PETSC_PI * (x - m->c[0]) / g->L[0]) - 1;
  if (g->dim > 1) e += PetscCosReal(2 * PETSC_PI * (y - m->c[1]) / g->L[1]) - 1;
  return PetscExpReal(m->kappa * e);
}

PetscErrorCode W2Profile_VonMises(const W2Grid *g, const char prefix[], Vec v)
{
  VonMisesCtx m = {.kappa = 4.0};
  PointOption mean;

  PetscFunctionBeginUser;
  PetscOptionsBegin(g->comm, prefix, "von Mises profile exp(kappa cos(2 pi (x - mean)/L))", NULL);
  PetscCall(OptionsPoint(PetscOptionsObject, g, "-mean", "Centre (one coordinate per axis)", &mean));
  PetscCall(PetscOptionsReal("-kappa", "Concentration", NULL, m.kappa, &m.kappa, NULL));
  PetscOptionsEnd();
  PetscCall(CheckPoint(g, prefix, "-mean", &mean, m.c));
  PetscCheck(m.kappa >= 0 && !PetscIsInfOrNanReal(m.kappa), g->comm, PETSC_ERR_USER_INPUT, "-%skappa must be >= 0 and finite, got %g", prefix, (double)m.kappa);
  PetscCall(FillPointwise(g, VonMisesPoint, &m, v));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscReal amplitude;
  PetscInt  k[2];
} CosineCtx;

static PetscReal CosinePoint(const W2Grid *g, PetscReal x, PetscReal y, void *ctx)
{
  CosineCtx *m = (CosineCtx *)ctx;
  PetscReal  c = PetscCosReal(2 * PETSC_PI * m->k[0] * x / g->L[0]);
  if (g->dim > 1) c *= PetscCosReal(2 * PETSC_PI * m->k[1] * y / g->L[1]);
  return 1.0 + m->amplitude * c;
}

PetscErrorCode W2Profile_Cosine(const W2Grid *g, const char prefix[], Vec v)
{
  CosineCtx m = {.amplitude = 0.5, .k = {1, 0}};
  PetscInt  k[3] = {1, 0, 0}, n = 3; /* one more than an axis count: PETSc silently drops extra values */
  PetscBool set;

  PetscFunctionBeginUser;
  PetscOptionsBegin(g->comm, prefix, "Cosine mode 1 + a cos(2 pi kx x/Lx) cos(2 pi ky y/Ly)", NULL);
  PetscCall(PetscOptionsReal("-amplitude", "Amplitude a (|a| < 1 keeps the density positive)", NULL, m.amplitude, &m.amplitude, NULL));
  PetscCall(PetscOptionsIntArray("-modes", "Wave numbers kx[,ky]", NULL, k, &n, &set));
  PetscOptionsEnd();
  PetscCheck(!set || (n >= 1 && n <= g->dim), g->comm, PETSC_ERR_USER_INPUT, "-%smodes needs %s, got %" PetscInt_FMT, prefix, g->dim > 1 ? "1 or 2 wave numbers" : "1 wave number", n);
  if (set) {
    m.k[0] = k[0];
    m.k[1] = n > 1 ? k[1] : 0;
  }
  PetscCheck(PetscAbsReal(m.amplitude) <= 1, g->comm, PETSC_ERR_USER_INPUT, "-%samplitude must lie in [-1, 1] for a density, got %g", prefix, (double)m.amplitude);
  PetscCall(FillPointwise(g, CosinePoint, &m, v));
  PetscFunctionReturn(0);
}

PetscReal W2Barenblatt(PetscInt dim, PetscReal t, PetscReal r2)
{
  const PetscReal al = dim / (dim + 2.0), k = al / (4.0 * dim);
  /* unit mass: 1-D (4/3) C^(3/2) / sqrt(k) = 1, 2-D pi C^2 / (2k) = 1 */
  const PetscReal C = dim == 1 ? PetscPowReal(0.75 * PetscSqrtReal(k), 2.0 / 3.0) : PetscSqrtReal(2 * k / PETSC_PI);
  return PetscPowReal(t, -al) * PetscMax(0.0, C - k * r2 * PetscPowReal(t, -2 * al / dim));
}

typedef struct {
  PetscReal c[2], t;
} BarenblattCtx;

static PetscReal BarenblattPoint(const W2Grid *g, PetscReal x, PetscReal y, void *ctx)
{
  BarenblattCtx *m  = (BarenblattCtx *)ctx;
  PetscReal      r2 = PetscSqr(W2PeriodicDelta(x, m->c[0], g->L[0]));
  if (g->dim > 1) r2 += PetscSqr(W2PeriodicDelta(y, m->c[1], g->L[1]));
  return W2Barenblatt(g->dim, m->t, r2);
}

PetscErrorCode W2Profile_Barenblatt(const W2Grid *g, const char prefix[], Vec v)
{
  BarenblattCtx m = {.t = 1e-3};
  PointOption   center;

  PetscFunctionBeginUser;
  PetscOptionsBegin(g->comm, prefix, "Barenblatt profile of d_t rho = Lap(rho^2)", NULL);
  PetscCall(OptionsPoint(PetscOptionsObject, g, "-center", "Centre (one coordinate per axis)", &center));
  PetscCall(PetscOptionsReal("-time", "Time t0 > 0 of the self-similar solution", NULL, m.t, &m.t, NULL));
  PetscOptionsEnd();
  PetscCall(CheckPoint(g, prefix, "-center", &center, m.c));
  PetscCheck(m.t > 0 && PetscIsNormalReal(m.t), g->comm, PETSC_ERR_USER_INPUT, "-%stime must be positive and finite, got %g", prefix, (double)m.t);
  PetscCall(FillPointwise(g, BarenblattPoint, &m, v));
  PetscFunctionReturn(0);
}
