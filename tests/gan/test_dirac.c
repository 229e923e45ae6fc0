/// @file Dirac-GAN closed forms (THEORY.md 8) from Jacobians computed by gan/: spectra at the equilibrium (plain, R1, consensus),
/// radius growth of simultaneous gradient steps, symmetric Hessian of one objective vs antisymmetric game Jacobian (THEORY.md 6).
#include "gan/game.h"
#include "gan/mlp.h"
#include "tests/gan/gantest.h"

/* distance between the eigenvalue pairs of H and the expected pair (a +- b), either order */
static PetscErrorCode SpectrumError(const PetscReal H[4], PetscReal are, PetscReal aim, PetscReal bre, PetscReal bim, PetscReal re[2], PetscReal im[2], PetscReal *err)
{
  PetscFunctionBeginUser;
  PetscCall(W2GameEigenvalues(2, H, re, im));
  {
    PetscReal e1 = PetscMax(PetscHypotReal(re[0] - are, im[0] - aim), PetscHypotReal(re[1] - bre, im[1] - bim));
    PetscReal e2 = PetscMax(PetscHypotReal(re[0] - bre, im[0] - bim), PetscHypotReal(re[1] - are, im[1] - aim));
    *err = PetscMin(e1, e2);
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const PetscReal x0[2] = {0, 0}, fp0 = W2DiracDF(0);
  W2DiracGan      g = {PETSC_FALSE, W2_DIRAC_PLAIN, 0};
  PetscReal       H[4], Hx[4], re[2], im[2], err;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  /* The field is odd, v(-x) = -v(x), and v(0) = 0: central differences at 0 are v(h e_j)/h with no cancellation, error O(h^2) */
  PetscCall(W2GameJacobianFD(W2DiracGanField, &g, 2, x0, 1e-6, H));
  PetscCall(W2DiracGanFieldJacobian(&g, x0, Hx));
  W2_CHECK(PetscAbsReal(fp0 - 0.5) < 1e-16 && PetscAbsReal(H[0]) < 1e-10 && PetscAbsReal(H[2] + fp0) < 1e-10 && PetscAbsReal(H[1] - fp0) < 1e-10 && PetscAbsReal(H[3]) < 1e-10 && W2GameNorm(2, (PetscReal[]){H[0] - Hx[0], H[1] - Hx[1], H[2] - Hx[2], H[3] - Hx[3]}) < 1e-10,
           "Jacobian at (0,0) by central differences = [[%.3e, %.12f], [%.12f, %.3e]], closed form [[0, -f'(0)], [f'(0), 0]], f'(0) = %.3f; exact Jacobian agrees to 1e-10", (double)H[0], (double)H[2], (double)H[1], (double)H[3], (double)fp0);
  PetscCall(SpectrumError(H, 0, 0.5, 0, -0.5, re, im, &err));
  W2_CHECK(err < 1e-10, "plain: eigenvalues %.3e %+.12f i, %.3e %+.12f i; closed form +- i/2; error %.2e (< 1e-10: O(h^2) differences, h = 1e-6)", (double)re[0], (double)im[0], (double)re[1], (double)im[1], (double)err);
  {
    /* one simultaneous step x += h v(x): |x'|^2 = |x|^2 (1 + h^2 f'(theta psi)^2) exactly (the cross terms cancel); on the axes f'(0) = 1/2.
       The linearised game x += h J x grows the radius by sqrt(1 + h^2/4) every step (J = f'(0) rotation). */
    const PetscReal h = 0.1, factor = PetscSqrtReal(1 + h * h / 4);
    PetscReal       x[2] = {1, 0}, v[2], e1 = 0, e2 = 0, y[2] = {0.3, -0.8}, r0 = PetscHypotReal(y[0], y[1]);
    for (int k = 0; k < 50; k++) {
      const PetscReal r = PetscHypotReal(x[0], x[1]), s = x[0] * x[1];
      PetscCall(W2DiracGanField(&g, x, v));
      x[0] += h * v[0];
      x[1] += h * v[1];
      e1 = PetscMax(e1, PetscAbsReal(PetscHypotReal(x[0], x[1]) / r - PetscSqrtReal(1 + h * h * PetscSqr(W2DiracDF(s)))));
      if (k == 0) e2 = PetscAbsReal(PetscHypotReal(x[0], x[1]) / r - factor);
    }
    W2_CHECK(e1 < 1e-14 && e2 < 1e-15, "simultaneous steps h = %.1f on the nonlinear game: radius ratio = sqrt(1 + h^2 f'(theta psi)^2) to %.1e over 50 steps (identity, round-off); first step from (1, 0): ratio - sqrt(1 + h^2/4) = %.1e; radius after 50 steps %.6f", (double)h, (double)e1, (double)e2, (double)PetscHypotReal(x[0], x[1]));
    for (int k = 0; k < 100; k++) {
      const PetscReal t0 = y[0], t1 = y[1];
      y[0] += h * (H[0] * t0 + H[2] * t1);
      y[1] += h * (H[1] * t0 + H[3] * t1);
    }
    err = PetscAbsReal(PetscHypotReal(y[0], y[1]) / r0 / PetscPowReal(factor, 100) - 1);
    W2_CHECK(err < 1e-10, "linearised game with the computed Jacobian, 100 steps of h = %.1f: radius grew by %.12f, (1 + h^2/4)^50 = %.12f, relative error %.2e (< 1e-10: Jacobian error 1e-12 times 100 steps)", (double)h, (double)(PetscHypotReal(y[0], y[1]) / r0), (double)PetscPowReal(factor, 100), (double)err);
  }
  for (int k = 0; k < 3; k++) {
    /* R1: J = [[0, -f'], [f', -gamma]], eigenvalues -gamma/2 +- sqrt(gamma^2/4 - f'^2): complex, double, real */
    const PetscReal gammas[3] = {0.3, 1.0, 2.5}, gm = gammas[k], disc = gm * gm / 4 - fp0 * fp0;
    g.reg   = W2_DIRAC_R1;
    g.gamma = gm;
    PetscCall(W2GameJacobianFD(W2DiracGanField, &g, 2, x0, 1e-6, H));
    if (disc >= 0) PetscCall(SpectrumError(H, -gm / 2 + PetscSqrtReal(disc), 0, -gm / 2 - PetscSqrtReal(disc), 0, re, im, &err));
    else PetscCall(SpectrumError(H, -gm / 2, PetscSqrtReal(-disc), -gm / 2, -PetscSqrtReal(-disc), re, im, &err));
    /* a double eigenvalue (gamma = 2 f'(0)) is ill-conditioned: a perturbation e of J moves it by sqrt(e) ~ 1e-6 */
    W2_CHECK(err < (disc == 0 ? 1e-5 : 1e-10), "R1 gamma = %.1f: eigenvalues %.12f %+.12f i, %.12f %+.12f i; closed form -gamma/2 +- sqrt(gamma^2/4 - f'(0)^2); error %.2e (< %.0e%s)", (double)gm, (double)re[0], (double)im[0], (double)re[1], (double)im[1], (double)err, disc == 0 ? 1e-5 : 1e-10,
             disc == 0 ? ": double root, error ~ sqrt(Jacobian error)" : ": O(h^2) differences");
    /* consensus: J - gamma J^T J = J - gamma f'^2 I, eigenvalues -gamma f'(0)^2 +- i f'(0) */
    g.reg = W2_DIRAC_CONSENSUS;
    PetscCall(W2GameJacobianFD(W2DiracGanField, &g, 2, x0, 1e-6, H));
    PetscCall(SpectrumError(H, -gm * fp0 * fp0, fp0, -gm * fp0 * fp0, -fp0, re, im, &err));
    W2_CHECK(err < 1e-10, "consensus gamma = %.1f: eigenvalues %.12f %+.12f i, %.12f %+.12f i; closed form -gamma f'(0)^2 +- i f'(0) = %.4f +- %.4f i; error %.2e (< 1e-10)", (double)gm, (double)re[0], (double)im[0], (double)re[1], (double)im[1], (double)(-gm * fp0 * fp0), (double)fp0, (double)err);
  }
  {
    /* Schwarz: the Hessian of L alone is symmetric; the game Jacobian at the same point is not (THEORY.md 6) */
    const PetscReal x[2] = {0.7, -0.4};
    PetscReal       S[4], K[4], HL[4];
    g.reg = W2_DIRAC_PLAIN;
    PetscCall(W2GameJacobianFD(W2DiracGanObjectiveGradient, &g, 2, x, 1e-5, HL));
    PetscCall(W2GameSplit(2, HL, NULL, K));
    W2_CHECK(W2GameNorm(2, K) < 1e-9 * W2GameNorm(2, HL), "Hessian of L at (0.7, -0.4): |antisymmetric part| = %.2e, |H| = %.3e (< 1e-9 |H|: exact symmetry up to O(h^2) + eps/h of the differences, h = 1e-5)", (double)W2GameNorm(2, K), (double)W2GameNorm(2, HL));
    PetscCall(W2GameJacobianFD(W2DiracGanField, &g, 2, x, 1e-5, H));
    PetscCall(W2DiracGanFieldJacobian(&g, x, Hx));
    PetscCall(W2GameSplit(2, H, S, K));
    W2_CHECK(PetscAbsReal(K[2] + (W2DiracD2F(x[0] * x[1]) * x[0] * x[1] + W2DiracDF(x[0] * x[1]))) < 1e-9, "game Jacobian at (0.7, -0.4): antisymmetric part K_12 = %.12f, closed form -(f''(s) s + f'(s)) = %.12f (s = theta psi); |S| = %.4f", (double)K[2], (double)-(W2DiracD2F(x[0] * x[1]) * x[0] * x[1] + W2DiracDF(x[0] * x[1])), (double)W2GameNorm(2, S));
    g.bilinear = PETSC_TRUE;
    PetscCall(W2GameJacobianFD(W2DiracGanField, &g, 2, x, 1e-2, H));
    PetscCall(W2GameSplit(2, H, S, K));
    W2_CHECK(W2GameNorm(2, S) < 1e-12 && PetscAbsReal(K[2] + 1) < 1e-10, "bilinear game L = theta psi: |symmetric part| = %.2e (< 1e-12: the field is linear, differences with h = 1e-2 are exact up to round-off eps |x| / h ~ 1e-14), K_12 = %.12f (closed form -1)", (double)W2GameNorm(2, S), (double)K[2]);
    g.bilinear = PETSC_FALSE;
  }
  {
    /* an SPD preconditioner P (natural gradient) keeps the spectrum of P J purely imaginary: P J ~ P^1/2 J P^1/2, antisymmetric */
    W2Rng     r;
    PetscReal worst = 0;
    W2RngSeed(&r, 5);
    PetscCall(W2GameJacobianFD(W2DiracGanField, &g, 2, x0, 1e-6, H));
    for (int k = 0; k < 20; k++) {
      PetscReal B[4] = {W2RngNormal(&r), W2RngNormal(&r), W2RngNormal(&r), W2RngNormal(&r)}, P[4], PJ[4];
      P[0] = B[0] * B[0] + B[1] * B[1] + 0.1; /* P = B B^T + 0.1 I */
      P[1] = P[2] = B[0] * B[2] + B[1] * B[3];
      P[3] = B[2] * B[2] + B[3] * B[3] + 0.1;
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) PJ[i + 2 * j] = P[i] * H[2 * j] + P[i + 2] * H[1 + 2 * j];
      PetscCall(W2GameEigenvalues(2, PJ, re, im));
      worst = PetscMax(worst, PetscMax(PetscAbsReal(re[0]), PetscAbsReal(re[1])) / PetscAbsReal(im[0]));
    }
    W2_CHECK(worst < 1e-9, "20 random SPD preconditioners P: max |Re lambda(P J)| / |Im lambda| = %.2e (< 1e-9: zero in exact arithmetic, the diagonal of J is O(h^2)): natural gradient alone does not stop the rotation", (double)worst);
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
