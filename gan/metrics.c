/// @file GAN metrics: Wasserstein distances from quantiles (sliced in 2-D), KDE divergences on a grid, mode coverage, and the
/// discriminator potential f'(exp(-logit D)) against f'(rho/q) (THEORY.md 6, 8).
#include <math.h>
#include "gan/metrics.h"
#include <petscblaslapack.h>

static int CompareReal(const void *a, const void *b)
{
  const PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return (x > y) - (x < y);
}

PetscErrorCode W2GanMetricsCreate(const W2GanTarget *t, PetscInt n, PetscInt ndir, PetscInt G, PetscReal bandwidth, W2GanMetrics **metrics)
{
  W2GanMetrics *m;
  PetscReal    *p;
  PetscInt      npts;

  PetscFunctionBeginUser;
  PetscCheck(n >= 2 && G >= 4 && bandwidth >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "metrics need n >= 2 samples, G >= 4 grid points and a bandwidth >= 0, got %" PetscInt_FMT ", %" PetscInt_FMT ", %g", n, G, (double)bandwidth);
  PetscCall(PetscNew(&m));
  m->target    = t;
  m->dim       = t->dim;
  m->n         = n;
  m->ndir      = t->dim == 1 ? 1 : ndir;
  m->G         = G;
  m->bandwidth = bandwidth;
  PetscCheck(m->ndir >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "sliced distances need at least one direction, got %" PetscInt_FMT, ndir);
  npts = t->dim == 1 ? G : G * G;
  PetscCall(PetscMalloc3(m->ndir * t->dim, &m->dirs, m->ndir * n, &m->tq, n, &m->proj));
  PetscCall(PetscMalloc1(n, &p));
  PetscCall(PetscMalloc4(npts, &m->rho, npts, &m->logq, t->dim * npts, &m->pts, npts, &m->v));
  PetscCall(PetscMalloc2(G * n, &m->E[0], t->dim == 2 ? G * n : 1, &m->E[1]));
  for (PetscInt k = 0; k < n; k++) p[k] = (k + 0.5) / n;
  for (PetscInt d = 0; d < m->ndir; d++) {
    if (t->dim == 1) m->dirs[0] = 1;
    else {
      m->dirs[2 * d]     = PetscCosReal(PETSC_PI * d / m->ndir);
      m->dirs[2 * d + 1] = PetscSinReal(PETSC_PI * d / m->ndir);
    }
    PetscCall(W2GanTargetProjectedQuantiles(t, m->dirs + t->dim * d, n, p, m->tq + n * d));
  }
  PetscCall(PetscFree(p));
  *metrics = m;
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanMetricsDestroy(W2GanMetrics **m)
{
  PetscFunctionBeginUser;
  if (!*m) PetscFunctionReturn(0);
  PetscCall(PetscFree3((*m)->dirs, (*m)->tq, (*m)->proj));
  PetscCall(PetscFree4((*m)->rho, (*m)->logq, (*m)->pts, (*m)->v));
  PetscCall(PetscFree2((*m)->E[0], (*m)->E[1]));
  PetscCall(PetscFree(*m));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanMetricsWasserstein(W2GanMetrics *m, const PetscReal x[], PetscReal *w1, PetscReal *w2)
{
  PetscReal s1 = 0, s2 = 0;

  PetscFunctionBeginUser;
  for (PetscInt d = 0; d < m->ndir; d++) {
    const PetscReal *u = m->dirs + m->dim * d, *q = m->tq + m->n * d;
    for (PetscInt k = 0; k < m->n; k++) {
      m->proj[k] = 0;
      for (PetscInt a = 0; a < m->dim; a++) m->proj[k] += u[a] * x[m->dim * k + a];
    }
    qsort(m->proj, (size_t)m->n, sizeof(PetscReal), CompareReal);
    for (PetscInt k = 0; k < m->n; k++) {
      s1 += PetscAbsReal(m->proj[k] - q[k]);
      s2 += PetscSqr(m->proj[k] - q[k]);
    }
  }
  *w1 = s1 / (m->n * m->ndir);
  *w2 = PetscSqrtReal(s2 / (m->n * m->ndir));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanMetricsKDE(W2GanMetrics *m, const PetscReal x[], PetscReal *kl, PetscReal *jsd)
{
  const PetscInt dim = m->dim, n = m->n, G = m->G, npts = dim == 1 ? G : G * G;
  PetscReal      tlo[2], thi[2], dV = 1, mr = 0, mq = 0, lmax = -PETSC_INFINITY, var[2], k1 = 0, j1 = 0;

  PetscFunctionBeginUser;
  W2GanTargetBox(m->target, 5, tlo, thi);
  for (PetscInt a = 0; a < dim; a++) {
    PetscReal mean = 0, sd = 0, xmin = PETSC_INFINITY, xmax = -PETSC_INFINITY, lo, hi, tsd = 0;
    for (PetscInt k = 0; k < n; k++) {
      mean += x[dim * k + a] / n;
      xmin = PetscMin(xmin, x[dim * k + a]);
      xmax = PetscMax(xmax, x[dim * k + a]);
    }
    for (PetscInt k = 0; k < n; k++) sd += PetscSqr(x[dim * k + a] - mean) / (n - 1);
    for (PetscInt k = 0; k < m->target->K; k++) tsd = PetscMax(tsd, m->target->sigma[k]);
    /* a collapsed generator has sd = 0: floor the bandwidth at 1e-3 of the widest target component */
    m->h[a] = m->bandwidth > 0 ? m->bandwidth : PetscMax(PetscSqrtReal(sd) * PetscPowReal((PetscReal)n, -1.0 / (dim + 4)), 1e-3 * tsd);
    PetscCheck(!PetscIsInfOrNanReal(xmax - xmin) && !PetscIsInfOrNanReal(m->h[a]), PETSC_COMM_SELF, PETSC_ERR_FP, "KDE of non-finite samples (bandwidth %g, range [%g, %g])", (double)m->h[a], (double)xmin, (double)xmax);
    lo        = PetscMin(tlo[a], xmin - 4 * m->h[a]);
    hi        = PetscMax(thi[a], xmax + 4 * m->h[a]);
    m->lo[a]  = lo;
    m->dx[a]  = (hi - lo) / G;
    dV       *= m->dx[a];
    var[a]    = PetscSqr(m->h[a]);
    /* kernel values per axis: E_a[i, k] = N(c_i; x_ka, h_a^2) */
    for (PetscInt k = 0; k < n; k++)
      for (PetscInt i = 0; i < G; i++) m->E[a][i + G * k] = PetscExpReal(-0.5 * PetscSqr((lo + (i + 0.5) * m->dx[a] - x[dim * k + a]) / m->h[a])) / (m->h[a] * PetscSqrtReal(2 * PETSC_PI));
  }
  if (dim == 1) {
    for (PetscInt i = 0; i < G; i++) {
      PetscReal s = 0;
      for (PetscInt k = 0; k < n; k++) s += m->E[0][i + G * k];
      m->rho[i] = s / n;
      m->pts[i] = m->lo[0] + (i + 0.5) * m->dx[0];
    }
  } else {
    /* rho[i + G j] = (1/n) sum_k E_0[i, k] E_1[j, k]: one product E_0 E_1^T */
    PetscBLASInt    bG, bn;
    const PetscReal alpha = 1.0 / n, zero = 0;
    PetscCall(PetscBLASIntCast(G, &bG));
    PetscCall(PetscBLASIntCast(n, &bn));
    PetscCallBLAS("BLASgemm", BLASgemm_("N", "T", &bG, &bG, &bn, &alpha, m->E[0], &bG, m->E[1], &bG, &zero, m->rho, &bG));
    for (PetscInt j = 0; j < G; j++)
      for (PetscInt i = 0; i < G; i++) {
        m->pts[2 * (i + G * j)]     = m->lo[0] + (i + 0.5) * m->dx[0];
        m->pts[2 * (i + G * j) + 1] = m->lo[1] + (j + 0.5) * m->dx[1];
      }
  }
  /* smoothed target q_h in logs (normalised with log-sum-exp), the exact target for the potential likewise */
  for (PetscInt i = 0; i < npts; i++) {
    m->v[i]    = W2GanTargetLogDensity(m->target, m->pts + dim * i, var);
    m->logq[i] = W2GanTargetLogDensity(m->target, m->pts + dim * i, NULL);
    lmax       = PetscMax(lmax, m->v[i]);
    mr += m->rho[i] * dV;
  }
  PetscCheck(mr > 0, PETSC_COMM_SELF, PETSC_ERR_FP, "the KDE has no mass on its grid");
  for (PetscInt i = 0; i < npts; i++) mq += PetscExpReal(m->v[i] - lmax) * dV;
  for (PetscInt i = 0; i < npts; i++) {
    const PetscReal r = m->rho[i] / mr, lq = m->v[i] - lmax - PetscLogReal(mq), q = PetscExpReal(lq), mid = 0.5 * (r + q);
    m->rho[i] = r;
    if (r > 0) {
      k1 += r * (PetscLogReal(r) - lq) * dV;
      j1 += 0.5 * r * PetscLogReal(r / mid) * dV;
    }
    if (q > 0) j1 += 0.5 * q * PetscLogReal(q / mid) * dV;
  }
  {
    PetscReal qmax = -PETSC_INFINITY, qs = 0;
    for (PetscInt i = 0; i < npts; i++) qmax = PetscMax(qmax, m->logq[i]);
    for (PetscInt i = 0; i < npts; i++) qs += PetscExpReal(m->logq[i] - qmax) * dV;
    for (PetscInt i = 0; i < npts; i++) m->logq[i] -= qmax + PetscLogReal(qs);
  }
  *kl  = k1;
  *jsd = j1;
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanMetricsModes(W2GanMetrics *m, const PetscReal x[], PetscInt *covered, PetscReal *hq)
{
  const W2GanTarget *t = m->target;
  PetscInt          *count, nhq = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(t->K, &count));
  for (PetscInt s = 0; s < m->n; s++) {
    PetscInt  best = 0;
    PetscReal d2   = PETSC_INFINITY;
    for (PetscInt k = 0; k < t->K; k++) {
      PetscReal e = 0;
      for (PetscInt a = 0; a < t->dim; a++) e += PetscSqr(x[t->dim * s + a] - t->mean[t->dim * k + a]);
      if (e < d2) {
        d2   = e;
        best = k;
      }
    }
    if (d2 <= PetscSqr(3 * t->sigma[best])) {
      count[best]++;
      nhq++;
    }
  }
  *covered = 0;
  for (PetscInt k = 0; k < t->K; k++)
    if (5 * t->K * count[k] >= m->n) (*covered)++;
  *hq = (PetscReal)nhq / m->n;
  PetscCall(PetscFree(count));
  PetscFunctionReturn(0);
}

static PetscReal Clamp(PetscReal r) { return PetscMin(PetscMax(r, 1e-300), 1e300); }

PetscErrorCode W2GanPotentialFromOutputs(const W2GanLoss *loss, const W2Divergence *div, PetscInt n, const PetscReal v[], PetscReal phi[])
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n; i++) {
    PetscReal rhat;
    if (loss->type == W2_GAN_FGAN) {
      PetscReal T, dT;
      PetscCall(W2GanOutputActivation(loss->div, v[i], &T, &dT));
      rhat = 1 / loss->div->dfinv(loss->div, T);
    } else rhat = PetscExpReal(-v[i]);
    phi[i] = div->df(div, Clamp(rhat));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanMetricsPotential(W2GanMetrics *m, W2MLP *disc, const W2GanLoss *loss, const W2Divergence *div, PetscReal *l2)
{
  const PetscInt npts = m->dim == 1 ? m->G : m->G * m->G;
  PetscReal      s = 0, w = 0;

  PetscFunctionBeginUser;
  PetscCall(W2MLPForward(disc, npts, m->pts, m->v));
  for (PetscInt i = 0; i < npts; i++) {
    const PetscReal q = PetscExpReal(m->logq[i]);
    PetscReal       phihat, phi;
    PetscCall(W2GanPotentialFromOutputs(loss, div, 1, &m->v[i], &phihat));
    phi = div->df(div, Clamp(PetscExpReal(PetscLogReal(m->rho[i]) - m->logq[i])));
    if (q > 0) {
      s += q * PetscSqr(phihat - phi);
      w += q;
    }
  }
  *l2 = PetscSqrtReal(s / w);
  PetscFunctionReturn(0);
}

static PetscBool AnyNaN(PetscInt n, const PetscReal u[])
{
  for (PetscInt i = 0; i < n; i++)
    if (PetscIsNanReal(u[i])) return PETSC_TRUE;
  return PETSC_FALSE;
}

PetscErrorCode W2GanMetricsGradientMax(const W2GanMetrics *m, const PetscReal u[], PetscReal *max)
{
  const PetscInt G = m->G, ny = m->dim == 1 ? 1 : G;
  PetscReal      g = 0;

  PetscFunctionBeginUser;
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < G; i++) {
      /* axis 0 along i; central inside, one-sided at the two ends of the (non-periodic) grid */
      const PetscInt il = i ? i - 1 : 0, ir = i < G - 1 ? i + 1 : G - 1;
      g = PetscMax(g, PetscAbsReal(u[ir + G * j] - u[il + G * j]) / ((ir - il) * m->dx[0]));
      if (m->dim == 2) {
        const PetscInt jl = j ? j - 1 : 0, jr = j < G - 1 ? j + 1 : G - 1;
        g = PetscMax(g, PetscAbsReal(u[i + G * jr] - u[i + G * jl]) / ((jr - jl) * m->dx[1]));
      }
    }
  *max = AnyNaN(G * ny, u) ? NAN : g; /* PetscMax drops NaN: a diverged copy must show */
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanMetricsNorms(const W2GanMetrics *m, const PetscReal u[], PetscReal *max, PetscReal *l2q)
{
  const PetscInt npts = m->dim == 1 ? m->G : m->G * m->G;
  PetscReal      mx = 0, s = 0, w = 0;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < npts; i++) {
    const PetscReal q = PetscExpReal(m->logq[i]);
    mx = PetscMax(mx, PetscAbsReal(u[i]));
    s += q * u[i] * u[i];
    w += q;
  }
  if (max) *max = AnyNaN(npts, u) ? NAN : mx;
  if (l2q) *l2q = PetscSqrtReal(s / w);
  PetscFunctionReturn(0);
}
