/// @file The GAN discriminator carried along a square of generator parameters on copies of the networks: Alg. 1's curvature from the two
/// paths to the far corner, and the holonomy residual of the closed loop (THEORY.md 6).
#include <math.h>
#include "gan/carry.h"

static PetscErrorCode CopyShape(const W2MLP *a, W2MLP **b)
{
  const PetscInt depth = a->nlayers - 1;

  PetscFunctionBeginUser;
  PetscCall(W2MLPCreateWithSizes(a->widths[0], a->widths[a->nlayers], depth, depth ? a->widths[1] : 1, a->act, b));
  (*b)->leak = a->leak;
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanCarryCreate(const W2MLP *gen, const W2MLP *disc, const W2Optimizer *dopt, PetscReal lr, const W2GanLoss *loss, const W2Divergence *div, const W2GanTarget *target, PetscInt latent, PetscInt nb, PetscReal D, PetscInt k, W2GanCarry **carry)
{
  W2GanCarry *c;

  PetscFunctionBeginUser;
  PetscCheck(D > 0 && PetscIsNormalReal(D) && k >= 0 && nb >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "carried discriminator: need D > 0, k >= 0, a batch >= 1, got %g, %" PetscInt_FMT ", %" PetscInt_FMT, (double)D, k, nb);
  PetscCheck(!dopt || (!dopt->needs_jacobian && !dopt->needs_game), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "carried discriminator: optimiser %s is not a discriminator optimiser", dopt ? dopt->type : "");
  PetscCall(PetscNew(&c));
  c->target = target;
  c->loss   = loss;
  c->div    = div;
  c->D      = D;
  c->k      = k;
  PetscCall(CopyShape(gen, &c->gen));
  PetscCall(CopyShape(disc, &c->disc));
  c->ngen  = gen->nparams;
  c->ndisc = disc->nparams;
  PetscCall(W2OptimizerCreateByName(dopt ? dopt->type : "sgd", c->ndisc, &c->opt));
  if (dopt) {
    c->opt->lr       = dopt->lr;
    c->opt->beta1    = dopt->beta1;
    c->opt->beta2    = dopt->beta2;
    c->opt->eps      = dopt->eps;
    c->opt->momentum = dopt->momentum;
  } else c->opt->lr = lr;
  PetscCall(W2GanBatchSetUp(&c->batch, c->gen, c->disc, loss, target->dim, latent, nb));
  PetscCall(PetscMalloc5(c->ngen, &c->u, c->ngen, &c->v, 4 * c->ngen, &c->corner, c->ndisc, &c->psi, 3 * c->ndisc, &c->state));
  PetscCall(PetscMalloc1(c->ngen + c->ndisc, &c->gD));
  *carry = c;
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeGrid(W2GanCarry *c)
{
  PetscFunctionBeginUser;
  if (c->npts) PetscCall(PetscFree6(c->out, c->s0, c->p[0], c->p[1], c->p[2], c->p[3]));
  c->npts = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanCarryDestroy(W2GanCarry **carry)
{
  W2GanCarry *c = *carry;

  PetscFunctionBeginUser;
  if (!c) PetscFunctionReturn(0);
  PetscCall(FreeGrid(c));
  PetscCall(W2GanBatchDestroy(&c->batch));
  PetscCall(PetscFree5(c->u, c->v, c->corner, c->psi, c->state));
  PetscCall(PetscFree(c->gD));
  PetscCall(W2OptimizerDestroy(&c->opt));
  PetscCall(W2MLPDestroy(&c->gen));
  PetscCall(W2MLPDestroy(&c->disc));
  PetscCall(PetscFree(*carry));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanCarrySetPlane(W2GanCarry *c, const PetscReal u[], const PetscReal v[])
{
  PetscReal nu = 0, uv = 0, nv = 0;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < c->ngen; p++) nu += u[p] * u[p];
  nu = PetscSqrtReal(nu);
  PetscCheck(nu > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "the first direction of the plane is zero");
  for (PetscInt p = 0; p < c->ngen; p++) c->u[p] = u[p] / nu;
  for (PetscInt p = 0; p < c->ngen; p++) uv += c->u[p] * v[p];
  for (PetscInt p = 0; p < c->ngen; p++) c->v[p] = v[p] - uv * c->u[p];
  for (PetscInt p = 0; p < c->ngen; p++) nv += c->v[p] * c->v[p];
  nv = PetscSqrtReal(nv);
  PetscCheck(nv > 1e-12 * nu, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "the two directions of the plane are parallel");
  for (PetscInt p = 0; p < c->ngen; p++) c->v[p] /= nv;
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanCarrySetCoordinatePlane(W2GanCarry *c, PetscInt i, PetscInt j)
{
  PetscFunctionBeginUser;
  PetscCheck(i >= 0 && j >= 0 && i < c->ngen && j < c->ngen && i != j, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "a coordinate plane needs two different generator parameters in [0, %" PetscInt_FMT "), got %" PetscInt_FMT " and %" PetscInt_FMT, c->ngen, i, j);
  PetscCall(PetscArrayzero(c->u, c->ngen));
  PetscCall(PetscArrayzero(c->v, c->ngen));
  c->u[i] = 1;
  c->v[j] = 1;
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanCarrySetRandomPlane(W2GanCarry *c, W2Rng *rng)
{
  PetscReal *a;

  PetscFunctionBeginUser;
  PetscCheck(c->ngen >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "a plane needs a generator of at least 2 parameters, got %" PetscInt_FMT, c->ngen);
  PetscCall(PetscMalloc1(2 * c->ngen, &a));
  for (PetscInt p = 0; p < 2 * c->ngen; p++) a[p] = W2RngNormal(rng);
  PetscCall(W2GanCarrySetPlane(c, a, a + c->ngen));
  PetscCall(PetscFree(a));
  PetscFunctionReturn(0);
}

/* phi^ of the copied discriminator on the grid */
static PetscErrorCode Potential(W2GanCarry *c, const W2GanMetrics *m, PetscReal phi[])
{
  PetscFunctionBeginUser;
  PetscCall(W2MLPForward(c->disc, c->npts, m->pts, c->out));
  PetscCall(W2GanPotentialFromOutputs(c->loss, c->div, c->npts, c->out, phi));
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanCarryStart(W2GanCarry *c, const W2MLP *gen, const W2MLP *disc, const W2Optimizer *dopt, const W2GanMetrics *m)
{
  const PetscInt npts = m->dim == 1 ? m->G : m->G * m->G, ng = c->ngen, nd = c->ndisc;
  const PetscReal D = c->D, *th = gen->params;

  PetscFunctionBeginUser;
  PetscCheck(gen->nparams == ng && disc->nparams == nd && m->dim == c->target->dim, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "carried discriminator: networks or grid of other sizes than at creation");
  if (npts != c->npts) {
    PetscCall(FreeGrid(c));
    PetscCall(PetscMalloc6(npts, &c->out, npts, &c->s0, npts, &c->p[0], npts, &c->p[1], npts, &c->p[2], npts, &c->p[3]));
    c->npts = npts;
  }
  for (PetscInt p = 0; p < ng; p++) {
    c->corner[p]          = th[p];
    c->corner[ng + p]     = th[p] + D * c->u[p];
    c->corner[2 * ng + p] = th[p] + (D * c->u[p] + D * c->v[p]); /* symmetric in (u, v): the far corner of both paths */
    c->corner[3 * ng + p] = th[p] + D * c->v[p];
  }
  PetscCall(PetscArraycpy(c->psi, disc->params, nd));
  if (dopt) {
    PetscCheck(dopt->n == nd && !strcmp(dopt->type, c->opt->type), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "carried discriminator: optimiser %s of %" PetscInt_FMT " parameters, the copy has %s of %" PetscInt_FMT, dopt->type, dopt->n, c->opt->type, nd);
    PetscCall(PetscArraycpy(c->state, dopt->m, nd));
    PetscCall(PetscArraycpy(c->state + nd, dopt->v, nd));
    PetscCall(PetscArraycpy(c->state + 2 * nd, dopt->d, nd));
    c->t0 = dopt->t;
  } else {
    PetscCall(PetscArrayzero(c->state, 3 * nd));
    c->t0 = 0;
  }
  PetscCall(PetscArraycpy(c->disc->params, c->psi, nd));
  PetscCall(Potential(c, m, c->s0));
  PetscFunctionReturn(0);
}

/* the copied discriminator and its optimiser back to the start */
static PetscErrorCode Reset(W2GanCarry *c)
{
  const PetscInt nd = c->ndisc;

  PetscFunctionBeginUser;
  PetscCall(PetscArraycpy(c->disc->params, c->psi, nd));
  PetscCall(PetscArraycpy(c->opt->m, c->state, nd));
  PetscCall(PetscArraycpy(c->opt->v, c->state + nd, nd));
  PetscCall(PetscArraycpy(c->opt->d, c->state + 2 * nd, nd));
  c->opt->t = c->t0;
  PetscFunctionReturn(0);
}

/* move the copied generator to corner q, then k discriminator steps on fresh batches (warm-started: the carried state) */
static PetscErrorCode Move(W2GanCarry *c, PetscInt q, W2Rng *rng)
{
  const PetscInt nb = c->batch.nb;

  PetscFunctionBeginUser;
  if (c->reset) PetscCall(Reset(c));
  PetscCall(PetscArraycpy(c->gen->params, c->corner + q * c->ngen, c->ngen));
  for (PetscInt s = 0; s < c->k; s++) {
    W2GanTargetSample(c->target, rng, nb, c->batch.xr);
    for (PetscInt i = 0; i < c->batch.latent * nb; i++) c->batch.z[i] = W2RngNormal(rng);
    PetscCall(W2GanBatchGradients(&c->batch, NULL, NULL, c->gD));
    PetscCall(W2OptimizerStep(c->opt, c->disc->params, c->gD + c->ngen, 0, 0, NULL));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanCarryCurvature(W2GanCarry *c, const W2GanMetrics *m, W2Rng *rng, PetscReal w[])
{
  const W2Rng     r0 = *rng;
  const PetscReal *s0 = c->s0, *pi = c->p[0], *pij = c->p[1], *pj = c->p[2], *pji = c->p[3];

  PetscFunctionBeginUser;
  PetscCheck(c->npts, PETSC_COMM_SELF, PETSC_ERR_ORDER, "W2GanCarryStart first");
  /* path i then j */
  PetscCall(Reset(c));
  PetscCall(Move(c, 1, rng));
  PetscCall(Potential(c, m, c->p[0]));
  PetscCall(Move(c, 2, rng));
  PetscCall(Potential(c, m, c->p[1]));
  /* path j then i, on the same two batches of samples */
  *rng = r0;
  PetscCall(Reset(c));
  PetscCall(Move(c, 3, rng));
  PetscCall(Potential(c, m, c->p[2]));
  PetscCall(Move(c, 2, rng));
  PetscCall(Potential(c, m, c->p[3]));
  /* Alg. 1: A^_{theta+De_i}(e_j) - A^_{theta+De_j}(e_i) - (A^_theta(e_j) - A^_theta(e_i)), each A^ D a difference along its move;
     grouped so that swapping u and v negates every operation (round-to-nearest is odd) */
  for (PetscInt x = 0; x < c->npts; x++) w[x] = (((pij[x] - pi[x]) - (pji[x] - pj[x])) - ((pj[x] - s0[x]) - (pi[x] - s0[x]))) / c->D;
  PetscFunctionReturn(0);
}

PetscErrorCode W2GanCarryHolonomy(W2GanCarry *c, const W2GanMetrics *m, W2Rng *rng, PetscReal res[], PetscReal net[])
{
  const W2Rng r0 = *rng;

  PetscFunctionBeginUser;
  PetscCheck(c->npts, PETSC_COMM_SELF, PETSC_ERR_ORDER, "W2GanCarryStart first");
  PetscCall(Reset(c));
  for (PetscInt q = 1; q <= 4; q++) PetscCall(Move(c, q % 4, rng)); /* corner 0 at the end is theta itself, bit for bit */
  PetscCall(Potential(c, m, c->p[0]));
  for (PetscInt x = 0; x < c->npts; x++) res[x] = c->p[0][x] - c->s0[x];
  if (net) {
    /* the same 4 k steps on the same batches with the generator at theta */
    const W2Rng r1 = *rng;
    *rng = r0;
    PetscCall(Reset(c));
    for (PetscInt q = 0; q < 4; q++) PetscCall(Move(c, 0, rng));
    PetscCall(Potential(c, m, c->p[1]));
    for (PetscInt x = 0; x < c->npts; x++) net[x] = c->p[0][x] - c->p[1][x];
    *rng = r1;
  }
  PetscFunctionReturn(0);
}
