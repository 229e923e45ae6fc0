/// @file Each registered f: derivatives against central differences, (f')^-1, Fenchel-Young, f(1) = 0, convexity, domains.
#include "divergences/divergence.h"
#include "tests/numerics/flowtest.h"

typedef struct {
  const char *type;
  PetscReal   alpha;
} Case;

int main(int argc, char **argv)
{
  const Case      cases[] = {{"kl", 0}, {"reverse_kl", 0}, {"chi2", 0}, {"hellinger", 0}, {"jsd", 0}, {"alpha", 2.0}, {"alpha", 0.5}, {"alpha", -1.0}, {"alpha", 3.5}};
  const PetscReal ts[]    = {0.05, 0.3, 0.9, 1.0, 1.7, 4.0, 25.0};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    W2Divergence *d;
    PetscReal     err_df = 0, err_d2f = 0, err_d3f = 0, err_inv = 0, err_fy = 0, err_conj = 0, min_d2f = PETSC_MAX_REAL;
    char          name[64];
    PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, cases[c].type, cases[c].alpha, &d));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s%s", d->type, cases[c].alpha ? " (a)" : ""));
    if (cases[c].alpha) PetscCall(PetscSNPrintf(name, sizeof(name), "alpha a=%g", (double)cases[c].alpha));
    for (size_t k = 0; k < sizeof(ts) / sizeof(ts[0]); k++) {
      const PetscReal t = ts[k], h = 1e-5 * t, s = d->df(d, t);
      /* central differences: truncation O(h^2 f''') plus round-off O(eps f / h): 1e-8 relative is 100x above both */
      err_df  = PetscMax(err_df, PetscAbsReal((d->f(d, t + h) - d->f(d, t - h)) / (2 * h) - s) / (1 + PetscAbsReal(s)));
      err_d2f = PetscMax(err_d2f, PetscAbsReal((d->df(d, t + h) - d->df(d, t - h)) / (2 * h) - d->d2f(d, t)) / (1 + PetscAbsReal(d->d2f(d, t))));
      err_d3f = PetscMax(err_d3f, PetscAbsReal((d->d2f(d, t + h) - d->d2f(d, t - h)) / (2 * h) - d->d3f(d, t)) / (1 + PetscAbsReal(d->d3f(d, t))));
      err_inv = PetscMax(err_inv, PetscAbsReal(d->dfinv(d, s) - t) / t);
      /* Fenchel-Young equality at s = f'(t): f(t) + f*(s) = s t */
      err_fy = PetscMax(err_fy, PetscAbsReal(d->f(d, t) + d->conj(d, s) - s * t) / (1 + PetscAbsReal(s * t)));
      /* f* is the Legendre transform: (f*)'(s) = (f')^-1(s) */
      {
        /* step in s that moves t by 1e-5 t: (f*)'' = 1/f''(t) */
        const PetscReal hs = 1e-5 * t * d->d2f(d, t);
        err_conj           = PetscMax(err_conj, PetscAbsReal((d->conj(d, s + hs) - d->conj(d, s - hs)) / (2 * hs) - t) / t);
      }
      min_d2f = PetscMin(min_d2f, d->d2f(d, t));
    }
    W2_CHECK(err_df < 1e-8, "%-12s f' against central differences: max relative error %.2e (< 1e-8: O(h^2) with h = 1e-5 t)", name, (double)err_df);
    W2_CHECK(err_d2f < 1e-8, "%-12s f'' against central differences of f': %.2e (< 1e-8)", name, (double)err_d2f);
    W2_CHECK(err_d3f < 1e-7, "%-12s f''' against central differences of f'': %.2e (< 1e-7: f''' is the steepest)", name, (double)err_d3f);
    W2_CHECK(err_inv < 1e-12, "%-12s (f')^-1(f'(t)) = t: max relative error %.2e (< 1e-12: closed forms, round-off)", name, (double)err_inv);
    W2_CHECK(err_fy < 1e-12, "%-12s Fenchel-Young f(t) + f*(f'(t)) = t f'(t): %.2e (< 1e-12: equality case)", name, (double)err_fy);
    W2_CHECK(err_conj < 1e-8, "%-12s (f*)' = (f')^-1 by central differences: %.2e (< 1e-8)", name, (double)err_conj);
    W2_CHECK(PetscAbsReal(d->f(d, 1.0)) < 1e-15, "%-12s f(1) = %.2e (= 0: F(Q||Q) = 0)", name, (double)d->f(d, 1.0));
    W2_CHECK(min_d2f > 0, "%-12s convexity: min f'' over samples = %.3e (> 0)", name, (double)min_d2f);
    {
      PetscReal      v;
      PetscErrorCode e;
      PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
      e = W2DivergenceEvalF(d, -0.5, &v);
      W2_CHECK(e == PETSC_ERR_ARG_OUTOFRANGE, "%-12s f(-0.5) is a domain error (code %d)", name, (int)e);
      if (d->conj_sup < PETSC_INFINITY) {
        e = W2DivergenceEvalConj(d, d->conj_sup + 0.1, &v);
        W2_CHECK(e == PETSC_ERR_ARG_OUTOFRANGE, "%-12s f*(%g) beyond the domain s < %g is an error (code %d)", name, (double)(d->conj_sup + 0.1), (double)d->conj_sup, (int)e);
        e = W2DivergenceEvalDFInv(d, d->conj_sup + 0.1, &v);
        W2_CHECK(e == PETSC_ERR_ARG_OUTOFRANGE, "%-12s (f')^-1(%g) outside the range of f' is an error (code %d)", name, (double)(d->conj_sup + 0.1), (int)e);
      }
      PetscCall(PetscPopErrorHandler());
    }
    PetscCall(W2DivergenceDestroy(&d));
  }
  {
    /* JSD identity: JSD(P||Q) = KL(P||M)/2 + KL(Q||M)/2, M = (P+Q)/2, pointwise in densities p, q */
    W2Divergence   *jsd;
    const PetscReal p[] = {0.1, 0.7, 2.0, 5.0}, q[] = {1.3, 0.2, 2.0, 0.05};
    PetscReal       err = 0;
    PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, "jsd", 0, &jsd));
    for (int k = 0; k < 4; k++) {
      const PetscReal m = 0.5 * (p[k] + q[k]);
      const PetscReal direct = q[k] * jsd->f(jsd, p[k] / q[k]);
      const PetscReal viakl = 0.5 * p[k] * PetscLogReal(p[k] / m) + 0.5 * q[k] * PetscLogReal(q[k] / m);
      err = PetscMax(err, PetscAbsReal(direct - viakl));
    }
    W2_CHECK(err < 1e-14, "jsd          q f(p/q) = KL(p||m)/2 + KL(q||m)/2 pointwise: max error %.2e (< 1e-14: round-off on terms of size ~1)", (double)err);
    PetscCall(W2DivergenceDestroy(&jsd));
  }
  {
    PetscErrorCode e;
    W2Divergence  *d = NULL;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    e = W2DivergenceCreateByName(PETSC_COMM_WORLD, "kll", 0, &d);
    W2_CHECK(e == PETSC_ERR_USER_INPUT, "an unknown -div_type is a user-input error (code %d)", (int)e);
    e = W2DivergenceCreateByName(PETSC_COMM_WORLD, "alpha", 1.0, &d);
    W2_CHECK(e == PETSC_ERR_USER_INPUT, "-div_alpha 1 is rejected (code %d)", (int)e);
    PetscCall(PetscPopErrorHandler());
    PetscCall(W2DivergenceDestroy(&d));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
