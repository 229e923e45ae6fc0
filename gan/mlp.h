/// @file Multilayer perceptrons for GAN training mode (THEORY.md 8): batched forward and hand-written backward, BLAS products.
#pragma once
#include <stdint.h>
#include <petscsys.h>

/* A reproducible random stream: splitmix64 seeds xoshiro256**; normals by Box-Muller (its log, sin and cos written out in gan/mlp.c,
   within about an ulp of libm's, and the same on every machine). Same seed, same bits, whether drawn one at a time or in batches. */
typedef struct {
  uint64_t  s[4];
  PetscBool has_spare;
  PetscReal spare;
} W2Rng;

void      W2RngSeed(W2Rng *r, uint64_t seed);
uint64_t  W2RngNext(W2Rng *r);
PetscReal W2RngUniform(W2Rng *r); /* in (0, 1) */
PetscReal W2RngNormal(W2Rng *r);
/* x[0..n) = the next n normals of the stream, exactly as n calls of W2RngNormal (vectorised: about 5 ns a normal) */
void      W2RngNormals(W2Rng *r, PetscInt n, PetscReal x[]);

typedef enum { W2_ACT_RELU, W2_ACT_TANH, W2_ACT_LEAKY_RELU } W2Activation;
extern const char *const W2Activations[]; /* PetscOptionsEnum list */

/* x -> W_L s(... s(W_1 x + b_1) ...) + b_L: `depth` hidden layers of `width` units, linear output.
   Batches are column-major (units x samples). Parameters: per layer W (out x in, column-major), then b. */
typedef struct {
  PetscInt     nlayers; /* affine layers = depth + 1 */
  PetscInt    *widths;  /* widths[0] = inputs ... widths[nlayers] = outputs */
  PetscInt    *offsets; /* start of layer l's W in params; its b follows at offsets[l] + out * in */
  PetscInt     nparams;
  PetscReal   *params;
  W2Activation act;
  PetscReal    leak; /* slope of leaky_relu for x < 0 */
  PetscInt     batch; /* size of the stored forward pass */
  PetscReal  **z;     /* z[l]: pre-activation of layer l (widths[l+1] x batch); a[0] = input, a[l+1] = s(z[l]) */
  PetscReal  **a;
  PetscReal   *work[2]; /* back-propagated signals */
  PetscInt     capacity; /* samples the z, a, work buffers hold (>= batch): kept at the largest batch seen */
} W2MLP;

PetscErrorCode W2MLPCreateWithSizes(PetscInt nin, PetscInt nout, PetscInt depth, PetscInt width, W2Activation act, W2MLP **mlp);
/* Reads -<prefix>depth, -<prefix>width, -<prefix>activation, -<prefix>leak, -<prefix>seed (and initialises). */
PetscErrorCode W2MLPCreate(MPI_Comm comm, const char prefix[], PetscInt nin, PetscInt nout, PetscInt depth, PetscInt width, W2MLP **mlp);
/* He (relu, leaky_relu) or Glorot (tanh) normal weights, zero biases, from the seed. */
PetscErrorCode W2MLPInitialize(W2MLP *mlp, uint64_t seed);
PetscErrorCode W2MLPDestroy(W2MLP **mlp);
/* y (nout x n) = mlp(x (nin x n)); keeps the pass for W2MLPBackward, and borrows x until then (do not free or change it). */
PetscErrorCode W2MLPForward(W2MLP *mlp, PetscInt n, const PetscReal x[], PetscReal y[]);
/* Given dy = dL/dy of the last forward pass: dparams += dL/dparams (if not NULL), dx = dL/dx (if not NULL). */
PetscErrorCode W2MLPBackward(W2MLP *mlp, const PetscReal dy[], PetscReal dparams[], PetscReal dx[]);
/* Per-sample Jacobians J (n nout x nparams, column-major; row k nout + j = d y_j(x_k) / d params). */
PetscErrorCode W2MLPJacobian(W2MLP *mlp, PetscInt n, const PetscReal x[], PetscReal J[]);
/* d = ((1/n) J^T J + lambda I)^-1 g, J the per-sample Jacobians of the n samples x (as W2MLPJacobian; lambda > 0), by the Woodbury
   identity without forming J: the n nout x n nout capacitance matrix from per-layer Gram matrices of the batched pass. Equals
   W2GaussNewtonDirection(n nout, nparams, n, J, lambda, W2_GN_WOODBURY, ...) to round-off. Leaves the forward pass of x stored. */
PetscErrorCode W2MLPGaussNewtonWoodbury(W2MLP *mlp, PetscInt n, const PetscReal x[], PetscReal lambda, const PetscReal g[], PetscReal d[]);
