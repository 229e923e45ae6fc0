/// @file Pull-back metrics: the elliptic Otto metric against its 1-D closed form (order 2) and the W2 metric of Gaussians; 2-D products;
/// Gauss-Newton >= Otto (equality for injective 1-D generators); Monte Carlo error ~ N^-1/2 (Lemma 9.2).
#include "geometry/metric.h"
#include "tests/geometry/geotest.h"

static PetscReal FrobDiff(PetscInt n, const PetscReal a[], const PetscReal b[])
{
  PetscReal s = 0;
  for (PetscInt i = 0; i < n * n; i++) s += PetscSqr(a[i] - b[i]);
  return PetscSqrtReal(s);
}
static PetscReal Frob(PetscInt n, const PetscReal a[])
{
  PetscReal s = 0;
  for (PetscInt i = 0; i < n * n; i++) s += a[i] * a[i];
  return PetscSqrtReal(s);
}

/* the elliptic metric of the family named in opts on a dim-D grid with N cells per axis, at theta (NULL: default) */
static PetscErrorCode OttoMetric(const char opts[], PetscInt dim, PetscInt N, const PetscReal *theta, PetscInt *n, PetscReal g[], PetscReal gcf[], PetscInt *its)
{
  W2Grid   *grid;
  W2Family  f;
  W2Metric *m;
  PetscInt  Ns[2] = {N, N};
  PetscReal L[2]  = {1, 1}, th[W2_FAMILY_MAX_PARAMS];
  Vec       rho, d[W2_FAMILY_MAX_PARAMS];

  PetscFunctionBeginUser;
  PetscCall(W2TestOptions(opts));
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, Ns, L, 1, &grid));
  PetscCall(W2FamilyCreate(grid, "family_", "gaussian", &f));
  PetscCall(W2FamilyGetTheta(f, "family_", th));
  if (theta) PetscCall(PetscArraycpy(th, theta, f->n));
  PetscCall(DMCreateGlobalVector(grid->da, &rho));
  for (PetscInt i = 0; i < f->n; i++) PetscCall(VecDuplicate(rho, &d[i]));
  PetscCall(W2FamilyEvaluate(f, grid, th, rho, d));
  PetscCall(W2MetricCreate(grid, &m));
  PetscCall(W2MetricOtto(m, rho, f->n, d, NULL, g));
  if (its) *its = m->iterations;
  if (gcf) PetscCall(W2MetricOtto1DClosedForm(f, grid, th, 8192, gcf));
  *n = f->n;
  PetscCall(W2MetricDestroy(&m));
  for (PetscInt i = 0; i < f->n; i++) PetscCall(VecDestroy(&d[i]));
  PetscCall(VecDestroy(&rho));
  PetscCall(W2FamilyDestroy(&f));
  PetscCall(W2GridDestroy(&grid));
  PetscFunctionReturn(0);
}

static PetscErrorCode ClosedForm1D(const char label[], const char opts[])
{
  const PetscInt Ns[3] = {64, 128, 256};
  PetscReal      g[W2_FAMILY_MAX_PARAMS * W2_FAMILY_MAX_PARAMS], gcf[W2_FAMILY_MAX_PARAMS * W2_FAMILY_MAX_PARAMS], err[3];
  PetscInt       n, its[3];

  PetscFunctionBeginUser;
  for (int k = 0; k < 3; k++) {
    PetscCall(OttoMetric(opts, 1, Ns[k], NULL, &n, g, gcf, &its[k]));
    err[k] = FrobDiff(n, g, gcf) / Frob(n, gcf);
  }
  /* cell averages of rho on the faces and point values on the right: a second-order discretisation of the energy */
  W2_CHECK(W2OrderRatio(err[1], err[2], 2) > 1.7 && err[2] < 1e-2, "%-24s n = %" PetscInt_FMT ": |g_KSP - g_closed| / |g_closed| = %.2e %.2e %.2e at N = 64, 128, 256; orders %.2f %.2f (> 1.7: second-order finite volumes); CG+BoomerAMG iterations %" PetscInt_FMT " %" PetscInt_FMT " %" PetscInt_FMT, label, n,
           (double)err[0], (double)err[1], (double)err[2], (double)W2OrderRatio(err[0], err[1], 2), (double)W2OrderRatio(err[1], err[2], 2), its[0], its[1], its[2]);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscReal g[W2_FAMILY_MAX_PARAMS * W2_FAMILY_MAX_PARAMS], gcf[W2_FAMILY_MAX_PARAMS * W2_FAMILY_MAX_PARAMS];
  PetscInt  n;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(ClosedForm1D("gaussian (mu, log sigma)", "-family_type gaussian"));
  PetscCall(ClosedForm1D("mixture, 2 components", "-family_type mixture -family_components 2"));
  PetscCall(ClosedForm1D("tilt, 2 modes, kappa 1", "-family_type tilt -family_modes 2 -family_kappa 1"));
  /* widths 0.08 + 0.04 keep min rho / max rho near 1e-7 (the default, 0.06 + 0.03, reaches 1e-13: too ill-conditioned) */
  PetscCall(ClosedForm1D("pushforward (tanh)", "-family_type pushforward -family_theta 0.5,-2.525728644308255,0.04"));
  {
    /* the W2 metric of N(mu, sigma^2) on the line is the identity in (mu, sigma). On the circle the potential must be
       periodic: translating costs g_mumu = 1 - 1/int(1/rho) (Phi' = 1 - k/rho, k = 1/int(1/rho)), the price of the
       antipodal low-density region; sigma = 0.08 makes it 1e-6 while min rho / max rho = 3e-9 stays solvable */
    const PetscReal I2[4] = {1, 0, 0, 1}, th[2] = {0.5, 0.08};
    PetscReal       e[3], inv = 0;
    const PetscInt  Ns[3] = {64, 128, 256}, M = 8192;
    for (PetscInt k = 0; k < M; k++) {
      PetscReal gg;
      W2WrappedGaussian((k + 0.5) / M, 0.5, 0.08, 1.0, &gg, NULL, NULL);
      inv += 1.0 / (gg * M);
    }
    for (int k = 0; k < 3; k++) {
      PetscCall(OttoMetric("-family_type gaussian -family_width linear", 1, Ns[k], th, &n, g, gcf, NULL));
      e[k] = FrobDiff(2, g, I2);
    }
    W2_CHECK(FrobDiff(2, gcf, I2) < 2.0 / inv, "gaussian (mu, sigma), sigma = 0.08: |g_closed - I| = %.2e (< 2/int(1/rho) = %.2e: the circle's correction); 1 - g_closed[mu,mu] = %.3e against 1/int(1/rho) = %.3e", (double)FrobDiff(2, gcf, I2), 2.0 / (double)inv, (double)(1 - gcf[0]), 1.0 / (double)inv);
    W2_CHECK(W2OrderRatio(e[0], e[1], 2) > 1.7 && W2OrderRatio(e[1], e[2], 2) > 1.7, "gaussian (mu, sigma), sigma = 0.08: |g_KSP - I| = %.2e %.2e %.2e at N = 64, 128, 256, orders %.2f %.2f (> 1.7: second order down to the 1e-6 circle correction); g_KSP(256) = [%.6f %.1e; %.1e %.6f]", (double)e[0], (double)e[1], (double)e[2], (double)W2OrderRatio(e[0], e[1], 2),
             (double)W2OrderRatio(e[1], e[2], 2), (double)g[0], (double)g[1], (double)g[2], (double)g[3]);
  }
  {
    /* a product density: Phi depends on one axis and the discrete 2-D metric is the direct sum of the discrete 1-D metrics,
       up to the solver tolerance (relative 1e-11 in the residual) */
    const PetscReal th2[4] = {0.45, 0.55, PetscLogReal(0.1), PetscLogReal(0.14)}, thx[2] = {0.45, PetscLogReal(0.1)}, thy[2] = {0.55, PetscLogReal(0.14)};
    PetscReal       gx[4], gy[4], expect[16] = {0}, e;
    PetscInt        n1, its;
    PetscCall(OttoMetric("-family_type gaussian", 2, 64, th2, &n, g, NULL, &its));
    PetscCall(OttoMetric("-family_type gaussian", 1, 64, thx, &n1, gx, NULL, NULL));
    PetscCall(OttoMetric("-family_type gaussian", 1, 64, thy, &n1, gy, NULL, NULL));
    expect[0 * 4 + 0] = gx[0]; expect[0 * 4 + 2] = expect[2 * 4 + 0] = gx[1]; expect[2 * 4 + 2] = gx[3];
    expect[1 * 4 + 1] = gy[0]; expect[1 * 4 + 3] = expect[3 * 4 + 1] = gy[1]; expect[3 * 4 + 3] = gy[3];
    e = FrobDiff(4, g, expect) / Frob(4, expect);
    W2_CHECK(e < 1e-7, "gaussian 2-D 64x64 product: |g_2D - (g_x (+) g_y)| / |g| = %.2e (< 1e-7: same discrete problem, solver tolerance); g_2D diag %.5f %.5f %.5f %.5f (line values 1, 1, sigma_x^2 = 0.01, sigma_y^2 = 0.0196; the circle lowers the translations by 1/int(1/rho)); %" PetscInt_FMT " CG+BoomerAMG iterations", (double)e,
             (double)g[0], (double)g[5], (double)g[10], (double)g[15], its);
  }
  {
    /* Gauss-Newton against Otto: injective 1-D generator (equality) */
    W2Grid   *grid;
    W2Family  f;
    PetscInt  N1 = 64;
    PetscReal L1 = 1, th[W2_FAMILY_MAX_PARAMS], ggn[9], gw[9], d[9], eig[3], e;
    PetscCall(W2TestOptions("-family_type pushforward"));
    PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, 1, &N1, &L1, 1, &grid));
    PetscCall(W2FamilyCreate(grid, "family_", "gaussian", &f));
    PetscCall(W2FamilyGetTheta(f, "family_", th));
    PetscCall(W2MetricGaussNewtonExact(f, th, ggn));
    PetscCall(W2MetricOtto1DClosedForm(f, grid, th, 16384, gw));
    e = FrobDiff(3, ggn, gw) / Frob(3, gw);
    W2_CHECK(e < 1e-6, "pushforward (monotone, injective): |E[J^T J] - g_W| / |g_W| = %.2e (< 1e-6: equal on the line, wrapping < 1e-14, quadratures spectral/4th order); g_GN diag %.6f %.6f %.6f", (double)e, (double)ggn[0], (double)ggn[4], (double)ggn[8]);
    {
      /* Lemma 9.2: the Monte Carlo estimate has error ~ N^-1/2; mean spectral-norm error over R seeds, least-squares slope */
      const PetscInt R = 32, K = 5;
      PetscReal      lx[5], ly[5], sx = 0, sy = 0, sxx = 0, sxy = 0, slope;
      PetscRandom    rnd;
      PetscCall(PetscRandomCreate(PETSC_COMM_SELF, &rnd));
      PetscCall(PetscRandomSetSeed(rnd, 2024));
      PetscCall(PetscRandomSeed(rnd));
      for (PetscInt k = 0; k < K; k++) {
        const PetscInt N = 64 << (2 * k);
        PetscReal      mean = 0;
        for (PetscInt r = 0; r < R; r++) {
          PetscCall(W2MetricGaussNewton(f, th, N, rnd, gw));
          for (int i = 0; i < 9; i++) d[i] = gw[i] - ggn[i];
          PetscCall(W2SymEigenvalues(3, d, eig));
          mean += PetscMax(PetscAbsReal(eig[0]), PetscAbsReal(eig[2])) / R;
        }
        lx[k] = PetscLogReal((PetscReal)N);
        ly[k] = PetscLogReal(mean);
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  N = %6" PetscInt_FMT ": mean ||g^_N - g||_2 over %" PetscInt_FMT " seeds = %.3e\n", N, R, (double)mean));
      }
      for (PetscInt k = 0; k < K; k++) {
        sx += lx[k];
        sy += ly[k];
        sxx += lx[k] * lx[k];
        sxy += lx[k] * ly[k];
      }
      slope = (K * sxy - sx * sy) / (K * sxx - sx * sx);
      PetscCall(PetscRandomDestroy(&rnd));
      W2_CHECK(slope > -0.6 && slope < -0.4, "Gauss-Newton Monte Carlo (Lemma 9.2): log-log slope of ||g^_N - g||_2 against N = %.3f (in [-0.6, -0.4]: central limit theorem)", (double)slope);
    }
    PetscCall(W2FamilyDestroy(&f));
    PetscCall(W2GridDestroy(&grid));
  }
  {
    /* non-injective generator x = mu + s1 z1 + s2 z2: g_GN = I, g_W = diag(1, s s^T / |s|^2) on the line (|s| = 0.08:
       the circle's correction is 1e-6): g_GN - g_W >= 0 with eigenvalues 0, 0, 1 */
    const PetscReal th[3] = {0.5, 0.048, 0.064}, s2 = 0.048 * 0.048 + 0.064 * 0.064;
    const PetscReal exact[9] = {1, 0, 0, 0, 0.048 * 0.048 / s2, 0.048 * 0.064 / s2, 0, 0.048 * 0.064 / s2, 0.064 * 0.064 / s2};
    PetscReal       ggn[9], d[9], eig[3], e;
    W2Grid         *grid;
    W2Family        f;
    PetscInt        N1 = 64;
    PetscReal       L1 = 1;
    PetscCall(OttoMetric("-family_type latent_gaussian", 1, 512, th, &n, g, gcf, NULL));
    e = FrobDiff(3, g, exact);
    W2_CHECK(FrobDiff(3, gcf, exact) < 1e-5 && e < 5e-3, "latent_gaussian (s1, s2) = (0.048, 0.064): |g_closed - diag(1, ss^T/|s|^2)| = %.2e (< 1e-5: circle correction 1e-6), |g_KSP(N = 512) - it| = %.2e (< 5e-3: O(h^2/sigma^2))", (double)FrobDiff(3, gcf, exact), (double)e);
    PetscCall(W2TestOptions("-family_type latent_gaussian"));
    PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, 1, &N1, &L1, 1, &grid));
    PetscCall(W2FamilyCreate(grid, "family_", "gaussian", &f));
    PetscCall(W2MetricGaussNewtonExact(f, th, ggn));
    for (int i = 0; i < 9; i++) d[i] = ggn[i] - g[i];
    PetscCall(W2SymEigenvalues(3, d, eig));
    W2_CHECK(eig[0] > -5e-3 && PetscAbsReal(eig[2] - 1) < 5e-3, "latent_gaussian: eigenvalues of g_GN - g_W = %.2e %.2e %.4f (Loewner order g_GN >= g_W: >= 0 up to the KSP metric's discretisation 5e-3; exact 0, 0, 1)", (double)eig[0], (double)eig[1], (double)eig[2]);
    PetscCall(W2FamilyDestroy(&f));
    PetscCall(W2GridDestroy(&grid));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
