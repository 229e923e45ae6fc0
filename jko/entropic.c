/// @file Entropic JKO (Peyre 2015): Sinkhorn-like scaling iterations in the log domain with a separable periodic Gibbs kernel and an epsilon ladder.
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
   The Gibbs kernel exp(-c/eps) is a periodic convolution and separates, exp(-c1/eps) exp(-c2/eps), so each
   LSE is one dense log-domain convolution per axis (O(N^(d+1)) per application): stable for any eps,
   where the plain-domain kernel underflows for eps < L^2/2800. The epsilon ladder solves eps_0 > ... > eps
   (factor -jko_epsilon_factor), each stage warm-starting the next to a loose tolerance, the last to -jko_rtol.
   W2 distances: the second marginal constraint r = nu replaces F (v_j = eps (log n_j - kappa_j)); reported:
   the plan's transport cost <c, pi>, which converges to W2^2 as eps -> 0. */

typedef struct {
  PetscReal  epsilon, epsilon_start, epsilon_factor;
  PetscReal *u, *v, *kappa, *r, *w, *lm, *work, *work2;
  PetscReal *lk[2], *lc[2], *ld[2]; /* log kernels at wrapped index difference k on axis a: -c/eps, -c/eps + log c, -c/eps + log(delta + L/2) */
  PetscReal  kernel_eps;
} Entropic;

/* out_i = LSE over j of in_j + k0[(i0 - j0) mod N0] + k1[(i1 - j1) mod N1]: axis 0 on every row, then axis 1 */
static void LogConv(const W2Torus *t, const PetscReal in[], PetscReal out[], const PetscReal k0[], const PetscReal k1[], PetscReal work[])
{
  const PetscInt N0 = t->N[0], N1 = t->N[1];
  PetscReal     *row = t->dim == 1 ? out : work;

  for (PetscInt r = 0; r < N1; r++)
    for (PetscInt i = 0; i < N0; i++) {
      PetscReal m = PETSC_NINFINITY, s = 0;
      for (PetscInt j = 0; j < N0; j++) m = PetscMax(m, in[r * N0 + j] + k0[(i - j + N0) % N0]);
      if (m == PETSC_NINFINITY) {
        row[r * N0 + i] = PETSC_NINFINITY;
        continue;
      }
      for (PetscInt j = 0; j < N0; j++) s += PetscExpReal(in[r * N0 + j] + k0[(i - j + N0) % N0] - m);
      row[r * N0 + i] = m + PetscLogReal(s);
    }
  if (t->dim == 1) return;
  for (PetscInt i = 0; i < N0; i++)
    for (PetscInt r = 0; r < N1; r++) {
      PetscReal m = PETSC_NINFINITY, s = 0;
      for (PetscInt j = 0; j < N1; j++) m = PetscMax(m, work[j * N0 + i] + k1[(r - j + N1) % N1]);
      if (m == PETSC_NINFINITY) {
        out[r * N0 + i] = PETSC_NINFINITY;
        continue;
      }
      for (PetscInt j = 0; j < N1; j++) s += PetscExpReal(work[j * N0 + i] + k1[(r - j + N1) % N1] - m);
      out[r * N0 + i] = m + PetscLogReal(s);
    }
}

/* log sum exp of a[] + b[] (b may be NULL), stable */
static PetscReal LogSumExp(PetscInt n, const PetscReal a[], const PetscReal b[])
{
  PetscReal m = PETSC_NINFINITY, s = 0;
  for (PetscInt p = 0; p < n; p++) m = PetscMax(m, a[p] + (b ? b[p] : 0));
  if (m == PETSC_NINFINITY) return m;
  for (PetscInt p = 0; p < n; p++) s += PetscExpReal(a[p] + (b ? b[p] : 0) - m);
  return m + PetscLogReal(s);
}

static void Kernels(W2JKO jko, Entropic *e, PetscReal eps)
{
  const W2Torus *t = &jko->torus;
  if (e->kernel_eps == eps) return;
  for (PetscInt a = 0; a < t->dim; a++)
    for (PetscInt k = 0; k < t->N[a]; k++) {
      const PetscInt  m = PetscMin(k, t->N[a] - k);
      const PetscReal d = m * t->h[a], sd = (k <= t->N[a] / 2 ? -1.0 : 1.0) * d; /* x_in - y_out when (out - in) mod N = k */
      e->lk[a][k]       = -d * d / eps;
      e->lc[a][k]       = d > 0 ? -d * d / eps + 2.0 * PetscLogReal(d) : PETSC_NINFINITY;
      /* the displacement, shifted by L/2 to be >= 0 so that it has a logarithm */
      e->ld[a][k] = -d * d / eps + PetscLogReal(PetscMax(sd + 0.5 * t->L[a], 0.0));
    }
  if (t->dim == 1) e->lk[1][0] = e->lc[1][0] = e->ld[1][0] = 0;
  e->kernel_eps = eps;
}

/* r = pi^T 1 after a u-update: kappa_j = LSE_i (u_i - c_ij)/eps, r_j = exp(v_j/eps + kappa_j) */
static void Marginal(W2JKO jko, Entropic *e, PetscReal eps)
{
  const W2Torus *t = &jko->torus;
  for (PetscInt p = 0; p < t->n; p++) e->work2[p] = e->u[p] / eps;
  LogConv(t, e->work2, e->kappa, e->lk[0], e->lk[1], e->work);
  for (PetscInt p = 0; p < t->n; p++) e->r[p] = PetscExpReal(e->v[p] / eps + e->kappa[p]);
}

static void UpdateU(W2JKO jko, Entropic *e, PetscReal eps)
{
  const W2Torus *t = &jko->torus;
  for (PetscInt p = 0; p < t->n; p++) e->work2[p] = e->v[p] / eps;
  LogConv(t, e->work2, e->u, e->lk[0], e->lk[1], e->work);
  for (PetscInt p = 0; p < t->n; p++) e->u[p] = eps * (e->lm[p] - e->u[p]);
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
  PetscCheck(!PetscIsInfOrNanReal(x), PETSC_COMM_SELF, PETSC_ERR_CONV_FAILED, "entropic: the scalar prox of -div_type %s did not converge", div->type);
  *l = x;
  PetscFunctionReturn(0);
}

static PetscErrorCode UpdateV(W2JKO jko, Entropic *e, PetscReal eps, const PetscReal nu[])
{
  const W2Torus *t = &jko->torus;

  PetscFunctionBeginUser;
  /* kappa from the current u (Marginal computed it) */
  if (nu) {
    for (PetscInt p = 0; p < t->n; p++) e->v[p] = nu[p] > 0 ? eps * (PetscLogReal(nu[p] * t->dV) - e->kappa[p]) : PETSC_NINFINITY;
  } else {
    const PetscReal beta = eps / (2.0 * jko->tau);
    for (PetscInt p = 0; p < t->n; p++) {
      PetscReal l = e->r[p] > 0 ? PetscLogReal(e->r[p]) : e->kappa[p];
      PetscCall(SolveScalar(jko->div, jko->q[p] * t->dV, beta, e->kappa[p], &l));
      e->v[p] = eps * (l - e->kappa[p]);
    }
  }
  PetscFunctionReturn(0);
}

/* <c, pi> = sum_a sum_ij pi_ij c_a(i_a, j_a), each term a separable log convolution with log c_a on axis a */
static PetscReal TransportCost(W2JKO jko, Entropic *e, PetscReal eps)
{
  const W2Torus *t = &jko->torus;
  PetscReal      total = 0;
  for (PetscInt p = 0; p < t->n; p++) e->work2[p] = e->v[p] / eps;
  for (PetscInt a = 0; a < t->dim; a++) {
    LogConv(t, e->work2, e->w, a == 0 ? e->lc[0] : e->lk[0], a == 1 ? e->lc[1] : e->lk[1], e->work);
    for (PetscInt p = 0; p < t->n; p++) e->w[p] += e->u[p] / eps;
    total += PetscExpReal(LogSumExp(t->n, e->w, NULL));
  }
  return total;
}

/* S(y_j) - y_j = sum_i pi_ij (x_i - y_j) / r_j, by the shifted displacement weights */
static void Barycentres(W2JKO jko, Entropic *e, PetscReal eps, PetscReal disp[])
{
  const W2Torus *t = &jko->torus;
  for (PetscInt p = 0; p < t->n; p++) e->work2[p] = e->u[p] / eps;
  for (PetscInt a = 0; a < t->dim; a++) {
    LogConv(t, e->work2, e->w, a == 0 ? e->ld[0] : e->lk[0], a == 1 ? e->ld[1] : e->lk[1], e->work);
    for (PetscInt p = 0; p < t->n; p++) disp[t->dim * p + a] = e->r[p] > 0 ? PetscExpReal(e->v[p] / eps + e->w[p]) / e->r[p] - 0.5 * t->L[a] : 0.0;
  }
}

/* iterate at one eps until the gap criterion holds with tolerance rtol; returns iterations used */
static PetscErrorCode Stage(W2JKO jko, Entropic *e, PetscReal eps, PetscReal rtol, const PetscReal nu[], PetscReal energy_mu, PetscInt budget, PetscInt *used, W2JKOInfo *info)
{
  const W2Torus *t = &jko->torus;
  PetscReal      cost = -1;

  PetscFunctionBeginUser;
  Kernels(jko, e, eps);
  for (*used = 0;; (*used)++) {
    UpdateU(jko, e, eps);
    Marginal(jko, e, eps);
    for (PetscInt p = 0; p < t->n; p++) e->work2[p] = e->r[p] / t->dV; /* rho */
    if (nu) {
      PetscReal tv = 0, lag = 0;
      for (PetscInt p = 0; p < t->n; p++) {
        tv += PetscAbsReal(e->work2[p] - nu[p]);
        if (nu[p] > 0 || e->r[p] > 0) lag += e->v[p] * (e->r[p] - nu[p] * t->dV);
      }
      info->marginal = 0.5 * tv * t->dV;
      info->gap      = PetscAbsReal(lag);
      if (cost < 0 || info->marginal <= jko->marginal_tol) cost = TransportCost(jko, e, eps);
      info->rel_gap   = info->gap / PetscMax(cost, PETSC_SMALL * PETSC_SMALL);
      info->converged = (PetscBool)(info->marginal <= jko->marginal_tol && (info->rel_gap <= rtol || info->gap <= jko->atol));
    } else {
      PetscReal e1;
      for (PetscInt p = 0; p < t->n; p++) e->w[p] = -e->v[p] / (2.0 * jko->tau);
      info->gap = W2JKOFenchelGap(jko->div, t, jko->q, e->work2, e->w);
      e1        = W2JKOEnergy(jko->div, t, jko->q, e->work2);
      /* the transport cost sets the scale; refresh it whenever the gap might pass */
      if (cost < 0 || info->gap <= rtol * (cost / (2.0 * jko->tau) + PetscAbsReal(energy_mu - e1))) cost = TransportCost(jko, e, eps);
      info->rel_gap   = info->gap / PetscMax(cost / (2.0 * jko->tau) + PetscAbsReal(energy_mu - e1), PETSC_SMALL * PETSC_SMALL);
      info->converged = (PetscBool)(info->rel_gap <= rtol || info->gap <= jko->atol);
    }
    PetscCall(W2JKOMonitorLine(jko, "entropic", *used, eps, info->gap, info->rel_gap, cost));
    if (info->converged || *used >= budget) break;
    PetscCall(UpdateV(jko, e, eps, nu));
  }
  info->w2sq = cost;
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
  Barycentres(jko, e, info->epsilon, disp);
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

static PetscErrorCode SetFromOptionsEntropic(PetscOptionItems *PetscOptionsObject, W2JKO jko)
{
  Entropic *e = (Entropic *)jko->data;

  PetscFunctionBeginUser;
  PetscOptionsHeadBegin(PetscOptionsObject, "Entropic JKO (-jko_type entropic)");
  PetscCall(PetscOptionsReal("-epsilon", "Entropic regularisation eps of the plan (length^2 units; the plan's blur is about sqrt(eps))", NULL, e->epsilon, &e->epsilon, NULL));
  PetscCall(PetscOptionsReal("-epsilon_start", "First eps of the ladder (<= -jko_epsilon: no ladder)", NULL, e->epsilon_start, &e->epsilon_start, NULL));
  PetscCall(PetscOptionsReal("-epsilon_factor", "Ratio of successive eps in the ladder", NULL, e->epsilon_factor, &e->epsilon_factor, NULL));
  PetscOptionsHeadEnd();
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
  for (PetscInt a = 0; a < 2; a++) PetscCall(PetscFree3(e->lk[a], e->lc[a], e->ld[a]));
  PetscCall(PetscFree(jko->data));
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOCreate_Entropic(W2JKO jko)
{
  Entropic      *e;
  const W2Torus *t = &jko->torus;
  const PetscInt n = t->n;
  const PetscReal h = PetscMax(t->h[0], t->dim == 2 ? t->h[1] : 0.0);

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&e));
  e->epsilon        = 4.0 * h * h; /* a blur of about two cells */
  e->epsilon_start  = 16.0 * e->epsilon;
  e->epsilon_factor = 0.5;
  e->kernel_eps     = -1;
  PetscCall(PetscMalloc4(n, &e->u, n, &e->v, n, &e->kappa, n, &e->r));
  PetscCall(PetscMalloc4(n, &e->w, n, &e->lm, n, &e->work, n, &e->work2));
  for (PetscInt a = 0; a < 2; a++) {
    const PetscInt m = PetscMax(t->N[a], 1);
    PetscCall(PetscMalloc3(m, &e->lk[a], m, &e->lc[a], m, &e->ld[a]));
  }
  jko->data           = e;
  jko->setfromoptions = SetFromOptionsEntropic;
  jko->step           = StepEntropic;
  jko->distance       = DistanceEntropic;
  jko->destroy        = DestroyEntropic;
  PetscFunctionReturn(0);
}
