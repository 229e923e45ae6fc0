/// @file The array member dfv of every divergence against its scalar df (edge values, a sweep, in place), and the
/// flow's potential through dfv: f'(rho/q) per cell, NaN and non-positive densities still flagged invalid.
#include <float.h>
#include "solver/flow.h"
#include "tests/w2check.h"
#include "tests/numerics/gridfill.h"

typedef struct {
  const char *type;
  PetscReal   alpha;
} Case;

/* Size of the terms the last operation of f' cancels, so that the allowed error is relative to what the
   transcendental (log, pow) actually returns: kl log t + 1, jsd 0.5 log(2t/(1+t)), alpha (t^b - 1)/b. */
static PetscReal Scale(const W2Divergence *d, PetscReal t, PetscReal ref)
{
  if (!strcmp(d->type, "kl")) return PetscAbsReal(PetscLogReal(t)) + 1.0;
  if (!strcmp(d->type, "alpha")) return (PetscPowReal(t, d->alpha - 1.0) + 1.0) / PetscAbsReal(d->alpha - 1.0);
  return PetscAbsReal(ref);
}

/* Error of v against the scalar ref in units of DBL_EPSILON * scale; 0 when both are the same non-finite
   value (inf, -inf, or NaN of either sign), PETSC_MAX_REAL when one is non-finite and the other differs. */
static PetscReal Error(const W2Divergence *d, PetscReal t, PetscReal v, PetscReal ref)
{
  if (PetscIsNanReal(ref) || PetscIsNanReal(v)) return PetscIsNanReal(ref) && PetscIsNanReal(v) ? 0.0 : PETSC_MAX_REAL;
  if (PetscIsInfReal(ref) || PetscIsInfReal(v)) return v == ref ? 0.0 : PETSC_MAX_REAL;
  if (v == ref) return 0.0;
  return PetscAbsReal(v - ref) / (DBL_EPSILON * PetscMax(Scale(d, t, ref), DBL_MIN));
}

/* rho = q exp(1.6 cos(2 pi (x + 2y))): smooth and positive, rho/q covering (0.2, 5) */
static PetscReal Profile(PetscReal x, PetscReal y, PetscReal q) { return q * PetscExpReal(1.6 * PetscCosReal(2 * PETSC_PI * (x + 2 * y))); }

/* Sets the owned global cell (i, j) of v to value on the rank that owns it. */
static PetscErrorCode SetCell(const W2Grid *g, Vec v, PetscInt i, PetscInt j, PetscReal value)
{
  W2Box        b;
  PetscScalar *a;

  PetscFunctionBeginUser;
  PetscCall(W2GridOwnedBox(g, &b));
  PetscCall(VecGetArray(v, &a));
  if (i >= b.xs && i < b.xs + b.xm && j >= b.ys && j < b.ys + b.ym) a[(j - b.ys) * b.xm + (i - b.xs)] = value;
  PetscCall(VecRestoreArray(v, &a));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const Case cases[] = {{"kl", 0}, {"reverse_kl", 0}, {"chi2", 0}, {"hellinger", 0}, {"jsd", 0}, {"alpha", 2.0}, {"alpha", 0.5}, {"alpha", -1.0}, {"alpha", 3.5}};
  /* edges: zeros of both signs, subnormals, the normal range's ends, 1/e (kl's f' = 0), 1 and its neighbours,
     infinities, negative values (domain errors; below -1 jsd's log argument turns positive), NaN */
  const PetscReal edges[] = {0.0, -0.0, 4.9406564584124654e-324, 1e-310, DBL_MIN, 1e-300, 1e-12, 0.36787944117144233, 1.0 - DBL_EPSILON / 2, 1.0, 1.0 + DBL_EPSILON, 1.0 + 1e-9, 0.5, 2.0, 1e12, 1e300, DBL_MAX, (PetscReal)INFINITY, -1e-300, -0.5, -1.0, -2.0, -1e300, -(PetscReal)INFINITY, (PetscReal)NAN};
  const PetscInt  ne = (PetscInt)(sizeof(edges) / sizeof(edges[0])), nsweep = 20003; /* odd: the vector loops' remainders */
  PetscReal      *t, *v, *w;
  const PetscInt  n = ne + nsweep;
  /* libmvec's log and pow are documented within 4 ulp (glibc manual, "Known Maximum Errors"); measured here
     at most 2 ulp of log/pow against glibc's scalar ones. The other types use only +, -, *, / and sqrt
     (correctly rounded), so their dfv is exactly df. */
  const PetscReal tol = 4.0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscMalloc3(n, &t, n, &v, n, &w));
  for (PetscInt k = 0; k < ne; k++) t[k] = edges[k];
  for (PetscInt k = 0; k < nsweep; k++) {
    /* t from 1e-15 to 1e15 log-spaced, every third point pulled to within 1e-6 of 1 (log near 0) */
    const PetscReal e = -15.0 + 30.0 * (PetscReal)k / (PetscReal)(nsweep - 1), s = PetscPowReal(10.0, e);
    t[ne + k] = k % 3 ? s : 1.0 + 1e-6 * PetscSinReal(s);
  }
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    W2Divergence *d;
    PetscReal     err = 0, terr = 0;
    PetscInt      exact = 0, nan_ok = 1, inplace_same = 1;
    const PetscBool transcendental = (PetscBool)(!strcmp(cases[c].type, "kl") || !strcmp(cases[c].type, "jsd") || !strcmp(cases[c].type, "alpha"));
    char          name[64];

    PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, cases[c].type, cases[c].alpha, &d));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s", d->type));
    if (cases[c].alpha) PetscCall(PetscSNPrintf(name, sizeof(name), "alpha a=%g", (double)cases[c].alpha));
    d->dfv(d, n, t, v);
    for (PetscInt k = 0; k < n; k++) {
      const PetscReal ref = d->df(d, t[k]), e = Error(d, t[k], v[k], ref);
      if (e > err) {
        err  = e;
        terr = t[k];
      }
      exact += v[k] == ref || (PetscIsNanReal(v[k]) && PetscIsNanReal(ref));
      /* the solver's check counts NaN potentials: NaN and t < 0 (df's domain) must give NaN */
      if ((PetscIsNanReal(t[k]) || t[k] < 0) && !PetscIsNanReal(v[k])) nan_ok = 0;
      w[k] = t[k];
    }
    d->dfv(d, n, w, w); /* in place, as PrepareLocal calls it */
    for (PetscInt k = 0; k < n; k++) inplace_same &= (PetscInt)(w[k] == v[k] || (PetscIsNanReal(w[k]) && PetscIsNanReal(v[k])));
    if (transcendental)
      W2_CHECK(err <= tol, "%-12s dfv against df over %d values: max error %.2f eps x scale at t = %.17g (<= %g: libmvec's documented bound); %d of %d identical", name, (int)n, (double)err, (double)terr, (double)tol, (int)exact, (int)n);
    else W2_CHECK(exact == n, "%-12s dfv equals df exactly at %d of %d values (only correctly rounded operations)", name, (int)exact, (int)n);
    W2_CHECK(nan_ok, "%-12s dfv is NaN for NaN and negative t (what the solver's NaN count relies on)", name);
    W2_CHECK(inplace_same, "%-12s dfv in place (out = t) gives the same values", name);
    PetscCall(W2DivergenceDestroy(&d));
  }
  PetscCall(PetscFree3(t, v, w));

  /* The flow's potential through dfv, serial or with ghost strips between ranks: phi = f'(rho (1/q)) per cell
     to the same tolerance (the flow multiplies by 1/q, so the reference does too). A 33 x 20 grid: rows of odd
     length. Then the checks: NaN is invalid for every type; rho = 0 for types with f'(0) infinite. */
  {
    const PetscInt  N[2] = {33, 20};
    const PetscReal L[2] = {1.0, 1.0};
    W2Grid         *g;
    const char     *types[] = {"jsd", "kl", "chi2", "alpha"};

    PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, 2, N, L, 2, &g));
    for (size_t c = 0; c < sizeof(types) / sizeof(types[0]); c++) {
      W2Divergence      *d;
      W2Flow            *fl;
      Vec                rho, q, phi, G;
      const PetscScalar *r, *s, *p;
      PetscInt           m;
      PetscReal          err = 0;
      PetscBool          valid;

      PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, types[c], 0.5, &d));
      PetscCall(DMCreateGlobalVector(g->da, &rho));
      PetscCall(VecDuplicate(rho, &q));
      PetscCall(VecDuplicate(rho, &phi));
      PetscCall(VecDuplicate(rho, &G));
      PetscCall(W2TestFill(g, Profile, rho, q));
      PetscCall(W2FlowCreate(g, d, q, 2, &fl));
      PetscCall(W2FlowPotential(fl, rho, phi));
      PetscCall(VecGetLocalSize(rho, &m));
      PetscCall(VecGetArrayRead(rho, &r));
      PetscCall(VecGetArrayRead(q, &s));
      PetscCall(VecGetArrayRead(phi, &p));
      for (PetscInt k = 0; k < m; k++) {
        const PetscReal tk = r[k] * (1.0 / s[k]);
        err = PetscMax(err, Error(d, tk, p[k], d->df(d, tk)));
      }
      PetscCall(VecRestoreArrayRead(phi, &p));
      PetscCall(VecRestoreArrayRead(q, &s));
      PetscCall(VecRestoreArrayRead(rho, &r));
      PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &err, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
      W2_CHECK(err <= tol, "%-10s flow potential = f'(rho/q) per cell: max error %.2f eps x scale (<= %g, as above)", types[c], (double)err, (double)tol);
      PetscCall(W2FlowEvaluate(fl, rho, G, NULL, &valid));
      W2_CHECK(valid, "%-10s a positive density is valid", types[c]);

      /* cell (32, 19) is owned by the last rank, (0, 0) by the first: both the owner's and a ghost's check */
      PetscCall(SetCell(g, rho, 32, 19, (PetscReal)NAN));
      PetscCall(W2FlowEvaluate(fl, rho, G, NULL, &valid));
      W2_CHECK(!valid, "%-10s a NaN density makes the RHS invalid", types[c]);
      PetscCall(W2TestFill(g, Profile, rho, q));
      PetscCall(SetCell(g, rho, 0, 0, 0.0));
      PetscCall(W2FlowEvaluate(fl, rho, G, NULL, &valid));
      if (d->needs_positive) W2_CHECK(!valid, "%-10s rho = 0 is invalid (f'(0) is infinite)", types[c]);
      else W2_CHECK(valid, "%-10s rho = 0 is valid (f'(0) is finite)", types[c]);
      PetscCall(SetCell(g, rho, 0, 0, -1e-3));
      PetscCall(W2FlowPotential(fl, rho, phi));
      PetscCall(W2FlowEvaluate(fl, rho, G, NULL, &valid));
      if (d->needs_positive) W2_CHECK(!valid, "%-10s rho < 0 is invalid", types[c]);
      else {
        PetscReal p0 = 0;
        W2_CHECK(valid, "%-10s rho < 0 is cut to 0 (f'(0) is finite): valid", types[c]);
        W2Box     b;
        PetscCall(W2GridOwnedBox(g, &b));
        PetscCall(VecGetArrayRead(phi, &p));
        if (b.xs == 0 && b.ys == 0) p0 = PetscAbsReal(p[0] - d->df(d, 0.0));
        PetscCall(VecRestoreArrayRead(phi, &p));
        PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &p0, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
        W2_CHECK(p0 == 0, "%-10s the potential of a cut cell is f'(0) exactly (difference %g)", types[c], (double)p0);
      }
      PetscCall(W2FlowDestroy(&fl));
      PetscCall(VecDestroy(&G));
      PetscCall(VecDestroy(&phi));
      PetscCall(VecDestroy(&q));
      PetscCall(VecDestroy(&rho));
      PetscCall(W2DivergenceDestroy(&d));
    }
    PetscCall(W2GridDestroy(&g));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
