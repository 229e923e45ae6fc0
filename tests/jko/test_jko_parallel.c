/// @file Under mpiexec -n 2, 3 and 4: JKO steps, W2 distances and the entropic Gibbs kernel on the distributed grid agree with the same solve on one process to 1e-10 relative.
#include "tests/jko/jkotest.h"
#include "jko/jkoimpl.h"

static PetscReal Wave(PetscReal x, PetscReal y, void *ctx)
{
  (void)ctx;
  return 1.0 + 0.6 * PetscCosReal(2 * PETSC_PI * (x - 0.2)) * (y != 0 ? PetscCosReal(2 * PETSC_PI * (y - 0.7)) : 1.0);
}
static PetscReal Target(PetscReal x, PetscReal y, void *ctx)
{
  (void)ctx;
  return PetscExpReal(0.8 * (PetscCosReal(2 * PETSC_PI * (x - 0.6)) + (y != 0 ? PetscSinReal(2 * PETSC_PI * y) : 0.0)));
}

/* the whole field of a distributed Vec, natural order, into a Vec of the one-process grid */
static PetscErrorCode ToSelf(const W2Grid *g, Vec v, const W2Grid *gs, Vec *s)
{
  Vec                nat, all;
  VecScatter         sc;
  const PetscScalar *a;
  PetscScalar       *b;
  PetscInt           n;

  PetscFunctionBeginUser;
  PetscCall(DMDACreateNaturalVector(g->da, &nat));
  PetscCall(DMDAGlobalToNaturalBegin(g->da, v, INSERT_VALUES, nat));
  PetscCall(DMDAGlobalToNaturalEnd(g->da, v, INSERT_VALUES, nat));
  PetscCall(VecScatterCreateToAll(nat, &sc, &all));
  PetscCall(VecScatterBegin(sc, nat, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, nat, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(DMCreateGlobalVector(gs->da, s));
  PetscCall(VecGetLocalSize(*s, &n));
  PetscCall(VecGetArrayRead(all, &a));
  PetscCall(VecGetArray(*s, &b));
  for (PetscInt k = 0; k < n; k++) b[k] = a[k];
  PetscCall(VecRestoreArray(*s, &b));
  PetscCall(VecRestoreArrayRead(all, &a));
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&all));
  PetscCall(VecDestroy(&nat));
  PetscFunctionReturn(0);
}

static PetscReal Rel(PetscReal a, PetscReal b) { return PetscAbsReal(a - b) / PetscMax(PetscAbsReal(b), PETSC_SMALL); }

/* grid N0 x N1 (1-D: N0): the solve on the distributed grid against the same solve on this process alone */
static PetscErrorCode Case(PetscInt dim, PetscInt N0, PetscInt N1, const char type[], const char method[], PetscBool distance)
{
  PetscInt      n[2] = {N0, N1};
  PetscReal     L[2] = {1.0, 1.0}, field = 0, scalars = 0;
  W2Grid       *g, *gs;
  W2Divergence *div;
  Vec           q, mu, rho, qs, mus, rhos, back;
  W2JKO         jp, js;
  W2JKOInfo     ip, is;
  PetscMPIInt   size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, n, L, 1, &g));
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_SELF, dim, n, L, 1, &gs));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, type, 2.0, &div));
  PetscCall(DMCreateGlobalVector(g->da, &q));
  PetscCall(VecDuplicate(q, &mu));
  PetscCall(VecDuplicate(q, &rho));
  PetscCall(W2TestFill(g, Target, NULL, q));
  PetscCall(W2TestFill(g, Wave, NULL, mu));
  /* the same bits on one process */
  PetscCall(ToSelf(g, q, gs, &qs));
  PetscCall(ToSelf(g, mu, gs, &mus));
  PetscCall(VecDuplicate(mus, &rhos));
  PetscCall(W2JKOCreate(g, div, q, &jp));
  PetscCall(W2JKOCreate(gs, div, qs, &js));
  PetscCall(W2JKOSetType(jp, method));
  PetscCall(W2JKOSetType(js, method));
  PetscCall(W2JKOSetTau(jp, 5e-3));
  PetscCall(W2JKOSetTau(js, 5e-3));
  PetscCall(W2JKOSetTolerances(jp, 1e-10, 1e-15, 5000));
  PetscCall(W2JKOSetTolerances(js, 1e-10, 1e-15, 5000));
  if (distance) {
    PetscCall(W2JKODistance(jp, mu, q, &ip));
    PetscCall(W2JKODistance(js, mus, qs, &is));
  } else {
    PetscCall(W2JKOStep(jp, mu, rho, &ip));
    PetscCall(W2JKOStep(js, mus, rhos, &is));
    PetscCall(ToSelf(g, rho, gs, &back));
    PetscCall(VecAXPY(back, -1.0, rhos));
    PetscCall(VecNorm(back, NORM_INFINITY, &field));
    {
      PetscReal mx;
      PetscCall(VecNorm(rhos, NORM_INFINITY, &mx));
      field /= mx;
    }
    PetscCall(VecDestroy(&back));
  }
  scalars = PetscMax(PetscMax(Rel(ip.w2sq, is.w2sq), Rel(ip.energy, is.energy)), PetscMax(Rel(ip.dual, is.dual), Rel(ip.residual, is.residual)));
  /* 1e-10: bfm solves the whole problem on every rank (the same bits); entropic splits the lines and points and
     sums in the serial order, so only FFTW's plan for a block of lines against all of them rounds differently
     (~1e-16 per application, kept values within delta = rtol/10 of their size either way) */
  W2_CHECK(field <= 1e-10 && scalars <= 1e-10 && ip.iterations == is.iterations, "%d ranks vs 1, %" PetscInt_FMT "-D %" PetscInt_FMT " x %" PetscInt_FMT " %s %s %s: max relative difference of the density %.1e, of W2^2 / energy / dual / residual %.1e (<= 1e-10); iterations %" PetscInt_FMT " and %" PetscInt_FMT,
           size, dim, N0, dim == 2 ? N1 : 1, method, distance ? "W2 distance" : "JKO step", distance ? "" : type, (double)field, (double)scalars, ip.iterations, is.iterations);
  PetscCall(W2JKODestroy(&jp));
  PetscCall(W2JKODestroy(&js));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&mu));
  PetscCall(VecDestroy(&rho));
  PetscCall(VecDestroy(&qs));
  PetscCall(VecDestroy(&mus));
  PetscCall(VecDestroy(&rhos));
  PetscCall(W2DivergenceDestroy(&div));
  PetscCall(W2GridDestroy(&g));
  PetscCall(W2GridDestroy(&gs));
  PetscFunctionReturn(0);
}

/* the log-scaling -(d_T(x, c)/w)^2, w = 0.02 (a range of 625 nats in 1-D, 1250 in 2-D: with eps = 2 h^2 the FFT's
   values far from c lose their digits, so auto mixes FFT values with log-domain sums) */
static PetscErrorCode GibbsInput(const W2Grid *g, PetscReal in[])
{
  for (PetscInt j = 0; j < (g->dim == 2 ? g->N[1] : 1); j++)
    for (PetscInt i = 0; i < g->N[0]; i++) {
      const PetscReal dx = W2PeriodicDelta(W2GridX(g, i), 0.3, g->L[0]), dy = g->dim == 2 ? W2PeriodicDelta(W2GridY(g, j), 0.6, g->L[1]) : 0.0;
      in[j * g->N[0] + i] = -(dx * dx + dy * dy) / 4e-4;
    }
  return 0;
}

/* the entropic JKO objects of the distributed grid N0 x N1 and of the same grid on this process alone */
static PetscErrorCode GibbsPair(PetscInt dim, PetscInt N0, PetscInt N1, const char mode[], W2Grid **g, W2Grid **gs, W2JKO *jp, W2JKO *js)
{
  PetscInt  n[2] = {N0, N1};
  PetscReal L[2] = {1.0, 1.0};

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, n, L, 1, g));
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_SELF, dim, n, L, 1, gs));
  PetscCall(W2JKOCreate(*g, NULL, NULL, jp));
  PetscCall(W2JKOCreate(*gs, NULL, NULL, js));
  PetscCall(PetscOptionsSetValue(NULL, "-jko_entropic_kernel", mode));
  PetscCall(W2JKOSetType(*jp, "entropic"));
  PetscCall(W2JKOSetType(*js, "entropic"));
  PetscCall(W2JKOSetFromOptions(*jp));
  PetscCall(W2JKOSetFromOptions(*js));
  PetscCall(PetscOptionsClearValue(NULL, "-jko_entropic_kernel"));
  PetscFunctionReturn(0);
}

static PetscErrorCode GibbsPairDestroy(W2Grid **g, W2Grid **gs, W2JKO *jp, W2JKO *js)
{
  PetscFunctionBeginUser;
  PetscCall(W2JKODestroy(jp));
  PetscCall(W2JKODestroy(js));
  PetscCall(W2GridDestroy(g));
  PetscCall(W2GridDestroy(gs));
  PetscFunctionReturn(0);
}

/* one kernel application, split over the ranks against one rank */
static PetscErrorCode GibbsCase(PetscInt dim, PetscInt N0, PetscInt N1, const char mode[])
{
  W2Grid     *g, *gs;
  W2JKO       jp, js;
  PetscReal  *in, *outp, *outs, diff = 0, worstp, worsts, eps;
  PetscInt64  nlogp, nlogs;
  PetscInt    n;
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(GibbsPair(dim, N0, N1, mode, &g, &gs, &jp, &js));
  n   = g->N[0] * (dim == 2 ? g->N[1] : 1);
  eps = 2.0 * g->h[0] * g->h[0];
  PetscCall(PetscMalloc3(n, &in, n, &outp, n, &outs));
  PetscCall(GibbsInput(g, in));
  PetscCall(W2JKOEntropicGibbs(jp, eps, 1e-12, in, outp, &nlogp, &worstp));
  PetscCall(W2JKOEntropicGibbs(js, eps, 1e-12, in, outs, &nlogs, &worsts));
  for (PetscInt p = 0; p < n; p++) diff = PetscMax(diff, PetscAbsReal(outp[p] - outs[p]));
  /* out = log of the kernel values: a difference of logs is their relative difference. Each kept value is within
     delta = 1e-12 of the exact one, relative, per axis (log-domain sums: the same operations, the same bits), so
     1 and K ranks differ by at most 2 dim delta <= 1e-10 */
  W2_CHECK(diff <= 1e-10 && (strcmp(mode, "log") || (nlogp == nlogs && nlogp == dim * n)) && (strcmp(mode, "auto") || (nlogs > 0 && nlogs < dim * n)),
           "%d ranks vs 1, %" PetscInt_FMT "-D Gibbs kernel -jko_entropic_kernel %s on %" PetscInt_FMT " points: max |log difference| %.1e (<= 1e-10); log-domain points %" PetscInt64_FMT " and %" PetscInt64_FMT " (log: all %" PetscInt_FMT "; auto: some, not all)", size, dim, mode, n,
           (double)diff, nlogp, nlogs, dim * n);
  PetscCall(PetscFree3(in, outp, outs));
  PetscCall(GibbsPairDestroy(&g, &gs, &jp, &js));
  PetscFunctionReturn(0);
}

/* -jko_entropic_kernel fft on the same input with eps = h^2/20 (the kernel exp(-20 k^2) at k cells: below the
   FFT's round-off from 2 cells on) loses every digit far from the centre: every rank must stop with the error
   (a rank that went on would wait forever in the next exchange), as one rank does */
static PetscErrorCode GibbsRefused(PetscInt dim, PetscInt N0, PetscInt N1)
{
  W2Grid        *g, *gs;
  W2JKO          jp, js;
  PetscReal     *in, *out, eps;
  PetscInt       n;
  PetscErrorCode ep, es;
  PetscMPIInt    size, all[2], mine[2];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(GibbsPair(dim, N0, N1, "fft", &g, &gs, &jp, &js));
  n   = g->N[0] * (dim == 2 ? g->N[1] : 1);
  eps = 0.05 * g->h[0] * g->h[0];
  PetscCall(PetscMalloc2(n, &in, n, &out));
  PetscCall(GibbsInput(g, in));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  es = W2JKOEntropicGibbs(js, eps, 1e-12, in, out, NULL, NULL);
  ep = W2JKOEntropicGibbs(jp, eps, 1e-12, in, out, NULL, NULL);
  PetscCall(PetscPopErrorHandler());
  mine[0] = mine[1] = (ep == PETSC_ERR_NOT_CONVERGED);
  PetscCallMPI(MPI_Allreduce(&mine[0], &all[0], 1, MPI_INT, MPI_MIN, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(&mine[1], &all[1], 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD));
  W2_CHECK(es == PETSC_ERR_NOT_CONVERGED && all[0] == 1, "%" PetscInt_FMT "-D forced fft, eps = h^2/20: one rank refuses (error %d); on %d ranks %s", dim, (int)es, size,
           all[0] ? "every rank refuses" : (all[1] ? "only some ranks refuse" : "no rank refuses"));
  PetscCall(PetscFree2(in, out));
  PetscCall(GibbsPairDestroy(&g, &gs, &jp, &js));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscBool empty = PETSC_FALSE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-parallel_empty_rank_only", &empty, NULL));
  if (empty) {
    /* 3 rows on 4 ranks: the fourth transforms no row (and 2 of the 9 columns), and no rank may wait forever */
    PetscCall(Case(2, 9, 3, "kl", "entropic", PETSC_FALSE));
    PetscCall(Case(2, 9, 3, "kl", "entropic", PETSC_TRUE));
    PetscCall(GibbsCase(2, 9, 3, "log"));
    PetscCall(GibbsCase(2, 9, 3, "auto"));
    PetscCall(GibbsRefused(2, 9, 3));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
    PetscCall(PetscFinalize());
    return w2_failures ? 1 : 0;
  }
  PetscCall(Case(1, 128, 128, "kl", "bfm", PETSC_FALSE));
  PetscCall(Case(2, 32, 32, "jsd", "bfm", PETSC_FALSE));
  PetscCall(Case(1, 64, 64, "kl", "entropic", PETSC_FALSE));
  PetscCall(Case(2, 32, 32, "kl", "bfm", PETSC_TRUE));
  /* entropic, the work split by lines and points: sizes prime to 2 and 3 (unequal blocks), both axes, steps and distances */
  PetscCall(Case(1, 47, 1, "kl", "entropic", PETSC_TRUE));
  PetscCall(Case(2, 23, 17, "jsd", "entropic", PETSC_FALSE));
  PetscCall(Case(2, 19, 13, "kl", "entropic", PETSC_TRUE));
  for (PetscInt dim = 1; dim <= 2; dim++) {
    PetscCall(GibbsCase(dim, 29, 19, "log"));
    PetscCall(GibbsCase(dim, 29, 19, "auto"));
    PetscCall(GibbsRefused(dim, 29, 19));
  }
  {
    /* the exact circle method on the distributed grid */
    PetscInt  n[2] = {96, 1};
    PetscReal L[2] = {1.0, 1.0}, wp, ws;
    W2Grid   *g, *gs;
    Vec       a, b, as, bs;
    PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, 1, n, L, 1, &g));
    PetscCall(W2GridCreateWithSizes(PETSC_COMM_SELF, 1, n, L, 1, &gs));
    PetscCall(DMCreateGlobalVector(g->da, &a));
    PetscCall(VecDuplicate(a, &b));
    PetscCall(W2TestFill(g, Wave, NULL, a));
    PetscCall(W2TestFill(g, Target, NULL, b));
    PetscCall(ToSelf(g, a, gs, &as));
    PetscCall(ToSelf(g, b, gs, &bs));
    PetscCall(W2CircleW2Vec(g, a, b, &wp));
    PetscCall(W2CircleW2Vec(gs, as, bs, &ws));
    W2_CHECK(Rel(wp, ws) <= 1e-10, "circle W2^2 on the distributed grid %.15e vs one process %.15e (relative %.1e <= 1e-10)", (double)wp, (double)ws, (double)Rel(wp, ws));
    PetscCall(VecDestroy(&a));
    PetscCall(VecDestroy(&b));
    PetscCall(VecDestroy(&as));
    PetscCall(VecDestroy(&bs));
    PetscCall(W2GridDestroy(&g));
    PetscCall(W2GridDestroy(&gs));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
