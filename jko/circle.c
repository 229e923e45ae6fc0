/// @file Exact W2 on the circle by quantile functions and the optimal shift (Delon, Salomon, Sobolevski 2010): the 1-D reference.
#include "jko/jkoimpl.h"

/* A quantile function on [0,1] as contiguous linear pieces: on [t0[s], t0[s+1]) it runs from x0[s] to x1[s]
   (jumps between pieces where a cell carries no mass). */
typedef struct {
  PetscInt   n;
  PetscReal *t0, *x0, *x1; /* t0 has n + 1 entries, t0[0] = 0, t0[n] = 1 */
} Quantile;

/* F(x) of a density constant on each cell [k h, (k+1) h) is linear on the cell, so F^-1 is linear on
   [F_k, F_{k+1}] from k h to (k+1) h. Levels are divided by the total so that the last is exactly 1. */
static PetscErrorCode QuantileCreate(PetscInt N, PetscReal L, const PetscReal m[], Quantile *Q)
{
  const PetscReal h = L / N;
  PetscReal       total = 0, acc = 0;

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < N; k++) {
    PetscCheck(m[k] >= 0 && !PetscIsInfOrNanReal(m[k]), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "circle W2: density value %g in cell %" PetscInt_FMT " is not finite and >= 0", (double)m[k], k);
    total += m[k];
  }
  PetscCheck(total > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "circle W2: a density has no mass");
  PetscCall(PetscMalloc3(N + 1, &Q->t0, N, &Q->x0, N, &Q->x1));
  Q->n     = 0;
  Q->t0[0] = 0;
  for (PetscInt k = 0; k < N; k++) {
    if (m[k] == 0) continue;
    acc += m[k];
    Q->x0[Q->n]     = k * h;
    Q->x1[Q->n]     = (k + 1) * h;
    Q->t0[++Q->n]   = acc / total;
  }
  Q->t0[Q->n] = 1.0;
  PetscFunctionReturn(0);
}

static PetscErrorCode QuantileDestroy(Quantile *Q)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree3(Q->t0, Q->x0, Q->x1));
  PetscFunctionReturn(0);
}

static inline PetscReal Eval(const PetscReal t0, const PetscReal t1, const PetscReal x0, const PetscReal x1, PetscReal t) { return x0 + (x1 - x0) * (t - t0) / (t1 - t0); }

/* C(theta) = int_0^1 |A(t) - B(t + theta)|^2 dt with B(s + 1) = B(s) + L: both sides are linear between
   the merged breakpoints, where int of a squared linear e is (b - a)(e_a^2 + e_a e_b + e_b^2)/3. */
static PetscReal ShiftCost(const Quantile *A, const Quantile *B, PetscReal L, PetscReal theta)
{
  const PetscReal fl = PetscFloorReal(theta), start = theta - fl;
  PetscInt        ia = 0, ib = 0, wrap = 0;
  PetscReal       t = 0, sum = 0;

  /* the piece of B containing level start */
  while (ib < B->n - 1 && B->t0[ib + 1] <= start) ib++;
  while (t < 1.0 && ia < A->n) {
    /* B's current piece, on the t axis: [B.t0[ib] + wrap - start, B.t0[ib+1] + wrap - start), positions + (fl + wrap) L */
    const PetscReal bt0 = B->t0[ib] + wrap - start, bt1 = B->t0[ib + 1] + wrap - start, shift = (fl + wrap) * L;
    const PetscReal at1 = A->t0[ia + 1], tend = PetscMin(PetscMin(at1, bt1), 1.0);
    if (tend > t) {
      const PetscReal ea = Eval(A->t0[ia], at1, A->x0[ia], A->x1[ia], t) - (Eval(bt0, bt1, B->x0[ib], B->x1[ib], t) + shift);
      const PetscReal eb = Eval(A->t0[ia], at1, A->x0[ia], A->x1[ia], tend) - (Eval(bt0, bt1, B->x0[ib], B->x1[ib], tend) + shift);
      sum += (tend - t) * (ea * ea + ea * eb + eb * eb) / 3.0;
      t = tend;
    }
    if (at1 <= t) ia++;
    if (bt1 <= t) {
      if (++ib == B->n) {
        ib = 0;
        wrap++;
      }
    }
  }
  return sum;
}

PetscErrorCode W2CircleW2(PetscInt N, PetscReal L, const PetscReal mu[], const PetscReal nu[], PetscReal *w2sq, PetscReal *theta)
{
  Quantile        A, B;
  const PetscReal golden = 0.5 * (PetscSqrtReal(5.0) - 1.0);
  /* the mean displacement is mean(A) - mean(B) - L theta, so |theta| > 3/2 costs more than (L/2)^2, an upper bound of W2^2 */
  PetscReal lo = -2.0, hi = 2.0, c, d, fc, fd;

  PetscFunctionBeginUser;
  PetscCall(QuantileCreate(N, L, mu, &A));
  PetscCall(QuantileCreate(N, L, nu, &B));
  /* C is convex in theta (DSS 2010, Prop. 3.3 for convex costs): golden section to machine precision */
  c  = hi - golden * (hi - lo);
  d  = lo + golden * (hi - lo);
  fc = ShiftCost(&A, &B, L, c);
  fd = ShiftCost(&A, &B, L, d);
  for (PetscInt it = 0; it < 200 && hi - lo > 4 * PETSC_MACHINE_EPSILON; it++) {
    if (fc <= fd) {
      hi = d;
      d  = c;
      fd = fc;
      c  = hi - golden * (hi - lo);
      fc = ShiftCost(&A, &B, L, c);
    } else {
      lo = c;
      c  = d;
      fc = fd;
      d  = lo + golden * (hi - lo);
      fd = ShiftCost(&A, &B, L, d);
    }
  }
  *w2sq = PetscMin(fc, fd);
  if (theta) *theta = fc <= fd ? c : d;
  PetscCall(QuantileDestroy(&A));
  PetscCall(QuantileDestroy(&B));
  PetscFunctionReturn(0);
}
