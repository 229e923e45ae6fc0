/// @file Local convexity of F_f(.||Q) (THEORY.md 5): the second variation along (id + t grad psi)_# rho_0 in Lagrangian form.
#include "geometry/convexity.h"

/* log q and its derivatives on axis a: von Mises exp(kappa cos w) / Z, w = 2 pi x / L */
static void AxisTarget(const W2Convexity *cx, PetscInt a, PetscReal x, PetscReal *v, PetscReal *dlog, PetscReal *d2log)
{
  const PetscReal k = 2 * PETSC_PI / cx->grid->L[a], w = k * x;
  *v = PetscExpReal(cx->kappa * PetscCosReal(w)) / cx->Z[a];
  if (dlog) *dlog = -cx->kappa * k * PetscSinReal(w);
  if (d2log) *d2log = -cx->kappa * k * k * PetscCosReal(w);
}

PetscReal W2ConvexityTarget(const W2Convexity *cx, PetscReal x, PetscReal y)
{
  PetscReal v[2] = {1, 1};
  AxisTarget(cx, 0, x, &v[0], NULL, NULL);
  if (cx->grid->dim > 1) AxisTarget(cx, 1, y, &v[1], NULL, NULL);
  return v[0] * v[1];
}

PetscErrorCode W2ConvexityCreate(const W2Grid *grid, const char prefix[], W2Convexity **cxo)
{
  W2Convexity *cx;
  W2Box        b;
  PetscInt     seed = 7, nm, dim = grid->dim;
  PetscRandom  rnd;
  PetscReal    pmean[2] = {0, 0}, phase[4];
  PetscInt     kmin[2];

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&cx));
  cx->grid = grid;
  cx->samples = 64;
  cx->modes = 3;
  cx->kappa = 1;
  cx->amplitude = 0.5;
  PetscOptionsBegin(grid->comm, prefix, "Local convexity: sampled geodesics (id + t grad psi)_# rho_0", NULL);
  PetscCall(PetscOptionsInt("-samples", "Number of random potentials psi", NULL, cx->samples, &cx->samples, NULL));
  PetscCall(PetscOptionsInt("-modes", "Highest wave number of psi per axis", NULL, cx->modes, &cx->modes, NULL));
  PetscCall(PetscOptionsReal("-kappa", "Concentration of the von Mises target q (0: uniform)", NULL, cx->kappa, &cx->kappa, NULL));
  PetscCall(PetscOptionsReal("-amplitude", "max |Hess psi| of every sample (geodesic for |t| < 1/amplitude)", NULL, cx->amplitude, &cx->amplitude, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the random potentials and of the perturbation's phases", NULL, seed, &seed, NULL));
  PetscOptionsEnd();
  PetscCheck(cx->samples >= 1, grid->comm, PETSC_ERR_USER_INPUT, "-%ssamples must be >= 1, got %" PetscInt_FMT, prefix, cx->samples);
  PetscCheck(cx->modes >= 1 && 2 * cx->modes < grid->N[0] && (dim == 1 || 2 * cx->modes < grid->N[1]), grid->comm, PETSC_ERR_USER_INPUT, "-%smodes must be >= 1 and below N/2 of the grid, got %" PetscInt_FMT, prefix, cx->modes);
  PetscCheck(cx->kappa >= 0, grid->comm, PETSC_ERR_USER_INPUT, "-%skappa must be >= 0, got %g", prefix, (double)cx->kappa);
  PetscCheck(cx->amplitude > 0, grid->comm, PETSC_ERR_USER_INPUT, "-%samplitude must be positive, got %g", prefix, (double)cx->amplitude);
  /* Z_a by the midpoint rule on 4096 nodes: spectrally accurate for this periodic analytic integrand */
  for (PetscInt a = 0; a < 2; a++) {
    const PetscInt M = 4096;
    PetscReal      s = 0;
    cx->Z[a] = 1;
    if (a >= dim) continue;
    for (PetscInt k = 0; k < M; k++) s += PetscExpReal(cx->kappa * PetscCosReal(2 * PETSC_PI * (k + 0.5) / M));
    cx->Z[a] = s * grid->L[a] / M;
  }
  PetscCall(W2GridOwnedBox(grid, &b));
  cx->nloc = b.xm * b.ym;
  nm       = cx->nloc;
  PetscCall(PetscMalloc4(nm, &cx->q, 2 * nm, &cx->dq, 3 * nm, &cx->hq, nm, &cx->p));
  PetscCall(PetscMalloc2(2 * nm * cx->samples, &cx->g, 3 * nm * cx->samples, &cx->H));
  PetscCall(PetscRandomCreate(PETSC_COMM_SELF, &rnd)); /* same stream on every rank: the samples are global */
  PetscCall(PetscRandomSetInterval(rnd, -1, 1));
  PetscCall(PetscRandomSetSeed(rnd, (unsigned long)seed));
  PetscCall(PetscRandomSeed(rnd));
  for (PetscInt k = 0; k < 4; k++) PetscCall(PetscRandomGetValueReal(rnd, &phase[k]));
  /* the target, its derivatives, and the raw perturbation p = cos(w_x + phase) + cos(2 w_x + phase') (+ the same in y) */
  for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) {
      const PetscInt  c = (j - b.ys) * b.xm + (i - b.xs);
      const PetscReal x[2] = {W2GridX(grid, i), W2GridY(grid, j)};
      PetscReal       v[2] = {1, 1}, d1[2] = {0, 0}, d2[2] = {0, 0}, pr = 0;
      for (PetscInt a = 0; a < dim; a++) {
        const PetscReal w = 2 * PETSC_PI * x[a] / grid->L[a];
        AxisTarget(cx, a, x[a], &v[a], &d1[a], &d2[a]);
        pr += PetscCosReal(w + PETSC_PI * phase[2 * a]) + PetscCosReal(2 * w + PETSC_PI * phase[2 * a + 1]);
      }
      cx->q[c]          = v[0] * v[1];
      cx->dq[2 * c]     = cx->q[c] * d1[0];
      cx->dq[2 * c + 1] = cx->q[c] * d1[1];
      cx->hq[3 * c]     = cx->q[c] * (d1[0] * d1[0] + d2[0]);
      cx->hq[3 * c + 1] = cx->q[c] * d1[0] * d1[1];
      cx->hq[3 * c + 2] = cx->q[c] * (d1[1] * d1[1] + d2[1]);
      cx->p[c]          = pr;
      pmean[0] += cx->q[c] * pr * grid->dV;
      pmean[1] += cx->q[c] * grid->dV;
    }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, pmean, 2, MPIU_REAL, MPIU_SUM, grid->comm));
  /* |raw p| <= 2 dim, so |p| <= 1 with this grid-independent scale: |rho_0/q - 1| <= delta */
  for (PetscInt c = 0; c < nm; c++) cx->p[c] = (cx->p[c] - pmean[0] / pmean[1]) / (2 * dim + PetscAbsReal(pmean[0] / pmean[1]));
  /* psi = sum over wave vectors k (half plane, 0 < |k|_inf <= modes) of a_k cos(2 pi k.x/L) + b_k sin(2 pi k.x/L) */
  kmin[0] = dim > 1 ? -cx->modes : 1;
  kmin[1] = 0;
  for (PetscInt s = 0; s < cx->samples; s++) {
    PetscReal *gs = cx->g + 2 * nm * s, *Hs = cx->H + 3 * nm * s, hmax = 0; /* sum_k (|a_k| + |b_k|) |k|^2 >= max |Hess psi|_F */
    PetscCall(PetscArrayzero(gs, 2 * nm));
    PetscCall(PetscArrayzero(Hs, 3 * nm));
    for (PetscInt ky = kmin[1]; ky <= (dim > 1 ? cx->modes : 0); ky++)
      for (PetscInt kx = kmin[0]; kx <= cx->modes; kx++) {
        const PetscReal K[2] = {2 * PETSC_PI * kx / grid->L[0], dim > 1 ? 2 * PETSC_PI * ky / grid->L[1] : 0};
        PetscReal       ca, cb;
        if (ky == 0 && kx <= 0) continue; /* the half plane: k and -k give the same modes */
        PetscCall(PetscRandomGetValueReal(rnd, &ca));
        PetscCall(PetscRandomGetValueReal(rnd, &cb));
        hmax += (PetscAbsReal(ca) + PetscAbsReal(cb)) * (K[0] * K[0] + K[1] * K[1]);
        for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
          for (PetscInt i = b.xs; i < b.xs + b.xm; i++) {
            const PetscInt  c = (j - b.ys) * b.xm + (i - b.xs);
            const PetscReal w = K[0] * W2GridX(grid, i) + K[1] * W2GridY(grid, j), cw = PetscCosReal(w), sw = PetscSinReal(w);
            const PetscReal d1 = -ca * sw + cb * cw, d2 = -(ca * cw + cb * sw);
            gs[2 * c] += d1 * K[0];
            gs[2 * c + 1] += d1 * K[1];
            Hs[3 * c] += d2 * K[0] * K[0];
            Hs[3 * c + 1] += d2 * K[0] * K[1];
            Hs[3 * c + 2] += d2 * K[1] * K[1];
          }
      }
    for (PetscInt c = 0; c < 2 * nm; c++) gs[c] *= cx->amplitude / hmax;
    for (PetscInt c = 0; c < 3 * nm; c++) Hs[c] *= cx->amplitude / hmax;
  }
  PetscCall(PetscRandomDestroy(&rnd));
  *cxo = cx;
  PetscFunctionReturn(0);
}

PetscErrorCode W2ConvexityDestroy(W2Convexity **cx)
{
  PetscFunctionBeginUser;
  if (!*cx) PetscFunctionReturn(0);
  PetscCall(PetscFree4((*cx)->q, (*cx)->dq, (*cx)->hq, (*cx)->p));
  PetscCall(PetscFree2((*cx)->g, (*cx)->H));
  PetscCall(PetscFree(*cx));
  PetscFunctionReturn(0);
}

/* d/dt and d^2/dt^2 at t = 0 of Q_t(x) = q(x + t g) det(I + t H): Q' = div(q grad psi), Q'' = g.Hess q.g + 2 (grad q.g) tr H + 2 q e2(H) */
static inline void Pushforward(const W2Convexity *cx, PetscInt s, PetscInt c, PetscReal *Q1, PetscReal *Q2)
{
  const PetscReal *g = cx->g + 2 * (cx->nloc * s + c), *H = cx->H + 3 * (cx->nloc * s + c), *dq = cx->dq + 2 * c, *hq = cx->hq + 3 * c;
  const PetscReal  tr = H[0] + H[2], e2 = H[0] * H[2] - H[1] * H[1], dqg = dq[0] * g[0] + dq[1] * g[1];
  *Q1 = dqg + cx->q[c] * tr;
  *Q2 = hq[0] * g[0] * g[0] + 2 * hq[1] * g[0] * g[1] + hq[2] * g[1] * g[1] + 2 * dqg * tr + 2 * cx->q[c] * e2;
}

PetscErrorCode W2ConvexitySecondVariation(W2Convexity *cx, const W2Divergence *div, PetscReal delta, PetscReal d2F[], PetscReal gnorm[], PetscReal hnorm[])
{
  const PetscInt  S = cx->samples, nm = cx->nloc;
  const PetscReal dV = cx->grid->dV;
  PetscReal      *acc;

  PetscFunctionBeginUser;
  PetscCheck(PetscAbsReal(delta) < 1, cx->grid->comm, PETSC_ERR_USER_INPUT, "delta must lie in (-1, 1) so rho_0 = q (1 + delta p) > 0, got %g", (double)delta);
  PetscCall(PetscCalloc1(3 * S, &acc));
  for (PetscInt c = 0; c < nm; c++) {
    /* F(t) = int h(Q_t) dx with the perspective h(Q) = Q f(rho_0 / Q): h'(Q) = f(s) - s f'(s), h''(Q) = s^2 f''(s) / Q, s = rho_0 / Q */
    const PetscReal sr = 1 + delta * cx->p[c], r0 = cx->q[c] * sr;
    const PetscReal h1 = div->f(div, sr) - sr * div->df(div, sr), h2 = sr * sr * div->d2f(div, sr) / cx->q[c];
    for (PetscInt s = 0; s < S; s++) {
      const PetscReal *g = cx->g + 2 * (nm * s + c), *H = cx->H + 3 * (nm * s + c);
      PetscReal        Q1, Q2;
      Pushforward(cx, s, c, &Q1, &Q2);
      acc[3 * s] += (h2 * Q1 * Q1 + h1 * Q2) * dV;
      acc[3 * s + 1] += r0 * (g[0] * g[0] + g[1] * g[1]) * dV;
      acc[3 * s + 2] += r0 * (H[0] * H[0] + 2 * H[1] * H[1] + H[2] * H[2]) * dV;
    }
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, acc, 3 * S, MPIU_REAL, MPIU_SUM, cx->grid->comm));
  for (PetscInt s = 0; s < S; s++) {
    if (d2F) d2F[s] = acc[3 * s];
    if (gnorm) gnorm[s] = acc[3 * s + 1];
    if (hnorm) hnorm[s] = acc[3 * s + 2];
  }
  PetscCall(PetscFree(acc));
  PetscFunctionReturn(0);
}

PetscErrorCode W2ConvexityLambda(W2Convexity *cx, const W2Divergence *div, PetscReal delta, PetscReal *lg, PetscReal *lh)
{
  PetscReal *a, *b, *c;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(cx->samples, &a, cx->samples, &b, cx->samples, &c));
  PetscCall(W2ConvexitySecondVariation(cx, div, delta, a, b, c));
  *lg = *lh = PETSC_MAX_REAL;
  for (PetscInt s = 0; s < cx->samples; s++) {
    *lg = PetscMin(*lg, a[s] / b[s]);
    *lh = PetscMin(*lh, a[s] / c[s]);
  }
  PetscCall(PetscFree3(a, b, c));
  PetscFunctionReturn(0);
}

PetscErrorCode W2ConvexityEnergy(W2Convexity *cx, const W2Divergence *div, PetscReal delta, PetscInt s, PetscReal t, PetscReal *F)
{
  const W2Grid *grid = cx->grid;
  W2Box         b;
  PetscReal     sum = 0;

  PetscFunctionBeginUser;
  PetscCheck(s >= 0 && s < cx->samples, grid->comm, PETSC_ERR_ARG_OUTOFRANGE, "sample %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", s, cx->samples);
  PetscCall(W2GridOwnedBox(grid, &b));
  for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) {
      const PetscInt   c = (j - b.ys) * b.xm + (i - b.xs);
      const PetscReal *g = cx->g + 2 * (cx->nloc * s + c), *H = cx->H + 3 * (cx->nloc * s + c);
      const PetscReal  J = (1 + t * H[0]) * (1 + t * H[2]) - t * t * H[1] * H[1];
      const PetscReal  Q = W2ConvexityTarget(cx, W2GridX(grid, i) + t * g[0], W2GridY(grid, j) + t * g[1]) * J;
      sum += Q * div->f(div, cx->q[c] * (1 + delta * cx->p[c]) / Q) * grid->dV;
    }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, grid->comm));
  *F = sum;
  PetscFunctionReturn(0);
}

PetscErrorCode W2ConvexitySecondVariationFD(W2Convexity *cx, const W2Divergence *div, PetscReal delta, PetscInt s, PetscReal h, PetscReal *d2F)
{
  PetscReal F[5];

  PetscFunctionBeginUser;
  PetscCheck(2 * h * cx->amplitude < 1, cx->grid->comm, PETSC_ERR_USER_INPUT, "FD step %g too large: I + t Hess psi must stay positive for |t| <= 2h", (double)h);
  for (PetscInt k = 0; k < 5; k++) PetscCall(W2ConvexityEnergy(cx, div, delta, s, (k - 2) * h, &F[k]));
  *d2F = (-F[0] + 16 * F[1] - 30 * F[2] + 16 * F[3] - F[4]) / (12 * h * h);
  PetscFunctionReturn(0);
}

PetscErrorCode W2ConvexityRestForm(W2Convexity *cx, PetscInt s, PetscReal *value)
{
  PetscReal sum = 0;

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < cx->nloc; c++) {
    PetscReal Q1, Q2;
    Pushforward(cx, s, c, &Q1, &Q2);
    sum += Q1 * Q1 / cx->q[c] * cx->grid->dV;
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, cx->grid->comm));
  *value = sum;
  PetscFunctionReturn(0);
}
