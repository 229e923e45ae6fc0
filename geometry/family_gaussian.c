/// @file Wrapped Gaussian families: (mean, log-width or width) per axis, and a 1-D Gaussian made by a 2-D latent.
#include "geometry/family.h"

void W2WrappedGaussian(PetscReal x, PetscReal m, PetscReal s, PetscReal L, PetscReal *g, PetscReal *dg_dm, PetscReal *dg_dlogs)
{
  const PetscReal d = W2PeriodicDelta(x, m, L), c = 1.0 / (PetscSqrtReal(2 * PETSC_PI) * s);
  const PetscInt  K = (PetscInt)PetscCeilReal(8.0 * s / L) + 1;
  PetscReal       sg = 0, sm = 0, ss = 0;

  for (PetscInt k = -K; k <= K; k++) {
    const PetscReal u = (d + k * L) / s, e = c * PetscExpReal(-0.5 * u * u);
    sg += e;
    sm += e * u / s;
    ss += e * (u * u - 1);
  }
  *g = sg;
  if (dg_dm) *dg_dm = sm;
  if (dg_dlogs) *dg_dlogs = ss;
}

typedef struct {
  PetscBool log_width; /* theta holds log sigma (else sigma) */
} GaussianCtx;

/* product over axes of wrapped Gaussians; theta = (means..., widths...) */
static void GaussianPoint(W2Family f, const PetscReal th[], PetscReal x, PetscReal y, PetscReal *rho, PetscReal drho[])
{
  GaussianCtx    *c = (GaussianCtx *)f->data;
  const PetscReal p[2] = {x, y};
  PetscReal       g[2] = {1, 1}, gm[2] = {0, 0}, gs[2] = {0, 0}, s[2];

  for (PetscInt a = 0; a < f->dim; a++) {
    s[a] = c->log_width ? PetscExpReal(th[f->dim + a]) : th[f->dim + a];
    W2WrappedGaussian(p[a], th[a], s[a], f->L[a], &g[a], &gm[a], &gs[a]);
    if (!c->log_width) gs[a] /= s[a]; /* d/d sigma = (1/sigma) d/d log sigma */
  }
  *rho = g[0] * g[1];
  if (!drho) return;
  for (PetscInt a = 0; a < f->dim; a++) {
    const PetscReal other = f->dim > 1 ? g[1 - a] : 1.0;
    drho[a]          = gm[a] * other;
    drho[f->dim + a] = gs[a] * other;
  }
}

/* x = mu + sigma z per axis (1-D only): J = (1, dsigma/dw z) */
static void GaussianGenerator(W2Family f, const PetscReal th[], const PetscReal z[], PetscReal *x, PetscReal J[])
{
  GaussianCtx    *c = (GaussianCtx *)f->data;
  const PetscReal s = c->log_width ? PetscExpReal(th[1]) : th[1];
  *x   = th[0] + s * z[0];
  J[0] = 1;
  J[1] = c->log_width ? s * z[0] : z[0];
}

PetscErrorCode W2FamilyCreate_Gaussian(W2Family f, const char prefix[])
{
  GaussianCtx *c;
  char         width[16] = "log";

  PetscFunctionBeginUser;
  PetscOptionsBegin(f->comm, prefix, "Wrapped Gaussian family", NULL);
  PetscCall(PetscOptionsString("-width", "Width parameter: log (log sigma) or linear (sigma)", NULL, width, width, sizeof(width), NULL));
  PetscOptionsEnd();
  PetscCheck(!strcmp(width, "log") || !strcmp(width, "linear"), f->comm, PETSC_ERR_USER_INPUT, "-%swidth must be log or linear, got %s", prefix, width);
  PetscCall(PetscNew(&c));
  c->log_width = (PetscBool)!strcmp(width, "log");
  f->data      = c;
  f->n         = 2 * f->dim;
  for (PetscInt a = 0; a < f->dim; a++) {
    f->theta0[a]          = 0.5 * f->L[a];
    f->theta0[f->dim + a] = c->log_width ? PetscLogReal(0.1 * f->L[a]) : 0.1 * f->L[a];
    PetscCall(PetscSNPrintf(f->names[a], sizeof(f->names[a]), "mu_%c", a ? 'y' : 'x'));
    PetscCall(PetscSNPrintf(f->names[f->dim + a], sizeof(f->names[0]), c->log_width ? "logsigma_%c" : "sigma_%c", a ? 'y' : 'x'));
  }
  f->point = GaussianPoint;
  if (f->dim == 1) {
    f->generator = GaussianGenerator;
    f->latent    = 1;
  }
  PetscFunctionReturn(0);
}

/* theta = (mu, s1, s2): x = mu + s1 z1 + s2 z2, the law N(mu, s1^2 + s2^2): a generator that is not injective */
static void LatentPoint(W2Family f, const PetscReal th[], PetscReal x, PetscReal y, PetscReal *rho, PetscReal drho[])
{
  const PetscReal s2 = th[1] * th[1] + th[2] * th[2], s = PetscSqrtReal(s2);
  PetscReal       gm, gs;
  (void)y;
  W2WrappedGaussian(x, th[0], s, f->L[0], rho, &gm, &gs);
  if (!drho) return;
  drho[0] = gm;
  drho[1] = gs * th[1] / s2; /* d log sigma / d s1 = s1 / sigma^2 */
  drho[2] = gs * th[2] / s2;
}

static void LatentGenerator(W2Family f, const PetscReal th[], const PetscReal z[], PetscReal *x, PetscReal J[])
{
  (void)f;
  *x   = th[0] + th[1] * z[0] + th[2] * z[1];
  J[0] = 1;
  J[1] = z[0];
  J[2] = z[1];
}

PetscErrorCode W2FamilyCreate_LatentGaussian(W2Family f, const char prefix[])
{
  PetscFunctionBeginUser;
  (void)prefix;
  PetscCheck(f->dim == 1, f->comm, PETSC_ERR_SUP, "family latent_gaussian is 1-D only");
  f->n         = 3;
  f->latent    = 2;
  f->theta0[0] = 0.5 * f->L[0];
  f->theta0[1] = 0.06 * f->L[0];
  f->theta0[2] = 0.08 * f->L[0];
  PetscCall(PetscStrncpy(f->names[0], "mu", sizeof(f->names[0])));
  PetscCall(PetscStrncpy(f->names[1], "s1", sizeof(f->names[0])));
  PetscCall(PetscStrncpy(f->names[2], "s2", sizeof(f->names[0])));
  f->point     = LatentPoint;
  f->generator = LatentGenerator;
  PetscFunctionReturn(0);
}
