/// @file The back-and-forth method (Jacobs, Lee, Leger 2021) for JKO steps and W2 distances on the torus.
#include "jko/jkoimpl.h"

/* The discrete JKO step solved here (THEORY.md 4). P_{k-1} = mu is read as constant on each cell, the new
   density rho as masses rho_k dV at the cell centres y_k (semi-discrete transport):
     primal  min over rho   F(rho) + OT(mu, rho)/(2 tau),  F(rho) = sum q f(rho/q) dV,
     dual    max over phi   D(phi) = int mu(x) Q[phi](x) dx - E*(phi),   E*(phi) = sum q f*(phi) dV,
   Q[phi](x) = min_k phi_k + d_T(x, y_k)^2/(2 tau), integrated exactly over the Laguerre cells
   (ctransform.c). D is C^1 and concave; its gradient is T#mu - rho_phi with T#mu the masses of the Laguerre
   cells (mass conserved by construction: the cells tile the torus) and rho_phi = q (f')^-1(phi).
   For the candidate rho~ = T#mu the primal minus the dual is the Fenchel-Young sum
   F(rho~) + E*(phi) - <phi, rho~> >= 0, the duality gap, zero exactly at the solution.
   Reading mu as cell averages and rho as point masses costs a constant sum_a h_a^2/12 per unit mass (the
   spread of a uniform cell about its centre, paid by any plan that keeps the cells): W2^2 is reported
   without it, so W2^2 of a translation by whole cells is |v|^2 exactly, and since keeping every cell in
   place is feasible, F(P_{k-1}) - F(P_k) - W2^2/(2 tau) >= -gap.
   Iteration (Jacobs, Lee, Leger 2021, Algorithm 1): forward ascent steps on phi preconditioned by the H^1
   operator (theta + tau(-Lap_h))^-1, applied by FFT (the Hessian of D is about -(drho/dphi + tau rho(-Lap)),
   so theta is the mean of drho/dphi); then a backward step on psi = Q[phi] at the cell centres for the
   mirrored dual I(psi) = <psi, mu> - E*(psi^cbar), whose supergradient mu - S#rho_phi pushes rho_phi back
   along the maximisers S of psi^cbar (linear interpolation, wrapped indices). Step sizes adapt as in the
   paper: grow when the ascent exceeds 3/4 of the linear prediction sigma <g, Pg>, shrink below 1/4; a
   step that lowers its functional is halved and retried. The backward functional discretises the same
   problem differently, so a backward step is kept only if it raises D; after the first that does not,
   the solve continues with forward steps, which converge on their own (D is C^1). Unless -jko_bfm_back
   is given, JKO steps make no backward steps: each costs a second exact evaluation, and without them the
   jsd step of bench_jko took 49 instead of 77 iterations at 64^2, 55 instead of 110 at 128^2, and
   test_jko_bfm's flows fewer iterations in 7 of 8. W2 distances keep them: without, test_jko_w2's took
   more iterations (1-D 46-60 instead of 24-52, 2-D 125/152 instead of 118/112; bench_jko_pot 16^2 6676
   instead of 6330).
   -jko_bfm_ctransform grid replaces the exact evaluation by the interpolated transform of ctransform.c
   (mu read as masses at the nodes; O(N) per line; mass exact by the push's weights; primal - dual is
   still the Fenchel-Young gap of that discrete problem). Its dual is concave but not C^1 at the optimum:
   a parcel torn between the two cells beside a node where the interpolant is concave jumps over the node,
   and where the map expands the optimum needs such split parcels. The ascent stalls there (relative gap
   ~1e-3 on test_jko_bfm's kl flow and bench_jko's jsd step, 1e-2 with a 4-5 % marginal error for W2),
   so it is not the default.
   W2 distances: E is the constraint rho = nu, so E*(phi) = <phi, nu>, rho_phi = nu, tau = 1 and the zero
   mode is free (theta = 0); the dual gap is then |W2^2 of the plan - 2 D|, taken relative to W2^2 +
   sum_a h_a^2/12 (distances below the cell spread are not resolved), and the second marginal's
   total-variation error is measured alongside. */

typedef struct {
  PetscReal *psi;   /* Q[phi] at the cell centres */
  PetscReal *push;  /* rho~ = T#mu, the masses of the Laguerre cells */
  PetscReal *bary;  /* S(y) - y: the barycentric map back to mu */
  PetscReal  estar, dual, cost; /* E*(phi), D(phi), int mu |x - T(x)|^2 */
  PetscBool  feasible; /* phi in the domain of E* */
} Eval;

typedef struct {
  W2SemiDiscrete *sd;
  PetscBool     exact; /* -jko_bfm_ctransform exact: the semi-discrete Laguerre-cell evaluation */
  W2CTResult    fwd;   /* grid: the c-transform of the potential being evaluated */
  W2CTransform *ct;
  W2Poisson    *pc;
  Eval          ev[2];
  W2CTResult    back, backtrial;
  PetscReal    *phi, *phitrial, *psi, *psitrial, *rhophi, *drho, *g, *d, *bpush;
  PetscBool     use_back, weighted, wactive; /* use_back: in this solve; wactive: weighted, and in force for this solve */
  PetscBool     back_opt, back_set;          /* -jko_bfm_back and whether it was given */
  PetscReal     weight_floor;
  PetscReal    *wsc, *gs, *wmu; /* weighted preconditioner: W^-1/2 per cell, scaled gradient */
  PetscInt      max_halvings;
  PetscInt      back_steps; /* backward steps kept in the last solve */
} BFM;

typedef W2DualProblem Problem; /* dual.c */

static PetscReal Dot(const W2Torus *t, const PetscReal a[], const PetscReal b[])
{
  PetscReal s = 0;
  for (PetscInt p = 0; p < t->n; p++) s += a[p] * b[p];
  return s * t->dV;
}

static PetscReal MaxOf(const W2Torus *t, const PetscReal a[])
{
  PetscReal m = PETSC_MIN_REAL;
  for (PetscInt p = 0; p < t->n; p++) m = PetscMax(m, a[p]);
  return m;
}

/* theta of the preconditioner: the mean of drho/dphi (JKO), 0 for W2 (then the zero mode is dropped) */
static PetscReal Theta(const W2Torus *t, const Problem *pb, const PetscReal drho[])
{
  PetscReal s = 0;
  if (pb->nu) return 0.0;
  for (PetscInt p = 0; p < t->n; p++) s += drho[p];
  s /= (PetscReal)t->n;
  return s > 0 ? s : 1.0; /* every cell off the support (drho = 0): any positive theta moves the mean */
}

/* d = P g for the forward step, and the largest curvature ratio that sets the first step size. The Hessian of
   D is about -(drho/dphi + tau div(mu grad .)) and both terms scale with the density: with the weight
   W = max(mu, floor * mean mu, drho/dphi), P = W^-1/2 (theta + tau(-Lap))^-1 W^-1/2, theta = mean(drho/dphi / W), matches
   it where mu is small as well as where it is large (JKO steps from P_{k-1} > 0, -jko_bfm_weighted; W2
   distances, P_{k-1} with zeros and -jko_bfm_weighted false: W = 1, the plain H^1 preconditioner of Jacobs,
   Lee, Leger 2021). W is refreshed every iteration with drho/dphi, the larger of the two curvature terms
   where f'' is small (jsd near its upper bound on phi): on examples/jsd2d_jko.yaml at 64^2, tau 1e-3, one
   step took 6 iterations instead of > 300. */
static PetscErrorCode Precondition(W2JKO jko, BFM *b, const Problem *pb, const PetscReal g[], PetscReal d[], PetscReal *curv)
{
  const W2Torus *t = &jko->torus;
  PetscReal      theta = 0, mx = 0;

  PetscFunctionBeginUser;
  if (!b->wactive) {
    theta = Theta(t, pb, b->drho);
    PetscCall(W2PoissonSolve(b->pc, theta, pb->tau, g, d));
    *curv = PetscMax(MaxOf(t, pb->mu), theta > 0 ? MaxOf(t, b->drho) / theta : 0.0);
    PetscFunctionReturn(0);
  }
  for (PetscInt p = 0; p < t->n; p++) {
    PetscReal r;
    b->wsc[p] = 1.0 / PetscSqrtReal(PetscMax(b->wmu[p], b->drho[p]));
    r         = b->drho[p] * b->wsc[p] * b->wsc[p];
    theta += r;
    mx = PetscMax(mx, r);
    b->gs[p] = g[p] * b->wsc[p];
  }
  theta /= (PetscReal)t->n;
  if (!(theta > 0)) theta = 1.0;
  PetscCall(W2PoissonSolve(b->pc, theta, pb->tau, b->gs, d));
  for (PetscInt p = 0; p < t->n; p++) d[p] *= b->wsc[p];
  *curv = PetscMax(1.0, mx / theta);
  PetscFunctionReturn(0);
}

static PetscErrorCode Forward(W2JKO jko, BFM *b, const Problem *pb, const PetscReal phi[], Eval *ev)
{
  PetscFunctionBeginUser;
  ev->estar    = W2DualConj(jko, pb, phi);
  ev->feasible = (PetscBool)!PetscIsInfOrNanReal(ev->estar);
  if (!ev->feasible) PetscFunctionReturn(0);
  if (b->exact) {
    PetscCall(W2SemiDiscreteEvaluate(b->sd, pb->tau, phi, pb->mu, &ev->dual, ev->push, &ev->cost, ev->psi));
    PetscCall(PetscArraycpy(ev->bary, b->sd->bary, jko->torus.n * jko->torus.dim));
  } else {
    /* sum_x mu(x) Q[phi](x) dV with the interpolated transform; its supergradient is the push of mu along the
       minimisers (Danskin), and that push tiles the unit mass by construction (weights 1 - w and w) */
    PetscCall(W2CTransformApply(b->ct, pb->tau, PETSC_FALSE, phi, &b->fwd));
    PetscCall(PetscArraycpy(ev->psi, b->fwd.value, jko->torus.n));
    ev->dual = Dot(&jko->torus, pb->mu, ev->psi);
    PetscCall(W2CTransformPush(b->ct, &b->fwd, pb->mu, ev->push, &ev->cost, ev->bary));
  }
  ev->dual -= ev->estar;
  PetscFunctionReturn(0);
}

/* adaptive step (JLL 2021): ratio = achieved ascent / (sigma <g, P g>) */
static PetscReal AdaptStep(PetscReal sigma, PetscReal ratio)
{
  if (ratio > 0.75) return sigma / 0.8;
  if (ratio < 0.25) return sigma * 0.8;
  return sigma;
}

/* One backward step from the current phi (evaluated in *cur). On success phi and *cur hold the new
   potential and its evaluation; otherwise nothing changes and backward steps are switched off. */
static PetscErrorCode BackStep(W2JKO jko, BFM *b, const Problem *pb, Eval **cur, Eval **tri, PetscReal *sigma)
{
  const W2Torus *t = &jko->torus;
  PetscReal      estar, ival, theta, gd, dummy;
  PetscBool      accepted = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscArraycpy(b->psi, (*cur)->psi, t->n));
  PetscCall(W2CTransformApply(b->ct, pb->tau, PETSC_TRUE, b->psi, &b->back));
  estar = W2DualConj(jko, pb, b->back.value);
  if (PetscIsInfOrNanReal(estar)) {
    b->use_back = PETSC_FALSE;
    PetscFunctionReturn(0);
  }
  W2DualDensity(jko, pb, b->back.value, b->rhophi, b->drho);
  ival = Dot(t, b->psi, pb->mu) - estar;
  PetscCall(W2CTransformPush(b->ct, &b->back, b->rhophi, b->bpush, &dummy, NULL));
  for (PetscInt p = 0; p < t->n; p++) b->g[p] = pb->mu[p] - b->bpush[p];
  theta = Theta(t, pb, b->drho);
  PetscCall(W2PoissonSolve(b->pc, theta, pb->tau, b->g, b->d));
  gd = Dot(t, b->g, b->d);
  if (*sigma <= 0) *sigma = 1.0 / PetscMax(MaxOf(t, b->rhophi), theta > 0 ? MaxOf(t, b->drho) / theta : 0.0);
  for (PetscInt k = 0; k < b->max_halvings; k++) {
    PetscReal e2, i2;
    for (PetscInt p = 0; p < t->n; p++) b->psitrial[p] = b->psi[p] + *sigma * b->d[p];
    PetscCall(W2CTransformApply(b->ct, pb->tau, PETSC_TRUE, b->psitrial, &b->backtrial));
    e2 = W2DualConj(jko, pb, b->backtrial.value);
    i2 = Dot(t, b->psitrial, pb->mu) - e2;
    if (!PetscIsInfOrNanReal(e2) && i2 >= ival) {
      *sigma   = AdaptStep(*sigma, gd > 0 ? (i2 - ival) / (*sigma * gd) : 1.0);
      accepted = PETSC_TRUE;
      break;
    }
    *sigma *= 0.5;
  }
  if (accepted) {
    PetscCall(Forward(jko, b, pb, b->backtrial.value, *tri));
    accepted = (PetscBool)((*tri)->feasible && (*tri)->dual > (*cur)->dual);
  }
  if (accepted) {
    Eval *s = *cur;
    PetscCall(PetscArraycpy(b->phi, b->backtrial.value, t->n));
    *cur = *tri;
    *tri = s;
    b->back_steps++;
  } else b->use_back = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Dual ascent from the potential in b->phi; on return b->ev[0 or 1] (*final) holds the last evaluation. */
static PetscErrorCode Solve(W2JKO jko, const Problem *pb, Eval **final, W2JKOInfo *info)
{
  BFM           *b = (BFM *)jko->data;
  const W2Torus *t = &jko->torus;
  Eval          *cur = &b->ev[0], *tri = &b->ev[1];
  PetscReal      sigma = -1, sigmab = -1, energy_mu = 0, spread = 0;
  PetscInt       it;
  PetscBool      stalled = PETSC_FALSE;

  PetscFunctionBeginUser;
  b->back_steps = 0;
  if (!pb->nu) energy_mu = W2JKOEnergy(jko->div, t, jko->q, pb->mu);
  b->wactive = PETSC_FALSE;
  if (!pb->nu && b->weighted) { /* W2 (drho = 0): tried, the weighted ascent stalled at 16^2 */
    PetscReal mn = PETSC_MAX_REAL;
    for (PetscInt p = 0; p < t->n; p++) mn = PetscMin(mn, pb->mu[p]);
    b->wactive = (PetscBool)(mn > 0);
  }
  if (b->wactive) {
    PetscReal mean = 0;
    for (PetscInt p = 0; p < t->n; p++) mean += pb->mu[p];
    mean /= (PetscReal)t->n;
    for (PetscInt p = 0; p < t->n; p++) b->wmu[p] = PetscMax(pb->mu[p], b->weight_floor * mean);
  }
  /* int mu |x - centre|^2 over the cells: the spread term of the semi-discrete cost (none when mu is read at the nodes) */
  if (b->exact) spread = W2DualSpread(t, pb->mu);
  PetscCall(Forward(jko, b, pb, b->phi, cur));
  PetscCheck(cur->feasible, jko->comm, PETSC_ERR_ARG_OUTOFRANGE, "bfm: the initial potential lies outside the domain of f* (-div_type %s)", jko->div ? jko->div->type : "none");
  for (it = 0;; it++) {
    PetscReal curv = 1, gd;
    PetscBool accepted = PETSC_FALSE;
    W2DualMeasure(jko, pb, b->phi, cur->push, cur->cost, cur->dual, energy_mu, spread, info);
    PetscCall(W2JKOMonitorLine(jko, "bfm", it, info->dual, info->gap, info->rel_gap, sigma));
    info->converged = W2DualConverged(jko, pb, info);
    if (info->converged || it >= jko->max_it || stalled) break;
    /* forward step: phi += sigma (theta + tau(-Lap))^-1 (T#mu - rho_phi) */
    W2DualDensity(jko, pb, b->phi, b->rhophi, b->drho);
    for (PetscInt p = 0; p < t->n; p++) b->g[p] = cur->push[p] - b->rhophi[p];
    PetscCall(Precondition(jko, b, pb, b->g, b->d, &curv));
    gd = Dot(t, b->g, b->d);
    if (sigma <= 0) sigma = 1.0 / curv;
    for (PetscInt k = 0; k < b->max_halvings; k++) {
      for (PetscInt p = 0; p < t->n; p++) b->phitrial[p] = b->phi[p] + sigma * b->d[p];
      PetscCall(Forward(jko, b, pb, b->phitrial, tri));
      /* an ascent, or no change beyond the round-off of the sums (then the gap still tells progress) */
      if (tri->feasible && tri->dual >= cur->dual - 1e-14 * (PetscAbsReal(cur->dual) + PetscAbsReal(cur->estar))) {
        sigma    = AdaptStep(sigma, gd > 0 ? (tri->dual - cur->dual) / (sigma * gd) : 1.0);
        accepted = PETSC_TRUE;
        break;
      }
      sigma *= 0.5;
    }
    if (!accepted) { /* no step keeps the dual: stalled */
      stalled = PETSC_TRUE;
      continue;
    }
    {
      Eval      *s = cur;
      PetscReal *f = b->phi;
      cur          = tri;
      tri          = s;
      b->phi       = b->phitrial;
      b->phitrial  = f;
    }
    if (b->use_back) PetscCall(BackStep(jko, b, pb, &cur, &tri, &sigmab));
  }
  PetscCall(PetscInfo(NULL, "bfm: %" PetscInt_FMT " iterations, %" PetscInt_FMT " backward steps kept\n", it, b->back_steps));
  info->iterations = it;
  info->stalled    = stalled;
  *final           = cur;
  PetscFunctionReturn(0);
}

static PetscErrorCode StepBFM(W2JKO jko, const PetscReal mu[], PetscReal rho[], PetscReal disp[], W2JKOInfo *info)
{
  BFM           *b  = (BFM *)jko->data;
  const W2Torus *t  = &jko->torus;
  Problem        pb = {mu, NULL, jko->tau, &jko->torus, jko->q};
  Eval          *ev;

  PetscFunctionBeginUser;
  W2DualJKOStart(jko, mu, b->phi);
  b->use_back = b->back_set ? b->back_opt : PETSC_FALSE;
  PetscCall(Solve(jko, &pb, &ev, info));
  PetscCall(PetscArraycpy(rho, ev->push, t->n));
  /* the map S from P_k back to P_{k-1}: the barycentre of each Laguerre cell under mu */
  PetscCall(PetscArraycpy(disp, ev->bary, t->n * t->dim));
  PetscFunctionReturn(0);
}

static PetscErrorCode DistanceBFM(W2JKO jko, const PetscReal mu[], const PetscReal nu[], W2JKOInfo *info)
{
  BFM           *b  = (BFM *)jko->data;
  const W2Torus *t  = &jko->torus;
  Problem        pb = {mu, nu, 1.0, &jko->torus, jko->q};
  Eval          *ev;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(b->phi, t->n));
  b->use_back = b->back_set ? b->back_opt : PETSC_TRUE;
  PetscCall(Solve(jko, &pb, &ev, info));
  info->mass    = 1.0;
  info->min_rho = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptionsBFM(PetscOptionItems *PetscOptionsObject, W2JKO jko)
{
  BFM      *b = (BFM *)jko->data;
  char      ctname[16];
  PetscBool grid, exact;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(ctname, b->exact ? "exact" : "grid", sizeof(ctname)));
  PetscOptionsHeadBegin(PetscOptionsObject, "Back-and-forth method (-jko_type bfm)");
  PetscCall(PetscOptionsString("-bfm_ctransform", "grid (interpolated c-transforms in O(N) per line, mu at the nodes) or exact (semi-discrete: mu constant on cells, exact Laguerre cells)", NULL, ctname, ctname, sizeof(ctname), NULL));
  PetscCall(PetscOptionsBool("-bfm_back", "Alternate backward steps on psi = phi^c with the forward steps (default: for W2 distances, not for JKO steps)", NULL, b->back_opt, &b->back_opt, &b->back_set));
  PetscCall(PetscOptionsBool("-bfm_weighted", "JKO steps: weight the H^1 preconditioner by the density P_{k-1}", NULL, b->weighted, &b->weighted, NULL));
  PetscCall(PetscOptionsReal("-bfm_weight_floor", "Smallest weight of the preconditioner, relative to the mean density", NULL, b->weight_floor, &b->weight_floor, NULL));
  PetscCall(PetscOptionsInt("-bfm_max_halvings", "Step halvings allowed before the ascent counts as stalled", NULL, b->max_halvings, &b->max_halvings, NULL));
  PetscOptionsHeadEnd();
  PetscCall(PetscStrcmp(ctname, "grid", &grid));
  PetscCall(PetscStrcmp(ctname, "exact", &exact));
  PetscCheck(grid || exact, jko->comm, PETSC_ERR_USER_INPUT, "-jko_bfm_ctransform must be grid or exact, got %s", ctname);
  b->exact = exact;
  PetscCheck(b->weight_floor > 0 && b->weight_floor <= 1, jko->comm, PETSC_ERR_USER_INPUT, "-jko_bfm_weight_floor must be in (0, 1], got %g", (double)b->weight_floor);
  PetscCheck(b->max_halvings >= 1, jko->comm, PETSC_ERR_USER_INPUT, "-jko_bfm_max_halvings must be >= 1, got %" PetscInt_FMT, b->max_halvings);
  PetscFunctionReturn(0);
}

static PetscErrorCode DestroyBFM(W2JKO jko)
{
  BFM *b = (BFM *)jko->data;

  PetscFunctionBeginUser;
  PetscCall(W2SemiDiscreteDestroy(&b->sd));
  PetscCall(W2CTransformDestroy(&b->ct));
  PetscCall(W2PoissonDestroy(&b->pc));
  for (PetscInt k = 0; k < 2; k++) {
    PetscCall(PetscFree3(b->ev[k].psi, b->ev[k].push, b->ev[k].bary));
  }
  PetscCall(W2CTResultDestroy(&b->fwd));
  PetscCall(W2CTResultDestroy(&b->back));
  PetscCall(W2CTResultDestroy(&b->backtrial));
  PetscCall(PetscFree(b->phi)); /* swapped with phitrial while iterating: freed one by one */
  PetscCall(PetscFree(b->phitrial));
  PetscCall(PetscFree3(b->psi, b->psitrial, b->rhophi));
  PetscCall(PetscFree4(b->drho, b->g, b->d, b->bpush));
  PetscCall(PetscFree3(b->wsc, b->gs, b->wmu));
  PetscCall(PetscFree(jko->data));
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOCreate_BFM(W2JKO jko)
{
  BFM           *b;
  const W2Torus *t = &jko->torus;
  const PetscInt n = t->n;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&b));
  b->back_opt     = PETSC_FALSE; /* unless -jko_bfm_back is given: on for W2 distances, off for JKO steps (measured, see the top) */
  b->max_halvings = 40;
  b->weighted     = PETSC_TRUE;
  b->weight_floor = 1e-3;
  b->exact        = PETSC_TRUE;
  /* plan once per grid: c-transform workspace and FFT plans are reused by every step */
  PetscCall(W2SemiDiscreteCreate(t, &b->sd));
  PetscCall(W2SemiDiscreteSetComm(b->sd, jko->comm)); /* the clipping split over the ranks by rows */
  PetscCall(W2CTransformCreate(t, &b->ct));
  PetscCall(W2PoissonCreate(t, &b->pc));
  for (PetscInt k = 0; k < 2; k++) {
    PetscCall(PetscMalloc3(n, &b->ev[k].psi, n, &b->ev[k].push, n * t->dim, &b->ev[k].bary));
  }
  PetscCall(W2CTResultCreate(t, &b->fwd));
  PetscCall(W2CTResultCreate(t, &b->back));
  PetscCall(W2CTResultCreate(t, &b->backtrial));
  PetscCall(PetscMalloc1(n, &b->phi));
  PetscCall(PetscMalloc1(n, &b->phitrial));
  PetscCall(PetscMalloc3(n, &b->psi, n, &b->psitrial, n, &b->rhophi));
  PetscCall(PetscMalloc4(n, &b->drho, n, &b->g, n, &b->d, n, &b->bpush));
  PetscCall(PetscMalloc3(n, &b->wsc, n, &b->gs, n, &b->wmu));
  jko->data           = b;
  jko->zero_source_ok = PETSC_TRUE; /* the semi-discrete source may have empty cells */
  jko->setfromoptions = SetFromOptionsBFM;
  jko->step           = StepBFM;
  jko->distance       = DistanceBFM;
  jko->destroy        = DestroyBFM;
  PetscFunctionReturn(0);
}
