/// @file Multilayer perceptrons: reproducible initialisation, batched forward and backward passes through BLAS dgemm.
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
  m->batch = 0;
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

static inline PetscReal Act(const W2MLP *m, PetscReal x)
{
  switch (m->act) {
  case W2_ACT_TANH: return PetscTanhReal(x);
  case W2_ACT_LEAKY_RELU: return x > 0 ? x : m->leak * x;
  default: return x > 0 ? x : 0;
  }
}
/* derivative from the pre-activation x and the value a = s(x) */
static inline PetscReal DAct(const W2MLP *m, PetscReal x, PetscReal a)
{
  switch (m->act) {
  case W2_ACT_TANH: return 1 - a * a;
  case W2_ACT_LEAKY_RELU: return x > 0 ? 1 : m->leak;
  default: return x > 0 ? 1 : 0;
  }
}

PetscErrorCode W2MLPForward(W2MLP *m, PetscInt n, const PetscReal x[], PetscReal y[])
{
  const PetscReal one = 1;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "batch must be >= 1, got %" PetscInt_FMT, n);
  if (n != m->batch) {
    PetscInt wmax = 0;
    PetscCall(FreeBatch(m));
    for (PetscInt l = 0; l <= m->nlayers; l++) wmax = PetscMax(wmax, m->widths[l]);
    for (PetscInt l = 0; l < m->nlayers; l++) PetscCall(PetscMalloc1(m->widths[l + 1] * n, &m->z[l]));
    for (PetscInt l = 1; l <= m->nlayers; l++) PetscCall(PetscMalloc1(m->widths[l] * n, &m->a[l]));
    PetscCall(PetscMalloc1(wmax * n, &m->work[0]));
    PetscCall(PetscMalloc1(wmax * n, &m->work[1]));
    m->batch = n;
  }
  m->a[0] = (PetscReal *)x; /* borrowed until the next forward pass */
  for (PetscInt l = 0; l < m->nlayers; l++) {
    const PetscInt   in = m->widths[l], out = m->widths[l + 1];
    const PetscReal *W = m->params + m->offsets[l], *b = W + out * in;
    PetscReal       *z = m->z[l], *a = m->a[l + 1];
    PetscBLASInt     bo, bn, bi;
    PetscCall(PetscBLASIntCast(out, &bo));
    PetscCall(PetscBLASIntCast(n, &bn));
    PetscCall(PetscBLASIntCast(in, &bi));
    for (PetscInt k = 0; k < n; k++)
      for (PetscInt o = 0; o < out; o++) z[o + out * k] = b[o];
    PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bo, &bn, &bi, &one, W, &bo, m->a[l], &bi, &one, z, &bo));
    if (l + 1 < m->nlayers)
      for (PetscInt k = 0; k < out * n; k++) a[k] = Act(m, z[k]);
    else PetscCall(PetscArraycpy(a, z, out * n));
  }
  if (y) PetscCall(PetscArraycpy(y, m->a[m->nlayers], m->widths[m->nlayers] * n));
  PetscFunctionReturn(0);
}

PetscErrorCode W2MLPBackward(W2MLP *m, const PetscReal dy[], PetscReal dparams[], PetscReal dx[])
{
  const PetscInt  n   = m->batch;
  const PetscReal one = 1, zero = 0;
  PetscReal      *delta = m->work[0], *up = m->work[1];

  PetscFunctionBeginUser;
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ORDER, "W2MLPBackward needs a forward pass first");
  PetscCall(PetscArraycpy(delta, dy, m->widths[m->nlayers] * n));
  for (PetscInt l = m->nlayers - 1; l >= 0; l--) {
    const PetscInt   in = m->widths[l], out = m->widths[l + 1];
    const PetscReal *W = m->params + m->offsets[l];
    PetscBLASInt     bo, bn, bi;
    PetscCall(PetscBLASIntCast(out, &bo));
    PetscCall(PetscBLASIntCast(n, &bn));
    PetscCall(PetscBLASIntCast(in, &bi));
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
      const PetscReal *z = m->z[l - 1], *a = m->a[l];
      for (PetscInt k = 0; k < in * n; k++) up[k] *= DAct(m, z[k], a[k]);
      PetscReal *t = delta;
      delta        = up;
      up           = t;
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2MLPJacobian(W2MLP *m, PetscInt n, const PetscReal x[], PetscReal J[])
{
  const PetscInt nin = m->widths[0], nout = m->widths[m->nlayers], rows = n * nout;
  PetscReal     *dy, *row;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nout, &dy, m->nparams, &row));
  for (PetscInt k = 0; k < n; k++) {
    PetscCall(W2MLPForward(m, 1, x + nin * k, NULL));
    for (PetscInt j = 0; j < nout; j++) {
      PetscCall(PetscArrayzero(dy, nout));
      PetscCall(PetscArrayzero(row, m->nparams));
      dy[j] = 1;
      PetscCall(W2MLPBackward(m, dy, row, NULL));
      for (PetscInt p = 0; p < m->nparams; p++) J[k * nout + j + rows * p] = row[p];
    }
  }
  PetscCall(PetscFree2(dy, row));
  PetscFunctionReturn(0);
}
