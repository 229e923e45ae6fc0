/// @file Damped Newton (Kitagawa, Merigot, Thibert 2019) on the semi-discrete dual of bfm.c for JKO steps and W2 distances on the torus.
#include <petscksp.h>
#include "jko/jkoimpl.h"

/* The problem is bfm.c's (see its top comment): maximise the concave dual D(phi) = int mu Q[phi] - E*(phi)
   over the node potentials, with the same discretisation, measures and stopping rule (dual.c). For mu > 0 on
   the Laguerre cells D is C^2 and its Hessian is known in closed form (KMT 2019, Thm 1.3; ctransform.c
   records it as facet triplets): H = d push / d phi - diag(d rho_phi / d phi), push the Laguerre cell masses.
   Iteration (KMT 2019, Algorithm 1): solve -H d = g, g = push - rho_phi, by CG preconditioned with ICC to a
   relative residual eta (Eisenstat-Walker: eta shrinks like |g|^2, so the outer loop keeps its fast local
   rate); then take phi + alpha d with alpha = 1, 1/2, ... until the dual does not drop.
   Globalisation, measured on bench_jko's jsd step at 64^2 (tau 1e-2, rtol 1e-6) and bench_jko_pot's W2:
   - KMT's mass rule (every cell keeps half of min(initial masses, eps0)) is -jko_newton_mass_floor, off by
     default: with cell masses spanning 1e-5..1 (Gaussian tails) it held the step to alpha ~ 1e-3..1e-6 for
     tens of iterations (the W2 at 16^2 stalled); the dual's ascent alone converged.
   - a trust region in the max norm (-jko_newton_trust, in h^2/tau: about the potential change that moves a
     facet by that many cells), doubled after every full step: the plain Newton step far from the optimum
     moves tail potentials by O(1) and needed 89 iterations with steps 1/16; with the region, 46 (one grid).
     With the multiscale start, finest-level iterations of the jsd step at 64^2 / 128^2: radius 0: 3 / 28,
     0.25: 10 / 28, 1: 3 / 16, 2: 3 / 16, 4: 3 / 19, so 1 for JKO steps; bench_jko_pot's W2 at 16^2: 0.25:
     127, 1: 260, so 0.25 for W2.
   - multiscale (-jko_newton_levels, Merigot 2011): the problem is solved first on grids with 2, 4, ... times
     coarser cells (densities averaged over the children, the coarse potential interpolated linearly to the
     finer centres as its start), to -jko_newton_coarse_rtol; each finer solve then starts near its optimum.
   Limit (docs/benchmarks.md, Newton): the region of fast convergence shrinks with the smallest density; W2
   between Gaussians spanning 6 decades took 127 (16^2) to 1896 (32^2) finest iterations, the same with a
   density floor of 0.1 four.
   W2 distances (E*(phi) = <phi, nu>): a site with nu = 0 takes no mass at the optimum; it is lifted out of
   the problem (phi above every other potential plus the largest cost, so its Laguerre cell is empty) and
   its row of the system is the identity. The remaining kernel of H, the constants, is lifted by a shift
   of the diagonal tiny against its mean (-jko_newton_shift): g sums to zero, so the step hardly sees it.
   A site whose cell holds no mass of mu has a zero row in H (mu with zeros, e.g. a translated box): its
   diagonal is set to the mean diagonal, a gradient step in the units the other rows have. */

typedef struct {
  PetscReal *push, *bary; /* Laguerre cell masses (densities) and the barycentric map back to mu */
  PetscReal  estar, dual, cost;
  PetscBool  feasible;
} Eval;

/* one grid of the multiscale solve: the finest is the problem's, each next one has half the cells per axis */
typedef struct {
  W2Torus         t;
  W2SemiDiscrete *sd;
  Eval            ev[2];
  PetscReal      *phi, *trial, *rho, *drho, *g, *d, *mu, *nu, *q; /* mu, nu, q: the coarsened data (coarse levels) */
  PetscBool      *active;
  PetscInt       *nnz;
  KSP             ksp;
  Vec             vg, vd;
} Level;

typedef struct {
  Level    *lv;
  PetscInt  nlev, max_levels, min_cells;
  PetscBool ksp_ready;
  PetscReal eta_max, eta_min, mass_floor, shift, trust, coarse_rtol;
  PetscBool trust_set; /* -jko_newton_trust given; else the default by problem */
  PetscInt  max_halvings, linear_its;
} Newton;

typedef W2DualProblem Problem; /* dual.c */

/* sites that take part: all for a JKO step, those with nu > 0 for W2 */
static void Activate(const W2Torus *t, const Problem *pb, PetscBool active[])
{
  for (PetscInt p = 0; p < t->n; p++) active[p] = (PetscBool)(!pb->nu || pb->nu[p] > 0);
}

/* potentials of the inactive sites: above the largest active one by more than the largest cost
   d_T^2/(2 tau) <= (L_0^2 + L_1^2)/(8 tau), so that they never win anywhere (4x margin) */
static void Lift(const W2Torus *t, const Problem *pb, const PetscBool active[], PetscReal phi[])
{
  PetscReal mx = PETSC_MIN_REAL;
  for (PetscInt p = 0; p < t->n; p++)
    if (active[p]) mx = PetscMax(mx, phi[p]);
  mx += (t->L[0] * t->L[0] + (t->dim == 2 ? t->L[1] * t->L[1] : 0.0)) / (2.0 * pb->tau);
  for (PetscInt p = 0; p < t->n; p++)
    if (!active[p]) phi[p] = mx;
}

static PetscErrorCode Evaluate(W2JKO jko, Level *lv, const Problem *pb, const PetscReal phi[], Eval *ev)
{
  PetscFunctionBeginUser;
  ev->estar    = W2DualConj(jko, pb, phi);
  ev->feasible = (PetscBool)!PetscIsInfOrNanReal(ev->estar);
  if (!ev->feasible) PetscFunctionReturn(0);
  PetscCall(W2SemiDiscreteEvaluate(lv->sd, pb->tau, phi, pb->mu, &ev->dual, ev->push, &ev->cost, NULL));
  PetscCall(PetscArraycpy(ev->bary, lv->sd->bary, lv->t.n * lv->t.dim));
  ev->dual -= ev->estar;
  PetscFunctionReturn(0);
}

/* -H + diag(drho) from the facet triplets of the last evaluation, with the shifts described at the top */
static PetscErrorCode Assemble(Newton *nw, Level *lv, Mat *A)
{
  const W2SemiDiscrete *sd   = lv->sd;
  const PetscInt        n    = lv->t.n;
  PetscReal            *diag = lv->rho; /* rho is not needed again this iteration */
  PetscReal             mean = 0;
  PetscInt              npos = 0;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < n; p++) {
    lv->nnz[p] = 1;
    diag[p]    = lv->drho[p];
  }
  for (PetscInt k = 0; k < sd->nh; k++) {
    lv->nnz[sd->hrow[k]]++;
    lv->nnz[sd->hcol[k]]++;
    diag[sd->hrow[k]] += sd->hval[k];
    diag[sd->hcol[k]] += sd->hval[k];
  }
  for (PetscInt p = 0; p < n; p++) {
    lv->nnz[p] = PetscMin(lv->nnz[p], n);
    if (lv->active[p] && diag[p] > 0) {
      mean += diag[p];
      npos++;
    }
  }
  mean = npos ? mean / npos : 1.0;
  PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, n, n, 0, lv->nnz, A));
  for (PetscInt k = 0; k < sd->nh; k++) {
    const PetscInt r = sd->hrow[k], c = sd->hcol[k];
    if (!lv->active[r] || !lv->active[c]) continue; /* a lifted site's cell is empty: no facet (round-off aside) */
    PetscCall(MatSetValue(*A, r, c, -sd->hval[k], ADD_VALUES));
    PetscCall(MatSetValue(*A, c, r, -sd->hval[k], ADD_VALUES));
  }
  for (PetscInt p = 0; p < n; p++) {
    PetscReal v = 1.0;
    if (lv->active[p]) v = (diag[p] > 0 ? diag[p] : mean) + nw->shift * mean;
    PetscCall(MatSetValue(*A, p, p, v, ADD_VALUES));
  }
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* d = (-H)^-1 g to the relative residual eta (preconditioned CG; options -jko_newton_ksp_*, -jko_newton_pc_*) */
static PetscErrorCode Direction(Newton *nw, Level *lv, PetscReal eta)
{
  Mat      A;
  PetscInt its;

  PetscFunctionBeginUser;
  PetscCall(Assemble(nw, lv, &A));
  if (!nw->ksp_ready) { /* options read once, outside the -jko_ options block */
    for (PetscInt l = 0; l < nw->nlev; l++) PetscCall(KSPSetFromOptions(nw->lv[l].ksp));
    nw->ksp_ready = PETSC_TRUE;
  }
  PetscCall(KSPSetOperators(lv->ksp, A, A));
  PetscCall(KSPSetTolerances(lv->ksp, eta, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscCall(VecPlaceArray(lv->vg, lv->g));
  PetscCall(VecPlaceArray(lv->vd, lv->d));
  PetscCall(KSPSolve(lv->ksp, lv->vg, lv->vd));
  PetscCall(VecResetArray(lv->vg));
  PetscCall(VecResetArray(lv->vd));
  PetscCall(KSPGetIterationNumber(lv->ksp, &its));
  nw->linear_its += its;
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

static PetscReal Norm2(PetscInt n, const PetscReal a[])
{
  PetscReal s = 0;
  for (PetscInt p = 0; p < n; p++) s += a[p] * a[p];
  return PetscSqrtReal(s);
}

/* Damped Newton on level lv from the potential in lv->phi, to -jko_rtol on the finest level and to
   -jko_newton_coarse_rtol (gap and marginal) on the coarser ones; *final receives the last evaluation. */
static PetscErrorCode Solve(W2JKO jko, Level *lv, const Problem *pb, PetscBool finest, Eval **final, W2JKOInfo *info)
{
  Newton        *nw = (Newton *)jko->data;
  const W2Torus *t  = &lv->t;
  const PetscInt n  = t->n;
  const PetscReal hmin = PetscMin(t->h[0], t->dim == 2 ? t->h[1] : t->h[0]);
  Eval          *cur = &lv->ev[0], *tri = &lv->ev[1];
  PetscReal      energy_mu = 0, spread = W2DualSpread(t, pb->mu), floor = PETSC_MAX_REAL, mean = 0, gprev = -1, alpha = 0, trust = nw->trust_set ? nw->trust : (pb->nu ? 0.25 : 1.0), radius = trust;
  PetscInt       it;
  PetscBool      stalled = PETSC_FALSE;

  PetscFunctionBeginUser;
  if (!pb->nu) energy_mu = W2JKOEnergy(jko->div, t, pb->q, pb->mu);
  Activate(t, pb, lv->active);
  Lift(t, pb, lv->active, lv->phi);
  PetscCall(W2SemiDiscreteSetHessian(lv->sd, PETSC_TRUE));
  PetscCall(Evaluate(jko, lv, pb, lv->phi, cur));
  PetscCheck(cur->feasible, jko->comm, PETSC_ERR_ARG_OUTOFRANGE, "newton: the initial potential lies outside the domain of f* (-div_type %s)", jko->div ? jko->div->type : "none");
  /* KMT's floor: half the least initial cell mass, or of eps0 times the mean (cells start empty where mu = 0) */
  for (PetscInt p = 0; p < n; p++) {
    mean += cur->push[p];
    if (lv->active[p] && cur->push[p] > 0) floor = PetscMin(floor, cur->push[p]);
  }
  mean /= (PetscReal)n;
  floor = 0.5 * PetscMin(floor, nw->mass_floor * mean);
  for (it = 0;; it++) {
    PetscReal gnorm, eta;
    PetscBool accepted = PETSC_FALSE;
    W2DualMeasure(jko, pb, lv->phi, cur->push, cur->cost, cur->dual, energy_mu, spread, info);
    PetscCall(W2JKOMonitorLine(jko, finest ? "newton" : "newton (coarse)", it, info->dual, info->gap, info->rel_gap, alpha));
    if (finest) info->converged = W2DualConverged(jko, pb, info);
    else info->converged = (PetscBool)(info->rel_gap <= nw->coarse_rtol && info->marginal <= nw->coarse_rtol);
    if (info->converged || it >= jko->max_it || stalled) break;
    W2DualDensity(jko, pb, lv->phi, lv->rho, lv->drho);
    for (PetscInt p = 0; p < n; p++) lv->g[p] = lv->active[p] ? cur->push[p] - lv->rho[p] : 0.0;
    gnorm = Norm2(n, lv->g);
    /* Eisenstat-Walker (their choice 2, gamma 0.9): a loose solve far from the optimum, tight near it */
    eta   = gprev > 0 ? PetscMin(nw->eta_max, PetscMax(nw->eta_min, 0.9 * PetscSqr(gnorm / gprev))) : nw->eta_max;
    gprev = gnorm;
    PetscCall(Direction(nw, lv, eta));
    /* f* is finite only below conj_sup (jsd: log 2): each potential goes at most 9/10 of the way to it,
       so one cell near the bound does not shorten the whole step */
    if (!pb->nu && jko->div->conj_sup < PETSC_INFINITY)
      for (PetscInt p = 0; p < n; p++) lv->d[p] = PetscMin(lv->d[p], 0.9 * (jko->div->conj_sup - lv->phi[p]));
    /* trust region in the max norm: no potential moves by more than radius h^2/tau, about the change that
       moves a facet by radius cells; the radius doubles after a full step, shrinks with the damping */
    if (trust > 0) {
      const PetscReal cap = radius * hmin * hmin / pb->tau;
      for (PetscInt p = 0; p < n; p++) lv->d[p] = PetscMax(-cap, PetscMin(cap, lv->d[p]));
    }
    alpha = 1.0;
    for (PetscInt k = 0; k <= nw->max_halvings; k++, alpha *= 0.5) {
      PetscBool keep = PETSC_TRUE;
      for (PetscInt p = 0; p < n; p++) lv->trial[p] = lv->phi[p] + alpha * lv->d[p];
      Lift(t, pb, lv->active, lv->trial);
      PetscCall(Evaluate(jko, lv, pb, lv->trial, tri));
      if (!tri->feasible) continue;
      if (nw->mass_floor > 0)
        for (PetscInt p = 0; p < n && keep; p++) keep = (PetscBool)(!lv->active[p] || tri->push[p] >= PetscMin(floor, cur->push[p]));
      /* an ascent, or no change beyond the round-off of the sums (then the gap still tells progress) */
      if (keep && tri->dual >= cur->dual - 1e-14 * (PetscAbsReal(cur->dual) + PetscAbsReal(cur->estar))) {
        accepted = PETSC_TRUE;
        break;
      }
    }
    if (!accepted) {
      stalled = PETSC_TRUE;
      continue;
    }
    radius = alpha == 1.0 ? 2.0 * radius : PetscMax(alpha * radius, 1e-3 * trust);
    {
      Eval      *s = cur;
      PetscReal *f = lv->phi;
      cur          = tri;
      tri          = s;
      lv->phi      = lv->trial;
      lv->trial    = f;
    }
  }
  PetscCall(W2SemiDiscreteSetHessian(lv->sd, PETSC_FALSE));
  info->iterations = it;
  info->stalled    = stalled;
  *final           = cur;
  PetscFunctionReturn(0);
}

/* fine = coarse data on twice the cells per axis: densities averaged over the 2^dim children (mass kept) */
static void Restrict(const W2Torus *f, const W2Torus *c, const PetscReal in[], PetscReal out[])
{
  const PetscReal w = f->dim == 2 ? 0.25 : 0.5;
  for (PetscInt p = 0; p < c->n; p++) out[p] = 0;
  for (PetscInt j = 0; j < f->N[1]; j++)
    for (PetscInt i = 0; i < f->N[0]; i++) out[(j / (f->dim == 2 ? 2 : 1)) * c->N[0] + i / 2] += w * in[j * f->N[0] + i];
}

/* potentials from level c to the finer f: periodic linear interpolation between the cell centres (the fine
   centre 2I + 1/2 -/+ 1/2 lies a quarter of a coarse cell from centre I), per axis */
static void Prolong(const W2Torus *c, const W2Torus *f, const PetscReal in[], PetscReal out[])
{
  const PetscInt Nc0 = c->N[0], Nc1 = c->N[1];
  for (PetscInt j = 0; j < f->N[1]; j++)
    for (PetscInt i = 0; i < f->N[0]; i++) {
      const PetscInt ci = i / 2, ci2 = (i % 2 ? ci + 1 : ci + Nc0 - 1) % Nc0;
      PetscReal      v;
      if (f->dim == 1) v = 0.75 * in[ci] + 0.25 * in[ci2];
      else {
        const PetscInt cj = j / 2, cj2 = (j % 2 ? cj + 1 : cj + Nc1 - 1) % Nc1;
        v = 0.5625 * in[cj * Nc0 + ci] + 0.1875 * (in[cj * Nc0 + ci2] + in[cj2 * Nc0 + ci]) + 0.0625 * in[cj2 * Nc0 + ci2];
      }
      out[j * f->N[0] + i] = v;
    }
}

/* the coarse levels first (each from the prolonged potential of the one below), then the finest */
static PetscErrorCode Multiscale(W2JKO jko, Problem *fine, Eval **final, W2JKOInfo *info)
{
  Newton  *nw    = (Newton *)jko->data;
  PetscInt total = 0;

  PetscFunctionBeginUser;
  nw->linear_its = 0;
  for (PetscInt l = 1; l < nw->nlev; l++) {
    Level *f = &nw->lv[l - 1], *c = &nw->lv[l];
    Restrict(&f->t, &c->t, l == 1 ? fine->mu : f->mu, c->mu);
    if (fine->nu) Restrict(&f->t, &c->t, l == 1 ? fine->nu : f->nu, c->nu);
    else Restrict(&f->t, &c->t, l == 1 ? fine->q : f->q, c->q);
    Restrict(&f->t, &c->t, f->phi, c->phi); /* the start of a JKO step is local: f'(mu/q) averaged */
  }
  for (PetscInt l = nw->nlev - 1; l >= 0; l--) {
    Level  *lv = &nw->lv[l];
    Problem pb = *fine;
    if (l > 0) {
      pb.mu = lv->mu;
      pb.nu = fine->nu ? lv->nu : NULL;
      pb.q  = lv->q;
      pb.t  = &lv->t;
    }
    PetscCall(Solve(jko, lv, &pb, (PetscBool)(l == 0), final, info));
    total += info->iterations;
    PetscCall(PetscInfo(NULL, "newton: level %" PetscInt_FMT " (%" PetscInt_FMT " cells): %" PetscInt_FMT " iterations, relative gap %.2e\n", l, lv->t.n, info->iterations, (double)info->rel_gap));
    if (l > 0) {
      Level *f = &nw->lv[l - 1];
      /* a lifted (nu = 0) potential is not a value to interpolate: the largest active one instead */
      PetscReal mx = PETSC_MIN_REAL;
      for (PetscInt p = 0; p < lv->t.n; p++)
        if (lv->active[p]) mx = PetscMax(mx, lv->phi[p]);
      for (PetscInt p = 0; p < lv->t.n; p++)
        if (!lv->active[p]) lv->phi[p] = mx;
      Prolong(&lv->t, &f->t, lv->phi, f->phi);
    }
  }
  PetscCall(PetscInfo(NULL, "newton: %" PetscInt_FMT " iterations over %" PetscInt_FMT " levels (%" PetscInt_FMT " on the finest), %" PetscInt_FMT " CG iterations\n", total, nw->nlev, info->iterations, nw->linear_its));
  PetscFunctionReturn(0);
}

static PetscErrorCode StepNewton(W2JKO jko, const PetscReal mu[], PetscReal rho[], PetscReal disp[], W2JKOInfo *info)
{
  Newton        *nw = (Newton *)jko->data;
  const W2Torus *t  = &jko->torus;
  Problem        pb = {mu, NULL, jko->tau, &jko->torus, jko->q};
  Eval          *ev;

  PetscFunctionBeginUser;
  W2DualJKOStart(jko, mu, nw->lv[0].phi);
  PetscCall(Multiscale(jko, &pb, &ev, info));
  PetscCall(PetscArraycpy(rho, ev->push, t->n));
  PetscCall(PetscArraycpy(disp, ev->bary, t->n * t->dim));
  PetscFunctionReturn(0);
}

static PetscErrorCode DistanceNewton(W2JKO jko, const PetscReal mu[], const PetscReal nu[], W2JKOInfo *info)
{
  Newton *nw = (Newton *)jko->data;
  Problem pb = {mu, nu, 1.0, &jko->torus, jko->q};
  Eval   *ev;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(nw->lv[0].phi, jko->torus.n));
  PetscCall(Multiscale(jko, &pb, &ev, info));
  info->mass    = 1.0;
  info->min_rho = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode LevelDestroy(Level *lv)
{
  PetscFunctionBeginUser;
  PetscCall(W2SemiDiscreteDestroy(&lv->sd));
  for (PetscInt k = 0; k < 2; k++) PetscCall(PetscFree2(lv->ev[k].push, lv->ev[k].bary));
  PetscCall(PetscFree(lv->phi)); /* swapped with trial while iterating: freed one by one */
  PetscCall(PetscFree(lv->trial));
  PetscCall(PetscFree4(lv->rho, lv->drho, lv->g, lv->d));
  PetscCall(PetscFree3(lv->mu, lv->nu, lv->q));
  PetscCall(PetscFree2(lv->active, lv->nnz));
  PetscCall(KSPDestroy(&lv->ksp));
  PetscCall(VecDestroy(&lv->vg));
  PetscCall(VecDestroy(&lv->vd));
  PetscFunctionReturn(0);
}

static PetscErrorCode LevelCreate(MPI_Comm comm, const W2Torus *t, Level *lv)
{
  const PetscInt n = t->n;
  PC             pc;

  PetscFunctionBeginUser;
  lv->t = *t;
  PetscCall(W2SemiDiscreteCreate(t, &lv->sd));
  PetscCall(W2SemiDiscreteSetComm(lv->sd, comm)); /* the clipping split over the ranks by rows */
  for (PetscInt k = 0; k < 2; k++) PetscCall(PetscMalloc2(n, &lv->ev[k].push, n * t->dim, &lv->ev[k].bary));
  PetscCall(PetscMalloc1(n, &lv->phi));
  PetscCall(PetscMalloc1(n, &lv->trial));
  PetscCall(PetscMalloc4(n, &lv->rho, n, &lv->drho, n, &lv->g, n, &lv->d));
  PetscCall(PetscMalloc3(n, &lv->mu, n, &lv->nu, n, &lv->q));
  PetscCall(PetscMalloc2(n, &lv->active, n, &lv->nnz));
  /* every rank holds the whole field and solves the same system (jko.h): a serial solver on each */
  PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, NULL, &lv->vg));
  PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, NULL, &lv->vd));
  PetscCall(KSPCreate(PETSC_COMM_SELF, &lv->ksp));
  PetscCall(KSPSetOptionsPrefix(lv->ksp, "jko_newton_"));
  PetscCall(KSPSetType(lv->ksp, KSPCG));
  PetscCall(KSPSetNormType(lv->ksp, KSP_NORM_UNPRECONDITIONED)); /* eta bounds the true residual |g + H d| / |g| */
  PetscCall(KSPGetPC(lv->ksp, &pc));
  PetscCall(PCSetType(pc, PCICC));
  PetscCall(PCFactorSetShiftType(pc, MAT_SHIFT_POSITIVE_DEFINITE));
  PetscFunctionReturn(0);
}

/* the levels: the finest grid, then halved per axis while every axis stays even and keeps >= min_cells cells */
static PetscErrorCode BuildLevels(W2JKO jko)
{
  Newton *nw = (Newton *)jko->data;
  W2Torus t  = jko->torus;

  PetscFunctionBeginUser;
  for (PetscInt l = 0; l < nw->nlev; l++) PetscCall(LevelDestroy(&nw->lv[l]));
  PetscCall(PetscFree(nw->lv));
  PetscCall(PetscCalloc1(nw->max_levels, &nw->lv));
  nw->nlev = 0;
  for (;;) {
    PetscCall(LevelCreate(jko->comm, &t, &nw->lv[nw->nlev++]));
    if (nw->nlev >= nw->max_levels || t.N[0] % 2 || t.N[0] / 2 < nw->min_cells || (t.dim == 2 && (t.N[1] % 2 || t.N[1] / 2 < nw->min_cells))) break;
    for (PetscInt a = 0; a < t.dim; a++) {
      t.N[a] /= 2;
      t.h[a] *= 2;
    }
    t.n  = t.N[0] * t.N[1];
    t.dV = t.h[0] * (t.dim == 2 ? t.h[1] : 1.0);
  }
  nw->ksp_ready = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptionsNewton(PetscOptionItems *PetscOptionsObject, W2JKO jko)
{
  Newton  *nw = (Newton *)jko->data;
  PetscInt levels = nw->max_levels, cells = nw->min_cells;

  PetscFunctionBeginUser;
  PetscOptionsHeadBegin(PetscOptionsObject, "Damped Newton (-jko_type newton; linear solver: -jko_newton_ksp_*, -jko_newton_pc_*)");
  PetscCall(PetscOptionsInt("-newton_levels", "Grids of the multiscale solve, the finest included (each coarser one has half the cells per axis)", NULL, levels, &levels, NULL));
  PetscCall(PetscOptionsInt("-newton_min_cells", "Fewest cells per axis of a coarse grid", NULL, cells, &cells, NULL));
  PetscCall(PetscOptionsReal("-newton_coarse_rtol", "Relative gap (and W2 marginal) the coarse grids are solved to", NULL, nw->coarse_rtol, &nw->coarse_rtol, NULL));
  PetscCall(PetscOptionsReal("-newton_trust", "Largest change of a potential in the first step, in units of h^2/tau (0: no trust region; default 1 for JKO steps, 0.25 for W2)", NULL, nw->trust, &nw->trust, &nw->trust_set));
  PetscCall(PetscOptionsReal("-newton_eta_max", "Largest relative residual of the linear solve (Eisenstat-Walker forcing)", NULL, nw->eta_max, &nw->eta_max, NULL));
  PetscCall(PetscOptionsReal("-newton_eta_min", "Smallest relative residual of the linear solve", NULL, nw->eta_min, &nw->eta_min, NULL));
  PetscCall(PetscOptionsReal("-newton_mass_floor", "eps0 of KMT's damping rule, relative to the mean cell mass (0: off): no cell falls below half of it or of its initial mass", NULL, nw->mass_floor, &nw->mass_floor, NULL));
  PetscCall(PetscOptionsReal("-newton_shift", "Diagonal shift of the Newton matrix, relative to its mean diagonal (lifts the constant mode)", NULL, nw->shift, &nw->shift, NULL));
  PetscCall(PetscOptionsInt("-newton_max_halvings", "Step halvings allowed before the iteration counts as stalled", NULL, nw->max_halvings, &nw->max_halvings, NULL));
  PetscOptionsHeadEnd();
  PetscCheck(levels >= 1 && levels <= 20, jko->comm, PETSC_ERR_USER_INPUT, "-jko_newton_levels must be in [1, 20], got %" PetscInt_FMT, levels);
  PetscCheck(cells >= 2, jko->comm, PETSC_ERR_USER_INPUT, "-jko_newton_min_cells must be >= 2, got %" PetscInt_FMT, cells);
  PetscCheck(nw->coarse_rtol > 0 && nw->coarse_rtol < 1, jko->comm, PETSC_ERR_USER_INPUT, "-jko_newton_coarse_rtol must be in (0, 1), got %g", (double)nw->coarse_rtol);
  PetscCheck(!nw->trust_set || (nw->trust >= 0 && !PetscIsInfOrNanReal(nw->trust)), jko->comm, PETSC_ERR_USER_INPUT, "-jko_newton_trust must be >= 0 and finite, got %g", (double)nw->trust);
  PetscCheck(nw->eta_max > 0 && nw->eta_max < 1, jko->comm, PETSC_ERR_USER_INPUT, "-jko_newton_eta_max must be in (0, 1), got %g", (double)nw->eta_max);
  PetscCheck(nw->eta_min > 0 && nw->eta_min <= nw->eta_max, jko->comm, PETSC_ERR_USER_INPUT, "-jko_newton_eta_min must be in (0, -jko_newton_eta_max = %g], got %g", (double)nw->eta_max, (double)nw->eta_min);
  PetscCheck(nw->mass_floor >= 0 && nw->mass_floor <= 1, jko->comm, PETSC_ERR_USER_INPUT, "-jko_newton_mass_floor must be in [0, 1], got %g", (double)nw->mass_floor);
  PetscCheck(nw->shift >= 0 && nw->shift < 1, jko->comm, PETSC_ERR_USER_INPUT, "-jko_newton_shift must be in [0, 1), got %g", (double)nw->shift);
  PetscCheck(nw->max_halvings >= 1, jko->comm, PETSC_ERR_USER_INPUT, "-jko_newton_max_halvings must be >= 1, got %" PetscInt_FMT, nw->max_halvings);
  if (levels != nw->max_levels || cells != nw->min_cells) {
    nw->max_levels = levels;
    nw->min_cells  = cells;
    PetscCall(BuildLevels(jko));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode DestroyNewton(W2JKO jko)
{
  Newton *nw = (Newton *)jko->data;

  PetscFunctionBeginUser;
  for (PetscInt l = 0; l < nw->nlev; l++) PetscCall(LevelDestroy(&nw->lv[l]));
  PetscCall(PetscFree(nw->lv));
  PetscCall(PetscFree(jko->data));
  PetscFunctionReturn(0);
}

PetscErrorCode W2JKOCreate_Newton(W2JKO jko)
{
  Newton *nw;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&nw));
  nw->max_levels   = 8;
  nw->min_cells    = 8;
  nw->coarse_rtol  = 1e-3;
  nw->trust        = 1.0; /* shown by -help; unless -jko_newton_trust is given: 1 for JKO steps, 0.25 for W2 (measured, see the top) */
  nw->eta_max      = 0.1;
  nw->eta_min      = 1e-10;
  nw->mass_floor   = 0;
  nw->shift        = 1e-10;
  nw->max_halvings = 40;
  jko->data        = nw;
  jko->zero_source_ok = PETSC_TRUE; /* the semi-discrete source may have empty cells */
  PetscCall(BuildLevels(jko));
  jko->setfromoptions = SetFromOptionsNewton;
  jko->step           = StepNewton;
  jko->distance       = DistanceNewton;
  jko->destroy        = DestroyNewton;
  PetscFunctionReturn(0);
}
