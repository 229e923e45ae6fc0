/// @file Upwind finite volumes for d_t rho = div(rho grad phi): exact mass, E_h' = -D_h <= 0 (THEORY.md 3).
#include "solver/flow.h"

PetscErrorCode W2FlowCreate(W2Grid *grid, W2Divergence *div, Vec q, PetscInt order, W2Flow **flow)
{
  W2Flow *fl;

  PetscFunctionBeginUser;
  PetscCheck(order == 1 || order == 2, grid->comm, PETSC_ERR_USER_INPUT, "-flow_order must be 1 or 2, got %" PetscInt_FMT, order);
  PetscCheck(grid->stencil >= order, grid->comm, PETSC_ERR_ARG_INCOMP, "order %" PetscInt_FMT " needs a grid with ghost width %" PetscInt_FMT, order, order);
  PetscCall(PetscNew(&fl));
  fl->grid           = grid;
  fl->div            = div;
  fl->order          = order;
  fl->cfl            = 0.5;
  fl->ssp_coefficient = 1.0;
  fl->step_scale      = 1.0;
  fl->dt_max         = PETSC_MAX_REAL;
  fl->positivity_tol = 1e-12;
  PetscCall(PetscObjectReference((PetscObject)q));
  fl->q = q;
  PetscCall(DMCreateLocalVector(grid->da, &fl->qloc));
  PetscCall(DMGlobalToLocal(grid->da, q, INSERT_VALUES, fl->qloc));
  PetscCall(VecDuplicate(fl->qloc, &fl->rholoc));
  PetscCall(VecDuplicate(fl->qloc, &fl->philoc));
  *flow = fl;
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowDestroy(W2Flow **flow)
{
  PetscFunctionBeginUser;
  if (!*flow) PetscFunctionReturn(0);
  PetscCall(VecDestroy(&(*flow)->saved));
  PetscCall(VecDestroy(&(*flow)->q));
  PetscCall(VecDestroy(&(*flow)->qloc));
  PetscCall(VecDestroy(&(*flow)->rholoc));
  PetscCall(VecDestroy(&(*flow)->philoc));
  PetscCall(PetscFree(*flow));
  PetscFunctionReturn(0);
}

/* Layout of the ghosted local arrays: cell (i,j) at (j-gys)*gxm + (i-gxs). */
typedef struct {
  PetscInt gxs, gys, gxm, gym;
  W2Box    own;
  PetscInt stride[2];
} Layout;

static PetscErrorCode GetLayout(const W2Grid *g, Layout *l)
{
  PetscInt zs, zm;

  PetscFunctionBeginUser;
  PetscCall(DMDAGetGhostCorners(g->da, &l->gxs, &l->gys, &zs, &l->gxm, &l->gym, &zm));
  if (g->dim == 1) {
    l->gys = 0;
    l->gym = 1;
  }
  PetscCall(W2GridOwnedBox(g, &l->own));
  l->stride[0] = 1;
  l->stride[1] = l->gxm;
  PetscFunctionReturn(0);
}

static inline PetscInt Local(const Layout *l, PetscInt i, PetscInt j) { return (j - l->gys) * l->gxm + (i - l->gxs); }

static inline PetscReal MinMod(PetscReal a, PetscReal b)
{
  if (a * b <= 0) return 0.0;
  return a > 0 ? PetscMin(a, b) : PetscMax(a, b);
}

/* Flux through the face between cell c and c+s: u = -(phi_{c+s} - phi_c)/h, F = u+ rho_c^E + u- rho_{c+s}^W. */
static inline PetscReal FaceFlux(const PetscReal *rho, const PetscReal *phi, PetscInt c, PetscInt s, PetscReal h, PetscInt order, PetscReal *u)
{
  const PetscReal v = -(phi[c + s] - phi[c]) / h;
  PetscReal       east = rho[c], west = rho[c + s];
  if (order == 2) {
    east += 0.5 * MinMod(rho[c + s] - rho[c], rho[c] - rho[c - s]);
    west -= 0.5 * MinMod(rho[c + 2 * s] - rho[c + s], rho[c + s] - rho[c]);
  }
  *u = v;
  return v > 0 ? v * east : v * west;
}

/* rholoc = rho with ghosts (negative parts cut to 0 where f'(0) is finite), philoc = f'(rho/q) on the
   star stencil (the corners of a star-stencil local vector hold no data). Counts cells outside the
   domain and records the raw minimum over owned cells. */
static PetscErrorCode PrepareLocal(W2Flow *fl, Vec rho, PetscInt *invalid, PetscReal *raw_min)
{
  const W2Divergence *d = fl->div;
  const PetscScalar  *q, *own;
  PetscScalar        *r, *p;
  PetscInt            bad = 0, nown;
  PetscReal           rmin = PETSC_MAX_REAL;
  Layout              l;

  PetscFunctionBeginUser;
  PetscCall(GetLayout(fl->grid, &l));
  PetscCall(VecGetLocalSize(rho, &nown));
  PetscCall(VecGetArrayRead(rho, &own));
  for (PetscInt k = 0; k < nown; k++) rmin = PetscMin(rmin, PetscRealPart(own[k]));
  PetscCall(VecRestoreArrayRead(rho, &own));
  PetscCall(DMGlobalToLocal(fl->grid->da, rho, INSERT_VALUES, fl->rholoc));
  PetscCall(VecGetArrayRead(fl->qloc, &q));
  PetscCall(VecGetArray(fl->rholoc, &r));
  PetscCall(VecGetArray(fl->philoc, &p));
  for (PetscInt j = l.gys; j < l.gys + l.gym; j++) {
    const PetscBool row_owned = (PetscBool)(j >= l.own.ys && j < l.own.ys + l.own.ym);
    /* rows of the ghost strip above and below carry only the owned columns */
    const PetscInt  i0 = row_owned ? l.gxs : l.own.xs, i1 = row_owned ? l.gxs + l.gxm : l.own.xs + l.own.xm;
    for (PetscInt i = i0; i < i1; i++) {
      const PetscInt k = Local(&l, i, j);
      PetscReal      t = r[k];
      if (PetscIsNanReal(t)) bad++;
      else if (t < 0 || (t == 0 && d->needs_positive)) {
        if (d->needs_positive) bad++;
        t = r[k] = 0.0;
      }
      p[k] = d->df(d, t / q[k]);
    }
  }
  PetscCall(VecRestoreArray(fl->philoc, &p));
  PetscCall(VecRestoreArray(fl->rholoc, &r));
  PetscCall(VecRestoreArrayRead(fl->qloc, &q));
  *invalid = bad;
  *raw_min = rmin;
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowEvaluate(W2Flow *fl, Vec rho, Vec G, W2FlowDiagnostics *diag, PetscBool *valid)
{
  const W2Grid       *g = fl->grid;
  const W2Divergence *d = fl->div;
  Layout              l;
  PetscInt            invalid;
  PetscReal           raw_min, dissipation = 0, speed[2] = {0, 0}, energy = 0, mass = 0, kappa = 0;
  const PetscScalar  *r, *p, *q;
  PetscScalar        *out = NULL;
  PetscReal          *below;

  PetscFunctionBeginUser;
  fl->rhs_evaluations += G ? 1 : 0;
  PetscCall(GetLayout(g, &l));
  PetscCall(PrepareLocal(fl, rho, &invalid, &raw_min));
  PetscCall(VecGetArrayRead(fl->rholoc, &r));
  PetscCall(VecGetArrayRead(fl->philoc, &p));
  PetscCall(VecGetArrayRead(fl->qloc, &q));
  if (G) PetscCall(VecGetArray(G, &out));
  PetscCall(PetscMalloc1(l.own.xm, &below));
  {
    const PetscInt xs = l.own.xs, xm = l.own.xm, ys = l.own.ys, ym = l.own.ym, order = fl->order;
    const PetscInt sx = l.stride[0], sy = l.stride[1];
    PetscReal      u;
    /* x faces: sweep each row keeping the flux through the west face */
    for (PetscInt j = ys; j < ys + ym; j++) {
      PetscInt  c     = Local(&l, xs, j);
      PetscReal west  = FaceFlux(r, p, c - sx, sx, g->h[0], order, &u);
      for (PetscInt i = 0; i < xm; i++, c++) {
        const PetscReal east = FaceFlux(r, p, c, sx, g->h[0], order, &u);
        if (out) out[(j - ys) * xm + i] = (west - east) / g->h[0]; /* d_t rho = -(F_e - F_w)/h */
        dissipation += u * east;
        speed[0] = PetscMax(speed[0], PetscAbsReal(u));
        west     = east;
      }
    }
    /* y faces: sweep rows upward keeping the flux through the south face of each column */
    if (g->dim > 1) {
      for (PetscInt i = 0; i < xm; i++) below[i] = FaceFlux(r, p, Local(&l, xs + i, ys) - sy, sy, g->h[1], order, &u);
      for (PetscInt j = ys; j < ys + ym; j++) {
        PetscInt c = Local(&l, xs, j);
        for (PetscInt i = 0; i < xm; i++, c++) {
          const PetscReal north = FaceFlux(r, p, c, sy, g->h[1], order, &u);
          if (out) out[(j - ys) * xm + i] += (below[i] - north) / g->h[1];
          dissipation += u * north;
          speed[1] = PetscMax(speed[1], PetscAbsReal(u));
          below[i] = north;
        }
      }
    }
    if (diag) {
      for (PetscInt j = ys; j < ys + ym; j++) {
        PetscInt c = Local(&l, xs, j);
        for (PetscInt i = 0; i < xm; i++, c++) {
          const PetscReal t = r[c] / q[c];
          energy += q[c] * d->f(d, t);
          mass += r[c];
          kappa = PetscMax(kappa, t * d->d2f(d, t));
        }
      }
    }
  }
  PetscCall(PetscFree(below));
  if (G) PetscCall(VecRestoreArray(G, &out));
  PetscCall(VecRestoreArrayRead(fl->qloc, &q));
  PetscCall(VecRestoreArrayRead(fl->philoc, &p));
  PetscCall(VecRestoreArrayRead(fl->rholoc, &r));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &invalid, 1, MPIU_INT, MPI_SUM, g->comm));
  *valid = invalid ? PETSC_FALSE : PETSC_TRUE;
  if (diag) {
    PetscReal sum[3] = {energy, dissipation, mass}, mx[4] = {speed[0], speed[1], kappa, -raw_min};
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, sum, 3, MPIU_REAL, MPIU_SUM, g->comm));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, mx, 4, MPIU_REAL, MPIU_MAX, g->comm));
    diag->energy          = sum[0] * g->dV;
    diag->dissipation     = sum[1] * g->dV;
    diag->mass            = sum[2] * g->dV;
    diag->max_speed[0]    = mx[0];
    diag->max_speed[1]    = mx[1];
    diag->max_diffusivity = mx[2];
    diag->min_rho         = -mx[3];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowPotential(W2Flow *fl, Vec rho, Vec phi)
{
  PetscInt           invalid;
  PetscReal          raw_min;
  Layout             l;
  const PetscScalar *p;
  PetscScalar       *out;

  PetscFunctionBeginUser;
  PetscCall(GetLayout(fl->grid, &l));
  PetscCall(PrepareLocal(fl, rho, &invalid, &raw_min));
  /* owned part of the ghosted array (DMLocalToGlobal refuses periodic axes held by one rank) */
  PetscCall(VecGetArrayRead(fl->philoc, &p));
  PetscCall(VecGetArray(phi, &out));
  for (PetscInt j = l.own.ys; j < l.own.ys + l.own.ym; j++)
    for (PetscInt i = l.own.xs; i < l.own.xs + l.own.xm; i++) out[(j - l.own.ys) * l.own.xm + (i - l.own.xs)] = p[Local(&l, i, j)];
  PetscCall(VecRestoreArray(phi, &out));
  PetscCall(VecRestoreArrayRead(fl->philoc, &p));
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowVelocity(W2Flow *fl, Vec phi, Vec velocity)
{
  const W2Grid      *g = fl->grid;
  Layout             l;
  const PetscScalar *p;
  PetscScalar       *v;
  const PetscInt     dim = g->dim;

  PetscFunctionBeginUser;
  PetscCall(GetLayout(g, &l));
  PetscCall(DMGlobalToLocal(g->da, phi, INSERT_VALUES, fl->philoc));
  PetscCall(VecGetArrayRead(fl->philoc, &p));
  PetscCall(VecGetArray(velocity, &v));
  for (PetscInt j = l.own.ys; j < l.own.ys + l.own.ym; j++)
    for (PetscInt i = l.own.xs; i < l.own.xs + l.own.xm; i++) {
      const PetscInt c = Local(&l, i, j), o = (j - l.own.ys) * l.own.xm + (i - l.own.xs);
      for (PetscInt a = 0; a < dim; a++) v[dim * o + a] = -(p[c + l.stride[a]] - p[c - l.stride[a]]) / (2 * g->h[a]);
    }
  PetscCall(VecRestoreArray(velocity, &v));
  PetscCall(VecRestoreArrayRead(fl->philoc, &p));
  PetscFunctionReturn(0);
}

PetscReal W2FlowExplicitStepLimit(const W2Flow *fl, const W2FlowDiagnostics *diag)
{
  const W2Grid *g = fl->grid;
  PetscReal     transport = 0, diffusion = 0;
  /* positivity of forward Euler: dt sum_a 2 |u|_a / h_a <= 1 (order 1), half of that with
     reconstruction; linear stability: dt sum_a 2 kappa / h_a^2 <= 1 */
  for (PetscInt a = 0; a < g->dim; a++) {
    transport += 2 * fl->order * diag->max_speed[a] / g->h[a];
    diffusion += 2 * diag->max_diffusivity / (g->h[a] * g->h[a]);
  }
  return fl->cfl * fl->ssp_coefficient / PetscMax(PetscMax(transport, diffusion), PETSC_SMALL);
}

PetscErrorCode W2FlowJacobian(W2Flow *fl, Vec rho, Mat J)
{
  const W2Grid       *g = fl->grid;
  const W2Divergence *d = fl->div;
  Layout              l;
  PetscInt            invalid;
  PetscReal           raw_min;
  const PetscScalar  *r, *p, *q;

  PetscFunctionBeginUser;
  PetscCall(GetLayout(g, &l));
  PetscCall(PrepareLocal(fl, rho, &invalid, &raw_min));
  PetscCall(MatZeroEntries(J));
  PetscCall(VecGetArrayRead(fl->rholoc, &r));
  PetscCall(VecGetArrayRead(fl->philoc, &p));
  PetscCall(VecGetArrayRead(fl->qloc, &q));
  for (PetscInt j = l.own.ys; j < l.own.ys + l.own.ym; j++)
    for (PetscInt i = l.own.xs; i < l.own.xs + l.own.xm; i++) {
      const PetscInt c = Local(&l, i, j);
      MatStencil     row = {.i = i, .j = j}, col[5];
      PetscScalar    val[5] = {0, 0, 0, 0, 0};
      col[0] = row;
      for (PetscInt a = 0; a < g->dim; a++) {
        const PetscInt  s = l.stride[a];
        const PetscReal h = g->h[a];
        MatStencil      lo = row, hi = row;
        if (a == 0) { lo.i--; hi.i++; } else { lo.j--; hi.j++; }
        col[1 + 2 * a] = lo;
        col[2 + 2 * a] = hi;
        /* G_c = -(F(c,c+s) - F(c-s,c))/h, F(a,b) = u+ rho_a + u- rho_b, u = -(phi_b - phi_a)/h, dphi/drho = f''(rho/q)/q */
        for (PetscInt side = 0; side < 2; side++) {
          const PetscInt  ca = side ? c : c - s, cb = ca + s;
          const PetscReal u = -(p[cb] - p[ca]) / h, up = u > 0 ? r[ca] : r[cb];
          const PetscReal dpa = r[ca] > 0 ? d->d2f(d, r[ca] / q[ca]) / q[ca] : 0.0;
          const PetscReal dpb = r[cb] > 0 ? d->d2f(d, r[cb] / q[cb]) / q[cb] : 0.0;
          const PetscReal dFa = (u > 0 ? u : 0.0) * (r[ca] > 0) + up * dpa / h;
          const PetscReal dFb = (u > 0 ? 0.0 : u) * (r[cb] > 0) - up * dpb / h;
          const PetscReal sign = side ? -1.0 / h : 1.0 / h;
          /* side 1: face (c, c+s) -> columns c (0) and c+s (hi); side 0: face (c-s, c) -> lo and c */
          if (side) { val[0] += sign * dFa; val[2 + 2 * a] += sign * dFb; }
          else { val[1 + 2 * a] += sign * dFa; val[0] += sign * dFb; }
        }
      }
      PetscCall(MatSetValuesStencil(J, 1, &row, 1 + 2 * g->dim, col, val, ADD_VALUES));
    }
  PetscCall(VecRestoreArrayRead(fl->qloc, &q));
  PetscCall(VecRestoreArrayRead(fl->philoc, &p));
  PetscCall(VecRestoreArrayRead(fl->rholoc, &r));
  PetscCall(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}
