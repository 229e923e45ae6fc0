/// @file The optimiser registry and the Gauss-Newton metric solves (Cholesky, conjugate gradients, Woodbury) of the natural gradient.
#include "gan/optim.h"
#include <petscblaslapack.h>

const char *const W2GNSolvers[] = {"auto", "cholesky", "cg", "woodbury", "W2GNSolver", "W2_GN_", NULL};

static PetscFunctionList W2OptimizerFunctions = NULL;
static PetscBool         W2OptimizerRegistered = PETSC_FALSE;

PetscErrorCode W2OptimizerRegister(const char name[], W2OptimizerCtor ctor)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFunctionListAdd(&W2OptimizerFunctions, name, ctor));
  PetscFunctionReturn(0);
}

static PetscErrorCode W2OptimizerFinalizePackage(void)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFunctionListDestroy(&W2OptimizerFunctions));
  W2OptimizerRegistered = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerRegisterAll(void)
{
  PetscFunctionBeginUser;
  if (W2OptimizerRegistered) PetscFunctionReturn(0);
  W2OptimizerRegistered = PETSC_TRUE;
  PetscCall(PetscRegisterFinalize(W2OptimizerFinalizePackage));
  PetscCall(W2OptimizerRegister("sgd", W2OptimizerCreate_SGD));
  PetscCall(W2OptimizerRegister("adam", W2OptimizerCreate_Adam));
  PetscCall(W2OptimizerRegister("natgrad", W2OptimizerCreate_Natgrad));
  PetscCall(W2OptimizerRegister("natgrad_momentum", W2OptimizerCreate_NatgradMomentum));
  PetscCall(W2OptimizerRegister("sga", W2OptimizerCreate_SGA));
  PetscCall(W2OptimizerRegister("consensus", W2OptimizerCreate_Consensus));
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerList(char *buf, size_t len)
{
  const char **names;
  int          n;

  PetscFunctionBeginUser;
  PetscCall(W2OptimizerRegisterAll());
  PetscCall(PetscFunctionListGet(W2OptimizerFunctions, &names, &n));
  buf[0] = 0;
  for (int k = 0; k < n; k++) {
    if (!names[k] || !names[k][0]) continue;
    if (buf[0]) PetscCall(PetscStrlcat(buf, ", ", len));
    PetscCall(PetscStrlcat(buf, names[k], len));
  }
  PetscCall(PetscFree(names));
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerCreateByName(const char type[], PetscInt n, W2Optimizer **opt)
{
  W2OptimizerCtor ctor;
  W2Optimizer    *o;
  char            list[256];

  PetscFunctionBeginUser;
  PetscCall(W2OptimizerRegisterAll());
  PetscCall(PetscFunctionListFind(W2OptimizerFunctions, type, &ctor));
  if (!ctor) PetscCall(W2OptimizerList(list, sizeof(list)));
  PetscCheck(ctor, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "unknown optimiser %s; choose one of: %s", type, ctor ? "" : list);
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "an optimiser needs at least one parameter, got %" PetscInt_FMT, n);
  PetscCall(PetscNew(&o));
  PetscCall(PetscStrncpy(o->type, type, sizeof(o->type)));
  o->n         = n;
  o->lr        = 1e-3;
  o->beta1     = 0.9;
  o->beta2     = 0.999;
  o->eps       = 1e-8;
  o->damping   = 1e-3;
  o->solver    = W2_GN_AUTO;
  o->cg_rtol   = 1e-12;
  o->cg_max_it = 10 * n;
  o->gamma     = 1;
  o->align     = PETSC_TRUE;
  PetscCall(PetscCalloc3(n, &o->m, n, &o->v, n, &o->d));
  PetscCall(ctor(o));
  *opt = o;
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerCreate(MPI_Comm comm, const char prefix[], const char type[], PetscInt n, W2Optimizer **opt)
{
  char        name[32], list[256];
  W2Optimizer *o;
  const char *p = prefix ? prefix : "";

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(name, type, sizeof(name)));
  PetscCall(W2OptimizerList(list, sizeof(list)));
  PetscOptionsBegin(comm, prefix, "Optimiser", NULL);
  PetscCall(PetscOptionsString("-optim_type", list, NULL, name, name, sizeof(name), NULL));
  PetscOptionsEnd();
  {
    W2OptimizerCtor ctor;
    PetscCall(PetscFunctionListFind(W2OptimizerFunctions, name, &ctor));
    PetscCheck(ctor, comm, PETSC_ERR_USER_INPUT, "-%soptim_type %s: unknown optimiser; choose one of: %s", p, name, list);
  }
  PetscCall(W2OptimizerCreateByName(name, n, &o));
  PetscOptionsBegin(comm, prefix, "Optimiser parameters", NULL);
  PetscCall(PetscOptionsReal("-optim_lr", "Step (learning rate)", NULL, o->lr, &o->lr, NULL));
  PetscCall(PetscOptionsReal("-optim_beta1", "adam: decay of the first moment", NULL, o->beta1, &o->beta1, NULL));
  PetscCall(PetscOptionsReal("-optim_beta2", "adam: decay of the second moment", NULL, o->beta2, &o->beta2, NULL));
  PetscCall(PetscOptionsReal("-optim_eps", "adam: denominator guard", NULL, o->eps, &o->eps, NULL));
  PetscCall(PetscOptionsReal("-optim_momentum", "Heavy-ball momentum (sgd, natgrad_momentum)", NULL, o->momentum, &o->momentum, NULL));
  PetscCall(PetscOptionsReal("-optim_damping", "natgrad: lambda in (J^T J / N + lambda I)^-1", NULL, o->damping, &o->damping, NULL));
  PetscCall(PetscOptionsEnum("-optim_solver", "natgrad: solve of the metric", NULL, W2GNSolvers, (PetscEnum)o->solver, (PetscEnum *)&o->solver, NULL));
  PetscCall(PetscOptionsReal("-optim_cg_rtol", "natgrad cg: relative residual", NULL, o->cg_rtol, &o->cg_rtol, NULL));
  PetscCall(PetscOptionsInt("-optim_cg_max_it", "natgrad cg: iterations", NULL, o->cg_max_it, &o->cg_max_it, NULL));
  if (o->needs_game) {
    PetscCall(PetscOptionsReal("-optim_gamma", "consensus: gamma of L + gamma/2 |xi|^2; sga: lambda of xi + lambda A^T xi", NULL, o->gamma, &o->gamma, NULL));
    PetscCall(PetscOptionsBool("-optim_align", "sga: sign alignment of lambda (Balduzzi et al. 2018, Alg. 1)", NULL, o->align, &o->align, NULL));
  }
  PetscOptionsEnd();
  PetscCheck(o->lr > 0, comm, PETSC_ERR_USER_INPUT, "-%soptim_lr must be positive, got %g", p, (double)o->lr);
  PetscCheck(o->momentum >= 0 && o->momentum < 1, comm, PETSC_ERR_USER_INPUT, "-%soptim_momentum must lie in [0, 1), got %g", p, (double)o->momentum);
  PetscCheck(o->beta1 >= 0 && o->beta1 < 1 && o->beta2 >= 0 && o->beta2 < 1, comm, PETSC_ERR_USER_INPUT, "-%soptim_beta1 and -%soptim_beta2 must lie in [0, 1), got %g, %g", p, p, (double)o->beta1, (double)o->beta2);
  PetscCheck(o->damping >= 0, comm, PETSC_ERR_USER_INPUT, "-%soptim_damping must be >= 0, got %g", p, (double)o->damping);
  PetscCheck(o->gamma >= 0, comm, PETSC_ERR_USER_INPUT, "-%soptim_gamma must be >= 0, got %g", p, (double)o->gamma);
  PetscCheck(o->solver != W2_GN_WOODBURY || o->damping > 0, comm, PETSC_ERR_USER_INPUT, "-%soptim_solver woodbury needs -%soptim_damping > 0", p, p);
  *opt = o;
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerStep(W2Optimizer *o, PetscReal x[], const PetscReal g[], PetscInt rows, PetscInt N, const PetscReal J[])
{
  PetscFunctionBeginUser;
  PetscCheck(!o->needs_jacobian || (J && N >= 1 && rows >= N), PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "optimiser %s needs the per-sample Jacobians", o->type);
  PetscCheck(!o->needs_game || o->game, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "optimiser %s acts on a game: call W2OptimizerSetGame first", o->type);
  o->t++;
  PetscCall(o->step(o, x, g, rows, N, J));
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerSetGame(W2Optimizer *o, const W2Game *game)
{
  PetscFunctionBeginUser;
  PetscCheck(game && game->n == o->n, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "optimiser %s has %" PetscInt_FMT " parameters, the game %" PetscInt_FMT, o->type, o->n, game ? game->n : -1);
  o->game = game;
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptimizerDestroy(W2Optimizer **opt)
{
  PetscFunctionBeginUser;
  if (!*opt) PetscFunctionReturn(0);
  PetscCall(PetscFree3((*opt)->m, (*opt)->v, (*opt)->d));
  PetscCall(PetscFree(*opt));
  PetscFunctionReturn(0);
}

/* the lower triangle of G = (1/N) J^T J + lambda I, all that potrf("L") reads: syrk does half the products of gemm */
static PetscErrorCode GaussNewtonMetricLower(PetscInt rows, PetscInt n, PetscInt N, const PetscReal J[], PetscReal lambda, PetscReal G[])
{
  PetscBLASInt    br, bn;
  const PetscReal a = 1.0 / N, zero = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscBLASIntCast(rows, &br));
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCallBLAS("BLASsyrk", BLASsyrk_("L", "T", &bn, &br, &a, J, &br, &zero, G, &bn));
  for (PetscInt i = 0; i < n; i++) G[i + n * i] += lambda;
  PetscFunctionReturn(0);
}

PetscErrorCode W2GaussNewtonMetric(PetscInt rows, PetscInt n, PetscInt N, const PetscReal J[], PetscReal lambda, PetscReal G[])
{
  PetscFunctionBeginUser;
  PetscCall(GaussNewtonMetricLower(rows, n, N, J, lambda, G));
  for (PetscInt j = 1; j < n; j++) /* the upper triangle by symmetry */
    for (PetscInt i = 0; i < j; i++) G[i + n * j] = G[j + n * i];
  PetscFunctionReturn(0);
}

/* y = G v = J^T (J v) / N + lambda v; w: rows */
static PetscErrorCode MetricMult(PetscInt rows, PetscInt n, PetscInt N, const PetscReal J[], PetscReal lambda, const PetscReal v[], PetscReal w[], PetscReal y[])
{
  PetscBLASInt    br, bn, one = 1;
  const PetscReal a = 1, zero = 0, b = 1.0 / N;

  PetscFunctionBeginUser;
  PetscCall(PetscBLASIntCast(rows, &br));
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCallBLAS("BLASgemv", BLASgemv_("N", &br, &bn, &a, J, &br, v, &one, &zero, w, &one));
  for (PetscInt i = 0; i < n; i++) y[i] = lambda * v[i];
  PetscCallBLAS("BLASgemv", BLASgemv_("T", &br, &bn, &b, J, &br, w, &one, &a, y, &one));
  PetscFunctionReturn(0);
}

static PetscErrorCode Cholesky(PetscInt m, PetscReal A[], PetscReal b[], const char *what)
{
  PetscBLASInt bm, one = 1, info;

  PetscFunctionBeginUser;
  PetscCall(PetscBLASIntCast(m, &bm));
  PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("L", &bm, A, &bm, &info));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_MAT_CH_ZRPVT, "Cholesky of the %s failed at column %d: the metric is singular; raise the natgrad damping", what, (int)info);
  PetscCallBLAS("LAPACKpotrs", LAPACKpotrs_("L", &bm, &one, A, &bm, b, &bm, &info));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK dpotrs failed with info %d", (int)info);
  PetscFunctionReturn(0);
}

PetscErrorCode W2GaussNewtonDirection(PetscInt rows, PetscInt n, PetscInt N, const PetscReal J[], PetscReal lambda, W2GNSolver solver, PetscReal cg_rtol, PetscInt cg_max_it, const PetscReal g[], PetscReal d[], PetscInt *its)
{
  PetscFunctionBeginUser;
  if (its) *its = 0;
  if (solver == W2_GN_AUTO) solver = rows < n && lambda > 0 ? W2_GN_WOODBURY : W2_GN_CHOLESKY;
  if (solver == W2_GN_CHOLESKY) {
    PetscReal *G;
    PetscCall(PetscMalloc1(n * n, &G));
    PetscCall(GaussNewtonMetricLower(rows, n, N, J, lambda, G));
    PetscCall(PetscArraycpy(d, g, n));
    PetscCall(Cholesky(n, G, d, "Gauss-Newton metric"));
    PetscCall(PetscFree(G));
  } else if (solver == W2_GN_WOODBURY) {
    /* (lambda I + J^T J / N)^-1 g = (g - J^T (N lambda I + J J^T)^-1 J g) / lambda */
    PetscReal   *K, *w;
    PetscBLASInt br, bn, one = 1;
    const PetscReal a = 1, zero = 0, mone = -1;
    PetscCheck(lambda > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "the Woodbury solve needs damping > 0, got %g", (double)lambda);
    PetscCall(PetscBLASIntCast(rows, &br));
    PetscCall(PetscBLASIntCast(n, &bn));
    PetscCall(PetscMalloc2(rows * rows, &K, rows, &w));
    PetscCallBLAS("BLASsyrk", BLASsyrk_("L", "N", &br, &bn, &a, J, &br, &zero, K, &br)); /* lower triangle: potrf("L") */
    for (PetscInt i = 0; i < rows; i++) K[i + rows * i] += N * lambda;
    PetscCallBLAS("BLASgemv", BLASgemv_("N", &br, &bn, &a, J, &br, g, &one, &zero, w, &one));
    PetscCall(Cholesky(rows, K, w, "Woodbury capacitance matrix"));
    PetscCall(PetscArraycpy(d, g, n));
    PetscCallBLAS("BLASgemv", BLASgemv_("T", &br, &bn, &mone, J, &br, w, &one, &a, d, &one));
    for (PetscInt i = 0; i < n; i++) d[i] /= lambda;
    PetscCall(PetscFree2(K, w));
  } else {
    /* conjugate gradients on G d = g from d = 0 */
    PetscReal *r, *p, *q, *w, rr, rr0 = 0;
    PetscInt   k;
    PetscCall(PetscMalloc4(n, &r, n, &p, n, &q, rows, &w));
    for (PetscInt i = 0; i < n; i++) {
      d[i] = 0;
      r[i] = p[i] = g[i];
      rr0 += g[i] * g[i];
    }
    rr = rr0;
    for (k = 0; k < cg_max_it && rr > cg_rtol * cg_rtol * rr0 && rr > 0; k++) {
      PetscReal pq = 0, alpha, rrnew = 0;
      PetscCall(MetricMult(rows, n, N, J, lambda, p, w, q));
      for (PetscInt i = 0; i < n; i++) pq += p[i] * q[i];
      PetscCheck(pq > 0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "CG on the Gauss-Newton metric met p^T G p = %g <= 0: the metric is singular; raise the natgrad damping", (double)pq);
      alpha = rr / pq;
      for (PetscInt i = 0; i < n; i++) {
        d[i] += alpha * p[i];
        r[i] -= alpha * q[i];
        rrnew += r[i] * r[i];
      }
      for (PetscInt i = 0; i < n; i++) p[i] = r[i] + rrnew / rr * p[i];
      rr = rrnew;
    }
    PetscCheck(rr <= cg_rtol * cg_rtol * rr0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "CG on the Gauss-Newton metric: residual %g of %g after %" PetscInt_FMT " iterations; raise -optim_cg_max_it or the damping", (double)PetscSqrtReal(rr), (double)PetscSqrtReal(rr0), k);
    if (its) *its = k;
    PetscCall(PetscFree4(r, p, q, w));
  }
  PetscFunctionReturn(0);
}
