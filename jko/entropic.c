/// @file Entropic JKO (Peyre 2015): Sinkhorn-like scaling iterations in the log domain, the periodic Gibbs kernel applied per axis by FFTW (log-domain fallback where the FFT is not accurate), and an epsilon ladder.
#include <float.h>
#include "jko/jkoimpl.h"

/* The entropic JKO step (Peyre 2015, Sec. 3), masses m = mu dV and r = rho dV on the grid, plan pi_ij:
     min over pi with pi 1 = m   <c, pi>/(2 tau) + (eps/(2 tau)) sum pi (log pi - 1) + F(r),  r = pi^T 1,
   c_ij = d_T(x_i, y_j)^2. Its dual over potentials u, v (energy units):
     max  <u, m> - 2 tau sum q dV f*(-v/(2 tau)) - eps sum_ij exp((u_i + v_j - c_ij)/eps),
   solved by alternate exact maximisation (the generalised Sinkhorn / Dykstra iteration of Peyre 2015,
   Chizat et al. 2018): u_i = eps (log m_i - LSE_j (v_j - c_ij)/eps), then for each j the scalar equation
   f'(r_j/(q_j dV)) = -v_j/(2 tau) with r_j = exp(v_j/eps + kappa_j), kappa_j = LSE_i (u_i - c_ij)/eps,
   solved by safeguarded Newton in l = log r_j. After the u-update pi 1 = m exactly, so the primal minus the
   dual is the Fenchel-Young sum F(rho) + E*(w) - <w, rho> >= 0 with w = -v/(2 tau): the duality gap.
   The epsilon ladder solves eps_0 > ... > eps (factor -jko_epsilon_factor), each stage warm-starting the
   next to a loose tolerance, the last to -jko_rtol.
   W2 distances: the second marginal constraint r = nu replaces F (v_j = eps (log n_j - kappa_j)); reported:
   the plan's transport cost <c, pi>, which converges to W2^2 as eps -> 0.

   The Gibbs kernel. exp(-c/eps) is a periodic convolution that separates into one factor per axis, so each
   LSE is one pass per axis over the lines of the grid (docs/theory.md section 4):
     out_i = M + log y_i,  y = K * a,  a_j = exp(in_j - M),  M = max of the line (a <= 1, max a = 1),
   y by FFTW (r2c, product with the kernel's transform computed once per eps, c2r). The potentials stay in
   the log domain and are absorbed afresh into the scalings a of every line at every application (M is
   that line's running max), so nothing overflows and a's dynamic range is that of one line.
   Criterion. The FFT's error is normwise (Higham, Accuracy and Stability, Thm 24.2: relative 2-norm error
   log2(N) eta, eta = mu + gamma_4 (sqrt 2 + mu) ~ 7u for twiddles accurate to mu ~ u): forward transform
   of a, product with the computed transform k^ of the kernel (itself off by log2(N) eta |k^|_2), inverse:
     |y^_i - y_i| <= |y^ - y|_2 <= E = |a|_2 [(2 log2(N) eta + 3u) |k^|_inf + log2(N) eta |k^|_2],
   |k^|_inf = sum K (K > 0), |k^|_2 = sqrt(N sum K^2). Kernel values or scalings that underflow (exp(-c/eps)
   below DBL_MIN) drop at most N DBL_MIN sum K, added to E (|a|_2 >= 1). This is an absolute error: a point
   whose y_i is small against the kernel sum (a potential far below the line's max, or a kernel tail) loses
   its digits. -jko_entropic_kernel auto keeps the FFT value where y^_i >= E / delta, i.e. where its relative
   error is at most delta (delta = rtol/10 of the stage, and marginal_tol/10 for W2: below what the stage
   asks), and computes the other points exactly by the log-domain sum along the line (O(N) each); fft takes
   every FFT value (an error if one is not positive); log sums every point in the log domain (O(N) each).
   In 2-D the two passes compose: relative error <= 2 delta per application.

   Parallel (jko->comm of K ranks): every field stays whole on every rank, the work is split. A pass along an axis
   of several lines transforms and sums only this rank's block of lines (rows for axis 0, columns for axis 1:
   whole lines, as the 1-D transforms need) and then shares the blocks (MPI_Allgatherv; columns packed row segment
   by row segment); the one line of a 1-D grid is transformed by every rank (O(N log N)) and its log-domain sums, O(N)
   each, are split by points. The pointwise work (the exponentials of the marginal, the scalar prox, the summands
   of the gap and the energy, the barycentres) is split by blocks of points and shared the same way, and every
   sum runs over the shared whole array in the serial order: K ranks hold the same bits, and differ from one rank
   only where FFTW's plan for a block of lines rounds differently from its plan for all of them. */

typedef enum {
  KERNEL_AUTO,
  KERNEL_FFT,
  KERNEL_LOG
} KernelMode;
static const char *const KernelNames[] = {"auto", "fft", "log"};

enum {
  GIBBS, /* -c/eps */
  COST,  /* -c/eps + log c */
  DISP,  /* -c/eps + log(delta + L/2) */
  NKIND
};

/* one axis of the torus: its lines in a field are base l * dist, points k * stride */
typedef struct {
  PetscInt      N, lines, stride, dist, sstride, sdist; /* sstride, sdist: the same for the half spectra */
  PetscReal    *lk[NKIND];                              /* log kernels at wrapped index difference k */
  fftw_complex *hk[NKIND];                              /* their DFTs (N/2 + 1) */
  PetscReal     bound[NKIND];                           /* E per unit |a|_2 (criterion above) */
  PetscInt      l0, l1, i0, i1;                         /* this rank: lines [l0, l1), their points [i0, i1) */
  fftw_plan     r2c, c2r, kernel;                       /* this rank's lines at once (NULL if none); one kernel line */
} Axis;

typedef struct {
  PetscReal     epsilon, epsilon_start, epsilon_factor;
  KernelMode    mode;
  PetscReal    *u, *v, *kappa, *r, *w, *lm, *work, *work2;
  Axis          axis[2];
  double       *re, *kre; /* FFTW buffers: a field, a kernel line */
  fftw_complex *spec, *kspec;
  PetscReal    *lmax, *la2; /* per line: max of the input, |a|_2 */
  PetscReal     kernel_eps, delta;
  PetscInt64    nfft, nlog;  /* line points by FFT and by the log-domain sum, this stage, this rank */
  PetscReal     worst;       /* largest relative error bound E / y^ of an FFT value kept, this rank */
  MPI_Comm      comm;
  PetscInt      p0, p1;      /* this rank's block of points for the pointwise work */
  PetscReal    *terms;       /* two summands per point */
} Entropic;

/* LSE_j in[j stride] + lk[(i - j) mod N] along one line, stable for any range (j <= i: k = i - j; j > i: k = i - j + N) */
static PetscReal LineLSE(PetscInt N, PetscInt stride, const PetscReal in[], const PetscReal lk[], PetscInt i)
{
  const PetscReal *wrap = lk + N; /* wrap[i - j] = lk[i - j + N] for j > i */
  PetscReal        m = PETSC_NINFINITY, s = 0;
  for (PetscInt j = 0; j <= i; j++) m = PetscMax(m, in[j * stride] + lk[i - j]);
  for (PetscInt j = i + 1; j < N; j++) m = PetscMax(m, in[j * stride] + wrap[i - j]);
  if (m == PETSC_NINFINITY) return m;
  for (PetscInt j = 0; j <= i; j++) s += PetscExpReal(in[j * stride] + lk[i - j] - m);
  for (PetscInt j = i + 1; j < N; j++) s += PetscExpReal(in[j * stride] + wrap[i - j] - m);
  return m + PetscLogReal(s);
}

static PetscInt CountNaN(PetscInt n, const PetscReal a[])
{
  PetscInt c = 0;
  for (PetscInt p = 0; p < n; p++) c += PetscIsNanReal(a[p]) ? 1 : 0;
  return c;
}

/* every rank's block of out (the points [i0, i1) of the lines [l0, l1) of each rank) onto every rank */
static PetscErrorCode AxisShare(Entropic *e, const Axis *ax, PetscReal out[])
{
  PetscFunctionBeginUser;
  if (ax->lines == 1) PetscCall(W2JKOShareBlocks(e->comm, ax->N, 1, out)); /* one line: stride 1, split by points */
  else if (ax->stride == 1) PetscCall(W2JKOShareBlocks(e->comm, ax->lines, ax->N, out));
  else PetscCall(W2JKOShareColumns(e->comm, ax->lines, ax->N, out, e->re)); /* the FFT buffer is free again */
  PetscFunctionReturn(0);
}

/* out = LSE of in + lk[kind] along every line of the axis (out may not alias in); in whole, out whole on return */
static PetscErrorCode AxisApply(Entropic *e, const Axis *ax, PetscInt kind, const PetscReal in[], PetscReal out[])
{
  const PetscInt   N = ax->N, half = N / 2 + 1;
  const PetscReal *lk = ax->lk[kind];

  PetscFunctionBeginUser;
  if (e->mode == KERNEL_LOG) {
    for (PetscInt l = ax->l0; l < ax->l1; l++)
      for (PetscInt i = ax->i0; i < ax->i1; i++) out[l * ax->dist + i * ax->stride] = LineLSE(N, ax->stride, in + l * ax->dist, lk, i);
    e->nlog += (ax->l1 - ax->l0) * (ax->i1 - ax->i0);
    PetscCall(AxisShare(e, ax, out));
    PetscFunctionReturn(0);
  }
  for (PetscInt l = ax->l0; l < ax->l1; l++) {
    const PetscReal *x = in + l * ax->dist;
    PetscReal        m = PETSC_NINFINITY, a2 = 0;
    for (PetscInt k = 0; k < N; k++) m = PetscMax(m, x[k * ax->stride]);
    for (PetscInt k = 0; k < N; k++) {
      const PetscReal a = m == PETSC_NINFINITY ? 0.0 : PetscExpReal(x[k * ax->stride] - m);
      e->re[l * ax->dist + k * ax->stride] = a;
      a2 += a * a;
    }
    e->lmax[l] = m;
    e->la2[l]  = PetscSqrtReal(a2);
  }
  if (ax->r2c) fftw_execute(ax->r2c);
  for (PetscInt l = ax->l0; l < ax->l1; l++)
    for (PetscInt k = 0; k < half; k++) {
      fftw_complex   *s  = &e->spec[l * ax->sdist + k * ax->sstride];
      const PetscReal re = (*s)[0] * ax->hk[kind][k][0] - (*s)[1] * ax->hk[kind][k][1];
      const PetscReal im = (*s)[0] * ax->hk[kind][k][1] + (*s)[1] * ax->hk[kind][k][0];
      (*s)[0]            = re;
      (*s)[1]            = im;
    }
  if (ax->c2r) fftw_execute(ax->c2r);
  for (PetscInt l = ax->l0; l < ax->l1; l++) {
    const PetscReal m = e->lmax[l], E = e->la2[l] * ax->bound[kind];
    for (PetscInt i = ax->i0; i < ax->i1; i++) {
      const PetscInt  p = l * ax->dist + i * ax->stride;
      const PetscReal y = e->re[p] / N; /* FFTW's inverse is unnormalised */
      if (m == PETSC_NINFINITY) out[p] = PETSC_NINFINITY;
      else if (e->mode == KERNEL_FFT || y * e->delta >= E) {
        out[p]   = y > 0 ? m + PetscLogReal(y) : NAN; /* forced fft: a refused value, reported below */
        e->worst = PetscMax(e->worst, E / y);
        e->nfft++;
      } else {
        out[p] = LineLSE(N, ax->stride, in + l * ax->dist, lk, i);
        e->nlog++;
      }
    }
  }
  PetscCall(AxisShare(e, ax, out));
  if (e->mode == KERNEL_FFT) { /* NaN marks a refused value: the shared field tells every rank at once, no extra message */
    const PetscInt bad = CountNaN(ax->N * ax->lines, out);
    PetscCheck(!bad, e->comm, PETSC_ERR_NOT_CONVERGED, "-jko_entropic_kernel fft: the FFT convolution lost every digit (a value <= 0 against its error bound) at %" PetscInt_FMT " of %" PetscInt_FMT " line points at eps %g; use -jko_entropic_kernel auto or log", bad, ax->N * ax->lines,
               (double)e->kernel_eps);
  }
  PetscFunctionReturn(0);
}

/* out_i = LSE_j in_j + lk0[(i0 - j0) mod N0] + lk1[(i1 - j1) mod N1]: axis 0, then axis 1 (out may not alias in) */
static PetscErrorCode Gibbs(Entropic *e, PetscInt dim, PetscInt kind0, PetscInt kind1, const PetscReal in[], PetscReal out[])
{
  PetscFunctionBeginUser;
  if (dim == 1) PetscCall(AxisApply(e, &e->axis[0], kind0, in, out));
  else {
    PetscCall(AxisApply(e, &e->axis[0], kind0, in, e->work));
    PetscCall(AxisApply(e, &e->axis[1], kind1, e->work, out));
  }
  PetscFunctionReturn(0);
}

/* log sum exp of the whole field a[], stable; the exponentials split by points, summed in order */
static PetscErrorCode LogSumExp(Entropic *e, PetscInt n, const PetscReal a[], PetscReal *lse)
{
  PetscReal m = PETSC_NINFINITY, s = 0;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < n; p++) m = PetscMax(m, a[p]);
  if (m == PETSC_NINFINITY) {
    *lse = m;
    PetscFunctionReturn(0);
  }
  for (PetscInt p = e->p0; p < e->p1; p++) e->terms[p] = PetscExpReal(a[p] - m);
  PetscCall(W2JKOShareBlocks(e->comm, n, 1, e->terms));
  for (PetscInt p = 0; p < n; p++) s += e->terms[p];
  *lse = m + PetscLogReal(s);
  PetscFunctionReturn(0);
}

/* the log kernels of one eps and, for the FFT, their transforms and the error bound E / |a|_2 */
static void Kernels(W2JKO jko, Entropic *e, PetscReal eps)
{
  const W2Torus  *t   = &jko->torus;
  const PetscReal u   = PETSC_MACHINE_EPSILON / 2, eta = 7 * u;

  if (e->kernel_eps == eps) return;
  for (PetscInt a = 0; a < t->dim; a++) {
    Axis           *ax = &e->axis[a];
    const PetscInt  N  = ax->N;
    const PetscReal lg = PetscMax(1.0, PetscCeilReal(PetscLog2Real((PetscReal)N)));
    for (PetscInt k = 0; k < N; k++) {
      const PetscInt  m = PetscMin(k, N - k);
      const PetscReal d = m * t->h[a], sd = (k <= N / 2 ? -1.0 : 1.0) * d; /* x_in - y_out when (out - in) mod N = k */
      ax->lk[GIBBS][k]  = -d * d / eps;
      ax->lk[COST][k]   = d > 0 ? -d * d / eps + 2.0 * PetscLogReal(d) : PETSC_NINFINITY;
      /* the displacement, shifted by L/2 to be >= 0 so that it has a logarithm */
      ax->lk[DISP][k] = -d * d / eps + PetscLogReal(PetscMax(sd + 0.5 * t->L[a], 0.0));
    }
    for (PetscInt kind = 0; kind < NKIND; kind++) {
      PetscReal sum = 0, sq = 0;
      for (PetscInt k = 0; k < N; k++) {
        e->kre[k] = PetscExpReal(ax->lk[kind][k]);
        sum += e->kre[k];
        sq += e->kre[k] * e->kre[k];
      }
      fftw_execute(ax->kernel);
      for (PetscInt k = 0; k < N / 2 + 1; k++) {
        ax->hk[kind][k][0] = e->kspec[k][0];
        ax->hk[kind][k][1] = e->kspec[k][1];
      }
      ax->bound[kind] = (2 * lg * eta + 3 * u) * sum + lg * eta * PetscSqrtReal(N * sq) + N * DBL_MIN * sum;
    }
  }
  e->kernel_eps = eps;
}

/* r = pi^T 1 after a u-update: kappa_j = LSE_i (u_i - c_ij)/eps, r_j = exp(v_j/eps + kappa_j), r on this rank's points
   only (the sweep needs no more; Ladder shares it at the end) */
static PetscErrorCode Marginal(W2JKO jko, Entropic *e, PetscReal eps)
{
  const W2Torus *t = &jko->torus;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < t->n; p++) e->work2[p] = e->u[p] / eps;
  PetscCall(Gibbs(e, t->dim, GIBBS, GIBBS, e->work2, e->kappa));
  for (PetscInt p = e->p0; p < e->p1; p++) e->r[p] = PetscExpReal(e->v[p] / eps + e->kappa[p]);
  PetscFunctionReturn(0);
}

static PetscErrorCode UpdateU(W2JKO jko, Entropic *e, PetscReal eps)
{
  const W2Torus *t = &jko->torus;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < t->n; p++) e->work2[p] = e->v[p] / eps;
  PetscCall(Gibbs(e, t->dim, GIBBS, GIBBS, e->work2, e->u));
  for (PetscInt p = 0; p < t->n; p++) e->u[p] = eps * (e->lm[p] - e->u[p]);
  PetscFunctionReturn(0);
}

/* f'(e^l/(q dV)) + beta (l - kappa) = 0 for l: increasing in l, safeguarded Newton */
static PetscErrorCode SolveScalar(const W2Divergence *div, PetscReal qdv, PetscReal beta, PetscReal kappa, PetscReal *l)
{
  PetscReal x = *l, lo = PETSC_NINFINITY, hi = PETSC_INFINITY;

  PetscFunctionBeginUser;
  for (PetscInt it = 0; it < 200; it++) {
    const PetscReal tt = PetscExpReal(x) / qdv, g = div->df(div, tt) + beta * (x - kappa), dg = div->d2f(div, tt) * tt + beta;
    PetscReal       nx;
    if (g > 0) hi = PetscMin(hi, x);
    else lo = PetscMax(lo, x);
    if (g == 0) break;
    nx = x - g / dg;
    if (!(nx > lo && nx < hi)) { /* outside the bracket (or NaN): bisect, or expand an open side */
      if (lo == PETSC_NINFINITY) nx = hi - PetscMax(1.0, PetscAbsReal(hi));
      else if (hi == PETSC_INFINITY) nx = lo + PetscMax(1.0, PetscAbsReal(lo));
      else nx = 0.5 * (lo + hi);
    }
    if (PetscAbsReal(nx - x) <= 4 * PETSC_MACHINE_EPSILON * (1 + PetscAbsReal(x))) {
      x = nx;
      break;
    }
    x = nx;
  }
  *l = x; /* the caller checks that it is finite, on every rank at once */
  PetscFunctionReturn(0);
}

static PetscErrorCode UpdateV(W2JKO jko, Entropic *e, PetscReal eps, const PetscReal nu[])
{
  const W2Torus *t = &jko->torus;

  PetscFunctionBeginUser;
  /* kappa from the current u (Marginal computed it) */
  if (nu) {
    for (PetscInt p = e->p0; p < e->p1; p++) e->v[p] = nu[p] > 0 ? eps * (PetscLogReal(nu[p] * t->dV) - e->kappa[p]) : PETSC_NINFINITY;
    PetscCall(W2JKOShareBlocks(e->comm, t->n, 1, e->v));
  } else {
    const PetscReal beta = eps / (2.0 * jko->tau);
    PetscInt        failed;
    for (PetscInt p = e->p0; p < e->p1; p++) {
      PetscReal l = e->r[p] > 0 ? PetscLogReal(e->r[p]) : e->kappa[p];
      PetscCall(SolveScalar(jko->div, jko->q[p] * t->dV, beta, e->kappa[p], &l));
      e->v[p] = PetscIsInfOrNanReal(l) ? NAN : eps * (l - e->kappa[p]); /* NaN: reported below */
    }
    PetscCall(W2JKOShareBlocks(e->comm, t->n, 1, e->v));
    failed = CountNaN(t->n, e->v); /* the shared field tells every rank at once */
    PetscCheck(!failed, e->comm, PETSC_ERR_CONV_FAILED, "entropic: the scalar prox of -div_type %s did not converge at %" PetscInt_FMT " points", jko->div->type, failed);
  }
  PetscFunctionReturn(0);
}

/* <c, pi> = sum_a sum_ij pi_ij c_a(i_a, j_a), each term a separable convolution with c_a K on axis a */
static PetscErrorCode TransportCost(W2JKO jko, Entropic *e, PetscReal eps, PetscReal *total)
{
  const W2Torus *t = &jko->torus;

  PetscFunctionBeginUser;
  *total = 0;
  for (PetscInt p = 0; p < t->n; p++) e->work2[p] = e->v[p] / eps;
  for (PetscInt a = 0; a < t->dim; a++) {
    PetscReal lse;
    PetscCall(Gibbs(e, t->dim, a == 0 ? COST : GIBBS, a == 1 ? COST : GIBBS, e->work2, e->w));
    for (PetscInt p = 0; p < t->n; p++) e->w[p] += e->u[p] / eps;
    PetscCall(LogSumExp(e, t->n, e->w, &lse));
    *total += PetscExpReal(lse);
  }
  PetscFunctionReturn(0);
}

/* S(y_j) - y_j = sum_i pi_ij (x_i - y_j) / r_j, by the shifted displacement weights */
static PetscErrorCode Barycentres(W2JKO jko, Entropic *e, PetscReal eps, PetscReal disp[])
{
  const W2Torus *t = &jko->torus;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < t->n; p++) e->work2[p] = e->u[p] / eps;
  for (PetscInt a = 0; a < t->dim; a++) {
    PetscCall(Gibbs(e, t->dim, a == 0 ? DISP : GIBBS, a == 1 ? DISP : GIBBS, e->work2, e->w));
    for (PetscInt p = e->p0; p < e->p1; p++) disp[t->dim * p + a] = e->r[p] > 0 ? PetscExpReal(e->v[p] / eps + e->w[p]) / e->r[p] - 0.5 * t->L[a] : 0.0;
  }
  PetscCall(W2JKOShareBlocks(e->comm, t->n, t->dim, disp));
  PetscFunctionReturn(0);
}

/* the counts and the worst bound of every rank, on every rank */
static PetscErrorCode CountsOverRanks(Entropic *e)
{
  PetscFunctionBeginUser;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &e->nfft, 1, MPIU_INT64, MPI_SUM, e->comm));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &e->nlog, 1, MPIU_INT64, MPI_SUM, e->comm));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &e->worst, 1, MPIU_REAL, MPI_MAX, e->comm));
  PetscFunctionReturn(0);
}

/* the accuracy asked of a kept FFT value: a tenth of what the stage asks of the gap (and, W2, of the marginal) */
static void SetDelta(W2JKO jko, Entropic *e, PetscReal rtol, const PetscReal nu[])
{
  e->delta = 0.1 * (nu ? PetscMin(rtol, jko->marginal_tol) : rtol);
}

/* iterate at one eps until the gap criterion holds with tolerance rtol; returns iterations used */
static PetscErrorCode Stage(W2JKO jko, Entropic *e, PetscReal eps, PetscReal rtol, const PetscReal nu[], PetscReal energy_mu, PetscInt budget, PetscInt *used, W2JKOInfo *info)
{
  const W2Torus *t = &jko->torus;
  PetscReal      cost = -1;

  PetscFunctionBeginUser;
  Kernels(jko, e, eps);
  SetDelta(jko, e, rtol, nu);
  e->nfft = e->nlog = 0;
  e->worst          = 0;
  for (*used = 0;; (*used)++) {
    PetscCall(UpdateU(jko, e, eps));
    PetscCall(Marginal(jko, e, eps));
    for (PetscInt p = e->p0; p < e->p1; p++) e->work2[p] = e->r[p] / t->dV; /* rho */
    /* the summands split by points, shared in one exchange, summed over the whole array in order */
    if (nu) {
      PetscReal tv = 0, lag = 0;
      for (PetscInt p = e->p0; p < e->p1; p++) {
        e->terms[2 * p]     = PetscAbsReal(e->work2[p] - nu[p]);
        e->terms[2 * p + 1] = nu[p] > 0 || e->r[p] > 0 ? e->v[p] * (e->r[p] - nu[p] * t->dV) : 0.0;
      }
      PetscCall(W2JKOShareBlocks(e->comm, t->n, 2, e->terms));
      for (PetscInt p = 0; p < t->n; p++) {
        tv += e->terms[2 * p];
        lag += e->terms[2 * p + 1];
      }
      info->marginal = 0.5 * tv * t->dV;
      info->gap      = PetscAbsReal(lag);
      if (cost < 0 || info->marginal <= jko->marginal_tol) PetscCall(TransportCost(jko, e, eps, &cost));
      info->rel_gap   = info->gap / PetscMax(cost, PETSC_SMALL * PETSC_SMALL);
      info->converged = (PetscBool)(info->marginal <= jko->marginal_tol && (info->rel_gap <= rtol || info->gap <= jko->atol));
    } else {
      PetscReal e1;
      for (PetscInt p = e->p0; p < e->p1; p++) e->w[p] = -e->v[p] / (2.0 * jko->tau);
      W2JKOEnergyGapTerms(jko->div, jko->q, e->work2, e->w, e->p0, e->p1, e->terms);
      PetscCall(W2JKOShareBlocks(e->comm, t->n, 2, e->terms));
      info->gap = W2JKOSumTerms(t, 2, 1, e->terms);
      e1        = W2JKOSumTerms(t, 2, 0, e->terms);
      /* the transport cost sets the scale; refresh it whenever the gap might pass */
      if (cost < 0 || info->gap <= rtol * (cost / (2.0 * jko->tau) + PetscAbsReal(energy_mu - e1))) PetscCall(TransportCost(jko, e, eps, &cost));
      info->rel_gap   = info->gap / PetscMax(cost / (2.0 * jko->tau) + PetscAbsReal(energy_mu - e1), PETSC_SMALL * PETSC_SMALL);
      info->converged = (PetscBool)(info->rel_gap <= rtol || info->gap <= jko->atol);
    }
    PetscCall(W2JKOMonitorLine(jko, "entropic", *used, eps, info->gap, info->rel_gap, cost));
    if (info->converged || *used >= budget) break;
    PetscCall(UpdateV(jko, e, eps, nu));
  }
  info->w2sq = cost;
  if (jko->monitor) PetscCall(CountsOverRanks(e));
  if (jko->monitor)
    PetscCall(PetscPrintf(jko->comm, "  entropic eps %.3e: -jko_entropic_kernel %s: %" PetscInt64_FMT " line points by FFT (largest relative error bound %.1e, delta %.1e), %" PetscInt64_FMT " by the log-domain sum\n", (double)eps, KernelNames[e->mode], e->nfft, (double)e->worst,
                          (double)e->delta, e->nlog));
  PetscFunctionReturn(0);
}

static PetscErrorCode Ladder(W2JKO jko, Entropic *e, const PetscReal nu[], PetscReal energy_mu, W2JKOInfo *info)
{
  PetscReal eps = PetscMax(e->epsilon_start, e->epsilon);
  PetscInt  total = 0;

  PetscFunctionBeginUser;
  for (;;) {
    const PetscBool last = (PetscBool)(eps <= e->epsilon * (1 + 1e-12));
    PetscInt        used;
    PetscCall(Stage(jko, e, eps, last ? jko->rtol : PetscMax(jko->rtol, 1e-4), nu, energy_mu, jko->max_it - total, &used, info));
    total += used;
    if (last || total >= jko->max_it) break;
    eps = PetscMax(eps * e->epsilon_factor, e->epsilon);
  }
  PetscCall(W2JKOShareBlocks(e->comm, jko->torus.n, 1, e->r));
  info->iterations = total;
  info->epsilon    = eps;
  if (eps > e->epsilon * (1 + 1e-12)) info->converged = PETSC_FALSE; /* ran out before the last stage */
  PetscFunctionReturn(0);
}

static PetscErrorCode StepEntropic(W2JKO jko, const PetscReal mu[], PetscReal rho[], PetscReal disp[], W2JKOInfo *info)
{
  Entropic      *e = (Entropic *)jko->data;
  const W2Torus *t = &jko->torus;
  PetscReal      energy_mu;

  PetscFunctionBeginUser;
  energy_mu = W2JKOEnergy(jko->div, t, jko->q, mu);
  for (PetscInt p = 0; p < t->n; p++) {
    /* start from the potential of P_{k-1}: w = f'(mu/q), v = -2 tau w (a floor where f'(0) is infinite) */
    const PetscReal s = PetscMax(mu[p] / jko->q[p], 1e-300);
    e->lm[p]          = mu[p] > 0 ? PetscLogReal(mu[p] * t->dV) : PETSC_NINFINITY;
    e->v[p]           = -2.0 * jko->tau * jko->div->df(jko->div, s);
    e->r[p]           = mu[p] * t->dV;
  }
  PetscCall(Ladder(jko, e, NULL, energy_mu, info));
  for (PetscInt p = 0; p < t->n; p++) rho[p] = e->r[p] / t->dV;
  {
    const PetscReal e1 = W2JKOEnergy(jko->div, t, jko->q, rho);
    info->primal       = e1 + info->w2sq / (2.0 * jko->tau);
    info->dual         = info->primal - info->gap; /* of the entropic problem, up to its entropy term */
  }
  PetscCall(Barycentres(jko, e, info->epsilon, disp));
  PetscFunctionReturn(0);
}

static PetscErrorCode DistanceEntropic(W2JKO jko, const PetscReal mu[], const PetscReal nu[], W2JKOInfo *info)
{
  Entropic      *e = (Entropic *)jko->data;
  const W2Torus *t = &jko->torus;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < t->n; p++) {
    e->lm[p] = mu[p] > 0 ? PetscLogReal(mu[p] * t->dV) : PETSC_NINFINITY;
    e->v[p]  = 0;
  }
  PetscCall(Ladder(jko, e, nu, 0.0, info));
  info->primal  = info->w2sq;
  info->dual    = info->w2sq - info->gap;
  info->mass    = 1.0;
  info->min_rho = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOEntropicGibbs(W2JKO jko, PetscReal eps, PetscReal delta, const PetscReal in[], PetscReal out[], PetscInt64 *nlog, PetscReal *worst)
{
  Entropic *e = (Entropic *)jko->data;

  PetscFunctionBeginUser;
  PetscCheck(!strcmp(jko->type, "entropic"), jko->comm, PETSC_ERR_ARG_WRONGSTATE, "W2JKOEntropicGibbs needs -jko_type entropic, not %s", jko->type);
  PetscCheck(eps > 0 && delta > 0, jko->comm, PETSC_ERR_ARG_OUTOFRANGE, "W2JKOEntropicGibbs: eps %g and delta %g must be positive", (double)eps, (double)delta);
  Kernels(jko, e, eps);
  e->delta = delta;
  e->nfft = e->nlog = 0;
  e->worst          = 0;
  PetscCall(Gibbs(e, jko->torus.dim, GIBBS, GIBBS, in, out));
  PetscCall(CountsOverRanks(e));
  if (nlog) *nlog = e->nlog;
  if (worst) *worst = e->worst;
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptionsEntropic(PetscOptionItems *PetscOptionsObject, W2JKO jko)
{
  Entropic *e = (Entropic *)jko->data;
  char      kernel[16];
  PetscBool found = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(kernel, KernelNames[e->mode], sizeof(kernel)));
  PetscOptionsHeadBegin(PetscOptionsObject, "Entropic JKO (-jko_type entropic)");
  PetscCall(PetscOptionsReal("-epsilon", "Entropic regularisation eps of the plan (length^2 units; the plan's blur is about sqrt(eps))", NULL, e->epsilon, &e->epsilon, NULL));
  PetscCall(PetscOptionsReal("-epsilon_start", "First eps of the ladder (<= -jko_epsilon: no ladder)", NULL, e->epsilon_start, &e->epsilon_start, NULL));
  PetscCall(PetscOptionsReal("-epsilon_factor", "Ratio of successive eps in the ladder", NULL, e->epsilon_factor, &e->epsilon_factor, NULL));
  PetscCall(PetscOptionsString("-entropic_kernel",
                               "Gibbs kernel: auto (FFTW per axis, each value whose error bound exceeds rtol/10 of its size recomputed by the log-domain sum), fft (FFTW only), log (log-domain sums only, O(N) per point and axis)", NULL,
                               kernel, kernel, sizeof(kernel), NULL));
  PetscOptionsHeadEnd();
  for (PetscInt k = 0; k < 3; k++)
    if (!strcmp(kernel, KernelNames[k])) {
      e->mode = (KernelMode)k;
      found   = PETSC_TRUE;
    }
  PetscCheck(found, jko->comm, PETSC_ERR_USER_INPUT, "-jko_entropic_kernel %s is not known (known: auto, fft, log)", kernel);
  PetscCheck(e->epsilon > 0 && PetscIsNormalReal(e->epsilon), jko->comm, PETSC_ERR_USER_INPUT, "-jko_epsilon must be positive and finite, got %g", (double)e->epsilon);
  PetscCheck(e->epsilon_start > 0 && PetscIsNormalReal(e->epsilon_start), jko->comm, PETSC_ERR_USER_INPUT, "-jko_epsilon_start must be positive and finite, got %g", (double)e->epsilon_start);
  PetscCheck(e->epsilon_factor > 0 && e->epsilon_factor < 1, jko->comm, PETSC_ERR_USER_INPUT, "-jko_epsilon_factor must be in (0, 1), got %g", (double)e->epsilon_factor);
  PetscFunctionReturn(0);
}

static PetscErrorCode DestroyEntropic(W2JKO jko)
{
  Entropic *e = (Entropic *)jko->data;

  PetscFunctionBeginUser;
  PetscCall(PetscFree4(e->u, e->v, e->kappa, e->r));
  PetscCall(PetscFree4(e->w, e->lm, e->work, e->work2));
  PetscCall(PetscFree3(e->lmax, e->la2, e->terms));
  for (PetscInt a = 0; a < jko->torus.dim; a++) {
    Axis *ax = &e->axis[a];
    if (ax->r2c) fftw_destroy_plan(ax->r2c);
    if (ax->c2r) fftw_destroy_plan(ax->c2r);
    fftw_destroy_plan(ax->kernel);
    PetscCall(PetscFree3(ax->lk[GIBBS], ax->lk[COST], ax->lk[DISP]));
    for (PetscInt kind = 0; kind < NKIND; kind++) fftw_free(ax->hk[kind]);
  }
  fftw_free(e->re);
  fftw_free(e->kre);
  fftw_free(e->spec);
  fftw_free(e->kspec);
  PetscCall(PetscFree(jko->data));
  PetscFunctionReturn(0);
}

/* axis a: geometry of its lines in a field and in the half spectra, this rank's share of them, its buffers
   and FFTW plans for this rank's lines (FFTW_ESTIMATE: no timing enters the plan, so runs repeat bit for bit) */
static PetscErrorCode AxisCreate(const W2Torus *t, PetscInt a, Entropic *e)
{
  Axis          *ax = &e->axis[a];
  const PetscInt N0 = t->N[0];
  PetscMPIInt    size, rank;
  int            N, nl;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(e->comm, &size));
  PetscCallMPI(MPI_Comm_rank(e->comm, &rank));
  ax->N       = t->N[a];
  ax->lines   = t->n / t->N[a];
  ax->stride  = a == 0 ? 1 : N0;
  ax->dist    = a == 0 ? N0 : 1;
  ax->sstride = a == 0 ? 1 : N0;
  ax->sdist   = a == 0 ? N0 / 2 + 1 : 1;
  N           = (int)ax->N;
  if (ax->lines == 1) { /* every rank transforms the line, each sums its block of points */
    ax->l0 = 0;
    ax->l1 = 1;
    W2JKOBlock(ax->N, size, rank, &ax->i0, &ax->i1);
  } else {
    W2JKOBlock(ax->lines, size, rank, &ax->l0, &ax->l1);
    ax->i0 = 0;
    ax->i1 = ax->N;
  }
  nl = (int)(ax->l1 - ax->l0);
  PetscCall(PetscMalloc3(ax->N, &ax->lk[GIBBS], ax->N, &ax->lk[COST], ax->N, &ax->lk[DISP]));
  for (PetscInt kind = 0; kind < NKIND; kind++) {
    ax->hk[kind] = fftw_alloc_complex((size_t)(ax->N / 2 + 1));
    PetscCheck(ax->hk[kind], PETSC_COMM_SELF, PETSC_ERR_MEM, "FFTW could not allocate the Gibbs kernel's transform (%" PetscInt_FMT " values)", ax->N);
  }
  if (nl > 0) {
    double       *re   = e->re + ax->l0 * ax->dist;
    fftw_complex *spec = e->spec + ax->l0 * ax->sdist;
    ax->r2c            = fftw_plan_many_dft_r2c(1, &N, nl, re, NULL, (int)ax->stride, (int)ax->dist, spec, NULL, (int)ax->sstride, (int)ax->sdist, FFTW_ESTIMATE);
    ax->c2r            = fftw_plan_many_dft_c2r(1, &N, nl, spec, NULL, (int)ax->sstride, (int)ax->sdist, re, NULL, (int)ax->stride, (int)ax->dist, FFTW_ESTIMATE);
  }
  ax->kernel = fftw_plan_dft_r2c_1d(N, e->kre, e->kspec, FFTW_ESTIMATE);
  PetscCheck((nl == 0 || (ax->r2c && ax->c2r)) && ax->kernel, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not plan the Gibbs kernel's transforms along axis %" PetscInt_FMT " (%" PetscInt_FMT " lines of %" PetscInt_FMT ")", a, ax->lines, ax->N);
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOCreate_Entropic(W2JKO jko)
{
  Entropic       *e;
  const W2Torus  *t = &jko->torus;
  const PetscInt  n = t->n, Nmax = PetscMax(t->N[0], t->dim == 2 ? t->N[1] : 1);
  const PetscInt  nspec = t->dim == 1 ? t->N[0] / 2 + 1 : PetscMax(t->N[1] * (t->N[0] / 2 + 1), t->N[0] * (t->N[1] / 2 + 1));
  const PetscReal h     = PetscMax(t->h[0], t->dim == 2 ? t->h[1] : 0.0);

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&e));
  e->comm = jko->comm;
  {
    PetscMPIInt size, rank;
    PetscCallMPI(MPI_Comm_size(e->comm, &size));
    PetscCallMPI(MPI_Comm_rank(e->comm, &rank));
    W2JKOBlock(n, size, rank, &e->p0, &e->p1);
  }
  e->epsilon        = 4.0 * h * h; /* a blur of about two cells */
  e->epsilon_start  = 16.0 * e->epsilon;
  e->epsilon_factor = 0.5;
  e->kernel_eps     = -1;
  e->mode           = KERNEL_AUTO;
  e->delta          = 0.1 * jko->rtol;
  PetscCall(PetscMalloc4(n, &e->u, n, &e->v, n, &e->kappa, n, &e->r));
  PetscCall(PetscMalloc4(n, &e->w, n, &e->lm, n, &e->work, n, &e->work2));
  PetscCall(PetscMalloc3(n, &e->lmax, n, &e->la2, 2 * n, &e->terms));
  e->re    = fftw_alloc_real((size_t)n);
  e->kre   = fftw_alloc_real((size_t)Nmax);
  e->spec  = fftw_alloc_complex((size_t)nspec);
  e->kspec = fftw_alloc_complex((size_t)(Nmax / 2 + 1));
  PetscCheck(e->re && e->kre && e->spec && e->kspec, PETSC_COMM_SELF, PETSC_ERR_MEM, "FFTW could not allocate the Gibbs kernel's buffers (%" PetscInt_FMT " values)", n);
  for (PetscInt a = 0; a < t->dim; a++) PetscCall(AxisCreate(t, a, e));
  jko->data           = e;
  jko->setfromoptions = SetFromOptionsEntropic;
  jko->step           = StepEntropic;
  jko->distance       = DistanceEntropic;
  jko->destroy        = DestroyEntropic;
  PetscFunctionReturn(0);
}
