/// @file GAN targets and metrics (gan/target.c, gan/metrics.c) against closed forms: projected quantiles invert the CDF; W1 = W2 = |a| for
/// target quantiles shifted by a; sliced W2^2 = |c|^2/2 for a shifted 2-D Gaussian; KL of Gaussian KDEs = a^2 / (2 (s^2 + h^2)); JSD against
/// an independent quadrature; mode coverage on constructed samples; the potential of the optimal linear discriminator.
#include <math.h>
#include "gan/metrics.h"
#include "gan/gan.h"
#include "tests/gan/gantest.h"

static PetscReal Gauss(PetscReal x, PetscReal m, PetscReal v) { return PetscExpReal(-0.5 * PetscSqr(x - m) / v) / PetscSqrtReal(2 * PETSC_PI * v); }

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  {
    /* 1-D two-component mixture: quantiles at (k + 1/2)/n satisfy F(q_k) = p_k; samples q_k + a give W1 = W2 = |a| */
    const PetscReal mean[2] = {-1, 2}, sigma[2] = {0.4, 0.7}, w[2] = {0.3, 0.7}, a = 0.25, u = 1;
    const PetscInt  n       = 1000;
    W2GanTarget    *t;
    W2GanMetrics   *m;
    PetscReal       x[1000], p[1000], w1, w2, ferr = 0;
    PetscCall(W2GanTargetCreateMixture(1, 2, mean, sigma, w, &t));
    PetscCall(W2GanMetricsCreate(t, n, 1, 256, 0, &m));
    for (PetscInt k = 0; k < n; k++) p[k] = (k + 0.5) / n;
    for (PetscInt k = 0; k < n; k++) ferr = PetscMax(ferr, PetscAbsReal(W2GanTargetProjectedCDF(t, &u, m->tq[k]) - p[k]));
    for (PetscInt k = 0; k < n; k++) x[(k * 617) % n] = m->tq[k] + a; /* a permutation: the metric sorts */
    PetscCall(W2GanMetricsWasserstein(m, x, &w1, &w2));
    W2_CHECK(ferr < 1e-13 && PetscAbsReal(w1 - a) < 1e-12 && PetscAbsReal(w2 - a) < 1e-12, "1-D mixture: max |F(q_k) - p_k| = %.1e (< 1e-13: Newton to 1e-13 |x|, slope <= max density); shifted quantiles: W1 = %.15f, W2 = %.15f, closed form |a| = %.2f", (double)ferr, (double)w1, (double)w2, (double)a);
    PetscCall(W2GanMetricsDestroy(&m));
    PetscCall(W2GanTargetDestroy(&t));
  }
  {
    /* one 2-D Gaussian N(m, s^2 I); samples from N(m + c, s^2 I): along u the shift is u.c and sum over equispaced angles of cos^2 = P/2,
       so SW2^2 = |c|^2/2 + sampling error (cross term 2 (u.c) (mean error) ~ 2 |c| s / sqrt(n)) */
    const PetscReal mean[2] = {0.5, -0.3}, sigma = 0.1, c[2] = {0.6, -0.8};
    const PetscInt  n       = 4000;
    W2GanTarget    *t;
    W2GanMetrics   *m;
    W2Rng           r;
    PetscReal      *x, w1, w2, tol = 5 * 2 * sigma / PetscSqrtReal(n);
    PetscCall(W2GanTargetCreateMixture(2, 1, mean, &sigma, NULL, &t));
    PetscCall(W2GanMetricsCreate(t, n, 16, 64, 0, &m));
    PetscCall(PetscMalloc1(2 * n, &x));
    W2RngSeed(&r, 3);
    W2GanTargetSample(t, &r, n, x);
    for (PetscInt k = 0; k < n; k++) {
      x[2 * k] += c[0];
      x[2 * k + 1] += c[1];
    }
    PetscCall(W2GanMetricsWasserstein(m, x, &w1, &w2));
    W2_CHECK(PetscAbsReal(w2 * w2 - 0.5) < tol, "2-D Gaussian shifted by |c| = 1: sliced W2^2 over 16 angles = %.5f, closed form |c|^2/2 = 0.5 (tolerance %.4f: 5 times the sampling cross term 2 |c| s / sqrt(n)); sliced W1 = %.4f", (double)(w2 * w2), (double)tol, (double)w1);
    PetscCall(PetscFree(x));
    PetscCall(W2GanMetricsDestroy(&m));
    PetscCall(W2GanTargetDestroy(&t));
  }
  {
    /* KDE divergences: samples = quantiles of N(mu + a, s^2), fixed bandwidth h. Their KDE is N(mu + a, s^2 + h^2) up to the quantile
       discretisation, q_h = N(mu, s^2 + h^2): KL = a^2 / (2 (s^2 + h^2)); JSD by an independent midpoint quadrature of the two Gaussians */
    const PetscReal mu = 2, s = 0.5, a = 0.3, h = 0.1, v = s * s + h * h;
    const PetscInt  n  = 4000;
    W2GanTarget    *t;
    W2GanMetrics   *m;
    PetscReal      *x, kl, jsd, jq = 0;
    PetscCall(W2GanTargetCreateMixture(1, 1, &mu, &s, NULL, &t));
    PetscCall(W2GanMetricsCreate(t, n, 1, 512, h, &m));
    PetscCall(PetscMalloc1(n, &x));
    for (PetscInt k = 0; k < n; k++) x[k] = m->tq[k] + a;
    PetscCall(W2GanMetricsKDE(m, x, &kl, &jsd));
    for (PetscInt i = 0; i < 200000; i++) {
      const PetscReal y = mu - 12 + (i + 0.5) * 24 / 200000.0, P = Gauss(y, mu + a, v), Q = Gauss(y, mu, v), M = 0.5 * (P + Q);
      if (P > 0 && Q > 0) jq += 0.5 * (P * PetscLogReal(P / M) + Q * PetscLogReal(Q / M)) * 24 / 200000.0;
    }
    /* 1e-3 relative: the n quantile points stand for N(mu + a, s^2) with second-moment error ~ log n / n ~ 2e-3 of s^2 */
    W2_CHECK(PetscAbsReal(kl / (a * a / (2 * v)) - 1) < 1e-3 * 5 && PetscAbsReal(jsd / jq - 1) < 5e-3, "KDE (h = %.2f) of shifted quantiles: KL = %.6f, closed form a^2/(2(s^2+h^2)) = %.6f; JSD = %.6f, quadrature %.6f (relative 5e-3: the quantile set's variance is s^2 (1 - O(log n / n)))", (double)h, (double)kl, (double)(a * a / (2 * v)), (double)jsd, (double)jq);
    {
      /* the optimal linear discriminator against N(mu + a, s^2): logit D* = log(q/rho) = -(a/s^2)(x - mu) + a^2/(2 s^2), and D = 1/2.
         The metric compares f'(exp(-v)) with f'(rho_h/q), rho_h the KDE: an independent quadrature of sqrt(int q (f'(e^-v) - f'(rho_h/q))^2 / int q)
         with the kernel sum evaluated directly, over the metric's grid interval (beyond the last quantile rho_h falls off with h, not s: these tails dominate the first value) */
      W2MLP        *d;
      W2Divergence *div;
      W2GanLoss     loss = {W2_GAN_NONSATURATING, NULL};
      PetscReal     l2[2], ref[2];
      PetscCall(W2DivergenceCreateByName(PETSC_COMM_SELF, "jsd", 0, &div));
      PetscCall(W2MLPCreateWithSizes(1, 1, 0, 0, W2_ACT_RELU, &d));
      for (int c = 0; c < 2; c++) {
        const PetscReal w0 = c ? 0 : -a / (s * s), b0 = c ? 0 : a * mu / (s * s) + a * a / (2 * s * s);
        PetscReal       sq = 0, sw = 0;
        d->params[0] = w0;
        d->params[1] = b0;
        PetscCall(W2GanMetricsPotential(m, d, &loss, div, &l2[c]));
        for (PetscInt i = 0; i < 5000; i++) {
          const PetscReal y = m->lo[0] + (i + 0.5) * m->G * m->dx[0] / 5000, Q = Gauss(y, mu, s * s);
          PetscReal       R = 0;
          for (PetscInt k = 0; k < n; k++) R += Gauss(y, x[k], h * h) / n;
          if (Q > 0 && R > 0) {
            sq += Q * PetscSqr(div->df(div, PetscExpReal(-(w0 * y + b0))) - div->df(div, R / Q));
            sw += Q;
          }
        }
        ref[c] = PetscSqrtReal(sq / sw);
      }
      W2_CHECK(PetscAbsReal(l2[0] / ref[0] - 1) < 1e-3 && PetscAbsReal(l2[1] / ref[1] - 1) < 1e-3, "potential, f = jsd: L2(Q) |f'(exp(-v)) - f'(rho_h/q)| = %.5f (optimal linear D), %.5f (D = 1/2); direct quadrature (5000 points): %.5f, %.5f (1e-3 relative: two midpoint rules, 512 and 5000 cells of dx <= h/3, of a smooth integrand; the metric normalises rho_h and q on its grid)", (double)l2[0], (double)l2[1], (double)ref[0], (double)ref[1]);
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  relative differences %.1e, %.1e\n", (double)(l2[0] / ref[0] - 1), (double)(l2[1] / ref[1] - 1)));
      PetscCall(W2MLPDestroy(&d));
      PetscCall(W2DivergenceDestroy(&div));
    }
    PetscCall(PetscFree(x));
    PetscCall(W2GanMetricsDestroy(&m));
    PetscCall(W2GanTargetDestroy(&t));
  }
  {
    /* ring and grid from the options; constructed samples: all at the modes (all covered, all high quality), all at one mode (1 covered),
       all 4 sigma off the modes (none high quality) */
    const char *opts[2] = {"-gan_target ring", "-gan_target grid -gan_grid_spacing 1 -gan_grid_sigma 0.05"};
    for (int c = 0; c < 2; c++) {
      W2GanTarget  *t;
      W2GanMetrics *m;
      const PetscInt n = 1000;
      PetscReal      x[2000], hq[3];
      PetscInt       cov[3];
      PetscCall(PetscOptionsClear(NULL));
      PetscCall(PetscOptionsInsertString(NULL, opts[c]));
      PetscCall(W2GanTargetCreate(PETSC_COMM_WORLD, &t));
      PetscCall(W2GanMetricsCreate(t, n, 4, 16, 0, &m));
      for (int k = 0; k < 3; k++) {
        for (PetscInt i = 0; i < n; i++) {
          const PetscInt mode = k == 1 ? 0 : i % t->K;
          x[2 * i]     = t->mean[2 * mode] + (k == 2 ? 4 * t->sigma[mode] : 0);
          x[2 * i + 1] = t->mean[2 * mode + 1];
        }
        PetscCall(W2GanMetricsModes(m, x, &cov[k], &hq[k]));
      }
      W2_CHECK(t->K == (c ? 25 : 8) && cov[0] == t->K && hq[0] == 1 && cov[1] == 1 && hq[1] == 1 && cov[2] == 0 && hq[2] == 0, "%s (%s): samples at every mode: %" PetscInt_FMT " of %" PetscInt_FMT " covered, high-quality fraction %.2f; at one mode: %" PetscInt_FMT " covered; 4 sigma off: %" PetscInt_FMT " covered, fraction %.2f", opts[c], t->description, cov[0], t->K, (double)hq[0], cov[1], cov[2], (double)hq[2]);
      PetscCall(W2GanMetricsDestroy(&m));
      PetscCall(W2GanTargetDestroy(&t));
    }
    PetscCall(PetscOptionsClear(NULL));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
