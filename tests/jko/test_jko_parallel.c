/// @file Under mpiexec -n 2: JKO steps and W2 distances on the distributed grid agree with the same solve on one process to 1e-10 relative.
#include "tests/jko/jkotest.h"

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

static PetscErrorCode Case(PetscInt dim, PetscInt N, const char type[], const char method[], PetscBool distance)
{
  PetscInt      n[2] = {N, N};
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
  W2_CHECK(field <= 1e-10 && scalars <= 1e-10 && ip.iterations == is.iterations, "%d ranks vs 1, %" PetscInt_FMT "-D %s %s %s: max relative difference of the density %.1e, of W2^2 / energy / dual / residual %.1e (<= 1e-10); iterations %" PetscInt_FMT " and %" PetscInt_FMT " (the whole field is gathered and every rank solves the same serial problem)",
           size, dim, method, distance ? "W2 distance" : "JKO step", distance ? "" : type, (double)field, (double)scalars, ip.iterations, is.iterations);
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

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(Case(1, 128, "kl", "bfm", PETSC_FALSE));
  PetscCall(Case(2, 32, "jsd", "bfm", PETSC_FALSE));
  PetscCall(Case(1, 64, "kl", "entropic", PETSC_FALSE));
  PetscCall(Case(2, 32, "kl", "bfm", PETSC_TRUE));
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
