/// @file Connection and curvature: FD connection error O(D); with pointwise noise eps, O(D + eps/D); Alg. 1 curvature of the exact
/// section is zero to round-off; a lagging discriminator gives F^ = -c(1-c) grad(phi*_j - phi*_i)/D exactly.
#include "geometry/connection.h"
#include "tests/geometry/geotest.h"

typedef struct {
  W2Grid       *g;
  W2Family      fam, target;
  W2Divergence *div;
  Vec           q, a, b, u;
  PetscReal     th[W2_FAMILY_MAX_PARAMS];
} Setup;

/* max_x |grad(A^ potential - u_i)|: A^ = (phi(theta + D e_i) + eps xi_2 - phi(theta) - eps xi_1)/D, xi uniform in [-1,1] per cell */
static PetscErrorCode FDConnectionError(Setup *s, PetscInt i, PetscReal D, PetscReal eps, PetscRandom rnd, PetscReal *err, PetscReal *scale)
{
  PetscReal th[W2_FAMILY_MAX_PARAMS];
  Vec       xi;

  PetscFunctionBeginUser;
  PetscCall(PetscArraycpy(th, s->th, s->fam->n));
  PetscCall(W2Potential(s->fam, s->g, s->div, th, s->q, s->a));
  th[i] += D;
  PetscCall(W2Potential(s->fam, s->g, s->div, th, s->q, s->b));
  if (eps > 0) {
    PetscCall(VecDuplicate(s->a, &xi));
    PetscCall(VecSetRandom(xi, rnd));
    PetscCall(VecAXPY(s->a, eps, xi));
    PetscCall(VecSetRandom(xi, rnd));
    PetscCall(VecAXPY(s->b, eps, xi));
    PetscCall(VecDestroy(&xi));
  }
  PetscCall(VecAXPY(s->b, -1.0, s->a));
  PetscCall(VecScale(s->b, 1.0 / D));
  PetscCall(W2ConnectionExactPotential(s->fam, s->g, s->div, s->th, s->q, i, s->u));
  PetscCall(W2GradientMaxNorm(s->g, s->u, scale));
  PetscCall(VecAXPY(s->b, -1.0, s->u));
  PetscCall(W2GradientMaxNorm(s->g, s->b, err));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  Setup       s;
  PetscInt    N = 256;
  PetscReal   L = 1, qth[W2_FAMILY_MAX_PARAMS] = {0}, phimax;
  PetscRandom rnd;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  /* rho: a 2-component mixture; q: von Mises (a tilt at theta = 0 with kappa 1); f: jsd */
  PetscCall(W2TestOptions("-family_type mixture -family_components 2 -target_modes 1 -target_kappa 1"));
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, 1, &N, &L, 1, &s.g));
  PetscCall(W2FamilyCreate(s.g, "family_", "mixture", &s.fam));
  PetscCall(W2FamilyGetTheta(s.fam, "family_", s.th));
  PetscCall(W2FamilyCreateByName(s.g, "target_", "tilt", &s.target));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, "jsd", 0, &s.div));
  PetscCall(DMCreateGlobalVector(s.g->da, &s.q));
  PetscCall(VecDuplicate(s.q, &s.a));
  PetscCall(VecDuplicate(s.q, &s.b));
  PetscCall(VecDuplicate(s.q, &s.u));
  PetscCall(W2FamilyEvaluate(s.target, s.g, qth, s.q, NULL));
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  PetscCall(PetscRandomSetInterval(rnd, -1.0, 1.0));
  PetscCall(PetscRandomSetFromOptions(rnd));
  {
    /* 1. the forward difference errs by (D/2) d_i^2 phi: order 1 */
    PetscReal err[4], scale, worst = 0;
    for (int k = 0; k < 4; k++) {
      const PetscReal D = 1e-3 / (1 << k);
      err[k]            = 0;
      for (PetscInt i = 0; i < s.fam->n; i++) {
        PetscReal e;
        PetscCall(FDConnectionError(&s, i, D, 0, rnd, &e, &scale));
        err[k] = PetscMax(err[k], e / scale);
      }
    }
    for (int k = 0; k < 3; k++) worst = PetscMax(worst, PetscAbsReal(W2OrderRatio(err[k], err[k + 1], 2) - 1));
    W2_CHECK(worst < 0.1, "FD connection, mixture (n = 5), jsd, q von Mises: max_i |grad(A^_i - A_i)| / |A_i| = %.3e %.3e %.3e %.3e at D = 1e-3 / 2^k; orders %.3f %.3f %.3f (within 0.1 of 1: forward difference)", (double)err[0], (double)err[1], (double)err[2], (double)err[3],
             (double)W2OrderRatio(err[0], err[1], 2), (double)W2OrderRatio(err[1], err[2], 2), (double)W2OrderRatio(err[2], err[3], 2));
  }
  {
    /* 2. independent pointwise errors of size eps: error ~ a D + b eps / (D h), not O(D + eps) (Lemma 9.6 as stated) */
    const PetscReal Ds[5] = {1e-2, 1e-3, 1e-4, 1e-5, 1e-6}, eps[2] = {1e-7, 2e-7};
    PetscReal       e[2][5], scale, slope, ratio;
    for (int m = 0; m < 2; m++)
      for (int k = 0; k < 5; k++) {
        PetscCall(PetscRandomSetSeed(rnd, 7));
        PetscCall(PetscRandomSeed(rnd));
        PetscCall(FDConnectionError(&s, 1, Ds[k], eps[m], rnd, &e[m][k], &scale));
        e[m][k] /= scale;
      }
    for (int m = 0; m < 2; m++)
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  eps = %.0e: relative error %.3e %.3e %.3e %.3e %.3e at D = 1e-2 ... 1e-6\n", (double)eps[m], (double)e[m][0], (double)e[m][1], (double)e[m][2], (double)e[m][3], (double)e[m][4]));
    slope = PetscLog10Real(e[0][4] / e[0][3]) / PetscLog10Real(Ds[4] / Ds[3]);
    ratio = e[1][4] / e[0][4];
    W2_CHECK(slope < -0.9 && slope > -1.1 && ratio > 1.8 && ratio < 2.2, "FD connection with noise: slope d log err / d log D = %.3f between D = 1e-5 and 1e-6 (in [-1.1, -0.9]: the eps/D term) and error ratio %.3f when eps doubles (in [1.8, 2.2]); observed law O(D + eps/(D h)), minimum near D ~ sqrt(eps)", (double)slope, (double)ratio);
  }
  PetscCall(W2Potential(s.fam, s.g, s.div, s.th, s.q, s.a));
  PetscCall(VecNorm(s.a, NORM_INFINITY, &phimax));
  {
    /* 3. and 4. Alg. 1 with the lag model, theta directions 0 (logit) and 1 (first mean) */
    const PetscReal cs[5] = {0, 0.25, 0.5, 0.75, 1}, D = 1e-3;
    const PetscReal bound = 64 * PETSC_MACHINE_EPSILON * phimax / (D * s.g->h[0]); /* round-off of 8 corner values, /D, /h */
    Vec             w, cl;
    PetscCall(VecDuplicate(s.q, &w));
    PetscCall(VecDuplicate(s.q, &cl));
    for (int k = 0; k < 5; k++) {
      PetscReal nw, nc, nd;
      PetscCall(W2CurvatureLag(s.fam, s.g, s.div, s.th, s.q, 0, 1, D, cs[k], w, cl));
      PetscCall(W2GradientMaxNorm(s.g, w, &nw));
      PetscCall(W2GradientMaxNorm(s.g, cl, &nc));
      PetscCall(VecAXPY(cl, -1.0, w));
      PetscCall(W2GradientMaxNorm(s.g, cl, &nd));
      if (cs[k] == 0 || cs[k] == 1) W2_CHECK(nw <= bound, "Alg. 1 curvature, lag c = %.2f (%s): max |F^| = %.2e (<= %.1e: round-off of 8 corner potentials / (D h))", (double)cs[k], cs[k] == 0 ? "exact section" : "discriminator never moves", (double)nw, (double)bound);
      else W2_CHECK(nd <= bound, "Alg. 1 curvature, lag c = %.2f: max |F^| = %.4e, closed form -c(1-c) grad(phi*_j - phi*_i)/D = %.4e, difference %.2e (<= %.1e: round-off)", (double)cs[k], (double)nw, (double)nc, (double)nd, (double)bound);
    }
    {
      /* O(1) as D -> 0: F^ -> -c(1-c) grad(u_1 - u_0), u_i the exact connection potentials */
      PetscReal rel[3], nl;
      Vec       lim;
      PetscCall(VecDuplicate(s.q, &lim));
      PetscCall(W2ConnectionExactPotential(s.fam, s.g, s.div, s.th, s.q, 1, lim));
      PetscCall(W2ConnectionExactPotential(s.fam, s.g, s.div, s.th, s.q, 0, s.u));
      PetscCall(VecAXPY(lim, -1.0, s.u));
      PetscCall(VecScale(lim, -0.25));
      PetscCall(W2GradientMaxNorm(s.g, lim, &nl));
      for (int k = 0; k < 3; k++) {
        const PetscReal Dk = 1e-2 / PetscPowReal(10, k);
        PetscCall(W2CurvatureLag(s.fam, s.g, s.div, s.th, s.q, 0, 1, Dk, 0.5, w, NULL));
        PetscCall(VecAXPY(w, -1.0, lim));
        PetscCall(W2GradientMaxNorm(s.g, w, &rel[k]));
        rel[k] /= nl;
      }
      W2_CHECK(PetscAbsReal(PetscLog10Real(rel[1] / rel[2]) - 1) < 0.1, "lag c = 0.5: |F^ - limit| / |limit| = %.2e %.2e %.2e at D = 1e-2, 1e-3, 1e-4, limit |c(1-c) grad(u_1 - u_0)| = %.4e: F^ stays O(1) as D -> 0 and tends to that limit at order %.3f (within 0.1 of 1)", (double)rel[0], (double)rel[1], (double)rel[2], (double)nl, (double)PetscLog10Real(rel[1] / rel[2]));
      PetscCall(VecDestroy(&lim));
    }
    PetscCall(VecDestroy(&w));
    PetscCall(VecDestroy(&cl));
  }
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(VecDestroy(&s.q));
  PetscCall(VecDestroy(&s.a));
  PetscCall(VecDestroy(&s.b));
  PetscCall(VecDestroy(&s.u));
  PetscCall(W2DivergenceDestroy(&s.div));
  PetscCall(W2FamilyDestroy(&s.fam));
  PetscCall(W2FamilyDestroy(&s.target));
  PetscCall(W2GridDestroy(&s.g));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
