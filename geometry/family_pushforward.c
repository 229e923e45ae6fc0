/// @file 1-D push-forwards G_theta # N(0,1) by the monotone map G(z) = theta_0 + exp(theta_1) z + theta_2 tanh z, wrapped onto the circle.
#include "geometry/family.h"

static PetscReal Sech2(PetscReal z)
{
  const PetscReal c = PetscCoshReal(z);
  return 1.0 / (c * c);
}

/* z with G(z) = y: Newton safeguarded by the bracket |G(z) - theta_0 - e^theta_1 z| <= |theta_2| */
static PetscReal Invert(const PetscReal th[], PetscReal y)
{
  const PetscReal a = PetscExpReal(th[1]);
  PetscReal       lo = (y - th[0] - PetscAbsReal(th[2])) / a, hi = (y - th[0] + PetscAbsReal(th[2])) / a, z = 0.5 * (lo + hi);

  for (int it = 0; it < 100; it++) {
    const PetscReal r = th[0] + a * z + th[2] * PetscTanhReal(z) - y, dG = a + th[2] * Sech2(z);
    PetscReal       zn;
    if (r > 0) hi = z;
    else lo = z;
    zn = z - r / dG;
    if (!(zn > lo && zn < hi)) zn = 0.5 * (lo + hi);
    if (PetscAbsReal(zn - z) <= 1e-15 * (1 + PetscAbsReal(z))) return zn;
    z = zn;
  }
  return z;
}

/* rho(x) = sum over images y = x + kL of n(z)/G'(z), z = G^-1(y); dz/dtheta = -d_theta G / G' */
static void PushPoint(W2Family f, const PetscReal th[], PetscReal x, PetscReal y, PetscReal *rho, PetscReal drho[])
{
  const PetscReal L = f->L[0], a = PetscExpReal(th[1]), xc = th[0] + W2PeriodicDelta(x, th[0], L);
  const PetscInt  K = (PetscInt)PetscCeilReal((12 * a + PetscAbsReal(th[2])) / L) + 1;
  PetscReal       r = 0;
  (void)y;
  if (drho) drho[0] = drho[1] = drho[2] = 0;
  for (PetscInt k = -K; k <= K; k++) {
    const PetscReal yk = xc + k * L, z = Invert(th, yk);
    if (PetscAbsReal(z) > 14) continue; /* n(14) < 1e-42 */
    {
      const PetscReal s2 = Sech2(z), t = PetscTanhReal(z), dG = a + th[2] * s2, d2G = -2 * th[2] * s2 * t;
      const PetscReal n = PetscExpReal(-0.5 * z * z) / PetscSqrtReal(2 * PETSC_PI);
      const PetscReal dthG[3] = {1, a * z, t}, dthdG[3] = {0, a, s2};
      r += n / dG;
      if (drho)
        for (int p = 0; p < 3; p++) {
          const PetscReal dz = -dthG[p] / dG;
          drho[p] += n * (-z * dz / dG - (d2G * dz + dthdG[p]) / (dG * dG));
        }
    }
  }
  *rho = r;
}

static PetscErrorCode PushPrepare(W2Family f, const W2Grid *g, const PetscReal th[])
{
  PetscFunctionBeginUser;
  (void)g;
  PetscCheck(th[2] > -PetscExpReal(th[1]), f->comm, PETSC_ERR_USER_INPUT, "pushforward: G is monotone only for theta_2 > -exp(theta_1); got theta = (%g, %g, %g)", (double)th[0], (double)th[1], (double)th[2]);
  PetscFunctionReturn(0);
}

static void PushGenerator(W2Family f, const PetscReal th[], const PetscReal z[], PetscReal *x, PetscReal J[])
{
  const PetscReal a = PetscExpReal(th[1]), t = PetscTanhReal(z[0]);
  (void)f;
  *x   = th[0] + a * z[0] + th[2] * t;
  J[0] = 1;
  J[1] = a * z[0];
  J[2] = t;
}

PetscErrorCode W2FamilyCreate_Pushforward(W2Family f, const char prefix[])
{
  PetscFunctionBeginUser;
  (void)prefix;
  PetscCheck(f->dim == 1, f->comm, PETSC_ERR_SUP, "family pushforward is 1-D only");
  f->n         = 3;
  f->latent    = 1;
  f->theta0[0] = 0.5 * f->L[0];
  f->theta0[1] = PetscLogReal(0.06 * f->L[0]);
  f->theta0[2] = 0.03 * f->L[0]; /* tails within 8 sd of the circle: wrapping negligible */
  PetscCall(PetscStrncpy(f->names[0], "shift", sizeof(f->names[0])));
  PetscCall(PetscStrncpy(f->names[1], "logscale", sizeof(f->names[0])));
  PetscCall(PetscStrncpy(f->names[2], "tanh", sizeof(f->names[0])));
  f->point     = PushPoint;
  f->prepare   = PushPrepare;
  f->generator = PushGenerator;
  PetscFunctionReturn(0);
}
