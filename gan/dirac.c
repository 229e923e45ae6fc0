/// @file The Dirac-GAN (Mescheder et al. 2018; THEORY.md 8): objective, update field with R1 or consensus regularisation, exact Jacobian.
#include <math.h>
#include "gan/game.h"

PetscReal W2DiracF(PetscReal t) { return t > 0 ? -log1p(PetscExpReal(-t)) : t - log1p(PetscExpReal(t)); }
PetscReal W2DiracDF(PetscReal t) { return t > 0 ? PetscExpReal(-t) / (1 + PetscExpReal(-t)) : 1 / (1 + PetscExpReal(t)); }
PetscReal W2DiracD2F(PetscReal t) { return -W2DiracDF(t) * W2DiracDF(-t); }

PetscErrorCode W2DiracGanObjective(const W2DiracGan *g, const PetscReal x[2], PetscReal *L, PetscReal grad[2])
{
  const PetscReal th = x[0], psi = x[1], s = th * psi;

  PetscFunctionBeginUser;
  if (g->bilinear) {
    if (L) *L = s;
    if (grad) {
      grad[0] = psi;
      grad[1] = th;
    }
  } else {
    if (L) *L = W2DiracF(s) + W2DiracF(0);
    if (grad) {
      grad[0] = W2DiracDF(s) * psi;
      grad[1] = W2DiracDF(s) * th;
    }
  }
  PetscFunctionReturn(0);
}

/* plain or R1 field: v = (-dL/dtheta, dL/dpsi - gamma psi [R1]) */
static PetscErrorCode BaseField(const W2DiracGan *g, const PetscReal x[2], PetscReal v[2])
{
  PetscReal grad[2];

  PetscFunctionBeginUser;
  PetscCall(W2DiracGanObjective(g, x, NULL, grad));
  v[0] = -grad[0];
  v[1] = grad[1] - (g->reg == W2_DIRAC_R1 ? g->gamma * x[1] : 0);
  PetscFunctionReturn(0);
}

PetscErrorCode W2DiracGanFieldJacobian(const W2DiracGan *g, const PetscReal x[2], PetscReal J[4])
{
  const PetscReal th = x[0], psi = x[1], s = th * psi;
  const PetscReal d1 = g->bilinear ? 1 : W2DiracDF(s), d2 = g->bilinear ? 0 : W2DiracD2F(s);

  PetscFunctionBeginUser;
  J[0] = -d2 * psi * psi;     /* d v0 / d theta */
  J[1] = d2 * s + d1;         /* d v1 / d theta */
  J[2] = -d2 * s - d1;        /* d v0 / d psi */
  J[3] = d2 * th * th - (g->reg == W2_DIRAC_R1 ? g->gamma : 0);
  PetscFunctionReturn(0);
}

PetscErrorCode W2DiracGanField(void *ctx, const PetscReal x[], PetscReal v[])
{
  const W2DiracGan *g = (const W2DiracGan *)ctx;

  PetscFunctionBeginUser;
  PetscCall(BaseField(g, x, v));
  if (g->reg == W2_DIRAC_CONSENSUS) { /* v - gamma J^T v */
    PetscReal J[4], w0 = v[0], w1 = v[1];
    PetscCall(W2DiracGanFieldJacobian(g, x, J));
    v[0] = w0 - g->gamma * (J[0] * w0 + J[1] * w1);
    v[1] = w1 - g->gamma * (J[2] * w0 + J[3] * w1);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2DiracGanObjectiveGradient(void *ctx, const PetscReal x[], PetscReal v[])
{
  PetscFunctionBeginUser;
  PetscCall(W2DiracGanObjective((const W2DiracGan *)ctx, x, NULL, v));
  PetscFunctionReturn(0);
}

PetscErrorCode W2DiracGanGradients(void *ctx, const PetscReal x[], PetscReal gG[], PetscReal gD[])
{
  const W2DiracGan *g = (const W2DiracGan *)ctx;
  PetscReal         grad[2];

  PetscFunctionBeginUser;
  PetscCall(W2DiracGanObjective(g, x, NULL, grad));
  if (gG) {
    gG[0] = grad[0];
    gG[1] = grad[1];
  }
  if (gD) {
    gD[0] = -grad[0];
    gD[1] = -grad[1] + (g->reg == W2_DIRAC_R1 ? g->gamma * x[1] : 0);
  }
  PetscFunctionReturn(0);
}
