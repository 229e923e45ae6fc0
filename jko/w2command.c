/// @file `w2flow w2 A.h5[:dataset] B.h5[:dataset]`: W2^2 between two stored densities on the torus.
#include <hdf5.h>
#include "jko/jkoimpl.h"
#include "grid/profile.h"
#include "io/options.h"

/* FILE[:dataset] into path and dataset (default: the option's value) */
static PetscErrorCode SplitSpec(MPI_Comm comm, const char spec[], const char def[], char path[], size_t plen, char dataset[], size_t dlen)
{
  const char *colon = strrchr(spec, ':');
  PetscBool   whole;

  PetscFunctionBeginUser;
  /* a readable file of that exact name wins over a FILE:dataset reading */
  PetscCall(PetscTestFile(spec, 'r', &whole));
  if (colon && !whole) {
    PetscCheck(colon[1], comm, PETSC_ERR_USER_INPUT, "w2: '%s' ends with ':' but names no dataset", spec);
    PetscCheck((size_t)(colon - spec) < plen, comm, PETSC_ERR_USER_INPUT, "w2: the path in '%s' is too long", spec);
    PetscCall(PetscStrncpy(path, spec, (size_t)(colon - spec) + 1));
    PetscCall(PetscStrncpy(dataset, colon + 1, dlen));
  } else {
    PetscCall(PetscStrncpy(path, spec, plen));
    PetscCall(PetscStrncpy(dataset, def, dlen));
  }
  PetscFunctionReturn(0);
}

/* the dataset of a `w2flow run` result, /fields/rho, when the file has one; else rho */
static void DefaultDataset(const char path[], char dataset[], size_t len)
{
  hid_t f;
  snprintf(dataset, len, "rho");
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return;
  if (H5Lexists(f, "fields", H5P_DEFAULT) > 0 && H5Lexists(f, "fields/rho", H5P_DEFAULT) > 0) snprintf(dataset, len, "fields/rho");
  H5Fclose(f);
}

/* the shape of a dataset and whether the file says it is a 1-D w2flow result */
static PetscErrorCode DatasetShape(MPI_Comm comm, const char path[], const char dataset[], int *rank, hsize_t dims[4], PetscBool *says_1d)
{
  hid_t     f, d, s;
  PetscBool exists;

  PetscFunctionBeginUser;
  PetscCall(PetscTestFile(path, 'r', &exists));
  PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "w2: cannot read the file '%s'", path);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(f >= 0, comm, PETSC_ERR_FILE_READ, "w2: '%s' is not a readable HDF5 file", path);
  d = H5Dopen2(f, dataset, H5P_DEFAULT);
  if (d < 0) H5Fclose(f);
  PetscCheck(d >= 0, comm, PETSC_ERR_FILE_READ, "w2: '%s' has no dataset '%s' (give FILE.h5:dataset or -w2_dataset)", path, dataset);
  s     = H5Dget_space(d);
  *rank = H5Sget_simple_extent_ndims(s);
  if (*rank >= 1 && *rank <= 4) H5Sget_simple_extent_dims(s, dims, NULL);
  H5Sclose(s);
  H5Dclose(d);
  *says_1d = PETSC_FALSE;
  if (H5Aexists(f, "grid") > 0) {
    hid_t a = H5Aopen(f, "grid", H5P_DEFAULT), t = H5Aget_type(a);
    if (H5Tget_class(t) == H5T_STRING) {
      char  *v  = NULL, buf[64] = "";
      hid_t  mt = H5Tcopy(H5T_C_S1);
      if (H5Tis_variable_str(t) > 0) {
        H5Tset_size(mt, H5T_VARIABLE);
        if (H5Aread(a, mt, &v) >= 0 && v) {
          *says_1d = (PetscBool)!strncmp(v, "1-D", 3);
          H5free_memory(v);
        }
      } else {
        H5Tset_size(mt, sizeof(buf));
        if (H5Aread(a, mt, buf) >= 0) *says_1d = (PetscBool)!strncmp(buf, "1-D", 3);
      }
      H5Tclose(mt);
    }
    H5Tclose(t);
    H5Aclose(a);
  }
  H5Fclose(f);
  PetscCheck(*rank >= 1 && *rank <= 3, comm, PETSC_ERR_USER_INPUT, "w2: dataset '%s' of '%s' has rank %d; expected [Nx], [Ny][Nx] or a leading time axis", dataset, path, *rank);
  PetscFunctionReturn(0);
}

PetscErrorCode W2DistanceFiles(MPI_Comm comm, const char spec_a[], const char spec_b[], char method[], size_t mlen, PetscReal *w2sq, W2JKOInfo *info)
{
  char      pa[PETSC_MAX_PATH_LEN], pb[PETSC_MAX_PATH_LEN], da[256], db[256], dataset[256] = "";
  int       ra, rb;
  hsize_t   dimsa[4], dimsb[4];
  PetscBool a1, b1, dimset, help, dset;
  PetscInt  dim = 0, step = -1, N[2] = {1, 1};
  PetscReal L[2] = {1.0, 1.0}, ma, mb;
  W2Grid   *grid;
  Vec       a, b;
  W2JKO     jko;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  PetscOptionsBegin(comm, "w2_", "w2flow w2: W2^2 between two densities on the torus", NULL);
  PetscCall(PetscOptionsString("-dataset", "Dataset read when a file is given without :dataset (default: fields/rho of a w2flow result, else rho)", NULL, dataset, dataset, sizeof(dataset), &dset));
  PetscCall(PetscOptionsInt("-step", "Time step of a dataset with a time axis (default: the last)", NULL, step, &step, NULL));
  PetscCall(PetscOptionsInt("-dim", "1 or 2: the grid dimension when the shape [A][B] is ambiguous (default: 2, or 1 for a 1-D w2flow result)", NULL, dim, &dim, &dimset));
  PetscCall(PetscOptionsString("-method", "bfm (back-and-forth, any dimension), newton (damped Newton, semi-discrete), entropic (Sinkhorn, -jko_epsilon) or circle (exact, 1-D)", NULL, method, method, mlen, NULL));
  PetscOptionsEnd();
  PetscOptionsBegin(comm, "grid_", "Periodic grid on [0,Lx) x [0,Ly) (the sizes come from the datasets)", NULL);
  PetscCall(PetscOptionsReal("-Lx", "Period along x", NULL, L[0], &L[0], NULL));
  PetscCall(PetscOptionsReal("-Ly", "Period along y", NULL, L[1], &L[1], NULL));
  PetscOptionsEnd();
  PetscCheck(!strcmp(method, "bfm") || !strcmp(method, "newton") || !strcmp(method, "entropic") || !strcmp(method, "circle"), comm, PETSC_ERR_USER_INPUT, "-w2_method %s is not known (known: bfm, newton, entropic, circle)", method);
  PetscCheck(!dimset || dim == 1 || dim == 2, comm, PETSC_ERR_USER_INPUT, "-w2_dim must be 1 or 2, got %" PetscInt_FMT, dim);
  PetscCall(SplitSpec(comm, spec_a, dataset, pa, sizeof(pa), da, sizeof(da)));
  PetscCall(SplitSpec(comm, spec_b, dataset, pb, sizeof(pb), db, sizeof(db)));
  if (!dset && !da[0]) DefaultDataset(pa, da, sizeof(da));
  if (!dset && !db[0]) DefaultDataset(pb, db, sizeof(db));
  PetscCall(DatasetShape(comm, pa, da, &ra, dimsa, &a1));
  PetscCall(DatasetShape(comm, pb, db, &rb, dimsb, &b1));
  if (!dimset) dim = (ra == 1 || (ra == 2 && a1)) ? 1 : 2;
  /* the grid: the last dim axes of the first dataset; the second must agree */
  N[0] = (PetscInt)dimsa[ra - 1];
  if (dim == 2) {
    PetscCheck(ra >= 2, comm, PETSC_ERR_USER_INPUT, "w2: dataset '%s' of '%s' has rank 1, not a 2-D grid", da, pa);
    N[1] = (PetscInt)dimsa[ra - 2];
  }
  PetscCheck(dimsb[rb - 1] == (hsize_t)N[0] && (dim == 1 || (rb >= 2 && dimsb[rb - 2] == (hsize_t)N[1])), comm, PETSC_ERR_USER_INPUT, "w2: '%s:%s' and '%s:%s' are on different grids (%" PetscInt_FMT " x %" PetscInt_FMT " against the other's last axes)", pa, da, pb, db, N[1], N[0]);
  PetscCheck(strcmp(method, "circle") || dim == 1, comm, PETSC_ERR_USER_INPUT, "-w2_method circle is exact on the circle only: the grid is 2-D (use bfm, newton or entropic)");
  PetscCall(W2GridCreateWithSizes(comm, dim, N, L, 1, &grid));
  PetscCall(DMCreateGlobalVector(grid->da, &a));
  PetscCall(VecDuplicate(a, &b));
  PetscCall(W2ReadGridDataset(grid, pa, da, step, "w2 (first density)", a));
  PetscCall(W2ReadGridDataset(grid, pb, db, step, "w2 (second density)", b));
  {
    PetscReal mn;
    PetscCall(VecMin(a, NULL, &mn));
    PetscCheck(mn >= 0, comm, PETSC_ERR_USER_INPUT, "w2: '%s:%s' is not a density (min %g < 0)", pa, da, (double)mn);
    PetscCall(VecMin(b, NULL, &mn));
    PetscCheck(mn >= 0, comm, PETSC_ERR_USER_INPUT, "w2: '%s:%s' is not a density (min %g < 0)", pb, db, (double)mn);
  }
  PetscCall(W2JKOCreate(grid, NULL, NULL, &jko));
  /* unit mass, the sums taken over the gathered field so that every layout scales by the same number */
  PetscCall(W2JKOMassOf(jko, a, &ma));
  PetscCall(W2JKOMassOf(jko, b, &mb));
  PetscCheck(ma > 0 && mb > 0, comm, PETSC_ERR_USER_INPUT, "w2: a density has no mass (%g, %g)", (double)ma, (double)mb);
  PetscCall(VecScale(a, 1.0 / ma));
  PetscCall(VecScale(b, 1.0 / mb));
  if (strcmp(method, "circle")) PetscCall(W2JKOSetType(jko, method));
  /* W2^2 on a grid is exact only to O(h^2): a default relative gap of 1e-6 (-jko_rtol overrides) */
  PetscCall(W2JKOSetTolerances(jko, 1e-6, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscCall(W2JKOSetFromOptions(jko));
  if (strcmp(method, "circle")) { /* -jko_type may have chosen another method: report the one that ran */
    const char *type;
    PetscCall(W2JKOGetType(jko, &type));
    PetscCall(PetscStrncpy(method, type, mlen));
  }
  PetscCall(PetscMemzero(info, sizeof(*info)));
  if (!help) {
    if (!strcmp(method, "circle")) {
      PetscCall(W2CircleW2Vec(grid, a, b, w2sq));
      info->w2sq = info->primal = info->dual = *w2sq;
      info->converged                        = PETSC_TRUE;
    } else {
      PetscCall(W2JKODistance(jko, a, b, info));
      *w2sq = info->w2sq;
    }
    PetscCall(PetscInfo(NULL, "w2: masses %g and %g normalised to 1\n", (double)ma, (double)mb));
  }
  PetscCall(W2JKODestroy(&jko));
  PetscCall(VecDestroy(&a));
  PetscCall(VecDestroy(&b));
  PetscCall(W2GridDestroy(&grid));
  PetscFunctionReturn(0);
}

PetscErrorCode W2CommandW2(MPI_Comm comm, const char *arg)
{
  int       argc;
  char    **args;
  char      second[PETSC_MAX_PATH_LEN] = "", method[32] = "bfm";
  PetscBool set, help;
  PetscReal w2sq = 0;
  W2JKOInfo info;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  PetscCheck(arg && arg[0], comm, PETSC_ERR_USER_INPUT, "w2 needs two densities: w2flow w2 A.h5[:dataset] B.h5[:dataset]");
  /* the second file: the argument right after the first, or -w2_second */
  PetscCall(PetscGetArgs(&argc, &args));
  if (argc > 1 && args[1][0] != '-') PetscCall(PetscStrncpy(second, args[1], sizeof(second)));
  PetscOptionsBegin(comm, "w2_", "w2flow w2 A.h5[:dataset] B.h5[:dataset]", NULL);
  PetscCall(PetscOptionsString("-second", "The second density FILE.h5[:dataset] (default: the argument after the first)", NULL, second, second, sizeof(second), &set));
  PetscOptionsEnd();
  PetscCheck(second[0] || help, comm, PETSC_ERR_USER_INPUT, "w2 needs two densities: w2flow w2 A.h5[:dataset] B.h5[:dataset] (or -w2_second B.h5[:dataset])");
  PetscCall(W2DistanceFiles(comm, arg, second[0] ? second : arg, method, sizeof(method), &w2sq, &info));
  PetscCall(W2OptionsCheckUnused(comm, PETSC_FALSE));
  if (help) PetscFunctionReturn(0);
  PetscCall(PetscPrintf(comm, "W2^2 = %.15e\n", (double)w2sq));
  if (strcmp(method, "circle"))
    PetscCall(PetscPrintf(comm, "w2flow w2: %s to %s by %s: W2^2 %.15e, dual bound %.15e, gap %.2e, second marginal off by %.2e (total variation), %" PetscInt_FMT " iterations%s\n", arg, second, method, (double)w2sq, (double)info.dual, (double)info.gap, (double)info.marginal,
                          info.iterations, info.converged ? "" : " (NOT converged)"));
  else PetscCall(PetscPrintf(comm, "w2flow w2: %s to %s by the exact circle method (quantile functions and the optimal shift)\n", arg, second));
  PetscFunctionReturn(0);
}
