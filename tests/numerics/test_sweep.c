/// @file The flux sweep of W2FlowEvaluate (row loops, branch-free minmod) against the textbook upwind/minmod formula
/// of THEORY.md section 3 evaluated cell by cell on the whole grid, orders 1 and 2, 1-D and 2-D, serial and 2 ranks;
/// and the analytic first-order Jacobian (plain and shifted, shift I - J) against central differences of the RHS.
#include <float.h>
#include "solver/flow.h"
#include "tests/w2check.h"
#include "tests/numerics/gridfill.h"

/* The plain minmod limiter, as written in Carrillo-Chertock-Huang 2015. */
static PetscReal MinModRef(PetscReal a, PetscReal b)
{
  if (a * b <= 0) return 0.0;
  return a > 0 ? PetscMin(a, b) : PetscMax(a, b);
}

/* rho with vacuum (rho = 0), a plateau (all slopes 0) and smooth extrema (slopes changing sign) */
static PetscReal Profile(PetscReal x, PetscReal y, PetscReal q)
{
  (void)q;
  return PetscMin(0.6, PetscMax(0.0, 0.3 + 0.5 * PetscSinReal(2 * PETSC_PI * x) * PetscCosReal(4 * PETSC_PI * y) + 0.1 * PetscCosReal(6 * PETSC_PI * x)));
}

/* v in natural order on every rank (the caller restores and destroys *all) */
static PetscErrorCode GatherNatural(const W2Grid *g, Vec v, Vec *all, const PetscScalar **a)
{
  Vec        nat;
  VecScatter sc;

  PetscFunctionBeginUser;
  PetscCall(DMDACreateNaturalVector(g->da, &nat));
  PetscCall(DMDAGlobalToNaturalBegin(g->da, v, INSERT_VALUES, nat));
  PetscCall(DMDAGlobalToNaturalEnd(g->da, v, INSERT_VALUES, nat));
  PetscCall(VecScatterCreateToAll(nat, &sc, all));
  PetscCall(VecScatterBegin(sc, nat, *all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, nat, *all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&nat));
  PetscCall(VecGetArrayRead(*all, a));
  PetscFunctionReturn(0);
}

/* The flux through the face between cells a and b = a + 1 along one axis (periodic index m -> cell),
   divided by h: u = -(phi_b - phi_a)/h, F = u+ rho_a^E + u- rho_b^W; u returned for the dissipation. */
static PetscReal FluxRef(const PetscScalar *r, const PetscScalar *p, PetscInt n, PetscInt stride, PetscInt base, PetscInt a, PetscReal h, PetscInt order, PetscReal *u)
{
#define CELL(m) (base + (((m) % n + n) % n) * stride)
  PetscReal east = r[CELL(a)], west = r[CELL(a + 1)];
  if (order == 2) {
    east += 0.5 * MinModRef(r[CELL(a + 1)] - r[CELL(a)], r[CELL(a)] - r[CELL(a - 1)]);
    west -= 0.5 * MinModRef(r[CELL(a + 2)] - r[CELL(a + 1)], r[CELL(a + 1)] - r[CELL(a)]);
  }
  *u = -(p[CELL(a + 1)] - p[CELL(a)]) / h;
  return *u > 0 ? *u * east : *u * west;
#undef CELL
}

static PetscErrorCode Compare(PetscInt dim, const PetscInt N[], PetscInt order)
{
  const PetscReal     L[2] = {1.0, 1.0};
  W2Grid             *g;
  W2Divergence       *d;
  W2Flow             *fl;
  W2FlowDiagnostics   diag;
  Vec                 rho, q, phi, G, ra, pa, ga;
  const PetscScalar  *r, *p, *gv;
  PetscBool           valid;
  PetscReal           err = 0, scale = 0, diss = 0;
  const PetscInt      nx = N[0], ny = dim > 1 ? N[1] : 1;

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, N, L, 2, &g));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, "chi2", 0.0, &d)); /* f'(0) finite: vacuum is allowed */
  PetscCall(DMCreateGlobalVector(g->da, &rho));
  PetscCall(VecDuplicate(rho, &q));
  PetscCall(VecDuplicate(rho, &phi));
  PetscCall(VecDuplicate(rho, &G));
  PetscCall(W2TestFill(g, Profile, rho, q));
  PetscCall(W2FlowCreate(g, d, q, order, &fl));
  PetscCall(W2FlowEvaluate(fl, rho, G, &diag, &valid));
  PetscCall(W2FlowPotential(fl, rho, phi));
  PetscCall(GatherNatural(g, rho, &ra, &r));
  PetscCall(GatherNatural(g, phi, &pa, &p));
  PetscCall(GatherNatural(g, G, &ga, &gv));
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      PetscReal u, fw, fe, fs = 0, fn = 0, ref, s;
      fw  = FluxRef(r, p, nx, 1, j * nx, i - 1, g->h[0], order, &u);
      fe  = FluxRef(r, p, nx, 1, j * nx, i, g->h[0], order, &u);
      diss += u * fe;
      ref = -(fe - fw) / g->h[0];
      s   = (PetscAbsReal(fe) + PetscAbsReal(fw)) / g->h[0];
      if (dim > 1) {
        fs  = FluxRef(r, p, ny, nx, i, j - 1, g->h[1], order, &u);
        fn  = FluxRef(r, p, ny, nx, i, j, g->h[1], order, &u);
        diss += u * fn;
        ref += -(fn - fs) / g->h[1];
        s += (PetscAbsReal(fn) + PetscAbsReal(fs)) / g->h[1];
      }
      err   = PetscMax(err, PetscAbsReal(gv[j * nx + i] - ref));
      scale = PetscMax(scale, s);
    }
  diss *= g->dV;
  /* the same face formulas and sums: the sweep multiplies by 1/h where the reference divides (exact for N a
     power of two, else 1 ulp per factor), and the branch-free minmod differs from the textbook one only where a
     product of two slopes underflows; so a few roundings of the flux terms per cell: 8 eps of their sum */
  W2_CHECK(valid && err <= 8 * DBL_EPSILON * scale, "%dD %d x %d order %d: max |G - G_ref| = %.2e = %.2f eps x (sum of |F|/h per cell, %.2e) (<= 8 eps: same formula, a few roundings)", (int)dim, (int)nx, (int)ny, (int)order, (double)err, (double)(err / (DBL_EPSILON * scale)), (double)scale);
  /* D_h = sum u F dV over east and north faces: the same terms summed in another order (over ranks) */
  W2_CHECK(PetscAbsReal(diag.dissipation - diss) <= 1e-12 * PetscAbsReal(diss), "%dD order %d: dissipation %.15e vs reference %.15e (relative 1e-12: a sum of %d positive terms in another order)", (int)dim, (int)order, (double)diag.dissipation, (double)diss, (int)(dim * nx * ny));
  PetscCall(VecRestoreArrayRead(ga, &gv));
  PetscCall(VecRestoreArrayRead(pa, &p));
  PetscCall(VecRestoreArrayRead(ra, &r));
  PetscCall(VecDestroy(&ga));
  PetscCall(VecDestroy(&pa));
  PetscCall(VecDestroy(&ra));
  PetscCall(W2FlowDestroy(&fl));
  PetscCall(VecDestroy(&G));
  PetscCall(VecDestroy(&phi));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&rho));
  PetscCall(W2DivergenceDestroy(&d));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

/* J v and (shift I - J) v from W2FlowJacobian / W2FlowShiftedJacobian against (G(rho + e v) - G(rho - e v)) / 2e */
static PetscErrorCode CheckJacobian(PetscInt dim, const PetscInt N[])
{
  const PetscReal L[2] = {1.0, 1.0}, e = 1e-6, shift = 7.0;
  W2Grid         *g;
  W2Divergence   *d;
  W2Flow         *fl;
  Mat             J;
  Vec             rho, q, v, x, Gp, Gm, fd, y;
  PetscRandom     rnd;
  PetscBool       valid;
  PetscReal       err[2], nrm[2];

  PetscFunctionBeginUser;
  PetscCall(W2GridCreateWithSizes(PETSC_COMM_WORLD, dim, N, L, 1, &g));
  PetscCall(W2DivergenceCreateByName(PETSC_COMM_WORLD, "jsd", 0.0, &d));
  PetscCall(DMCreateGlobalVector(g->da, &rho));
  PetscCall(VecDuplicate(rho, &q));
  PetscCall(VecDuplicate(rho, &v));
  PetscCall(VecDuplicate(rho, &x));
  PetscCall(VecDuplicate(rho, &Gp));
  PetscCall(VecDuplicate(rho, &Gm));
  PetscCall(VecDuplicate(rho, &fd));
  PetscCall(VecDuplicate(rho, &y));
  PetscCall(W2TestFill(g, Profile, rho, q));
  PetscCall(W2FlowCreate(g, d, q, 1, &fl));
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  PetscCall(PetscRandomSetSeed(rnd, 2718));
  PetscCall(PetscRandomSeed(rnd));
  /* rho positive everywhere (no cut at rho = 0) and without the symmetries of Fill: where a symmetry makes
     phi equal in two neighbours, u = 0 on their face and the upwind flux has a kink there */
  PetscCall(VecSetRandom(v, rnd));
  PetscCall(VecAXPY(rho, 0.05, v));
  PetscCall(VecShift(rho, 0.2));
  PetscCall(VecSetRandom(v, rnd));
  PetscCall(VecWAXPY(x, e, v, rho));
  PetscCall(W2FlowEvaluate(fl, x, Gp, NULL, &valid));
  PetscCall(VecWAXPY(x, -e, v, rho));
  PetscCall(W2FlowEvaluate(fl, x, Gm, NULL, &valid));
  PetscCall(VecWAXPY(fd, -1.0, Gm, Gp));
  PetscCall(VecScale(fd, 0.5 / e));
  PetscCall(DMCreateMatrix(g->da, &J));
  PetscCall(W2FlowJacobian(fl, rho, J));
  PetscCall(MatMult(J, v, y));
  PetscCall(VecNorm(y, NORM_INFINITY, &nrm[0]));
  PetscCall(VecAXPY(y, -1.0, fd));
  PetscCall(VecNorm(y, NORM_INFINITY, &err[0]));
  PetscCall(W2FlowShiftedJacobian(fl, rho, shift, PETSC_TRUE, J));
  PetscCall(MatMult(J, v, y));
  PetscCall(VecAXPY(y, -shift, v));
  PetscCall(VecAXPY(y, 1.0, fd)); /* (shift I - J) v - shift v + J v */
  PetscCall(VecNorm(y, NORM_INFINITY, &err[1]));
  /* central differences: truncation O(e^2) and round-off eps |G| / e, about 1e-10 of |J v| here (1e-8: a margin of 100) */
  W2_CHECK(err[0] <= 1e-8 * nrm[0], "%dD %d cells: |J v - central difference| = %.2e of |J v| = %.2e (<= 1e-8: O(e^2) + eps |G|/e)", (int)dim, (int)(N[0] * (dim > 1 ? N[1] : 1)), (double)(err[0] / nrm[0]), (double)nrm[0]);
  W2_CHECK(err[1] <= 1e-8 * nrm[0], "%dD: |(shift I - J) v - (shift v - central difference)| = %.2e of |J v| (<= 1e-8, as above)", (int)dim, (double)(err[1] / nrm[0]));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(MatDestroy(&J));
  PetscCall(W2FlowDestroy(&fl));
  PetscCall(VecDestroy(&y));
  PetscCall(VecDestroy(&fd));
  PetscCall(VecDestroy(&Gm));
  PetscCall(VecDestroy(&Gp));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&rho));
  PetscCall(W2DivergenceDestroy(&d));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  /* 32 x 24: powers of two in x; 40 x 20 and 1-D 50: 1/h inexact; on 2 ranks the rows (2-D) or cells (1-D) split */
  const PetscInt sizes[3][2] = {{32, 24}, {40, 20}, {50, 1}};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (PetscInt order = 1; order <= 2; order++)
    for (int c = 0; c < 3; c++) PetscCall(Compare(sizes[c][1] > 1 ? 2 : 1, sizes[c], order));
  for (int c = 1; c < 3; c++) PetscCall(CheckJacobian(sizes[c][1] > 1 ? 2 : 1, sizes[c]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
