/// @file Holonomy (Prop. 9.8): the fibre value carried around squares and circles in the plane (logit_1, mean_0) returns to its
/// start up to the integration error of the connection transport; the discriminator's training dynamics leave a residual.
#include "geometry/holonomy.h"
#include "tests/geometry/geotest.h"

int main(int argc, char **argv)
{
  W2Grid       *g;
  W2Family      fam, target;
  W2Divergence *div;
  Vec           q, rho, res, lag;
  PetscInt      N = 256;
  PetscReal     L = 1, qth[W2_FAMILY_MAX_PARAMS] = {0}, th[W2_FAMILY_MAX_PARAMS], step, phimax;
  const char   *shape[2] = {"square", "circle"};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(W2TestOptions("-family_type mixture -family_components 2 -target_modes 1 -target_kappa 1"));
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, 1, &N, &L, 1, &g));
  PetscCall(W2FamilyCreate(g, "family_", "mixture", &fam));
  PetscCall(W2FamilyGetTheta(fam, "family_", th));
  PetscCall(W2FamilyCreateByName(g, "target_", "tilt", &target));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, "jsd", 0, &div));
  PetscCall(DMCreateGlobalVector(g->da, &q));
  PetscCall(VecDuplicate(q, &rho));
  PetscCall(VecDuplicate(q, &res));
  PetscCall(VecDuplicate(q, &lag));
  PetscCall(W2FamilyEvaluate(target, g, qth, q, NULL));
  PetscCall(W2FamilyEvaluate(fam, g, th, rho, NULL));
  PetscCall(W2DiscriminatorSafeStep(q, rho, &step));
  PetscCall(W2Potential(fam, g, div, th, q, res));
  PetscCall(VecNorm(res, NORM_INFINITY, &phimax));
  for (int sh = 0; sh < 2; sh++) {
    /* (i) by the connection: increments of the exact section telescope; Euler O(max ds); trapezoid O(max ds^2) */
    const PetscInt Ms[4] = {16, 32, 64, 128};
    PetscReal      e[3][4];
    for (int t = 0; t < 3; t++)
      for (int m = 0; m < 4; m++) {
        W2Loop loop = {(W2LoopShape)sh, 0, 1, Ms[m], 0.1};
        PetscCall(W2HolonomyConnection(fam, g, div, th, q, &loop, (W2Transport)t, res));
        PetscCall(VecNorm(res, NORM_INFINITY, &e[t][m]));
      }
    W2_CHECK(e[0][3] <= 16 * Ms[3] * PETSC_MACHINE_EPSILON * phimax, "%s of side/radius 0.1, exact increments: max|phi^_end - phi^_start| = %.2e %.2e %.2e %.2e at M = 16..128 (<= 16 M eps max|phi*| = %.1e: round-off of a telescoping sum)", shape[sh], (double)e[0][0], (double)e[0][1], (double)e[0][2], (double)e[0][3], (double)(16 * Ms[3] * PETSC_MACHINE_EPSILON * phimax));
    for (int t = 1; t < 3; t++) {
      PetscReal o[3], worst = 0;
      for (int m = 0; m < 3; m++) {
        o[m]  = W2OrderRatio(e[t][m], e[t][m + 1], 2);
        worst = PetscMax(worst, PetscAbsReal(o[m] - t));
      }
      if (t == 2 && sh == 1) /* the trapezoid rule on a smooth periodic integrand converges geometrically */
        W2_CHECK(o[0] > 4 && e[t][3] <= 16 * Ms[3] * PETSC_MACHINE_EPSILON * phimax, "circle of radius 0.1, connection transport (trapezoid): max|phi^_end - phi^_start| = %.3e %.3e %.3e %.3e at M = 16, 32, 64, 128; orders %.1f %.1f (> 4) then round-off (<= %.1e): faster than O(max ds^2), the trapezoid rule on a smooth periodic integrand is spectrally accurate", (double)e[t][0], (double)e[t][1], (double)e[t][2], (double)e[t][3], (double)o[0], (double)o[1], (double)(16 * Ms[3] * PETSC_MACHINE_EPSILON * phimax));
      else
        W2_CHECK(worst < 0.15, "%s of side/radius 0.1, connection transport (%s): max|phi^_end - phi^_start| = %.3e %.3e %.3e %.3e at M = 16, 32, 64, 128; orders %.3f %.3f %.3f (within 0.15 of %d: %s)", shape[sh], t == 1 ? "Euler" : "trapezoid", (double)e[t][0], (double)e[t][1], (double)e[t][2], (double)e[t][3], (double)o[0], (double)o[1], (double)o[2], t, t == 1 ? "O(max ds), the forward-Euler quadrature of an exact differential" : "O(max ds^2): the corners make the integrand only piecewise smooth");
    }
  }
  {
    /* (ii) by the discriminator's training dynamics: a table of the residual against shape, area, M and k */
    const PetscReal sizes[2] = {0.05, 0.1};
    const PetscInt  Ms[3] = {16, 32, 64}, ks[3] = {1, 4, 16};
    PetscReal       nr[2][2][3][3], rd[2][2][3][3], c1;
    {
      /* the largest per-step contraction at theta0 */
      W2Discriminator *d;
      PetscCall(W2DiscriminatorCreate(g, div, q, step, &d));
      PetscCall(W2DiscriminatorContraction(d, rho, 1, lag));
      PetscCall(VecMax(lag, NULL, &c1));
      PetscCall(W2DiscriminatorDestroy(&d));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  discriminator around the loop, step s = %.4f: residual max|phi^_end - phi*(theta0)|, the per-cell lag model's, their relative difference\n", (double)step));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  shape   size    area      M   max ds    k   max|res disc|  max|res lag|  rel diff\n"));
    for (int sh = 0; sh < 2; sh++)
      for (int a = 0; a < 2; a++)
        for (int m = 0; m < 3; m++)
          for (int k = 0; k < 3; k++) {
            W2Loop    loop = {(W2LoopShape)sh, 0, 1, Ms[m], sizes[a]};
            PetscReal nl, nd;
            PetscCall(W2HolonomyDiscriminator(fam, g, div, th, q, &loop, step, ks[k], res, lag));
            PetscCall(VecNorm(res, NORM_INFINITY, &nr[sh][a][m][k]));
            PetscCall(VecNorm(lag, NORM_INFINITY, &nl));
            PetscCall(VecAXPY(lag, -1.0, res));
            PetscCall(VecNorm(lag, NORM_INFINITY, &nd));
            rd[sh][a][m][k] = nd / nr[sh][a][m][k];
            PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-6s %5.3f %8.5f %5" PetscInt_FMT " %8.5f %4" PetscInt_FMT " %14.4e %13.4e %9.2e\n", shape[sh], (double)sizes[a], (double)W2LoopArea(&loop), Ms[m], (double)W2LoopMaxStep(&loop), ks[k], (double)nr[sh][a][m][k], (double)nl, (double)rd[sh][a][m][k]));
          }
    for (int sh = 0; sh < 2; sh++)
      for (int a = 0; a < 2; a++) {
        const PetscReal *r = rd[sh][a][0], *n = nr[sh][a][0];
        W2_CHECK(r[2 * 3 + 2] < r[1 * 3 + 2] && r[1 * 3 + 2] < r[0 * 3 + 2] && n[2 * 3 + 2] < n[1 * 3 + 2] && n[1 * 3 + 2] < n[0 * 3 + 2], "%s %.2f, k = 16: residual %.3e %.3e %.3e and its relative difference from the per-cell lag model %.2e %.2e %.2e at M = 16, 32, 64 (both decrease as ds halves: the residual is the tracking lag of the last moves, and the lag model, the linearisation, applies as that lag shrinks)", shape[sh], (double)sizes[a], (double)n[2], (double)n[5], (double)n[8], (double)r[2], (double)r[5], (double)r[8]);
      }
    {
      /* same max ds, four times the area: square 0.05 at M = 32 and square 0.1 at M = 64 */
      const PetscReal ratio = nr[0][1][2][2] / nr[0][0][1][2];
      W2_CHECK(PetscAbsReal(ratio - 1) < 0.1, "squares at the same max ds = 0.00625, k = 16: residual %.4e (area 0.0025) and %.4e (area 0.01), ratio %.3f (within 0.1 of 1: no area law; with c(x) <= %.2f the discriminator remembers ~1 move, far fewer than the M/4 moves of the last side)", (double)nr[0][0][1][2], (double)nr[0][1][2][2], (double)ratio, (double)PetscPowRealInt(c1, 16));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  (the same comparison at k = 1: %.4e and %.4e; at k = 4: %.4e and %.4e: with c(x) up to %.3f^k the memory spans the loop and the residual grows with its size)\n", (double)nr[0][0][1][0], (double)nr[0][1][2][0], (double)nr[0][0][1][1], (double)nr[0][1][2][1], (double)c1));
    }
    {
      /* k large: the discriminator is the exact section at every vertex, so the loop closes */
      W2Loop    loop = {W2_LOOP_CIRCLE, 0, 1, 16, 0.1};
      PetscReal n512;
      PetscCall(W2HolonomyDiscriminator(fam, g, div, th, q, &loop, step, 512, res, NULL));
      PetscCall(VecNorm(res, NORM_INFINITY, &n512));
      W2_CHECK(n512 < 1e-6, "circle 0.1, M = 16, k = 512: residual %.2e (< 1e-6: %.3f^512 = %.1e of the last move's change; trained to convergence at each vertex the discriminator is the exact section and its holonomy vanishes)", (double)n512, (double)c1, (double)PetscPowRealInt(c1, 512));
    }
  }
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&rho));
  PetscCall(VecDestroy(&res));
  PetscCall(VecDestroy(&lag));
  PetscCall(W2DivergenceDestroy(&div));
  PetscCall(W2FamilyDestroy(&fam));
  PetscCall(W2FamilyDestroy(&target));
  PetscCall(W2GridDestroy(&g));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
