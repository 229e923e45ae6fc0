/// @file Densities from a named profile, an expression in x and y (libmatheval), or an HDF5 dataset.
#include <hdf5.h>
#include <matheval.h>
#include "grid/profile.h"

static PetscFunctionList W2Profiles          = NULL;
static PetscBool         W2ProfilesRegistered = PETSC_FALSE;

PetscErrorCode W2ProfileRegister(const char name[], W2ProfileFn fn)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFunctionListAdd(&W2Profiles, name, fn));
  PetscFunctionReturn(0);
}

/* the registry lives until PetscFinalize */
static PetscErrorCode W2ProfileFinalizePackage(void)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFunctionListDestroy(&W2Profiles));
  W2ProfilesRegistered = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode W2ProfileRegisterAll(void)
{
  PetscFunctionBeginUser;
  if (W2ProfilesRegistered) PetscFunctionReturn(0);
  W2ProfilesRegistered = PETSC_TRUE;
  PetscCall(PetscRegisterFinalize(W2ProfileFinalizePackage));
  PetscCall(W2ProfileRegister("uniform", W2Profile_Uniform));
  PetscCall(W2ProfileRegister("gaussian", W2Profile_Gaussian));
  PetscCall(W2ProfileRegister("mixture", W2Profile_Mixture));
  PetscCall(W2ProfileRegister("vonmises", W2Profile_VonMises));
  PetscCall(W2ProfileRegister("cosine", W2Profile_Cosine));
  PetscCall(W2ProfileRegister("barenblatt", W2Profile_Barenblatt));
  PetscFunctionReturn(0);
}

/* v = expr(x, y) with libmatheval; the only variables allowed are x (and y in 2-D) */
static PetscErrorCode FillExpression(const W2Grid *g, const char option[], const char expr[], Vec v)
{
  char        *names[2] = {(char *)"x", (char *)"y"};
  char       **used;
  int          nused;
  void        *ev;
  W2Box        b;
  PetscScalar *a;

  PetscFunctionBeginUser;
  ev = evaluator_create((char *)expr);
  PetscCheck(ev, g->comm, PETSC_ERR_USER_INPUT, "%s '%s' does not parse as an expression in x%s", option, expr, g->dim > 1 ? " and y" : "");
  evaluator_get_variables(ev, &used, &nused);
  for (int k = 0; k < nused; k++) {
    PetscBool ok = (PetscBool)(!strcmp(used[k], "x") || (g->dim > 1 && !strcmp(used[k], "y")));
    char      unknown[64] = "";
    if (!ok) { /* used[] belongs to the evaluator: copy the name before destroying it */
      PetscCall(PetscStrncpy(unknown, used[k], sizeof(unknown)));
      evaluator_destroy(ev);
    }
    PetscCheck(ok, g->comm, PETSC_ERR_USER_INPUT, "%s '%s' uses the unknown variable '%s' (allowed: x%s)", option, expr, unknown, g->dim > 1 ? ", y" : "");
  }
  PetscCall(W2GridOwnedBox(g, &b));
  PetscCall(VecGetArray(v, &a));
  for (PetscInt j = b.ys; j < b.ys + b.ym; j++)
    for (PetscInt i = b.xs; i < b.xs + b.xm; i++) {
      double xy[2] = {W2GridX(g, i), W2GridY(g, j)};
      a[(j - b.ys) * b.xm + (i - b.xs)] = evaluator_evaluate(ev, g->dim, names, xy);
    }
  PetscCall(VecRestoreArray(v, &a));
  evaluator_destroy(ev);
  PetscFunctionReturn(0);
}

int W2H5StorageDamaged(hid_t f, hid_t d, int rank, const hsize_t start[], const hsize_t count[])
{
  const hid_t       dcpl = H5Dget_create_plist(d), type = H5Dget_type(d), space = H5Dget_space(d);
  const H5D_layout_t layout = dcpl >= 0 ? H5Pget_layout(dcpl) : H5D_LAYOUT_ERROR;
  const size_t      elem = type >= 0 ? H5Tget_size(type) : 0;
  const hssize_t    npoints = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  hsize_t           fsize = 0;
  int               damaged = elem == 0 || npoints < 0 || H5Fget_filesize(f, &fsize) < 0 || rank < 1 || rank > H5S_MAX_RANK;

  if (damaged) {
  } else if (layout == H5D_CHUNKED) {
    hsize_t chunk[H5S_MAX_RANK], at[H5S_MAX_RANK], offset[H5S_MAX_RANK], bytes = elem;
    int     nfilters = H5Pget_nfilters(dcpl);
    long    visited  = 0;
    damaged = H5Pget_chunk(dcpl, rank, chunk) != rank || nfilters < 0;
    for (int k = 0; !damaged && k < rank; k++) {
      damaged  = chunk[k] == 0 || count[k] == 0;
      bytes   *= chunk[k];
      at[k]    = damaged ? 0 : start[k] / chunk[k];
    }
    /* every chunk the selection touches: not written (the fill value), or inside the file with the
       size of a chunk (any size > 0 when a filter compressed it) */
    while (!damaged && visited++ < (1L << 20)) {
      unsigned mask;
      haddr_t  addr;
      hsize_t  size;
      int      k;
      for (k = 0; k < rank; k++) offset[k] = at[k] * chunk[k];
      if (H5Dget_chunk_info_by_coord(d, offset, &mask, &addr, &size) < 0) damaged = 1;
      else if (addr != HADDR_UNDEF) damaged = size == 0 || addr > fsize || size > fsize - addr || (!nfilters && size != bytes);
      for (k = rank - 1; k >= 0; k--) { /* the next chunk, last index fastest */
        if (++at[k] <= (start[k] + count[k] - 1) / chunk[k]) break;
        at[k] = start[k] / chunk[k];
      }
      if (k < 0) break;
    }
  } else if (layout == H5D_CONTIGUOUS || layout == H5D_COMPACT) {
    const haddr_t addr = layout == H5D_CONTIGUOUS ? H5Dget_offset(d) : HADDR_UNDEF;
    const hsize_t size = H5Dget_storage_size(d), need = (hsize_t)npoints * elem;
    if (layout == H5D_COMPACT) damaged = size < need;
    else if (addr != HADDR_UNDEF) damaged = size < need || addr > fsize || size > fsize - addr;
  } else damaged = 1; /* virtual datasets (other files) and unknown layouts are not read */
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  if (dcpl >= 0) H5Pclose(dcpl);
  return damaged;
}

/* ok on every rank when status >= 0 on every rank: a failure seen by some ranks only must stop all,
   or the others would wait in the next collective call for ever */
static PetscErrorCode AgreeOnFailure(MPI_Comm comm, long status, PetscBool *ok)
{
  int failed = status < 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, comm));
  *ok = failed ? PETSC_FALSE : PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode W2ReadGridDataset(const W2Grid *g, const char file[], const char dataset[], PetscInt step, const char option[], Vec v)
{
  hid_t        f, d, space, mem;
  int          rank;
  hsize_t      dims[H5S_MAX_RANK], start[3] = {0, 0, 0}, count[3] = {1, 1, 1};
  W2Box        b;
  PetscScalar *a;
  herr_t       err;
  PetscBool    exists, ok;

  PetscFunctionBeginUser;
  PetscCall(PetscTestFile(file, 'r', &exists));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &exists, 1, MPIU_BOOL, MPI_LAND, g->comm)); /* every rank reads the file */
  PetscCheck(exists, g->comm, PETSC_ERR_FILE_OPEN, "%s: cannot read the file '%s'", option, file);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCall(AgreeOnFailure(g->comm, f < 0 ? -1 : 0, &ok));
  if (!ok && f >= 0) H5Fclose(f);
  PetscCheck(ok, g->comm, PETSC_ERR_FILE_READ, "%s: '%s' is not a readable HDF5 file", option, file);
  d = H5Dopen2(f, dataset, H5P_DEFAULT);
  PetscCall(AgreeOnFailure(g->comm, d < 0 ? -1 : 0, &ok));
  if (!ok) {
    if (d >= 0) H5Dclose(d);
    H5Fclose(f);
  }
  PetscCheck(ok, g->comm, PETSC_ERR_FILE_READ, "%s: '%s' has no dataset '%s'", option, file, dataset);
  {
    /* HDF5 would convert integers to doubles and fail on strings with a generic error: say what it holds */
    const hid_t       type  = H5Dget_type(d);
    const H5T_class_t klass = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    const char       *what  = klass == H5T_INTEGER ? "integers" : klass == H5T_STRING ? "strings" : klass == H5T_COMPOUND ? "compound records" : "non-numeric data";
    if (type >= 0) H5Tclose(type);
    if (klass != H5T_FLOAT) {
      H5Dclose(d);
      H5Fclose(f);
    }
    PetscCheck(klass == H5T_FLOAT, g->comm, PETSC_ERR_USER_INPUT, "%s: dataset '%s' in '%s' holds %s, not floating-point densities", option, dataset, file, what);
  }
  space = H5Dget_space(d);
  rank  = H5Sget_simple_extent_ndims(space);
  if (rank > 0 && rank <= H5S_MAX_RANK) H5Sget_simple_extent_dims(space, dims, NULL);
  {
    /* accept [Ny][Nx] (or [Nx]) with an optional leading time axis */
    const int       grank = (int)g->dim, lead = rank - grank;
    const PetscBool shape = (PetscBool)((lead == 0 || lead == 1) && dims[rank - 1] == (hsize_t)g->N[0] && (grank == 1 || dims[rank - 2] == (hsize_t)g->N[1]));
    char            has[128] = "", want[64];
    if (!shape) {
      H5Sclose(space);
      H5Dclose(d);
      H5Fclose(f);
      if (rank <= 0) PetscCall(PetscStrncpy(has, rank ? "no readable shape" : "a scalar", sizeof(has)));
      for (int k = 0; k < rank && k < 8; k++) {
        char one[32];
        PetscCall(PetscSNPrintf(one, sizeof(one), "[%llu]", (unsigned long long)dims[k]));
        PetscCall(PetscStrlcat(has, one, sizeof(has)));
      }
      if (rank > 8) PetscCall(PetscStrlcat(has, "...", sizeof(has)));
      if (grank == 1) PetscCall(PetscSNPrintf(want, sizeof(want), "[%" PetscInt_FMT "]", g->N[0]));
      else PetscCall(PetscSNPrintf(want, sizeof(want), "[%" PetscInt_FMT "][%" PetscInt_FMT "]", g->N[1], g->N[0]));
    }
    PetscCheck(shape, g->comm, PETSC_ERR_USER_INPUT, "%s: dataset '%s' in '%s' has shape %s, not the grid's shape %s (optionally with a leading time axis)", option, dataset, file, has, want);
    PetscCall(W2GridOwnedBox(g, &b));
    if (!lead && step > 0) {
      H5Sclose(space);
      H5Dclose(d);
      H5Fclose(f);
    }
    PetscCheck(lead || step <= 0, g->comm, PETSC_ERR_USER_INPUT, "%s: step %" PetscInt_FMT " asked of dataset '%s', which has no time axis", option, step, dataset);
    if (lead) {
      const PetscInt nt = dims[0] > (hsize_t)PETSC_MAX_INT ? PETSC_MAX_INT : (PetscInt)dims[0];
      if (step < 0) step = nt - 1;
      if (step < 0 || step >= nt) {
        H5Sclose(space);
        H5Dclose(d);
        H5Fclose(f);
      }
      PetscCheck(nt > 0, g->comm, PETSC_ERR_USER_INPUT, "%s: dataset '%s' in '%s' has a time axis with no steps", option, dataset, file);
      PetscCheck(step < nt, g->comm, PETSC_ERR_USER_INPUT, "%s: step %" PetscInt_FMT " asked of dataset '%s' with %" PetscInt_FMT " steps", option, step, dataset, nt);
      start[0] = (hsize_t)step;
    }
    start[lead] = (hsize_t)(grank == 2 ? b.ys : b.xs);
    count[lead] = (hsize_t)(grank == 2 ? b.ym : b.xm);
    if (grank == 2) {
      start[lead + 1] = (hsize_t)b.xs;
      count[lead + 1] = (hsize_t)b.xm;
    }
  }
  /* HDF5 1.10 trusts the storage it is told about: a chunk recorded with size 0 made H5Dread copy a
     whole chunk out of an 8-byte buffer (found by tests/fuzz) */
  PetscCall(AgreeOnFailure(g->comm, W2H5StorageDamaged(f, d, rank, start, count) ? -1 : 0, &ok));
  if (!ok) {
    H5Sclose(space);
    H5Dclose(d);
    H5Fclose(f);
  }
  PetscCheck(ok, g->comm, PETSC_ERR_FILE_READ, "%s: dataset '%s' in '%s' is damaged (its storage does not match its shape) or virtual", option, dataset, file);
  H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
  {
    hsize_t n = (hsize_t)b.xm * (hsize_t)b.ym;
    mem       = H5Screate_simple(1, &n, NULL);
  }
  PetscCall(VecGetArray(v, &a));
  err = H5Dread(d, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, a);
  PetscCall(VecRestoreArray(v, &a));
  H5Sclose(mem);
  H5Sclose(space);
  H5Dclose(d);
  H5Fclose(f);
  /* each rank reads its own part, which may fail on some ranks only (data missing from a damaged file) */
  PetscCall(AgreeOnFailure(g->comm, err, &ok));
  PetscCheck(ok, g->comm, PETSC_ERR_FILE_READ, "%s: reading dataset '%s' of '%s' failed (a damaged file?)", option, dataset, file);
  PetscFunctionReturn(0);
}

/* FILE.h5:dataset */
static PetscErrorCode FillFile(const W2Grid *g, const char option[], const char spec[], PetscInt step, Vec v)
{
  char  path[PETSC_MAX_PATH_LEN];
  char *colon;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(path, spec, sizeof(path)));
  colon = strrchr(path, ':');
  PetscCheck(colon && colon[1], g->comm, PETSC_ERR_USER_INPUT, "%s '%s' must be FILE.h5:dataset", option, spec);
  *colon = 0;
  PetscCall(W2ReadGridDataset(g, path, colon + 1, step, option, v));
  PetscFunctionReturn(0);
}

PetscErrorCode W2ProfileCreateDensity(const W2Grid *g, const char prefix[], const char default_profile[], PetscBool positive, Vec v, PetscReal *mass, char source[], size_t source_len)
{
  char        profile[64], expr[1024] = "", file[PETSC_MAX_PATH_LEN] = "", option[80];
  PetscBool   has_profile, has_expr, has_file;
  PetscInt    step = -1;
  PetscReal   vmin, vmax;
  W2ProfileFn fn;

  PetscFunctionBeginUser;
  PetscCall(W2ProfileRegisterAll());
  PetscCall(PetscStrncpy(profile, default_profile, sizeof(profile)));
  PetscOptionsBegin(g->comm, prefix, strcmp(prefix, "target_") ? "Initial density" : "Target density (must be > 0)", NULL);
  PetscCall(PetscOptionsFList("-profile", "Named profile", NULL, W2Profiles, profile, profile, sizeof(profile), &has_profile));
  PetscCall(PetscOptionsString("-expr", "Expression in x and y (libmatheval syntax)", NULL, expr, expr, sizeof(expr), &has_expr));
  PetscCall(PetscOptionsString("-file", "FILE.h5:dataset", NULL, file, file, sizeof(file), &has_file));
  PetscCall(PetscOptionsInt("-file_step", "Time step of a dataset with a time axis (default: the last)", NULL, step, &step, NULL));
  PetscOptionsEnd();
  /* PETSc cuts a string option to the buffer silently: a longer expression would be another one */
  PetscCheck(strlen(expr) < sizeof(expr) - 1, g->comm, PETSC_ERR_USER_INPUT, "-%sexpr is too long (at most %d characters)", prefix, (int)sizeof(expr) - 2);
  PetscCheck(strlen(file) < sizeof(file) - 1, g->comm, PETSC_ERR_USER_INPUT, "-%sfile is too long (at most %d characters)", prefix, (int)sizeof(file) - 2);
  PetscCheck(step >= -1, g->comm, PETSC_ERR_USER_INPUT, "-%sfile_step must be >= 0, got %" PetscInt_FMT, prefix, step);
  PetscCheck(has_profile + has_expr + has_file <= 1, g->comm, PETSC_ERR_USER_INPUT, "give only one of -%sprofile, -%sexpr, -%sfile", prefix, prefix, prefix);
  if (has_expr) {
    PetscCall(PetscSNPrintf(option, sizeof(option), "-%sexpr", prefix));
    PetscCall(FillExpression(g, option, expr, v));
    PetscCall(PetscSNPrintf(source, source_len, "expression %s", expr));
  } else if (has_file) {
    PetscCall(PetscSNPrintf(option, sizeof(option), "-%sfile", prefix));
    PetscCall(FillFile(g, option, file, step, v));
    PetscCall(PetscSNPrintf(source, source_len, "file %s", file));
  } else {
    PetscCall(PetscSNPrintf(option, sizeof(option), "-%sprofile", prefix));
    PetscCall(PetscFunctionListFind(W2Profiles, profile, &fn));
    PetscCheck(fn, g->comm, PETSC_ERR_USER_INPUT, "%s %s is not a known profile (known: uniform, gaussian, mixture, vonmises, cosine, barenblatt)", option, profile);
    PetscCall((*fn)(g, prefix, v));
    PetscCall(PetscSNPrintf(source, source_len, "profile %s", profile));
  }
  {
    /* NaN compares false with everything: count non-finite values separately */
    const PetscScalar *a;
    PetscInt           n, bad = 0;
    PetscCall(VecGetLocalSize(v, &n));
    PetscCall(VecGetArrayRead(v, &a));
    for (PetscInt k = 0; k < n; k++) bad += !PetscIsNormalReal(PetscRealPart(a[k])) && PetscRealPart(a[k]) != 0;
    PetscCall(VecRestoreArrayRead(v, &a));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_SUM, g->comm));
    PetscCheck(!bad, g->comm, PETSC_ERR_USER_INPUT, "%s (%s): %" PetscInt_FMT " values are NaN, infinite or subnormal", option, source, bad);
  }
  PetscCall(VecMin(v, NULL, &vmin));
  PetscCall(VecMax(v, NULL, &vmax));
  PetscCheck(vmin >= 0, g->comm, PETSC_ERR_USER_INPUT, "%s (%s): a density must be >= 0, got %g", option, source, (double)vmin);
  PetscCheck(!positive || vmin > 0, g->comm, PETSC_ERR_USER_INPUT, "%s (%s): must be > 0 everywhere (the divergence needs positivity), got %g", option, source, (double)vmin);
  if (has_file) {
    /* a stored density of unit mass up to round-off is kept bit for bit: a restart continues the stored state exactly */
    PetscCall(W2GridIntegrate(g, v, mass));
    if (PetscAbsReal(*mass - 1.0) <= 1e-12) PetscFunctionReturn(0);
  }
  PetscCall(W2GridNormalize(g, v, mass));
  PetscFunctionReturn(0);
}
