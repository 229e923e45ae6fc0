/// @file Periodic c-transforms for c = d_T^2/(2 tau) in O(N) per grid line, one axis at a time, and push-forwards along their minimisers.
#include "jko/jkoimpl.h"

/* Why a finite unrolled line suffices (THEORY.md 1: d_T(x,y) = min_k |x - y + kL| on each axis).
   For f periodic, min_{y in T} f(y) + d_T(x,y)^2/(2 tau) = min_{y in R} f(y) + |x - y|^2/(2 tau): every real
   y has an image at distance d_T(x,y) <= |x - y| from x with the same value of f. So the minimiser can be
   taken with |y - x| <= L/2, and for the grid points x in [0, L) it lies in [-L/2, 3L/2): the line unrolled
   by half a period on each side contains it for every x and every potential, with no bound on f needed
   (copies shifted by +-L contain that window). The windows below are this range plus two cells.
   The quadratic cost separates, |x - y|^2 = |x_1 - y_1|^2 + |x_2 - y_2|^2, so the 2-D transform is the
   1-D transform along x_1 on every row followed by the 1-D transform along x_2 on every column. */

PetscErrorCode W2CTransformCreate(const W2Torus *t, W2CTransform **ct)
{
  W2CTransform *c;
  PetscInt      nmax = PetscMax(t->N[0], t->N[1]), window = 2 * nmax + 8;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&c));
  c->t = *t;
  PetscCall(PetscMalloc4(window, &c->hull, window + 1, &c->z, 3 * nmax, &c->line, t->n, &c->stage));
  *ct = c;
  PetscFunctionReturn(0);
}

PetscErrorCode W2CTransformDestroy(W2CTransform **ct)
{
  PetscFunctionBeginUser;
  if (!*ct) PetscFunctionReturn(0);
  PetscCall(PetscFree4((*ct)->hull, (*ct)->z, (*ct)->line, (*ct)->stage));
  PetscCall(PetscFree(*ct));
  PetscFunctionReturn(0);
}

PetscErrorCode W2CTResultCreate(const W2Torus *t, W2CTResult *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscCalloc3(t->n, &r->value, t->n, &r->pos0, t->n, &r->pos1));
  PetscFunctionReturn(0);
}

PetscErrorCode W2CTResultDestroy(W2CTResult *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree3(r->value, r->pos0, r->pos1));
  PetscFunctionReturn(0);
}

/* k mod N in [0, N); the unrolled windows stay within one period of [0, N), so the division is rare */
static inline PetscInt Wrap(PetscInt k, PetscInt N)
{
  if (k >= 0) return k < N ? k : (k < 2 * N ? k - N : k % N);
  return k >= -N ? k + N : ((k % N) + N) % N;
}

/* One periodic line in index units (grid point i at i, spacing 1, cost a (i - s)^2 with a = h^2/(2 tau)):
   q[i] = min over real s of v_I(s) + a (i - s)^2, v_I the periodic piecewise-linear interpolant of
   sign * v[k * vs]; pos[i] = the minimiser. The minimum over the nodes is the lower envelope of the
   parabolas v_k + a (s - k)^2, swept once (Felzenszwalb-Huttenlocher); inside cell (k, k+1) the objective
   v_k + d (s - k) + a (i - s)^2 is a convex parabola whose critical point s = i - d/(2a) lies in the open
   cell for exactly one integer i, so one candidate per cell finishes the exact minimum in O(N). */
static void Line(PetscInt N, const PetscReal *v, PetscInt vs, PetscReal sign, PetscReal a, PetscReal *q, PetscReal *pos, PetscInt qs, PetscInt *hull, PetscReal *z)
{
  PetscInt  k0 = -(N / 2) - 2, k1 = N + N / 2 + 1, m = 0, j = 0;
  PetscReal lo = PETSC_MAX_REAL, hi = PETSC_MIN_REAL, reach;

#define V(k) (sign * v[Wrap((k), N) * vs])
  /* a narrower window when the line varies little: the minimiser y of x beats staying at x, so
     a (x - y)^2 <= v_I(x) - v_I(y) <= max v - min v (NaN keeps the full window) */
  for (PetscInt k = 0; k < N; k++) {
    lo = PetscMin(lo, v[k * vs]);
    hi = PetscMax(hi, v[k * vs]);
  }
  reach = PetscSqrtReal((hi - lo) / a);
  if (reach < 0.5 * N) {
    const PetscInt R = (PetscInt)PetscCeilReal(reach) + 1;
    k0               = -R - 1;
    k1               = N + R;
  }
  hull[0] = k0;
  z[0]    = PETSC_NINFINITY;
  for (PetscInt k = k0 + 1; k <= k1; k++) {
    const PetscReal vk = V(k);
    PetscReal       s;
    for (;;) { /* z[0] = -inf ends the loop */
      const PetscInt p = hull[m];
      s = 0.5 * (PetscReal)(k + p) + (vk - V(p)) / (2.0 * a * (PetscReal)(k - p));
      if (s > z[m]) break;
      m--;
    }
    hull[++m] = k;
    z[m]      = s;
  }
  z[m + 1] = PETSC_INFINITY;
  for (PetscInt i = 0; i < N; i++) {
    PetscInt k;
    while (z[j + 1] < (PetscReal)i) j++;
    k           = hull[j];
    q[i * qs]   = V(k) + a * (PetscReal)((i - k) * (i - k));
    pos[i * qs] = (PetscReal)k;
  }
  for (PetscInt k = k0; k < k1; k++) {
    const PetscReal vk = V(k), d = V(k + 1) - vk, shift = d / (2.0 * a), c = (PetscReal)k + shift;
    PetscInt        i;
    PetscReal       s, val;
    if (!(c > -2.0 && c < (PetscReal)N + 1.0)) continue; /* also skips NaN */
    i = (PetscInt)PetscFloorReal(c) + 1;
    if (i < 0 || i >= N) continue;
    s = (PetscReal)i - shift;
    if (!(s > (PetscReal)k && s < (PetscReal)(k + 1))) continue;
    val = vk + d * (s - (PetscReal)k) + a * ((PetscReal)i - s) * ((PetscReal)i - s);
    if (val < q[i * qs]) {
      q[i * qs]   = val;
      pos[i * qs] = s;
    }
  }
#undef V
}

PetscErrorCode W2CTransformApply(W2CTransform *ct, PetscReal tau, PetscBool negate, const PetscReal f[], W2CTResult *r)
{
  const W2Torus  *t    = &ct->t;
  const PetscReal sign = negate ? -1.0 : 1.0, a0 = t->h[0] * t->h[0] / (2.0 * tau), a1 = t->h[1] * t->h[1] / (2.0 * tau);
  const PetscInt  N0 = t->N[0], N1 = t->N[1];

  PetscFunctionBeginUser;
  if (t->dim == 1) {
    Line(N0, f, 1, sign, a0, r->value, r->pos0, 1, ct->hull, ct->z);
    for (PetscInt i = 0; i < N0; i++) r->pos1[i] = 0;
  } else {
    for (PetscInt j = 0; j < N1; j++) Line(N0, f + j * N0, 1, sign, a0, ct->stage + j * N0, r->pos0 + j * N0, 1, ct->hull, ct->z);
    /* each column copied out and back: the line's passes then run on contiguous memory (strided, they
       missed the cache on every access from 256^2 up) */
    PetscReal *col = ct->line, *cq = ct->line + N1, *cp = ct->line + 2 * N1;
    for (PetscInt i = 0; i < N0; i++) {
      for (PetscInt j = 0; j < N1; j++) col[j] = ct->stage[j * N0 + i];
      Line(N1, col, 1, 1.0, a1, cq, cp, 1, ct->hull, ct->z);
      for (PetscInt j = 0; j < N1; j++) {
        r->value[j * N0 + i] = cq[j];
        r->pos1[j * N0 + i]  = cp[j];
      }
    }
  }
  if (negate)
    for (PetscInt p = 0; p < t->n; p++) r->value[p] = -r->value[p];
  PetscFunctionReturn(0);
}

PetscErrorCode W2CTransformPush(const W2CTransform *ct, const W2CTResult *r, const PetscReal m[], PetscReal out[], PetscReal *cost, PetscReal disp[])
{
  const W2Torus  *t  = &ct->t;
  const PetscInt  N0 = t->N[0], N1 = t->N[1], d = t->dim;
  const PetscReal h0 = t->h[0] * t->h[0], h1 = t->h[1] * t->h[1];
  PetscReal       c  = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(out, t->n));
  if (disp) PetscCall(PetscArrayzero(disp, d * t->n));
  for (PetscInt j = 0; j < N1; j++)
    for (PetscInt i = 0; i < N0; i++) {
      const PetscInt  p    = j * N0 + i;
      const PetscReal mass = m[p];
      if (mass == 0) continue;
      if (d == 1) {
        const PetscReal s = r->pos0[p], k = PetscFloorReal(s), w = s - k;
        const PetscInt  a = Wrap((PetscInt)k, N0), b = Wrap((PetscInt)k + 1, N0);
        out[a] += mass * (1.0 - w);
        out[b] += mass * w;
        c += mass * h0 * (s - i) * (s - i);
        if (disp) { /* from the receiving node back to the source point, unwrapped */
          disp[a] += mass * (1.0 - w) * (i - k) * t->h[0];
          disp[b] += mass * w * (i - k - 1.0) * t->h[0];
        }
      } else {
        const PetscReal s1 = r->pos1[p], r0 = PetscFloorReal(s1), w1 = s1 - r0;
        for (PetscInt b = 0; b < 2; b++) {
          const PetscReal wb = b ? w1 : 1.0 - w1;
          const PetscInt  rr = Wrap((PetscInt)r0 + b, N1);
          PetscReal       s0, k, w;
          if (wb == 0) continue;
          s0 = r->pos0[rr * N0 + i];
          k  = PetscFloorReal(s0);
          w  = s0 - k;
          {
            const PetscInt q0 = rr * N0 + Wrap((PetscInt)k, N0), q1 = rr * N0 + Wrap((PetscInt)k + 1, N0);
            out[q0] += mass * wb * (1.0 - w);
            out[q1] += mass * wb * w;
            if (disp) {
              const PetscReal dy = (j - r0 - b) * t->h[1];
              disp[2 * q0] += mass * wb * (1.0 - w) * (i - k) * t->h[0];
              disp[2 * q0 + 1] += mass * wb * (1.0 - w) * dy;
              disp[2 * q1] += mass * wb * w * (i - k - 1.0) * t->h[0];
              disp[2 * q1 + 1] += mass * wb * w * dy;
            }
          }
          c += mass * wb * h0 * (s0 - i) * (s0 - i);
        }
        c += mass * h1 * (s1 - j) * (s1 - j);
      }
    }
  if (disp)
    for (PetscInt p = 0; p < t->n; p++)
      for (PetscInt a = 0; a < d; a++) disp[d * p + a] = out[p] > 0 ? disp[d * p + a] / out[p] : 0.0;
  *cost = c * t->dV;
  PetscFunctionReturn(0);
}

/* ---- the semi-discrete transform: mu constant on each cell, potentials at the sites (cell centres) ----
   Q[phi](x) = min_k phi_k + |x - y_k|^2/(2 tau) for every x in the torus, y_k the cell centres. The set where
   site k attains the minimum is its Laguerre cell (a convex polygon; an interval in 1-D); integrating mu over
   the pieces gives exactly the dual term, its gradient (the masses of the cells) and the transport cost. */

/* Lower envelope of the parabolas v_k + a (s - k)^2, k in [k0, k1] (values sign * v[wrap(k) * vs]); on return
   hull[0..m] are the sites and z[0..m+1] the breakpoints, z[0] = -inf, z[m+1] = +inf. Returns m. */
static PetscInt Envelope(PetscInt N, const PetscReal *v, PetscInt vs, PetscReal a, PetscInt k0, PetscInt k1, PetscInt *hull, PetscReal *z)
{
  PetscInt m = 0;

  hull[0] = k0;
  z[0]    = PETSC_NINFINITY;
  for (PetscInt k = k0 + 1; k <= k1; k++) {
    const PetscReal vk = v[Wrap(k, N) * vs];
    PetscReal       s;
    for (;;) {
      const PetscInt p = hull[m];
      s = 0.5 * (PetscReal)(k + p) + (vk - v[Wrap(p, N) * vs]) / (2.0 * a * (PetscReal)(k - p));
      if (s > z[m]) break;
      m--;
    }
    hull[++m] = k;
    z[m]      = s;
  }
  z[m + 1] = PETSC_INFINITY;
  return m;
}

PetscErrorCode W2SemiDiscreteCreate(const W2Torus *t, W2SemiDiscrete **sd)
{
  W2SemiDiscrete *s;
  PetscInt        nmax = PetscMax(t->N[0], t->N[1]), window = 2 * nmax + 8;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&s));
  s->t    = *t;
  s->comm = PETSC_COMM_SELF;
  s->size = 1;
  PetscCall(PetscMalloc3(window, &s->hull, window + 1, &s->z, t->n, &s->stage));
  PetscCall(PetscMalloc4(t->n, &s->row_arg, 2 * t->n, &s->centre, 2 * t->n, &s->corner, 2 * t->n, &s->bary));
  s->rowcap = window;
  PetscCall(PetscMalloc4(t->N[1] * window, &s->rowhull, t->N[1] * (window + 1), &s->rowz, t->N[1], &s->rowm, t->n, &s->celllb));
  PetscCall(PetscMalloc3(t->n, &s->cellg, t->N[0], &s->colmin, t->N[1] + 4, &s->rows));
  s->ncap = 64;
  PetscCall(PetscMalloc5(s->ncap, &s->cand1, s->ncap, &s->cand2, s->ncap, &s->cphi, s->ncap + 8, &s->px, s->ncap + 8, &s->py));
  PetscCall(PetscMalloc3(s->ncap + 8, &s->wx, s->ncap + 8, &s->wy, s->ncap, &s->piece));
  PetscCall(PetscMalloc2(s->ncap + 8, &s->plab, s->ncap + 8, &s->wlab));
  *sd = s;
  PetscFunctionReturn(0);
}

PetscErrorCode W2SemiDiscreteDestroy(W2SemiDiscrete **sd)
{
  PetscFunctionBeginUser;
  if (!*sd) PetscFunctionReturn(0);
  PetscCall(PetscFree3((*sd)->hull, (*sd)->z, (*sd)->stage));
  PetscCall(PetscFree4((*sd)->row_arg, (*sd)->centre, (*sd)->corner, (*sd)->bary));
  PetscCall(PetscFree4((*sd)->rowhull, (*sd)->rowz, (*sd)->rowm, (*sd)->celllb));
  PetscCall(PetscFree3((*sd)->cellg, (*sd)->colmin, (*sd)->rows));
  PetscCall(PetscFree5((*sd)->cand1, (*sd)->cand2, (*sd)->cphi, (*sd)->px, (*sd)->py));
  PetscCall(PetscFree3((*sd)->wx, (*sd)->wy, (*sd)->piece));
  PetscCall(PetscFree2((*sd)->plab, (*sd)->wlab));
  /* grown one by one (PetscRealloc): freed one by one */
  PetscCall(PetscFree((*sd)->hrow));
  PetscCall(PetscFree((*sd)->hcol));
  PetscCall(PetscFree((*sd)->hval));
  PetscCall(PetscFree((*sd)->fc));
  PetscCall(PetscFree((*sd)->fe));
  PetscCall(PetscFree((*sd)->flen));
  PetscCall(PetscFree((*sd)->rw));
  PetscCall(PetscFree((*sd)->rv));
  PetscCall(PetscFree(*sd));
  PetscFunctionReturn(0);
}

PetscErrorCode W2SemiDiscreteSetHessian(W2SemiDiscrete *sd, PetscBool hessian)
{
  PetscFunctionBeginUser;
  sd->hessian = hessian;
  sd->nh      = 0;
  PetscFunctionReturn(0);
}

/* 2-D: the lower envelope of every row of sites, kept for queries at any x_1; per row r and cell column i
   the envelope piece at x_1 = i - 1/2 (cellg: queries inside the cell walk from it instead of bisecting)
   and a lower bound of the row's envelope over the cell (celllb: each piece's parabola minimised over the
   whole cell), and per column the smallest bound over the rows (colmin). The bounds prune GlobalMin. */
static void BuildRows(W2SemiDiscrete *s, const PetscReal phi[], PetscReal a0)
{
  const PetscInt N0 = s->t.N[0], N1 = s->t.N[1], W = s->rowcap;
  for (PetscInt i = 0; i < N0; i++) s->colmin[i] = PETSC_MAX_REAL;
  for (PetscInt r = 0; r < N1; r++) {
    const PetscInt  *hull = s->rowhull + r * W;
    const PetscReal *z    = s->rowz + r * (W + 1);
    PetscInt         g    = 0;
    s->rowm[r]            = Envelope(N0, phi + r * N0, 1, a0, -(N0 / 2) - 2, N0 + N0 / 2 + 1, s->rowhull + r * W, s->rowz + r * (W + 1));
    for (PetscInt i = 0; i < N0; i++) {
      const PetscReal lo = i - 0.5, hi = i + 0.5;
      PetscReal       lb = PETSC_MAX_REAL;
      while (z[g + 1] <= lo) g++;
      s->cellg[r * N0 + i] = g;
      for (PetscInt gg = g;; gg++) {
        const PetscInt  k = hull[gg];
        const PetscReal c = PetscMin(PetscMax((PetscReal)k, lo), hi);
        lb                = PetscMin(lb, phi[r * N0 + Wrap(k, N0)] + a0 * (c - k) * (c - k));
        if (z[gg + 1] > hi) break;
      }
      lb -= 1e-12 * (1.0 + PetscAbsReal(lb)); /* still a bound for query points rounded an ulp outside the cell */
      s->celllb[r * N0 + i] = lb;
      s->colmin[i]          = PetscMin(s->colmin[i], lb);
    }
  }
}

/* min over k1 of phi(k1, r) + a0 (x1 - k1)^2 for row r (0 <= r < N1) at x1 in cell column i: the envelope
   piece g with z[g] <= x1 < z[g+1], walked to from the piece at the cell's left end */
static inline PetscReal RowQuery(const W2SemiDiscrete *s, const PetscReal phi[], PetscReal a0, PetscInt r, PetscInt i, PetscReal x1, PetscInt *k1)
{
  const PetscInt   W = s->rowcap, N0 = s->t.N[0];
  const PetscReal *z = s->rowz + r * (W + 1);
  PetscInt         g = s->cellg[r * N0 + i];
  while (g > 0 && z[g] > x1) g--; /* x1 an ulp left of the cell */
  while (z[g + 1] <= x1) g++;     /* z[m + 1] = +inf ends it */
  *k1 = s->rowhull[r * W + g];
  return phi[r * N0 + Wrap(*k1, N0)] + a0 * (x1 - *k1) * (x1 - *k1);
}

/* argmin sites (unwrapped indices) at the points (i + off, j + off) of every cell: row queries swept in
   order, then the envelope of each column of row minima */
static void Argmins2D(W2SemiDiscrete *s, const PetscReal phi[], PetscReal a0, PetscReal a1, PetscReal off, PetscInt k1[], PetscInt k2[])
{
  const W2Torus *t  = &s->t;
  const PetscInt N0 = t->N[0], N1 = t->N[1], W = s->rowcap;

  for (PetscInt r = 0; r < N1; r++) {
    const PetscInt  *hull = s->rowhull + r * W;
    const PetscReal *z    = s->rowz + r * (W + 1);
    PetscInt         g    = 0;
    for (PetscInt i = 0; i < N0; i++) {
      const PetscReal x = (PetscReal)i + off;
      while (z[g + 1] < x) g++;
      s->stage[r * N0 + i]   = phi[r * N0 + Wrap(hull[g], N0)] + a0 * (x - hull[g]) * (x - hull[g]);
      s->row_arg[r * N0 + i] = hull[g];
    }
  }
  for (PetscInt i = 0; i < N0; i++) {
    PetscInt jj = 0;
    (void)Envelope(N1, s->stage + i, N0, a1, -(N1 / 2) - 2, N1 + N1 / 2 + 1, s->hull, s->z);
    for (PetscInt j = 0; j < N1; j++) {
      const PetscReal y = (PetscReal)j + off;
      while (s->z[jj + 1] < y) jj++;
      k2[j * N0 + i] = s->hull[jj];
      k1[j * N0 + i] = s->row_arg[Wrap(s->hull[jj], N1) * N0 + i];
    }
  }
}

/* The rows that can win anywhere in cell (i, j): every winner's function phi_w + c(., y_w) is convex, so it is
   at most its largest corner value U_w on the cell, and Q <= U = min_w U_w there; a row whose bound celllb
   plus a1 (its distance to the cell)^2 exceeds U never attains Q in the cell. Listed nearest first. */
static void CellRows(W2SemiDiscrete *s, PetscReal a0, PetscReal a1, PetscInt i, PetscInt j, PetscInt nw)
{
  const PetscInt  N0 = s->t.N[0], N1 = s->t.N[1], R = N1 / 2 + 1;
  PetscReal       U  = PETSC_MAX_REAL;
  for (PetscInt w = 0; w < nw; w++) {
    const PetscReal d1 = (PetscReal)(s->cand1[w] - i), d2 = (PetscReal)(s->cand2[w] - j);
    PetscReal       u  = PETSC_MIN_REAL;
    for (PetscInt c = 0; c < 4; c++) {
      const PetscReal cx = (c & 1) ? 0.5 : -0.5, cy = (c & 2) ? 0.5 : -0.5;
      u                  = PetscMax(u, s->cphi[w] + a0 * (cx - d1) * (cx - d1) + a1 * (cy - d2) * (cy - d2));
    }
    U = PetscMin(U, u);
  }
  U += 1e-12 * (1.0 + PetscAbsReal(U)); /* query points an ulp outside the cell */
  s->nrows = 0;
  for (PetscInt d = 0; d <= R; d++) {
    const PetscReal dist = d > 0 ? d - 0.5 : 0.0;
    if (s->colmin[i] + a1 * dist * dist > U) break; /* no row this far or farther */
    for (PetscInt side = 0; side < (d ? 2 : 1); side++) {
      const PetscInt r = side ? j - d : j + d;
      if (s->celllb[Wrap(r, N1) * N0 + i] + a1 * dist * dist <= U) s->rows[s->nrows++] = r;
    }
  }
}

/* the global minimum of phi_k + a0 (x1 - k1)^2 + a1 (x2 - k2)^2 at a point (x1, x2) of cell (i, j), over the
   rows CellRows listed, below `bound` (only a site below it matters to the caller). Returns the value and
   the site (unwrapped). */
static PetscReal GlobalMin(const W2SemiDiscrete *s, const PetscReal phi[], PetscReal a0, PetscReal a1, PetscInt i, PetscReal x1, PetscReal x2, PetscReal bound, PetscInt *k1, PetscInt *k2)
{
  const PetscInt N0 = s->t.N[0], N1 = s->t.N[1];
  PetscReal      best = bound;
  for (PetscInt l = 0; l < s->nrows; l++) {
    const PetscInt  r = s->rows[l], rw = Wrap(r, N1);
    const PetscReal q = a1 * (x2 - r) * (x2 - r);
    PetscInt        c1;
    PetscReal       v;
    if (s->celllb[rw * N0 + i] + q >= best) continue;
    v = RowQuery(s, phi, a0, rw, i, x1, &c1) + q;
    if (v < best) {
      best = v;
      *k1  = c1;
      *k2  = r;
    }
  }
  return best;
}

/* Sutherland-Hodgman: clip the convex polygon (x, y)[n] by al0 x + al1 y <= be; returns the new count.
   lab[k] names the half-plane that made the edge from vertex k to k + 1: an edge cut along this line gets
   `e`, and so does a kept edge lying on the line within round-off (a facet along the cell boundary). */
static PetscInt ClipHalfPlane(PetscInt n, PetscReal *x, PetscReal *y, PetscInt *lab, PetscReal al0, PetscReal al1, PetscReal be, PetscInt e, PetscReal *wx, PetscReal *wy, PetscInt *wlab)
{
  const PetscReal tol = 1e-12 * (PetscAbsReal(al0) + PetscAbsReal(al1) + PetscAbsReal(be));
  PetscInt        m   = 0;
  for (PetscInt k = 0; k < n; k++) {
    const PetscInt  l  = (k + 1) % n;
    const PetscReal fk = al0 * x[k] + al1 * y[k] - be, fl = al0 * x[l] + al1 * y[l] - be;
    if (fk <= 0) {
      wx[m]     = x[k];
      wlab[m]   = ((fk == 0 && fl > 0) || (PetscAbsReal(fk) <= tol && PetscAbsReal(fl) <= tol)) ? e : lab[k];
      wy[m++]   = y[k];
    }
    if ((fk < 0 && fl > 0) || (fk > 0 && fl < 0)) {
      const PetscReal c = fk / (fk - fl);
      wx[m]             = x[k] + c * (x[l] - x[k]);
      wlab[m]           = fk < 0 ? e : lab[k]; /* leaving: the cut follows; entering: the rest of edge k */
      wy[m++]           = y[k] + c * (y[l] - y[k]);
    }
  }
  for (PetscInt k = 0; k < m; k++) {
    x[k]   = wx[k];
    y[k]   = wy[k];
    lab[k] = wlab[k];
  }
  return m;
}

/* room for `need` entries in the growable arrays a, b, c (capacity *cap) */
static PetscErrorCode GrowTriplets(PetscInt need, PetscInt *cap, PetscInt **a, PetscInt **b, PetscReal **c)
{
  PetscFunctionBeginUser;
  if (need <= *cap) PetscFunctionReturn(0);
  *cap = PetscMax(2 * *cap, PetscMax(need, 1024));
  PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)*cap, a));
  PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)*cap, b));
  PetscCall(PetscRealloc(sizeof(PetscReal) * (size_t)*cap, c));
  PetscFunctionReturn(0);
}

/* one facet of the Laguerre diagram between the (wrapped) sites r and c: weight v, see jkoimpl.h */
static inline PetscErrorCode AddFacet(W2SemiDiscrete *s, PetscInt r, PetscInt c, PetscReal v)
{
  PetscFunctionBeginUser;
  if (r == c || v == 0) PetscFunctionReturn(0); /* two images of one site: their facet does not move */
  PetscCall(GrowTriplets(s->nh + 1, &s->hcap, &s->hrow, &s->hcol, &s->hval));
  s->hrow[s->nh]   = r;
  s->hcol[s->nh]   = c;
  s->hval[s->nh++] = v;
  PetscFunctionReturn(0);
}

static PetscErrorCode Grow(W2SemiDiscrete *s, PetscInt need)
{
  PetscFunctionBeginUser;
  if (need <= s->ncap) PetscFunctionReturn(0);
  PetscCheck(need <= 65536, PETSC_COMM_SELF, PETSC_ERR_SUP, "semi-discrete transform: a cell meets %" PetscInt_FMT " candidate Laguerre cells; the potential is too irregular", need);
  {
    PetscInt  *c1, *c2, cap = 2 * need;
    PetscReal *cp, *px, *py, *wx, *wy;
    W2Piece   *pc;
    PetscCall(PetscMalloc5(cap, &c1, cap, &c2, cap, &cp, cap + 8, &px, cap + 8, &py));
    PetscCall(PetscMalloc3(cap + 8, &wx, cap + 8, &wy, cap, &pc));
    PetscCall(PetscArraycpy(c1, s->cand1, s->nc));
    PetscCall(PetscArraycpy(c2, s->cand2, s->nc));
    PetscCall(PetscArraycpy(cp, s->cphi, s->nc));
    PetscCall(PetscFree5(s->cand1, s->cand2, s->cphi, s->px, s->py));
    PetscCall(PetscFree3(s->wx, s->wy, s->piece));
    PetscCall(PetscFree2(s->plab, s->wlab));
    PetscCall(PetscMalloc2(cap + 8, &s->plab, cap + 8, &s->wlab));
    s->cand1 = c1; s->cand2 = c2; s->cphi = cp; s->px = px; s->py = py; s->wx = wx; s->wy = wy; s->piece = pc;
    s->ncap = cap;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode AddCandidate(W2SemiDiscrete *s, const PetscReal phi[], PetscInt k1, PetscInt k2)
{
  PetscFunctionBeginUser;
  PetscCall(Grow(s, s->nc + 1));
  s->cand1[s->nc]  = k1;
  s->cand2[s->nc]  = k2;
  s->cphi[s->nc++] = phi[Wrap(k2, s->t.N[1]) * s->t.N[0] + Wrap(k1, s->t.N[0])];
  PetscFunctionReturn(0);
}

/* The pieces of cell (i, j) ([-1/2,1/2]^2 in local index units) where each candidate is the best. Every
   vertex of every piece is checked against the global minimum; a site found better is added and the cell
   redone. When no vertex finds one the pieces are exact: a site better than the owner somewhere in a
   convex piece is better on a half-plane, which contains a vertex of the piece. */
static PetscErrorCode CellPieces(W2SemiDiscrete *s, const PetscReal phi[], PetscReal a0, PetscReal a1, PetscInt i, PetscInt j, PetscInt *npieces)
{
  PetscFunctionBeginUser;
  for (PetscInt pass = 0;; pass++) {
    const PetscInt nc = s->nc;
    PetscInt       np = 0;
    s->nf             = 0;
    PetscCheck(pass < 100, PETSC_COMM_SELF, PETSC_ERR_PLIB, "semi-discrete transform: the Laguerre cells of cell (%" PetscInt_FMT ",%" PetscInt_FMT ") did not settle", i, j);
    for (PetscInt c = 0; c < nc; c++) {
      PetscReal      *x = s->px, *y = s->py;
      PetscInt       *lab = s->plab;
      const PetscReal sc0 = (PetscReal)(s->cand1[c] - i), sc1 = (PetscReal)(s->cand2[c] - j);
      PetscInt        n = 4, nf0 = s->nf;
      x[0] = -0.5; x[1] = 0.5; x[2] = 0.5; x[3] = -0.5;
      y[0] = -0.5; y[1] = -0.5; y[2] = 0.5; y[3] = 0.5;
      lab[0] = lab[1] = lab[2] = lab[3] = -1;
      for (PetscInt e = 0; e < nc && n > 0; e++) {
        PetscReal sd0, sd1;
        if (e == c) continue;
        sd0 = (PetscReal)(s->cand1[e] - i);
        sd1 = (PetscReal)(s->cand2[e] - j);
        n   = ClipHalfPlane(n, x, y, lab, 2.0 * a0 * (sd0 - sc0), 2.0 * a1 * (sd1 - sc1), s->cphi[e] - s->cphi[c] + a0 * (sd0 * sd0 - sc0 * sc0) + a1 * (sd1 * sd1 - sc1 * sc1), e, s->wx, s->wy, s->wlab);
      }
      if (n < 3) continue;
      if (s->hessian) /* the facets of this piece: edges cut by another candidate, lengths in physical units */
        for (PetscInt k = 0; k < n; k++) {
          const PetscInt l = (k + 1) % n;
          if (lab[k] < 0) continue;
          PetscCall(GrowTriplets(s->nf + 1, &s->fcap, &s->fc, &s->fe, &s->flen));
          s->fc[s->nf]     = c;
          s->fe[s->nf]     = lab[k];
          s->flen[s->nf++] = PetscSqrtReal(PetscSqr((x[l] - x[k]) * s->t.h[0]) + PetscSqr((y[l] - y[k]) * s->t.h[1]));
        }
      for (PetscInt k = 0; k < n; k++) {
        const PetscReal fc = s->cphi[c] + a0 * (x[k] - sc0) * (x[k] - sc0) + a1 * (y[k] - sc1) * (y[k] - sc1);
        PetscInt        g1 = 0, g2 = 0;
        const PetscReal g  = GlobalMin(s, phi, a0, a1, i, i + x[k], j + y[k], fc, &g1, &g2);
        if (g < fc - 1e-11 * (1.0 + PetscAbsReal(fc))) {
          PetscBool known = PETSC_FALSE;
          for (PetscInt e = 0; e < s->nc && !known; e++) known = (PetscBool)(s->cand1[e] == g1 && s->cand2[e] == g2);
          if (!known) PetscCall(AddCandidate(s, phi, g1, g2));
        }
      }
      {
        W2Piece *pc = &s->piece[np];
        pc->A = pc->X = pc->Y = pc->XX = pc->YY = 0;
        for (PetscInt k = 0; k < n; k++) {
          const PetscInt  l  = (k + 1) % n;
          const PetscReal cr = x[k] * y[l] - x[l] * y[k];
          pc->A += cr;
          pc->X += (x[k] + x[l]) * cr;
          pc->Y += (y[k] + y[l]) * cr;
          pc->XX += (x[k] * x[k] + x[k] * x[l] + x[l] * x[l]) * cr;
          pc->YY += (y[k] * y[k] + y[k] * y[l] + y[l] * y[l]) * cr;
        }
        pc->A *= 0.5;
        pc->X /= 6.0;
        pc->Y /= 6.0;
        pc->XX /= 12.0;
        pc->YY /= 12.0;
        pc->c = c;
        if (pc->A > 0) np++;
        else s->nf = nf0;
      }
    }
    if (s->nc == nc) {
      *npieces = np;
      break;
    }
  }
  PetscFunctionReturn(0);
}

/* one piece's mass, first moments (the barycentric map), cost and dual term, added to the sums */
static inline void AddPiece(PetscInt w, const PetscReal v[5], PetscReal push[], PetscReal bary[], PetscReal *C, PetscReal *D)
{
  push[w] += v[0];
  bary[2 * w] += v[1];
  bary[2 * w + 1] += v[2];
  *C += v[3];
  *D += v[4];
}

/* split over ranks: the pieces are kept in cell order and added after the cells of every rank are known */
static PetscErrorCode RecordPiece(W2SemiDiscrete *s, PetscInt w, const PetscReal v[5])
{
  PetscFunctionBeginUser;
  if (s->nr + 1 > s->rcap) {
    s->rcap = PetscMax(2 * s->rcap, 4096);
    PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)s->rcap, &s->rw));
    PetscCall(PetscRealloc(sizeof(PetscReal) * 5 * (size_t)s->rcap, &s->rv));
  }
  s->rw[s->nr] = w;
  PetscCall(PetscArraycpy(s->rv + 5 * s->nr++, v, 5));
  PetscFunctionReturn(0);
}

/* concatenate over the ranks, in rank order, the arrays *a of width values (type, esize bytes each) per
   entry, cnt[r] entries on rank r; *a is reallocated to hold the total */
static PetscErrorCode Gather(MPI_Comm comm, PetscMPIInt size, const PetscMPIInt cnt[], const PetscMPIInt off[], PetscInt total, MPI_Datatype type, size_t esize, PetscInt width, void **a)
{
  const size_t bytes = esize * ((size_t)width * total + 1);
  void        *all;
  PetscMPIInt *c, *o, rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMalloc(bytes, &all));
  PetscCall(PetscMalloc2(size, &c, size, &o));
  for (PetscMPIInt r = 0; r < size; r++) {
    c[r] = (PetscMPIInt)(width * cnt[r]);
    o[r] = (PetscMPIInt)(width * off[r]);
  }
  PetscCallMPI(MPI_Allgatherv(*a, c[rank], type, all, c, o, type, comm));
  PetscCall(PetscRealloc(bytes, a));
  PetscCall(PetscMemcpy(*a, all, bytes));
  PetscCall(PetscFree(all));
  PetscCall(PetscFree2(c, o));
  PetscFunctionReturn(0);
}

/* the ranks' pieces and Hessian triplets, concatenated in rank order (= row order, = the serial cell order)
   and added on every rank in that order: the same bits as one rank, on every rank (redundant solves follow) */
static PetscErrorCode Combine(W2SemiDiscrete *s, PetscReal push[], PetscReal *D, PetscReal *C)
{
  PetscMPIInt *cnt, *off, mine[2] = {(PetscMPIInt)s->nr, (PetscMPIInt)s->nh}, *both;
  PetscInt     total = 0, htotal = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(s->size, &cnt, s->size, &off, 2 * s->size, &both));
  PetscCallMPI(MPI_Allgather(mine, 2, MPI_INT, both, 2, MPI_INT, s->comm));
  for (PetscMPIInt r = 0; r < s->size; r++) {
    cnt[r] = both[2 * r];
    off[r] = (PetscMPIInt)total;
    total += cnt[r];
  }
  PetscCall(Gather(s->comm, s->size, cnt, off, total, MPIU_INT, sizeof(PetscInt), 1, (void **)&s->rw));
  PetscCall(Gather(s->comm, s->size, cnt, off, total, MPIU_REAL, sizeof(PetscReal), 5, (void **)&s->rv));
  s->rcap = total; /* every array holds at least this many */
  for (PetscInt k = 0; k < total; k++) AddPiece(s->rw[k], s->rv + 5 * k, push, s->bary, C, D);
  s->nr = 0;
  if (s->hessian) {
    for (PetscMPIInt r = 0; r < s->size; r++) {
      cnt[r] = both[2 * r + 1];
      off[r] = (PetscMPIInt)htotal;
      htotal += cnt[r];
    }
    PetscCall(Gather(s->comm, s->size, cnt, off, htotal, MPIU_INT, sizeof(PetscInt), 1, (void **)&s->hrow));
    PetscCall(Gather(s->comm, s->size, cnt, off, htotal, MPIU_INT, sizeof(PetscInt), 1, (void **)&s->hcol));
    PetscCall(Gather(s->comm, s->size, cnt, off, htotal, MPIU_REAL, sizeof(PetscReal), 1, (void **)&s->hval));
    s->hcap = htotal;
    s->nh   = htotal;
  }
  PetscCall(PetscFree3(cnt, off, both));
  PetscFunctionReturn(0);
}

PetscErrorCode W2SemiDiscreteSetComm(W2SemiDiscrete *sd, MPI_Comm comm)
{
  PetscMPIInt size, rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  sd->comm = comm;
  sd->size = sd->t.dim == 2 ? size : 1; /* 1-D costs O(N): every rank does it all */
  sd->rank = sd->t.dim == 2 ? rank : 0;
  PetscFunctionReturn(0);
}

PetscErrorCode W2SemiDiscreteEvaluate(W2SemiDiscrete *s, PetscReal tau, const PetscReal phi[], const PetscReal mu[], PetscReal *dual, PetscReal push[], PetscReal *cost, PetscReal centre_value[])
{
  const W2Torus  *t  = &s->t;
  const PetscInt  N0 = t->N[0], N1 = t->N[1], d = t->dim;
  const PetscReal a0 = t->h[0] * t->h[0] / (2.0 * tau), a1 = t->h[1] * t->h[1] / (2.0 * tau);
  PetscReal       D = 0, C = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(push, t->n));
  PetscCall(PetscArrayzero(s->bary, d * t->n));
  s->nh = 0;
  if (d == 1) {
    /* the envelope over the whole unrolled line, swept against the cells [i - 1/2, i + 1/2] */
    PetscInt        m  = Envelope(N0, phi, 1, a0, -(N0 / 2) - 2, N0 + N0 / 2 + 1, s->hull, s->z), seg = 0;
    const PetscReal h2 = t->h[0] * t->h[0];
    (void)m;
    for (PetscInt i = 0; i < N0; i++) {
      const PetscReal lo = i - 0.5, hi = i + 0.5, mi = mu[i];
      while (s->z[seg + 1] <= lo) seg++;
      if (centre_value) {
        PetscInt sc = seg;
        while (s->z[sc + 1] < (PetscReal)i) sc++;
        centre_value[i] = phi[Wrap(s->hull[sc], N0)] + a0 * (i - s->hull[sc]) * (i - s->hull[sc]);
      }
      for (PetscInt g = seg;; g++) {
        const PetscInt  k = s->hull[g], w = Wrap(k, N0);
        const PetscReal u0 = PetscMax(lo, s->z[g]) - k, u1 = PetscMin(hi, s->z[g + 1]) - k;
        if (u1 > u0 && mi != 0) {
          const PetscReal len = u1 - u0, m2 = (u1 * u1 * u1 - u0 * u0 * u0) / 3.0, m1 = 0.5 * (u1 * u1 - u0 * u0);
          push[w] += mi * len;
          s->bary[w] += mi * m1 * t->h[0];
          C += mi * h2 * m2;
          D += mi * (phi[w] * len + a0 * m2);
        }
        /* a Laguerre end point in (lo, hi]: moving phi moves it by tau / |y_k - y_k'| per unit */
        if (s->hessian && mi != 0 && s->z[g + 1] <= hi) PetscCall(AddFacet(s, w, Wrap(s->hull[g + 1], N0), mi * tau / (t->h[0] * (PetscReal)(s->hull[g + 1] - k) * t->dV)));
        if (s->z[g + 1] >= hi) break;
      }
    }
  } else {
    PetscInt *c1 = s->centre, *c2 = s->centre + t->n, *r1 = s->corner, *r2 = s->corner + t->n;
    BuildRows(s, phi, a0);
    Argmins2D(s, phi, a0, a1, 0.0, c1, c2);
    if (centre_value)
      for (PetscInt j = 0; j < N1; j++)
        for (PetscInt i = 0; i < N0; i++) {
          const PetscInt k1 = c1[j * N0 + i], k2 = c2[j * N0 + i];
          centre_value[j * N0 + i] = phi[Wrap(k2, N1) * N0 + Wrap(k1, N0)] + a0 * (i - k1) * (i - k1) + a1 * (j - k2) * (j - k2);
        }
    Argmins2D(s, phi, a0, a1, -0.5, r1, r2);
    /* the clipping, the costly part, by rows of cells split over the ranks of s->comm (the rest is O(N)) */
    for (PetscInt j = N1 * s->rank / s->size; j < N1 * (s->rank + 1) / s->size; j++)
      for (PetscInt i = 0; i < N0; i++) {
        const PetscReal mi = mu[j * N0 + i];
        PetscInt        np;
        if (mi == 0) continue;
        /* candidates: the distinct sites that win at the centre and the four corners. CellPieces adds any site
           that wins at a vertex of a piece, so the cells come out exact; starting from a box of neighbours
           instead saved passes but cost more clipping (bench_jko: 1.4x the CPU time of a 64^2 step). */
        s->nc = 0;
        for (PetscInt c = 0; c < 5; c++) {
          const PetscInt ci = i + (c == 2 || c == 4), cj = j + (c == 3 || c == 4);
          PetscInt       k1, k2;
          PetscBool      known = PETSC_FALSE;
          if (c == 0) {
            k1 = c1[j * N0 + i];
            k2 = c2[j * N0 + i];
          } else {
            k1 = r1[(cj % N1) * N0 + (ci % N0)] + (ci == N0 ? N0 : 0); /* the corner across the period, seen from this cell */
            k2 = r2[(cj % N1) * N0 + (ci % N0)] + (cj == N1 ? N1 : 0);
          }
          for (PetscInt e = 0; e < s->nc && !known; e++) known = (PetscBool)(s->cand1[e] == k1 && s->cand2[e] == k2);
          if (!known) PetscCall(AddCandidate(s, phi, k1, k2));
        }
        CellRows(s, a0, a1, i, j, s->nc);
        PetscCall(CellPieces(s, phi, a0, a1, i, j, &np));
        for (PetscInt q = 0; q < np; q++) {
          const W2Piece  *pc  = &s->piece[q];
          const PetscReal sc0 = (PetscReal)(s->cand1[pc->c] - i), sc1 = (PetscReal)(s->cand2[pc->c] - j);
          const PetscInt  w   = Wrap(s->cand2[pc->c], N1) * N0 + Wrap(s->cand1[pc->c], N0);
          /* moments about the site: int (x - s)^2 = XX - 2 s X + s^2 A */
          const PetscReal m20 = pc->XX - 2.0 * sc0 * pc->X + sc0 * sc0 * pc->A, m02 = pc->YY - 2.0 * sc1 * pc->Y + sc1 * sc1 * pc->A;
          const PetscReal v[5] = {mi * pc->A, mi * (pc->X - sc0 * pc->A) * t->h[0], mi * (pc->Y - sc1 * pc->A) * t->h[1], mi * (t->h[0] * t->h[0] * m20 + t->h[1] * t->h[1] * m02), mi * (s->cphi[pc->c] * pc->A + a0 * m20 + a1 * m02)};
          if (s->size > 1) PetscCall(RecordPiece(s, w, v));
          else AddPiece(w, v, push, s->bary, &C, &D);
        }
        /* each facet is seen from both of its pieces: half from each side */
        for (PetscInt f = 0; f < s->nf; f++) {
          const PetscInt  c = s->fc[f], e = s->fe[f];
          const PetscReal dist = PetscSqrtReal(PetscSqr((s->cand1[e] - s->cand1[c]) * t->h[0]) + PetscSqr((s->cand2[e] - s->cand2[c]) * t->h[1]));
          PetscCall(AddFacet(s, Wrap(s->cand2[c], N1) * N0 + Wrap(s->cand1[c], N0), Wrap(s->cand2[e], N1) * N0 + Wrap(s->cand1[e], N0), 0.5 * mi * s->flen[f] * tau / (dist * t->dV)));
        }
      }
    if (s->size > 1) PetscCall(Combine(s, push, &D, &C));
  }
  for (PetscInt p = 0; p < t->n; p++)
    for (PetscInt a = 0; a < d; a++) s->bary[d * p + a] = push[p] > 0 ? s->bary[d * p + a] / push[p] : 0.0;
  *dual = D * t->dV;
  *cost = C * t->dV;
  PetscFunctionReturn(0);
}
