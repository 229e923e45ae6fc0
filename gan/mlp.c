/// @file Multilayer perceptrons: the random stream (batched Box-Muller normals), reproducible initialisation, batched forward and
/// backward passes (matrix products by BLAS dgemm/dgemv), batched per-sample Jacobians, and the natural-gradient direction by
/// Woodbury without forming J.
#include <string.h>
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

/* Box-Muller, z = sqrt(-2 log u) (cos 2 pi v, sin 2 pi v), with the logarithm and the sine and cosine written out as
   straight-line arithmetic (no libm call, no branch), so that a batch of pairs vectorises (W2RngNormals). Each is within
   about an ulp of the exact value; W2RngNormal runs the same operations on one pair, so a stream gives the same bits
   whether it is drawn one normal at a time or in batches. */
/* inlined into the vectorised loop below, whose AVX2 clone would not otherwise take them */
#if defined(__GNUC__)
  #define W2_MLP_INLINE static inline __attribute__((always_inline))
#else
  #define W2_MLP_INLINE static inline
#endif

W2_MLP_INLINE uint64_t DoubleBits(double x)
{
  uint64_t b;
  memcpy(&b, &x, sizeof(b));
  return b;
}
W2_MLP_INLINE double BitsDouble(uint64_t b)
{
  double x;
  memcpy(&x, &b, sizeof(x));
  return x;
}

/* log u, u > 0 normal: u = 2^e m with m in [sqrt(1/2), sqrt 2) and f = m - 1 (both exact); s = f / (2 + f) gives
   log m = 2 atanh s = f - s (f - T), T = s^2 (2/3 + 2 s^2/5 + ... + 2 s^20/23) (|s| < 0.172: the next term is below 1e-18 of log m);
   e ln 2 in two parts, the first exact for any exponent. */
W2_MLP_INLINE double LogPositive(double u)
{
  const uint64_t b   = DoubleBits(u);
  const double   m0  = BitsDouble((b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  const double   e0  = BitsDouble(0x4330000000000000ULL | (b >> 52)) - (0x1p52 + 1023); /* the unbiased exponent, exactly */
  const double   m = m0 > 0x1.6a09e667f3bcdp+0 ? 0.5 * m0 : m0, e = m0 > 0x1.6a09e667f3bcdp+0 ? e0 + 1 : e0, f = m - 1, s = f / (2 + f), z = s * s;
  const double   T = z * (0x1.5555555555555p-1 + z * (0x1.999999999999ap-2 + z * (0x1.2492492492492p-2 + z * (0x1.c71c71c71c71cp-3 + z * (0x1.745d1745d1746p-3 + z * (0x1.3b13b13b13b14p-3 + z * (0x1.1111111111111p-3 + z * (0x1.e1e1e1e1e1e1ep-4 + z * (0x1.af286bca1af28p-4 + z * (0x1.8618618618618p-4 + z * 0x1.642c8590b2164p-4))))))))));
  return e * 0x1.62e42fee00000p-1 + ((f - s * (f - T)) + e * 0x1.a39ef35793c76p-33);
}

/* sin and cos of 2 pi v, 0 <= v <= 1: 4v = q + f with q the nearest integer (kept in the last bits of t) and |f| <= 1/2, so
   2 pi v = q pi/2 + pi f/2; Taylor series of sin(pi f/2) to f^17 and cos(pi f/2) to f^16 (next terms below 1e-18), then the quadrant q. */
W2_MLP_INLINE void SinCos2Pi(double v, double *sn, double *cs)
{
  const double   t = 4 * v + 0x1.8p52, q = t - 0x1.8p52, f = 4 * v - q, g = f * f;
  const uint64_t k  = DoubleBits(t);
  const double   sp = f * (0x1.921fb54442d18p+0 + g * (-0x1.4abbce625be53p-1 + g * (0x1.466bc6775aae2p-4 + g * (-0x1.32d2cce62bd86p-8 + g * (0x1.50783487ee782p-13 + g * (-0x1.e3074fde8871fp-19 + g * (0x1.e8f434d018d63p-25 + g * (-0x1.6fadb9f155744p-31 + g * 0x1.aaec32af93359p-38))))))));
  const double   cp = 1 + g * (-0x1.3bd3cc9be45dep+0 + g * (0x1.03c1f081b5ac4p-2 + g * (-0x1.55d3c7e3cbffap-6 + g * (0x1.e1f506891babbp-11 + g * (-0x1.a6d1f2a204a8cp-16 + g * (0x1.f9d38a3763cc3p-22 + g * (-0x1.b6e24f44b128fp-28 + g * 0x1.20c62c2f2d7f5p-34)))))));
  /* sin(q pi/2 + x) = sin x, cos x, -sin x, -cos x for q mod 4 = 0..3: swap on odd q, then flip signs, by bit masks
     (SSE2 has no 64-bit integer compare for a select) */
  const uint64_t bs = DoubleBits(sp), bc = DoubleBits(cp), swap = (bs ^ bc) & (0 - (k & 1));
  *sn = BitsDouble((bs ^ swap) ^ ((k & 2) << 62));
  *cs = BitsDouble((bc ^ swap) ^ (((k + 1) & 2) << 62));
}

W2_MLP_INLINE void BoxMuller(double u, double v, double *z0, double *z1)
{
  const double rad = PetscSqrtReal(-2 * LogPositive(u));
  double       sn, cs;
  SinCos2Pi(v, &sn, &cs);
  *z0 = rad * cs;
  *z1 = rad * sn;
}

PetscReal W2RngNormal(W2Rng *r)
{
  PetscReal u, v, z0;

  if (r->has_spare) {
    r->has_spare = PETSC_FALSE;
    return r->spare;
  }
  u = W2RngUniform(r);
  v = W2RngUniform(r);
  BoxMuller(u, v, &z0, &r->spare);
  r->has_spare = PETSC_TRUE;
  return z0;
}

#define NORMAL_BLOCK 128 /* pairs per vectorised block of W2RngNormals */

/* An AVX2 copy of the block transform next to the baseline (SSE2) one, picked at load time (ifunc), as divergences/simd.h does:
   the same operations (no FMA: ISO C does not contract a * b + c), so the same bits on either. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
  #define W2_MLP_CLONES __attribute__((target_clones("avx2", "default")))
#else
  #define W2_MLP_CLONES
#endif

W2_MLP_CLONES static void BoxMullerBlock(PetscInt pairs, const PetscReal *restrict u, const PetscReal *restrict v, PetscReal *restrict z0, PetscReal *restrict z1)
{
#pragma omp simd
  for (PetscInt p = 0; p < pairs; p++) BoxMuller(u[p], v[p], &z0[p], &z1[p]);
}

void W2RngNormals(W2Rng *r, PetscInt n, PetscReal x[])
{
  PetscInt i = 0;

  if (n > 0 && r->has_spare) {
    x[i++]       = r->spare;
    r->has_spare = PETSC_FALSE;
  }
  while (i < n) {
    const PetscInt pairs = PetscMin(NORMAL_BLOCK, (n - i + 1) / 2);
    PetscReal      u[NORMAL_BLOCK], v[NORMAL_BLOCK], z0[NORMAL_BLOCK], z1[NORMAL_BLOCK];
    for (PetscInt p = 0; p < pairs; p++) { /* the generator is sequential; the transform below is not */
      u[p] = W2RngUniform(r);
      v[p] = W2RngUniform(r);
    }
    BoxMullerBlock(pairs, u, v, z0, z1);
    for (PetscInt p = 0; p < pairs; p++) {
      x[i++] = z0[p];
      if (i < n) x[i++] = z1[p];
      else { /* an odd count: the second normal of the last pair waits, as in W2RngNormal */
        r->spare     = z1[p];
        r->has_spare = PETSC_TRUE;
      }
    }
  }
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

/* a = s(z) over len entries. One loop per activation, the choice outside it: a switch per element kept the loop from being
   vectorised and reloaded m->act on every entry (the stores to a may alias m). `omp simd` (this file has -fopenmp-simd) and an AVX2
   clone: selects and products only, the same bits on either. */
W2_MLP_CLONES static void Activate(const W2MLP *m, PetscInt len, const PetscReal *restrict z, PetscReal *restrict a)
{
  const PetscReal leak = m->leak;

  switch (m->act) {
  case W2_ACT_TANH:
    for (PetscInt k = 0; k < len; k++) a[k] = PetscTanhReal(z[k]);
    break;
  case W2_ACT_LEAKY_RELU:
#pragma omp simd
    for (PetscInt k = 0; k < len; k++) a[k] = z[k] > 0 ? z[k] : leak * z[k];
    break;
  default:
#pragma omp simd
    for (PetscInt k = 0; k < len; k++) a[k] = z[k] > 0 ? z[k] : 0;
    break;
  }
}

/* u *= s'(z), from the pre-activation z and the value a = s(z); the same products as before (u * 0, not 0, for relu) */
W2_MLP_CLONES static void MultiplyDerivative(const W2MLP *m, PetscInt len, const PetscReal *restrict z, const PetscReal *restrict a, PetscReal *restrict u)
{
  const PetscReal leak = m->leak;

  switch (m->act) {
  case W2_ACT_TANH:
#pragma omp simd
    for (PetscInt k = 0; k < len; k++) u[k] *= 1 - a[k] * a[k];
    break;
  case W2_ACT_LEAKY_RELU:
#pragma omp simd
    for (PetscInt k = 0; k < len; k++) u[k] *= z[k] > 0 ? 1 : leak;
    break;
  default:
#pragma omp simd
    for (PetscInt k = 0; k < len; k++) u[k] *= z[k] > 0 ? 1 : 0;
    break;
  }
}

/* The three products of a layer with `out` units and `in` inputs on n samples (column-major, units x samples), through BLAS.
   The reference BLAS runs its innermost loop down a column of C (the N forms: an axpy of length M) or along a dot product
   of length K (the T N form). Loops of length 1 cost far more per element than long ones (a 1 x 512 product by "N N" took 5x
   the time of the same product as dots), so a layer with one unit (the output of both GAN networks) takes the forms whose
   inner loop runs over its inputs: a 1 x in matrix is also an in x 1 one. */

/* z (out x n) += W a */
static PetscErrorCode LayerForward(PetscInt out, PetscInt in, PetscInt n, const PetscReal W[], const PetscReal a[], PetscReal z[])
{
  PetscBLASInt    bo, bi, bn, ione = 1;
  const PetscReal one = 1;

  PetscFunctionBeginUser;
  PetscCall(PetscBLASIntCast(out, &bo));
  PetscCall(PetscBLASIntCast(in, &bi));
  PetscCall(PetscBLASIntCast(n, &bn));
  if (out == 1) PetscCallBLAS("BLASgemv", BLASgemv_("T", &bi, &bn, &one, a, &bi, W, &ione, &one, z, &ione)); /* z_k += a_k . w */
  else PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bo, &bn, &bi, &one, W, &bo, a, &bi, &one, z, &bo));
  PetscFunctionReturn(0);
}

/* dW (out x in) += delta a^T, delta with leading dimension ldd; for one unit dW^T += a delta^T: the same sums in the same order */
static PetscErrorCode LayerWeightGradient(PetscInt out, PetscInt in, PetscInt n, const PetscReal delta[], PetscInt ldd, const PetscReal a[], PetscReal dW[])
{
  PetscBLASInt    bo, bi, bn, bld, ione = 1;
  const PetscReal one = 1;

  PetscFunctionBeginUser;
  PetscCall(PetscBLASIntCast(out, &bo));
  PetscCall(PetscBLASIntCast(in, &bi));
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCall(PetscBLASIntCast(ldd, &bld));
  if (out == 1) PetscCallBLAS("BLASgemv", BLASgemv_("N", &bi, &bn, &one, a, &bi, delta, &bld, &one, dW, &ione));
  else PetscCallBLAS("BLASgemm", BLASgemm_("N", "T", &bo, &bi, &bn, &one, delta, &bld, a, &bi, &one, dW, &bo));
  PetscFunctionReturn(0);
}

/* up (in x n, leading dimension ldu) = W^T delta (delta: leading dimension ldd); for one unit the products w_i delta_k, as before */
static PetscErrorCode LayerBackProject(PetscInt out, PetscInt in, PetscInt n, const PetscReal W[], const PetscReal delta[], PetscInt ldd, PetscReal up[], PetscInt ldu)
{
  PetscBLASInt    bo, bi, bn, bld, blu;
  const PetscReal one = 1, zero = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscBLASIntCast(out, &bo));
  PetscCall(PetscBLASIntCast(in, &bi));
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCall(PetscBLASIntCast(ldd, &bld));
  PetscCall(PetscBLASIntCast(ldu, &blu));
  if (out == 1) PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bi, &bn, &bo, &one, W, &bi, delta, &bld, &zero, up, &blu));
  else PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &bi, &bn, &bo, &one, W, &bo, delta, &bld, &zero, up, &blu));
  PetscFunctionReturn(0);
}

/* z = b for every sample (a loop: a copy call per sample cost more than the product for a one-unit layer) */
static void SetBias(PetscInt out, PetscInt n, const PetscReal *restrict b, PetscReal *restrict z)
{
  if (out == 1)
    for (PetscInt k = 0; k < n; k++) z[k] = b[0];
  else
    for (PetscInt k = 0; k < n; k++)
      for (PetscInt o = 0; o < out; o++) z[o + out * k] = b[o];
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
    SetBias(out, n, b, z);
    PetscCall(LayerForward(out, in, n, W, m->a[l], z));
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
    if (dparams) {
      PetscReal *dW = dparams + m->offsets[l], *db = dW + out * in;
      PetscCall(LayerWeightGradient(out, in, n, delta, out, m->a[l], dW));
      for (PetscInt k = 0; k < n; k++) /* sample by sample, as before: the same sums */
#pragma omp simd
        for (PetscInt o = 0; o < out; o++) db[o] += delta[o + out * k];
    }
    if (l == 0 && !dx) break;
    PetscCall(LayerBackProject(out, in, n, W, delta, out, up, in));
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
      PetscCall(LayerBackProject(out, in, n, m->params + off, delta, out, up, in));
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
      PetscCall(LayerBackProject(out, in, n, m->params + m->offsets[l], D + doff[l] + out * j, out * nout, up, in * nout));
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
    SetBias(out, n, gb, T);
    PetscCall(LayerForward(out, in, n, Gl, m->a[l], T));
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
