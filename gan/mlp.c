/// @file Multilayer perceptrons: reproducible initialisation, batched forward and backward passes (matrix products by BLAS
/// dgemm), batched per-sample Jacobians, and the natural-gradient direction by Woodbury without forming J.
#include "gan/mlp.h"
#include <petscblaslapack.h>

const char *const W2Activations[] = {"relu", "tanh", "leaky_relu", "W2Activation", "W2_ACT_", NULL};

static uint64_t SplitMix64(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static inline uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void W2RngSeed(W2Rng *r, uint64_t seed)
{
  for (int i = 0; i < 4; i++) r->s[i] = SplitMix64(&seed);
  r->has_spare = PETSC_FALSE;
  r->spare     = 0;
}

/* xoshiro256** (Blackman and Vigna) */
uint64_t W2RngNext(W2Rng *r)
{
  uint64_t *s = r->s, res = Rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = Rotl(s[3], 45);
  return res;
}

PetscReal W2RngUniform(W2Rng *r) { return ((PetscReal)(W2RngNext(r) >> 11) + 0.5) * 0x1.0p-53; }

PetscReal W2RngNormal(W2Rng *r)
{
  PetscReal u, v, rad;
  if (r->has_spare) {
    r->has_spare = PETSC_FALSE;
    return r->spare;
  }
  u   = W2RngUniform(r);
  v   = W2RngUniform(r);
  rad = PetscSqrtReal(-2.0 * PetscLogReal(u));
  r->spare     = rad * PetscSinReal(2.0 * PETSC_PI * v);
  r->has_spare = PETSC_TRUE;
  return rad * PetscCosReal(2.0 * PETSC_PI * v);
}

PetscErrorCode W2MLPCreateWithSizes(PetscInt nin, PetscInt nout, PetscInt depth, PetscInt width, W2Activation act, W2MLP **mlp)
{
  W2MLP *m;

  PetscFunctionBeginUser;
  PetscCheck(nin >= 1 && nout >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "an MLP needs at least one input and one output, got %" PetscInt_FMT " and %" PetscInt_FMT, nin, nout);
  PetscCheck(depth >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "MLP depth (hidden layers) must be >= 0, got %" PetscInt_FMT, depth);
  PetscCheck(depth == 0 || width >= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "MLP width must be >= 1, got %" PetscInt_FMT, width);
  PetscCall(PetscNew(&m));
  m->nlayers = depth + 1;
  m->act     = act;
  m->leak    = 0.2;
  PetscCall(PetscMalloc2(m->nlayers + 1, &m->widths, m->nlayers, &m->offsets));
  for (PetscInt l = 0; l <= m->nlayers; l++) m->widths[l] = l == 0 ? nin : (l == m->nlayers ? nout : width);
  for (PetscInt l = 0; l < m->nlayers; l++) {
    m->offsets[l] = m->nparams;
    m->nparams += m->widths[l + 1] * (m->widths[l] + 1);
  }
  PetscCall(PetscCalloc1(m->nparams, &m->params));
  PetscCall(PetscCalloc2(m->nlayers, &m->z, m->nlayers + 1, &m->a));
  *mlp = m;
  PetscFunctionReturn(0);
}

PetscErrorCode W2MLPCreate(MPI_Comm comm, const char prefix[], PetscInt nin, PetscInt nout, PetscInt depth, PetscInt width, W2MLP **mlp)
{
  W2Activation act  = W2_ACT_RELU;
  PetscReal    leak = 0.2;
  PetscInt     seed = 0;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, prefix, "Multilayer perceptron", NULL);
  PetscCall(PetscOptionsInt("-depth", "Hidden layers", NULL, depth, &depth, NULL));
  PetscCall(PetscOptionsInt("-width", "Units per hidden layer", NULL, width, &width, NULL));
  PetscCall(PetscOptionsEnum("-activation", "Hidden activation", NULL, W2Activations, (PetscEnum)act, (PetscEnum *)&act, NULL));
  PetscCall(PetscOptionsReal("-leak", "Slope of leaky_relu below 0", NULL, leak, &leak, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the initial weights", NULL, seed, &seed, NULL));
  PetscOptionsEnd();
  PetscCheck(leak >= 0 && leak < 1, comm, PETSC_ERR_USER_INPUT, "-%sleak must lie in [0, 1), got %g", prefix ? prefix : "", (double)leak);
  PetscCall(W2MLPCreateWithSizes(nin, nout, depth, width, act, mlp));
  (*mlp)->leak = leak;
  PetscCall(W2MLPInitialize(*mlp, (uint64_t)seed));
  PetscFunctionReturn(0);
}

PetscErrorCode W2MLPInitialize(W2MLP *m, uint64_t seed)
{
  W2Rng r;

  PetscFunctionBeginUser;
  W2RngSeed(&r, seed);
  for (PetscInt l = 0; l < m->nlayers; l++) {
    const PetscInt in = m->widths[l], out = m->widths[l + 1];
    const PetscReal sd = m->act == W2_ACT_TANH ? PetscSqrtReal(2.0 / (in + out)) : PetscSqrtReal(2.0 / in);
    PetscReal     *W  = m->params + m->offsets[l];
    for (PetscInt k = 0; k < out * in; k++) W[k] = sd * W2RngNormal(&r);
    for (PetscInt k = 0; k < out; k++) W[out * in + k] = 0;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeBatch(W2MLP *m)
{
  PetscFunctionBeginUser;
  for (PetscInt l = 0; l < m->nlayers; l++) PetscCall(PetscFree(m->z[l]));
  for (PetscInt l = 1; l <= m->nlayers; l++) PetscCall(PetscFree(m->a[l]));
  PetscCall(PetscFree(m->work[0]));
  PetscCall(PetscFree(m->work[1]));
  m->batch    = 0;
  m->capacity = 0;
  PetscFunctionReturn(0);
}

/* Buffers for n samples. They only grow: the discriminator's batch alternates between 2B and B in every training step,
   and reallocating each time cost more than the pass itself. */
static PetscErrorCode EnsureCapacity(W2MLP *m, PetscInt n)
{
  PetscInt wmax = 0;

  PetscFunctionBeginUser;
  if (n <= m->capacity) PetscFunctionReturn(0);
  PetscCall(FreeBatch(m));
  for (PetscInt l = 0; l <= m->nlayers; l++) wmax = PetscMax(wmax, m->widths[l]);
  for (PetscInt l = 0; l < m->nlayers; l++) PetscCall(PetscMalloc1(m->widths[l + 1] * n, &m->z[l]));
  for (PetscInt l = 1; l <= m->nlayers; l++) PetscCall(PetscMalloc1(m->widths[l] * n, &m->a[l]));
  PetscCall(PetscMalloc1(wmax * n, &m->work[0]));
  PetscCall(PetscMalloc1(wmax * n, &m->work[1]));
  m->capacity = n;
  PetscFunctionReturn(0);
}

PetscErrorCode W2MLPDestroy(W2MLP **mlp)
{
  PetscFunctionBeginUser;
  if (!*mlp) PetscFunctionReturn(0);
  PetscCall(FreeBatch(*mlp));
  PetscCall(PetscFree2((*mlp)->z, (*mlp)->a));
  PetscCall(PetscFree((*mlp)->params));
  PetscCall(PetscFree2((*mlp)->widths, (*mlp)->offsets));
  PetscCall(PetscFree(*mlp));
  PetscFunctionReturn(0);
}

/* Blocks of a fixed length: gcc -O2 (the project's RelWithDebInfo) vectorises those, not loops of unknown length. */
#define BLOCK 8

/* a = s(z) over len entries. One loop per activation, the choice outside it: a switch per element kept the loop from being
   vectorised and reloaded m->act on every entry (the stores to a may alias m). */
static void Activate(const W2MLP *m, PetscInt len, const PetscReal *restrict z, PetscReal *restrict a)
{
  const PetscReal leak = m->leak;

  switch (m->act) {
  case W2_ACT_TANH:
    for (PetscInt k = 0; k < len; k++) a[k] = PetscTanhReal(z[k]);
    break;
  case W2_ACT_LEAKY_RELU:
    for (PetscInt k = 0; k < len; k++) a[k] = z[k] > 0 ? z[k] : leak * z[k];
    break;
  default: {
    PetscInt k = 0;
    for (; k + BLOCK <= len; k += BLOCK)
      for (PetscInt q = 0; q < BLOCK; q++) a[k + q] = z[k + q] > 0 ? z[k + q] : 0;
    for (; k < len; k++) a[k] = z[k] > 0 ? z[k] : 0;
  } break;
  }
}

/* u *= s'(z), from the pre-activation z and the value a = s(z); the same products as before (u * 0, not 0, for relu) */
static void MultiplyDerivative(const W2MLP *m, PetscInt len, const PetscReal *restrict z, const PetscReal *restrict a, PetscReal *restrict u)
{
  const PetscReal leak = m->leak;

  switch (m->act) {
  case W2_ACT_TANH: {
    PetscInt k = 0;
    for (; k + BLOCK <= len; k += BLOCK)
      for (PetscInt q = 0; q < BLOCK; q++) u[k + q] *= 1 - a[k + q] * a[k + q];
    for (; k < len; k++) u[k] *= 1 - a[k] * a[k];
  } break;
  case W2_ACT_LEAKY_RELU:
    for (PetscInt k = 0; k < len; k++) u[k] *= z[k] > 0 ? 1 : leak;
    break;
  default: {
    PetscInt k = 0;
    for (; k + BLOCK <= len; k += BLOCK)
      for (PetscInt q = 0; q < BLOCK; q++) {
        const PetscReal s = z[k + q] > 0 ? 1 : 0;
        u[k + q] *= s;
      }
    for (; k < len; k++) u[k] *= z[k] > 0 ? 1 : 0;
  } break;
  }
}

PetscErrorCode W2MLPForward(W2MLP *m, PetscInt n, const PetscReal x[], PetscReal y[])
{
  PetscFunctionBeginUser;
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "batch must be >= 1, got %" PetscInt_FMT, n);
  PetscCall(EnsureCapacity(m, n));
  m->batch = n;
  m->a[0]  = (PetscReal *)x; /* borrowed until the next forward pass */
  for (PetscInt l = 0; l < m->nlayers; l++) {
    const PetscInt   in = m->widths[l], out = m->widths[l + 1];
    const PetscReal *W = m->params + m->offsets[l], *b = W + out * in;
    PetscReal       *z = m->z[l], *a = m->a[l + 1];
    PetscBLASInt     bo, bi, bn;
    const PetscReal  one = 1;
    PetscCall(PetscBLASIntCast(out, &bo));
    PetscCall(PetscBLASIntCast(in, &bi));
    PetscCall(PetscBLASIntCast(n, &bn));
    for (PetscInt k = 0; k < n; k++) PetscCall(PetscArraycpy(z + out * k, b, out));
    PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bo, &bn, &bi, &one, W, &bo, m->a[l], &bi, &one, z, &bo));
    if (l + 1 < m->nlayers) Activate(m, out * n, z, a);
    else PetscCall(PetscArraycpy(a, z, out * n));
  }
  if (y) PetscCall(PetscArraycpy(y, m->a[m->nlayers], m->widths[m->nlayers] * n));
  PetscFunctionReturn(0);
}

PetscErrorCode W2MLPBackward(W2MLP *m, const PetscReal dy[], PetscReal dparams[], PetscReal dx[])
{
  const PetscInt   n     = m->batch;
  const PetscReal *delta = dy; /* read in place: dx is written only at the end, so it may be dy */
  PetscInt         next  = 0;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ORDER, "W2MLPBackward needs a forward pass first");
  for (PetscInt l = m->nlayers - 1; l >= 0; l--) {
    const PetscInt   in = m->widths[l], out = m->widths[l + 1];
    const PetscReal *W  = m->params + m->offsets[l];
    PetscReal       *up = m->work[next];
    PetscBLASInt     bo, bi, bn;
    const PetscReal  one = 1, zero = 0;
    PetscCall(PetscBLASIntCast(out, &bo));
    PetscCall(PetscBLASIntCast(in, &bi));
    PetscCall(PetscBLASIntCast(n, &bn));
    if (dparams) {
      PetscReal *dW = dparams + m->offsets[l], *db = dW + out * in;
      PetscCallBLAS("BLASgemm", BLASgemm_("N", "T", &bo, &bi, &bn, &one, delta, &bo, m->a[l], &bi, &one, dW, &bo));
      for (PetscInt k = 0; k < n; k++)
        for (PetscInt o = 0; o < out; o++) db[o] += delta[o + out * k];
    }
    if (l == 0 && !dx) break;
    PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &bi, &bn, &bo, &one, W, &bo, delta, &bo, &zero, up, &bi));
    if (l == 0) PetscCall(PetscArraycpy(dx, up, in * n));
    else {
      MultiplyDerivative(m, in * n, m->z[l - 1], m->a[l], up);
      delta = up;
      next  = 1 - next;
    }
  }
  PetscFunctionReturn(0);
}

/* One batched forward pass and, per output j, one batched backward sweep from dy = e_j: sample k's row k nout + j is, per
   layer, (delta_k a_k^T, delta_k) with delta = dy_j/dz of that layer. Same products as n one-sample passes, at a fraction of
   the calls. Leaves the forward pass of all n samples stored. */
PetscErrorCode W2MLPJacobian(W2MLP *m, PetscInt n, const PetscReal x[], PetscReal J[])
{
  const PetscInt L = m->nlayers, nout = m->widths[L], rows = n * nout;

  PetscFunctionBeginUser;
  PetscCall(W2MLPForward(m, n, x, NULL));
  for (PetscInt j = 0; j < nout; j++) {
    PetscReal *delta = m->work[0], *up = m->work[1];
    for (PetscInt k = 0; k < n; k++)
      for (PetscInt o = 0; o < nout; o++) delta[o + nout * k] = o == j ? 1 : 0;
    for (PetscInt l = L - 1; l >= 0; l--) {
      const PetscInt   in = m->widths[l], out = m->widths[l + 1], off = m->offsets[l];
      const PetscReal *a = m->a[l];
      for (PetscInt i = 0; i < in; i++)
        for (PetscInt o = 0; o < out; o++) {
          PetscReal *col = J + rows * (off + o + out * i) + j;
          for (PetscInt k = 0; k < n; k++) col[nout * k] = delta[o + out * k] * a[i + in * k];
        }
      for (PetscInt o = 0; o < out; o++) {
        PetscReal *col = J + rows * (off + out * in + o) + j;
        for (PetscInt k = 0; k < n; k++) col[nout * k] = delta[o + out * k];
      }
      if (l == 0) break;
      {
        PetscBLASInt    bo, bi, bn;
        const PetscReal one = 1, zero = 0;
        PetscCall(PetscBLASIntCast(out, &bo));
        PetscCall(PetscBLASIntCast(in, &bi));
        PetscCall(PetscBLASIntCast(n, &bn));
        PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &bi, &bn, &bo, &one, m->params + off, &bo, delta, &bo, &zero, up, &bi));
      }
      MultiplyDerivative(m, in * n, m->z[l - 1], m->a[l], up);
      {
        PetscReal *t = delta;
        delta        = up;
        up           = t;
      }
    }
  }
  PetscFunctionReturn(0);
}

/* The Woodbury natural-gradient direction without forming J (rows r = k nout + j, sample k, output j, as W2MLPJacobian).
   Row r restricted to layer l is (D_l[:, r] a_l[:, k]^T, D_l[:, r]), D_l = dy_j/dz_l, so
     (J J^T)_{r r'} = sum_l (D_l[:, r] . D_l[:, r']) (a_l[:, k] . a_l[:, k'] + 1)   (n^2 nout^2 (in + out) per layer, not n^2 nout^2 P)
     (J g)_r        = sum_l D_l[:, r] . (G_l a_l[:, k] + g_b,l)                     (G_l, g_b,l: the W and b parts of g)
     J^T w          = the backward pass with dy = w (linear in dy). */
PetscErrorCode W2MLPGaussNewtonWoodbury(W2MLP *m, PetscInt n, const PetscReal x[], PetscReal lambda, const PetscReal g[], PetscReal d[])
{
  const PetscInt  L = m->nlayers, nout = m->widths[L], R = n * nout;
  const PetscReal one = 1, zero = 0;
  PetscInt        wmax = 0, dsize = 0, *doff;
  PetscReal      *D, *K, *DG, *AG, *w, *T;
  PetscBLASInt    bR, bn, bone = 1, info;

  PetscFunctionBeginUser;
  PetscCheck(lambda > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "the Woodbury solve needs damping > 0, got %g", (double)lambda);
  PetscCall(PetscBLASIntCast(R, &bR));
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCall(W2MLPForward(m, n, x, NULL));
  PetscCall(PetscMalloc1(L, &doff));
  for (PetscInt l = 0; l < L; l++) {
    doff[l] = dsize;
    dsize += m->widths[l + 1] * R;
  }
  for (PetscInt l = 0; l <= L; l++) wmax = PetscMax(wmax, m->widths[l]);
  PetscCall(PetscMalloc6(dsize, &D, R * R, &K, R * R, &DG, n * n, &AG, R, &w, wmax * n, &T));
  /* D_l (out x R): one batched backward sweep per output j, on the columns k nout + j (leading dimension out nout) */
  for (PetscInt j = 0; j < nout; j++) {
    PetscReal *DL = D + doff[L - 1];
    for (PetscInt k = 0; k < n; k++)
      for (PetscInt o = 0; o < nout; o++) DL[o + nout * (j + nout * k)] = o == j ? 1 : 0;
    for (PetscInt l = L - 1; l > 0; l--) {
      const PetscInt   in = m->widths[l], out = m->widths[l + 1];
      const PetscReal *z = m->z[l - 1], *a = m->a[l];
      PetscReal       *up = D + doff[l - 1] + in * j;
      PetscBLASInt     bi, bo, ldd, ldu;
      PetscCall(PetscBLASIntCast(in, &bi));
      PetscCall(PetscBLASIntCast(out, &bo));
      PetscCall(PetscBLASIntCast(out * nout, &ldd));
      PetscCall(PetscBLASIntCast(in * nout, &ldu));
      PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &bi, &bn, &bo, &one, m->params + m->offsets[l], &bo, D + doff[l] + out * j, &ldd, &zero, up, &ldu));
      if (nout == 1) MultiplyDerivative(m, in * n, z, a, up);
      else
        for (PetscInt k = 0; k < n; k++) MultiplyDerivative(m, in, z + in * k, a + in * k, up + in * nout * k);
    }
  }
  /* K = J J^T + n lambda I and w = J g, layer by layer; lower triangles (r >= r' implies k >= k') */
  PetscCall(PetscArrayzero(K, R * R));
  PetscCall(PetscArrayzero(w, R));
  for (PetscInt l = 0; l < L; l++) {
    const PetscInt   in = m->widths[l], out = m->widths[l + 1];
    const PetscReal *Dl = D + doff[l], *Gl = g + m->offsets[l], *gb = Gl + out * in;
    PetscBLASInt     bi, bo;
    PetscCall(PetscBLASIntCast(in, &bi));
    PetscCall(PetscBLASIntCast(out, &bo));
    PetscCallBLAS("BLASsyrk", BLASsyrk_("L", "T", &bR, &bo, &one, Dl, &bo, &zero, DG, &bR));
    PetscCallBLAS("BLASsyrk", BLASsyrk_("L", "T", &bn, &bi, &one, m->a[l], &bi, &zero, AG, &bn));
    for (PetscInt c = 0; c < R; c++) {
      const PetscReal *ag = AG + n * (c / nout);
      for (PetscInt r = c; r < R; r++) K[r + R * c] += DG[r + R * c] * (ag[r / nout] + 1);
    }
    for (PetscInt k = 0; k < n; k++) PetscCall(PetscArraycpy(T + out * k, gb, out));
    PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bo, &bn, &bi, &one, Gl, &bo, m->a[l], &bi, &one, T, &bo));
    for (PetscInt r = 0; r < R; r++) {
      const PetscReal *dr = Dl + out * r, *t = T + out * (r / nout);
      PetscReal        s  = 0;
      for (PetscInt o = 0; o < out; o++) s += dr[o] * t[o];
      w[r] += s;
    }
  }
  for (PetscInt r = 0; r < R; r++) K[r + R * r] += n * lambda;
  PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("L", &bR, K, &bR, &info));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_MAT_CH_ZRPVT, "Cholesky of the Woodbury capacitance matrix failed at column %d: raise the natgrad damping", (int)info);
  PetscCallBLAS("LAPACKpotrs", LAPACKpotrs_("L", &bR, &bone, K, &bR, w, &bR, &info));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK dpotrs failed with info %d", (int)info);
  /* d = (g - J^T w) / lambda, J^T w by back-propagating dy = w (nout x n, the layout of w) */
  PetscCall(PetscArrayzero(d, m->nparams));
  PetscCall(W2MLPBackward(m, w, d, NULL));
  for (PetscInt i = 0; i < m->nparams; i++) d[i] = (g[i] - d[i]) / lambda;
  PetscCall(PetscFree6(D, K, DG, AG, w, T));
  PetscCall(PetscFree(doff));
  PetscFunctionReturn(0);
}
