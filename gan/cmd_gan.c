/// @file `w2flow gan`: train an MLP generator toward a 1-D Gaussian against an MLP discriminator (THEORY.md 8); HDF5 history.
#include "gan/gan.h"
#include "gan/loss.h"
#include "gan/mlp.h"
#include "gan/optim.h"
#include "geometry/h5table.h"
#include "io/options.h"
#include "io/output.h"
#include "w2version.h"

enum { H_IT, H_LOSS_D, H_LOSS_G, H_GNORM_D, H_GNORM_G, H_W2, H_COLS };

static PetscReal Norm2(PetscInt n, const PetscReal a[])
{
  PetscReal s = 0;
  for (PetscInt i = 0; i < n; i++) s += a[i] * a[i];
  return PetscSqrtReal(s);
}

/* W2 of m generated samples (fixed latent draws zeval) to the target */
static PetscErrorCode Evaluate(W2MLP *gen, PetscInt m, const PetscReal zeval[], PetscReal xeval[], PetscReal mu, PetscReal sd, PetscReal *w2)
{
  PetscFunctionBeginUser;
  PetscCall(W2MLPForward(gen, m, zeval, xeval));
  PetscCall(W2GanW2ToGaussian(m, xeval, mu, sd, w2));
  PetscFunctionReturn(0);
}

PetscErrorCode W2CommandGan(MPI_Comm comm, const char *file)
{
  W2MLP        *gen = NULL, *disc = NULL;
  W2Optimizer  *gopt = NULL, *dopt = NULL;
  W2Divergence *div = NULL;
  W2GanLoss     loss = {W2_GAN_NONSATURATING, NULL};
  W2Rng         rng, erng;
  PetscInt      latent = 16, hidden = 32, depth = 1, batch = 64, iters = 2000, dsteps = 1, seed = 0, eval_every = 10, neval = 2000, nbins = 100;
  PetscReal     mu = 2.0, sd = 0.5, *z = NULL, *xr = NULL, *xf = NULL, *xall = NULL, *vall = NULL, *dall = NULL, *gd = NULL, *gg = NULL, *dx = NULL, *J = NULL, *hist = NULL, *zeval = NULL, *xeval = NULL, *dens = NULL, w2_0 = NAN;
  char          output[PETSC_MAX_PATH_LEN] = "w2gan_out", h5[PETSC_MAX_PATH_LEN], buf[512];
  PetscBool     overwrite = PETSC_FALSE, help;
  PetscViewer   v;

  PetscFunctionBeginUser;
  (void)file; /* the parameter file was inserted by main */
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  PetscOptionsBegin(comm, NULL, "w2flow gan: MLP generator vs MLP discriminator toward a 1-D Gaussian", NULL);
  PetscCall(PetscOptionsString("-output", "Result base name: writes <output>.h5", NULL, output, output, sizeof(output), NULL));
  PetscCall(PetscOptionsBool("-overwrite", "Replace an existing result", NULL, overwrite, &overwrite, NULL));
  PetscCall(PetscOptionsEnum("-gan_loss", "GAN loss", NULL, W2GanLossTypes, (PetscEnum)loss.type, (PetscEnum *)&loss.type, NULL));
  PetscCall(PetscOptionsInt("-gan_latent", "Latent dimension of the generator", NULL, latent, &latent, NULL));
  PetscCall(PetscOptionsInt("-gan_hidden", "Default width of both networks (-gen_width, -disc_width)", NULL, hidden, &hidden, NULL));
  PetscCall(PetscOptionsInt("-gan_depth", "Default hidden layers of both networks (-gen_depth, -disc_depth)", NULL, depth, &depth, NULL));
  PetscCall(PetscOptionsReal("-gan_target_mean", "Mean of the Gaussian target", NULL, mu, &mu, NULL));
  PetscCall(PetscOptionsReal("-gan_target_std", "Standard deviation of the Gaussian target", NULL, sd, &sd, NULL));
  PetscCall(PetscOptionsInt("-gan_batch", "Samples per step (data and generated)", NULL, batch, &batch, NULL));
  PetscCall(PetscOptionsInt("-gan_iterations", "Generator steps", NULL, iters, &iters, NULL));
  PetscCall(PetscOptionsInt("-gan_disc_steps", "Discriminator steps per generator step", NULL, dsteps, &dsteps, NULL));
  PetscCall(PetscOptionsInt("-gan_seed", "Seed of the data and latent samples", NULL, seed, &seed, NULL));
  PetscCall(PetscOptionsInt("-gan_eval_every", "Steps between W2 evaluations", NULL, eval_every, &eval_every, NULL));
  PetscCall(PetscOptionsInt("-gan_eval_samples", "Generated samples per W2 evaluation", NULL, neval, &neval, NULL));
  PetscCall(PetscOptionsInt("-gan_bins", "Bins of the final density histogram", NULL, nbins, &nbins, NULL));
  PetscOptionsEnd();
  PetscCheck(latent >= 1 && hidden >= 1 && depth >= 0, comm, PETSC_ERR_USER_INPUT, "-gan_latent and -gan_hidden must be >= 1 and -gan_depth >= 0, got %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT, latent, hidden, depth);
  PetscCheck(sd > 0, comm, PETSC_ERR_USER_INPUT, "-gan_target_std must be positive, got %g", (double)sd);
  PetscCheck(batch >= 1 && iters >= 1 && dsteps >= 1, comm, PETSC_ERR_USER_INPUT, "-gan_batch, -gan_iterations and -gan_disc_steps must be >= 1, got %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT, batch, iters, dsteps);
  PetscCheck(eval_every >= 1 && neval >= 2 && nbins >= 1, comm, PETSC_ERR_USER_INPUT, "-gan_eval_every >= 1, -gan_eval_samples >= 2, -gan_bins >= 1 required, got %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT, eval_every, neval, nbins);
  if (loss.type == W2_GAN_FGAN) {
    PetscCall(W2DivergenceCreate(comm, &div));
    loss.div = div;
  }
  PetscCall(W2MLPCreate(comm, "gen_", latent, 1, depth, hidden, &gen));
  PetscCall(W2MLPCreate(comm, "disc_", 1, 1, depth, hidden, &disc));
  PetscCall(W2OptimizerCreate(comm, "gen_", "adam", gen->nparams, &gopt));
  PetscCall(W2OptimizerCreate(comm, "disc_", "adam", disc->nparams, &dopt));
  PetscCheck(!dopt->needs_jacobian, comm, PETSC_ERR_USER_INPUT, "-disc_optim_type %s: the Gauss-Newton metric is the generator's; use sgd or adam for the discriminator", dopt->type);
  if (help) goto cleanup;
  if (!overwrite) PetscCall(W2OutputCheckTarget(comm, output, PETSC_FALSE));
  PetscCall(W2OptionsCheckUnused(comm, PETSC_TRUE));

  PetscCall(PetscMalloc5(latent * batch, &z, batch, &xr, batch, &xf, 2 * batch, &xall, 2 * batch, &vall));
  PetscCall(PetscMalloc4(2 * batch, &dall, disc->nparams, &gd, gen->nparams, &gg, batch, &dx));
  PetscCall(PetscMalloc4(H_COLS * iters, &hist, latent * neval, &zeval, neval, &xeval, 3 * nbins, &dens));
  if (gopt->needs_jacobian) PetscCall(PetscMalloc1(batch * gen->nparams, &J));
  W2RngSeed(&rng, (uint64_t)seed);
  W2RngSeed(&erng, (uint64_t)seed + 0x5eedULL); /* evaluation latents: one fixed set, common to all evaluations */
  for (PetscInt k = 0; k < latent * neval; k++) zeval[k] = W2RngNormal(&erng);
  PetscCall(Evaluate(gen, neval, zeval, xeval, mu, sd, &w2_0));
  PetscCall(PetscPrintf(comm, "w2flow gan: target N(%.4f, %.4f^2); generator %" PetscInt_FMT " -> %" PetscInt_FMT " x %" PetscInt_FMT " %s -> 1 (%" PetscInt_FMT " parameters, %s), discriminator (%" PetscInt_FMT " parameters, %s); loss %s%s%s; batch %" PetscInt_FMT "\n", (double)mu, (double)sd, latent, gen->nlayers - 1, gen->nlayers > 1 ? gen->widths[1] : 0,
                        W2Activations[gen->act], gen->nparams, gopt->type, disc->nparams, dopt->type, W2GanLossTypes[loss.type], div ? " " : "", div ? div->type : "", batch));
  PetscCall(PetscPrintf(comm, "  iteration    loss_d       loss_g      |grad_d|    |grad_g|    W2 to target (initial %.4e)\n", (double)w2_0));
  for (PetscInt it = 0; it < iters; it++) {
    PetscReal *h = hist + H_COLS * it, ld = NAN, lg = NAN;
    for (PetscInt s = 0; s < dsteps; s++) {
      for (PetscInt k = 0; k < batch; k++) xall[k] = mu + sd * W2RngNormal(&rng);
      for (PetscInt k = 0; k < latent * batch; k++) z[k] = W2RngNormal(&rng);
      PetscCall(W2MLPForward(gen, batch, z, xall + batch));
      PetscCall(W2MLPForward(disc, 2 * batch, xall, vall));
      PetscCall(W2GanLossEval(&loss, batch, vall, batch, vall + batch, &ld, NULL, dall, dall + batch, NULL));
      PetscCall(PetscArrayzero(gd, disc->nparams));
      PetscCall(W2MLPBackward(disc, dall, gd, NULL));
      PetscCall(W2OptimizerStep(dopt, disc->params, gd, 0, 0, NULL));
    }
    /* generator: loss_g through D and G; the data term (f-GAN) is evaluated on the last data batch */
    for (PetscInt k = 0; k < batch; k++) xr[k] = xall[k];
    for (PetscInt k = 0; k < latent * batch; k++) z[k] = W2RngNormal(&rng);
    PetscCall(W2MLPForward(disc, batch, xr, vall));
    PetscCall(W2MLPForward(gen, batch, z, xf));
    PetscCall(W2MLPForward(disc, batch, xf, vall + batch));
    PetscCall(W2GanLossEval(&loss, batch, vall, batch, vall + batch, NULL, &lg, NULL, NULL, dall));
    PetscCall(W2MLPBackward(disc, dall, NULL, dx));
    PetscCall(PetscArrayzero(gg, gen->nparams));
    PetscCall(W2MLPBackward(gen, dx, gg, NULL));
    PetscCheck(PetscIsNormalReal(lg) || lg == 0, comm, PETSC_ERR_NOT_CONVERGED, "GAN training diverged at iteration %" PetscInt_FMT " (generator loss %g): lower -gen_optim_lr or -disc_optim_lr", it, (double)lg);
    if (J) PetscCall(W2MLPJacobian(gen, batch, z, J));
    PetscCall(W2OptimizerStep(gopt, gen->params, gg, batch, batch, J));
    h[H_IT] = it + 1;
    h[H_LOSS_D] = ld;
    h[H_LOSS_G] = lg;
    h[H_GNORM_D] = Norm2(disc->nparams, gd);
    h[H_GNORM_G] = Norm2(gen->nparams, gg);
    h[H_W2] = NAN;
    if ((it + 1) % eval_every == 0 || it + 1 == iters) PetscCall(Evaluate(gen, neval, zeval, xeval, mu, sd, &h[H_W2]));
    if ((it + 1) % PetscMax(1, iters / 10) == 0 || it + 1 == iters) PetscCall(PetscPrintf(comm, "  %9" PetscInt_FMT "  %11.4e  %11.4e  %10.3e  %10.3e  %.4e\n", it + 1, (double)ld, (double)lg, (double)h[H_GNORM_D], (double)h[H_GNORM_G], (double)h[H_W2]));
  }
  {
    /* final density: histogram of the evaluation samples on [mu - 5 sd, mu + 5 sd] against the target density */
    const PetscReal lo = mu - 5 * sd, w = 10 * sd / nbins;
    PetscCall(W2MLPForward(gen, neval, zeval, xeval));
    for (PetscInt b = 0; b < nbins; b++) {
      const PetscReal x = lo + (b + 0.5) * w;
      dens[3 * b]     = x;
      dens[3 * b + 1] = 0;
      dens[3 * b + 2] = PetscExpReal(-0.5 * PetscSqr((x - mu) / sd)) / (sd * PetscSqrtReal(2 * PETSC_PI));
    }
    for (PetscInt k = 0; k < neval; k++) {
      const PetscInt b = (PetscInt)PetscFloorReal((xeval[k] - lo) / w);
      if (b >= 0 && b < nbins) dens[3 * b + 1] += 1.0 / (neval * w);
    }
  }
  PetscCall(PetscSNPrintf(h5, sizeof(h5), "%s.h5", output));
  PetscCall(PetscViewerHDF5Open(comm, h5, FILE_MODE_WRITE, &v));
  PetscCall(W2H5WriteTable(v, "history", iters, H_COLS, hist));
  PetscCall(W2H5WriteTable(v, "density", nbins, 3, dens));
  PetscCall(W2H5WriteTable(v, "w2_initial", 1, 1, &w2_0));
  PetscCall(W2GanW2ToGaussian(neval, xeval, mu, sd, &hist[H_COLS * (iters - 1) + H_W2]));
  PetscCall(W2H5WriteTable(v, "final_samples_sorted", neval, 1, xeval));
  PetscCall(W2H5WriteString(v, "command", "gan"));
  PetscCall(W2H5WriteString(v, "w2flow_version", W2FLOW_VERSION));
  PetscCall(W2H5WriteString(v, "columns:history", "iteration, loss_d, loss_g, |grad_d|, |grad_g|, W2 to the target from quantiles (NaN: not evaluated)"));
  PetscCall(W2H5WriteString(v, "columns:density", "x, generated density (histogram of the evaluation samples), target density"));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "loss %s%s%s; generator optimiser %s (lr %g); discriminator optimiser %s (lr %g); target N(%g, %g^2); initial W2 %.6e", W2GanLossTypes[loss.type], div ? " " : "", div ? div->type : "", gopt->type, (double)gopt->lr, dopt->type, (double)dopt->lr, (double)mu, (double)sd, (double)w2_0));
  PetscCall(W2H5WriteString(v, "summary", buf));
  PetscCall(PetscViewerDestroy(&v));
  PetscCall(PetscPrintf(comm, "wrote %s\n", h5));
  PetscCall(W2OptionsCheckUnused(comm, PETSC_FALSE));

cleanup:
  PetscCall(PetscFree5(z, xr, xf, xall, vall));
  PetscCall(PetscFree4(dall, gd, gg, dx));
  PetscCall(PetscFree4(hist, zeval, xeval, dens));
  PetscCall(PetscFree(J));
  PetscCall(W2OptimizerDestroy(&gopt));
  PetscCall(W2OptimizerDestroy(&dopt));
  PetscCall(W2MLPDestroy(&gen));
  PetscCall(W2MLPDestroy(&disc));
  PetscCall(W2DivergenceDestroy(&div));
  PetscFunctionReturn(0);
}
