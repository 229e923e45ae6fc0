/// @file The JKO object: registry of methods (-jko_type), options, whole-field gathering, energies and the checks shared by every method.
#include "jko/jkoimpl.h"

static PetscFunctionList W2JKOList       = NULL;
static PetscBool         W2JKORegistered = PETSC_FALSE;

PetscErrorCode W2JKORegister(const char name[], W2JKOCtor ctor)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFunctionListAdd(&W2JKOList, name, ctor));
  PetscFunctionReturn(0);
}

static PetscErrorCode W2JKOFinalizePackage(void)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFunctionListDestroy(&W2JKOList));
  W2JKORegistered = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKORegisterAll(void)
{
  PetscFunctionBeginUser;
  if (W2JKORegistered) PetscFunctionReturn(0);
  W2JKORegistered = PETSC_TRUE;
  PetscCall(PetscRegisterFinalize(W2JKOFinalizePackage));
  PetscCall(W2JKORegister("bfm", W2JKOCreate_BFM));
  PetscCall(W2JKORegister("entropic", W2JKOCreate_Entropic));
  PetscCall(W2JKORegister("newton", W2JKOCreate_Newton));
  PetscFunctionReturn(0);
}

/* ---- energies ---------------------------------------------------------------------------------- */

/* the summands of W2JKOEnergy and W2JKOFenchelGap at one point (the gap's is +inf off the domain of f*) */
static inline PetscReal EnergyTerm(const W2Divergence *div, PetscReal q, PetscReal rho) { return q * div->f(div, rho / q); }
static inline PetscReal FenchelTerm(const W2Divergence *div, PetscReal q, PetscReal rho, PetscReal phi)
{
  if (!(phi < div->conj_sup)) return PETSC_INFINITY;
  return q * (div->f(div, rho / q) + div->conj(div, phi)) - phi * rho;
}

PetscReal W2JKOEnergy(const W2Divergence *div, const W2Torus *t, const PetscReal q[], const PetscReal rho[])
{
  PetscReal e = 0;
  for (PetscInt p = 0; p < t->n; p++) e += EnergyTerm(div, q[p], rho[p]);
  return e * t->dV;
}

void W2JKOEnergyGapTerms(const W2Divergence *div, const PetscReal q[], const PetscReal rho[], const PetscReal phi[], PetscInt p0, PetscInt p1, PetscReal terms[])
{
  for (PetscInt p = p0; p < p1; p++) {
    terms[2 * p]     = EnergyTerm(div, q[p], rho[p]);
    terms[2 * p + 1] = FenchelTerm(div, q[p], rho[p], phi[p]);
  }
}

PetscReal W2JKOConjEnergy(const W2Divergence *div, const W2Torus *t, const PetscReal q[], const PetscReal phi[])
{
  PetscReal e = 0;
  for (PetscInt p = 0; p < t->n; p++) {
    PetscReal c;
    if (!(phi[p] < div->conj_sup)) return PETSC_INFINITY; /* also NaN */
    c = div->conj(div, phi[p]);
    if (PetscIsInfOrNanReal(c)) return PETSC_INFINITY;
    e += q[p] * c;
  }
  return e * t->dV;
}

void W2JKODensityOf(const W2Divergence *div, const W2Torus *t, const PetscReal q[], const PetscReal phi[], PetscReal rho[], PetscReal drho[])
{
  for (PetscInt p = 0; p < t->n; p++) {
    const PetscReal r = q[p] * div->dfinv(div, phi[p]);
    rho[p]            = r;
    if (drho) drho[p] = r > 0 ? q[p] / div->d2f(div, r / q[p]) : 0.0;
  }
}

PetscReal W2JKOFenchelGap(const W2Divergence *div, const W2Torus *t, const PetscReal q[], const PetscReal rho[], const PetscReal phi[])
{
  PetscReal g = 0;
  for (PetscInt p = 0; p < t->n; p++) {
    const PetscReal term = FenchelTerm(div, q[p], rho[p], phi[p]);
    if (term == PETSC_INFINITY) return PETSC_INFINITY;
    g += term;
  }
  return g * t->dV;
}

PetscReal W2JKOOptimalityResidual(const W2Divergence *div, const W2Torus *t, const PetscReal q[], const PetscReal rho[], const PetscReal disp[], PetscReal tau)
{
  const PetscInt N0 = t->N[0], N1 = t->N[1], d = t->dim;
  PetscReal      num = 0, den = 0;

  /* S(y) = y + tau grad phi(y), phi = f'(rho/q), centred differences where the stencil lies in the support */
  for (PetscInt j = 0; j < N1; j++)
    for (PetscInt i = 0; i < N0; i++) {
      const PetscInt p     = j * N0 + i;
      const PetscInt nb[4] = {j * N0 + (i + 1) % N0, j * N0 + (i + N0 - 1) % N0, ((j + 1) % N1) * N0 + i, ((j + N1 - 1) % N1) * N0 + i};
      PetscReal      r2 = 0, s2 = 0;
      PetscBool      inside = (PetscBool)(rho[p] > 0);
      for (PetscInt k = 0; k < 2 * d; k++) inside = (PetscBool)(inside && rho[nb[k]] > 0);
      if (!inside) continue;
      for (PetscInt a = 0; a < d; a++) {
        const PetscReal grad = (div->df(div, rho[nb[2 * a]] / q[nb[2 * a]]) - div->df(div, rho[nb[2 * a + 1]] / q[nb[2 * a + 1]])) / (2.0 * t->h[a]);
        const PetscReal e    = disp[d * p + a] - tau * grad;
        r2 += e * e;
        s2 += disp[d * p + a] * disp[d * p + a];
      }
      num += rho[p] * r2;
      den += rho[p] * s2;
    }
  return den > 0 ? PetscSqrtReal(num / den) : 0.0;
}

/* ---- the object -------------------------------------------------------------------------------- */

PetscErrorCode W2JKOCreate(W2Grid *grid, W2Divergence *div, Vec q, W2JKO *jko)
{
  W2JKO j;

  PetscFunctionBeginUser;
  PetscCall(W2JKORegisterAll());
  PetscCall(PetscNew(&j));
  j->comm                   = grid->comm;
  j->grid                   = grid;
  j->div                    = div;
  j->tau                    = 1e-3;
  j->rtol                   = 1e-8;
  j->atol                   = 1e-14;
  j->marginal_tol           = 1e-6;
  j->max_it                 = 20000;
  j->error_if_not_converged = PETSC_TRUE;
  j->torus.dim              = grid->dim;
  for (PetscInt a = 0; a < 2; a++) {
    j->torus.N[a] = grid->N[a];
    j->torus.h[a] = grid->h[a];
    j->torus.L[a] = grid->L[a];
  }
  j->torus.n  = grid->N[0] * grid->N[1];
  j->torus.dV = grid->dV;
  PetscCall(DMDACreateNaturalVector(grid->da, &j->natural));
  PetscCall(VecScatterCreateToAll(j->natural, &j->toall, &j->all));
  PetscCall(PetscMalloc4(j->torus.n, &j->q, j->torus.n, &j->mu, j->torus.n, &j->nu, j->torus.n, &j->rho));
  if (q) {
    PetscReal qmin;
    PetscCall(VecMin(q, NULL, &qmin));
    PetscCheck(qmin > 0, grid->comm, PETSC_ERR_USER_INPUT, "the JKO target density must be > 0 everywhere, got min %g", (double)qmin);
    PetscCall(W2JKOGather(j, q, j->q));
  } else {
    for (PetscInt p = 0; p < j->torus.n; p++) j->q[p] = 1.0;
  }
  *jko = j;
  PetscCall(W2JKOSetType(j, "bfm"));
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOGather(W2JKO jko, Vec v, PetscReal full[])
{
  const PetscScalar *a;

  PetscFunctionBeginUser;
  PetscCall(DMDAGlobalToNaturalBegin(jko->grid->da, v, INSERT_VALUES, jko->natural));
  PetscCall(DMDAGlobalToNaturalEnd(jko->grid->da, v, INSERT_VALUES, jko->natural));
  PetscCall(VecScatterBegin(jko->toall, jko->natural, jko->all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(jko->toall, jko->natural, jko->all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(jko->all, &a));
  for (PetscInt p = 0; p < jko->torus.n; p++) full[p] = PetscRealPart(a[p]);
  PetscCall(VecRestoreArrayRead(jko->all, &a));
  PetscFunctionReturn(0);
}

/* ---- the work split: fields whole on every rank, each rank computes a block and the blocks are shared ---- */

void W2JKOBlock(PetscInt n, PetscMPIInt size, PetscMPIInt rank, PetscInt *lo, PetscInt *hi)
{
  const PetscInt base = n / size, extra = n % size;

  *lo = rank * base + PetscMin((PetscInt)rank, extra);
  *hi = *lo + base + (rank < extra ? 1 : 0);
}

/* per-rank counts and displacements of the blocks of n items of unit values each */
static PetscErrorCode BlockCounts(MPI_Comm comm, PetscInt n, PetscInt unit, PetscMPIInt *size, PetscMPIInt **count, PetscMPIInt **displ)
{
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, size));
  PetscCall(PetscMalloc2(*size, count, *size, displ));
  for (PetscMPIInt r = 0; r < *size; r++) {
    PetscInt lo, hi;
    W2JKOBlock(n, *size, r, &lo, &hi);
    PetscCall(PetscMPIIntCast((hi - lo) * unit, &(*count)[r]));
    PetscCall(PetscMPIIntCast(lo * unit, &(*displ)[r]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOShareBlocks(MPI_Comm comm, PetscInt n, PetscInt bs, PetscReal field[])
{
  PetscMPIInt size, *count, *displ;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1) PetscFunctionReturn(0);
  PetscCall(BlockCounts(comm, n, bs, &size, &count, &displ));
  PetscCallMPI(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, field, count, displ, MPIU_REAL, comm));
  PetscCall(PetscFree2(count, displ));
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOShareColumns(MPI_Comm comm, PetscInt N0, PetscInt N1, PetscReal field[], PetscReal scratch[])
{
  PetscMPIInt size, rank, *count, *displ;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* rank r's columns [lo, hi) packed row by row into scratch at lo N1: one contiguous block per rank (a strided MPI
     datatype of single values moved them 3-10x slower than these row-segment copies, measured at 256^2) */
  PetscCall(BlockCounts(comm, N0, N1, &size, &count, &displ));
  {
    PetscInt lo, hi;
    W2JKOBlock(N0, size, rank, &lo, &hi);
    for (PetscInt j = 0; j < N1; j++) PetscCall(PetscArraycpy(scratch + lo * N1 + j * (hi - lo), field + j * N0 + lo, hi - lo));
  }
  PetscCallMPI(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, scratch, count, displ, MPIU_REAL, comm));
  for (PetscMPIInt r = 0; r < size; r++) {
    PetscInt lo, hi;
    W2JKOBlock(N0, size, r, &lo, &hi);
    if (r != rank)
      for (PetscInt j = 0; j < N1; j++) PetscCall(PetscArraycpy(field + j * N0 + lo, scratch + lo * N1 + j * (hi - lo), hi - lo));
  }
  PetscCall(PetscFree2(count, displ));
  PetscFunctionReturn(0);
}

PetscReal W2JKOSumTerms(const W2Torus *t, PetscInt bs, PetscInt k, const PetscReal terms[])
{
  PetscReal s = 0;
  for (PetscInt p = 0; p < t->n; p++) {
    if (terms[bs * p + k] == PETSC_INFINITY) return PETSC_INFINITY; /* as W2JKOFenchelGap: off the domain of f* */
    s += terms[bs * p + k];
  }
  return s * t->dV;
}

PetscErrorCode W2JKOMassOf(W2JKO jko, Vec v, PetscReal *mass)
{
  PetscFunctionBeginUser;
  PetscCall(W2JKOGather(jko, v, jko->mu));
  *mass = 0;
  for (PetscInt p = 0; p < jko->torus.n; p++) *mass += jko->mu[p];
  *mass *= jko->torus.dV;
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOScatter(W2JKO jko, const PetscReal full[], Vec v)
{
  W2Box        b;
  PetscScalar *a;

  PetscFunctionBeginUser;
  PetscCall(W2GridOwnedBox(jko->grid, &b));
  PetscCall(VecGetArray(v, &a));
  for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) a[(j - b.ys) * b.xm + (i - b.xs)] = full[j * jko->torus.N[0] + i];
  PetscCall(VecRestoreArray(v, &a));
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOSetType(W2JKO jko, const char type[])
{
  W2JKOCtor ctor;

  PetscFunctionBeginUser;
  PetscCall(W2JKORegisterAll());
  PetscCall(PetscFunctionListFind(W2JKOList, type, &ctor));
  PetscCheck(ctor, jko->comm, PETSC_ERR_USER_INPUT, "-jko_type %s is not a known JKO method (known: bfm, entropic, newton)", type);
  if (!strcmp(jko->type, type)) PetscFunctionReturn(0);
  if (jko->destroy) PetscCall((*jko->destroy)(jko));
  jko->data           = NULL;
  jko->setfromoptions = NULL;
  jko->step           = NULL;
  jko->distance       = NULL;
  jko->destroy        = NULL;
  jko->zero_source_ok = PETSC_FALSE;
  PetscCall(PetscStrncpy(jko->type, type, sizeof(jko->type)));
  PetscCall((*ctor)(jko));
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOGetType(W2JKO jko, const char **type)
{
  PetscFunctionBeginUser;
  *type = jko->type;
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOSetFromOptions(W2JKO jko)
{
  char      type[32];
  PetscBool set;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(type, jko->type, sizeof(type)));
  PetscOptionsBegin(jko->comm, "jko_", "JKO steps and W2 distances (THEORY.md 4)", NULL);
  PetscCall(PetscOptionsFList("-type", "Method: bfm (back-and-forth dual ascent), entropic (Sinkhorn-like) or newton (damped Newton on the bfm dual)", NULL, W2JKOList, type, type, sizeof(type), &set));
  if (set) PetscCall(W2JKOSetType(jko, type));
  PetscCall(PetscOptionsReal("-tau", "JKO time step tau in W2^2/(2 tau)", NULL, jko->tau, &jko->tau, NULL));
  PetscCall(PetscOptionsReal("-rtol", "Stop when the duality gap is below rtol times the size of the step", NULL, jko->rtol, &jko->rtol, NULL));
  PetscCall(PetscOptionsReal("-atol", "... or below this absolute value (energy units)", NULL, jko->atol, &jko->atol, NULL));
  PetscCall(PetscOptionsReal("-w2_marginal_tol", "W2 distances: the plan's second marginal must be this close to the target in total variation", NULL, jko->marginal_tol, &jko->marginal_tol, NULL));
  PetscCall(PetscOptionsInt("-max_it", "Iterations allowed per solve", NULL, jko->max_it, &jko->max_it, NULL));
  PetscCall(PetscOptionsBool("-error_if_not_converged", "A solve that reaches -jko_max_it is an error (false: a warning, counted)", NULL, jko->error_if_not_converged, &jko->error_if_not_converged, NULL));
  PetscCall(PetscOptionsBool("-monitor", "Print the dual value and gap while iterating", NULL, jko->monitor, &jko->monitor, NULL));
  if (jko->setfromoptions) PetscCall((*jko->setfromoptions)(PetscOptionsObject, jko));
  PetscOptionsEnd();
  PetscCheck(jko->tau > 0 && PetscIsNormalReal(jko->tau), jko->comm, PETSC_ERR_USER_INPUT, "-jko_tau must be positive, got %g", (double)jko->tau);
  PetscCheck(jko->rtol > 0 && jko->rtol < 1, jko->comm, PETSC_ERR_USER_INPUT, "-jko_rtol must be in (0, 1), got %g", (double)jko->rtol);
  PetscCheck(jko->atol >= 0 && !PetscIsInfOrNanReal(jko->atol), jko->comm, PETSC_ERR_USER_INPUT, "-jko_atol must be >= 0 and finite, got %g", (double)jko->atol);
  PetscCheck(jko->marginal_tol > 0 && !PetscIsInfOrNanReal(jko->marginal_tol), jko->comm, PETSC_ERR_USER_INPUT, "-jko_w2_marginal_tol must be positive and finite, got %g", (double)jko->marginal_tol);
  PetscCheck(jko->max_it >= 1, jko->comm, PETSC_ERR_USER_INPUT, "-jko_max_it must be >= 1, got %" PetscInt_FMT, jko->max_it);
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOSetTau(W2JKO jko, PetscReal tau)
{
  PetscFunctionBeginUser;
  PetscCheck(tau > 0 && PetscIsNormalReal(tau), jko->comm, PETSC_ERR_USER_INPUT, "-jko_tau must be positive, got %g", (double)tau);
  jko->tau = tau;
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOGetTau(W2JKO jko, PetscReal *tau)
{
  PetscFunctionBeginUser;
  *tau = jko->tau;
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOSetTolerances(W2JKO jko, PetscReal rtol, PetscReal atol, PetscInt max_it)
{
  PetscFunctionBeginUser;
  if (rtol != PETSC_DEFAULT) jko->rtol = rtol;
  if (atol != PETSC_DEFAULT) jko->atol = atol;
  if (max_it != PETSC_DEFAULT) jko->max_it = max_it;
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOGetTolerances(W2JKO jko, PetscReal *rtol, PetscReal *atol, PetscInt *max_it)
{
  PetscFunctionBeginUser;
  if (rtol) *rtol = jko->rtol;
  if (atol) *atol = jko->atol;
  if (max_it) *max_it = jko->max_it;
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOGetUnconverged(W2JKO jko, PetscInt *count)
{
  PetscFunctionBeginUser;
  *count = jko->unconverged;
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKODestroy(W2JKO *jko)
{
  W2JKO j = *jko;

  PetscFunctionBeginUser;
  if (!j) PetscFunctionReturn(0);
  if (j->destroy) PetscCall((*j->destroy)(j));
  PetscCall(VecScatterDestroy(&j->toall));
  PetscCall(VecDestroy(&j->all));
  PetscCall(VecDestroy(&j->natural));
  PetscCall(PetscFree4(j->q, j->mu, j->nu, j->rho));
  PetscCall(PetscFree(*jko));
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOReportUnconverged(W2JKO jko, const char what[], const W2JKOInfo *info)
{
  char why[128];

  PetscFunctionBeginUser;
  if (info->stalled) PetscCall(PetscSNPrintf(why, sizeof(why), "stalled after %" PetscInt_FMT " iterations (no step improves the dual beyond round-off)", info->iterations));
  else PetscCall(PetscSNPrintf(why, sizeof(why), "did not converge in -jko_max_it %" PetscInt_FMT " iterations", jko->max_it));
  PetscCheck(!jko->error_if_not_converged, jko->comm, PETSC_ERR_NOT_CONVERGED, "%s (-jko_type %s) %s: relative duality gap %.3e > -jko_rtol %.3e (gap %.3e > -jko_atol %.3e, marginal %.3e); raise -jko_max_it or loosen -jko_rtol",
             what, jko->type, why, (double)info->rel_gap, (double)jko->rtol, (double)info->gap, (double)jko->atol, (double)info->marginal);
  jko->unconverged++;
  PetscCall(PetscFPrintf(jko->comm, stderr, "w2flow: warning: %s (-jko_type %s) %s with relative duality gap %.3e > -jko_rtol %.3e (warning %" PetscInt_FMT ")\n", what, jko->type, why, (double)info->rel_gap, (double)jko->rtol, jko->unconverged));
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOMonitorLine(W2JKO jko, const char method[], PetscInt it, PetscReal dual, PetscReal gap, PetscReal rel, PetscReal step)
{
  PetscFunctionBeginUser;
  if (jko->monitor) PetscCall(PetscPrintf(jko->comm, "  %s %5" PetscInt_FMT "  dual %+.15e  gap %.3e  rel %.3e  step %.3e\n", method, it, (double)dual, (double)gap, (double)rel, (double)step));
  PetscFunctionReturn(0);
}

/* mass and sign of a density, with the messages a user can act on */
static PetscErrorCode CheckDensity(W2JKO jko, const char name[], const PetscReal d[], PetscBool positive)
{
  PetscReal mass = 0, mn = PETSC_MAX_REAL;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < jko->torus.n; p++) {
    PetscCheck(!PetscIsInfOrNanReal(d[p]), jko->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s has a non-finite value at cell %" PetscInt_FMT, name, p);
    mass += d[p];
    mn = PetscMin(mn, d[p]);
  }
  mass *= jko->torus.dV;
  PetscCheck(mn >= 0, jko->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s must be >= 0, got min %g", name, (double)mn);
  PetscCheck(!positive || mn > 0, jko->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s must be > 0 everywhere for -div_type %s, got min %g", name, jko->div->type, (double)mn);
  PetscCheck(PetscAbsReal(mass - 1.0) <= 1e-10, jko->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s must have unit mass (to 1e-10), got %.15g", name, (double)mass);
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOStep(W2JKO jko, Vec mu, Vec rho, W2JKOInfo *info)
{
  const W2Torus *t = &jko->torus;
  PetscReal     *disp;
  W2JKOInfo      in;

  PetscFunctionBeginUser;
  PetscCheck(jko->div, jko->comm, PETSC_ERR_ARG_WRONGSTATE, "a JKO step needs a divergence (W2JKOCreate was given none)");
  PetscCheck(jko->step, jko->comm, PETSC_ERR_SUP, "-jko_type %s has no JKO step", jko->type);
  PetscCheck(mu != rho, jko->comm, PETSC_ERR_ARG_IDN, "W2JKOStep: rho may not alias mu");
  PetscCall(PetscMemzero(&in, sizeof(in)));
  PetscCall(W2JKOGather(jko, mu, jko->mu));
  /* f'(0+) = -inf makes every cell of the exact step positive, but a computed P_k can leave a Laguerre cell
     empty where the exact density is tiny (the gap tolerance is met). Where f(0) is finite (kl, jsd,
     hellinger, alpha in (0,1)) such a P_{k-1} has finite energy and the semi-discrete methods start from it
     (W2DualJKOStart); where f(0) = +inf (reverse_kl, alpha <= 0) it is refused. */
  {
    const PetscBool finite0 = (PetscBool)!PetscIsInfOrNanReal(jko->div->f(jko->div, 0.0));
    PetscCall(CheckDensity(jko, "the previous JKO density P_{k-1}", jko->mu, (PetscBool)(jko->div->needs_positive && !(jko->zero_source_ok && finite0))));
  }
  PetscCall(PetscMalloc1(t->n * t->dim, &disp));
  PetscCall((*jko->step)(jko, jko->mu, jko->rho, disp, &in));
  in.energy_prev = W2JKOEnergy(jko->div, t, jko->q, jko->mu);
  in.energy      = W2JKOEnergy(jko->div, t, jko->q, jko->rho);
  in.slack       = in.energy_prev - in.energy - in.w2sq / (2.0 * jko->tau);
  in.residual    = W2JKOOptimalityResidual(jko->div, t, jko->q, jko->rho, disp, jko->tau);
  in.mass        = 0;
  in.min_rho     = PETSC_MAX_REAL;
  for (PetscInt p = 0; p < t->n; p++) {
    in.mass += jko->rho[p];
    in.min_rho = PetscMin(in.min_rho, jko->rho[p]);
  }
  in.mass *= t->dV;
  PetscCall(PetscFree(disp));
  PetscCall(W2JKOScatter(jko, jko->rho, rho));
  if (!in.converged) PetscCall(W2JKOReportUnconverged(jko, "a JKO step", &in));
  if (info) *info = in;
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKODistance(W2JKO jko, Vec mu, Vec nu, W2JKOInfo *info)
{
  W2JKOInfo in;

  PetscFunctionBeginUser;
  PetscCheck(jko->distance, jko->comm, PETSC_ERR_SUP, "-jko_type %s computes no W2 distance", jko->type);
  PetscCall(PetscMemzero(&in, sizeof(in)));
  PetscCall(W2JKOGather(jko, mu, jko->mu));
  PetscCall(W2JKOGather(jko, nu, jko->nu));
  PetscCall(CheckDensity(jko, "the first density of W2", jko->mu, PETSC_FALSE));
  PetscCall(CheckDensity(jko, "the second density of W2", jko->nu, PETSC_FALSE));
  PetscCall((*jko->distance)(jko, jko->mu, jko->nu, &in));
  if (!in.converged) PetscCall(W2JKOReportUnconverged(jko, "a W2 distance", &in));
  if (info) *info = in;
  PetscFunctionReturn(0);
}

PetscErrorCode W2CircleW2Vec(const W2Grid *grid, Vec mu, Vec nu, PetscReal *w2sq)
{
  W2JKO      j;
  PetscReal *a, *b;

  PetscFunctionBeginUser;
  PetscCheck(grid->dim == 1, grid->comm, PETSC_ERR_ARG_WRONG, "the exact circle W2 is 1-D only; this grid is %" PetscInt_FMT "-D", grid->dim);
  PetscCall(W2JKOCreate((W2Grid *)grid, NULL, NULL, &j));
  PetscCall(PetscMalloc2(grid->N[0], &a, grid->N[0], &b));
  PetscCall(W2JKOGather(j, mu, a));
  PetscCall(W2JKOGather(j, nu, b));
  PetscCall(W2CircleW2(grid->N[0], grid->L[0], a, b, w2sq, NULL));
  PetscCall(PetscFree2(a, b));
  PetscCall(W2JKODestroy(&j));
  PetscFunctionReturn(0);
}
