/// @file The fast paths of gan/mlp.c (issue #5): batched Box-Muller normals against a long-double Box-Muller and against the
/// one-at-a-time stream, and the BLAS shapes of one-unit layers against the MLP written out sample by sample.
#include <math.h>
#include <string.h>
#include "gan/mlp.h"
#include "tests/gan/gantest.h"

/* the network of gan/mlp.h written out for one sample: y = W_L s(... s(W_1 x + b_1) ...) + b_L, and the gradients of
   L = c . y by the chain rule (dparams accumulated, dx set); widths up to 64, up to 4 layers */
static void ReferencePass(const W2MLP *m, const PetscReal x[], const PetscReal c[], PetscReal y[], PetscReal dparams[], PetscReal dx[])
{
  PetscReal a[5][64], z[4][64], d[64], up[64];
  const PetscInt L = m->nlayers;

  for (PetscInt i = 0; i < m->widths[0]; i++) a[0][i] = x[i];
  for (PetscInt l = 0; l < L; l++) {
    const PetscInt   in = m->widths[l], out = m->widths[l + 1];
    const PetscReal *W = m->params + m->offsets[l], *b = W + out * in;
    for (PetscInt o = 0; o < out; o++) {
      PetscReal s = b[o];
      for (PetscInt i = 0; i < in; i++) s += W[o + out * i] * a[l][i];
      z[l][o]     = s;
      a[l + 1][o] = l + 1 == L ? s : (m->act == W2_ACT_TANH ? tanh(s) : (s > 0 ? s : (m->act == W2_ACT_LEAKY_RELU ? m->leak * s : 0)));
    }
  }
  for (PetscInt o = 0; o < m->widths[L]; o++) {
    y[o] = a[L][o];
    d[o] = c[o];
  }
  for (PetscInt l = L - 1; l >= 0; l--) {
    const PetscInt   in = m->widths[l], out = m->widths[l + 1];
    const PetscReal *W = m->params + m->offsets[l];
    PetscReal       *dW = dparams + m->offsets[l], *db = dW + out * in;
    for (PetscInt o = 0; o < out; o++) {
      db[o] += d[o];
      for (PetscInt i = 0; i < in; i++) dW[o + out * i] += d[o] * a[l][i];
    }
    for (PetscInt i = 0; i < in; i++) {
      PetscReal s = 0;
      for (PetscInt o = 0; o < out; o++) s += W[o + out * i] * d[o];
      up[i] = s;
    }
    for (PetscInt i = 0; i < in; i++) {
      const PetscReal zi = l > 0 ? z[l - 1][i] : 0;
      d[i] = l == 0 ? up[i] : up[i] * (m->act == W2_ACT_TANH ? 1 - a[l][i] * a[l][i] : (zi > 0 ? 1 : (m->act == W2_ACT_LEAKY_RELU ? m->leak : 0)));
    }
  }
  for (PetscInt i = 0; i < m->widths[0]; i++) dx[i] = d[i];
}

static PetscReal MaxAbs(PetscInt n, const PetscReal v[])
{
  PetscReal s = 0;
  for (PetscInt i = 0; i < n; i++) s = PetscMax(s, PetscAbsReal(v[i]));
  return s;
}

static PetscReal MaxDiff(PetscInt n, const PetscReal a[], const PetscReal b[])
{
  PetscReal s = 0;
  for (PetscInt i = 0; i < n; i++) s = PetscMax(s, PetscAbsReal(a[i] - b[i]));
  return s;
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  {
    /* W2RngNormals against Box-Muller in long double (x87: 64-bit significand) on the same uniform pairs: the written-out log is
       within about 1 ulp and sin, cos within about 2e-16, so each normal is within a few ulps of rad = sqrt(-2 log u); bound 1e-15 rad */
    const PetscInt N = 400000;
    const long double twopi = 6.283185307179586476925286766559005768L;
    W2Rng      r, q;
    PetscReal *z, err = 0;
    PetscCall(PetscMalloc1(N, &z));
    W2RngSeed(&r, 11);
    q = r;
    W2RngNormals(&r, N, z);
    for (PetscInt k = 0; k < N; k += 2) {
      const long double u = W2RngUniform(&q), v = W2RngUniform(&q), rad = sqrtl(-2 * logl(u));
      err = PetscMax(err, (PetscReal)(fabsl(z[k] - rad * cosl(twopi * v)) / rad));
      err = PetscMax(err, (PetscReal)(fabsl(z[k + 1] - rad * sinl(twopi * v)) / rad));
    }
    W2_CHECK(err <= 1e-15, "batched Box-Muller, %" PetscInt_FMT " normals: max |z - z_long double| / sqrt(-2 log u) = %.2e <= 1e-15 (a few ulps)", N, (double)err);
    PetscCall(PetscFree(z));
  }
  {
    /* the same stream in batches of any size, odd ones included (the spare normal carried over), as one normal at a time: bit for bit,
       and the generator left in the same state */
    const PetscInt sizes[] = {1, 2, 3, 127, 256, 257, 1001, 4096, 5};
    W2Rng          a, b;
    PetscReal      z[4096];
    PetscBool      same = PETSC_TRUE;
    PetscInt       total = 0;
    W2RngSeed(&a, 5);
    W2RngSeed(&b, 5);
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
      W2RngNormals(&a, sizes[s], z);
      for (PetscInt k = 0; k < sizes[s]; k++) {
        const PetscReal w = W2RngNormal(&b);
        same = (PetscBool)(same && memcmp(&w, &z[k], sizeof(w)) == 0);
      }
      total += sizes[s];
    }
    same = (PetscBool)(same && memcmp(a.s, b.s, sizeof(a.s)) == 0 && a.has_spare == b.has_spare && (!a.has_spare || a.spare == b.spare));
    W2_CHECK(same, "W2RngNormals in batches of 1, 2, 3, 127, 256, 257, 1001, 4096, 5 (%" PetscInt_FMT " normals) = W2RngNormal one at a time, bit for bit, same final state", total);
  }
  {
    /* one-unit layers (gemv and the transposed forms) and wider ones against the sample-by-sample network; the two sum the
       same products in different orders, at most 33 terms: error <= 33 eps sum|terms| ~ 4e-15 of the scale; bound 1e-13 */
    const struct {
      PetscInt     nin, width, depth, nout, n;
      W2Activation act;
    } cases[] = {
      {16, 32, 1, 1, 256, W2_ACT_RELU}, /* the generator of the 1-D experiment */
      {1, 32, 1, 1, 512, W2_ACT_RELU},  /* its discriminator on data and generated samples */
      {3, 5, 2, 1, 7, W2_ACT_TANH},
      {2, 4, 3, 1, 1, W2_ACT_LEAKY_RELU},
      {1, 0, 0, 1, 9, W2_ACT_RELU}, /* one affine layer, one input, one output */
      {4, 6, 1, 3, 5, W2_ACT_RELU}, /* wider output: the general forms */
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
      const PetscInt nin = cases[c].nin, nout = cases[c].nout, n = cases[c].n;
      W2MLP         *m;
      W2Rng          r;
      PetscReal     *x, *dy, *y, *yr, *g, *gr, *dx, *dxr, ey, eg, ex;
      PetscCall(W2MLPCreateWithSizes(nin, nout, cases[c].depth, cases[c].width, cases[c].act, &m));
      PetscCall(W2MLPInitialize(m, 2 + c));
      W2RngSeed(&r, 100 + c);
      for (PetscInt l = 0; l < m->nlayers; l++) /* nonzero biases: they enter every unit */
        for (PetscInt o = 0; o < m->widths[l + 1]; o++) m->params[m->offsets[l] + m->widths[l + 1] * m->widths[l] + o] = 0.1 * W2RngNormal(&r);
      PetscCall(PetscMalloc6(nin * n, &x, nout * n, &dy, nout * n, &y, nout * n, &yr, nin * n, &dx, nin * n, &dxr));
      PetscCall(PetscCalloc2(m->nparams, &g, m->nparams, &gr));
      W2RngNormals(&r, nin * n, x);
      W2RngNormals(&r, nout * n, dy);
      PetscCall(W2MLPForward(m, n, x, y));
      PetscCall(W2MLPBackward(m, dy, g, dx));
      for (PetscInt k = 0; k < n; k++) ReferencePass(m, x + nin * k, dy + nout * k, yr + nout * k, gr, dxr + nin * k);
      ey = MaxDiff(nout * n, y, yr) / MaxAbs(nout * n, yr);
      eg = MaxDiff(m->nparams, g, gr) / MaxAbs(m->nparams, gr);
      ex = MaxDiff(nin * n, dx, dxr) / MaxAbs(nin * n, dxr);
      W2_CHECK(ey <= 1e-13 && eg <= 1e-13 && ex <= 1e-13, "%" PetscInt_FMT " -> %" PetscInt_FMT " x %" PetscInt_FMT " %s -> %" PetscInt_FMT ", batch %" PetscInt_FMT ": forward, parameter and input gradients vs the sample-by-sample network: %.1e, %.1e, %.1e of their scale (<= 1e-13)", nin, cases[c].depth, cases[c].width, W2Activations[cases[c].act], nout, n, (double)ey, (double)eg, (double)ex);
      PetscCall(PetscFree6(x, dy, y, yr, dx, dxr));
      PetscCall(PetscFree2(g, gr));
      PetscCall(W2MLPDestroy(&m));
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", w2_failures));
  PetscCall(PetscFinalize());
  return w2_failures ? 1 : 0;
}
