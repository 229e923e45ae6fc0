/// @file HDF5 + XDMF + CSV output of a run, natural order whatever the process layout.
#include <hdf5.h>
#include <unistd.h>
#include "io/output.h"

const char *const W2DiagNames[W2D_COUNT] = {"step", "time", "dt", "energy", "dissipation", "mass", "min_rho", "edi_residual", "edi_relative"};

struct W2Output_s {
  const W2Grid *grid;
  MPI_Comm      comm;
  PetscMPIInt   rank;
  char          base[PETSC_MAX_PATH_LEN], h5[PETSC_MAX_PATH_LEN];
  PetscViewer   viewer;
  hid_t         file;
  PetscInt      nfields;            /* field time steps written */
  PetscReal    *field_time;
  PetscInt      field_cap;
  PetscReal    *diag;               /* rows x W2D_COUNT, all rows of the run */
  PetscInt      nrows, rows_cap, rows_flushed;
  hid_t         diag_set[W2D_COUNT], time_set;
};

static PetscErrorCode AppendCsv(W2Output out, PetscInt from);

static PetscErrorCode PathExists(const char path[], PetscBool *exists)
{
  PetscFunctionBeginUser;
  *exists = access(path, F_OK) == 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputCheckTarget(MPI_Comm comm, const char base[], PetscBool overwrite)
{
  const char *ext[] = {".h5", ".xmf", ".csv"};
  char        path[PETSC_MAX_PATH_LEN];
  PetscBool   exists;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCheck(base && base[0], comm, PETSC_ERR_USER_INPUT, "-output must name a file base (got an empty value)");
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (size_t k = 0; k < 3; k++) {
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s%s", base, ext[k]));
    PetscCall(PathExists(path, &exists));
    PetscCallMPI(MPI_Bcast(&exists, 1, MPIU_BOOL, 0, comm));
    PetscCheck(!exists || overwrite, comm, PETSC_ERR_FILE_OPEN, "-output %s: %s exists; pass -overwrite to replace it", base, path);
  }
  PetscFunctionReturn(0);
}

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

PetscErrorCode W2OutputCreate(const W2Grid *g, const char base[], PetscBool overwrite, W2Output *outp)
{
  W2Output out;
  hid_t    group;

  PetscFunctionBeginUser;
  PetscCall(W2OutputCheckTarget(g->comm, base, overwrite));
  PetscCall(PetscNew(&out));
  out->grid = g;
  out->comm = g->comm;
  PetscCallMPI(MPI_Comm_rank(g->comm, &out->rank));
  PetscCall(PetscStrncpy(out->base, base, sizeof(out->base)));
  PetscCall(PetscSNPrintf(out->h5, sizeof(out->h5), "%s.h5", base));
  PetscCall(PetscViewerHDF5Open(g->comm, out->h5, FILE_MODE_WRITE, &out->viewer));
  PetscCall(PetscViewerHDF5GetFileId(out->viewer, &out->file));
  group = H5Gcreate2(out->file, "/diagnostics", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Gclose(group);
  group = H5Gcreate2(out->file, "/fields", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Gclose(group);
  for (PetscInt c = 0; c < W2D_COUNT; c++) {
    char path[64];
    PetscCall(PetscSNPrintf(path, sizeof(path), "/diagnostics/%s", W2DiagNames[c]));
    out->diag_set[c] = CreateSeries(out->file, path);
    PetscCheck(out->diag_set[c] >= 0, g->comm, PETSC_ERR_FILE_WRITE, "cannot create %s in %s", path, out->h5);
  }
  out->time_set = CreateSeries(out->file, "/fields/time");
  PetscCall(AppendCsv(out, -1));
  *outp         = out;
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
  PetscCall(W2OutputFlush(out));
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputAppendDiagnostics(W2Output out, const PetscReal row[W2D_COUNT])
{
  PetscFunctionBeginUser;
  if (out->nrows == out->rows_cap) {
    out->rows_cap = out->rows_cap ? 2 * out->rows_cap : 1024;
    PetscCall(PetscRealloc(sizeof(PetscReal) * W2D_COUNT * out->rows_cap, &out->diag));
  }
  PetscCall(PetscArraycpy(&out->diag[W2D_COUNT * out->nrows], row, W2D_COUNT));
  out->nrows++;
  PetscFunctionReturn(0);
}

/* The XDMF2 sidecar (../shared/PLATFORM.md): a temporal collection of uniform grids on a
   3DCoRectMesh of cell centres, each attribute a hyperslab of the [t][Ny][Nx] dataset. */
static PetscErrorCode WriteXdmf(W2Output out)
{
  const W2Grid *g = out->grid;
  char          path[PETSC_MAX_PATH_LEN + 8], tmp[PETSC_MAX_PATH_LEN + 16];
  const char   *h5name;
  FILE         *fp;
  const PetscInt Nx = g->N[0], Ny = g->N[1], T = out->nfields;

  PetscFunctionBeginUser;
  if (out->rank) PetscFunctionReturn(0);
  h5name = strrchr(out->h5, '/') ? strrchr(out->h5, '/') + 1 : out->h5;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s.xmf", out->base));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.xmf.tmp", out->base));
  fp = fopen(tmp, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", tmp);
  fprintf(fp, "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n<Xdmf Version=\"2.0\">\n <Domain>\n");
  fprintf(fp, "  <Topology name=\"grid\" TopologyType=\"3DCoRectMesh\" Dimensions=\"1 %d %d\"/>\n", (int)Ny, (int)Nx);
  fprintf(fp, "  <Geometry name=\"geometry\" GeometryType=\"ORIGIN_DXDYDZ\">\n");
  fprintf(fp, "   <DataItem Format=\"XML\" Dimensions=\"3\">0 %.17g %.17g</DataItem>\n", g->dim > 1 ? 0.5 * g->h[1] : 0.0, 0.5 * g->h[0]);
  fprintf(fp, "   <DataItem Format=\"XML\" Dimensions=\"3\">1 %.17g %.17g</DataItem>\n  </Geometry>\n", g->h[1], g->h[0]);
  fprintf(fp, "  <Grid Name=\"flow\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
  for (PetscInt k = 0; k < T; k++) {
    const char *fields[] = {"rho", "phi", "velocity_x", "velocity_y"};
    const int   nf       = g->dim > 1 ? 4 : 3;
    fprintf(fp, "   <Grid Name=\"step %d\" GridType=\"Uniform\">\n    <Time Value=\"%.17g\"/>\n", (int)k, out->field_time[k]);
    fprintf(fp, "    <Topology Reference=\"/Xdmf/Domain/Topology[1]\"/>\n    <Geometry Reference=\"/Xdmf/Domain/Geometry[1]\"/>\n");
    for (int f = 0; f < nf; f++) {
      const PetscBool vec = (PetscBool)(f >= 2 && g->dim > 1);
      const char     *set = f >= 2 ? "velocity" : fields[f];
      const char     *name = (f == 2 && g->dim == 1) ? "velocity" : fields[f];
      fprintf(fp, "    <Attribute Name=\"%s\" AttributeType=\"Scalar\" Center=\"Node\">\n", name);
      fprintf(fp, "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"1 %d %d\" Type=\"HyperSlab\">\n", (int)Ny, (int)Nx);
      if (vec) {
        fprintf(fp, "      <DataItem Dimensions=\"3 4\" Format=\"XML\">%d 0 0 %d 1 1 1 1 1 %d %d 1</DataItem>\n", (int)k, f - 2, (int)Ny, (int)Nx);
        fprintf(fp, "      <DataItem Dimensions=\"%d %d %d 2\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/fields/%s</DataItem>\n", (int)T, (int)Ny, (int)Nx, h5name, set);
      } else if (g->dim > 1) {
        fprintf(fp, "      <DataItem Dimensions=\"3 3\" Format=\"XML\">%d 0 0 1 1 1 1 %d %d</DataItem>\n", (int)k, (int)Ny, (int)Nx);
        fprintf(fp, "      <DataItem Dimensions=\"%d %d %d\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/fields/%s</DataItem>\n", (int)T, (int)Ny, (int)Nx, h5name, set);
      } else {
        fprintf(fp, "      <DataItem Dimensions=\"3 2\" Format=\"XML\">%d 0 1 1 1 %d</DataItem>\n", (int)k, (int)Nx);
        fprintf(fp, "      <DataItem Dimensions=\"%d %d\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/fields/%s</DataItem>\n", (int)T, (int)Nx, h5name, set);
      }
      fprintf(fp, "     </DataItem>\n    </Attribute>\n");
    }
    fprintf(fp, "   </Grid>\n");
  }
  fprintf(fp, "  </Grid>\n </Domain>\n</Xdmf>\n");
  PetscCheck(fclose(fp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", tmp);
  PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s", tmp, path);
  PetscFunctionReturn(0);
}

/* The CSV grows by the rows not yet written; rank 0 only. */
static PetscErrorCode AppendCsv(W2Output out, PetscInt from)
{
  char  path[PETSC_MAX_PATH_LEN + 8];
  FILE *fp;

  PetscFunctionBeginUser;
  if (out->rank) PetscFunctionReturn(0);
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s.csv", out->base));
  fp = fopen(path, from < 0 ? "w" : "a");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
  if (from < 0) {
    for (PetscInt c = 0; c < W2D_COUNT; c++) fprintf(fp, "%s%s", c ? "," : "", W2DiagNames[c]);
    fprintf(fp, "\n");
  }
  for (PetscInt r = PetscMax(from, 0); r < out->nrows; r++) {
    for (PetscInt c = 0; c < W2D_COUNT; c++) {
      const PetscReal v = out->diag[W2D_COUNT * r + c];
      if (c == W2D_STEP) fprintf(fp, "%d", (int)v);
      else fprintf(fp, ",%.17g", v);
    }
    fprintf(fp, "\n");
  }
  PetscCheck(fclose(fp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", path);
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputFlush(W2Output out)
{
  const hsize_t have = (hsize_t)out->rows_flushed, n = (hsize_t)(out->nrows - out->rows_flushed);

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < W2D_COUNT; c++) PetscCall(AppendSeries(out, out->diag_set[c], have, n, &out->diag[W2D_COUNT * out->rows_flushed + c], W2D_COUNT));
  out->rows_flushed = out->nrows;
  PetscCall(PetscViewerFlush(out->viewer));
  PetscCall(WriteXdmf(out));
  PetscCall(AppendCsv(out, (PetscInt)have));
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputGetSteps(W2Output out, PetscInt *field_steps, PetscInt *diag_rows)
{
  PetscFunctionBeginUser;
  if (field_steps) *field_steps = out->nfields;
  if (diag_rows) *diag_rows = out->nrows;
  PetscFunctionReturn(0);
}

PetscErrorCode W2OutputClose(W2Output *outp)
{
  W2Output out = *outp;

  PetscFunctionBeginUser;
  if (!out) PetscFunctionReturn(0);
  PetscCall(W2OutputFlush(out));
  for (PetscInt c = 0; c < W2D_COUNT; c++) H5Dclose(out->diag_set[c]);
  H5Dclose(out->time_set);
  PetscCall(PetscViewerDestroy(&out->viewer));
  PetscCall(PetscFree(out->field_time));
  PetscCall(PetscFree(out->diag));
  PetscCall(PetscFree(*outp));
  PetscFunctionReturn(0);
}
