/// @file Upwind finite volumes for d_t rho = div(rho grad phi): exact mass, E_h' = -D_h <= 0 (THEORY.md 3).
#include "solver/flow.h"

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

PetscErrorCode W2FlowCreate(W2Grid *grid, W2Divergence *div, Vec q, PetscInt order, W2Flow **flow)
{
  W2Flow      *fl;
  Layout       l;
  PetscScalar *qi;
  PetscInt     n;

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
  /* 1/q by division, not VecReciprocal (which maps 0 to 0): t * (1/q) keeps the t/q semantics at q = 0 */
  PetscCall(VecDuplicate(fl->qloc, &fl->qinvloc));
  PetscCall(VecCopy(fl->qloc, fl->qinvloc));
  PetscCall(VecGetLocalSize(fl->qinvloc, &n));
  PetscCall(VecGetArray(fl->qinvloc, &qi));
  for (PetscInt k = 0; k < n; k++) qi[k] = 1.0 / qi[k];
  PetscCall(VecRestoreArray(fl->qinvloc, &qi));
  PetscCall(GetLayout(grid, &l));
  PetscCall(PetscMalloc1(l.gxm * l.gym, &fl->dphi));
  PetscCall(PetscMalloc1(8 * l.own.xm + 4, &fl->sweep));
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
  PetscCall(VecDestroy(&(*flow)->qinvloc));
  PetscCall(VecDestroy(&(*flow)->rholoc));
  PetscCall(VecDestroy(&(*flow)->philoc));
  PetscCall(PetscFree((*flow)->dphi));
  PetscCall(PetscFree((*flow)->sweep));
  PetscCall(PetscFree((*flow)->coo_v));
  PetscCall(PetscFree((*flow)->lin));
  PetscCall(VecDestroy(&(*flow)->xloc));
  PetscCall(VecDestroy(&(*flow)->halo));
  PetscCall(VecScatterDestroy(&(*flow)->halo_scatter));
  PetscCall(PetscFree(*flow));
  PetscFunctionReturn(0);
}

static inline PetscInt Local(const Layout *l, PetscInt i, PetscInt j) { return (j - l->gys) * l->gxm + (i - l->gxs); }

/* Half the minmod-limited slope from the differences a (forward) and b (backward): min(a, b) when both are
   positive, max(a, b) when both are negative, else 0. Selects only, no branches: the row loops vectorise. */
static inline PetscReal HalfMinMod(PetscReal a, PetscReal b)
{
  const PetscReal lo = a < b ? a : b, hi = a < b ? b : a;
  return 0.5 * (lo > 0 ? lo : (hi < 0 ? hi : 0.0));
}

/* Upwind flux through n faces: face k between the cells a + k and a + k + s, u = -(phi_{a+k+s} - phi_{a+k})/h,
   F = u rho^E_{a+k} if u > 0 else u rho^W_{a+k+s}, with rho^E = rho + slope, rho^W = rho - slope (order 2; slopes
   sa of the cells a + k, sb of a + k + s) or rho^E = rho^W = rho (order 1). hinv = 1/h: a product instead of a
   division (exact when N is a power of two, else within 1 ulp). u is stored when asked for (diagnostics). */
static inline __attribute__((always_inline)) void FaceFluxes(PetscInt n, const PetscReal *restrict ra, const PetscReal *restrict rb, const PetscReal *restrict pa, const PetscReal *restrict pb, const PetscReal *restrict sa, const PetscReal *restrict sb, PetscReal hinv, const PetscInt order, PetscReal *restrict F, PetscReal *restrict U)
{
#pragma omp simd
  for (PetscInt k = 0; k < n; k++) {
    const PetscReal u = -(pb[k] - pa[k]) * hinv;
    const PetscReal e = order == 2 ? ra[k] + sa[k] : ra[k], w = order == 2 ? rb[k] - sb[k] : rb[k];
    F[k] = u * (u > 0 ? e : w);
    if (U) U[k] = u;
  }
}

/* Slopes of n cells along the stride s: slope_k = minmod(rho_{k+s} - rho_k, rho_k - rho_{k-s}) / 2. */
static inline void Slopes(PetscInt n, const PetscReal *restrict r, PetscInt s, PetscReal *restrict slope)
{
#pragma omp simd
  for (PetscInt k = 0; k < n; k++) slope[k] = HalfMinMod(r[k + s] - r[k], r[k] - r[k - s]);
}

/* rholoc = rho with ghosts (negative parts cut to 0 where f'(0) is finite), philoc = f'(rho/q) on the
   star stencil (the corners of a star-stencil local vector hold no data). Counts cells outside the
   domain; records the raw minimum over owned cells when raw_min is not NULL (only the diagnostics use
   it: it is a pass over rho); fills dphi = f''(rho/q)/q (0 where rho = 0) when dphi is not NULL, and then the
   sum of the local diffusivity rho f''(rho/q)/q over the owned cells into *kappa (this rank's part). */
static PetscErrorCode PrepareLocal(W2Flow *fl, Vec rho, PetscInt *invalid, PetscReal *raw_min, PetscReal *dphi, PetscReal *kappa)
{
  const W2Divergence *d = fl->div;
  const PetscScalar  *qi, *own;
  PetscScalar        *r, *p;
  PetscInt            bad = 0, nown;
  PetscReal           ksum = 0;
  Layout              l;
  const PetscBool     positive = d->needs_positive;

  PetscFunctionBeginUser;
  PetscCall(GetLayout(fl->grid, &l));
  if (raw_min) {
    PetscReal rmin = PETSC_MAX_REAL;
    PetscCall(VecGetLocalSize(rho, &nown));
    PetscCall(VecGetArrayRead(rho, &own));
    for (PetscInt k = 0; k < nown; k++) rmin = PetscMin(rmin, PetscRealPart(own[k]));
    PetscCall(VecRestoreArrayRead(rho, &own));
    *raw_min = rmin;
  }
  PetscCall(DMGlobalToLocal(fl->grid->da, rho, INSERT_VALUES, fl->rholoc));
  PetscCall(VecGetArrayRead(fl->qinvloc, &qi));
  PetscCall(VecGetArray(fl->rholoc, &r));
  PetscCall(VecGetArray(fl->philoc, &p));
  for (PetscInt j = l.gys; j < l.gys + l.gym; j++) {
    const PetscBool row_owned = (PetscBool)(j >= l.own.ys && j < l.own.ys + l.own.ym);
    /* rows of the ghost strip above and below carry only the owned columns */
    const PetscInt  i0 = row_owned ? l.gxs : l.own.xs, i1 = row_owned ? l.gxs + l.gxm : l.own.xs + l.own.xm;
    const PetscInt  k0 = Local(&l, i0, j), n = i1 - i0;
    PetscScalar    *rr = r + k0, *pr = p + k0;
    const PetscScalar *qr = qi + k0;
    /* the checks, and t = rho/q into the row of phi; then f'(t) over the row in place by the divergence's
       array member (vectorised, libmvec log): a NaN stays NaN through both */
    for (PetscInt i = 0; i < n; i++) {
      PetscReal t = rr[i];
      if (t != t) bad++; /* NaN (PetscIsNanReal is an out-of-line call) */
      else if (t < 0 || (t == 0 && positive)) {
        if (positive) bad++;
        t = rr[i] = 0.0;
      }
      pr[i] = t * qr[i];
      if (dphi) dphi[k0 + i] = t > 0 ? d->d2f(d, pr[i]) * qr[i] : 0.0;
    }
    if (dphi && row_owned)
      for (PetscInt i = l.own.xs - i0; i < l.own.xs - i0 + l.own.xm; i++) ksum += rr[i] * dphi[k0 + i];
    d->dfv(d, n, pr, pr);
  }
  if (kappa) *kappa = ksum;
  PetscCall(VecRestoreArray(fl->philoc, &p));
  PetscCall(VecRestoreArray(fl->rholoc, &r));
  PetscCall(VecRestoreArrayRead(fl->qinvloc, &qi));
  *invalid = bad;
  PetscFunctionReturn(0);
}

/* One pass over the owned rows: per row the x-face fluxes, the y slopes of the next row (order 2) and the
   north fluxes into work arrays (vector loops), then the divergence written once, out = (F_w - F_e)/hx +
   (F_s - F_n)/hy, the south fluxes of the row carried in below. Every face flux is computed once and every
   slope once per axis. The dissipation (sum over east and north faces of u F, in cell order) and the
   largest speeds only with with_diag. Inlined with constant order and with_diag. */
static inline __attribute__((always_inline)) void Sweep(const Layout *l, PetscInt dim, const PetscReal *r, const PetscReal *p, PetscScalar *out, PetscReal *work, const PetscReal hinv[2], const PetscInt order, const PetscBool with_diag, PetscReal *dissipation, PetscReal speed[2])
{
  const PetscInt xs = l->own.xs, xm = l->own.xm, ys = l->own.ys, ym = l->own.ym, sy = l->stride[1];
  /* per row: x faces 0..xm (face i west of cell i), x slopes of cells -1..xm, y slopes of this and the next row */
  PetscReal *fx = work, *ux = fx + (xm + 1), *sx = ux + (xm + 1), *sy0 = sx + (xm + 2), *sy1 = sy0 + xm;
  PetscReal *fn = sy1 + xm, *un = fn + xm, *below = un + xm, *tmp;
  PetscReal  diss = 0, s0 = 0, s1 = 0;

  if (dim > 1) {
    /* the south faces of the first row: slopes of rows ys-1 and ys */
    const PetscInt c = Local(l, xs, ys);
    if (order == 2) {
      Slopes(xm, r + c - sy, sy, sy0);
      Slopes(xm, r + c, sy, sy1);
    }
    FaceFluxes(xm, r + c - sy, r + c, p + c - sy, p + c, sy0, sy1, hinv[1], order, below, NULL);
    tmp = sy0, sy0 = sy1, sy1 = tmp;
  }
  for (PetscInt j = ys; j < ys + ym; j++) {
    const PetscInt c = Local(l, xs, j);
    PetscScalar   *o = out ? out + (j - ys) * xm : NULL;
    if (order == 2) Slopes(xm + 2, r + c - 1, 1, sx);
    FaceFluxes(xm + 1, r + c - 1, r + c, p + c - 1, p + c, sx, sx + 1, hinv[0], order, fx, with_diag ? ux : NULL);
    if (dim > 1) {
      if (order == 2) Slopes(xm, r + c + sy, sy, sy1);
      FaceFluxes(xm, r + c, r + c + sy, p + c, p + c + sy, sy0, sy1, hinv[1], order, fn, with_diag ? un : NULL);
      tmp = sy0, sy0 = sy1, sy1 = tmp;
    }
    if (with_diag)
      for (PetscInt i = 0; i < xm; i++) {
        diss += ux[i + 1] * fx[i + 1];
        s0 = PetscMax(s0, PetscAbsReal(ux[i + 1]));
        if (dim > 1) {
          diss += un[i] * fn[i];
          s1 = PetscMax(s1, PetscAbsReal(un[i]));
        }
      }
    if (o && dim > 1) {
#pragma omp simd
      for (PetscInt i = 0; i < xm; i++) o[i] = (fx[i] - fx[i + 1]) * hinv[0] + (below[i] - fn[i]) * hinv[1]; /* d_t rho = -div F */
    } else if (o) {
#pragma omp simd
      for (PetscInt i = 0; i < xm; i++) o[i] = (fx[i] - fx[i + 1]) * hinv[0];
    }
    if (dim > 1) tmp = below, below = fn, fn = tmp;
  }
  *dissipation = diss;
  speed[0]     = s0;
  speed[1]     = s1;
}

/* Specialised copies: the common calls (RHS of a stage, order 1 or 2) carry no diagnostics. An AVX2 copy
   next to the baseline (SSE2) one, picked at load time, as for the divergences' array loops. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
static void SweepCopies(const Layout *l, PetscInt dim, const PetscReal *r, const PetscReal *p, PetscScalar *out, PetscReal *work, const PetscReal hinv[2], PetscInt order, PetscBool with_diag, PetscReal *dissipation, PetscReal speed[2])
{
  if (with_diag) Sweep(l, dim, r, p, out, work, hinv, order, PETSC_TRUE, dissipation, speed);
  else if (order == 1) Sweep(l, dim, r, p, out, work, hinv, 1, PETSC_FALSE, dissipation, speed);
  else Sweep(l, dim, r, p, out, work, hinv, 2, PETSC_FALSE, dissipation, speed);
}

PetscErrorCode W2FlowEvaluate(W2Flow *fl, Vec rho, Vec G, W2FlowDiagnostics *diag, PetscBool *valid)
{
  const W2Grid       *g = fl->grid;
  const W2Divergence *d = fl->div;
  Layout              l;
  PetscInt            invalid;
  PetscReal           raw_min = 0, dissipation = 0, speed[2] = {0, 0}, energy = 0, mass = 0, kappa = 0;
  const PetscReal     hinv[2] = {1.0 / g->h[0], 1.0 / g->h[1]};
  const PetscScalar  *r, *p, *q;
  PetscScalar        *out = NULL;

  PetscFunctionBeginUser;
  fl->rhs_evaluations += G ? 1 : 0;
  PetscCall(GetLayout(g, &l));
  PetscCall(PrepareLocal(fl, rho, &invalid, diag ? &raw_min : NULL, NULL, NULL));
  PetscCall(VecGetArrayRead(fl->rholoc, &r));
  PetscCall(VecGetArrayRead(fl->philoc, &p));
  PetscCall(VecGetArrayRead(fl->qloc, &q));
  if (G) PetscCall(VecGetArray(G, &out));
  if (diag || out) SweepCopies(&l, g->dim, r, p, out, fl->sweep, hinv, fl->order, (PetscBool)!!diag, &dissipation, speed);
  if (diag) {
    for (PetscInt j = l.own.ys; j < l.own.ys + l.own.ym; j++) {
      PetscInt c = Local(&l, l.own.xs, j);
      for (PetscInt i = 0; i < l.own.xm; i++, c++) {
        const PetscReal t = r[c] / q[c];
        energy += q[c] * d->f(d, t);
        mass += r[c];
        kappa = PetscMax(kappa, t * d->d2f(d, t));
      }
    }
  }
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
  Layout             l;
  const PetscScalar *p;
  PetscScalar       *out;

  PetscFunctionBeginUser;
  PetscCall(GetLayout(fl->grid, &l));
  PetscCall(PrepareLocal(fl, rho, &invalid, NULL, NULL, NULL));
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

/* The COO pattern of the first-order Jacobian: per owned cell (row order) the centre, then west, east
   (and south, north) in the ghosted local numbering of the DMDA's local-to-global mapping. Duplicates
   (an axis of one or two cells) are summed by MatSetValuesCOO, as ADD_VALUES did. */
static PetscErrorCode SetJacobianPattern(W2Flow *fl, const Layout *l, Mat J)
{
  const PetscInt w = 1 + 2 * fl->grid->dim, n = l->own.xm * l->own.ym * w;
  PetscInt      *ri, *ci, k = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(n, &ri, n, &ci));
  for (PetscInt j = l->own.ys; j < l->own.ys + l->own.ym; j++)
    for (PetscInt i = l->own.xs; i < l->own.xs + l->own.xm; i++) {
      const PetscInt c = Local(l, i, j);
      for (PetscInt e = 0; e < w; e++) ri[k + e] = c;
      ci[k++] = c;
      for (PetscInt a = 0; a < fl->grid->dim; a++) {
        ci[k++] = c - l->stride[a];
        ci[k++] = c + l->stride[a];
      }
    }
  PetscCall(MatSetPreallocationCOOLocal(J, n, ri, ci));
  PetscCall(PetscFree2(ri, ci));
  PetscCall(PetscFree(fl->coo_v));
  PetscCall(PetscMalloc1(n, &fl->coo_v));
  PetscCall(PetscObjectGetId((PetscObject)J, &fl->coo_mat));
  PetscFunctionReturn(0);
}

/* the mean over all cells of rho f''(rho/q)/q from the ranks' sums (what -flow_pc fft freezes) */
static PetscErrorCode SetMeanDiffusivity(W2Flow *fl, PetscReal kappa)
{
  PetscFunctionBeginUser;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &kappa, 1, MPIU_REAL, MPIU_SUM, fl->grid->comm));
  fl->mean_diffusivity = kappa / ((PetscReal)fl->grid->N[0] * (PetscReal)fl->grid->N[1]);
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowJacobian(W2Flow *fl, Vec rho, Mat J)
{
  PetscFunctionBeginUser;
  PetscCall(W2FlowShiftedJacobian(fl, rho, 0.0, PETSC_FALSE, J));
  PetscFunctionReturn(0);
}

/* d F / d rho_a and d F / d rho_b of the first-order flux through n faces between the cells a + k and b + k:
   F = u+ rho_a + u- rho_b, u = -(phi_b - phi_a)/h, dphi/drho = f''(rho/q)/q (dp). Selects only: vectorised. */
static inline void FaceDerivatives(PetscInt n, const PetscReal *restrict ra, const PetscReal *restrict rb, const PetscReal *restrict pa, const PetscReal *restrict pb, const PetscReal *restrict dpa, const PetscReal *restrict dpb, PetscReal hi, PetscReal *restrict DA, PetscReal *restrict DB)
{
#pragma omp simd
  for (PetscInt k = 0; k < n; k++) {
    const PetscReal u = -(pb[k] - pa[k]) * hi, up = u > 0 ? ra[k] : rb[k];
    DA[k] = (u > 0 ? u : 0.0) * (ra[k] > 0 ? 1.0 : 0.0) + up * dpa[k] * hi;
    DB[k] = (u > 0 ? 0.0 : u) * (rb[k] > 0 ? 1.0 : 0.0) - up * dpb[k] * hi;
  }
}

PetscErrorCode W2FlowShiftedJacobian(W2Flow *fl, Vec rho, PetscReal shift, PetscBool shifted, Mat J)
{
  const W2Grid      *g = fl->grid;
  const PetscInt     dim = g->dim, w = 1 + 2 * dim;
  Layout             l;
  PetscInt           invalid, xs, xm, ys, ym, sy;
  PetscObjectId      id;
  PetscReal          kappa = 0;
  const PetscReal    hx = 1.0 / g->h[0], hy = 1.0 / g->h[1];
  const PetscReal   *dp = fl->dphi;
  const PetscScalar *r, *p;
  PetscReal         *ax, *bx, *as, *bs, *an, *bn, *tmp;

  PetscFunctionBeginUser;
  PetscCall(GetLayout(g, &l));
  xs = l.own.xs, xm = l.own.xm, ys = l.own.ys, ym = l.own.ym, sy = l.stride[1];
  PetscCall(PrepareLocal(fl, rho, &invalid, NULL, fl->dphi, &kappa));
  PetscCall(PetscObjectGetId((PetscObject)J, &id));
  if (id != fl->coo_mat || !fl->coo_v) PetscCall(SetJacobianPattern(fl, &l, J));
  /* per row (rolling like the RHS sweep): x faces 0..xm (face i west of cell i), the south and north faces */
  ax = fl->sweep, bx = ax + (xm + 1), as = bx + (xm + 1), bs = as + xm, an = bs + xm, bn = an + xm;
  PetscCall(VecGetArrayRead(fl->rholoc, &r));
  PetscCall(VecGetArrayRead(fl->philoc, &p));
  if (dim > 1) {
    const PetscInt c = Local(&l, xs, ys);
    FaceDerivatives(xm, r + c - sy, r + c, p + c - sy, p + c, dp + c - sy, dp + c, hy, as, bs);
  }
  for (PetscInt j = ys; j < ys + ym; j++) {
    const PetscInt c = Local(&l, xs, j);
    PetscScalar   *v = fl->coo_v + (j - ys) * xm * w;
    FaceDerivatives(xm + 1, r + c - 1, r + c, p + c - 1, p + c, dp + c - 1, dp + c, hx, ax, bx);
    if (dim > 1) FaceDerivatives(xm, r + c, r + c + sy, p + c, p + c + sy, dp + c, dp + c + sy, hy, an, bn);
    /* G_c = -(F_e - F_w)/hx - (F_n - F_s)/hy; per cell the COO entries centre, west, east (south, north), the
       centre summed west, east, south, north */
    for (PetscInt i = 0; i < xm; i++, v += w) {
      v[0] = hx * bx[i];
      v[0] += -hx * ax[i + 1];
      v[1] = hx * ax[i];
      v[2] = -hx * bx[i + 1];
      if (dim > 1) {
        v[0] += hy * bs[i];
        v[0] += -hy * an[i];
        v[3] = hy * as[i];
        v[4] = -hy * bn[i];
      }
      if (shifted) {
        /* shift I - J: the values of TS's MatScale(-1) and MatShift(shift) (exact negation, one rounding) */
        for (PetscInt e = 0; e < w; e++) v[e] = -v[e];
        v[0] += shift;
      }
    }
    if (dim > 1) {
      tmp = as, as = an, an = tmp;
      tmp = bs, bs = bn, bn = tmp;
    }
  }
  PetscCall(VecRestoreArrayRead(fl->philoc, &p));
  PetscCall(VecRestoreArrayRead(fl->rholoc, &r));
  /* INSERT: every entry of the pattern is rewritten, so no MatZeroEntries and no assembly */
  PetscCall(MatSetValuesCOO(J, fl->coo_v, INSERT_VALUES));
  PetscCall(SetMeanDiffusivity(fl, kappa));
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowLinearise(W2Flow *fl, Vec rho)
{
  const W2Grid      *g = fl->grid;
  Layout             l;
  PetscInt           invalid, xm, ym, sy;
  PetscReal          kappa = 0, *ax, *bx, *ay, *by;
  const PetscReal    hx = 1.0 / g->h[0], hy = 1.0 / g->h[1];
  const PetscReal   *dp = fl->dphi;
  const PetscScalar *r, *p;

  PetscFunctionBeginUser;
  PetscCall(GetLayout(g, &l));
  xm = l.own.xm, ym = l.own.ym, sy = l.stride[1];
  if (!fl->lin) PetscCall(PetscMalloc1(2 * ((xm + 1) * ym + (g->dim > 1 ? xm * (ym + 1) : 0)), &fl->lin));
  ax = fl->lin, bx = ax + (xm + 1) * ym, ay = bx + (xm + 1) * ym, by = ay + xm * (ym + 1);
  PetscCall(PrepareLocal(fl, rho, &invalid, NULL, fl->dphi, &kappa));
  PetscCall(VecGetArrayRead(fl->rholoc, &r));
  PetscCall(VecGetArrayRead(fl->philoc, &p));
  /* x faces 0..xm of every owned row (face i west of cell i); y face rows 0..ym (row k south of cell row ys + k) */
  for (PetscInt k = 0; k < ym; k++) {
    const PetscInt c = Local(&l, l.own.xs, l.own.ys + k);
    FaceDerivatives(xm + 1, r + c - 1, r + c, p + c - 1, p + c, dp + c - 1, dp + c, hx, ax + k * (xm + 1), bx + k * (xm + 1));
  }
  for (PetscInt k = 0; g->dim > 1 && k <= ym; k++) {
    const PetscInt c = Local(&l, l.own.xs, l.own.ys + k);
    FaceDerivatives(xm, r + c - sy, r + c, p + c - sy, p + c, dp + c - sy, dp + c, hy, ay + k * xm, by + k * xm);
  }
  PetscCall(VecRestoreArrayRead(fl->philoc, &p));
  PetscCall(VecRestoreArrayRead(fl->rholoc, &r));
  PetscCall(SetMeanDiffusivity(fl, kappa));
  PetscFunctionReturn(0);
}

/* y = shift x - J x over the owned rows, J x = (F_w - F_e)/hx + (F_s - F_n)/hy as in the RHS sweep with the
   linearised face fluxes F = A x_a + B x_b (lin: A, B of the x faces, then of the y faces). x: the first owned
   row, rows sx apart; south, north: the rows below and above the owned ones; wrap: the rows are whole periodic
   rows (cell -1 is cell xm - 1), else x has ghost columns. work: 3 xm + 1. An AVX2 copy as for the RHS sweep. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
static void ShiftedSweep(PetscInt dim, PetscInt xm, PetscInt ym, const PetscReal *x, PetscInt sx, const PetscReal *south, const PetscReal *north, PetscBool wrap, const PetscReal *lin, PetscReal shift, const PetscReal hinv[2], PetscReal *work, PetscScalar *y)
{
  const PetscReal *ax = lin, *bx = ax + (xm + 1) * ym, *ay = bx + (xm + 1) * ym, *by = ay + xm * (ym + 1);
  PetscReal       *fx = work, *fs = fx + (xm + 1), *fn = fs + xm, *tmp;

  if (dim > 1) {
#pragma omp simd
    for (PetscInt i = 0; i < xm; i++) fs[i] = ay[i] * south[i] + by[i] * x[i];
  }
  for (PetscInt k = 0; k < ym; k++) {
    const PetscReal *c = x + k * sx, *n = k + 1 < ym ? c + sx : north, *a = ax + k * (xm + 1), *b = bx + k * (xm + 1);
    const PetscReal  xw = wrap ? c[xm - 1] : c[-1], xe = wrap ? c[0] : c[xm];
    PetscScalar     *o = y + k * xm;
    fx[0] = a[0] * xw + b[0] * c[0];
#pragma omp simd
    for (PetscInt i = 1; i < xm; i++) fx[i] = a[i] * c[i - 1] + b[i] * c[i];
    fx[xm] = a[xm] * c[xm - 1] + b[xm] * xe;
    if (dim > 1) {
      const PetscReal *an = ay + (k + 1) * xm, *bn = by + (k + 1) * xm;
#pragma omp simd
      for (PetscInt i = 0; i < xm; i++) fn[i] = an[i] * c[i] + bn[i] * n[i];
#pragma omp simd
      for (PetscInt i = 0; i < xm; i++) o[i] = shift * c[i] - ((fx[i] - fx[i + 1]) * hinv[0] + (fs[i] - fn[i]) * hinv[1]);
      tmp = fs, fs = fn, fn = tmp;
    } else {
#pragma omp simd
      for (PetscInt i = 0; i < xm; i++) o[i] = shift * c[i] - (fx[i] - fx[i + 1]) * hinv[0];
    }
  }
}

/* How W2FlowShiftedApply reaches the neighbours of the owned cells, chosen once: whole periodic rows (one rank,
   or a 2-D split into row slabs) read x in place and only the two neighbour rows are scattered in (on one rank
   they are owned: no copy at all); any other split copies x into a ghosted local vector. */
static PetscErrorCode SetUpHalo(W2Flow *fl, const Layout *l, Vec x)
{
  const W2Grid *g = fl->grid;
  PetscMPIInt   size;
  PetscInt      whole;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(g->comm, &size));
  whole = l->own.xm == g->N[0] && (size == 1 || g->dim > 1);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &whole, 1, MPIU_INT, MPI_MIN, g->comm));
  fl->halo_mode = whole ? 1 : 2;
  if (fl->halo_mode == 2) PetscCall(DMCreateLocalVector(g->da, &fl->xloc));
  else if (size > 1) {
    const PetscInt xm = l->own.xm, rows[2] = {(l->own.ys - 1 + g->N[1]) % g->N[1], (l->own.ys + l->own.ym) % g->N[1]};
    PetscInt      *idx;
    AO             ao;
    IS             is;
    PetscCall(PetscMalloc1(2 * xm, &idx));
    for (PetscInt k = 0; k < 2; k++)
      for (PetscInt i = 0; i < xm; i++) idx[k * xm + i] = rows[k] * g->N[0] + i; /* natural numbering */
    PetscCall(DMDAGetAO(g->da, &ao));
    PetscCall(AOApplicationToPetsc(ao, 2 * xm, idx));
    PetscCall(ISCreateGeneral(PETSC_COMM_SELF, 2 * xm, idx, PETSC_OWN_POINTER, &is));
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, 2 * xm, &fl->halo));
    PetscCall(VecScatterCreate(x, is, fl->halo, NULL, &fl->halo_scatter));
    PetscCall(ISDestroy(&is));
  }
  PetscCall(PetscInfo(NULL, "shift I - J by the stencil: %s\n", fl->halo_mode == 2 ? "ghosted copy of the argument" : size > 1 ? "whole rows, the two neighbour rows scattered in" : "whole rows in place"));
  PetscFunctionReturn(0);
}

PetscErrorCode W2FlowShiftedApply(W2Flow *fl, PetscReal shift, Vec x, Vec y)
{
  const W2Grid      *g       = fl->grid;
  const PetscReal    hinv[2] = {1.0 / g->h[0], 1.0 / g->h[1]};
  Layout             l;
  const PetscScalar *xa, *ha = NULL, *rows, *south, *north;
  PetscScalar       *ya;
  PetscInt           sx;

  PetscFunctionBeginUser;
  PetscCheck(fl->lin, g->comm, PETSC_ERR_ORDER, "W2FlowShiftedApply needs W2FlowLinearise first");
  PetscCall(GetLayout(g, &l));
  if (!fl->halo_mode) PetscCall(SetUpHalo(fl, &l, x));
  if (fl->halo_mode == 2) {
    PetscCall(DMGlobalToLocal(g->da, x, INSERT_VALUES, fl->xloc));
    PetscCall(VecGetArrayRead(fl->xloc, &xa));
    sx    = l.gxm;
    rows  = xa + Local(&l, l.own.xs, l.own.ys);
    south = rows - sx;
    north = rows + l.own.ym * sx;
  } else {
    if (fl->halo) {
      PetscCall(VecScatterBegin(fl->halo_scatter, x, fl->halo, INSERT_VALUES, SCATTER_FORWARD));
      PetscCall(VecScatterEnd(fl->halo_scatter, x, fl->halo, INSERT_VALUES, SCATTER_FORWARD));
      PetscCall(VecGetArrayRead(fl->halo, &ha));
    }
    PetscCall(VecGetArrayRead(x, &xa));
    sx    = l.own.xm;
    rows  = xa;
    south = ha ? ha : xa + (l.own.ym - 1) * sx; /* one rank: the neighbour rows are the last and the first */
    north = ha ? ha + sx : xa;
  }
  PetscCall(VecGetArray(y, &ya));
  ShiftedSweep(g->dim, l.own.xm, l.own.ym, rows, sx, south, north, (PetscBool)(fl->halo_mode == 1), fl->lin, shift, hinv, fl->sweep, ya);
  PetscCall(VecRestoreArray(y, &ya));
  if (fl->halo_mode == 2) PetscCall(VecRestoreArrayRead(fl->xloc, &xa));
  else PetscCall(VecRestoreArrayRead(x, &xa));
  if (ha) PetscCall(VecRestoreArrayRead(fl->halo, &ha));
  PetscFunctionReturn(0);
}
