/// @file HDF5 + XDMF + CSV output of a run, natural order whatever the process layout; atomic commits.
#define _POSIX_C_SOURCE 200809L /* fileno, fsync */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io/output.h"
#include "io/xdmf.h"

const char *const W2DiagNames[W2D_COUNT] = {"step", "time", "dt", "energy", "dissipation", "mass", "min_rho", "edi_residual", "edi_relative"};

/* Seconds of wall time after which writing fields also commits the result. */
#define W2_COMMIT_INTERVAL 30.0
/* Extra diagnostic columns a result may carry. */
#define W2_MAX_EXTRA 16

struct W2Output_s {
  const W2Grid  *grid;
  MPI_Comm       comm;
  PetscMPIInt    rank;
  char           base[PETSC_MAX_PATH_LEN], h5[PETSC_MAX_PATH_LEN + 8], partial[PETSC_MAX_PATH_LEN + 16];
  PetscViewer    viewer; /* open on the partial file between commits */
  hid_t          file;
  PetscInt       nfields, field_cap; /* field time steps written, and their times */
  PetscReal     *field_time;
  PetscReal     *diag; /* rows x W2D_COUNT, every row of the run */
  PetscInt       nrows, rows_cap, rows_written;
  hid_t          diag_set[W2D_COUNT], time_set;
  PetscLogDouble last_commit;
  PetscBool      restarted;
  PetscInt       nextra; /* extra columns (W2OutputAddColumns): names, datasets, rows x nextra values */
  char           extra_name[W2_MAX_EXTRA][64];
  hid_t          extra_set[W2_MAX_EXTRA];
  PetscReal     *extra;
};

/* DIR of -output DIR/BASE must exist and take new files, or a command would fail only after its set-up (and as root,
   access() says yes to read-only places such as /proc: so create a file there and remove it) */
PetscErrorCode W2OutputCheckDirectory(MPI_Comm comm, const char given[])
{
  char        base[PETSC_MAX_PATH_LEN] = "", dir[PETSC_MAX_PATH_LEN], probe[PETSC_MAX_PATH_LEN + 32];
  PetscBool   set = PETSC_TRUE;
  PetscMPIInt rank;
  int         status = 0; /* 0 ok, -1 missing, -2 not a directory, else errno of the probe */

  PetscFunctionBeginUser;
  if (given) PetscCall(PetscStrncpy(base, given, sizeof(base)));
  else PetscCall(PetscOptionsGetString(NULL, NULL, "-output", base, sizeof(base), &set));
  if (!set || !base[0]) PetscFunctionReturn(0); /* the default base, or W2OutputCheckTarget's error */
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscStrncpy(probe, base, sizeof(probe))); /* dirname() works in place, returns a part */
  PetscCall(PetscStrncpy(dir, dirname(probe), sizeof(dir)));
  if (rank == 0) {
    struct stat st;
    if (stat(dir, &st)) status = -1;
    else if (!S_ISDIR(st.st_mode)) status = -2;
    else {
      int fd;
      PetscCall(PetscSNPrintf(probe, sizeof(probe), "%s/.w2flow-probe-XXXXXX", dir));
      fd = mkstemp(probe);
      if (fd < 0) status = errno ? errno : EACCES;
      else {
        close(fd);
        unlink(probe);
      }
    }
  }
  PetscCallMPI(MPI_Bcast(&status, 1, MPI_INT, 0, comm));
  PetscCheck(status != -1, comm, PETSC_ERR_FILE_OPEN, "-output %s: the directory '%s' does not exist", base, dir);
  PetscCheck(status != -2, comm, PETSC_ERR_FILE_OPEN, "-output %s: '%s' is not a directory", base, dir);
  PetscCheck(!status, comm, PETSC_ERR_FILE_OPEN, "-output %s: cannot create files in '%s' (%s)", base, dir, strerror(status));
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputCheckTarget(MPI_Comm comm, const char base[], PetscBool overwrite)
{
  const char *ext[] = {".h5", ".xmf", ".csv"};
  char        path[PETSC_MAX_PATH_LEN + 8];
  PetscBool   exists;

  PetscFunctionBeginUser;
  PetscCheck(base && base[0], comm, PETSC_ERR_USER_INPUT, "-output must name a file base (got an empty value)");
  PetscCall(W2OutputCheckDirectory(comm, base));
  for (size_t k = 0; k < 3; k++) {
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s%s", base, ext[k]));
    exists = access(path, F_OK) == 0 ? PETSC_TRUE : PETSC_FALSE;
    PetscCallMPI(MPI_Bcast(&exists, 1, MPIU_BOOL, 0, comm));
    PetscCheck(!exists || overwrite, comm, PETSC_ERR_FILE_OPEN, "-output %s: %s exists; pass -overwrite to replace it", base, path);
  }
  PetscFunctionReturn(0);
}

/* close fp and move tmp over path: the reader sees the old file or the new one, never a part */
static int CloseAndRename(FILE *fp, const char tmp[], const char path[])
{
  if (fflush(fp) || fsync(fileno(fp))) {
    int e = errno;
    fclose(fp);
    return e;
  }
  if (fclose(fp)) return errno;
  return rename(tmp, path) ? errno : 0;
}

static int CopyFile(const char from[], const char to[])
{
  char    buf[1 << 16];
  ssize_t n;
  int     in = open(from, O_RDONLY), out, status = 0;
  if (in < 0) return errno;
  out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) {
    status = errno;
    close(in);
    return status;
  }
  while ((n = read(in, buf, sizeof(buf))) > 0)
    if (write(out, buf, (size_t)n) != n) {
      status = errno ? errno : EIO;
      break;
    }
  if (n < 0) status = errno;
  if (!status && fsync(out)) status = errno;
  close(in);
  if (close(out) && !status) status = errno;
  return status;
}

/* Run on rank 0 what only rank 0 does, and raise its failure on every rank. */
#define W2_RANK0(out, expr, ...) \
  do { \
    int status_ = 0; \
    if ((out)->rank == 0) status_ = (expr); \
    PetscCallMPI(MPI_Bcast(&status_, 1, MPI_INT, 0, (out)->comm)); \
    PetscCheck(!status_, (out)->comm, PETSC_ERR_FILE_WRITE, __VA_ARGS__, strerror(status_)); \
  } while (0)

/* An extendible 1-D dataset of doubles under the open file. */
static hid_t CreateSeries(hid_t file, const char path[])
{
  hsize_t dims = 0, maxdims = H5S_UNLIMITED, chunk = 256;
  hid_t   space = H5Screate_simple(1, &dims, &maxdims), plist = H5Pcreate(H5P_DATASET_CREATE), set;
  H5Pset_chunk(plist, 1, &chunk);
  set = H5Dcreate2(file, path, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, plist, H5P_DEFAULT);
  H5Pclose(plist);
  H5Sclose(space);
  return set;
}

static PetscErrorCode OpenFile(W2Output out, PetscFileMode mode)
{
  char path[96];

  PetscFunctionBeginUser;
  PetscCall(PetscViewerHDF5Open(out->comm, out->partial, mode, &out->viewer));
  PetscCall(PetscViewerHDF5GetFileId(out->viewer, &out->file));
  if (mode == FILE_MODE_WRITE) {
    H5Gclose(H5Gcreate2(out->file, "/diagnostics", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Gclose(H5Gcreate2(out->file, "/fields", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  }
  for (PetscInt c = 0; c <= W2D_COUNT; c++) {
    hid_t *set = c < W2D_COUNT ? &out->diag_set[c] : &out->time_set;
    if (c < W2D_COUNT) PetscCall(PetscSNPrintf(path, sizeof(path), "/diagnostics/%s", W2DiagNames[c]));
    else PetscCall(PetscStrncpy(path, "/fields/time", sizeof(path)));
    *set = mode == FILE_MODE_WRITE ? CreateSeries(out->file, path) : H5Dopen2(out->file, path, H5P_DEFAULT);
    PetscCheck(*set >= 0, out->comm, PETSC_ERR_FILE_READ, "cannot %s %s in %s", mode == FILE_MODE_WRITE ? "create" : "open", path, out->partial);
  }
  for (PetscInt c = 0; c < out->nextra; c++) {
    PetscCall(PetscSNPrintf(path, sizeof(path), "/diagnostics/%s", out->extra_name[c]));
    out->extra_set[c] = H5Dopen2(out->file, path, H5P_DEFAULT);
    PetscCheck(out->extra_set[c] >= 0, out->comm, PETSC_ERR_FILE_READ, "cannot open %s in %s", path, out->partial);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CloseFile(W2Output out)
{
  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < W2D_COUNT; c++) H5Dclose(out->diag_set[c]);
  for (PetscInt c = 0; c < out->nextra; c++) H5Dclose(out->extra_set[c]);
  H5Dclose(out->time_set);
  PetscCall(PetscViewerDestroy(&out->viewer));
  PetscFunctionReturn(0);
}

/* Append n values (strided by stride in data) to a series: collective extent, rank 0 writes. */
static PetscErrorCode AppendSeries(W2Output out, hid_t set, hsize_t have, hsize_t n, const PetscReal *data, PetscInt stride)
{
  hsize_t    size = have + n;
  hid_t      file_space, mem_space;
  PetscReal *buf;
  herr_t     err;

  PetscFunctionBeginUser;
  if (!n) PetscFunctionReturn(0);
  PetscCheck(H5Dset_extent(set, &size) >= 0, out->comm, PETSC_ERR_FILE_WRITE, "cannot extend a dataset of %s", out->h5);
  file_space = H5Dget_space(set);
  mem_space  = H5Screate_simple(1, &n, NULL);
  if (out->rank == 0) H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &have, NULL, &n, NULL);
  else {
    H5Sselect_none(file_space);
    H5Sselect_none(mem_space);
  }
  PetscCall(PetscMalloc1(n, &buf));
  for (hsize_t k = 0; k < n; k++) buf[k] = data[k * stride];
  err = H5Dwrite(set, H5T_NATIVE_DOUBLE, mem_space, file_space, H5P_DEFAULT, buf);
  PetscCall(PetscFree(buf));
  H5Sclose(mem_space);
  H5Sclose(file_space);
  PetscCheck(err >= 0, out->comm, PETSC_ERR_FILE_WRITE, "writing to %s failed", out->h5);
  PetscFunctionReturn(0);
}

/* The XDMF2 sidecar of the committed file: rho, phi and the velocity components at every field step. */
static int WriteXdmf(W2Output out)
{
  char              path[PETSC_MAX_PATH_LEN + 8];
  const char       *h5name = strrchr(out->h5, '/') ? strrchr(out->h5, '/') + 1 : out->h5;
  const PetscInt    dim    = out->grid->dim;
  const W2XdmfField fields[] = {
    {"rho", "/fields/rho", 1, 0},
    {"phi", "/fields/phi", 1, 0},
    {dim > 1 ? "velocity_x" : "velocity", "/fields/velocity", dim, 0},
    {"velocity_y", "/fields/velocity", 2, 1},
  };

  snprintf(path, sizeof(path), "%s.xmf", out->base);
  return W2XdmfWriteFile(path, out->grid, h5name, out->nfields, out->field_time, dim > 1 ? 4 : 3, fields);
}

/* Cut a dataset with an unlimited first axis back to n entries along it. */
static PetscErrorCode Truncate(W2Output out, const char path[], hsize_t n)
{
  hid_t   set = H5Dopen2(out->file, path, H5P_DEFAULT), space;
  hsize_t dims[4];
  int     rank;

  PetscFunctionBeginUser;
  PetscCheck(set >= 0, out->comm, PETSC_ERR_FILE_UNEXPECTED, "-restart: %s has no dataset %s", out->partial, path);
  space = H5Dget_space(set);
  rank  = H5Sget_simple_extent_ndims(space);
  H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  PetscCheck(rank >= 1 && rank <= 4 && dims[0] >= n, out->comm, PETSC_ERR_FILE_UNEXPECTED, "-restart: dataset %s holds %d entries, the checkpoint needs %d", path, rank >= 1 ? (int)dims[0] : 0, (int)n);
  dims[0] = n;
  PetscCheck(H5Dset_extent(set, dims) >= 0, out->comm, PETSC_ERR_FILE_WRITE, "-restart: cannot cut %s back to %d entries", path, (int)n);
  H5Dclose(set);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadSeries(W2Output out, hid_t set, hsize_t n, PetscReal *data, PetscInt stride)
{
  PetscReal *buf;

  PetscFunctionBeginUser;
  if (!n) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(n, &buf));
  PetscCheck(H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0, out->comm, PETSC_ERR_FILE_READ, "-restart: cannot read a series of %s", out->partial);
  for (hsize_t k = 0; k < n; k++) data[k * stride] = buf[k];
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputCreate(const W2Grid *g, const char base[], const char restart_file[], const W2Checkpoint *ck, W2Output *outp)
{
  W2Output out;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&out));
  out->grid = g;
  out->comm = g->comm;
  PetscCallMPI(MPI_Comm_rank(g->comm, &out->rank));
  PetscCall(PetscStrncpy(out->base, base, sizeof(out->base)));
  PetscCall(PetscSNPrintf(out->h5, sizeof(out->h5), "%s.h5", base));
  PetscCall(PetscSNPrintf(out->partial, sizeof(out->partial), "%s.h5.partial", base));
  out->restarted = ck ? PETSC_TRUE : PETSC_FALSE;
  if (!ck) PetscCall(OpenFile(out, FILE_MODE_WRITE));
  else {
    const char *fields[] = {"/fields/rho", "/fields/phi", "/fields/velocity"};
    W2_RANK0(out, CopyFile(restart_file, out->partial), "-restart: cannot copy %s to %s: %s", restart_file, out->partial);
    PetscCall(OpenFile(out, FILE_MODE_APPEND));
    for (size_t k = 0; k < 3; k++) PetscCall(Truncate(out, fields[k], (hsize_t)ck->nfields));
    PetscCall(Truncate(out, "/fields/time", (hsize_t)ck->nfields));
    for (PetscInt c = 0; c < W2D_COUNT; c++) {
      char path[64];
      PetscCall(PetscSNPrintf(path, sizeof(path), "/diagnostics/%s", W2DiagNames[c]));
      PetscCall(Truncate(out, path, (hsize_t)ck->nrows));
    }
    out->nfields = out->field_cap = ck->nfields;
    out->nrows = out->rows_cap = out->rows_written = ck->nrows;
    PetscCall(PetscMalloc1(PetscMax(out->field_cap, 1), &out->field_time));
    PetscCall(PetscMalloc1(W2D_COUNT * PetscMax(out->rows_cap, 1), &out->diag));
    PetscCall(ReadSeries(out, out->time_set, (hsize_t)ck->nfields, out->field_time, 1));
    for (PetscInt c = 0; c < W2D_COUNT; c++) PetscCall(ReadSeries(out, out->diag_set[c], (hsize_t)ck->nrows, &out->diag[c], W2D_COUNT));
  }
  PetscCall(PetscTime(&out->last_commit));
  *outp = out;
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputGetPath(W2Output out, const char **h5)
{
  PetscFunctionBeginUser;
  *h5 = out->h5;
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputWriteAttribute(W2Output out, const char name[], const char value[])
{
  PetscFunctionBeginUser;
  PetscCall(PetscViewerHDF5WriteAttribute(out->viewer, "/", name, PETSC_STRING, value));
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputWriteFields(W2Output out, PetscReal t, Vec rho, Vec phi, Vec velocity, Vec q)
{
  PetscLogDouble now;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerHDF5PushGroup(out->viewer, "/fields"));
  if (q) {
    PetscCall(PetscObjectSetName((PetscObject)q, "q"));
    PetscCall(VecView(q, out->viewer));
  }
  PetscCall(PetscViewerHDF5PushTimestepping(out->viewer));
  PetscCall(PetscViewerHDF5SetTimestep(out->viewer, out->nfields));
  PetscCall(PetscObjectSetName((PetscObject)rho, "rho"));
  PetscCall(PetscObjectSetName((PetscObject)phi, "phi"));
  PetscCall(PetscObjectSetName((PetscObject)velocity, "velocity"));
  PetscCall(VecView(rho, out->viewer));
  PetscCall(VecView(phi, out->viewer));
  PetscCall(VecView(velocity, out->viewer));
  PetscCall(PetscViewerHDF5PopTimestepping(out->viewer));
  PetscCall(PetscViewerHDF5PopGroup(out->viewer));
  if (out->nfields == out->field_cap) {
    out->field_cap = out->field_cap ? 2 * out->field_cap : 64;
    PetscCall(PetscRealloc(sizeof(PetscReal) * out->field_cap, &out->field_time));
  }
  out->field_time[out->nfields] = t;
  PetscCall(AppendSeries(out, out->time_set, (hsize_t)out->nfields, 1, &out->field_time[out->nfields], 1));
  out->nfields++;
  /* the same wall-clock decision on every rank: commits are collective */
  PetscCall(PetscTime(&now));
  now -= out->last_commit;
  PetscCallMPI(MPI_Bcast(&now, 1, MPI_DOUBLE, 0, out->comm));
  if (now > W2_COMMIT_INTERVAL) PetscCall(W2OutputCommit(out));
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputAppendDiagnostics(W2Output out, const PetscReal row[W2D_COUNT])
{
  PetscFunctionBeginUser;
  if (out->nrows == out->rows_cap) {
    out->rows_cap = out->rows_cap ? 2 * out->rows_cap : 1024;
    PetscCall(PetscRealloc(sizeof(PetscReal) * W2D_COUNT * out->rows_cap, &out->diag));
    if (out->nextra) PetscCall(PetscRealloc(sizeof(PetscReal) * out->nextra * out->rows_cap, &out->extra));
  }
  PetscCall(PetscArraycpy(&out->diag[W2D_COUNT * out->nrows], row, W2D_COUNT));
  for (PetscInt c = 0; c < out->nextra; c++) out->extra[out->nextra * out->nrows + c] = NAN;
  out->nrows++;
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputAddColumns(W2Output out, PetscInt n, const char *const names[])
{
  char path[96];

  PetscFunctionBeginUser;
  PetscCheck(out->nextra + n <= W2_MAX_EXTRA, out->comm, PETSC_ERR_SUP, "a result holds at most %d extra diagnostic columns", W2_MAX_EXTRA);
  PetscCheck(out->restarted || out->nrows == 0, out->comm, PETSC_ERR_ORDER, "extra diagnostic columns are declared before the first row");
  PetscCall(PetscRealloc(sizeof(PetscReal) * (out->nextra + n) * PetscMax(out->rows_cap, 1), &out->extra));
  /* existing rows keep their values: re-stride them for the wider row */
  for (PetscInt r = out->nrows - 1; r >= 0 && out->nextra; r--)
    for (PetscInt c = out->nextra - 1; c >= 0; c--) out->extra[(out->nextra + n) * r + c] = out->extra[out->nextra * r + c];
  for (PetscInt k = 0; k < n; k++) {
    const PetscInt c = out->nextra + k;
    PetscCall(PetscStrncpy(out->extra_name[c], names[k], sizeof(out->extra_name[c])));
    PetscCall(PetscSNPrintf(path, sizeof(path), "/diagnostics/%s", names[k]));
    if (out->restarted) {
      /* the continued result: its rows up to the checkpoint */
      PetscCall(Truncate(out, path, (hsize_t)out->nrows));
      out->extra_set[c] = H5Dopen2(out->file, path, H5P_DEFAULT);
      PetscCall(ReadSeries(out, out->extra_set[c], (hsize_t)out->nrows, &out->extra[c], out->nextra + n));
    } else out->extra_set[c] = CreateSeries(out->file, path);
    PetscCheck(out->extra_set[c] >= 0, out->comm, PETSC_ERR_FILE_WRITE, "cannot create %s in %s", path, out->partial);
  }
  out->nextra += n;
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputSetExtra(W2Output out, const PetscReal values[])
{
  PetscFunctionBeginUser;
  PetscCheck(out->nrows > 0, out->comm, PETSC_ERR_ORDER, "W2OutputSetExtra: no diagnostic row yet");
  PetscCall(PetscArraycpy(&out->extra[out->nextra * (out->nrows - 1)], values, out->nextra));
  PetscFunctionReturn(0);
}

static PetscErrorCode FlushRows(W2Output out)
{
  const hsize_t have = (hsize_t)out->rows_written, n = (hsize_t)(out->nrows - out->rows_written);

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < W2D_COUNT; c++) PetscCall(AppendSeries(out, out->diag_set[c], have, n, &out->diag[W2D_COUNT * out->rows_written + c], W2D_COUNT));
  for (PetscInt c = 0; c < out->nextra; c++) PetscCall(AppendSeries(out, out->extra_set[c], have, n, &out->extra[out->nextra * out->rows_written + c], out->nextra));
  out->rows_written = out->nrows;
  PetscFunctionReturn(0);
}

static int WriteCsv(W2Output out)
{
  char  path[PETSC_MAX_PATH_LEN + 8], tmp[PETSC_MAX_PATH_LEN + 16];
  FILE *fp;

  snprintf(path, sizeof(path), "%s.csv", out->base);
  snprintf(tmp, sizeof(tmp), "%s.csv.tmp", out->base);
  fp = fopen(tmp, "w");
  if (!fp) return errno;
  for (PetscInt c = 0; c < W2D_COUNT; c++) fprintf(fp, "%s%s", c ? "," : "", W2DiagNames[c]);
  for (PetscInt c = 0; c < out->nextra; c++) fprintf(fp, ",%s", out->extra_name[c]);
  fprintf(fp, "\n");
  for (PetscInt r = 0; r < out->nrows; r++) {
    for (PetscInt c = 0; c < W2D_COUNT; c++) {
      const PetscReal v = out->diag[W2D_COUNT * r + c];
      if (c == W2D_STEP) fprintf(fp, "%d", (int)v);
      else fprintf(fp, ",%.17g", v);
    }
    for (PetscInt c = 0; c < out->nextra; c++) fprintf(fp, ",%.17g", out->extra[out->nextra * r + c]);
    fprintf(fp, "\n");
  }
  return CloseAndRename(fp, tmp, path);
}

/* the sidecars follow the committed .h5 (rank 0) */
static int WriteSidecars(W2Output out)
{
  int status = WriteXdmf(out);
  return status ? status : WriteCsv(out);
}

static int CommitCopy(W2Output out)
{
  char tmp[PETSC_MAX_PATH_LEN + 16];
  int  status;
  snprintf(tmp, sizeof(tmp), "%s.tmp", out->h5);
  status = CopyFile(out->partial, tmp);
  if (!status && rename(tmp, out->h5)) status = errno;
  return status ? status : WriteSidecars(out);
}

PetscErrorCode W2OutputCommit(W2Output out)
{
  PetscFunctionBeginUser;
  PetscCall(FlushRows(out));
  PetscCall(CloseFile(out)); /* a closed HDF5 file is complete on disk */
  W2_RANK0(out, CommitCopy(out), "committing %s failed: %s", out->h5);
  PetscCall(OpenFile(out, FILE_MODE_APPEND));
  PetscCall(PetscTime(&out->last_commit));
  PetscFunctionReturn(0);
}

static int CommitRename(W2Output out)
{
  return rename(out->partial, out->h5) ? errno : WriteSidecars(out);
}

PetscErrorCode W2OutputClose(W2Output *outp)
{
  W2Output out = *outp;

  PetscFunctionBeginUser;
  if (!out) PetscFunctionReturn(0);
  PetscCall(FlushRows(out));
  PetscCall(CloseFile(out));
  W2_RANK0(out, CommitRename(out), "moving %s to its place failed: %s", out->h5);
  PetscCall(PetscFree(out->field_time));
  PetscCall(PetscFree(out->diag));
  PetscCall(PetscFree(out->extra));
  PetscCall(PetscFree(*outp));
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputGetSteps(W2Output out, PetscInt *field_steps, PetscInt *diag_rows)
{
  PetscFunctionBeginUser;
  if (field_steps) *field_steps = out->nfields;
  if (diag_rows) *diag_rows = out->nrows;
  PetscFunctionReturn(0);
}

static const char *const CheckpointInts[]  = {"step", "nfields", "nrows", "last_written", "Nx", "Ny"};
static const char *const CheckpointReals[] = {"time", "dt", "step_scale", "E0", "dissipated", "D_prev"};

static void CheckpointMembers(W2Checkpoint *ck, PetscInt *ints[6], PetscReal *reals[6])
{
  ints[0]  = &ck->step;
  ints[1]  = &ck->nfields;
  ints[2]  = &ck->nrows;
  ints[3]  = &ck->last_written;
  ints[4]  = &ck->N[0];
  ints[5]  = &ck->N[1];
  reals[0] = &ck->time;
  reals[1] = &ck->dt;
  reals[2] = &ck->step_scale;
  reals[3] = &ck->E0;
  reals[4] = &ck->dissipated;
  reals[5] = &ck->D_prev;
}

PetscErrorCode W2OutputWriteCheckpoint(W2Output out, Vec rho, W2Checkpoint *ck)
{
  PetscInt  *ints[6];
  PetscReal *reals[6];

  PetscFunctionBeginUser;
  ck->nfields = out->nfields;
  ck->nrows   = out->nrows;
  ck->N[0]    = out->grid->N[0];
  ck->N[1]    = out->grid->N[1];
  CheckpointMembers(ck, ints, reals);
  PetscCall(PetscViewerHDF5PushGroup(out->viewer, "/checkpoint"));
  PetscCall(PetscObjectSetName((PetscObject)rho, "rho"));
  PetscCall(VecView(rho, out->viewer));
  PetscCall(PetscViewerHDF5PopGroup(out->viewer));
  for (int k = 0; k < 6; k++) {
    PetscCall(PetscViewerHDF5WriteAttribute(out->viewer, "/checkpoint/rho", CheckpointInts[k], PETSC_INT, ints[k]));
    PetscCall(PetscViewerHDF5WriteAttribute(out->viewer, "/checkpoint/rho", CheckpointReals[k], PETSC_REAL, reals[k]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputReadCheckpoint(const W2Grid *g, const char file[], Vec rho, W2Checkpoint *ck)
{
  PetscViewer v;
  PetscBool   has;
  PetscInt   *ints[6];
  PetscReal  *reals[6];
  int         is_hdf5 = 0;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(g->comm, &rank));
  if (!rank) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    is_hdf5 = access(file, R_OK) ? -1 : H5Fis_hdf5(file) > 0;
  }
  PetscCallMPI(MPI_Bcast(&is_hdf5, 1, MPI_INT, 0, g->comm));
  PetscCheck(is_hdf5 >= 0, g->comm, PETSC_ERR_FILE_OPEN, "-restart %s: cannot read the file", file);
  PetscCheck(is_hdf5 > 0, g->comm, PETSC_ERR_FILE_READ, "-restart %s: not an HDF5 file", file);
  PetscCall(PetscViewerHDF5Open(g->comm, file, FILE_MODE_READ, &v));
  PetscCall(PetscViewerHDF5HasDataset(v, "/checkpoint/rho", &has));
  if (!has) PetscCall(PetscViewerDestroy(&v));
  PetscCheck(has, g->comm, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: no /checkpoint in the file (a run writes one at -checkpoint_every steps, on an interrupt and at its end)", file);
  CheckpointMembers(ck, ints, reals);
  for (int k = 0; k < 6; k++) {
    PetscCall(PetscViewerHDF5ReadAttribute(v, "/checkpoint/rho", CheckpointInts[k], PETSC_INT, NULL, ints[k]));
    PetscCall(PetscViewerHDF5ReadAttribute(v, "/checkpoint/rho", CheckpointReals[k], PETSC_REAL, NULL, reals[k]));
  }
  if (ck->N[0] != g->N[0] || ck->N[1] != g->N[1]) PetscCall(PetscViewerDestroy(&v));
  PetscCheck(ck->N[0] == g->N[0] && ck->N[1] == g->N[1], g->comm, PETSC_ERR_USER_INPUT, "-restart %s: the checkpoint is on a %" PetscInt_FMT " x %" PetscInt_FMT " grid, the parameters give %" PetscInt_FMT " x %" PetscInt_FMT, file, ck->N[0], ck->N[1], g->N[0], g->N[1]);
  PetscCall(PetscViewerHDF5PushGroup(v, "/checkpoint"));
  PetscCall(PetscObjectSetName((PetscObject)rho, "rho"));
  PetscCall(VecLoad(rho, v));
  PetscCall(PetscViewerHDF5PopGroup(v));
  PetscCall(PetscViewerDestroy(&v));
  PetscFunctionReturn(0);
}
