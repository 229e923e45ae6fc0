/// @file -jko_type newton: W2 of translations by whole cells, 1-D W2 against the exact circle method, newton against bfm (W2 and a JKO step), a JKO flow's energy inequality and mass, the ranks of PETSC_COMM_WORLD against one process.
#include "jko/jkoimpl.h"
#include "tests/jko/jkotest.h"

static PetscReal Smooth(PetscReal x, PetscReal y, void *ctx)
{
  const PetscReal *c = (const PetscReal *)ctx;
  return PetscExpReal(c[2] * PetscCosReal(2 * PETSC_PI * (x - c[0]))) * (1.0 + 0.5 * PetscCosReal(2 * PETSC_PI * (y - c[1])));
}

static PetscErrorCode Create(W2Grid *g, W2Divergence *div, Vec q, const char type[], PetscReal rtol, W2JKO *jko)
{
  PetscFunctionBeginUser;
  PetscCall(W2JKOCreate(g, div, q, jko));
  PetscCall(W2JKOSetType(*jko, type));
  PetscCall(W2JKOSetTolerances(*jko, rtol, 1e-15, 5000));
  PetscCall(W2JKOSetFromOptions(*jko));
  PetscFunctionReturn(0);
}

/* a box translated by whole cells: the semi-discrete W2^2 is |v|^2 exactly (each cell moves onto a site) */
static PetscErrorCode Translation(PetscInt dim, PetscInt N, PetscInt m0, PetscInt m1, PetscReal half, PetscReal rtol)
{
  W2Grid    *g;
  Vec        v[2];
  W2JKO      jko;
  W2JKOInfo  info;
  PetscReal  v2;

  PetscFunctionBeginUser;
  PetscCall(W2TestUnitGrid(dim, N, &g));
  v2 = PetscSqr(m0 * g->h[0]) + (dim == 2 ? PetscSqr(m1 * g->h[1]) : 0.0);
  for (PetscInt k = 0; k < 2; k++) { /* the box at (0.3, 0.4) and its translate by (m0, m1) cells */
    W2TestBump box = {{0.3 + k * m0 * g->h[0], dim == 2 ? 0.4 + k * m1 * g->h[1] : 0.0}, half, {1.0, 1.0}, 0.0};
    PetscCall(DMCreateGlobalVector(g->da, &v[k]));
    PetscCall(W2TestFill(g, W2TestBox, &box, v[k]));
  }
  PetscCall(Create(g, NULL, NULL, "newton", rtol, &jko));
  PetscCall(W2JKODistance(jko, v[0], v[1], &info));
  /* weak duality: the dual is below the semi-discrete W2^2 = |v|^2; the plan's cost within the gap of it */
  W2_CHECK(info.converged && info.dual <= v2 * (1 + 1e-12) && v2 - info.dual <= 2 * rtol * v2 && PetscAbsReal(info.w2sq - v2) <= info.gap + 2 * rtol * v2,
           "newton: %" PetscInt_FMT "-D box (half width %g) translated by (%" PetscInt_FMT ",%" PetscInt_FMT ") cells on %" PetscInt_FMT "^%" PetscInt_FMT ": W2^2 %.12e, dual %.12e, |v|^2 %.12e; gap %.1e, marginal %.1e, %" PetscInt_FMT " iterations (dual <= |v|^2 by weak duality; both within 2 rtol = %.0e)", dim,
           (double)half, m0, m1, N, dim, (double)info.w2sq, (double)info.dual, (double)v2, (double)info.gap, (double)info.marginal, info.iterations, (double)(2 * rtol));
  PetscCall(W2JKODestroy(&jko));
  PetscCall(VecDestroy(&v[0]));
  PetscCall(VecDestroy(&v[1]));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

/* 1-D: newton and the exact circle method discretise the same W2^2 to O(h^2) */
static PetscErrorCode AgainstCircle(void)
{
  const PetscInt Ns[3] = {64, 128, 256};
  PetscReal      diff[3];

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < 3; k++) {
    W2Grid   *g;
    Vec       a, b;
    W2JKO     jko;
    W2JKOInfo info;
    PetscReal ca[3] = {0.2, 0, 1.2}, cb[3] = {0.65, 0, -0.8}, wc;
    PetscCall(W2TestUnitGrid(1, Ns[k], &g));
    PetscCall(DMCreateGlobalVector(g->da, &a));
    PetscCall(VecDuplicate(a, &b));
    PetscCall(W2TestFill(g, Smooth, ca, a));
    PetscCall(W2TestFill(g, Smooth, cb, b));
    PetscCall(Create(g, NULL, NULL, "newton", 1e-11, &jko));
    PetscCall(W2JKODistance(jko, a, b, &info));
    PetscCall(W2CircleW2Vec(g, a, b, &wc));
    diff[k] = PetscAbsReal(info.w2sq - wc);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  N %4" PetscInt_FMT ": newton W2^2 %.14e (gap %.1e, marginal %.1e, %" PetscInt_FMT " it), circle %.14e, |diff| %.3e\n", Ns[k], (double)info.w2sq, (double)info.gap, (double)info.marginal, info.iterations, (double)wc, (double)diff[k]));
    PetscCall(W2JKODestroy(&jko));
    PetscCall(VecDestroy(&a));
    PetscCall(VecDestroy(&b));
    PetscCall(W2GridDestroy(&g));
  }
  W2_CHECK(W2Order(diff[0], diff[1]) > 1.7 && W2Order(diff[1], diff[2]) > 1.7, "1-D newton vs exact circle W2^2: |diff| %.2e %.2e %.2e, observed orders %.2f %.2f (> 1.7: both are second-order discretisations of W2^2)", (double)diff[0], (double)diff[1], (double)diff[2],
           (double)W2Order(diff[0], diff[1]), (double)W2Order(diff[1], diff[2]));
  PetscFunctionReturn(0);
}

/* newton and bfm solve the same discrete problems: W2^2 within the two gaps; the JKO step's densities within
   sqrt(2 gap) each of the minimiser in L1 (the KL objective is 1-strongly convex in L1 by Pinsker, the
   transport term convex, and P(rho~) - min <= gap) and the primal values within the larger gap */
static PetscErrorCode AgainstBFM(PetscInt dim, PetscInt N)
{
  W2Grid       *g;
  W2Divergence *div;
  Vec           q, mu, rn, rb;
  W2JKO         jn, jb;
  W2JKOInfo     in, ib;
  PetscReal     cq[3] = {0.6, 0.3, 0.8}, cm[3] = {0.2, 0.7, -0.6}, l1;

  PetscFunctionBeginUser;
  PetscCall(W2TestUnitGrid(dim, N, &g));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, "kl", 2.0, &div));
  PetscCall(DMCreateGlobalVector(g->da, &q));
  PetscCall(VecDuplicate(q, &mu));
  PetscCall(VecDuplicate(q, &rn));
  PetscCall(VecDuplicate(q, &rb));
  PetscCall(W2TestFill(g, Smooth, cq, q));
  PetscCall(W2TestFill(g, Smooth, cm, mu));
  PetscCall(Create(g, div, q, "newton", 1e-9, &jn));
  PetscCall(Create(g, div, q, "bfm", 1e-9, &jb));
  PetscCall(W2JKOSetTau(jn, 1e-2));
  PetscCall(W2JKOSetTau(jb, 1e-2));
  PetscCall(W2JKODistance(jn, mu, q, &in));
  PetscCall(W2JKODistance(jb, mu, q, &ib));
  W2_CHECK(PetscAbsReal(in.w2sq - ib.w2sq) <= in.gap + ib.gap + 1e-9 * ib.w2sq, "%" PetscInt_FMT "-D %" PetscInt_FMT " cells: W2^2 newton %.12e (%" PetscInt_FMT " it, gap %.1e) vs bfm %.12e (%" PetscInt_FMT " it, gap %.1e): |diff| %.1e <= the sum of the gaps (+ rtol W2^2, the cost's own round-off margin)", dim, N,
           (double)in.w2sq, in.iterations, (double)in.gap, (double)ib.w2sq, ib.iterations, (double)ib.gap, (double)PetscAbsReal(in.w2sq - ib.w2sq));
  PetscCall(W2JKOStep(jn, mu, rn, &in));
  PetscCall(W2JKOStep(jb, mu, rb, &ib));
  PetscCall(W2TestL1(g, rn, rb, &l1));
  W2_CHECK(l1 <= PetscSqrtReal(2 * in.gap) + PetscSqrtReal(2 * ib.gap) && PetscAbsReal(in.primal - ib.primal) <= PetscMax(in.gap, ib.gap) + 1e-14, "%" PetscInt_FMT "-D kl JKO step (tau 1e-2): |rho_newton - rho_bfm|_1 = %.1e <= sqrt(2 gap) sum %.1e; primal %.12e vs %.12e (|diff| %.1e <= max gap %.1e); %" PetscInt_FMT " newton, %" PetscInt_FMT " bfm iterations", dim,
           (double)l1, (double)(PetscSqrtReal(2 * in.gap) + PetscSqrtReal(2 * ib.gap)), (double)in.primal, (double)ib.primal, (double)PetscAbsReal(in.primal - ib.primal), (double)PetscMax(in.gap, ib.gap), in.iterations, ib.iterations);
  PetscCall(W2JKODestroy(&jn));
  PetscCall(W2JKODestroy(&jb));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&mu));
  PetscCall(VecDestroy(&rn));
  PetscCall(VecDestroy(&rb));
  PetscCall(W2DivergenceDestroy(&div));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

/* a JKO flow by newton: every step satisfies F(P_k) + W2^2/(2 tau) <= F(P_{k-1}) up to its gap (weak duality,
   see jko.h) and keeps the mass to round-off (the Laguerre cells tile the torus) */
static PetscErrorCode Flow(void)
{
  W2Grid         *g;
  W2Divergence   *div;
  Vec             q, rho;
  W2JKO           jko;
  W2JKOFlowRecord rec;
  PetscReal       cq[3] = {0.5, 0.5, 1.0}, cm[3] = {0.1, 0.2, 1.5};

  PetscFunctionBeginUser;
  PetscCall(W2TestUnitGrid(2, 24, &g));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, "jsd", 2.0, &div));
  PetscCall(DMCreateGlobalVector(g->da, &q));
  PetscCall(VecDuplicate(q, &rho));
  PetscCall(W2TestFill(g, Smooth, cq, q));
  PetscCall(W2TestFill(g, Smooth, cm, rho));
  PetscCall(Create(g, div, q, "newton", 1e-8, &jko));
  PetscCall(W2JKOSetTau(jko, 5e-3));
  PetscCall(PetscMemzero(&rec, sizeof(rec)));
  PetscCall(W2JKOFlowSolve(jko, rho, 0.05, 10, NULL, NULL, &rec));
  W2_CHECK(rec.steps == 10 && rec.unconverged == 0 && rec.min_slack >= -rec.max_gap && rec.max_mass_error <= 1e-12 && rec.sum_w2_over_2tau <= rec.energy0 - rec.energy + rec.steps * rec.max_gap,
           "jsd flow by newton, 10 steps of tau 5e-3 on 24^2: smallest slack of F(P_k) + W2^2/(2 tau) <= F(P_{k-1}) is %.2e >= -max gap %.1e; mass error %.1e <= 1e-12; sum W2^2/(2 tau) %.6e <= F(P_0) - F(P_N) %.6e (+ gaps); %" PetscInt_FMT " newton iterations in all",
           (double)rec.min_slack, (double)rec.max_gap, (double)rec.max_mass_error, (double)rec.sum_w2_over_2tau, (double)(rec.energy0 - rec.energy), rec.iterations);
  PetscCall(W2JKODestroy(&jko));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&rho));
  PetscCall(W2DivergenceDestroy(&div));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

static PetscReal Rel(PetscReal a, PetscReal b) { return PetscAbsReal(a - b) / PetscMax(PetscAbsReal(b), PETSC_SMALL); }

/* the same W2 distance and JKO step on the grid distributed over PETSC_COMM_WORLD and on one process: every
   rank gathers the whole field and solves the same serial problem (jko.h), so they agree to round-off (the
   fields are filled and normalised per layout: 1e-10 relative) */
static PetscErrorCode Parallel(void)
{
  PetscInt      n[2] = {32, 32};
  PetscReal     L[2] = {1.0, 1.0}, cq[3] = {0.6, 0.3, 0.8}, cm[3] = {0.2, 0.7, -0.6}, field = 0, scalars = 0, mx = 0;
  W2Grid       *g[2];
  W2Divergence *div;
  Vec           q[2], mu[2], rho[2];
  W2JKO         jko[2];
  W2JKOInfo     wi[2], si[2];
  PetscReal    *full[2];
  PetscMPIInt   size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, "jsd", 2.0, &div));
  for (PetscInt k = 0; k < 2; k++) {
    PetscCall(W2GridCreateWithSizes(k ? PETSC_COMM_SELF : PETSC_COMM_WORLD, 2, n, L, 1, &g[k]));
    PetscCall(DMCreateGlobalVector(g[k]->da, &q[k]));
    PetscCall(VecDuplicate(q[k], &mu[k]));
    PetscCall(VecDuplicate(q[k], &rho[k]));
    PetscCall(W2TestFill(g[k], Smooth, cq, q[k]));
    PetscCall(W2TestFill(g[k], Smooth, cm, mu[k]));
    PetscCall(Create(g[k], div, q[k], "newton", 1e-10, &jko[k]));
    PetscCall(W2JKOSetTau(jko[k], 5e-3));
    PetscCall(W2JKODistance(jko[k], mu[k], q[k], &wi[k]));
    PetscCall(W2JKOStep(jko[k], mu[k], rho[k], &si[k]));
    PetscCall(PetscMalloc1(g[k]->N[0] * g[k]->N[1], &full[k]));
    PetscCall(W2JKOGather(jko[k], rho[k], full[k]));
  }
  for (PetscInt p = 0; p < n[0] * n[1]; p++) {
    field = PetscMax(field, PetscAbsReal(full[0][p] - full[1][p]));
    mx    = PetscMax(mx, PetscAbsReal(full[1][p]));
  }
  field /= mx;
  scalars = PetscMax(PetscMax(Rel(wi[0].w2sq, wi[1].w2sq), Rel(wi[0].dual, wi[1].dual)), PetscMax(Rel(si[0].energy, si[1].energy), PetscMax(Rel(si[0].dual, si[1].dual), Rel(si[0].residual, si[1].residual))));
  W2_CHECK(field <= 1e-10 && scalars <= 1e-10 && wi[0].iterations == wi[1].iterations && si[0].iterations == si[1].iterations,
           "newton on %d ranks vs 1, 2-D 32^2: jsd JKO step density max relative difference %.1e, W2^2 / dual / energy / residual %.1e (<= 1e-10); iterations %" PetscInt_FMT "/%" PetscInt_FMT " (W2) and %" PetscInt_FMT "/%" PetscInt_FMT " (step)", size, (double)field, (double)scalars,
           wi[0].iterations, wi[1].iterations, si[0].iterations, si[1].iterations);
  for (PetscInt k = 0; k < 2; k++) {
    PetscCall(PetscFree(full[k]));
    PetscCall(W2JKODestroy(&jko[k]));
    PetscCall(VecDestroy(&q[k]));
    PetscCall(VecDestroy(&mu[k]));
    PetscCall(VecDestroy(&rho[k]));
    PetscCall(W2GridDestroy(&g[k]));
  }
  PetscCall(W2DivergenceDestroy(&div));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(Translation(1, 128, 26, 0, 0.1, 1e-10));
  PetscCall(Translation(1, 128, -40, 0, 0.05, 1e-10));
  PetscCall(Translation(2, 32, 6, 3, 0.125, 1e-6));
  PetscCall(AgainstCircle());
  PetscCall(AgainstBFM(1, 64));
  PetscCall(AgainstBFM(2, 16));
  PetscCall(Flow());
  PetscCall(Parallel());
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
