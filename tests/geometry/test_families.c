/// @file Families: analytic d_i rho against central differences (order 2), unit mass and zero-mass derivatives.
#include "geometry/family.h"
#include "tests/geometry/geotest.h"

/* max over i of max_x |FD_i - d_i rho| / max_x |rho|, central differences with step eps */
static PetscErrorCode FDError(W2Family f, const W2Grid *g, const PetscReal th[], Vec rho, Vec d[], PetscReal eps, PetscReal *err)
{
  Vec       rp, rm;
  PetscReal th2[W2_FAMILY_MAX_PARAMS], scale, e;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(rho, &rp));
  PetscCall(VecDuplicate(rho, &rm));
  PetscCall(VecNorm(rho, NORM_INFINITY, &scale));
  *err = 0;
  for (PetscInt i = 0; i < f->n; i++) {
    PetscCall(PetscArraycpy(th2, th, f->n));
    th2[i] = th[i] + eps;
    PetscCall(W2FamilyEvaluate(f, g, th2, rp, NULL));
    th2[i] = th[i] - eps;
    PetscCall(W2FamilyEvaluate(f, g, th2, rm, NULL));
    PetscCall(VecAXPY(rp, -1.0, rm));
    PetscCall(VecScale(rp, 0.5 / eps));
    PetscCall(VecAXPY(rp, -1.0, d[i]));
    PetscCall(VecNorm(rp, NORM_INFINITY, &e));
    *err = PetscMax(*err, e / scale);
  }
  PetscCall(W2FamilyEvaluate(f, g, th, rho, d)); /* restore the prepared state */
  PetscCall(VecDestroy(&rp));
  PetscCall(VecDestroy(&rm));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckFamily(const char label[], const char opts[], PetscInt dim, PetscInt N)
{
  W2Grid   *g;
  W2Family  f;
  PetscInt  Ns[2] = {N, N};
  PetscReal L[2]  = {1, 1}, th[W2_FAMILY_MAX_PARAMS], mass, dmass = 0, e1, e2, ord;
  Vec       rho, d[W2_FAMILY_MAX_PARAMS];

  PetscFunctionBeginUser;
  PetscCall(W2TestOptions(opts));
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, Ns, L, 1, &g));
  PetscCall(W2FamilyCreate(g, "family_", "gaussian", &f));
  PetscCall(W2FamilyGetTheta(f, "family_", th));
  /* a generic point: move every parameter off its symmetric default */
  for (PetscInt i = 0; i < f->n; i++) th[i] += 0.013 * (i + 1) * ((i % 2) ? -1 : 1);
  PetscCall(DMCreateGlobalVector(g->da, &rho));
  for (PetscInt i = 0; i < f->n; i++) PetscCall(VecDuplicate(rho, &d[i]));
  PetscCall(W2FamilyEvaluate(f, g, th, rho, d));
  PetscCall(W2GridIntegrate(g, rho, &mass));
  for (PetscInt i = 0; i < f->n; i++) {
    PetscReal m;
    PetscCall(W2GridIntegrate(g, d[i], &m));
    dmass = PetscMax(dmass, PetscAbsReal(m));
  }
  PetscCall(FDError(f, g, th, rho, d, 2e-4, &e1));
  PetscCall(FDError(f, g, th, rho, d, 1e-4, &e2));
  ord = W2OrderRatio(e1, e2, 2.0);
  /* the central difference errs by eps^2/6 d^3 rho (order 2) plus round-off u rho / eps ~ 1e-12 here: a wrong derivative would leave an O(1) error that does not shrink */
  W2_CHECK(e2 < 1e-3 && ord > 1.8 && ord < 2.2, "%-30s n = %2" PetscInt_FMT ": max |FD - d_i rho| / max rho = %.2e (eps 2e-4), %.2e (eps 1e-4), observed order %.3f (in [1.8, 2.2] and < 1e-3: central differences; a wrong d_i rho leaves an O(1) error)", label, f->n, (double)e1, (double)e2, (double)ord);
  /* wrapped Gaussians integrate to 1 exactly on the circle, the midpoint rule is spectrally accurate for smooth periodic functions; tilts are normalised on the grid */
  W2_CHECK(PetscAbsReal(mass - 1) < 1e-12 && dmass < 1e-12, "%-30s |mass - 1| = %.1e, max_i |int d_i rho| = %.1e (< 1e-12: spectral midpoint rule / grid normalisation)", label, (double)PetscAbsReal(mass - 1), (double)dmass);
  for (PetscInt i = 0; i < f->n; i++) PetscCall(VecDestroy(&d[i]));
  PetscCall(VecDestroy(&rho));
  PetscCall(W2FamilyDestroy(&f));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(CheckFamily("gaussian 1-D (mu, log sigma)", "-family_type gaussian", 1, 256));
  PetscCall(CheckFamily("gaussian 1-D (mu, sigma)", "-family_type gaussian -family_width linear", 1, 256));
  PetscCall(CheckFamily("gaussian 2-D", "-family_type gaussian", 2, 64));
  PetscCall(CheckFamily("mixture 1-D, 3 components", "-family_type mixture -family_components 3", 1, 256));
  PetscCall(CheckFamily("mixture 2-D, 2 components", "-family_type mixture -family_components 2", 2, 64));
  PetscCall(CheckFamily("tilt 1-D, 3 modes, kappa 1", "-family_type tilt -family_modes 3 -family_kappa 1", 1, 128));
  PetscCall(CheckFamily("tilt 2-D, 2 modes", "-family_type tilt -family_modes 2", 2, 32));
  PetscCall(CheckFamily("pushforward 1-D (tanh map)", "-family_type pushforward", 1, 256));
  PetscCall(CheckFamily("latent_gaussian 1-D", "-family_type latent_gaussian", 1, 256));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
