/// @file `w2flow natgrad`: Euclidean, Otto, Gauss-Newton and inertial natural-gradient descent of F_f(P_theta||Q); convergence table.
#include "geometry/commands.h"
#include "geometry/natgrad.h"
#include "geometry/h5table.h"
#include "io/options.h"
#include "io/output.h"
#include "w2version.h"

PetscErrorCode W2CommandNatgrad(MPI_Comm comm, const char *file)
{
  W2Grid       *g = NULL;
  W2Family      fam = NULL, target = NULL;
  W2Divergence *div = NULL;
  W2Natgrad    *ng  = NULL;
  Vec           q   = NULL;
  PetscReal     th0[W2_FAMILY_MAX_PARAMS], qth[W2_FAMILY_MAX_PARAMS], eta = 0.02, eta_euclid = 0.04, beta = 0.5, damping = 0, tol = 1e-10, mass, table[4 * 4] = {0}, *Jh = NULL;
  PetscInt      max_it = 2000, n;
  char          output[PETSC_MAX_PATH_LEN] = "w2natgrad_out", h5[PETSC_MAX_PATH_LEN], buf[512], solver[16] = "cholesky";
  PetscBool     overwrite = PETSC_FALSE, help;
  PetscViewer   v;

  PetscFunctionBeginUser;
  (void)file; /* the parameter file was inserted by main */
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  PetscOptionsBegin(comm, NULL, "w2flow natgrad: natural-gradient descent of F_f(P_theta||Q) in parameter space", NULL);
  PetscCall(PetscOptionsString("-output", "Result base name: writes <output>.h5", NULL, output, output, sizeof(output), NULL));
  PetscCall(PetscOptionsBool("-overwrite", "Replace an existing result", NULL, overwrite, &overwrite, NULL));
  PetscCall(PetscOptionsReal("-natgrad_eta", "Step of the natural-gradient methods", NULL, eta, &eta, NULL));
  PetscCall(PetscOptionsReal("-natgrad_eta_euclid", "Step of Euclidean gradient descent", NULL, eta_euclid, &eta_euclid, NULL));
  PetscCall(PetscOptionsReal("-natgrad_beta", "Momentum of the inertial method (Prop. 8.2)", NULL, beta, &beta, NULL));
  PetscCall(PetscOptionsReal("-natgrad_damping", "lambda in (g + lambda I)^-1 grad J", NULL, damping, &damping, NULL));
  PetscCall(PetscOptionsReal("-natgrad_tol", "Stop when J < tol", NULL, tol, &tol, NULL));
  PetscCall(PetscOptionsInt("-natgrad_max_it", "Maximum number of steps per method", NULL, max_it, &max_it, NULL));
  PetscCall(PetscOptionsString("-natgrad_solver", "Dense solve of the direction: cholesky or cg", NULL, solver, solver, sizeof(solver), NULL));
  PetscOptionsEnd();
  PetscCheck(eta > 0 && eta_euclid > 0, comm, PETSC_ERR_USER_INPUT, "-natgrad_eta and -natgrad_eta_euclid must be positive, got %g, %g", (double)eta, (double)eta_euclid);
  PetscCheck(beta >= 0 && beta < 1, comm, PETSC_ERR_USER_INPUT, "-natgrad_beta must lie in [0, 1), got %g", (double)beta);
  PetscCheck(damping >= 0, comm, PETSC_ERR_USER_INPUT, "-natgrad_damping must be >= 0, got %g", (double)damping);
  PetscCheck(max_it >= 1, comm, PETSC_ERR_USER_INPUT, "-natgrad_max_it must be >= 1, got %" PetscInt_FMT, max_it);
  PetscCheck(!strcmp(solver, "cholesky") || !strcmp(solver, "cg"), comm, PETSC_ERR_USER_INPUT, "-natgrad_solver must be cholesky or cg, got %s", solver);
  if (!help) PetscCall(W2OutputCheckTarget(comm, output, overwrite)); /* before anything is allocated: this error leaks nothing */
  PetscCall(W2GridCreate(comm, 1, &g));
  PetscCall(W2FamilyCreate(g, "family_", "gaussian", &fam));
  PetscCall(W2FamilyGetTheta(fam, "family_", th0));
  PetscCall(W2FamilyCreate(g, "target_", "gaussian", &target));
  PetscCall(W2FamilyGetTheta(target, "target_", qth));
  PetscCall(W2DivergenceCreate(comm, &div));
  n = fam->n;
  if (help) goto cleanup;
  PetscCall(W2OptionsCheckUnused(comm, PETSC_TRUE));

  PetscCall(DMCreateGlobalVector(g->da, &q));
  PetscCall(W2FamilyEvaluate(target, g, qth, q, NULL));
  PetscCall(W2GridNormalize(g, q, &mass)); /* layout-independent sum: q enters every J */
  PetscCall(W2NatgradCreate(g, fam, div, q, &ng));
  ng->beta    = beta;
  ng->damping = damping;
  ng->tol     = tol;
  ng->max_it  = max_it;
  ng->solver  = strcmp(solver, "cg") ? W2_NATGRAD_CHOLESKY : W2_NATGRAD_CG;
  PetscCall(PetscMalloc1(max_it + 1, &Jh));
  PetscCall(PetscSNPrintf(h5, sizeof(h5), "%s.h5", output));
  PetscCall(PetscViewerHDF5Open(comm, h5, FILE_MODE_WRITE, &v));
  PetscCall(PetscPrintf(comm, "w2flow natgrad: family %s (n = %" PetscInt_FMT ") toward target %s, f = %s; grid %" PetscInt_FMT " x %" PetscInt_FMT "; %s solves\n", fam->type, n, target->type, div->type, g->N[0], g->N[1], solver));
  PetscCall(PetscPrintf(comm, "  method          eta   steps to J < %.0e   J final     linear rate of J (last 5)\n", (double)tol));
  for (PetscInt m = 0; m < 4; m++) {
    PetscReal th[W2_FAMILY_MAX_PARAMS], rate = NAN;
    PetscInt  its;
    if (m == W2_NATGRAD_GAUSS_NEWTON && !fam->generator) continue;
    PetscCall(PetscArraycpy(th, th0, n));
    ng->eta = m == W2_NATGRAD_EUCLID ? eta_euclid : eta;
    PetscCall(W2NatgradRun(ng, (W2NatgradMethod)m, th, &its, Jh, NULL));
    if (its > 5) rate = PetscPowReal(Jh[its] / Jh[its - 5], 0.2);
    table[4 * m]     = ng->eta;
    table[4 * m + 1] = Jh[its] < tol ? (PetscReal)its : NAN; /* NaN: not reached within max_it */
    table[4 * m + 2] = Jh[its];
    table[4 * m + 3] = rate;
    PetscCall(PetscPrintf(comm, "  %-12s %6.3f   %8" PetscInt_FMT "%s   %11.4e   %.4f\n", W2NatgradMethods[m], (double)ng->eta, its, Jh[its] < tol ? " " : "+", (double)Jh[its], (double)rate));
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "J_%s", W2NatgradMethods[m]));
    PetscCall(W2H5WriteTable(v, buf, its + 1, 1, Jh));
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "theta_%s", W2NatgradMethods[m]));
    PetscCall(W2H5WriteTable(v, buf, n, 1, th));
  }
  PetscCall(W2H5WriteTable(v, "convergence", 4, 4, table));
  PetscCall(W2H5WriteTable(v, "theta0", n, 1, th0));
  PetscCall(W2H5WriteTable(v, "target_theta", target->n, 1, qth));
  PetscCall(W2H5WriteString(v, "command", "natgrad"));
  PetscCall(W2H5WriteString(v, "w2flow_version", W2FLOW_VERSION));
  PetscCall(W2H5WriteString(v, "family", fam->type));
  PetscCall(W2H5WriteString(v, "target", target->type));
  PetscCall(W2H5WriteString(v, "divergence", div->type));
  PetscCall(W2GridView(g, buf, sizeof(buf)));
  PetscCall(W2H5WriteString(v, "grid", buf));
  PetscCall(W2H5WriteString(v, "columns:convergence", "rows euclid, otto, gauss_newton, inertial: eta, steps to tol (NaN: not reached), J final, rate"));
  PetscCall(PetscViewerDestroy(&v));
  PetscCall(PetscPrintf(comm, "wrote %s\n", h5));
  PetscCall(W2OptionsCheckUnused(comm, PETSC_FALSE));

cleanup:
  PetscCall(PetscFree(Jh));
  PetscCall(W2NatgradDestroy(&ng));
  PetscCall(VecDestroy(&q));
  PetscCall(W2DivergenceDestroy(&div));
  PetscCall(W2FamilyDestroy(&fam));
  PetscCall(W2FamilyDestroy(&target));
  PetscCall(W2GridDestroy(&g));
  PetscFunctionReturn(0);
}
