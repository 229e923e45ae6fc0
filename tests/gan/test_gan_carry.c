/// @file The carried GAN discriminator (gan/carry.c, THEORY.md 6): k = 0 gives F^ = 0 and holonomy 0 exactly; F^ for (i, j) is -F^ for
/// (j, i) bit for bit; a discriminator reset to the same state at every corner gives F^ = 0 to round-off; for a location-scale generator
/// G(z) = a z + b against a linear discriminator under the chi2 f-GAN loss with sgd, the loss is quadratic in the discriminator, each move
/// is an affine map of (w, c) with closed-form coefficients, and the curvature and holonomy equal that composition of affine maps; the
/// grid derivative of the metrics is exact for linear functions.
#include <math.h>
#include "gan/carry.h"
#include "tests/gan/gantest.h"

/* a 1-D Gaussian target and the KDE grid of n generated samples of gen */
static PetscErrorCode Grid(W2MLP *gen, const W2GanTarget *t, PetscInt n, PetscInt G, W2GanMetrics **m)
{
  PetscReal *z, *x, kl, jsd;
  W2Rng      r;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(gen->widths[0] * n, &z, n, &x));
  W2RngSeed(&r, 77);
  for (PetscInt k = 0; k < gen->widths[0] * n; k++) z[k] = W2RngNormal(&r);
  PetscCall(W2MLPForward(gen, n, z, x));
  PetscCall(W2GanMetricsCreate(t, n, 1, G, 0, m));
  PetscCall(W2GanMetricsKDE(*m, x, &kl, &jsd));
  PetscCall(PetscFree2(z, x));
  PetscFunctionReturn(0);
}

static PetscReal MaxAbs(PetscInt n, const PetscReal a[])
{
  PetscReal s = 0;
  for (PetscInt i = 0; i < n; i++) s = PetscMax(s, PetscAbsReal(a[i]));
  return s;
}

/* One sgd move of the linear discriminator v = w x + c under the chi2 f-GAN loss L = -mean_r v + mean_f (v + v^2/4) (f*(s) = s + s^2/4
   for s >= -2), fake x = a z + b: grad_w = -mean x_r + mean x_f + mean x_f v_f / 2, grad_c = mean v_f / 2. *minv: the least fake v seen
   (the quadratic branch needs v >= -2). The samples are drawn in the order the carry draws them. */
static void OracleMove(const W2GanTarget *t, W2Rng *r, PetscInt nb, PetscInt k, PetscReal lr, PetscReal a, PetscReal b, PetscReal psi[2], PetscReal *minv)
{
  PetscReal xr[64], z[64];
  for (PetscInt s = 0; s < k; s++) {
    PetscReal mr = 0, gw, gc = 0, mf = 0, mfv = 0;
    W2GanTargetSample(t, r, nb, xr);
    for (PetscInt i = 0; i < nb; i++) z[i] = W2RngNormal(r);
    for (PetscInt i = 0; i < nb; i++) {
      const PetscReal xf = a * z[i] + b, v = psi[0] * xf + psi[1];
      mr += xr[i] / nb;
      mf += xf / nb;
      mfv += xf * v / nb;
      gc += v / (2 * nb);
      *minv = PetscMin(*minv, v);
    }
    gw = -mr + mf + mfv / 2;
    psi[0] -= lr * gw;
    psi[1] -= lr * gc;
  }
}

/* phi^ = f'(r^), r^ = 1 / (f')^-1(v) = 1 / (1 + v/2), f'(t) = 2 (t - 1) */
static PetscReal OraclePhi(const PetscReal psi[2], PetscReal x) { return 2 * (1 / (1 + 0.5 * (psi[0] * x + psi[1])) - 1); }

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  {
    /* An MLP pair (relu, one hidden layer of 8) under the non-saturating loss, adam with a non-zero state, JSD potential */
    const PetscReal mean = 1, sd = 0.5, D = 0.2;
    const PetscInt  G = 128, nb = 32, latent = 3;
    W2GanTarget    *t;
    W2GanMetrics   *m;
    W2MLP          *gen, *disc;
    W2Optimizer    *dopt;
    W2Divergence   *jsd;
    W2GanLoss       loss = {W2_GAN_NONSATURATING, NULL};
    W2GanCarry     *c0, *c3;
    W2Rng           r;
    PetscReal       w0[128], res0[128], net0[128], wij[128], wji[128], res[128], net[128], g[200];
    PetscBool       zero = PETSC_TRUE, anti = PETSC_TRUE, same = PETSC_TRUE;

    PetscCall(W2GanTargetCreateMixture(1, 1, &mean, &sd, NULL, &t));
    PetscCall(W2DivergenceCreateByName(PETSC_COMM_SELF, "jsd", 0, &jsd));
    PetscCall(W2MLPCreateWithSizes(latent, 1, 1, 8, W2_ACT_RELU, &gen));
    PetscCall(W2MLPCreateWithSizes(1, 1, 1, 8, W2_ACT_RELU, &disc));
    PetscCall(W2MLPInitialize(gen, 5));
    PetscCall(W2MLPInitialize(disc, 6));
    PetscCall(W2OptimizerCreateByName("adam", disc->nparams, &dopt));
    dopt->lr = 0.05;
    W2RngSeed(&r, 9);
    for (int s = 0; s < 3; s++) { /* some moments and a step count in the state the copy must take over */
      PetscReal p[25];
      for (PetscInt i = 0; i < disc->nparams; i++) g[i] = W2RngNormal(&r);
      PetscCall(PetscArraycpy(p, disc->params, disc->nparams));
      PetscCall(W2OptimizerStep(dopt, p, g, 0, 0, NULL));
    }
    PetscCall(Grid(gen, t, 400, G, &m));
    PetscCall(W2GanCarryCreate(gen, disc, dopt, 0, &loss, jsd, t, latent, nb, D, 0, &c0));
    PetscCall(W2GanCarryCreate(gen, disc, dopt, 0, &loss, jsd, t, latent, nb, D, 3, &c3));

    /* k = 0: the copy is never trained, phi^ is the start at every corner: every difference in Alg. 1 and the loop residual is 0 exactly */
    PetscCall(W2GanCarrySetCoordinatePlane(c0, 0, gen->nparams - 1));
    PetscCall(W2GanCarryStart(c0, gen, disc, dopt, m));
    W2RngSeed(&r, 11);
    PetscCall(W2GanCarryCurvature(c0, m, &r, w0));
    PetscCall(W2GanCarryHolonomy(c0, m, &r, res0, net0));
    for (PetscInt x = 0; x < G; x++) zero = (PetscBool)(zero && w0[x] == 0 && res0[x] == 0 && net0[x] == 0);
    W2_CHECK(zero, "k = 0: F^ potential, holonomy residual and its net part are 0 at all %" PetscInt_FMT " grid points (exact: no training, every corner holds the start)", G);

    /* k = 3: (i, j) against (j, i) on the same stream: every operation of Alg. 1 is negated (round-to-nearest is odd), so w_ij = -w_ji */
    PetscCall(W2GanCarrySetCoordinatePlane(c3, 2, gen->nparams - 1));
    PetscCall(W2GanCarryStart(c3, gen, disc, dopt, m));
    W2RngSeed(&r, 11);
    PetscCall(W2GanCarryCurvature(c3, m, &r, wij));
    PetscCall(W2GanCarrySetCoordinatePlane(c3, gen->nparams - 1, 2));
    PetscCall(W2GanCarryStart(c3, gen, disc, dopt, m));
    W2RngSeed(&r, 11);
    PetscCall(W2GanCarryCurvature(c3, m, &r, wji));
    for (PetscInt x = 0; x < G; x++) anti = (PetscBool)(anti && wij[x] == -wji[x]);
    W2_CHECK(anti && MaxAbs(G, wij) > 1e-8, "k = 3: F^ potential for (i, j) = -(that for (j, i)) at every grid point, exactly; max |w| = %.3e (nonzero: the comparison can fail)", (double)MaxAbs(G, wij));
    {
      PetscReal fij, fji;
      PetscCall(W2GanMetricsGradientMax(m, wij, &fij));
      PetscCall(W2GanMetricsGradientMax(m, wji, &fji));
      W2_CHECK(fij == fji && fij > 0, "max |F^| the same for both orders: %.6e", (double)fij);
    }
    /* the copy reset to the start before every move: phi^ at the far corner is the same computation on both paths (same corner, same
       samples, same start), so w = ((p_ij - p_i) - (p_ij - p_j)) - ((p_j - s0) - (p_i - s0)) vanishes but for the rounding of its four
       differences of O(1) potentials: bound 8 eps max|phi^| / D */
    {
      PetscReal wr[128], bound;
      c3->reset = PETSC_TRUE;
      PetscCall(W2GanCarrySetCoordinatePlane(c3, 2, gen->nparams - 1));
      PetscCall(W2GanCarryStart(c3, gen, disc, dopt, m));
      W2RngSeed(&r, 11);
      PetscCall(W2GanCarryCurvature(c3, m, &r, wr));
      bound = 8 * PETSC_MACHINE_EPSILON * PetscMax(PetscMax(MaxAbs(G, c3->p[0]), MaxAbs(G, c3->p[1])), PetscMax(MaxAbs(G, c3->p[2]), MaxAbs(G, c3->s0))) / D;
      W2_CHECK(MaxAbs(G, wr) <= bound && MaxAbs(G, c3->p[0] ) > 0, "a discriminator reset to the same state at every corner: max |w| = %.2e <= %.2e (8 eps max |phi^| / D; Alg. 1 telescopes for a function of the corner), against %.3e carried", (double)MaxAbs(G, wr), (double)bound, (double)MaxAbs(G, wij));
      c3->reset = PETSC_FALSE;
    }
    /* the training networks and the optimiser are only read: a second start from them gives the same numbers */
    W2RngSeed(&r, 11);
    PetscCall(W2GanCarryHolonomy(c3, m, &r, res, net));
    PetscCall(W2GanCarryStart(c3, gen, disc, dopt, m));
    W2RngSeed(&r, 11);
    PetscCall(W2GanCarryHolonomy(c3, m, &r, w0, net0));
    for (PetscInt x = 0; x < G; x++) same = (PetscBool)(same && res[x] == w0[x] && net[x] == net0[x]);
    W2_CHECK(same && MaxAbs(G, res) > 0 && dopt->t == 3, "holonomy twice from the same start: identical (max residual %.3e, net %.3e); the training optimiser still at step %" PetscInt_FMT, (double)MaxAbs(G, res), (double)MaxAbs(G, net), dopt->t);

    PetscCall(W2GanCarryDestroy(&c0));
    PetscCall(W2GanCarryDestroy(&c3));
    PetscCall(W2OptimizerDestroy(&dopt));
    PetscCall(W2MLPDestroy(&gen));
    PetscCall(W2MLPDestroy(&disc));
    PetscCall(W2GanMetricsDestroy(&m));
    PetscCall(W2DivergenceDestroy(&jsd));
    PetscCall(W2GanTargetDestroy(&t));
  }
  {
    /* G(z) = a z + b (params W = a, then b), D(x) = w x + c (W = w, then c); chi2 f-GAN, sgd: a quadratic discriminator loss, so k steps
       after a move are the affine map of OracleMove; the plane is (a, b), both paths and the loop composed from the same samples */
    const PetscReal mean = 0, sd = 0.3, D = 0.05, lr = 0.1, th[2] = {0.35, 0.15}, psi0[2] = {0.3, -0.2};
    const PetscInt  G = 64, nb = 16, k = 3;
    W2GanTarget    *t;
    W2GanMetrics   *m;
    W2MLP          *gen, *disc;
    W2Divergence   *chi2;
    W2GanLoss       loss;
    W2GanCarry     *c;
    W2Rng           r, ro;
    PetscReal       w[64], res[64], net[64], pi[2], pj[2], pl[2], ps[2], minv = PETSC_INFINITY, ew = 0, eh = 0, en = 0, mw = 0, mh = 0, mn = 0, vgrid = PETSC_INFINITY;

    PetscCall(W2GanTargetCreateMixture(1, 1, &mean, &sd, NULL, &t));
    PetscCall(W2DivergenceCreateByName(PETSC_COMM_SELF, "chi2", 0, &chi2));
    loss = (W2GanLoss){W2_GAN_FGAN, chi2};
    PetscCall(W2MLPCreateWithSizes(1, 1, 0, 1, W2_ACT_RELU, &gen));
    PetscCall(W2MLPCreateWithSizes(1, 1, 0, 1, W2_ACT_RELU, &disc));
    PetscCall(PetscArraycpy(gen->params, th, 2));
    PetscCall(PetscArraycpy(disc->params, psi0, 2));
    PetscCall(Grid(gen, t, 400, G, &m));
    PetscCall(W2GanCarryCreate(gen, disc, NULL, lr, &loss, chi2, t, 1, nb, D, k, &c));
    PetscCall(W2GanCarrySetCoordinatePlane(c, 0, 1));
    PetscCall(W2GanCarryStart(c, gen, disc, NULL, m));
    W2RngSeed(&r, 21);
    PetscCall(W2GanCarryCurvature(c, m, &r, w));
    PetscCall(W2GanCarryHolonomy(c, m, &r, res, net));
    /* the oracle: the same draws, corners theta + D e_a, theta + (D e_a + D e_b), theta + D e_b */
    W2RngSeed(&ro, 21);
    {
      W2Rng r0 = ro, r1;
      PetscCall(PetscArraycpy(pi, psi0, 2));
      OracleMove(t, &ro, nb, k, lr, th[0] + D, th[1], pi, &minv);
      OracleMove(t, &ro, nb, k, lr, th[0] + D, th[1] + D, pi, &minv); /* pi now at the far corner by i then j */
      r1 = ro;
      ro = r0;
      PetscCall(PetscArraycpy(pj, psi0, 2));
      OracleMove(t, &ro, nb, k, lr, th[0], th[1] + D, pj, &minv);
      OracleMove(t, &ro, nb, k, lr, th[0] + D, th[1] + D, pj, &minv);
      ro = r1;
      r0 = ro;
      PetscCall(PetscArraycpy(pl, psi0, 2));
      OracleMove(t, &ro, nb, k, lr, th[0] + D, th[1], pl, &minv);
      OracleMove(t, &ro, nb, k, lr, th[0] + D, th[1] + D, pl, &minv);
      OracleMove(t, &ro, nb, k, lr, th[0], th[1] + D, pl, &minv);
      OracleMove(t, &ro, nb, k, lr, th[0], th[1], pl, &minv);
      ro = r0;
      PetscCall(PetscArraycpy(ps, psi0, 2));
      for (int q = 0; q < 4; q++) OracleMove(t, &ro, nb, k, lr, th[0], th[1], ps, &minv);
    }
    for (PetscInt x = 0; x < G; x++) {
      const PetscReal xx = m->pts[x], wo = (OraclePhi(pi, xx) - OraclePhi(pj, xx)) / D, ho = OraclePhi(pl, xx) - OraclePhi(psi0, xx), no = OraclePhi(pl, xx) - OraclePhi(ps, xx);
      vgrid = PetscMin(vgrid, PetscMin(PetscMin(pi[0] * xx + pi[1], pj[0] * xx + pj[1]), PetscMin(pl[0] * xx + pl[1], ps[0] * xx + ps[1])));
      ew = PetscMax(ew, PetscAbsReal(w[x] - wo));
      eh = PetscMax(eh, PetscAbsReal(res[x] - ho));
      en = PetscMax(en, PetscAbsReal(net[x] - no));
      mw = PetscMax(mw, PetscAbsReal(wo));
      mh = PetscMax(mh, PetscAbsReal(ho));
      mn = PetscMax(mn, PetscAbsReal(no));
    }
    W2_CHECK(minv > -2 && vgrid > -2, "the closed form's assumptions hold: every fake output %.3f and every grid output %.3f > -2 (the quadratic branch of f*; r^ finite)", (double)minv, (double)vgrid);
    /* each potential is O(1) and carries O(10) roundings of 1e-16 (the oracle sums in another order than the batched backward pass):
       1e-13 absolute, and 1e-13 / D for the curvature's difference quotient */
    W2_CHECK(ew < 1e-13 / D && mw > 1e-6, "curvature potential (phi^_ij - phi^_ji)/D against the composed affine maps: max error %.2e (< 1e-13/D: round-off over D), max |w| = %.4e", (double)ew, (double)mw);
    W2_CHECK(eh < 1e-13 && en < 1e-13 && mh > 1e-6 && mn > 1e-8, "holonomy residual and its net part against the composed maps: errors %.2e, %.2e (< 1e-13: round-off); sizes %.4e, %.4e", (double)eh, (double)en, (double)mh, (double)mn);
    PetscCall(W2GanCarryDestroy(&c));
    PetscCall(W2MLPDestroy(&gen));
    PetscCall(W2MLPDestroy(&disc));
    PetscCall(W2GanMetricsDestroy(&m));
    PetscCall(W2DivergenceDestroy(&chi2));
    PetscCall(W2GanTargetDestroy(&t));
  }
  {
    /* the grid derivative and norms: central (inside) and one-sided (ends) differences are exact for u = a x + b y, so max |d_a u| =
       max(|a|, |b|) but for round-off of the grid coordinates (1e-13 relative: O(10) ulp of |x| <= 10 over dx); a constant has max 1 and
       L2(Q) norm 1 to round-off of the sums */
    const PetscReal mean[2] = {0.5, -0.3}, sigma = 0.4, a = 0.7, b = -1.9;
    W2GanTarget    *t;
    W2GanMetrics   *m;
    W2Rng           r;
    PetscReal       x[400], u[1024], one[1024], kl, jsd, gmax, mx, l2;
    PetscCall(W2GanTargetCreateMixture(2, 1, mean, &sigma, NULL, &t));
    PetscCall(W2GanMetricsCreate(t, 200, 4, 32, 0, &m));
    W2RngSeed(&r, 5);
    W2GanTargetSample(t, &r, 200, x);
    PetscCall(W2GanMetricsKDE(m, x, &kl, &jsd));
    for (PetscInt i = 0; i < 1024; i++) {
      u[i]   = a * m->pts[2 * i] + b * m->pts[2 * i + 1];
      one[i] = 1;
    }
    PetscCall(W2GanMetricsGradientMax(m, u, &gmax));
    PetscCall(W2GanMetricsNorms(m, one, &mx, &l2));
    W2_CHECK(PetscAbsReal(gmax - 1.9) < 1e-13 * 1.9 && mx == 1 && PetscAbsReal(l2 - 1) < 1e-14, "2-D grid: max |grad(0.7 x - 1.9 y)| = %.15f (exact 1.9), constant 1: max %g, L2(Q) %.15f", (double)gmax, (double)mx, (double)l2);
    u[77] = NAN;
    PetscCall(W2GanMetricsGradientMax(m, u, &gmax));
    PetscCall(W2GanMetricsNorms(m, u, &mx, &l2));
    W2_CHECK(PetscIsNanReal(gmax) && PetscIsNanReal(mx) && PetscIsNanReal(l2), "a NaN on the grid (a diverged copy) shows as NaN in the maxima and the norm");
    PetscCall(W2GanMetricsDestroy(&m));
    PetscCall(W2GanTargetDestroy(&t));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
